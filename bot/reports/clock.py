"""One timestamp format for the database: UTC ISO 8601 with microseconds and a ``Z``.

Fixed width, so SQLite can compare ``next_attempt_at <= now`` as plain text.
"""
from __future__ import annotations

from datetime import datetime, timezone

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(timezone.utc).strftime(_FORMAT)


def from_text(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=timezone.utc)


def short(text: str | None) -> str:
    """Minute precision for tables: staff read it, nobody needs microseconds."""
    if not text:
        return ""
    return from_text(text).strftime("%Y-%m-%d %H:%M")
