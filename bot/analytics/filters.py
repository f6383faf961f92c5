"""What slice of the data a page or export asks for, parsed and checked in one place.

Filters come from URLs typed or edited by people, so every value is validated against a strict
shape (ISO dates, short lowercase words) and then only ever used as a bound SQL parameter. A bad
value raises ``FilterError`` with a message meant for the person who typed it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Mapping, Optional

MAX_DAYS = 3 * 366
PUBLISHED_DEFAULT_WEEKS = 5
_WORD = re.compile(r"^[a-z0-9_-]{1,64}$")
LANGUAGES = ("en", "es")


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    channel: Optional[str] = None
    language: Optional[str] = None
    include_demo: bool = False

    @property
    def start_day(self) -> str:
        return self.start.isoformat()

    @property
    def end_day(self) -> str:
        return self.end.isoformat()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_query(self) -> dict:
        query = {"from": self.start_day, "to": self.end_day}
        if self.channel:
            query["channel"] = self.channel
        if self.language:
            query["language"] = self.language
        if self.include_demo:
            query["demo"] = "1"
        return query


def today() -> date:
    return datetime.now(timezone.utc).date()


def _parse_day(value: str, label: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise FilterError(f"The {label} date must look like 2026-11-27 (year-month-day).")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"The {label} date {value} is not a day of the calendar (check the month and the day).") from None


def parse(params: Mapping[str, str], default_days: int = 30, now: Optional[date] = None) -> Filters:
    """``from``/``to`` (YYYY-MM-DD, inclusive), ``channel``, ``language`` (en|es), ``demo`` (1 to include)."""
    now = now or today()
    raw_start, raw_end = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    end = _parse_day(raw_end, "end") if raw_end else now
    start = _parse_day(raw_start, "start") if raw_start else end - timedelta(days=default_days - 1)
    if start > end:
        raise FilterError("The start date is after the end date: swap them.")
    if (end - start).days + 1 > MAX_DAYS:
        raise FilterError(f"Pick a range of at most {MAX_DAYS} days.")
    channel = (params.get("channel") or "").strip().lower() or None
    if channel is not None and not _WORD.match(channel):
        raise FilterError("A channel name has only letters, digits, '-' and '_'.")
    language = (params.get("language") or "").strip().lower() or None
    if language is not None and language not in LANGUAGES:
        raise FilterError("Language must be en or es.")
    include_demo = (params.get("demo") or "").strip() in ("1", "true", "yes", "on")
    return Filters(start, end, channel, language, include_demo)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def whole_weeks(params: Mapping[str, str], now: Optional[date] = None) -> Filters:
    """The filters of a page or export people see: the range must be whole ISO weeks (Monday to Sunday).

    Published numbers are sums of weekly cells (``bot.analytics.weekly_cells``); a range cutting a
    week could not be answered from them, and allowing one would let two overlapping ranges be
    subtracted to single out a few days. Without dates: the five weeks ending with this one.
    """
    now = now or today()
    defaults = dict(params)
    if not (params.get("to") or "").strip():
        defaults["to"] = (monday_of(now) + timedelta(days=6)).isoformat()
    if not (params.get("from") or "").strip():
        end = _parse_day(defaults["to"].strip(), "end")
        defaults["from"] = (monday_of(end) - timedelta(weeks=PUBLISHED_DEFAULT_WEEKS - 1)).isoformat()
    chosen = parse(defaults, now=now)
    if chosen.start.weekday() != 0 or chosen.end.weekday() != 6:
        start, end = monday_of(chosen.start), monday_of(chosen.end) + timedelta(days=6)
        raise FilterError(
            f"Pick whole weeks: start on a Monday and end on a Sunday (for these dates, from {start.isoformat()} "
            f"to {end.isoformat()}). Counts are kept per week so that two overlapping ranges cannot be "
            "subtracted to reveal a few days."
        )
    return chosen
