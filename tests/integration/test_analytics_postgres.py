"""The analytics work the same on PostgreSQL, the production tracker store, as on SQLite.

The same generated events go into both; refresh (full and incremental), the suppressed overview,
purge, delete-my-data and the redacted transcripts must give identical results.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from bot.analytics import database, filters, report, synthetic
from bot.analytics.purge import delete_sender, parse_duration, purge_older_than
from bot.analytics.refresh import Refresher
from bot.analytics.transcripts import Transcripts
from tests.conftest import scratch_pg_database

pytestmark = pytest.mark.services

PG_DB = "senales_analytics_test"
NOW = time.time()


@pytest.fixture(scope="module")
def pg_url():
    with scratch_pg_database(PG_DB) as url:
        yield url
        database.engine(url).dispose()


def _csv(engine, **params):
    since = filters.monday_of(datetime.fromtimestamp(NOW - 59 * 86400, tz=timezone.utc).date()).isoformat()
    f = filters.whole_weeks({"from": since, **params})
    with engine.connect() as conn:
        return report.build(conn, f, 11, now=NOW + 7200).to_csv()


def test_postgres_gives_the_same_numbers_as_sqlite(pg_url, tmp_path):
    pg, lite = database.engine(pg_url), database.engine(f"sqlite:///{tmp_path / 'same.db'}")
    for engine in (pg, lite):
        synthetic.fill(engine, 8000, seed=13, end=NOW - 3600)  # older than the PostgreSQL settle time
    first = Refresher(pg, pg, batch_size=999).run(max_batches=3)
    assert first.events_read == 2997
    Refresher(pg, pg, batch_size=999).run()
    Refresher(lite, lite).run()
    assert _csv(pg) == _csv(lite)
    assert _csv(pg, demo="1", language="es") == _csv(lite, demo="1", language="es")
    assert _csv(pg, channel="twilio") == _csv(lite, channel="twilio")

    pg_t, lite_t = Transcripts(pg, pg, 30, now=lambda: NOW), Transcripts(lite, lite, 30, now=lambda: NOW)
    assert [c.messages for c in pg_t.recent()] == [c.messages for c in lite_t.recent()]
    sender = "user-3"
    assert [(l.who, l.text) for l in pg_t.lines(pg_t.key_of(sender)) or []] == \
           [(l.who, l.text) for l in lite_t.lines(lite_t.key_of(sender)) or []]

    before = _csv(pg)
    assert delete_sender(pg, pg, sender) == delete_sender(lite, lite, sender) > 0
    pg_purge = purge_older_than(pg, pg, parse_duration("30d"), now=NOW)
    lite_purge = purge_older_than(lite, lite, parse_duration("30d"), now=NOW)
    assert pg_purge.deleted == lite_purge.deleted > 0
    assert _csv(pg) == _csv(lite) == before


def test_filters_with_quotes_are_parameters_on_postgres(pg_url):
    pg = database.engine(pg_url)
    Refresher(pg, pg).run()
    with pytest.raises(filters.FilterError):
        _csv(pg, channel="x'; DROP TABLE analytics_counts; --")
    with pg.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(database.counts)).scalar() > 0
