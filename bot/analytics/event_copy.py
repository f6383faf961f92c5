"""The analytics database's copy of Rasa's events: written once per event, erased with the teen.

The copy is an ``events`` table in exactly Rasa's SQLTrackerStore shape, so the refresh folds it
unchanged. Rasa's PikaEventBroker publishes ``{"sender_id": ..., **event.as_dict()}``;
SQLTrackerStore stores ``event.as_dict()`` as ``data`` with the type, timestamp, intent and
action in their own columns. ``from_broker`` and ``from_tracker_row`` make the same
``CopiedEvent`` from either, and ``event_key`` is the same for both, so a redelivered message or
a backfill of an event the consumer already copied never makes a second row.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Dict, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import database
from bot.analytics.database import copy_keys, events, tombstones
from bot.analytics.refresh import highest_event_id, lower_mark_after_delete, sender_salt

MAX_COLUMN = 255  # Rasa's String(255) columns


class InvalidEvent(ValueError):
    """Not a Rasa event. The message says what is wrong, never what the message contained."""


@dataclass(frozen=True)
class CopiedEvent:
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: Optional[str]
    action_name: Optional[str]
    data: str  # json.dumps(event.as_dict()), as SQLTrackerStore writes it

    def row(self) -> dict:
        return {"sender_id": self.sender_id, "type_name": self.type_name, "timestamp": self.timestamp,
                "intent_name": self.intent_name, "action_name": self.action_name, "data": self.data}


def _short_text(value, field: str, required: bool) -> Optional[str]:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_COLUMN:
        raise InvalidEvent(f"field {field!r} is missing, not text, or longer than {MAX_COLUMN}")
    return value


def _from_event_dict(sender_id, event: dict) -> CopiedEvent:
    """The columns exactly as ``SQLTrackerStore.save`` derives them from ``event.as_dict()``."""
    sender = _short_text(sender_id, "sender_id", True)
    type_name = _short_text(event.get("event"), "event", True)
    timestamp = event.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise InvalidEvent("field 'timestamp' is missing or not a number")
    parse_data = event.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, dict) else None
    intent_name = intent.get("name") if isinstance(intent, dict) else None
    name = event.get("name")
    return CopiedEvent(sender, type_name, float(timestamp),
                       _short_text(intent_name, "parse_data.intent.name", False) if intent_name is not None else None,
                       _short_text(name, "name", False) if isinstance(name, str) else None,
                       json.dumps(event))


def from_broker(body: bytes) -> CopiedEvent:
    """One PikaEventBroker message body."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidEvent("body is not UTF-8 JSON") from None
    if not isinstance(message, dict):
        raise InvalidEvent("body is not a JSON object")
    event = dict(message)
    sender_id = event.pop("sender_id", None)
    return _from_event_dict(sender_id, event)


def from_tracker_row(row) -> CopiedEvent:
    return CopiedEvent(row.sender_id, row.type_name, float(row.timestamp or 0.0), row.intent_name, row.action_name, row.data)


def sender_hash(salt: bytes, sender_id: str) -> str:
    """Keyed, and derived apart from the aggregates' pseudonym, so a tombstone links to no count."""
    return hmac.new(salt, b"copy\0" + sender_id.encode("utf-8"), hashlib.sha256).hexdigest()


def event_key(salt: bytes, event: CopiedEvent) -> str:
    """Same event, same key, whichever way it came: sender, type, timestamp and the data's content."""
    canonical = json.dumps(json.loads(event.data), sort_keys=True, separators=(",", ":"))
    material = "\0".join((event.sender_id, event.type_name, repr(event.timestamp), canonical))
    return hmac.new(salt, material.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class WriteResult:
    written: int = 0
    duplicates: int = 0
    erased: int = 0  # events of a teen who erased their conversation after they happened

    def add(self, other: "WriteResult") -> None:
        self.written += other.written
        self.duplicates += other.duplicates
        self.erased += other.erased


def ensure_tables(copy: Engine) -> None:
    database.create_events_table(copy)
    database.create_tables(copy)


def write(copy: Engine, batch: Iterable[CopiedEvent]) -> WriteResult:
    """Write a batch in one transaction: new events only, none of an erased teen's past."""
    batch = list(batch)
    result = WriteResult()
    if not batch:
        return result
    with copy.begin() as conn:
        database.writer_lock(conn)
        salt = sender_salt(conn)
        hashes = {e.sender_id: sender_hash(salt, e.sender_id) for e in batch}
        erased_at: Dict[str, float] = {}
        wanted = list(set(hashes.values()))
        for start in range(0, len(wanted), 500):
            for row in conn.execute(sa.select(tombstones).where(tombstones.c.sender_hash.in_(wanted[start:start + 500]))):
                erased_at[row.sender_hash] = row.erased_at
        for event in batch:
            owner = hashes[event.sender_id]
            if owner in erased_at and event.timestamp <= erased_at[owner]:
                result.erased += 1
                continue
            claimed = conn.execute(
                _insert_ignore(conn, copy_keys),
                {"event_key": event_key(salt, event), "sender_hash": owner, "timestamp": event.timestamp},
            ).rowcount
            if claimed != 1:
                result.duplicates += 1
                continue
            conn.execute(events.insert(), event.row())
            result.written += 1
    return result


def _insert_ignore(conn, table: sa.Table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=[c.name for c in table.primary_key.columns])


def erase_sender(copy: Engine, sender_id: str, now: Optional[float] = None) -> int:
    """Delete a teen's copied events and leave a tombstone; returns how many rows went."""
    ensure_tables(copy)
    with copy.begin() as conn:
        database.writer_lock(conn)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        owner = sender_hash(sender_salt(conn), sender_id)
        deleted = conn.execute(events.delete().where(events.c.sender_id == sender_id)).rowcount or 0
        conn.execute(copy_keys.delete().where(copy_keys.c.sender_hash == owner))
        database.upsert(conn, tombstones, [{"sender_hash": owner, "erased_at": now or time.time()}], ["sender_hash"],
                        replace_columns=["erased_at"])
        highest_left = highest_event_id(conn)
    lower_mark_after_delete(copy, highest_left)
    return deleted


def forget_before(conn, cutoff: float) -> None:
    """Purge's part: keys and tombstones older than the retention go with the events they guarded."""
    conn.execute(copy_keys.delete().where(copy_keys.c.timestamp < cutoff))
    conn.execute(tombstones.delete().where(tombstones.c.erased_at < cutoff))
