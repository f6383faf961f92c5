"""The two databases a report store can live in, as one parametrized pytest fixture.

``backend`` runs a test once on a fresh SQLite file and once on PostgreSQL (a database of its own,
``senales_wt_reports_test``, created once per session and emptied before each test), so the
store, outbox and CLI tests prove both behave alike. Import the fixtures into a test module with
``from tests.unit.reports_backends import backend, reports_pg_url  # noqa: F401``.

PostgreSQL comes from ``SENALES_TEST_PG_ADMIN_URL`` (default: the local trust-auth superuser);
where it is unreachable the PostgreSQL variant skips, or fails under ``REQUIRE_SERVICES=1``.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Union

import psycopg2
import pytest

from bot.reports.postgres import NAMESPACE
from tests.conftest import PG_ADMIN, scratch_pg_database

PG_DB = "senales_wt_reports_test"


@pytest.fixture(scope="session")
def reports_pg_url() -> str:
    """A database of our own on the shared server for the whole session."""
    with scratch_pg_database(PG_DB) as url:
        yield url


def empty_pg_database(url: str) -> None:
    """Drop the store's schema and tables, so each test also exercises creating them."""
    conn = psycopg2.connect(url, connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # a leaked connection fails the test, not hangs it
            cursor.execute(f"DROP SCHEMA IF EXISTS {NAMESPACE} CASCADE")
    finally:
        conn.close()


@dataclass(frozen=True)
class Backend:
    name: str  # "sqlite" or "postgresql"
    location: Union[Path, str]  # what ReportStore and --db take
    tmp_path: Path

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    def cli_env(self) -> dict:
        """SENALES_* variables pointing the CLI (or the action code) at this store.

        On PostgreSQL a SQLite path is set too, so a test notices if the URL did not win.
        """
        if self.is_postgres:
            return {"SENALES_REPORTS_DB_URL": self.location, "SENALES_REPORTS_DB": str(self.tmp_path / "must-not-exist.db")}
        return {"SENALES_REPORTS_DB": str(self.location)}

    def fetchall(self, sql: str, parameters: Sequence = ()) -> List[tuple]:
        """Run ``sql`` (``?`` placeholders) on a connection of its own, not the store's layer."""
        if not self.is_postgres:
            conn = sqlite3.connect(str(self.location))
            try:
                return [tuple(row) for row in conn.execute(sql, tuple(parameters))]
            finally:
                conn.close()
        conn = psycopg2.connect(self.location, connect_timeout=5, options=f"-c search_path={NAMESPACE}")
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), tuple(parameters))
                return [tuple(row) for row in cursor.fetchall()]
        finally:
            conn.close()

    def columns(self, table: str) -> List[str]:
        if not self.is_postgres:
            return [row[1] for row in self.fetchall(f"PRAGMA table_info({table})")]
        rows = self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
            " ORDER BY ordinal_position",
            (table,),
        )
        return [row[0] for row in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def backend(request, tmp_path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "reports.db", tmp_path)
    url = request.getfixturevalue("reports_pg_url")
    empty_pg_database(url)
    return Backend("postgresql", url, tmp_path)


def pg_backend(url: str, tmp_path: Path) -> Backend:
    """For PostgreSQL-only tests: the same helpers on an emptied database."""
    empty_pg_database(url)
    return Backend("postgresql", url, tmp_path)


__all__ = ["Backend", "PG_ADMIN", "PG_DB", "backend", "pg_backend", "reports_pg_url"]
