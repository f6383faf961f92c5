"""Open the reports database: a SQLite file (one host) or PostgreSQL (several action servers).

SQLite: WAL, fsync on every commit, owner-only file, tables created. ``synchronous=FULL``
matters: in WAL mode the default (NORMAL) may lose the last commits on a power cut, and the
assistant tells a teen "sent" as soon as the commit returns. PostgreSQL gets the same promise
from ``synchronous_commit = on`` (see ``bot.reports.postgres``). Callers write one SQL dialect,
SQLite's, and never need to know which database they talk to.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

import psycopg2

from bot.reports import postgres, settings

Connection = Union[sqlite3.Connection, postgres.PgConnection]
# What a caller catches, whichever database is behind the connection.
DatabaseError = (sqlite3.DatabaseError, psycopg2.Error)
IntegrityError = (sqlite3.IntegrityError, psycopg2.IntegrityError)

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_code TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    sender_pseudonym TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    staff_notes_ciphertext BLOB,
    closed_at TEXT
);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status, created_at);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_code TEXT NOT NULL REFERENCES reports (case_code),
    target TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT,
    UNIQUE (case_code, target)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivered_at, next_attempt_at);

CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    case_code TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);

CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""


def _create_private_file(path: Path) -> None:
    """Create the database as 0600 before SQLite does; its -wal and -shm files copy that mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def connect(location: settings.Location) -> Connection:
    """A postgresql:// URL opens PostgreSQL; anything else is the path of a SQLite file."""
    if settings.is_postgres_url(location):
        conn = postgres.PgConnection(str(location).strip())
        try:
            conn.create_schema(SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn
    return connect_sqlite(Path(location))


def describe(location: settings.Location) -> str:
    """How error messages name the database: never with a password in it."""
    return postgres.redacted(location) if settings.is_postgres_url(location) else str(location)


def connect_sqlite(path: Path) -> sqlite3.Connection:
    _create_private_file(path)
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.close()
        raise sqlite3.OperationalError(f"{path}: SQLite refused WAL mode (got {mode!r})")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.executescript(SCHEMA)
    return conn


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """BEGIN … COMMIT, committed (and on disk) when the block ends, rolled back if it raises.

    SQLite: BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock.
    PostgreSQL: a plain BEGIN (READ COMMITTED); rows lock as they are written, and a
    conditional UPDATE waiting on another writer's row re-checks its WHERE after that commit.
    """
    sqlite = isinstance(conn, sqlite3.Connection)
    conn.execute("BEGIN IMMEDIATE" if sqlite else "BEGIN")
    try:
        yield conn
    except BaseException:
        if sqlite:
            conn.execute("ROLLBACK")
        else:
            conn.rollback()
        raise
    conn.execute("COMMIT")
