"""Channel-level texts (HELP, STOP confirmation, rate limit...) from messages.yml.

Why a data file: staff edit wording in one place, in both languages, and the hotline numbers
come from bot/config/hotlines.yml through bot.hotlines, so a number is never typed twice.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

from bot.hotlines import template_values

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
LANGUAGES = ("en", "es")


@lru_cache(maxsize=2)
def _messages(path: Path = MESSAGES_FILE) -> Dict[str, Dict[str, str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def keys() -> list:
    return sorted(_messages())


def text(key: str, language: Optional[str], **values: object) -> str:
    """The message in ``language``; both languages (English first) when it is not known yet."""
    variants = _messages()[key]
    fill = {**template_values(), **{k: str(v) for k, v in values.items()}}
    if language in LANGUAGES:
        return variants[language].format(**fill)
    return "\n\n".join(variants[lang].format(**fill) for lang in LANGUAGES)
