"""Plain-text tables and field lists for the terminal, safe for untrusted report text.

Report text comes from strangers' messages: control characters (ANSI escapes that could rewrite
a staff terminal) and bidi overrides are shown as ``\\x1b``-style escapes, never printed raw.
"""
from __future__ import annotations

import unicodedata
from typing import Iterable, List, Sequence, Tuple


# Right-to-left overrides can make a line read differently from what it contains.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(value: object) -> str:
    text = "" if value is None else str(value)
    out = []
    for char in text:
        if char in "\n\t" or (unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS):
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    cells: List[List[str]] = [[printable(c).replace("\n", " ") for c in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def fields(pairs: Sequence[Tuple[str, object]]) -> str:
    """``Label   value`` lines; multi-line values stay aligned under their first line."""
    width = max(len(label) for label, _ in pairs)
    lines = []
    for label, value in pairs:
        text_lines = printable(value).split("\n") or [""]
        lines.append(f"{label.ljust(width)}  {text_lines[0]}".rstrip())
        lines += [f"{' ' * width}  {line}".rstrip() for line in text_lines[1:]]
    return "\n".join(lines)
