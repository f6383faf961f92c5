"""Text normalisation for matching, with a map back to the original text.

Why: recruiters write "fáaacil", "EZ MONEYYY 💰💰" or put emoji between words,
and teens type without accents. Rules are written once, in plain lowercase
without accents; this module brings any input to that shape. Every
normalised character remembers which slice of the original text it came
from, so a flag can quote the *exact* original words (``text[start:end]``)
as evidence, even after accents were stripped or letters collapsed.

What it does, character by character:
  * NFKD-decompose and drop combining marks ("á" -> "a", "ñ" -> "n",
    full-width "＄" -> "$"); a dropped mark is folded into the previous
    character's slice so evidence keeps the accent.
  * Control characters, NUL, lone surrogates -> a space (never crash).
  * Zero-width/format characters (e.g. U+200B used to dodge filters) are
    removed, so "pol\u200bl os" style tricks still match.
  * Emoji and other pictographs -> a space (they separate words), except
    money emoji, which are kept as stand-alone tokens so a rule can see them.
  * Runs of 3+ identical letters are collapsed ("sooooo" -> "so"); to 2
    letters when that gives a word the rules know ("neeeed" -> "need").
Case is kept (the matcher uses LOWER and IS_TITLE).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, List, Optional, Set, Tuple

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_RUN_RE = re.compile(r"([^\W\d_])\1{2,}", re.UNICODE | re.IGNORECASE)


@dataclass
class Normalized:
    """Normalised text plus, per character, its [start, end) in the original."""

    text: str
    starts: List[int]
    ends: List[int]

    def to_original(self, start: int, end: int) -> Tuple[int, int]:
        """Map a normalised [start, end) span to the original text."""
        if end <= start or not self.text:
            pos = self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Latin letters with accents -> plain letters, for a fast path in fold().
_FOLD_TABLE = {
    code: _strip_marks(chr(code)) for code in range(0xC0, 0x250) if _strip_marks(chr(code)) != chr(code)
}


def fold(text: str) -> str:
    """Lowercase and strip accents; used for rule strings, never for offsets."""
    quick = text.translate(_FOLD_TABLE)
    if not quick.isascii():
        quick = _strip_marks(quick)
    return quick.lower()


def _is_pictograph(ch: str, cat: str) -> bool:
    code = ord(ch)
    if cat in ("So", "Sk", "Cn", "Co"):
        return True
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0xE0000 <= code <= 0xE007F


def normalize(
    text: str,
    keep_emoji: Iterable[str] = (),
    known_words: Optional[Set[str]] = None,
) -> Normalized:
    """Normalise ``text`` (see module docstring) keeping an offset map."""
    keep = set(keep_emoji)
    out: List[str] = []
    starts: List[int] = []
    ends: List[int] = []

    def emit(chars: str, s: int, e: int) -> None:
        for c in chars:
            out.append(c)
            starts.append(s)
            ends.append(e)

    for i, ch in enumerate(text):
        if ch in keep:
            emit(" ", i, i)
            emit(ch, i, i + 1)
            emit(" ", i + 1, i + 1)
            continue
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            emit(" ", i, i + 1)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc":
            emit(" " if ch not in "\n\t" else ch, i, i + 1)
            continue
        if cat == "Cf":  # zero-width joiners/spaces, BOM: remove
            if ends:
                ends[-1] = i + 1
            continue
        if unicodedata.combining(ch) or cat in ("Mn", "Me"):
            if ends:  # an accent typed as its own character: keep it in the slice
                ends[-1] = i + 1
            continue
        if _is_pictograph(ch, cat):
            emit(" ", i, i + 1)
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if not base:
            emit(" ", i, i + 1)
            continue
        emit(base, i, i + 1)

    joined = "".join(out)
    if _RUN_RE.search(joined):
        joined, starts, ends = _collapse_runs(joined, starts, ends, known_words or set())
    return Normalized(joined, starts, ends)


def _collapse_runs(
    text: str, starts: List[int], ends: List[int], known: Set[str]
) -> Tuple[str, List[int], List[int]]:
    """Collapse 3+ repeated letters inside words, keeping the offset map."""
    keep_two: Set[int] = set()  # run start positions that keep two letters
    for word in _WORD_RE.finditer(text):
        w = word.group(0)
        if not _RUN_RE.search(w):
            continue
        one = _RUN_RE.sub(r"\1", w).lower()
        two = _RUN_RE.sub(r"\1\1", w).lower()
        if two in known and one not in known:
            for run in _RUN_RE.finditer(w):
                keep_two.add(word.start() + run.start())
    new_text: List[str] = []
    new_starts: List[int] = []
    new_ends: List[int] = []
    pos = 0
    for run in _RUN_RE.finditer(text):
        s, e = run.span()
        new_text.append(text[pos:s])
        new_starts.extend(starts[pos:s])
        new_ends.extend(ends[pos:s])
        count = 2 if s in keep_two else 1
        for k in range(count):
            new_text.append(text[s + k])
            new_starts.append(starts[s + k])
            new_ends.append(ends[e - 1] if k == count - 1 else ends[s + k])
        pos = e
    new_text.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(new_text), new_starts, new_ends


def lower_same_length(text: str) -> str:
    """Lowercase without ever changing the string length (offsets stay valid)."""
    if text.isascii():
        return text.lower()
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def word_count(text: str) -> int:
    """Words with at least one letter or digit (emoji and punctuation do not count)."""
    return len(re.findall(r"\w+", text, re.UNICODE))
