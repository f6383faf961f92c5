"""Tells a bare request to check an offer from the offer itself.

"is this legit?" or "me checas una oferta?" carries nothing to judge; answering it with a verdict
would be wrong (and a "low risk" for an empty text is dangerous). The words of such requests are
data (rules/request_words.yml).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.language.detector import words

_FILE = Path(__file__).parent / "rules" / "request_words.yml"


@lru_cache(maxsize=1)
def _request_words():
    data = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    return frozenset(data["en"]) | frozenset(data["es"]), int(data["max_other_words"])


def is_request_only(text: str) -> bool:
    vocabulary, max_other = _request_words()
    tokens = words(text or "")
    return sum(t not in vocabulary for t in tokens) <= max_other
