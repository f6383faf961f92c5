"""What the channels must remember between webhooks, behind a small interface.

Twilio and Telegram retry webhooks, teens opt out with STOP, numbered options must map back to
the buttons we sent, and a reply address is kept (encrypted) after a teen agrees to be written
back. Everything is keyed by the pseudonymous sender id, never by a phone number or chat id.

``SQLiteChannelState`` is the embedded default (``var/channels.db``); another backend
(PostgreSQL, Redis) only has to implement ``ChannelState``.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Dict, Optional

from bot.channels import settings

SEEN_TTL_SECONDS = 7 * 24 * 3600
MAX_REMEMBERED_BUTTONS = 40


class ChannelState:
    """Interface. Every method is quick and synchronous (called from the webhook handlers)."""

    def first_time(self, channel: str, message_id: str) -> bool:
        """True the first time a (channel, message id) is seen, False on every retry."""
        raise NotImplementedError

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


class SQLiteChannelState(ChannelState):
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
                                                 PRIMARY KEY (channel, message_id));
                CREATE TABLE IF NOT EXISTS senders (sender_id TEXT PRIMARY KEY, opted_out INTEGER DEFAULT 0,
                                                    language TEXT, buttons TEXT, updated_at REAL);
                CREATE TABLE IF NOT EXISTS reply_addresses (sender_id TEXT PRIMARY KEY, channel TEXT,
                                                            token BLOB, created_at REAL);
                """
            )
        self._last_prune = 0.0

    @classmethod
    def from_env(cls) -> "SQLiteChannelState":
        return cls(settings.path_setting(settings.CHANNELS_DB, settings.DEFAULT_CHANNELS_DB))

    def _execute(self, sql: str, args: tuple = ()) -> list:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def first_time(self, channel: str, message_id: str) -> bool:
        now = time.time()
        if now - self._last_prune > 3600:
            self._last_prune = now
            self._execute("DELETE FROM seen WHERE at < ?", (now - SEEN_TTL_SECONDS,))
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO seen (channel, message_id, at) VALUES (?, ?, ?)", (channel, message_id, now)
            )
            return cursor.rowcount == 1

    def _sender(self, sender_id: str, column: str):
        rows = self._execute(f"SELECT {column} FROM senders WHERE sender_id = ?", (sender_id,))
        return rows[0][0] if rows else None

    def _set(self, sender_id: str, column: str, value) -> None:
        self._execute(
            f"INSERT INTO senders (sender_id, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT(sender_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (sender_id, value, time.time()),
        )

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
        raw = self._sender(sender_id, "buttons")
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def set_buttons(self, sender_id: str, buttons: Dict[str, str], replace: bool = True) -> None:
        merged = dict(buttons) if replace else {**self.buttons(sender_id), **buttons}
        while len(merged) > MAX_REMEMBERED_BUTTONS:
            merged.pop(next(iter(merged)))
        self._set(sender_id, "buttons", json.dumps(merged, ensure_ascii=False))

    def save_reply_address(self, sender_id: str, channel: str, token: bytes) -> None:
        self._execute(
            "INSERT OR REPLACE INTO reply_addresses (sender_id, channel, token, created_at) VALUES (?, ?, ?, ?)",
            (sender_id, channel, token, time.time()),
        )

    def reply_address(self, sender_id: str) -> Optional[bytes]:
        rows = self._execute("SELECT token FROM reply_addresses WHERE sender_id = ?", (sender_id,))
        return bytes(rows[0][0]) if rows else None
