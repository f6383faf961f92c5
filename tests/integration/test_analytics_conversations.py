"""Analytics on events the real Rasa server wrote: scripted conversations in English and Spanish.

The expected numbers are worked out independently, from each conversation as Rasa's own HTTP API
returns it (``/conversations/<id>/tracker``); the analytics read the SQL tracker store instead.
Other tests share the server's database, so each check compares before/after this test's
conversations.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest

from bot.analytics import database, filters, queries, report
from bot.analytics.refresh import Refresher
from bot.analytics.suppression import is_small

pytestmark = pytest.mark.servers

SCRIPTS = {
    "en-offer": ["hey", "what are the red flags", "need drivers tonight, 1500 a trip, no questions, hmu on telegram and delete the chat after"],
    "es-offer": ["hola", "que significa pollos", "me llegó esto: se buscan choferes pa llevar pollos, 2 mil varos x viaje, pura lana facil, mandame msj al whats"],
    "en-danger-report": ["they said they will hurt my little brother if i dont drive for them this weekend", "yes",
                         "A man keeps messaging me and says he knows my school", "snapchat", "skip", "skip", "no"],
    "es-danger-report": ["me dijeron q les debo la gasolina y q si no manejo van por mi jefa", "si",
                         "me amenazan por mensajes", "tiktok", "saltar", "saltar", "no"],
    "en-left-form": ["can u check if a job offer is legit"],
}
DEMO_SCRIPT = ["hi", "what are the red flags"]


def _snapshot(engine, include_demo=False, now=None):
    today = time.strftime("%Y-%m-%d", time.gmtime())
    f = filters.parse({"from": today, "to": today, "demo": "1" if include_demo else ""})
    with engine.connect() as conn:
        return {
            "conversations": queries.metric_total(conn, f, "conversations"),
            "users": queries.unique_users(conn, f),
            "messages": queries.metric_total(conn, f, "user_messages"),
            "intents": Counter(queries.metric_by_key(conn, f, "intent")),
            "escalations": queries.metric_total(conn, f, "escalation"),
            "reports": queries.metric_total(conn, f, "report"),
            "risk": Counter(queries.metric_by_key(conn, f, "offer_risk")),
            "flags": Counter(queries.metric_by_key(conn, f, "offer_flag")),
            "apps_offer": Counter(queries.metric_by_key(conn, f, "app_offer")),
            "apps_report": Counter(queries.metric_by_key(conn, f, "app_report")),
            "languages": Counter(queries.metric_by(conn, f, "conversations", "language")),
            "channels": Counter(queries.metric_by(conn, f, "conversations", "channel")),
            "replies": sum(queries.metric_by_key(conn, f, "reply_ms").values()),
            "mid_form": Counter(queries.ended_mid_form(conn, f, now=now)),
        }


def _delta(after, before):
    return {k: (after[k] - before[k]) if not isinstance(after[k], Counter) else +(after[k] - before[k]) for k in after}


def _expected_from_rasa_api(assistant, senders):
    """The same quantities read from Rasa's tracker API, one conversation at a time."""
    expected = {"intents": Counter(), "risk": Counter(), "flags": Counter(), "reports": 0, "escalations": 0, "messages": 0}
    for sender in senders:
        for event in assistant.tracker(sender)["events"]:
            if event["event"] == "user":
                intent = event["parse_data"]["intent"]["name"]
                expected["intents"][intent] += 1
                expected["messages"] += 1
                expected["escalations"] += intent.startswith("danger_")
            elif event["event"] == "slot" and event.get("value"):
                if event["name"] == "offer_risk":
                    expected["risk"][event["value"]] += 1
                elif event["name"] == "offer_flags":
                    expected["flags"].update(event["value"])
                elif event["name"] == "report_case_code":
                    expected["reports"] += 1
    return expected


def test_metrics_match_what_rasa_recorded_in_both_languages(assistant, tmp_path):
    tracker = database.engine(f"sqlite:///{assistant.db}")
    analytics = database.engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    refresher = Refresher(tracker, analytics)
    refresher.run()
    later = time.time() + 3600  # for "ended mid-form": the open form has been idle an hour by then
    before, before_demo = _snapshot(analytics, now=later), _snapshot(analytics, include_demo=True, now=later)

    senders = {}
    for name, lines in SCRIPTS.items():
        senders[name] = assistant.new_sender(f"analytics-{name}")
        for line in lines:
            assert assistant.texts(senders[name], line), f"no reply to {line!r}"
    demo = assistant.new_sender("demo")
    for line in DEMO_SCRIPT:
        assistant.texts(demo, line)

    refreshed = refresher.run()
    assert refreshed.events_read > 0 and refresher.run().events_read == 0
    delta = _delta(_snapshot(analytics, now=later), before)
    expected = _expected_from_rasa_api(assistant, senders.values())

    assert delta["conversations"] == len(SCRIPTS) and delta["users"] == len(SCRIPTS)
    assert delta["messages"] == expected["messages"] == sum(len(lines) for lines in SCRIPTS.values())
    assert delta["intents"] == expected["intents"]
    assert delta["escalations"] == expected["escalations"] >= 2
    assert delta["reports"] == expected["reports"] == 2
    assert delta["risk"] == expected["risk"] and delta["risk"]["high"] == 2
    assert delta["flags"] == expected["flags"] and sum(delta["flags"].values()) >= 2
    assert delta["apps_offer"] == Counter({"Telegram": 1, "WhatsApp": 1})
    assert delta["apps_report"] == Counter({"Snapchat": 1, "TikTok": 1})
    assert delta["languages"] == Counter({"en": 3, "es": 2})
    assert delta["channels"] == Counter({"rest": len(SCRIPTS)})
    assert delta["replies"] == expected["messages"], "every teen message got a timed reply"
    assert delta["mid_form"] == Counter({"offer_form": 1})

    with_demo = _delta(_snapshot(analytics, include_demo=True, now=later), before_demo)
    assert with_demo["conversations"] == len(SCRIPTS) + 1
    assert with_demo["messages"] == delta["messages"] + len(DEMO_SCRIPT)

    # Whatever the page shows for this week, no count from 1 to 10 is visible.
    this_week = filters.monday_of(filters.today()).isoformat()
    with analytics.connect() as conn:
        overview = report.build(conn, filters.whole_weeks({"from": this_week}), 11, now=later)
    shown = overview.all_shown() + [cell for line in overview.to_csv().splitlines()[3:] for cell in line.split(",")[3:]]
    assert not [text for text in shown if text.isdigit() and is_small(int(text))]
    assert "<11" in shown


def test_median_reply_time_is_measured_from_real_replies(assistant, tmp_path):
    tracker = database.engine(f"sqlite:///{assistant.db}")
    analytics = database.engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    Refresher(tracker, analytics).run()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    with analytics.connect() as conn:
        histogram = queries.metric_by_key(conn, filters.parse({"from": today, "to": today, "demo": "1"}), "reply_ms")
    median = queries.median_reply_ms(histogram)
    assert median is not None and 1 <= median < 30000, median
