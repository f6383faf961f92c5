"""Incremental refresh gives the same aggregates as one full pass; purge keeps them; demos stay out."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import sqlalchemy as sa

from bot.analytics import database, filters, report, synthetic
from bot.analytics.purge import delete_sender, purge_older_than, parse_duration
from bot.analytics.refresh import Refresher

NOW = time.time()
# Whole weeks (published figures allow nothing else): from the Monday of the week 59 days ago to this week's end.
F = {"from": filters.monday_of(datetime.fromtimestamp(NOW - 59 * 86400, tz=timezone.utc).date()).isoformat()}


def _engines(tmp_path, name):
    url = f"sqlite:///{tmp_path / name}"
    engine = database.engine(url)
    return engine


def _csv(engine, include_demo=False):
    params = dict(F, demo="1" if include_demo else "")
    with engine.connect() as conn:
        return report.build(conn, filters.whole_weeks(params), 11, now=NOW + 7200).to_csv()


def _count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_incremental_refresh_in_small_batches_equals_one_full_pass(tmp_path):
    full, steps = _engines(tmp_path, "full.db"), _engines(tmp_path, "steps.db")
    for engine in (full, steps):
        synthetic.fill(engine, 6000, seed=3, end=NOW)
    Refresher(full, full).run()
    refresher = Refresher(steps, steps, batch_size=137)  # batches cut conversations in the middle
    first = refresher.run(max_batches=5)
    assert first.events_read == 5 * 137
    rest = refresher.run()
    assert first.events_read + rest.events_read == _count(steps, database.events)
    assert refresher.run().events_read == 0, "a second run reads nothing new"
    assert _csv(full) == _csv(steps)
    assert _csv(full, include_demo=True) == _csv(steps, include_demo=True)


def test_demo_senders_are_left_out_unless_asked_for(tmp_path):
    engine = _engines(tmp_path, "demo.db")
    synthetic.fill(engine, 3000, seed=5, end=NOW, demo_share=0.0)
    Refresher(engine, engine).run()
    without = _csv(engine)
    rows = synthetic.conversation(__import__("random").Random(1), "demo-classroom-1", NOW - 3600, "en", "rest")
    with engine.begin() as conn:
        conn.execute(database.events.insert(), rows)
    Refresher(engine, engine).run()
    assert _csv(engine) == without
    with_demo = _csv(engine, include_demo=True)
    assert with_demo != without
    marked = synthetic.conversation(__import__("random").Random(2), "classroom-tablet-3", NOW - 1800, "es", "demo")
    for row in marked:
        if row["type_name"] == "user":
            row["data"] = row["data"].replace('"input_channel"', '"metadata": {"demo": true}, "input_channel"')
    with engine.begin() as conn:
        conn.execute(database.events.insert(), marked)
    Refresher(engine, engine).run()
    assert _csv(engine) == without, "a message marked demo leaves its conversation out too"
    assert _csv(engine, include_demo=True) != with_demo


def test_purge_deletes_old_raw_events_and_keeps_every_count(tmp_path):
    engine = _engines(tmp_path, "purge.db")
    synthetic.fill(engine, 5000, seed=9, end=NOW)
    before_events = _count(engine, database.events)
    result = purge_older_than(engine, engine, parse_duration("30d"), now=NOW)  # refreshes first
    csv_after_first = _csv(engine)
    with engine.connect() as conn:
        oldest = conn.execute(sa.select(sa.func.min(database.events.c.timestamp))).scalar()
    assert result.refreshed == before_events and 0 < result.deleted < before_events
    assert oldest >= NOW - 30 * 86400
    purge_older_than(engine, engine, parse_duration("1h"), now=NOW + 86400 * 365)
    assert _count(engine, database.events) == 0
    assert _csv(engine) == csv_after_first, "aggregates survive the raw events"


def test_deleting_a_sender_removes_their_events_and_unlinks_their_counts(tmp_path):
    engine = _engines(tmp_path, "delete.db")
    synthetic.fill(engine, 2000, seed=11, end=NOW)
    with engine.connect() as conn:
        sender = conn.execute(sa.select(database.events.c.sender_id).where(database.events.c.sender_id.like("user-%")).limit(1)).scalar()
    Refresher(engine, engine).run()
    before = _csv(engine)
    removed = delete_sender(engine, engine, sender)
    with engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).where(database.events.c.sender_id == sender)).scalar()
        state = conn.execute(sa.select(sa.func.count()).select_from(database.senders)).scalar()
    assert removed > 0 and left == 0
    assert state > 0
    assert _csv(engine) == before, "counts (unique and returning users too) stay; only the link is cut"
    from bot.analytics.refresh import pseudonym, sender_salt
    with engine.begin() as conn:
        key = pseudonym(sender_salt(conn), sender)
        assert conn.execute(sa.select(sa.func.count()).where(database.user_days.c.user_key == key)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).where(database.senders.c.sender_key == key)).scalar() == 0


def test_parse_duration():
    assert parse_duration("30d").days == 30 and parse_duration("2w").days == 14 and parse_duration("12h").seconds == 43200
    for bad in ("30", "0d", "-1d", "1y", "30 days"):
        try:
            parse_duration(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


def test_two_refreshers_at_once_never_count_an_event_twice(tmp_path):
    import threading

    engine = _engines(tmp_path, "race.db")
    reference = _engines(tmp_path, "reference.db")
    for e in (engine, reference):
        synthetic.fill(e, 8000, seed=17, end=NOW)
    Refresher(reference, reference).run()
    workers = [threading.Thread(target=lambda: Refresher(engine, engine, batch_size=500).run()) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert _csv(engine, include_demo=True) == _csv(reference, include_demo=True)


def test_settle_time_holds_back_the_newest_events_until_they_are_old_enough(tmp_path):
    engine = _engines(tmp_path, "settle.db")
    synthetic.fill(engine, 1500, seed=23, end=NOW)
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(database.events.c.timestamp))).scalar()
        total = conn.execute(sa.select(sa.func.count()).select_from(database.events)).scalar()
    held = Refresher(engine, engine, settle_seconds=60, now=lambda: newest + 30).run()
    assert 0 < held.events_read < total
    rest = Refresher(engine, engine, settle_seconds=60, now=lambda: newest + 61).run()
    assert held.events_read + rest.events_read == total


def _user_messages(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.coalesce(sa.func.sum(database.counts.c.count), 0))
                            .where(database.counts.c.metric == "user_messages")).scalar()


def _messages_in(rows):
    return sum(1 for row in rows if row["type_name"] == "user")


def test_events_written_after_the_newest_ones_were_deleted_are_still_counted(tmp_path):
    """SQLite reuses the ids of deleted rows at the top of the table (Rasa's ``events.id`` has no
    AUTOINCREMENT). Deleting the newest conversation ("delete my data" right after it) or purging
    everything made the next events get ids at or below the high-water mark, and the refresh never
    read them: the bug behind the Spanish delete-my-data case, which ran after the English one."""
    import random as _random

    engine = _engines(tmp_path, "reuse.db")
    synthetic.fill(engine, 800, seed=29, end=NOW - 7200)
    latest = synthetic.conversation(_random.Random(3), "teen-latest", NOW - 3600, "en", "rest")
    with engine.begin() as conn:
        conn.execute(database.events.insert(), latest)
    Refresher(engine, engine).run()
    counted = _user_messages(engine)
    delete_sender(engine, engine, "teen-latest")  # the newest ids go
    following = synthetic.conversation(_random.Random(4), "teen-next", NOW - 1800, "es", "rest")
    with engine.begin() as conn:
        conn.execute(database.events.insert(), following)
    Refresher(engine, engine).run()
    assert _user_messages(engine) == counted + _messages_in(following)

    purge_older_than(engine, engine, parse_duration("1h"), now=NOW + 86400)  # every event goes
    again = synthetic.conversation(_random.Random(5), "teen-after-purge", NOW, "en", "twilio")
    with engine.begin() as conn:
        conn.execute(database.events.insert(), again)
    Refresher(engine, engine).run()
    assert _user_messages(engine) == counted + _messages_in(following) + _messages_in(again)
