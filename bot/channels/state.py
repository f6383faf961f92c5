"""What the channels must remember between webhooks, behind a small interface.

Twilio and Telegram retry webhooks, teens opt out with STOP, numbered options must map back to
the buttons we sent, and a reply address is kept (encrypted) after a teen agrees to be written
back. Everything is keyed by the pseudonymous sender id, never by a phone number or chat id.

``SQLiteChannelState`` is the embedded default (``var/channels.db``);
``bot.channels.state_postgres.PostgresChannelState`` is what several Rasa instances share
(``SENALES_CHANNELS_DB_URL``). ``channel_state_from_env`` picks one.

Webhook retries are handled with a *claim*, not a plain "seen" flag: the instance answering a
message holds it for a lease (``SENALES_CLAIM_LEASE_SECONDS``) and records its reply when done.
A retry of a finished message gets the same reply back (for SMS the webhook response *is* the
delivery, so a retry means the first answer never arrived); a retry while another instance is
still answering waits for it; a claim whose instance died (kill -9) expires and another
instance answers. So a crash loses no acknowledged message and no reply goes out twice.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.channels import settings

SEEN_TTL_SECONDS = 7 * 24 * 3600
MAX_REMEMBERED_BUTTONS = 40
REPLY_TTL_SECONDS = 24 * 3600  # a kept reply is only needed while the service may still retry

NEW, DONE, BUSY = "new", "done", "busy"


@dataclass(frozen=True)
class Claim:
    """``new``: answer it (this instance now holds it; ``retaken`` when it took over the claim of
    an instance that never finished, which may have run the turn before dying); ``done``:
    answered before, ``reply`` is what was answered (None when it was not kept); ``busy``:
    another instance is answering it."""

    status: str
    reply: Optional[List[str]] = None
    retaken: bool = False


@dataclass(frozen=True)
class SenderSnapshot:
    """A sender's settings read in one query at the start of a webhook."""

    opted_out: bool = False
    language: Optional[str] = None
    buttons: Dict[str, str] = field(default_factory=dict)


def decode_buttons(raw: Optional[str]) -> Dict[str, str]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def decode_reply(raw: Optional[str]) -> Optional[List[str]]:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return [str(item) for item in value] if isinstance(value, list) else None


class ChannelState:
    """Interface. Every method is quick and synchronous (called from the webhook handlers)."""

    def claim(self, channel: str, message_id: str, lease_seconds: float) -> Claim:
        """Take a (channel, message id) to answer it, or learn that it was or is being answered."""
        raise NotImplementedError

    def complete(self, channel: str, message_id: str, reply: Optional[List[str]] = None) -> None:
        """Mark a claimed message answered, keeping ``reply`` for a retry that may still come."""
        raise NotImplementedError

    def release(self, channel: str, message_id: str) -> None:
        """Give a claim back unanswered, so the service's retry is answered anew."""
        raise NotImplementedError

    def snapshot(self, sender_id: str) -> SenderSnapshot:
        raise NotImplementedError

    def claim_for_sender(self, channel: str, message_id: str, lease_seconds: float,
                         sender_id: str) -> Tuple[Claim, Optional[SenderSnapshot]]:
        """``claim``, and the sender's state when the claim is new (None otherwise). A backend
        across a network does both in one round trip (``state_postgres``)."""
        claim = self.claim(channel, message_id, lease_seconds)
        return claim, (self.snapshot(sender_id) if claim.status == NEW else None)

    def opted_out(self, sender_id: str) -> bool:
        raise NotImplementedError

    def set_opted_out(self, sender_id: str, value: bool) -> None:
        raise NotImplementedError

    def language(self, sender_id: str) -> Optional[str]:
        raise NotImplementedError

    def set_language(self, sender_id: str, language: Optional[str]) -> None:
        raise NotImplementedError

    def buttons(self, sender_id: str) -> Dict[str, str]:
        """Key (option number or callback data) -> payload of buttons we sent this sender."""
        raise NotImplementedError

    def set_buttons(self, sender_id: str, buttons: Dict[str, str], replace: bool = True) -> None:
        raise NotImplementedError

    def save_reply_address(self, sender_id: str, channel: str, token: bytes) -> None:
        """Keep the encrypted address a teen agreed to be written back on."""
        raise NotImplementedError

    def reply_address(self, sender_id: str) -> Optional[bytes]:
        raise NotImplementedError


class SenderColumns(ChannelState):
    """The per-sender settings, on top of two primitives each backend provides: read one column
    of the sender's row, and upsert one column."""

    def _sender(self, sender_id: str, column: str):
        raise NotImplementedError

    def _set(self, sender_id: str, column: str, value) -> None:
        raise NotImplementedError

    def opted_out(self, sender_id: str) -> bool:
        return bool(self._sender(sender_id, "opted_out"))

    def set_opted_out(self, sender_id: str, value: bool) -> None:
        self._set(sender_id, "opted_out", int(bool(value)))

    def language(self, sender_id: str) -> Optional[str]:
        return self._sender(sender_id, "language")

    def set_language(self, sender_id: str, language: Optional[str]) -> None:
        if language:
            self._set(sender_id, "language", language)

    def buttons(self, sender_id: str) -> Dict[str, str]:
        return decode_buttons(self._sender(sender_id, "buttons"))

    def set_buttons(self, sender_id: str, buttons: Dict[str, str], replace: bool = True) -> None:
        merged = dict(buttons) if replace else {**self.buttons(sender_id), **buttons}
        while len(merged) > MAX_REMEMBERED_BUTTONS:
            merged.pop(next(iter(merged)))
        self._set(sender_id, "buttons", json.dumps(merged, ensure_ascii=False))


class SQLiteChannelState(SenderColumns):
    def __init__(self, path: Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS seen (channel TEXT, message_id TEXT, at REAL,
                                                 status TEXT DEFAULT 'done', lease_until REAL, reply TEXT,
                                                 PRIMARY KEY (channel, message_id));
                CREATE TABLE IF NOT EXISTS senders (sender_id TEXT PRIMARY KEY, opted_out INTEGER DEFAULT 0,
                                                    language TEXT, buttons TEXT, updated_at REAL);
                CREATE TABLE IF NOT EXISTS reply_addresses (sender_id TEXT PRIMARY KEY, channel TEXT,
                                                            token BLOB, created_at REAL);
                """
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(seen)")}
            for column, kind in (("status", "TEXT DEFAULT 'done'"), ("lease_until", "REAL"), ("reply", "TEXT")):
                if column not in columns:  # a channels.db from before claims: its rows count as answered
                    self._db.execute(f"ALTER TABLE seen ADD COLUMN {column} {kind}")
        self._last_prune = 0.0

    @classmethod
    def from_env(cls) -> "SQLiteChannelState":
        return cls(settings.path_setting(settings.CHANNELS_DB, settings.DEFAULT_CHANNELS_DB))

    def _execute(self, sql: str, args: tuple = ()) -> list:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _prune(self, now: float) -> None:
        if now - self._last_prune > 3600:
            self._last_prune = now
            self._execute("DELETE FROM seen WHERE at < ?", (now - SEEN_TTL_SECONDS,))
            self._execute("UPDATE seen SET reply = NULL WHERE reply IS NOT NULL AND at < ?", (now - REPLY_TTL_SECONDS,))

    def claim(self, channel: str, message_id: str, lease_seconds: float) -> Claim:
        now = time.time()
        self._prune(now)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                inserted = self._db.execute(
                    "INSERT OR IGNORE INTO seen (channel, message_id, at, status, lease_until) VALUES (?, ?, ?, 'processing', ?)",
                    (channel, message_id, now, now + lease_seconds),
                ).rowcount == 1
                taken_over = not inserted and self._db.execute(
                    "UPDATE seen SET lease_until = ?, at = ? WHERE channel = ? AND message_id = ? "
                    "AND status = 'processing' AND lease_until < ?",
                    (now + lease_seconds, now, channel, message_id, now),
                ).rowcount == 1
                row = None if inserted or taken_over else self._db.execute(
                    "SELECT status, reply FROM seen WHERE channel = ? AND message_id = ?", (channel, message_id)
                ).fetchone()
            finally:
                self._db.execute("COMMIT")
        if inserted or taken_over:
            return Claim(NEW, retaken=taken_over)
        if row and row[0] == "processing":
            return Claim(BUSY)
        return Claim(DONE, decode_reply(row[1] if row else None))

    def complete(self, channel: str, message_id: str, reply: Optional[List[str]] = None) -> None:
        self._execute(
            "UPDATE seen SET status = 'done', reply = ?, at = ? WHERE channel = ? AND message_id = ?",
            (json.dumps(reply, ensure_ascii=False) if reply is not None else None, time.time(), channel, message_id),
        )

    def release(self, channel: str, message_id: str) -> None:
        self._execute("DELETE FROM seen WHERE channel = ? AND message_id = ? AND status = 'processing'", (channel, message_id))

    def _sender(self, sender_id: str, column: str):
        rows = self._execute(f"SELECT {column} FROM senders WHERE sender_id = ?", (sender_id,))
        return rows[0][0] if rows else None

    def _set(self, sender_id: str, column: str, value) -> None:
        self._execute(
            f"INSERT INTO senders (sender_id, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT(sender_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (sender_id, value, time.time()),
        )

    def snapshot(self, sender_id: str) -> SenderSnapshot:
        rows = self._execute("SELECT opted_out, language, buttons FROM senders WHERE sender_id = ?", (sender_id,))
        if not rows:
            return SenderSnapshot()
        return SenderSnapshot(bool(rows[0][0]), rows[0][1], decode_buttons(rows[0][2]))

    def save_reply_address(self, sender_id: str, channel: str, token: bytes) -> None:
        self._execute(
            "INSERT OR REPLACE INTO reply_addresses (sender_id, channel, token, created_at) VALUES (?, ?, ?, ?)",
            (sender_id, channel, token, time.time()),
        )

    def reply_address(self, sender_id: str) -> Optional[bytes]:
        rows = self._execute("SELECT token FROM reply_addresses WHERE sender_id = ?", (sender_id,))
        return bytes(rows[0][0]) if rows else None


def channel_state_from_env() -> ChannelState:
    """PostgreSQL when ``SENALES_CHANNELS_DB_URL`` is set (several instances), else the SQLite file."""
    url = settings.env().get(settings.CHANNELS_DB_URL, "").strip()
    if url:
        from bot.channels.state_postgres import PostgresChannelState

        return PostgresChannelState(url)
    return SQLiteChannelState.from_env()
