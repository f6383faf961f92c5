"""Case codes a teen can read aloud on the phone: ``SN-7K4Q-2M``.

The alphabet leaves out 0/O and 1/I so nobody has to ask which one it was. Six random symbols
from 32 give about a billion codes; the database's UNIQUE constraint catches the rare repeat and
the store simply draws again.
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PREFIX = "SN"
_SHAPE = re.compile(rf"^{PREFIX}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{2}}$")


def new_case_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"{PREFIX}-{symbols[:4]}-{symbols[4:]}"


def normalize(text: str) -> str:
    """Accept what staff type (``sn7k4q2m``, `` sn-7k4q-2m``) and return the stored form."""
    compact = re.sub(r"[\s\-]", "", str(text)).upper()
    if len(compact) == 8 and compact.startswith(PREFIX):
        return f"{PREFIX}-{compact[2:6]}-{compact[6:]}"
    return str(text).strip().upper()


def looks_valid(code: str) -> bool:
    return bool(_SHAPE.match(code))
