"""The RabbitMQ feed: Rasa's own PikaEventBroker publishes, `bot analytics consume` copies, the numbers match.

Events are real ``rasa.shared.core.events`` objects saved by Rasa's real SQLTrackerStore with a
real PikaEventBroker attached (as in production: the store publishes every new event, then
writes it). The consumer copies the queue into a PostgreSQL analytics database of this test's
own; the aggregates folded from the copy must equal those folded from the tracker store. Then:
redelivered messages are not counted twice, malformed ones are dropped without stopping the
consumer, an erased teen's late events are dropped by the tombstone, and a backfill fills a gap.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from bot.analytics import backfill, broker_feed, database, event_copy, filters, report
from bot.analytics.purge import delete_sender, parse_duration, purge_older_than
from bot.analytics.refresh import Refresher
from bot.devtools.paths import ROOT
from tests.conftest import scratch_pg_database, skip_or_fail

pytestmark = pytest.mark.services

RABBIT = broker_feed.BrokerSettings()  # 127.0.0.1:5672 guest/guest
START = time.time() - 6 * 3600  # older than the PostgreSQL settle time
TEXTS = {"en": ["hi", "what are the red flags", "a guy on snap offers 500 to drive to el paso"],
         "es": ["hola", "me ofrecen lana por manejar", "que onda con los halcones"]}


def _rasa_events(rng: random.Random, start: float, language: str, channel: str):
    """One conversation as Rasa's events: session start, turns with parse data, slots, a form."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered

    ts = start
    out = [ActionExecuted("action_session_start", timestamp=ts), SessionStarted(timestamp=ts),
           ActionExecuted("action_listen", timestamp=ts + 0.01)]
    for turn, text in enumerate(TEXTS[language]):
        ts += rng.uniform(5, 60)
        intent = ["greet", "red_flags", "check_offer"][turn]
        out.append(UserUttered(text, parse_data={"intent": {"name": intent, "confidence": 0.93}, "text": text,
                                                 "entities": [{"entity": "language", "value": language}]},
                               input_channel=channel, timestamp=ts))
        out.append(SlotSet("language", language, timestamp=ts + 0.001))
        if intent == "check_offer":
            out += [ActionExecuted("offer_form", timestamp=ts + 0.2), ActiveLoop("offer_form", timestamp=ts + 0.2),
                    SlotSet("offer_text", text, timestamp=ts + 0.3), SlotSet("offer_risk", "high", timestamp=ts + 0.4),
                    SlotSet("offer_flags", ["easy_money", "drive_people_or_packages"], timestamp=ts + 0.4),
                    ActiveLoop(None, timestamp=ts + 0.5)]
        out += [ActionExecuted(f"utter_{intent}", timestamp=ts + 0.6), BotUttered("…", timestamp=ts + 0.7),
                ActionExecuted("action_listen", timestamp=ts + 0.8)]
    return out


def _conversations(count: int, seed: int = 1):
    rng = random.Random(seed)
    return [(f"wt-teen-{seed}-{n}", _rasa_events(rng, START + n * 97, "es" if n % 3 else "en", rng.choice(["rest", "twilio", "telegram"])))
            for n in range(count)]


async def _save_through_rasa(tracker_db, queue: str, conversations) -> None:
    """Rasa's SQLTrackerStore with Rasa's PikaEventBroker: publishes each new event, then stores it."""
    from rasa.core.brokers.pika import PikaEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    broker = PikaEventBroker(host=RABBIT.host, username=RABBIT.user, password=RABBIT.password, port=RABBIT.port, queues=[queue],
                             exchange_name=queue)
    await broker.connect()
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db), event_broker=broker)
    for sender, events in conversations:
        for cut in (len(events) // 2, len(events)):  # two saves, as two turns would make
            await store.save(DialogueStateTracker.from_events(sender, events[:cut]))
    for _ in range(100):
        if not broker._background_tasks:
            break
        await asyncio.sleep(0.05)
    await broker.close()


async def _publish(queue: str, bodies) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust(host=RABBIT.host, port=RABBIT.port, login=RABBIT.user, password=RABBIT.password)
    async with connection:
        channel = await connection.channel()
        for body in bodies:
            await channel.default_exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=queue)


async def _delete_queue(queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust(host=RABBIT.host, port=RABBIT.port, login=RABBIT.user, password=RABBIT.password)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(queue)  # the exchange is named after the queue


@pytest.fixture(scope="module")
def rabbit():
    import aio_pika

    async def probe():
        connection = await aio_pika.connect(host=RABBIT.host, port=RABBIT.port, login=RABBIT.user, password=RABBIT.password, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as error:  # any failure to reach it means: no RabbitMQ here
        skip_or_fail(f"RabbitMQ is not reachable at {RABBIT.host}:{RABBIT.port}: {error.__class__.__name__}")


@pytest.fixture
def queue(rabbit):
    """A queue and a fanout exchange of this test's own: on the shared ``rasa-exchange`` every other
    Rasa on this machine would feed our queue too."""
    name = f"wt_analytics_test_{uuid.uuid4().hex[:12]}"
    yield name
    asyncio.run(_delete_queue(name))


@pytest.fixture
def copy_url():
    with scratch_pg_database(f"wt_analytics_{uuid.uuid4().hex[:10]}") as url:
        yield url
        database.engine(url).dispose()


def _rows(engine):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(
            database.events.c.sender_id, database.events.c.type_name, database.events.c.timestamp,
            database.events.c.intent_name, database.events.c.action_name, database.events.c.data)))


def _count(engine, sender=None):
    query = sa.select(sa.func.count()).select_from(database.events)
    if sender:
        query = query.where(database.events.c.sender_id == sender)
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _csv(events_engine, analytics_engine):
    Refresher(events_engine, analytics_engine).run()
    monday = filters.monday_of(datetime.fromtimestamp(START, tz=timezone.utc).date()).isoformat()
    with analytics_engine.connect() as conn:
        return report.build(conn, filters.whole_weeks({"from": monday, "demo": "1"}), 11, now=time.time() + 7200).to_csv()


def _consumer(env):
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "analytics", "consume", "--batch-size", "50"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_consumed_copy_gives_the_numbers_of_the_tracker_store(queue, copy_url, tmp_path):
    tracker_db = tmp_path / "tracker.db"
    conversations = _conversations(40)
    asyncio.run(_save_through_rasa(tracker_db, queue, conversations))  # published while no consumer runs: queued
    tracker, copy = database.engine(f"sqlite:///{tracker_db}"), database.engine(copy_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENALES_")}
    env.update(PYTHONPATH=str(ROOT), SENALES_TRACKER_DB_URL=f"sqlite:///{tracker_db}", SENALES_ANALYTICS_DB_URL=copy_url,
               SENALES_ANALYTICS_EVENTS="copy", SENALES_RABBITMQ_QUEUE=queue, SENALES_RABBITMQ_EXCHANGE=queue, PYTHONWARNINGS="ignore",
               SQLALCHEMY_SILENCE_UBER_WARNING="1")
    consumer = _consumer(env)
    try:
        expected = _count(tracker)
        assert expected == sum(len(events) for _, events in conversations)
        try:
            _wait_for(lambda: _safe_count(copy) == expected, timeout=120, what="the copy to fill")
        except AssertionError:
            consumer.send_signal(signal.SIGTERM)
            out, err = consumer.communicate(timeout=60)
            raise AssertionError(f"copied {_safe_count(copy)} of {expected}; consumer said: {out[-2000:]} {err[-2000:]}") from None
        assert _rows(copy) == _rows(tracker), "every event copied, in exactly the tracker store's shape"
        reference = database.engine(f"sqlite:///{tmp_path / 'reference-aggregates.db'}")
        assert _csv(copy, copy) == _csv(tracker, reference), "same numbers from the copy as from the tracker store"

        # Redelivery: the same messages again (as after a lost acknowledgement), plus malformed ones.
        with tracker.connect() as conn:
            again = [json.dumps({"sender_id": r.sender_id, **json.loads(r.data)}).encode() for r in conn.execute(sa.select(database.events))]
        malformed = [b"not json at all", b"[1, 2]", json.dumps({"sender_id": "wt-x", "event": "user"}).encode(),
                     json.dumps({"event": "user", "timestamp": 1.0}).encode(), b"\xff\xfe"]
        asyncio.run(_publish(queue, again[:60] + malformed + again[60:]))
        late = _rasa_events(random.Random(9), START + 5000, "en", "rest")
        asyncio.run(_publish(queue, [json.dumps({"sender_id": "wt-teen-late", **e.as_dict()}).encode() for e in late]))
        _wait_for(lambda: _safe_count(copy) == expected + len(late), what="the consumer to go on after malformed messages")
        time.sleep(1.0)
        assert _count(copy) == expected + len(late), "redelivered events were not written twice"
    finally:
        consumer.send_signal(signal.SIGTERM)
        out, err = consumer.communicate(timeout=60)
    assert consumer.returncode == 0, err
    assert f"{expected + len(late)} event(s) copied, {len(again)} redelivered duplicate(s) skipped" in out, out
    assert f"{len(malformed)} invalid message(s) dropped" in out, out
    assert "not a Rasa event" in err
    logs = out + err
    for sender, _ in conversations[:5]:
        assert sender not in logs
    for text in TEXTS["en"] + TEXTS["es"] + ["not json at all"]:
        assert text not in logs


def _safe_count(engine):
    try:
        return _count(engine)
    except sa.exc.ProgrammingError:  # the consumer has not created the table yet
        return -1
    except sa.exc.OperationalError:  # PostgreSQL restarting (other fault tests share it): ask again
        return -1


def _feed(copy, queue):
    """The consumer in this process, stopped when ``until`` says so."""

    async def run(until, timeout=60.0):
        stop = asyncio.Event()
        feed = broker_feed.BrokerFeed(copy, broker_feed.BrokerSettings(queue=queue, exchange=queue), batch_size=20, report=lambda _: None)
        task = asyncio.create_task(feed.run(stop))
        deadline = time.time() + timeout
        while not until() and time.time() < deadline:
            await asyncio.sleep(0.1)
        stop.set()
        await task
        return feed.progress

    return run


def test_an_erased_teen_stays_erased_when_their_events_arrive_late(queue, copy_url, tmp_path):
    tracker_db = tmp_path / "tracker.db"
    conversations = _conversations(6, seed=2)
    asyncio.run(_save_through_rasa(tracker_db, queue, conversations))
    tracker, copy = database.engine(f"sqlite:///{tracker_db}"), database.engine(copy_url)
    run = _feed(copy, queue)
    total = _count(tracker)
    asyncio.run(run(lambda: _safe_count(copy) == total))
    teen = conversations[0][0]
    with tracker.connect() as conn:
        theirs = [json.dumps({"sender_id": r.sender_id, **json.loads(r.data)}).encode()
                  for r in conn.execute(sa.select(database.events).where(database.events.c.sender_id == teen))]

    erased = delete_sender(tracker, copy, teen, copy=copy)  # "delete my data", production set-up
    assert erased == len(theirs) and _count(tracker, teen) == 0 and _count(copy, teen) == 0

    from rasa.shared.core.events import UserUttered
    afterwards = UserUttered("hi again", parse_data={"intent": {"name": "greet"}, "entities": [], "text": "hi again"},
                             input_channel="rest", timestamp=time.time() + 1)
    asyncio.run(_publish(queue, theirs + [json.dumps({"sender_id": teen, **afterwards.as_dict()}).encode()]))
    progress = asyncio.run(run(lambda: _count(copy, teen) >= 1, timeout=30))
    assert progress.erased == len(theirs), "their events from before the erasure are dropped"
    assert _count(copy, teen) == 1, "what they write after it is a new conversation, kept"
    with copy.connect() as conn:
        stored = {row[0] for row in conn.execute(sa.select(database.copy_keys.c.sender_hash))}
        assert teen not in stored and all(len(h) == 64 for h in stored), "keys and tombstones hold keyed hashes only"


def test_backfill_fills_the_gap_of_an_outage_once(copy_url, tmp_path):
    """Part of the events reached the copy (RabbitMQ was down for the rest): backfill copies the rest."""
    from bot.analytics import synthetic

    tracker = database.engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    synthetic.fill(tracker, 3000, days=3, seed=21, end=time.time() - 3600)
    copy = database.engine(copy_url)
    event_copy.ensure_tables(copy)
    with tracker.connect() as conn:
        rows = conn.execute(sa.select(database.events).order_by(database.events.c.id)).fetchall()
    outage = (rows[1000].timestamp, rows[1800].timestamp)
    delivered = [event_copy.from_tracker_row(r) for r in rows if not outage[0] <= r.timestamp < outage[1]]
    assert event_copy.write(copy, delivered).written == len(delivered)

    result = backfill.backfill(tracker, copy, outage[0] - 60, outage[1])
    assert result.copied.written == len(rows) - len(delivered)
    assert result.copied.duplicates == result.read - result.copied.written > 0, "what the copy had is skipped"
    assert _rows(copy) == _rows(tracker)
    assert backfill.backfill(tracker, copy, outage[0] - 60, outage[1]).copied.written == 0
    reference = database.engine(f"sqlite:///{tmp_path / 'reference.db'}")
    assert _count(copy) == len(rows)
    # Counts of messages, topics and offers are exact after a backfill (conversation state may differ).
    Refresher(copy, copy).run()
    Refresher(tracker, reference).run()
    with copy.connect() as a, reference.connect() as b:
        totals = [sorted(c.execute(sa.select(database.counts.c.metric, sa.func.sum(database.counts.c.count))
                                   .where(database.counts.c.metric.in_(["user_messages", "intent", "offer_risk", "report"]))
                                   .group_by(database.counts.c.metric)).fetchall()) for c in (a, b)]
    assert totals[0] == totals[1]


def test_purge_deletes_old_events_in_the_copy_and_the_tracker_store(copy_url, tmp_path):
    from bot.analytics import synthetic

    tracker = database.engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    synthetic.fill(tracker, 2000, days=60, seed=31, end=time.time() - 3600)
    copy = database.engine(copy_url)
    backfill.backfill(tracker, copy, 0, time.time())
    result = purge_older_than(tracker, copy, parse_duration("30d"), copy=copy)
    assert result.deleted > 0 and result.deleted_from_tracker == result.deleted
    cutoff = time.time() - 30 * 86400
    for engine in (tracker, copy):
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.min(database.events.c.timestamp))).scalar() >= cutoff - 5
    with copy.connect() as conn:
        assert conn.execute(sa.select(sa.func.min(database.copy_keys.c.timestamp))).scalar() >= cutoff - 5


def test_the_consumer_waits_for_rabbitmq_and_reconnects(copy_url, rabbit, tmp_path, caplog):
    """A TCP relay stands in for RabbitMQ going away and coming back (the shared service is never restarted)."""
    queue = f"wt_analytics_test_{uuid.uuid4().hex[:12]}"
    copy = database.engine(copy_url)

    async def scenario():
        relay = _Relay(RABBIT.host, RABBIT.port)
        port = await relay.start()
        stop = asyncio.Event()
        lines = []
        feed = broker_feed.BrokerFeed(copy, broker_feed.BrokerSettings(port=port, queue=queue, exchange=queue), batch_size=10, report=lines.append)
        task = asyncio.create_task(feed.run(stop))
        first = _rasa_events(random.Random(3), START, "en", "rest")
        second = _rasa_events(random.Random(4), START + 900, "es", "twilio")
        await _until(lambda: any("Consuming" in line for line in lines))
        await _publish(queue, [json.dumps({"sender_id": "wt-r1", **e.as_dict()}).encode() for e in first])
        await _until(lambda: _safe_count(copy) == len(first), why=lambda: f"{_safe_count(copy)} copied; {feed.progress}; {lines}")
        await relay.stop()  # RabbitMQ "down": connections cut, new ones refused
        await _publish(queue, [json.dumps({"sender_id": "wt-r2", **e.as_dict()}).encode() for e in second])
        await asyncio.sleep(2)
        await relay.start(port)  # "back"
        await _until(lambda: _safe_count(copy) == len(first) + len(second), timeout=60,
                     why=lambda: f"{_safe_count(copy)} copied; {feed.progress}; {lines}")
        stop.set()
        await task
        await relay.stop()
        return feed.progress

    caplog.set_level("WARNING", logger="bot.analytics.broker_feed")
    try:
        progress = asyncio.run(scenario())
    finally:
        asyncio.run(_delete_queue(queue))
    assert progress.written == _count(copy) > 0
    assert "RabbitMQ connection restored" in caplog.text, "it went down and came back"


async def _until(predicate, timeout=30.0, why=lambda: ""):
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError(f"timed out: {why()}")
        await asyncio.sleep(0.1)


class _Relay:
    """Forwards a local port to RabbitMQ; ``stop`` cuts every connection and closes the port."""

    def __init__(self, host, port):
        self.host, self.port, self.server, self.writers = host, port, None, set()

    async def start(self, port=0):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self):
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    async def _serve(self, reader, writer):
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self.writers |= {writer, up_writer}

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
