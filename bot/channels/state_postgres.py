"""Channel state in PostgreSQL, shared by every Rasa instance behind the load balancer.

Why: with several instances, a Twilio or Telegram retry may reach another instance than the
first delivery, a STOP recorded by one must silence all, and "2" must map to the buttons another
instance sent. The same tables as the SQLite default (prefixed ``channel_``), and the same claim
rules (see ``bot.channels.state``): here a claim is one atomic statement, so two instances can
never both take the same message.

Calls are synchronous and short (one indexed statement each on a pooled connection); the
webhook handlers call them inline, as they do with SQLite.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Callable, List, Optional

from bot.channels.state import (
    BUSY, DONE, NEW, REPLY_TTL_SECONDS, SEEN_TTL_SECONDS, Claim, SenderColumns, SenderSnapshot,
    decode_buttons, decode_reply,
)

logger = logging.getLogger(__name__)

SCHEMA_LOCK_ID = 0x5E4A1E5  # pg_advisory_xact_lock: instances starting together create the tables once
SCHEMA = """
CREATE TABLE IF NOT EXISTS channel_seen (
    channel TEXT NOT NULL, message_id TEXT NOT NULL, status TEXT NOT NULL, lease_until DOUBLE PRECISION,
    reply TEXT, at DOUBLE PRECISION NOT NULL, PRIMARY KEY (channel, message_id));
CREATE INDEX IF NOT EXISTS channel_seen_at ON channel_seen (at);
CREATE TABLE IF NOT EXISTS channel_senders (
    sender_id TEXT PRIMARY KEY, opted_out BOOLEAN NOT NULL DEFAULT FALSE, language TEXT, buttons TEXT,
    updated_at DOUBLE PRECISION);
CREATE TABLE IF NOT EXISTS channel_reply_addresses (
    sender_id TEXT PRIMARY KEY, channel TEXT NOT NULL, token BYTEA NOT NULL, created_at DOUBLE PRECISION);
"""
SENDER_COLUMNS = {"opted_out", "language", "buttons"}


def _dsn(url: str) -> str:
    """psycopg2 takes ``postgresql://``; SQLAlchemy-style ``postgresql+psycopg2://`` is accepted too."""
    return "postgresql://" + url.split("://", 1)[1] if url.startswith("postgresql+") else url


class PostgresChannelState(SenderColumns):
    def __init__(self, url: str, max_connections: int = 8):
        import psycopg2.pool

        try:
            self._pool = psycopg2.pool.ThreadedConnectionPool(1, max_connections, _dsn(url), connect_timeout=10)
        except psycopg2.Error as error:
            raise RuntimeError(f"Channel state: cannot reach PostgreSQL ({str(error).strip().splitlines()[0]})") from None
        self._run(lambda cursor: (cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_ID,)),
                                  cursor.execute(SCHEMA)))
        self._last_prune = 0.0

    def _run(self, work: Callable, durable: bool = True):
        """``work(cursor)`` in one transaction on a pooled connection. A connection broken by a
        database restart is dropped and the work tried once more on a fresh one, so a restart
        needs no manual step (every statement here is safe to repeat).

        ``durable=False`` commits without waiting for the disk: for claims, recorded replies,
        buttons and the language, which a database crash may lose at the cost of at most one
        repeated turn or a "which option?" reply. STOP and reply addresses always wait."""
        import psycopg2

        for attempt in (1, 2):
            conn = self._pool.getconn()
            broken = False
            try:
                with conn:
                    with conn.cursor() as cursor:
                        if not durable:
                            cursor.execute("SET LOCAL synchronous_commit = off")
                        return work(cursor)
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                if attempt == 2:
                    raise
                logger.warning("Channel state: PostgreSQL connection lost; retrying on a new connection")
            finally:
                self._pool.putconn(conn, close=broken or bool(conn.closed))

    def _prune(self, now: float) -> None:
        if now - self._last_prune > 3600:
            self._last_prune = now
            self._run(lambda cursor: (
                cursor.execute("DELETE FROM channel_seen WHERE at < %s", (now - SEEN_TTL_SECONDS,)),
                cursor.execute("UPDATE channel_seen SET reply = NULL WHERE reply IS NOT NULL AND at < %s",
                               (now - REPLY_TTL_SECONDS,))))

    def claim(self, channel: str, message_id: str, lease_seconds: float) -> Claim:
        now = time.time()
        self._prune(now)

        def work(cursor):
            # Insert, or take over a claim whose lease ran out, in one statement: the row lock
            # taken by ON CONFLICT DO UPDATE puts two instances' claims strictly one after the other.
            cursor.execute(
                "INSERT INTO channel_seen AS s (channel, message_id, status, lease_until, at) "
                "VALUES (%s, %s, 'processing', %s, %s) "
                "ON CONFLICT (channel, message_id) DO UPDATE SET lease_until = EXCLUDED.lease_until, at = EXCLUDED.at "
                "WHERE s.status = 'processing' AND s.lease_until < %s RETURNING (xmax <> 0)",
                (channel, message_id, now + lease_seconds, now, now),
            )
            taken = cursor.fetchone()
            if taken:
                return (NEW, bool(taken[0]))  # xmax is set when the row was updated, not inserted
            cursor.execute("SELECT status, reply FROM channel_seen WHERE channel = %s AND message_id = %s",
                           (channel, message_id))
            return cursor.fetchone()

        row = self._run(work, durable=False)
        if row and row[0] == NEW:
            return Claim(NEW, retaken=row[1])
        if row and row[0] == "processing":
            return Claim(BUSY)
        return Claim(DONE, decode_reply(row[1] if row else None))

    def complete(self, channel: str, message_id: str, reply: Optional[List[str]] = None) -> None:
        encoded = json.dumps(reply, ensure_ascii=False) if reply is not None else None
        self._run(lambda cursor: cursor.execute(
            "UPDATE channel_seen SET status = 'done', reply = %s, at = %s WHERE channel = %s AND message_id = %s",
            (encoded, time.time(), channel, message_id)), durable=False)

    def release(self, channel: str, message_id: str) -> None:
        self._run(lambda cursor: cursor.execute(
            "DELETE FROM channel_seen WHERE channel = %s AND message_id = %s AND status = 'processing'",
            (channel, message_id)))

    def _sender(self, sender_id: str, column: str):
        assert column in SENDER_COLUMNS
        row = self._run(lambda cursor: (
            cursor.execute(f"SELECT {column} FROM channel_senders WHERE sender_id = %s", (sender_id,)),
            cursor.fetchone())[1])
        return row[0] if row else None

    def _set(self, sender_id: str, column: str, value) -> None:
        assert column in SENDER_COLUMNS
        if column == "opted_out":
            value = bool(value)  # a BOOLEAN column here, 0/1 in SQLite
        self._run(lambda cursor: cursor.execute(
            f"INSERT INTO channel_senders (sender_id, {column}, updated_at) VALUES (%s, %s, %s) "
            f"ON CONFLICT (sender_id) DO UPDATE SET {column} = EXCLUDED.{column}, updated_at = EXCLUDED.updated_at",
            (sender_id, value, time.time())), durable=column == "opted_out")

    def snapshot(self, sender_id: str) -> SenderSnapshot:
        row = self._run(lambda cursor: (
            cursor.execute("SELECT opted_out, language, buttons FROM channel_senders WHERE sender_id = %s", (sender_id,)),
            cursor.fetchone())[1])
        return SenderSnapshot(bool(row[0]), row[1], decode_buttons(row[2])) if row else SenderSnapshot()

    def save_reply_address(self, sender_id: str, channel: str, token: bytes) -> None:
        import psycopg2

        self._run(lambda cursor: cursor.execute(
            "INSERT INTO channel_reply_addresses (sender_id, channel, token, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (sender_id) DO UPDATE SET channel = EXCLUDED.channel, token = EXCLUDED.token, "
            "created_at = EXCLUDED.created_at",
            (sender_id, channel, psycopg2.Binary(token), time.time())))

    def reply_address(self, sender_id: str) -> Optional[bytes]:
        row = self._run(lambda cursor: (
            cursor.execute("SELECT token FROM channel_reply_addresses WHERE sender_id = %s", (sender_id,)),
            cursor.fetchone())[1])
        return bytes(row[0]) if row else None
