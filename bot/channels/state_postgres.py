"""Channel state in PostgreSQL, shared by every Rasa instance behind the load balancer.

Why: with several instances, a Twilio or Telegram retry may reach another instance than the
first delivery, a STOP recorded by one must silence all, and "2" must map to the buttons another
instance sent. The same tables as the SQLite default (prefixed ``channel_``), and the same claim
rules (see ``bot.channels.state``): here a claim is one atomic statement, so two instances can
never both take the same message.

Calls are synchronous and short (one indexed statement each, one round trip, on a connection
kept open); the webhook handlers run them in a worker thread, off the event loop.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Callable, List, Optional, Tuple

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


class KeepingPool:
    """Up to ``size`` connections, opened when first needed and then kept open.

    Why not psycopg2's own pools: they keep only ``minconn`` idle connections and close every
    other one when it is handed back. Under load, with several worker threads, nearly every
    statement then opened a new connection, and each costs PostgreSQL a new backend process: CPU
    taken from the Rasa instances on the same cores (a profile of two instances under SMS load
    showed the worker threads busy connecting; README "Sizing" has the throughput before and after)."""

    def __init__(self, dsn: str, size: int, connect_timeout: int = 10,
                 on_connect: Optional[Callable] = None) -> None:
        self._dsn, self._timeout, self._on_connect = dsn, connect_timeout, on_connect
        self._idle: "queue.LifoQueue" = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def get(self):
        """A connection; blocks while ``size`` are in use."""
        import psycopg2

        self._slots.acquire()
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        try:
            conn = psycopg2.connect(self._dsn, connect_timeout=self._timeout)
            if self._on_connect:
                self._on_connect(conn)
            return conn
        except BaseException:
            self._slots.release()
            raise

    def put(self, conn, broken: bool = False) -> None:
        try:
            if broken or conn.closed:
                _close_quietly(conn)
                self.discard_idle()  # after a database restart every idle one is broken too
            else:
                self._idle.put(conn)
        finally:
            self._slots.release()

    def discard_idle(self) -> None:
        while True:
            try:
                _close_quietly(self._idle.get_nowait())
            except queue.Empty:
                return


# Insert, or take over a claim whose lease ran out, in one statement: the row lock taken by ON
# CONFLICT DO UPDATE puts two instances' claims strictly one after the other. It returns a row
# only when the claim was taken; xmax is set when the row was updated (retaken), not inserted.
CLAIM_SQL = (
    "INSERT INTO channel_seen AS s (channel, message_id, status, lease_until, at) "
    "VALUES (%s, %s, 'processing', %s, %s) "
    "ON CONFLICT (channel, message_id) DO UPDATE SET lease_until = EXCLUDED.lease_until, at = EXCLUDED.at "
    "WHERE s.status = 'processing' AND s.lease_until < %s RETURNING (xmax <> 0)"
)


def _snapshot_of(row) -> SenderSnapshot:
    """A ``channel_senders`` row (opted_out, language, buttons), or None for a new sender."""
    return SenderSnapshot(bool(row[0]), row[1], decode_buttons(row[2])) if row else SenderSnapshot()


def _fast_session(conn) -> None:
    """Each statement its own transaction, committed without waiting for the disk.

    Why: every channel message makes a few one-statement calls (claim, sender state, recorded
    reply). In a transaction each cost ``SET LOCAL``, the statement and ``COMMIT``: three round
    trips where one does. Durable writes open a transaction of their own (``_run``)."""
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")


def _close_quietly(conn) -> None:
    try:
        conn.close()
    except Exception:
        pass


class PostgresChannelState(SenderColumns):
    def __init__(self, url: str, max_connections: int = 8):
        import psycopg2

        self._pool = KeepingPool(_dsn(url), max_connections, on_connect=_fast_session)
        try:
            self._pool.put(self._pool.get())
        except psycopg2.Error as error:
            raise RuntimeError(f"Channel state: cannot reach PostgreSQL ({str(error).strip().splitlines()[0]})") from None
        self._run(lambda cursor: (cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_ID,)),
                                  cursor.execute(SCHEMA)))
        self._last_prune = 0.0

    def _run(self, work: Callable, durable: bool = True):
        """``work(cursor)`` on a pooled connection. A connection broken by a database restart is
        dropped and the work tried once more on a fresh one, so a restart needs no manual step
        (every statement here is safe to repeat).

        ``durable=False``: each statement commits on its own without waiting for the disk (see
        ``_fast_session``): for claims, recorded replies, buttons and the language, which a
        database crash may lose at the cost of at most one repeated turn or a "which option?"
        reply. ``durable=True`` runs the work in one transaction that waits for the disk: STOP,
        reply addresses, the schema."""
        import psycopg2

        for attempt in (1, 2):
            conn = self._pool.get()
            broken = False
            try:
                with conn.cursor() as cursor:
                    if not durable:
                        return work(cursor)
                    cursor.execute("BEGIN")
                    try:
                        cursor.execute("SET LOCAL synchronous_commit = on")
                        result = work(cursor)
                    except BaseException:
                        if not conn.closed:
                            try:
                                cursor.execute("ROLLBACK")  # autocommit: conn.rollback() would send nothing
                            except psycopg2.Error:
                                pass
                        raise
                    cursor.execute("COMMIT")
                    return result
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                if attempt == 2:
                    raise
                logger.warning("Channel state: PostgreSQL connection lost; retrying on a new connection")
            finally:
                self._pool.put(conn, broken=broken)

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
            cursor.execute(CLAIM_SQL, (channel, message_id, now + lease_seconds, now, now))
            taken = cursor.fetchone()
            if taken:
                return (NEW, bool(taken[0]))
            cursor.execute("SELECT status, reply FROM channel_seen WHERE channel = %s AND message_id = %s",
                           (channel, message_id))
            return cursor.fetchone()

        row = self._run(work, durable=False)
        if row and row[0] == NEW:
            return Claim(NEW, retaken=row[1])
        if row and row[0] == "processing":
            return Claim(BUSY)
        return Claim(DONE, decode_reply(row[1] if row else None))

    def claim_for_sender(self, channel: str, message_id: str, lease_seconds: float,
                         sender_id: str) -> Tuple[Claim, Optional[SenderSnapshot]]:
        """The claim (same rules as ``claim``) and the sender's state in one statement: one round
        trip before the turn instead of two.

        The joined rows come from the statement's snapshot, taken before the insert: when the
        insert took nothing and no row shows, another instance claimed the message at this very
        moment, which is the busy case."""
        now = time.time()
        self._prune(now)

        def work(cursor):
            cursor.execute(
                f"WITH claimed AS ({CLAIM_SQL} AS retaken) "
                "SELECT (SELECT retaken FROM claimed), seen.status, seen.reply, snd.opted_out, snd.language, snd.buttons "
                "FROM (SELECT 1) AS one "
                "LEFT JOIN channel_seen seen ON seen.channel = %s AND seen.message_id = %s "
                "LEFT JOIN channel_senders snd ON snd.sender_id = %s",
                (channel, message_id, now + lease_seconds, now, now, channel, message_id, sender_id),
            )
            return cursor.fetchone()

        retaken, status, reply, *sender = self._run(work, durable=False)
        if retaken is not None:
            return Claim(NEW, retaken=bool(retaken)), _snapshot_of(sender if sender[0] is not None else None)
        if status == "done":
            return Claim(DONE, decode_reply(reply)), None
        return Claim(BUSY), None

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
        return _snapshot_of(row)

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
