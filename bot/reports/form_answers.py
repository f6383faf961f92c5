"""Reading a teen's answers in the report form: stop, skip, too long, or an answer to keep.

Lives in the library (not in actions/) so the rules are the same for every channel and are
tested without a running server. The words are data: form_words.yml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from bot.language.folding import normalize

_FILE = Path(__file__).with_name("form_words.yml")
_PUNCTUATION = re.compile(r"[^\w\s/-]+")
SKIPPED = "(skipped)"


@dataclass(frozen=True)
class Answer:
    kind: str  # "stop" | "skip" | "empty" | "text"
    text: Optional[str] = None
    clipped: bool = False


@lru_cache(maxsize=1)
def _words():
    data = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    return (frozenset(_key(w) for w in data["stop"]), frozenset(_key(w) for w in data["skip"]),
            int(data["max_answer_chars"]))


def _key(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", normalize(str(text))).split())


def read_answer(text: Optional[str]) -> Answer:
    stop, skip, max_chars = _words()
    if not isinstance(text, str) or not text.strip():
        return Answer("empty")
    key = _key(text)
    if key in stop:
        return Answer("stop")
    if key in skip:
        return Answer("skip", SKIPPED)
    clipped = len(text) > max_chars
    return Answer("text", text.strip()[:max_chars], clipped)
