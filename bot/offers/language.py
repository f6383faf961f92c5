"""Guess whether an offer is in English or Spanish.

Why so simple: offers are short and the only choice is en/es. Counting
frequent function words (listed in each language file as `stopwords`) is
fast, needs no model, and is right for almost every post; Spanish-only
punctuation (¿ ¡) tips close calls. The caller can always pass the
language it already knows (e.g. the user's chosen language in the bot).
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Set

SUPPORTED = ("en", "es")
_WORD = re.compile(r"[a-z']+")
# Spanish-looking place and business names inside English text ("El Paso",
# "Los Angeles", "San Antonio", "La Quinta") should not count as Spanish.
_NAME = re.compile(r"\b(?:El|La|Los|Las|Del|De|San|Santa|Santo)\s+[A-Z][\w']+")


def pick_language(requested: Optional[str]) -> Optional[str]:
    """Turn a caller's language ("es", "es-MX", "EN") into en/es, or None to detect."""
    if not requested or not isinstance(requested, str):
        return None
    code = requested.strip().lower()[:2]
    return code if code in SUPPORTED else None


def detect_language(text: str, stopwords: Dict[str, Set[str]]) -> str:
    """Return "en" or "es" for normalised ``text`` (accents removed, case kept).

    Capitalised names such as "El Paso" are skipped before counting.
    """
    scores = {lang: 0.0 for lang in SUPPORTED}
    if any(ch in text for ch in "¿¡"):
        scores["es"] += 1.5
    folded = _NAME.sub(" ", text).lower()
    for word in _WORD.findall(folded):
        for lang in SUPPORTED:
            if word in stopwords.get(lang, ()):
                scores[lang] += 1
    return "es" if scores["es"] > scores["en"] else "en"
