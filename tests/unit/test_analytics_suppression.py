"""No count from 1 to 10 is shown, and none can be worked out from a shown total.

The attacker here is independent of the library: it only sees what a page shows (numbers and
markers) and enumerates every assignment of the hidden cells that agrees with the shown totals,
under both readings of the marker ("unknown, 0 or more" and literally "0 to 10").
"""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analytics.suppression import marker, suppress_matrix, suppress_series

THRESHOLD = 11
SMALL = {str(n) for n in range(1, THRESHOLD)}


def _feasible_values(hidden_count: int, residual: int, upper: int):
    """For each hidden position, the values it can take when all hidden cells (each 0..upper) sum to residual."""
    options = [set() for _ in range(hidden_count)]
    for combo in itertools.product(range(min(upper, residual) + 1), repeat=hidden_count):
        if sum(combo) == residual:
            for i, v in enumerate(combo):
                options[i].add(v)
    return options


def _assert_line_safe(table, members, total_id):
    shown_total = table.shown(total_id)
    if shown_total == marker(THRESHOLD):
        return
    hidden = [m for m in members if table.shown(m) == marker(THRESHOLD)]
    if not hidden:
        return
    residual = int(shown_total) - sum(int(table.shown(m)) for m in members if m not in hidden)
    for upper in (residual, THRESHOLD - 1):  # "0 or more" and the literal "<11"
        options = _feasible_values(len(hidden), residual, upper)
        if any(not o for o in options):
            continue  # this reading contradicts what is shown: it teaches the attacker nothing
        for cell, values in zip(hidden, options):
            true = table.cells[cell]
            if 0 < true < THRESHOLD:
                assert len(values) > 1, f"hidden {cell}={true} is pinned by total {shown_total} (reading 0..{upper})"


counts = st.lists(st.one_of(st.integers(0, 14), st.integers(15, 60)), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None)
@given(counts)
def test_series_never_shows_or_leaks_a_small_count(values):
    cells = {f"c{i}": v for i, v in enumerate(values)}
    table = suppress_series(cells, total=sum(values), threshold=THRESHOLD)
    shown = [table.shown(c) for c in table.cells]
    assert not SMALL & set(shown), shown
    for cell, value in table.cells.items():
        if 0 < value < THRESHOLD:
            assert table.shown(cell) == "<11"
    _assert_line_safe(table, list(cells), ("__total__",))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(st.integers(0, 12), st.integers(20, 40)), min_size=3, max_size=3), min_size=1, max_size=3))
def test_matrix_rows_never_leak(rows):
    matrix = {f"r{i}": {f"k{j}": v for j, v in enumerate(row)} for i, row in enumerate(rows)}
    table = suppress_matrix(matrix, threshold=THRESHOLD)
    assert not SMALL & {table.shown(c) for c in table.cells}
    for row in matrix:
        _assert_line_safe(table, [(row, c) for c in matrix[row]], (row, None))


def test_one_small_cell_next_to_a_total_hides_a_second_cell():
    table = suppress_series({"en": 120, "es": 4}, total=124, threshold=THRESHOLD)
    assert table.shown("es") == "<11"
    assert table.shown("en") == "<11", "otherwise 124 - 120 gives the 4 back"
    assert table.shown(("__total__",)) == "124"


def test_complement_prefers_the_smallest_other_cell_and_leaves_the_rest():
    table = suppress_series({"a": 3, "b": 50, "c": 20, "d": 0}, total=73, threshold=THRESHOLD)
    assert [table.shown(k) for k in "abcd"] == ["<11", "50", "<11", "0"]


def test_two_tens_with_a_total_of_twenty_are_not_pinned_by_the_literal_marker():
    table = suppress_series({"a": 10, "b": 10, "c": 40}, total=60, threshold=THRESHOLD)
    assert table.shown("c") == "<11"


def test_threshold_is_configurable():
    table = suppress_series({"a": 4, "b": 30}, total=34, threshold=5)
    assert table.shown("a") == "<5" and table.shown("b") == "<5"
    assert suppress_series({"a": 5, "b": 30}, total=35, threshold=5).shown("a") == "5"
