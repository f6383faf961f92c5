"""Cleaning of incoming text, shared by every channel.

Why: JSON can carry lone surrogates ("\\udcff") and control characters that later break JSON
encoding, SQLite or log lines; a teen's message must never crash a conversation because of them.
"""
from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """NFC-normalised text without control characters or lone surrogates (each becomes U+FFFD)."""
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()
