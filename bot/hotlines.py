"""Loads the hotline numbers from bot/config/hotlines.yml, the one place they are written.

Responses refer to them as template variables named ``<service>_<field>`` (``trafficking_call``),
so a number changed in the YAML changes every reply without retraining anything.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

HOTLINES_FILE = Path(__file__).parent / "config" / "hotlines.yml"


@lru_cache(maxsize=4)
def template_values(path: Path = HOTLINES_FILE) -> Dict[str, str]:
    services = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {
        f"{service}_{field}": str(value)
        for service, fields in services.items()
        for field, value in fields.items()
    }
