"""Weekly cells with small values left out: the only numbers the published figures are made of.

Why: hiding small cells of one table (``suppression``) does not stop *differencing*. With free
date ranges, "days 1-30" minus "days 1-29" gives day 30 exactly, however each table is
suppressed; "all channels" minus "SMS" gives the other channels. So published figures are built
in two steps:

1. The aggregates are summed into *weekly cells*, one per ISO week × channel × language × demo ×
   metric × key: the finest slice any filter can select. A cell with a value from 1 to
   threshold-1 is *released as 0* (left out), and only flagged as "something small was here".
2. Every figure a page or the CSV shows (totals, breakdowns, charts, rates, the median) is a sum
   of released cells, and ranges must be whole ISO weeks (``filters.whole_weeks``), so any
   filter selects a set of whole cells.

The proof is short: every shown number is a function of the released cells alone, and a sum of
released cells is 0 or at least the threshold. Subtracting any two figures (overlapping ranges,
a range and its sub-range, a channel and all channels) gives a sum of released cells, or of
differences between them; a small value that was left out takes part in no figure, so no
subtraction can bring it back. What an attacker can learn about a left-out cell is only "it was
not 0", from the ``<11`` marker shown where a figure's released sum is 0 but something was left
out. ``tests/unit/test_analytics_differencing.py`` checks it with an attacker that subtracts every
pair of nested ranges and slices.

The price: totals are lower than the truth where small weekly cells were left out (a figure of
"40" may stand for 40 plus a few small weeks); the console says so. Unique users cannot be
summed over weeks, so the console shows *weekly users* (a teen active in three weeks counts
three times) and *returning weekly users* (active in a week and on some day before it).
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.analytics.database import conversations, counts, user_days
from bot.analytics.filters import Filters, monday_of
from bot.analytics.queries import IDLE_SECONDS, _where

WEEKLY_USERS = "weekly_users"
RETURNING_USERS = "returning_weekly_users"
ENDED_MID_FORM = "ended_mid_form"
# Weeks up to a year (53 bars at most), months beyond.
MAX_WEEKLY_DAYS = 53 * 7

CellKey = Tuple[str, str, str, int, str, str]  # week (Monday), channel, language, demo, metric, key
_COLUMNS = {"week": 0, "channel": 1, "language": 2, "demo": 3, "metric": 4, "key": 5}


def week_of(day: str) -> str:
    return monday_of(date.fromisoformat(day)).isoformat()


def period_unit(filters: Filters) -> str:
    return "week" if filters.days <= MAX_WEEKLY_DAYS else "month"


def period_of(week: str, unit: str) -> str:
    """A week's label; in months, an ISO week belongs to the month of its Thursday (never split)."""
    if unit == "week":
        return week
    return (date.fromisoformat(week) + timedelta(days=3)).isoformat()[:7]


def periods(filters: Filters, unit: Optional[str] = None) -> List[str]:
    """Every period of the range, empty ones included, so a chart's time axis has no gaps."""
    unit, out = unit or period_unit(filters), []
    week = monday_of(filters.start)
    while week <= filters.end:
        label = period_of(week.isoformat(), unit)
        if label not in out:
            out.append(label)
        week += timedelta(weeks=1)
    return out


@dataclass(frozen=True)
class Figure:
    """A published number: the sum of released cells, and whether small cells were left out of it."""

    value: int
    left_out: bool = False

    def __add__(self, other: "Figure") -> "Figure":
        return Figure(self.value + other.value, self.left_out or other.left_out)

    @property
    def hidden(self) -> bool:
        """Shown as the marker: nothing is left but something small was there."""
        return self.value == 0 and self.left_out


ZERO = Figure(0)


def total(figures: Iterable[Figure]) -> Figure:
    result = ZERO
    for figure in figures:
        result = result + figure
    return result


class WeeklyCells:
    """The released weekly cells of one filter's slice; read figures from it, never from raw counts."""

    def __init__(self, raw: Dict[CellKey, int], threshold: int):
        self.threshold = threshold
        self.cells: Dict[CellKey, Figure] = {}
        for key, value in raw.items():
            if value <= 0:
                continue
            small = value < threshold
            self.cells[key] = Figure(0 if small else value, left_out=small)

    def _group(self, metric: str, by: Tuple[str, ...]) -> Dict[Tuple, Figure]:
        out: Dict[Tuple, Figure] = defaultdict(lambda: ZERO)
        index = [_COLUMNS[name] for name in by]
        for key, figure in self.cells.items():
            if key[4] == metric:
                group = tuple(key[i] for i in index)
                out[group] = out[group] + figure
        return out

    def figure(self, metric: str) -> Figure:
        return self._group(metric, ()).get((), ZERO)

    def by_key(self, metric: str) -> Dict[str, Figure]:
        return {group[0]: figure for group, figure in self._group(metric, ("key",)).items()}

    def by_column(self, metric: str, column: str) -> Dict[str, Figure]:
        return {group[0]: figure for group, figure in self._group(metric, (column,)).items()}

    def by_key_and_period(self, metric: str, unit: str) -> Dict[str, Dict[str, Figure]]:
        out: Dict[str, Dict[str, Figure]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for (key, week), figure in self._group(metric, ("key", "week")).items():
            period = period_of(week, unit)
            out[key][period] = out[key][period] + figure
        return out

    def by_period(self, metric: str, unit: str) -> Dict[str, Figure]:
        out: Dict[str, Figure] = defaultdict(lambda: ZERO)
        for (week,), figure in self._group(metric, ("week",)).items():
            out[period_of(week, unit)] = out[period_of(week, unit)] + figure
        return out


def load(conn: Connection, filters: Filters, threshold: int, now: Optional[float] = None) -> WeeklyCells:
    """Raw weekly cells of the slice, from the aggregate tables, then released."""
    raw: Dict[CellKey, int] = defaultdict(int)
    rows = conn.execute(
        sa.select(counts.c.day, counts.c.channel, counts.c.language, counts.c.demo, counts.c.metric, counts.c.key,
                  sa.func.sum(counts.c.count))
        .where(_where(counts, filters))
        .group_by(counts.c.day, counts.c.channel, counts.c.language, counts.c.demo, counts.c.metric, counts.c.key)
    )
    for day, channel, language, demo, metric, key, value in rows:
        raw[(week_of(day), channel, language, int(demo), metric, key)] += int(value)
    _ended_mid_form(conn, filters, raw, now)
    _weekly_users(conn, filters, raw)
    return WeeklyCells(raw, threshold)


def _ended_mid_form(conn: Connection, filters: Filters, raw: Dict[CellKey, int], now: Optional[float]) -> None:
    cutoff = (now or time.time()) - IDLE_SECONDS
    rows = conn.execute(
        sa.select(conversations.c.day, conversations.c.channel, conversations.c.language, conversations.c.demo,
                  conversations.c.open_loop, sa.func.count())
        .where(_where(conversations, filters), conversations.c.open_loop.isnot(None), conversations.c.last_ts < cutoff)
        .group_by(conversations.c.day, conversations.c.channel, conversations.c.language, conversations.c.demo,
                  conversations.c.open_loop)
    )
    for day, channel, language, demo, loop, n in rows:
        raw[(week_of(day), channel, language, int(demo), ENDED_MID_FORM, loop)] += int(n)


def _monday_sql(conn, day_column):
    """The Monday of an ISO ``YYYY-MM-DD`` day column, as the same text, computed by the database."""
    if conn.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.date_trunc("week", sa.cast(day_column, sa.Date)), "YYYY-MM-DD")
    return sa.func.date(day_column, "-6 days", "weekday 1")  # SQLite: the first Monday on or after day-6


def _weekly_users(conn: Connection, filters: Filters, raw: Dict[CellKey, int]) -> None:
    """Distinct users per week cell, and those of them seen on a day before that week."""
    first_seen = sa.select(user_days.c.user_key, sa.func.min(user_days.c.day).label("first_day")).group_by(user_days.c.user_key).subquery()
    week = _monday_sql(conn, user_days.c.day).label("week")
    active = (
        sa.select(user_days.c.user_key, week, user_days.c.channel, user_days.c.language, user_days.c.demo)
        .where(_where(user_days, filters)).distinct().subquery()
    )
    returning = sa.case((first_seen.c.first_day < active.c.week, 1), else_=0)
    rows = conn.execute(
        sa.select(active.c.week, active.c.channel, active.c.language, active.c.demo, sa.func.count(), sa.func.sum(returning))
        .select_from(active.join(first_seen, first_seen.c.user_key == active.c.user_key))
        .group_by(active.c.week, active.c.channel, active.c.language, active.c.demo)
    )
    for week_day, channel, language, demo, users, returning_users in rows:
        cell = (week_day, channel, language, int(demo))
        raw[cell + (WEEKLY_USERS, "")] += int(users)
        raw[cell + (RETURNING_USERS, "")] += int(returning_users or 0)
