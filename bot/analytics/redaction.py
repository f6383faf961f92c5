"""Redact what could identify a teen or another person before staff see a transcript.

Phone numbers, e-mail addresses, @handles, URLs (and bare domains) and street addresses, in
English and Spanish. Each match becomes a bracketed tag (``[phone]``) so the reader still sees
that something was there. Redaction errs on the side of removing too much: a transcript is read
for what kind of help was asked, never for who asked.
"""
from __future__ import annotations

import re
from typing import List, Tuple

_STREET_TYPES_EN = r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl|highway|hwy|parkway|pkwy|circle|cir|terrace|trail|trl)"
_STREET_TYPES_ES = r"(?:calle|avenida|av|avda|carretera|camino|callejón|callejon|boulevard|bulevar|blvd|privada|colonia|col|paseo|calzada)"

# "$800 for one drive" is money, not an address: street names are not these little words.
_NOT_A_NAME = r"(?!(?:for|a|an|per|each|the|to|one|every|in|and|or|my|your|a|trips?|times?|hours?|mins?|minutes?)\b)"

# Order matters: URLs and e-mails before handles, so "x@y.com" is one e-mail and not a handle.
PATTERNS: List[Tuple[str, re.Pattern]] = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|co|me|ly|gg|app|link|mx|us|info|biz|xyz|tk)(?:/\S*)?\b", re.I)),
    ("handle", re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}")),
    # 7+ digits with optional separators and country code: 555-0100, (520) 555 0100, +52 1 664 123 4567.
    ("phone", re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")),
    # 123 Main St / 4500 N. Oracle Road
    ("address", re.compile(rf"(?<![$\d])\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:{_NOT_A_NAME}[A-Za-zÁÉÍÓÚÑáéíóúñ'.]+\s+){{1,4}}{_STREET_TYPES_EN}\b\.?", re.I)),
    # Calle Juárez 123 / Av. Revolución #45 / calle 5 de mayo 210
    ("address", re.compile(rf"\b{_STREET_TYPES_ES}\.?\s+(?:[A-Za-zÁÉÍÓÚÑáéíóúñ0-9'.]+\s+){{0,4}}(?:#|no\.?\s*|número\s*|numero\s*)?\d{{1,6}}\b", re.I)),
]


def redact(text: str) -> str:
    if not text:
        return ""
    for tag, pattern in PATTERNS:
        text = pattern.sub(lambda match: _tag(tag, match.group(0)), text)
    return text


def _tag(tag: str, found: str) -> str:
    if tag == "phone" and sum(ch.isdigit() for ch in found) < 7:
        return found  # "2 racks", "1500 a trip", years: not phone numbers
    return f"[{tag}]"
