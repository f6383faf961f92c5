"""Raw (unsuppressed) numbers from the aggregate tables for one ``Filters`` slice.

Nothing here is shown to people directly: ``report`` suppresses small counts first. Every value
from a filter is a bound parameter; the only strings placed in SQL are our own column names.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.analytics.database import conversations, counts, user_days
from bot.analytics.filters import Filters

# A conversation still inside a form after this long without an event has ended mid-form.
IDLE_SECONDS = 30 * 60


def _where(table, filters: Filters):
    clauses = [table.c.day >= filters.start_day, table.c.day <= filters.end_day]
    if filters.channel:
        clauses.append(table.c.channel == filters.channel)
    if filters.language:
        clauses.append(table.c.language == filters.language)
    if not filters.include_demo:
        clauses.append(table.c.demo == 0)
    return sa.and_(*clauses)


def granularity(filters: Filters) -> str:
    """Days for a month or two, weeks up to a year, months beyond: few enough bars to read."""
    if filters.days <= 62:
        return "day"
    if filters.days <= 366:
        return "week"
    return "month"


def trend_granularity(filters: Filters) -> str:
    """Platform trends are thin per day (most cells would be hidden): weeks, or months past a year."""
    return "week" if filters.days <= 366 else "month"


def bucket_of(day: str, unit: str) -> str:
    if unit == "day":
        return day
    if unit == "month":
        return day[:7]
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def buckets(filters: Filters, unit: Optional[str] = None) -> List[str]:
    """Every bucket in the range, empty ones included, so a chart's time axis has no gaps."""
    unit, seen, out = unit or granularity(filters), set(), []
    day = filters.start
    while day <= filters.end:
        label = bucket_of(day.isoformat(), unit)
        if label not in seen:
            seen.add(label)
            out.append(label)
        day += timedelta(days=1)
    return out


def metric_by_key(conn: Connection, filters: Filters, metric: str) -> Dict[str, int]:
    rows = conn.execute(
        sa.select(counts.c.key, sa.func.sum(counts.c.count)).where(_where(counts, filters), counts.c.metric == metric).group_by(counts.c.key)
    )
    return {key: int(total) for key, total in rows}


def metric_total(conn: Connection, filters: Filters, metric: str) -> int:
    return sum(metric_by_key(conn, filters, metric).values())


def metric_by(conn: Connection, filters: Filters, metric: str, column: str) -> Dict[str, int]:
    """A metric summed by ``channel`` or ``language`` (our own column names, never user input)."""
    col = counts.c[column]
    rows = conn.execute(sa.select(col, sa.func.sum(counts.c.count)).where(_where(counts, filters), counts.c.metric == metric).group_by(col))
    return {key: int(total) for key, total in rows}


def metric_over_time(conn: Connection, filters: Filters, metric: str, unit: Optional[str] = None) -> Dict[str, Dict[str, int]]:
    """``{key: {bucket: count}}`` for a metric, e.g. apps named per week."""
    unit = unit or granularity(filters)
    rows = conn.execute(
        sa.select(counts.c.key, counts.c.day, sa.func.sum(counts.c.count))
        .where(_where(counts, filters), counts.c.metric == metric)
        .group_by(counts.c.key, counts.c.day)
    )
    out: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, day, total in rows:
        out[key][bucket_of(day, unit)] += int(total)
    return out


def unique_users(conn: Connection, filters: Filters) -> int:
    return int(conn.execute(sa.select(sa.func.count(sa.distinct(user_days.c.user_key))).where(_where(user_days, filters))).scalar() or 0)


def returning_users(conn: Connection, filters: Filters) -> int:
    """Users active in the range who had also been active on an earlier day (in or before it)."""
    earlier = user_days.alias("earlier")
    came_before = sa.exists().where(earlier.c.user_key == user_days.c.user_key, earlier.c.day < user_days.c.day)
    query = sa.select(sa.func.count(sa.distinct(user_days.c.user_key))).where(_where(user_days, filters), came_before)
    return int(conn.execute(query).scalar() or 0)


def ended_mid_form(conn: Connection, filters: Filters, now: Optional[float] = None) -> Dict[str, int]:
    """Conversations whose last event left a form open and that have been idle since, by form."""
    cutoff = (now or time.time()) - IDLE_SECONDS
    rows = conn.execute(
        sa.select(conversations.c.open_loop, sa.func.count())
        .where(_where(conversations, filters), conversations.c.open_loop.isnot(None), conversations.c.last_ts < cutoff)
        .group_by(conversations.c.open_loop)
    )
    return {loop: int(n) for loop, n in rows}


def median_reply_ms(histogram: Dict[str, int]) -> Optional[float]:
    """Median from the reply-time histogram (bucket lower bounds), interpolated inside the bucket."""
    items: List[Tuple[int, int]] = sorted((int(k), v) for k, v in histogram.items() if v > 0)
    total = sum(v for _, v in items)
    if not total:
        return None
    half, seen = total / 2, 0
    for index, (lower, n) in enumerate(items):
        if seen + n >= half:
            upper = items[index + 1][0] if index + 1 < len(items) else lower + (10 if lower < 1000 else 100 if lower < 10000 else 1000)
            width = max(upper - lower, 0)
            width = min(width, 10 if lower < 1000 else 100 if lower < 10000 else 1000)
            return lower + width * ((half - seen) / n)
        seen += n
    return float(items[-1][0])


def channels_seen(conn: Connection) -> List[str]:
    return sorted({row[0] for row in conn.execute(sa.select(sa.distinct(counts.c.channel)))})
