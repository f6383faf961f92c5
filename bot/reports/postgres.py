"""The reports store on PostgreSQL, behind the small part of ``sqlite3``'s interface it uses.

Several action servers and ``bot reports deliver`` workers on different hosts can share one
PostgreSQL database where they could not share a SQLite file. Rather than rewrite every query,
``PgConnection`` accepts the same SQL the SQLite code writes (``?`` placeholders, rows read by
column name or position, statements autocommitted unless ``database.transaction`` opens one)
and the schema is the SQLite schema with its two SQLite-only words translated.

The tables live in their own PostgreSQL schema, ``senales_reports`` (the session's only
``search_path``), because production keeps the tracker, analytics, channel state and console in
the same database: the short SQLite names (``reports``, ``meta``, ``audit``) cannot collide there.

``synchronous_commit`` is forced on for the session: a COMMIT returns only once the WAL record
is flushed, the same promise ``synchronous=FULL`` gives on SQLite, because the assistant tells a
teen "sent" as soon as the commit returns.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extras

CONNECT_TIMEOUT = 10  # seconds; a database that does not answer is an error, not a hang
LOCK_TIMEOUT_MS = 10000  # like SQLite's busy_timeout: a lock held by a stuck process is an error, not a hang
SCHEMA_LOCK = 0x5E4A1E5  # pg_advisory_xact_lock key: two processes creating the tables take turns
NAMESPACE = "senales_reports"  # the PostgreSQL schema holding the reports tables

# The only SQLite-only words in database.SCHEMA, and what PostgreSQL says instead.
_SCHEMA_WORDS = (
    ("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    (" BLOB", " BYTEA"),
)
_QUOTED = re.compile(r"('(?:[^']|'')*')")
_SCHEMA_OBJECT = re.compile(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)")


@lru_cache(maxsize=256)
def translate(sql: str) -> str:
    """``?`` placeholders to psycopg2's ``%s`` (and a literal ``%`` to ``%%``), outside quotes."""
    parts = _QUOTED.split(sql)
    for index in range(0, len(parts), 2):  # even parts are outside string literals
        parts[index] = parts[index].replace("%", "%%").replace("?", "%s")
    return "".join(parts)


def schema(sqlite_schema: str) -> str:
    text = sqlite_schema
    for sqlite_word, postgres_word in _SCHEMA_WORDS:
        if sqlite_word not in text:
            raise AssertionError(f"the reports schema no longer contains {sqlite_word!r}: update postgres._SCHEMA_WORDS")
        text = text.replace(sqlite_word, postgres_word)
    return text


def redacted(url: str) -> str:
    """The URL without its password, for error messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class PgConnection:
    """A psycopg2 connection that speaks the SQL (and row shape) ``sqlite3`` callers expect."""

    def __init__(self, url: str):
        self._conn = psycopg2.connect(
            url,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="senales-reports",
            cursor_factory=psycopg2.extras.DictCursor,  # rows by name and by position, like sqlite3.Row
        )
        self._conn.autocommit = True  # like sqlite3 isolation_level=None: BEGIN only when asked
        self.execute("SET synchronous_commit = on")
        self.execute(f"SET search_path = {NAMESPACE}")
        self.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")

    def execute(self, sql: str, parameters: Sequence[Any] = ()):
        cursor = self._conn.cursor()
        cursor.execute(translate(sql), tuple(parameters))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]):
        cursor = self._conn.cursor()
        cursor.executemany(translate(sql), [tuple(row) for row in rows])
        return cursor

    def create_schema(self, sqlite_schema: str) -> None:
        """Create whatever tables and indexes of the schema are missing.

        Skipped when all exist, because even a no-op CREATE INDEX IF NOT EXISTS takes a SHARE lock
        on its table and so would make every store opened (one per report on the action server)
        wait for, and block, the other processes' writes. When something is missing, the advisory
        lock makes concurrent creators take turns (CREATE ... IF NOT EXISTS alone can still fail
        when two sessions create the same table at once).
        """
        names = [f"{NAMESPACE}.{name}" for name in _SCHEMA_OBJECT.findall(sqlite_schema)]
        present = self.execute("SELECT count(to_regclass(name)) FROM unnest(?::text[]) AS name", (names,)).fetchone()[0]
        if present == len(names):
            return
        cursor = self._conn.cursor()
        cursor.execute("BEGIN")
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            cursor.execute("SET LOCAL client_min_messages = warning")  # no NOTICE per existing table
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {NAMESPACE}")
            cursor.execute(schema(sqlite_schema))
        except BaseException:
            self.rollback()
            raise
        cursor.execute("COMMIT")

    def rollback(self) -> None:
        """ROLLBACK, unless the connection is already gone (then the server has rolled back)."""
        if not self._conn.closed:
            self._conn.cursor().execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()
