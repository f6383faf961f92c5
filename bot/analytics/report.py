"""The numbers people see: every table suppressed (``suppression``) before it leaves this module.

Every figure is a sum of released weekly cells (``weekly_cells``: the defence against
differencing two ranges or slices) and then goes through a suppressed table.
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

from bot.analytics import apps, queries, weekly_cells
from bot.analytics.filters import FilterError, Filters
from bot.analytics.refresh import FALLBACK_INTENT
from bot.analytics.weekly_cells import ZERO, Figure
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
        writer.writerow(["privacy", f"sums of weekly counts; a weekly count from 1 to {self.threshold - 1} is left out of every figure, "
                                    f"and a figure made only of such counts shows as {self.marker}", "", ""])
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


def _table(figures: Dict[Hashable, Figure], total: Optional[Figure], threshold: int) -> Table:
    """A suppressed one-line table of published figures; the total, if any, is their sum.

    The figures are sums of released weekly cells (never 1..threshold-1), so the line check of
    ``suppression`` finds nothing to add; it stays as a second guard. A figure whose cells were
    all left out shows the marker."""
    table = suppress_series({k: f.value for k, f in figures.items()}, total=None if total is None else total.value, threshold=threshold)
    table.hidden |= {k for k, f in figures.items() if f.hidden}
    if total is not None and total.hidden:
        table.hidden.add(TOTAL)
    return table


def _series(title: str, figures: Dict[str, Figure], threshold: int, with_total: bool = True, order: Sequence[str] = (),
            sort_by_value: bool = True, limit: Optional[int] = None) -> Series:
    figures = dict(figures)
    labels = list(order) + [k for k in figures if k not in order]
    for label in order:
        figures.setdefault(label, ZERO)
    if sort_by_value and not order:
        labels.sort(key=lambda k: (-figures[k].value, k))
    if limit is not None and len(labels) > limit:
        # Fold the tail into "other" so the total stays a true sum of the shown lines.
        figures = {k: figures[k] for k in labels[:limit - 1]} | {"other": weekly_cells.total(figures[k] for k in labels[limit - 1:])}
        labels = labels[:limit - 1] + ["other"]
    chosen = {k: figures[k] for k in labels}
    table = _table(chosen, weekly_cells.total(chosen.values()) if with_total else None, threshold)
    return Series(title, labels, table, has_total=with_total)


def _single(label: str, figure: Figure, threshold: int, note: str = "") -> Headline:
    return Headline(label, _table({"v": figure}, None, threshold).shown("v"), note)


def build(conn: Connection, filters: Filters, threshold: int, now: Optional[float] = None) -> Overview:
    """Every figure from released weekly cells (``weekly_cells``): no small count, nor a difference of two
    figures, can single out a few teens. ``filters`` must be whole weeks (``filters.whole_weeks``)."""
    if filters.start.weekday() != 0 or filters.end.weekday() != 6:
        raise FilterError("Published figures are for whole weeks (Monday to Sunday): use filters.whole_weeks.")
    cells = weekly_cells.load(conn, filters, threshold, now=now)
    unit = weekly_cells.period_unit(filters)
    overview = Overview(filters, threshold, unit, trend_granularity=unit)
    periods = weekly_cells.periods(filters, unit)

    overview.series["conversations_over_time"] = _series(
        "Conversations over time", cells.by_period("conversations", unit), threshold, order=periods, sort_by_value=False)
    overview.series["languages"] = _series("Conversations by language", cells.by_column("conversations", "language"), threshold)
    overview.series["channels"] = _series("Conversations by channel", cells.by_column("conversations", "channel"), threshold)
    overview.series["topics"] = _series("Topics (what teens asked)", cells.by_key("intent"), threshold, limit=16)
    overview.series["escalations"] = _series("Danger escalations by type", cells.by_key("escalation"), threshold)
    overview.series["offer_risk"] = _series("Offer checks by risk level", cells.by_key("offer_risk"), threshold, order=list(RISK_LEVELS))
    # Flags overlap (one offer has several), so they have no total.
    overview.series["offer_flags"] = _series("Most common offer flags", cells.by_key("offer_flag"), threshold, with_total=False)
    flags = overview.series["offer_flags"]
    flags.labels = flags.labels[:12]

    app_rows = [a for a in (*apps.PLATFORMS, apps.OTHER)]
    trend: Dict[str, Dict[str, Figure]] = {app: {p: ZERO for p in periods} for app in app_rows}
    for metric in ("app_offer", "app_report"):
        for app, by_period in cells.by_key_and_period(metric, unit).items():
            row = trend.setdefault(app, {p: ZERO for p in periods})
            for period, figure in by_period.items():
                row[period] = row.get(period, ZERO) + figure
    matrix = suppress_matrix({app: {p: trend[app][p].value for p in periods} for app in app_rows}, threshold=threshold)
    for app in app_rows:
        matrix.hidden |= {(app, p) for p in periods if trend[app][p].hidden}
        if weekly_cells.total(trend[app][p] for p in periods).hidden:
            matrix.hidden.add((app, None))
    overview.matrices["apps_over_time"] = Matrix("Apps named in offers and reports", app_rows, periods, matrix)
    for metric, title in (("app_offer", "Apps named in offers"), ("app_report", "Apps named in reports")):
        overview.series[metric] = _series(title, cells.by_key(metric), threshold, order=app_rows)

    overview.series["ended_mid_form"] = _series("Conversations that ended mid-form", cells.by_key(weekly_cells.ENDED_MID_FORM),
                                                threshold, order=["report_form", "offer_form"])

    topics = overview.series["topics"]
    messages = weekly_cells.total(cells.by_key("intent").values())
    fallback = cells.by_key("intent").get(FALLBACK_INTENT, ZERO)
    replies = {k: f.value for k, f in cells.by_key("reply_ms").items()}
    median = queries.median_reply_ms(replies) if sum(replies.values()) >= threshold else None
    overview.headlines = [
        Headline("Conversations", overview.series["conversations_over_time"].total_text),
        _single("Weekly users", cells.figure(weekly_cells.WEEKLY_USERS), threshold, "pseudonymous; summed over the weeks"),
        _single("Returning weekly users", cells.figure(weekly_cells.RETURNING_USERS), threshold, "active in a week and on a day before it"),
        Headline("Messages from teens", topics.total_text),
        Headline("Danger escalations", overview.series["escalations"].total_text),
        _single("Confidential reports", cells.figure("report"), threshold),
        Headline("Offer checks", overview.series["offer_risk"].total_text),
        Headline("Fallback rate", _rate(fallback, messages, threshold), "messages the assistant did not understand"),
        Headline("Median reply time", f"{median / 1000:.2f} s" if median is not None else "—", "from a teen's message to the first reply"),
    ]
    return overview


def _rate(part: Figure, whole: Figure, threshold: int) -> str:
    """A percentage of two published figures; the marker when either is hidden."""
    if part.hidden or whole.hidden:
        return marker(threshold)
    if whole.value == 0:
        return "—"
    return f"{100 * part.value / whole.value:.1f}%"
