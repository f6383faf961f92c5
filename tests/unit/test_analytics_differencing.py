"""Differencing attack: no count from 1 to 10 comes out of subtracting two published figures.

The attacker downloads the CSV for every allowed query over generated data (every whole-week
range of six weeks × every channel × every language × with and without demos) and subtracts each
figure from the same figure of every query that contains it: a range and each of its sub-ranges,
all channels and one channel, both languages and one. Overlapping ranges are covered too: their
difference is a range minus its sub-range (A minus A∩B), and the test also tries A + B - (A∪B).
The data has small slices on purpose (a rare channel with three conversations on one day), and
the test first shows that the same subtraction on day ranges of the raw aggregates finds them.
"""
from __future__ import annotations

import csv
import io
import itertools
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.analytics import database, filters, queries, report, synthetic
from bot.analytics.refresh import Refresher

THRESHOLD = 11
FIRST_MONDAY = date(2026, 10, 19)
WEEKS = 6
END = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc).timestamp()  # the last Sunday's evening
RARE_DAY = date(2026, 11, 11)  # three conversations on a channel seen nowhere else
CHANNELS = (None, "rest", "twilio", "telegram", "whatsapp")
LANGUAGES = (None, "en", "es")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = database.engine(f"sqlite:///{tmp_path_factory.mktemp('differencing') / 'tracker.db'}")
    synthetic.fill(engine, 4000, days=WEEKS * 7, seed=11, end=END)
    rng = random.Random(5)
    noon = datetime(RARE_DAY.year, RARE_DAY.month, RARE_DAY.day, 12, tzinfo=timezone.utc).timestamp()
    rows = []
    for n in range(3):
        rows += synthetic.conversation(rng, f"rare-{n}", noon + n * 600, "es", "whatsapp")
    with engine.begin() as conn:
        conn.execute(database.events.insert(), rows)
    Refresher(engine, engine).run()
    return engine


def _ranges():
    weeks = [FIRST_MONDAY + timedelta(weeks=i) for i in range(WEEKS)]
    return [(a, b + timedelta(days=6)) for a, b in itertools.combinations_with_replacement(weeks, 2)]


def _figures(conn, start, end, channel, language, demo):
    chosen = filters.whole_weeks({"from": start.isoformat(), "to": end.isoformat(), "channel": channel or "",
                                  "language": language or "", "demo": "1" if demo else ""})
    out = {}
    for section, category, period, value in list(csv.reader(io.StringIO(report.build(conn, chosen, THRESHOLD, now=END + 86400).to_csv())))[1:]:
        # "other" folds a different set of topics in each query: it is not one slice's count.
        if section in ("filters", "privacy") or category == "other" or not value.isdigit():
            continue
        out[(section, category, period)] = int(value)
    return out


def _contains(big, small) -> bool:
    (b_start, b_end, b_channel, b_language, b_demo), (s_start, s_end, s_channel, s_language, s_demo) = big, small
    return (b_start <= s_start and s_end <= b_end and b_channel in (None, s_channel) and b_language in (None, s_language)
            and (b_demo or not s_demo))


def _small(value: int) -> bool:
    return 0 < value < THRESHOLD


def test_the_raw_day_counts_would_leak_a_small_slice(engine):
    """Without the weekly cells, day 1-30 minus day 1-29 style subtraction finds the three conversations."""
    with engine.connect() as conn:
        upto = queries.metric_total(conn, filters.parse({"from": "2026-11-01", "to": RARE_DAY.isoformat()}), "conversations")
        before = queries.metric_total(conn, filters.parse({"from": "2026-11-01", "to": (RARE_DAY - timedelta(days=1)).isoformat()}), "conversations")
        everyone = queries.metric_total(conn, filters.parse({"from": RARE_DAY.isoformat(), "to": RARE_DAY.isoformat()}), "conversations")
        usual = sum(queries.metric_total(conn, filters.parse({"from": RARE_DAY.isoformat(), "to": RARE_DAY.isoformat(), "channel": c}), "conversations")
                    for c in ("rest", "twilio", "telegram"))
    assert everyone - usual == 3, "the rare channel's three conversations, by subtraction"
    assert upto - before == everyone


def test_no_small_count_is_derivable_by_subtracting_published_figures(engine):
    queries_made = {}
    with engine.connect() as conn:
        for (start, end), channel, language, demo in itertools.product(_ranges(), CHANNELS, LANGUAGES, (False, True)):
            queries_made[(start, end, channel, language, demo)] = _figures(conn, start, end, channel, language, demo)
    shown = [v for figures in queries_made.values() for v in figures.values()]
    assert not [v for v in shown if _small(v)], "no published figure is 1..10"
    assert sum(1 for v in shown if v >= THRESHOLD) > 1000, "the attacker had plenty of real numbers to work with"

    subtractions, leaks = 0, []
    for big, small in itertools.permutations(queries_made, 2):
        if not _contains(big, small):
            continue
        b, s = queries_made[big], queries_made[small]
        for cell in set(b) | set(s):
            subtractions += 1
            if _small(b.get(cell, 0) - s.get(cell, 0)):
                leaks.append((big, small, cell, b.get(cell, 0) - s.get(cell, 0)))
    print(f"{len(queries_made)} queries, {subtractions} subtractions")
    assert subtractions > 100000
    assert not leaks, leaks[:5]


def test_inclusion_exclusion_over_overlapping_ranges_finds_nothing_small(engine):
    """A + B - (A∪B) estimates A∩B; A∪B - B estimates A \\ B: neither gives a count 1..10."""
    ranges = _ranges()
    with engine.connect() as conn:
        figures = {r: _figures(conn, *r, None, None, False) for r in ranges}
        derived = 0
        for a, b in itertools.combinations(ranges, 2):
            if not (a[0] <= b[1] and b[0] <= a[1]) or (a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1]):
                continue  # only ranges that overlap without one containing the other
            union, inter = (min(a[0], b[0]), max(a[1], b[1])), (max(a[0], b[0]), min(a[1], b[1]))
            fa, fb, fu, fi = figures[a], figures[b], figures[union], figures[inter]
            for cell in set(fa) | set(fb) | set(fu):
                for value in (fa.get(cell, 0) + fb.get(cell, 0) - fu.get(cell, 0), fu.get(cell, 0) - fb.get(cell, 0)):
                    derived += 1
                    assert not _small(value), (a, b, cell, value)
                assert fa.get(cell, 0) + fb.get(cell, 0) - fu.get(cell, 0) == fi.get(cell, 0), ("published figures add up", cell)
    assert derived > 1000


@pytest.mark.parametrize("params, message", [
    ({"from": "2026-11-03", "to": "2026-11-29"}, "from 2026-11-02 to 2026-11-29"),  # a Tuesday start
    ({"from": "2026-11-02", "to": "2026-11-28"}, "end on a Sunday"),
    ({"from": "2026-11-02", "to": "2026-11-02"}, "Pick whole weeks"),
    ({"from": "2026-13-02"}, "not a day of the calendar"),
])
def test_ranges_that_are_not_whole_weeks_get_a_clear_message(params, message):
    with pytest.raises(filters.FilterError, match=message):
        filters.whole_weeks(params, now=date(2026, 11, 27))


def test_without_dates_the_published_range_is_the_five_weeks_ending_this_week():
    chosen = filters.whole_weeks({}, now=date(2026, 11, 27))  # a Friday
    assert (chosen.start_day, chosen.end_day) == ("2026-10-26", "2026-11-29")
