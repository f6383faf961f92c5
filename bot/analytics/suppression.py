"""Small-count suppression: no count from 1 to threshold-1 is ever shown, nor derivable from totals.

A count under the threshold could single out a teen ("2 conversations in Spanish on Telegram on
Tuesday"). Such a *primary* cell is shown as ``<11`` (for the default threshold of 11). Hiding one
cell is not enough when a total is shown: total minus the visible cells gives it back. So each
table is described as *lines* (cells that add up to a visible total) and, while some line lets an
attacker pin down a hidden small count, another cell of that line is hidden too (*complementary*
suppression, smallest value first).

Every hidden cell is shown with the same marker, so an attacker cannot tell a primary cell from a
complementary one. What the attacker can know is modelled in ``_pinned``: a hidden cell is 0 or
more, a visible total is exact, and a line whose hidden cells sum to a small residual pins them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Hashable, Iterable, List, Mapping, Optional, Sequence, Set

DEFAULT_THRESHOLD = 11


def marker(threshold: int = DEFAULT_THRESHOLD) -> str:
    return f"<{threshold}"


def is_small(value: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    return 0 < value < threshold


@dataclass
class Table:
    """Cells by id, and the lines (groups of cell ids) whose sum is shown as ``totals[line]``.

    A total is a cell too (give it an id and list it in ``cells``), so it can itself be small and
    hidden; a line's total id is ``line_totals[i]`` for ``lines[i]``.
    """

    cells: Dict[Hashable, int]
    lines: List[Sequence[Hashable]] = field(default_factory=list)
    line_totals: List[Hashable] = field(default_factory=list)
    threshold: int = DEFAULT_THRESHOLD
    hidden: Set[Hashable] = field(default_factory=set)

    def suppress(self) -> "Table":
        self.hidden = {cell for cell, value in self.cells.items() if is_small(value, self.threshold)}
        while True:
            line = self._first_leaking_line()
            if line is None:
                return self
            self.hidden.add(self._complement_for(line))

    def shown(self, cell: Hashable) -> str:
        return marker(self.threshold) if cell in self.hidden else str(self.cells[cell])

    def shown_value(self, cell: Hashable) -> Optional[int]:
        """The number to draw (bar length), or None when hidden."""
        return None if cell in self.hidden else self.cells[cell]

    # -- how an attacker reads a line ----------------------------------------------------------
    def _first_leaking_line(self) -> Optional[int]:
        for index, members in enumerate(self.lines):
            total = self.line_totals[index]
            if total in self.hidden:
                continue  # an unknown total gives nothing to subtract from
            hidden = [m for m in members if m in self.hidden]
            if not hidden:
                continue
            residual = self.cells[total] - sum(self.cells[m] for m in members if m not in self.hidden)
            if _pinned(len(hidden), residual, self.threshold) and any(is_small(self.cells[m], self.threshold) for m in hidden):
                return index
        return None

    def _complement_for(self, index: int) -> Hashable:
        members = self.lines[index]
        visible = [m for m in members if m not in self.hidden]
        if not visible:
            # Nothing left to hide in the line: hide its total (it is then not a usable line).
            return self.line_totals[index]
        # Prefer a non-zero cell (a hidden 0 widens the range less), smallest first.
        return min(visible, key=lambda m: (self.cells[m] == 0, self.cells[m]))


def _pinned(hidden_count: int, residual: int, threshold: int) -> bool:
    """True when hidden cells that sum to ``residual`` could let an attacker learn a small count.

    Two readings of the marker are checked. Taken as "unknown, 0 or more", one hidden cell equals
    the residual, and several are pinned only by a residual below their number (it says most are
    0). Taken literally, as "0 to threshold-1" each, several cells are pinned when the residual is
    the largest they can hold (every one is threshold-1).
    """
    if hidden_count == 1:
        return True
    if residual < hidden_count:
        return True
    return residual == hidden_count * (threshold - 1)


def suppress_series(values: Mapping[Hashable, int], total: Optional[int] = None, threshold: int = DEFAULT_THRESHOLD) -> Table:
    """A one-line table: categories (topics, languages, days…) and, if shown, their total.

    ``total`` defaults to the sum; pass it when categories overlap or are a subset (then no
    line constraint is added unless the caller says the categories add up).
    """
    cells: Dict[Hashable, int] = dict(values)
    table = Table(cells=cells, threshold=threshold)
    if total is not None:
        cells[("__total__",)] = total
        table.lines.append(list(values))
        table.line_totals.append(("__total__",))
    return table.suppress()


def suppress_matrix(
    matrix: Mapping[Hashable, Mapping[Hashable, int]],
    row_totals: bool = True,
    column_totals: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
) -> Table:
    """Rows × columns (e.g. app × month). Cells are ids ``(row, column)``; totals ``(row, None)``
    and ``(None, column)``. Lines for each shown margin, iterated until no line leaks."""
    rows = list(matrix)
    columns: List[Hashable] = []
    for row in rows:
        for column in matrix[row]:
            if column not in columns:
                columns.append(column)
    cells: Dict[Hashable, int] = {}
    for row in rows:
        for column in columns:
            cells[(row, column)] = int(matrix[row].get(column, 0))
    table = Table(cells=cells, threshold=threshold)
    if row_totals:
        for row in rows:
            cells[(row, None)] = sum(cells[(row, c)] for c in columns)
            table.lines.append([(row, c) for c in columns])
            table.line_totals.append((row, None))
    if column_totals:
        for column in columns:
            cells[(None, column)] = sum(cells[(r, column)] for r in rows)
            table.lines.append([(r, column) for r in rows])
            table.line_totals.append((None, column))
    return table.suppress()


def visible_cells(tables: Iterable[Table]) -> List[str]:
    """Every string a page or CSV shows for these tables (for tests and the CSV writer)."""
    return [table.shown(cell) for table in tables for cell in table.cells]
