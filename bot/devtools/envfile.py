"""Read a ``.env`` file (``KEY=value`` lines) the way docker and systemd read them, without a shell.

Why our own: the production profile's settings live in ``.env`` (documented in ``.env.example``)
and ``make run-prod`` must read them with no extra dependency and no shell expansion, so a
password with ``$`` or spaces means what it says.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class EnvFileError(ValueError):
    pass


def parse(text: str, source: str = ".env") -> Dict[str, str]:
    values: Dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise EnvFileError(f"{source}:{number}: expected KEY=value, got {line.strip()[:40]!r}")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def load(path: Path) -> Dict[str, str]:
    return parse(Path(path).read_text(encoding="utf-8"), str(path))
