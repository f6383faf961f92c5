"""Which apps a recruiter used, from the words teens write ("hmu on tele", "me escribió por insta").

Feeds the platform study (which apps recruiters use): offers and reports name an app in free
text, so a short alias list maps what teens type to a platform name. Anything else that looks
like an app stays "Other" only when the teen answered the report form's app question.
"""
from __future__ import annotations

import re
from typing import Dict, List, Set

PLATFORMS = ("TikTok", "Instagram", "Snapchat", "WhatsApp", "Telegram", "Facebook")
OTHER = "Other"

_ALIASES: Dict[str, List[str]] = {
    "TikTok": ["tiktok", "tik tok", "tiktoc"],
    "Instagram": ["instagram", "insta", "ig", "instagr"],
    "Snapchat": ["snapchat", "snap"],
    "WhatsApp": ["whatsapp", "whats app", "whatsap", "wsp", "wasap", "guasap", "al whats", "por whats", "x whats", "on whats", "el whats"],
    "Telegram": ["telegram", "tg", "telegrama"],
    "Facebook": ["facebook", "fb", "messenger", "feis"],
}
_PATTERNS = {
    name: re.compile(r"(?<![\w@])(?:" + "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True)) + r")(?![\w])", re.I)
    for name, aliases in _ALIASES.items()
}


def apps_named(text: str) -> Set[str]:
    """Platforms named in free text (an offer). Short aliases like "ig" count only as whole words."""
    if not text:
        return set()
    return {name for name, pattern in _PATTERNS.items() if pattern.search(text)}


def app_from_answer(answer: str) -> str:
    """The report form's "which app?" answer: a platform, or Other when it names something else."""
    found = apps_named(answer)
    if found:
        return sorted(found)[0]
    return OTHER if answer and answer.strip() else ""
