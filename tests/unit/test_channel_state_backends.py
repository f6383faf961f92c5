"""Channel state on SQLite and on PostgreSQL: the same claim rules, so a retry reaching any
instance is answered once; and the shared rate limit in Redis.

The PostgreSQL and Redis cases use the services on this machine (skipped where absent unless
REQUIRE_SERVICES=1, as CI runs).
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from bot.channels.once import answer_once
from bot.channels.ratelimit import RateLimiter
from bot.channels.state import SQLiteChannelState
from tests.conftest import scratch_pg_database, skip_or_fail

PG_DB = "senales_channel_state_test"
REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture(scope="module")
def pg_url():
    with scratch_pg_database(PG_DB) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def make_state(request, tmp_path):
    """A factory, so a test can open a second handle on the same store (a second instance)."""
    if request.param == "sqlite":
        return lambda: SQLiteChannelState(tmp_path / "channels.db")
    from bot.channels.state_postgres import PostgresChannelState

    url = request.getfixturevalue("pg_url")
    with sa.create_engine(url, future=True).begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS channel_seen, channel_senders, channel_reply_addresses"))
    return lambda: PostgresChannelState(url)


def test_claim_complete_and_retry_get_the_recorded_reply(make_state):
    first, second = make_state(), make_state()
    fresh = first.claim("sms", "SM1", 20)
    assert fresh.status == "new" and not fresh.retaken
    assert second.claim("sms", "SM1", 20).status == "busy"  # the other instance is still answering
    first.complete("sms", "SM1", ["¡Hola!", "two"])
    retry = second.claim("sms", "SM1", 20)
    assert retry.status == "done" and retry.reply == ["¡Hola!", "two"]
    assert second.claim("telegram", "SM1", 20).status == "new"  # ids are per channel


def test_a_dead_instances_claim_expires_and_release_frees_it(make_state):
    first, second = make_state(), make_state()
    assert first.claim("sms", "SM2", 0.2).status == "new"
    assert second.claim("sms", "SM2", 20).status == "busy"
    time.sleep(0.3)
    retaken = second.claim("sms", "SM2", 20)
    assert retaken.status == "new" and retaken.retaken  # taken over after the lease
    assert first.claim("sms", "SM2", 20).status == "busy"
    second.release("sms", "SM2")
    assert first.claim("sms", "SM2", 20).status == "new"


def test_only_one_of_many_concurrent_claims_wins(make_state):
    handles = [make_state() for _ in range(4)]
    results, barrier = [], threading.Barrier(len(handles) * 5)

    def claim(state):
        barrier.wait()
        results.append(state.claim("sms", "SM-race", 20).status)

    threads = [threading.Thread(target=claim, args=(h,)) for h in handles for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["busy"] * 19 + ["new"]


def test_sender_settings_are_shared(make_state):
    first, second = make_state(), make_state()
    first.set_opted_out("sms-x", True)
    first.set_buttons("sms-x", {"1": "/red_flags"})
    first.set_language("sms-x", "es")
    first.save_reply_address("sms-x", "sms", b"\x00token\xff")
    assert second.opted_out("sms-x") and second.language("sms-x") == "es"
    assert second.buttons("sms-x") == {"1": "/red_flags"}
    second.set_buttons("sms-x", {"2": "/say_no"}, replace=False)
    assert first.buttons("sms-x") == {"1": "/red_flags", "2": "/say_no"}
    assert second.reply_address("sms-x") == b"\x00token\xff" and second.reply_address("sms-y") is None


def test_answer_once_runs_the_turn_once_across_instances(make_state):
    """Two instances get the same message at once: one turn runs, both answer with its reply."""
    first, second = make_state(), make_state()
    turns = []

    async def turn(retaken):
        turns.append(retaken)
        await asyncio.sleep(0.5)
        return ["the reply"]

    async def both():
        return await asyncio.gather(answer_once(first, "sms", "SM3", turn), answer_once(second, "sms", "SM3", turn))

    assert asyncio.run(both()) == [["the reply"], ["the reply"]] and turns == [False]


def test_answer_once_gives_up_waiting_and_frees_a_failed_turn(make_state):
    first, second = make_state(), make_state()
    assert first.claim("sms", "SM4", 20).status == "new"  # held by an instance that never finishes
    assert asyncio.run(answer_once(second, "sms", "SM4", lambda: None, wait_seconds=0.3)) is None

    async def broken(retaken):
        raise RuntimeError("turn failed")

    with pytest.raises(RuntimeError):
        asyncio.run(answer_once(second, "sms", "SM5", broken))
    assert first.claim("sms", "SM5", 20).status == "new"  # released: the retry is answered afresh


def test_old_sqlite_files_gain_the_claim_columns(tmp_path):
    import sqlite3

    path = tmp_path / "channels.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE seen (channel TEXT, message_id TEXT, at REAL, PRIMARY KEY (channel, message_id))")
        db.execute("INSERT INTO seen VALUES ('sms', 'SM-old', ?)", (time.time(),))
    state = SQLiteChannelState(path)
    assert state.claim("sms", "SM-old", 20).status == "done" and state.claim("sms", "SM-new", 20).status == "new"


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    yield REDIS_URL
    for key in client.scan_iter("senales:ratelimit:*"):
        client.delete(key)


def test_redis_rate_limit_counts_one_sender_across_instances(redis_url):
    from bot.channels.ratelimit_redis import RedisRateLimiter

    sender = f"sms-{uuid.uuid4().hex}"
    now = [1000.0]
    one, two = (RedisRateLimiter(redis_url, 3, 60, clock=lambda: now[0]) for _ in range(2))
    assert [one.check(sender), two.check(sender), one.check(sender)] == ["ok"] * 3
    assert two.check(sender) == "warn" and one.check(sender) == "drop" and two.check("other") == "ok"
    now[0] += 61
    assert one.check(sender) == "ok"
    # the same verdicts as the in-memory limiter, message for message
    mem_now = [0.0]
    memory = RateLimiter(3, 60, clock=lambda: mem_now[0])
    assert [memory.check("s") for _ in range(5)] == ["ok", "ok", "ok", "warn", "drop"]


def test_redis_down_lets_messages_through():
    from bot.channels.ratelimit_redis import RedisRateLimiter

    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", 1, 60)  # nothing listens on port 1
    assert [limiter.check("sms-z") for _ in range(3)] == ["ok"] * 3


def test_the_sender_state_comes_with_a_new_claim_only(make_state):
    first, second = make_state(), make_state()
    first.set_language("sms-s1", "es")
    first.set_buttons("sms-s1", {"1": "/say_no"})
    claim, sender = first.claim_for_sender("sms", "SM-s1", 20, "sms-s1")
    assert claim.status == "new" and not claim.retaken
    assert sender.language == "es" and sender.buttons == {"1": "/say_no"} and not sender.opted_out
    busy, nothing = second.claim_for_sender("sms", "SM-s1", 20, "sms-s1")
    assert busy.status == "busy" and nothing is None
    first.complete("sms", "SM-s1", ["¡Hola!"])
    done, nothing = second.claim_for_sender("sms", "SM-s1", 20, "sms-s1")
    assert done.status == "done" and done.reply == ["¡Hola!"] and nothing is None
    claim, sender = second.claim_for_sender("sms", "SM-s2", 20, "sms-unknown")
    assert claim.status == "new" and sender.language is None and sender.buttons == {}
    assert first.claim("sms", "SM-s3", -1).status == "new"  # a lease already run out: a dead instance's claim
    taken, _ = second.claim_for_sender("sms", "SM-s3", 20, "sms-s1")
    assert taken.status == "new" and taken.retaken


def test_answer_once_hands_the_sender_state_to_the_turn(make_state):
    state = make_state()
    state.set_language("sms-s4", "en")
    turns = []

    async def turn(retaken, sender):
        turns.append(sender.language)
        return ["reply"]

    async def twice():
        first = await answer_once(state, "sms", "SM-s4", turn, sender_id="sms-s4")
        await asyncio.sleep(0.3)  # the reply is recorded while the response goes out
        again = await answer_once(state, "sms", "SM-s4", turn, sender_id="sms-s4")
        return first, again

    assert asyncio.run(twice()) == (["reply"], ["reply"])
    assert turns == ["en"]  # the redelivery got the recorded reply, no second turn


def test_a_redelivery_during_the_recording_waits_for_it(make_state):
    """The reply is recorded after answer_once returns: a redelivery right then is answered
    with it (after a short wait), never by a second turn."""
    state = make_state()
    turns = []

    async def turn(retaken):
        turns.append(retaken)
        return ["only once"]

    async def back_to_back():
        return [await answer_once(state, "sms", "SM-b2b", turn), await answer_once(state, "sms", "SM-b2b", turn)]

    assert asyncio.run(back_to_back()) == [["only once"], ["only once"]] and turns == [False]


def test_postgres_state_keeps_its_connections_open(pg_url):
    """psycopg2's pools close every connection above ``minconn`` when it is handed back, so under
    load each call opened a new one; this pool keeps up to its size open."""
    from bot.channels import state_postgres

    opened = []

    def on_connect(conn):
        opened.append(conn)
        state_postgres._fast_session(conn)

    pool = state_postgres.KeepingPool(pg_url, size=3, on_connect=on_connect)

    def work():
        for _ in range(20):
            conn = pool.get()
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            pool.put(conn)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(opened) <= 3  # 80 statements on at most 3 connections (the pool's size)
    conn = pool.get()
    assert conn.autocommit
    pool.put(conn, broken=True)  # a broken one takes the idle ones with it (a database restart)
    assert pool._idle.empty()
    pool.discard_idle()


def test_postgres_durable_writes_roll_back_on_error(pg_url):
    from bot.channels.state_postgres import PostgresChannelState

    state = PostgresChannelState(pg_url)

    def failing(cursor):
        cursor.execute("INSERT INTO channel_senders (sender_id, opted_out) VALUES ('sms-rollback', TRUE)")
        raise ValueError("after the insert")

    with pytest.raises(ValueError):
        state._run(failing, durable=True)
    assert state.opted_out("sms-rollback") is False  # the insert did not survive the failed transaction
