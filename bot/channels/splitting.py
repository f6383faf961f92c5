"""Splitting replies into pieces a channel can carry, without losing or changing a word.

SMS: one idea per message, about 320 characters where the text allows (two SMS segments), never
over 1,600 (Twilio's limit). Telegram: at most 4,096 characters. Cuts fall between paragraphs,
then sentences, then words; only a single word longer than the limit is cut inside. Danger
replies go through here too, so the pieces always join back to the whole text.
"""
from __future__ import annotations

import re
from typing import List, Tuple

SMS_TARGET, SMS_MAX = 320, 1600
TELEGRAM_MAX = 4096

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


_WORD_AND_SPACE = re.compile(r"(\S+)(\s*)")


def _hard_split(text: str, limit: int) -> List[str]:
    """Word runs of at most ``limit``; the whitespace inside a piece is kept as it was.

    Words are split at any whitespace (tabs, newlines, no-break spaces too, not only " "), so a
    long sentence whose words are separated by newlines is never cut inside a word.
    """
    pieces, current, gap = [], "", ""
    for match in _WORD_AND_SPACE.finditer(text):
        word, space = match.groups()
        while len(word) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        candidate = f"{current}{gap}{word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
        gap = space
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, target: int, limit: int) -> List[Tuple[str, str]]:
    """(separator before, unit): paragraphs up to ``target``, else sentences, else word runs up to ``limit``."""
    units: List[Tuple[str, str]] = []
    for paragraph in [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]:
        if len(paragraph) <= target:
            units.append(("\n\n", paragraph))
            continue
        parts = []
        for sentence in _SENTENCE_END.split(paragraph):
            parts.extend([sentence] if len(sentence) <= limit else _hard_split(sentence, limit))
        units.extend(("\n\n" if i == 0 else " ", part) for i, part in enumerate(parts))
    return units


def split(text: str, target: int, maximum: int) -> List[str]:
    """Pack units into pieces of at most ``target`` where possible, and never over ``maximum``."""
    text = text.strip()
    if not text:
        return []
    if len(text) <= target:
        return [text]
    pieces: List[str] = []
    for separator, unit in _units(text, target, maximum):
        if pieces and len(pieces[-1]) + len(separator) + len(unit) <= target:
            pieces[-1] = f"{pieces[-1]}{separator}{unit}"
        else:
            pieces.append(unit)
    return pieces


def split_sms(text: str) -> List[str]:
    return split(text, SMS_TARGET, SMS_MAX)


def split_telegram(text: str) -> List[str]:
    return split(text, TELEGRAM_MAX, TELEGRAM_MAX)
