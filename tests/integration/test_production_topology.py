"""The production topology under real conditions: two Rasa instances and the action server
behind nginx, on PostgreSQL, Redis and RabbitMQ, with real signed Twilio webhooks and Telegram
updates (a fake Bot API stands in for Telegram's cloud).

First the conversation tests (tests/test_stories.yml) pass with every turn balanced round-robin
over the instances; then the faults: kill -9 of one instance mid-load, the action server
stopped, PostgreSQL restarted, RabbitMQ down. Each fault test writes the counts it checked to
var/test-artifacts/topology-counts.json (.ci/run prints them).

Needs nginx, PostgreSQL, Redis and RabbitMQ; skipped where absent unless REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid

import pytest

from bot.devtools import simulated_teens as sim
from bot.hotlines import template_values
from tests.integration import topology_support as support

pytestmark = [pytest.mark.servers, pytest.mark.services, pytest.mark.topology]

CASE_CODE = re.compile(r"SN-[A-Z0-9]{4}-[A-Z0-9]{2}")


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    support.services_or_skip()
    from bot.devtools.paths import MODEL_FILE

    if not MODEL_FILE.exists():
        pytest.fail("No trained model: run `make train` first.")
    topology = support.RunningTopology(tmp_path_factory.mktemp("topology"))
    try:
        topology.start()
        yield topology
    finally:
        topology.stop()


def sms_channel(prod) -> sim.Channel:
    return sim.Channel(prod.base, "sms", twilio_auth_token=support.TWILIO_TOKEN, public_url=prod.public_url)


def deliver(channel, teen, text):
    async def one():
        import aiohttp

        async with aiohttp.ClientSession() as session:
            return await sim.deliver(session, channel, teen, text)

    return asyncio.run(one())


def test_conversation_tests_pass_with_turns_spread_over_instances(prod):
    """Every story of tests/test_stories.yml, turn by turn through nginx (round-robin, so
    consecutive turns run on different instances): same intents, same actions, in order."""
    instances, checked = set(), 0
    for story in support.stories():
        sender = f"story-{uuid.uuid4().hex[:10]}"
        for number, want in enumerate(support.story_turns(story), start=1):
            _, instance = prod.rest(sender, want["text"])
            instances.add(instance)
            actual = support.turns(prod.tracker(sender, not_from=instance))  # read on the other instance
            if "utter_data_deleted" in want["actions"]:  # "delete my data": the conversation is gone
                assert actual == [], (story["story"], actual)
            else:
                assert len(actual) == number, (story["story"], want["text"], [t["text"] for t in actual])
                got = actual[-1]
                assert got["text"].strip() == want["text"]
                assert got["intent"] == want["intent"], (story["story"], want["text"], got["intent"])
                assert got["actions"] == want["actions"], (story["story"], want["text"], got["actions"])
            checked += 1
    assert len(instances) == len(prod.topology.rasa_ports), f"turns reached only {instances}"
    support.write_counts("stories_across_instances", {"stories": len(support.stories()), "turns_checked": checked,
                                                      "instances_seen": len(instances)})


def test_sms_conversation_across_instances_and_a_retry_answered_once(prod):
    channel = sms_channel(prod)
    teen = sim.make_teens(1, "sms")[0]
    sent = [deliver(channel, teen, text) for text in ("hola", "cuales son las señales de alerta", "gracias")]
    assert all(d.latency is not None and d.replies for d in sent), [d.statuses for d in sent]
    assert len({d.instances[-1] for d in sent}) == 2, "round-robin: consecutive turns on both instances"
    # Twilio delivers the last message again (it never saw our answer): the same reply comes
    # back, whichever instance gets it, and no second turn runs.
    last = sent[-1]
    for _ in range(2):
        async def again():
            import aiohttp

            path, body, headers = channel.request(teen, last.text, last.key)
            async with aiohttp.ClientSession() as session:
                async with session.post(prod.base + path, data=body, headers=headers) as response:
                    return response.status, channel.replies(await response.read())

        status, replies = asyncio.run(again())
        assert status == 200 and replies == last.replies
    tracker_turns = support.turns(prod.tracker(prod.sms_sender_id(teen.address)))
    assert [t["text"] for t in tracker_turns] == [d.text for d in sent]
    assert all(support.received_in_order(t["bot"], d.replies) for t, d in zip(tracker_turns, sent))
    # phone numbers never reach the tracker store
    assert teen.address not in str(prod.tracker(prod.sms_sender_id(teen.address)))


def test_telegram_update_answered_once_across_instances(prod):
    channel = sim.Channel(prod.base, "telegram", telegram_secret=support.TELEGRAM_SECRET)
    teen = sim.make_teens(1, "telegram")[0]
    since = time.time()
    first = deliver(channel, teen, "what are the red flags")
    assert first.latency is not None
    replies = prod.fake_bot_api.texts_to(int(teen.address), since)
    assert replies and any("flag" in r.lower() for r in replies), replies
    for _ in range(2):  # Telegram retries the same update_id
        async def again():
            import aiohttp

            path, body, headers = channel.request(teen, first.text, first.key)
            async with aiohttp.ClientSession() as session:
                async with session.post(prod.base + path, data=body, headers=headers) as response:
                    return response.status

        assert asyncio.run(again()) == 200
    time.sleep(0.5)
    assert prod.fake_bot_api.texts_to(int(teen.address), since) == replies, "no reply sent twice"


def test_rate_limit_counts_one_sender_across_instances(prod):
    channel = sms_channel(prod)
    teen = sim.make_teens(1, "sms")[0]
    results = [deliver(channel, teen, f"hi {i}") for i in range(24)]
    assert all(r.latency is not None for r in results)
    rate_note = [r for r in results if "faster than I can read" in " ".join(r.replies)]
    answered = [r for r in results if r.replies]
    silent = [r for r in results if not r.replies]
    assert len({r.instances[-1] for r in results}) == 2
    assert len(answered) == 21 and len(silent) == 3, [len(r.replies) for r in results]
    assert len(rate_note) >= 1, "the 21st message gets the rate-limit note"


def _report_script():
    return ["they said if i dont drive tonight theyll hurt my little sister", "yes",
            "A man called Chuy keeps texting me to drive to the border tonight", "snapchat", "skip", "skip", "no"]


def test_every_event_reaches_the_analytics_through_rabbitmq(prod):
    sender = f"feed-{uuid.uuid4().hex[:10]}"
    for text in ("hola", "cuales son las señales de alerta"):
        prod.rest(sender, text)
    stored = [e for e in prod.tracker(sender)["events"]]
    copied = support.wait_until(lambda: len(support.copied_events(prod.analytics_url, sender)) >= len(stored) and
                                support.copied_events(prod.analytics_url, sender), timeout=60, interval=1)
    assert copied, "the analytics consumer copied the conversation"
    assert [e["event"] for e in copied] == [e["event"] for e in stored]
    support.write_counts("rabbitmq_feed", {"events_in_tracker": len(stored), "events_copied": len(copied)})


def test_kill_minus_9_one_instance_mid_load_loses_nothing(prod):
    """kill -9 instance 0 while teens are texting: the other serves on; every message is
    acknowledged once, every reply reaches the teen once, the report filed meanwhile is stored."""
    channel = sms_channel(prod)
    teens = sim.make_teens(16, "sms", prefix="load")
    reporter = sim.Teen("reporter", "sms", sim.make_teens(1, "sms")[0].address, _report_script())
    log: list = []
    killed = {}

    def kill_after_traffic():
        support.wait_until(lambda: sum(d.latency is not None for d in log) >= 12, timeout=120)
        killed["pid"] = prod.topology.kill_rasa(0)
        killed["acknowledged_before"] = sum(d.latency is not None for d in log)

    killer = threading.Thread(target=kill_after_traffic)
    killer.start()

    async def load():
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async def everyone():
                await asyncio.gather(*(sim.run_teen(session, channel, t, 0.3, log) for t in teens),
                                     sim.run_teen(session, channel, reporter, 0.3, log))
            await everyone()

    asyncio.run(load())
    killer.join()
    try:
        assert "pid" in killed, "the instance was killed while teens were texting"
        expected = sum(len(t.script) for t in teens) + len(reporter.script)
        unacknowledged = [d for d in log if d.latency is None]
        assert len(log) == expected and not unacknowledged, [(d.text, d.statuses) for d in unacknowledged]
        assert all(d.replies for d in log), [d.text for d in log if not d.replies]
        # Each teen's tracker holds each message exactly once, in order, and the bot messages of
        # each turn are exactly the ones the teen received: no lost turn, no second turn.
        duplicates = 0
        for teen in teens + [reporter]:
            mine = [d for d in log if d.teen == teen.name]
            tracker_turns = support.turns(prod.tracker(prod.sms_sender_id(teen.address)))
            assert [t["text"] for t in tracker_turns] == [d.text for d in mine], teen.name
            assert all(support.received_in_order(t["bot"], d.replies) for t, d in zip(tracker_turns, mine)), teen.name
            duplicates += len(tracker_turns) - len(mine)
        code = CASE_CODE.search(" ".join(log[-1].replies if log[-1].teen == "reporter" else
                                         [r for d in log if d.teen == "reporter" for r in d.replies]))
        assert code, "the reporter got a case code"
        from bot.reports.store import ReportStore

        with ReportStore(prod.reports_env["SENALES_REPORTS_DB_URL"], key=prod.reports_env["SENALES_REPORTS_KEY"].encode()) as store:
            stored = {r.case_code for r in store.list()}
        assert code.group(0) in stored
        retried = [d for d in log if d.attempts > 1]
        after_kill = [d for d in log if d.instances and d.instances[-1]]
        support.write_counts("kill_minus_9", {
            "messages_sent": len(log), "acknowledged": len(log) - len(unacknowledged),
            "acknowledged_before_kill": killed["acknowledged_before"], "retried_deliveries": len(retried),
            "replies_received": sum(len(d.replies) for d in log), "duplicate_turns": duplicates,
            "reports_stored": int(code.group(0) in stored), "answered_by": sorted({d.instances[-1] for d in after_kill})})
    finally:
        prod.topology.restart_rasa(0)


def test_action_server_stopped_danger_still_gets_its_full_reply(prod):
    channel = sms_channel(prod)
    for server in prod.topology.actions:
        server.stop()
    try:
        numbers = template_values()
        checked = 0
        for text, marker in (("they showed me a gun and said i owe them", "emergency_call"),
                             ("me dijeron q si no manejo van por mi familia", "trafficking_call")):
            teen = sim.make_teens(1, "sms")[0]
            result = deliver(channel, teen, text)
            joined = " ".join(result.replies)
            assert result.latency is not None and numbers[marker] in joined, result.replies
            assert len(result.replies) >= 3, result.replies  # steps, help and the report offer, not a generic line
            tracker = prod.tracker(prod.sms_sender_id(teen.address))
            assert tracker["slots"]["escalated"] is True
            checked += 1
        support.write_counts("action_server_stopped", {"danger_messages": checked, "full_replies": checked})
    finally:
        for server in prod.topology.actions:
            server.start()
            server.wait_ready(timeout=120)


def test_postgres_restart_is_recovered_without_a_manual_step(prod):
    channel = sms_channel(prod)
    teen = sim.make_teens(1, "sms")[0]
    assert deliver(channel, teen, "hi").replies
    support.restart_postgres()
    results = [deliver(channel, teen, text) for text in ("what are the red flags", "how do i say no", "thanks",
                                                          "how do i help a friend")]
    apologies = [r for r in results if any("something went wrong" in x for x in r.replies)]
    assert all(r.latency is not None and r.replies for r in results), [r.statuses for r in results]
    tracker_turns = support.turns(prod.tracker(prod.sms_sender_id(teen.address)))
    assert [t["text"] for t in tracker_turns][-4:] == [r.text for r in results]
    support.write_counts("postgres_restart", {"messages_after_restart": len(results),
                                              "answered": sum(bool(r.replies) for r in results),
                                              "apologies": len(apologies), "stored_in_tracker": len(tracker_turns)})
    assert not apologies


def test_rabbitmq_down_teens_still_get_replies_and_the_gap_is_logged(prod):
    channel = sms_channel(prod)
    teen = sim.make_teens(1, "sms")[0]
    support.rabbitmq("stop_app")
    try:
        during = [deliver(channel, teen, text) for text in ("hola", "como digo que no", "gracias")]
    finally:
        support.rabbitmq("start_app")
    assert all(d.latency is not None and d.replies for d in during), [d.statuses for d in during]
    assert support.wait_until(lambda: "unreachable" in prod.logs(), timeout=30), "the gap's start is logged"
    # the next events after the broker is back close the gap and publish what was held
    after = [deliver(channel, teen, "bye")]
    gap_logged = support.wait_until(lambda: "gap from" in prod.logs(), timeout=90)
    sender_id = prod.sms_sender_id(teen.address)

    def held_events_copied():  # published after the gap, and copied by the analytics consumer
        events = support.copied_events(prod.analytics_url, sender_id)
        texts = {e.get("text") for e in events if e.get("event") == "user"}
        return texts >= {d.text for d in during} and events

    published = support.wait_until(held_events_copied, timeout=90, interval=2)
    support.write_counts("rabbitmq_down", {"messages_while_down": len(during), "replies_while_down":
                                           sum(len(d.replies) for d in during), "gap_logged": bool(gap_logged),
                                           "events_of_this_teen_in_the_analytics_after": len(published or [])})
    assert after[0].replies and gap_logged and published
    assert teen.address not in prod.logs() and "como digo que no" not in prod.logs(), "no teen text in the log"
