"""What every messaging channel does to a teen's text before Rasa sees it.

- Text that starts with "/" would be read by Rasa as an intent command (``/danger_threat{...}``),
  skipping the NLU, the danger safety net and the slots' rules. Teens' text always goes through
  the NLU: the leading slash becomes a full-width solidus, which looks the same to a person and
  means nothing to Rasa. Only payloads of buttons this assistant sent are passed on as intents.
- Very long messages are cut at a word boundary (the teen is told), so one paste cannot make
  the NLU or the tracker store do unbounded work.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from bot.channels.text import clean_text

MAX_INPUT_CHARS = 2000
_SLASHES = re.compile(r"^/+")


def neutralise_commands(text: str) -> str:
    return _SLASHES.sub(lambda match: "\uff0f" * len(match.group()), text)


def cut(text: str, limit: int = MAX_INPUT_CHARS) -> Tuple[str, bool]:
    """(text of at most ``limit`` characters ending at a word boundary when there is one, was_cut)."""
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    space = head.rfind(" ")
    if space > limit * 0.8:
        head = head[:space]
    return head.rstrip(), True


def prepare(raw: Optional[str], limit: int = MAX_INPUT_CHARS) -> Tuple[str, bool]:
    """Teen text ready for Rasa: cleaned, cut to ``limit``, commands neutralised."""
    text, was_cut = cut(clean_text(raw or ""), limit)
    return neutralise_commands(text), was_cut


def numbered_buttons(buttons: List[dict]) -> Dict[str, str]:
    """"1" -> first payload... for the buttons of one reply (SMS shows them as numbered options)."""
    return {str(i): b["payload"] for i, b in enumerate(buttons, start=1) if b.get("payload")}


def chosen_payload(text: str, offered: Dict[str, str], titles: Optional[Dict[str, str]] = None) -> Optional[str]:
    """The payload a reply like "2", "2." or "#2" picks from the options we sent, else None."""
    key = text.strip().rstrip(".)").lstrip("#").strip()
    if key in offered:
        return offered[key]
    if titles:
        return titles.get(text.strip().casefold())
    return None
