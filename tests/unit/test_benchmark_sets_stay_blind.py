"""Benchmark sets must stay blind: no corpus text may be copied into rules, training data or tests.

A corpus entry counts as copied into a file when half or more of its 5-word shingles (lower-case
words) appear there, or, for entries too short to have three shingles, when its whole text does.
Common phrases that anyone would write ("a los menores no les hacen nada", the recruiters' own
line) stay allowed.
"""
import json
import re
from pathlib import Path

import pytest

from bot.devtools.paths import ROOT

SHINGLE = 5
COPIED_SHARE = 0.5
_WORD = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str) -> set:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i: i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _jsonl(name):
    return [json.loads(l) for l in (ROOT / "benchmarks" / "data" / name).read_text(encoding="utf-8").splitlines() if l.strip()]


def _files(*globs):
    return [p for g in globs for p in ROOT.glob(g) if p.is_file() and p.name != Path(__file__).name]


@pytest.mark.parametrize(
    "corpus, places",
    [
        ("offers.jsonl", ["bot/offers/rules/*.yml", "tests/**/*.py", "tests/**/*.yml", "data/**/*.yml"]),
        ("danger.jsonl", ["bot/danger/rules/*.yml", "tests/**/*.py", "tests/**/*.yml", "data/**/*.yml"]),
        ("not_danger.jsonl", ["bot/danger/rules/*.yml", "tests/**/*.py", "tests/**/*.yml", "data/**/*.yml"]),
        ("danger_fresh.jsonl", ["bot/danger/rules/*.yml", "tests/**/*.py", "tests/**/*.yml", "data/**/*.yml"]),
        ("not_danger_fresh.jsonl", ["bot/danger/rules/*.yml", "tests/**/*.py", "tests/**/*.yml", "data/**/*.yml"]),
    ],
)
def test_no_corpus_text_is_copied(corpus, places):
    entries = [(row["text"], _shingles(row["text"])) for row in _jsonl(corpus)]
    copied = {}
    for path in _files(*places):
        content = path.read_text(encoding="utf-8", errors="replace")
        lowered, shingles = " ".join(_WORD.findall(content.lower())), _shingles(content)
        for text, entry in entries:
            if len(entry) >= 3:
                hit = len(entry & shingles) / len(entry) >= COPIED_SHARE
            else:
                phrase = " ".join(_WORD.findall(text.lower()))
                hit = re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", lowered) is not None
            if hit:
                copied[str(path.relative_to(ROOT))] = copied.get(str(path.relative_to(ROOT)), 0) + 1
    # Files and counts only: printing the corpus texts would show a blind set to whoever runs this.
    assert copied == {}, f"{corpus}: entries copied into (file: count) {copied}; reword your own new lines there"
