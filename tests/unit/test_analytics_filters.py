"""Filters from a URL: clear messages for bad dates, and nothing shaped like SQL gets through."""
from datetime import date

import pytest

from bot.analytics.filters import FilterError, parse

TODAY = date(2026, 11, 27)


def test_defaults_to_the_last_thirty_days_without_demos():
    f = parse({}, now=TODAY)
    assert (f.start_day, f.end_day, f.channel, f.language, f.include_demo) == ("2026-10-29", "2026-11-27", None, None, False)


@pytest.mark.parametrize("params, message", [
    ({"from": "2026-13-45"}, "start date 2026-13-45 is not a day of the calendar"),
    ({"from": "27/11/2026"}, "start date must look like 2026-11-27"),
    ({"to": "yesterday"}, "end date must look like"),
    ({"from": "2026-11-20", "to": "2026-11-01"}, "start date is after the end date"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "at most"),
    ({"channel": "rest' OR '1'='1"}, "channel name has only letters"),
    ({"channel": "<script>"}, "channel name has only letters"),
    ({"language": "fr"}, "Language must be en or es"),
])
def test_bad_values_are_refused_with_a_message_for_people(params, message):
    with pytest.raises(FilterError, match=message):
        parse(params, now=TODAY)


def test_channel_language_and_demo_are_normalised():
    f = parse({"from": "2026-11-01", "to": "2026-11-02", "channel": " Twilio ", "language": "ES", "demo": "1"}, now=TODAY)
    assert (f.channel, f.language, f.include_demo, f.days) == ("twilio", "es", True, 2)
