"""Tables: Rasa's ``events`` (read, and deleted by purge) and our ``analytics_*`` aggregates.

SQLAlchemy Core, so the same statements run on SQLite (embedded default) and PostgreSQL
(production). ``events`` is declared here exactly as Rasa's SQLTrackerStore creates it, so the
analytics can read a database before Rasa ever ran on it (tests, benchmarks).
"""
from __future__ import annotations

from typing import Dict

import sqlalchemy as sa
from sqlalchemy.engine import Engine

tracker_metadata = sa.MetaData()
events = sa.Table(
    "events",
    tracker_metadata,
    sa.Column("id", sa.Integer, sa.Sequence("events_seq"), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

metadata = sa.MetaData()

meta = sa.Table(
    "analytics_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Additive counts: one row per day × channel × language × demo × metric × key.
counts = sa.Table(
    "analytics_counts",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("channel", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("demo", sa.Integer, primary_key=True),
    sa.Column("metric", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)

# Rolling state per pseudonymous sender, so a conversation split across refreshes is counted once.
senders = sa.Table(
    "analytics_senders",
    metadata,
    sa.Column("sender_key", sa.String(40), primary_key=True),
    sa.Column("demo", sa.Integer, nullable=False),
    sa.Column("session_no", sa.Integer, nullable=False),
    sa.Column("conv_key", sa.String(48)),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("channel", sa.String(64)),
    sa.Column("pending_user_ts", sa.Float),
    sa.Column("active_loop", sa.String(64)),
    sa.Column("last_ts", sa.Float),
    # Apps named in the offer or report being filled in; counted once, when it is judged or sent.
    sa.Column("pending_offer_apps", sa.String(255)),
    sa.Column("pending_report_app", sa.String(64)),
)

# One row per conversation (session): where and when it started, whether it ended inside a form.
conversations = sa.Table(
    "analytics_conversations",
    metadata,
    sa.Column("conv_key", sa.String(48), primary_key=True),
    sa.Column("user_key", sa.String(40), nullable=False, index=True),
    sa.Column("day", sa.String(10), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("demo", sa.Integer, nullable=False),
    sa.Column("last_ts", sa.Float, nullable=False),
    sa.Column("open_loop", sa.String(64)),
    sa.Column("user_messages", sa.Integer, nullable=False),
)

# Which pseudonymous users were active on which day, for unique and returning users.
user_days = sa.Table(
    "analytics_user_days",
    metadata,
    sa.Column("user_key", sa.String(40), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("channel", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("demo", sa.Integer, nullable=False),
)

# Staff tags on a conversation under review (by pseudonym; removed with the conversation).
tags = sa.Table(
    "analytics_tags",
    metadata,
    sa.Column("sender_key", sa.String(40), primary_key=True),
    sa.Column("tag", sa.String(40), primary_key=True),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)

# The RabbitMQ copy of the events (``bot analytics consume``, ``backfill``): one row per event copied,
# so a redelivered message never makes a second ``events`` row. Keyed hashes (HMAC with the
# database's salt), so neither table holds a sender id.
copy_keys = sa.Table(
    "analytics_copy_keys",
    metadata,
    sa.Column("event_key", sa.String(64), primary_key=True),
    sa.Column("sender_hash", sa.String(64), nullable=False, index=True),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
)

# A teen erased their conversation at ``erased_at``: the copy drops their events up to then when
# they arrive late (RabbitMQ delivers after the deletion, or a backfill).
tombstones = sa.Table(
    "analytics_tombstones",
    metadata,
    sa.Column("sender_hash", sa.String(64), primary_key=True),
    sa.Column("erased_at", sa.Float, nullable=False),
)

sa.Index("analytics_counts_metric_day", counts.c.metric, counts.c.day)
sa.Index("analytics_user_days_day", user_days.c.day)

_ENGINES: Dict[str, Engine] = {}


def engine(url: str) -> Engine:
    """One engine per URL per process (connection pools are per engine)."""
    if url not in _ENGINES:
        kwargs = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        elif url.startswith("postgresql"):
            # Upserts of thousands of aggregate rows: one round trip per page, not per row.
            kwargs.update(executemany_mode="values_plus_batch", executemany_values_page_size=5000, executemany_batch_page_size=1000)
            # After a PostgreSQL restart the pooled connections are dead: test each one before use,
            # so the console and the RabbitMQ consumer recover without a manual step.
            kwargs["pool_pre_ping"] = True
        _ENGINES[url] = sa.create_engine(url, **kwargs)
    return _ENGINES[url]


def create_tables(analytics_engine: Engine) -> None:
    """Create missing tables; two processes starting at once may race, and the loser retries."""
    for attempt in range(3):
        try:
            metadata.create_all(analytics_engine)
            return
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
            if attempt == 2:
                raise


def writer_lock(conn) -> None:
    """Serialise writers of the events copy (consumer, backfill, erasure) for this transaction.

    Ids from a PostgreSQL sequence commit in order only with one writer at a time, and the
    refresh's mark relies on that; an erasure must also not interleave with a copy of the same
    sender's events. PostgreSQL: a transaction-level advisory lock. SQLite: a write first, which
    takes the database's write lock until commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7305061)"))
    else:
        upsert(conn, meta, [{"name": "copy_writer", "value": "1"}], ["name"], replace_columns=["value"])


def create_events_table(tracker_engine: Engine) -> None:
    """For tests and benchmarks on an empty database; Rasa creates it itself in real use."""
    tracker_metadata.create_all(tracker_engine)


def upsert(conn, table: sa.Table, rows, key_columns, add_columns=(), replace_columns=()) -> None:
    """INSERT … ON CONFLICT DO UPDATE on SQLite and PostgreSQL: add to counters or replace values."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two tracker stores Señales supports
        raise NotImplementedError(f"analytics supports SQLite and PostgreSQL, not {conn.dialect.name}")
    statement = insert(table)
    updates = {name: table.c[name] + statement.excluded[name] for name in add_columns}
    updates.update({name: statement.excluded[name] for name in replace_columns})
    if updates:
        statement = statement.on_conflict_do_update(index_elements=list(key_columns), set_=updates)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key_columns))
    conn.execute(statement, list(rows))
