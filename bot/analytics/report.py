"""The numbers people see: every table suppressed (``suppression``) before it leaves this module.

``build(conn, filters, threshold)`` returns an ``Overview`` of named sections; the console's pages,
its SVG charts and the CSV export all read from it, so no page can show a count the CSV hides or
the other way round. Each section that has a total suppresses against that total.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from typing import Dict, Hashable, List, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from bot.analytics import apps, queries
from bot.analytics.filters import Filters
from bot.analytics.suppression import Table, marker, suppress_matrix, suppress_series

TOTAL = ("__total__",)
RISK_LEVELS = ("high", "medium", "low")


@dataclass
class Series:
    """A suppressed one-dimensional breakdown: labels in display order, optionally with a total."""

    title: str
    labels: List[str]
    table: Table
    has_total: bool

    def rows(self) -> List[Tuple[str, str, Optional[int]]]:
        """(label, shown text, drawable value or None when hidden)."""
        return [(label, self.table.shown(label), self.table.shown_value(label)) for label in self.labels]

    @property
    def total_text(self) -> str:
        return self.table.shown(TOTAL) if self.has_total else ""

    @property
    def total_value(self) -> Optional[int]:
        return self.table.shown_value(TOTAL) if self.has_total else None


@dataclass
class Matrix:
    """A suppressed rows × columns table (apps × time), with row totals."""

    title: str
    rows: List[str]
    columns: List[str]
    table: Table

    def cell(self, row: str, column: str) -> Tuple[str, Optional[int]]:
        return self.table.shown((row, column)), self.table.shown_value((row, column))

    def row_total(self, row: str) -> Tuple[str, Optional[int]]:
        return self.table.shown((row, None)), self.table.shown_value((row, None))


@dataclass
class Headline:
    label: str
    text: str
    note: str = ""


@dataclass
class Overview:
    filters: Filters
    threshold: int
    granularity: str
    trend_granularity: str = "week"
    headlines: List[Headline] = field(default_factory=list)
    series: Dict[str, Series] = field(default_factory=dict)
    matrices: Dict[str, Matrix] = field(default_factory=dict)

    @property
    def marker(self) -> str:
        return marker(self.threshold)

    def all_shown(self) -> List[str]:
        """Every number-ish string this overview can display (tests check none is 1..threshold-1)."""
        shown = [h.text for h in self.headlines]
        for s in self.series.values():
            shown += [text for _, text, _ in s.rows()] + ([s.total_text] if s.has_total else [])
        for m in self.matrices.values():
            shown += [m.cell(r, c)[0] for r in m.rows for c in m.columns] + [m.row_total(r)[0] for r in m.rows]
        return shown

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "category", "period", "value"])
        f = self.filters
        writer.writerow(["filters", f"from {f.start_day} to {f.end_day}; channel {f.channel or 'all'}; language {f.language or 'all'}; demo {'included' if f.include_demo else 'excluded'}", "", ""])
        writer.writerow(["privacy", f"counts from 1 to {self.threshold - 1} and cells that would reveal them show as {self.marker}", "", ""])
        for h in self.headlines:
            writer.writerow(["summary", h.label, "", h.text])
        for name, s in self.series.items():
            for label, text, _ in s.rows():
                writer.writerow([name, label, "", text])
            if s.has_total:
                writer.writerow([name, "total", "", s.total_text])
        for name, m in self.matrices.items():
            for row in m.rows:
                for column in m.columns:
                    writer.writerow([name, row, column, m.cell(row, column)[0]])
                writer.writerow([name, row, "total", m.row_total(row)[0]])
        return _csv_safe(out.getvalue())


def _csv_safe(text: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is prefixed with a quote.

    Our categories are intent, flag and channel names, but channel names come from clients."""
    lines = []
    for row in csv.reader(io.StringIO(text)):
        lines.append(["'" + cell if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue()


def _series(title: str, values: Dict[str, int], threshold: int, total: Optional[int] = None, order: Sequence[str] = (),
            sort_by_value: bool = True, limit: Optional[int] = None) -> Series:
    labels = list(order) + [k for k in values if k not in order]
    for label in order:
        values.setdefault(label, 0)
    if sort_by_value and not order:
        labels.sort(key=lambda k: (-values[k], k))
    if limit is not None and len(labels) > limit:
        # Fold the tail into "other" so the total stays a true sum of the shown lines.
        tail = labels[limit - 1:]
        values = {k: values[k] for k in labels[:limit - 1]} | {"other": sum(values[k] for k in tail)}
        labels = labels[:limit - 1] + ["other"]
    table = suppress_series({k: values[k] for k in labels}, total=total, threshold=threshold)
    return Series(title, labels, table, has_total=total is not None)


def _single(label: str, value: int, threshold: int, note: str = "") -> Headline:
    table = suppress_series({"v": value}, threshold=threshold)
    return Headline(label, table.shown("v"), note)


def build(conn: Connection, filters: Filters, threshold: int, now: Optional[float] = None) -> Overview:
    q = queries
    unit = q.granularity(filters)
    overview = Overview(filters, threshold, unit)

    conversations_total = q.metric_total(conn, filters, "conversations")
    per_bucket: Dict[str, int] = {b: 0 for b in q.buckets(filters)}
    for _, by_bucket in q.metric_over_time(conn, filters, "conversations").items():
        for bucket, n in by_bucket.items():
            per_bucket[bucket] = per_bucket.get(bucket, 0) + n
    overview.series["conversations_over_time"] = _series(
        "Conversations over time", per_bucket, threshold, total=conversations_total, order=list(per_bucket), sort_by_value=False
    )
    overview.series["languages"] = _series("Conversations by language", q.metric_by(conn, filters, "conversations", "language"), threshold, total=conversations_total)
    overview.series["channels"] = _series("Conversations by channel", q.metric_by(conn, filters, "conversations", "channel"), threshold, total=conversations_total)

    messages = q.metric_total(conn, filters, "user_messages")
    overview.series["topics"] = _series("Topics (what teens asked)", q.metric_by_key(conn, filters, "intent"), threshold, total=messages, limit=16)

    escalations = q.metric_by_key(conn, filters, "escalation")
    overview.series["escalations"] = _series("Danger escalations by type", escalations, threshold, total=sum(escalations.values()))

    risks = q.metric_by_key(conn, filters, "offer_risk")
    overview.series["offer_risk"] = _series("Offer checks by risk level", risks, threshold, total=sum(risks.values()), order=list(RISK_LEVELS))
    # Flags overlap (one offer has several), so they have no total: primary suppression only.
    overview.series["offer_flags"] = _series("Most common offer flags", q.metric_by_key(conn, filters, "offer_flag"), threshold, limit=None)
    flags = overview.series["offer_flags"]
    flags.labels = flags.labels[:12]

    app_counts: Dict[str, Dict[str, int]] = {}
    trend_unit = q.trend_granularity(filters)
    overview.trend_granularity = trend_unit
    trend_buckets = q.buckets(filters, trend_unit)
    for metric in ("app_offer", "app_report"):
        for app, by_bucket in q.metric_over_time(conn, filters, metric, trend_unit).items():
            row = app_counts.setdefault(app, {})
            for bucket, n in by_bucket.items():
                row[bucket] = row.get(bucket, 0) + n
    app_rows = [a for a in (*apps.PLATFORMS, apps.OTHER)]
    matrix_input = {app: {b: app_counts.get(app, {}).get(b, 0) for b in trend_buckets} for app in app_rows}
    overview.matrices["apps_over_time"] = Matrix("Apps named in offers and reports", app_rows, trend_buckets, suppress_matrix(matrix_input, threshold=threshold))
    for metric, title in (("app_offer", "Apps named in offers"), ("app_report", "Apps named in reports")):
        values = q.metric_by_key(conn, filters, metric)
        overview.series[metric] = _series(title, {a: values.get(a, 0) for a in app_rows}, threshold, total=sum(values.values()), order=app_rows)

    mid_form = q.ended_mid_form(conn, filters, now=now)
    overview.series["ended_mid_form"] = _series("Conversations that ended mid-form", mid_form, threshold, total=sum(mid_form.values()),
                                                order=["report_form", "offer_form"])

    fallback = q.metric_total(conn, filters, "fallback")
    reports = q.metric_total(conn, filters, "report")
    replies = q.metric_by_key(conn, filters, "reply_ms")
    reply_count = sum(replies.values())
    median = q.median_reply_ms(replies) if reply_count >= threshold else None
    overview.headlines = [
        Headline("Conversations", overview.series["conversations_over_time"].total_text),
        _single("Unique users", q.unique_users(conn, filters), threshold, "pseudonymous"),
        _single("Returning users", q.returning_users(conn, filters), threshold, "came back on a later day"),
        Headline("Messages from teens", overview.series["topics"].total_text),
        Headline("Danger escalations", overview.series["escalations"].total_text),
        _single("Confidential reports", reports, threshold),
        Headline("Offer checks", overview.series["offer_risk"].total_text),
        Headline("Fallback rate", _rate(fallback, messages, threshold), "messages the assistant did not understand"),
        Headline("Median reply time", f"{median / 1000:.2f} s" if median is not None else "—", "from a teen's message to the first reply"),
    ]
    return overview


def _rate(part: int, whole: int, threshold: int) -> str:
    """A percentage only when both counts are large enough to show; else the marker says why."""
    if whole == 0:
        return "—"
    if 0 < part < threshold or 0 < whole < threshold:
        return marker(threshold)
    return f"{100 * part / whole:.1f}%"
