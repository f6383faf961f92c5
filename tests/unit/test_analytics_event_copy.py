"""Broker messages become exactly the rows Rasa's SQLTrackerStore writes; bad ones are refused without their content."""
from __future__ import annotations

import json

import pytest
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from bot.analytics import event_copy, settings


@pytest.mark.parametrize("event", [
    UserUttered("me ofrecen lana", parse_data={"intent": {"name": "check_offer", "confidence": 0.9}, "entities": [], "text": "x"},
                input_channel="twilio", timestamp=1796127731.793348),
    ActionExecuted("utter_greet", timestamp=1796127732.5),
    SlotSet("offer_flags", ["easy_money"], timestamp=1796127733.25),
])
def test_a_published_event_becomes_the_tracker_store_row(event):
    data = event.as_dict()
    copied = event_copy.from_broker(json.dumps({"sender_id": "s-1", **data}).encode())
    # What SQLTrackerStore.save writes for the same event:
    assert copied.row() == {"sender_id": "s-1", "type_name": event.type_name, "timestamp": data["timestamp"],
                            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                            "action_name": data.get("name"), "data": json.dumps(data)}


@pytest.mark.parametrize("body, reason", [
    (b"secret text 555-0100", "not UTF-8 JSON"),
    (b'["secret"]', "not a JSON object"),
    (b'{"event": "user", "timestamp": 1, "text": "secret"}', "sender_id"),
    (b'{"sender_id": "s", "timestamp": 1, "text": "secret"}', "'event'"),
    (b'{"sender_id": "s", "event": "user", "timestamp": "soon", "text": "secret"}', "timestamp"),
    (json.dumps({"sender_id": "s" * 300, "event": "user", "timestamp": 1}).encode(), "longer than 255"),
])
def test_what_is_not_an_event_is_refused_and_the_reason_never_quotes_it(body, reason):
    with pytest.raises(event_copy.InvalidEvent, match=reason) as refused:
        event_copy.from_broker(body)
    assert "secret" not in str(refused.value) and "555" not in str(refused.value)


def test_the_same_event_has_the_same_key_from_the_broker_and_from_the_tracker_store():
    data = ActionExecuted("action_listen", timestamp=1796127800.125).as_dict()
    published = event_copy.from_broker(json.dumps({"sender_id": "s-2", **data}).encode())
    stored = event_copy.CopiedEvent("s-2", "action", data["timestamp"], None, "action_listen", json.dumps(data, sort_keys=True))
    salt = b"k" * 32
    assert event_copy.event_key(salt, published) == event_copy.event_key(salt, stored)
    assert event_copy.event_key(salt, published) != event_copy.event_key(b"j" * 32, published), "keyed"


def test_the_copy_switch_is_checked():
    same = {"SENALES_TRACKER_DB_URL": "sqlite:///a.db", settings.ENV_EVENTS: "copy"}
    with pytest.raises(ValueError, match="other than the tracker store"):
        settings.events_url(same)
    with pytest.raises(ValueError, match="tracker or copy"):
        settings.events_url({settings.ENV_EVENTS: "broker"})
    production = {"SENALES_TRACKER_DB_URL": "postgresql://rasa/tracker", "SENALES_ANALYTICS_DB_URL": "postgresql://a/analytics",
                  settings.ENV_EVENTS: "copy"}
    assert settings.events_url(production) == "postgresql://a/analytics"
    assert settings.events_url({"SENALES_TRACKER_DB_URL": "sqlite:///a.db"}) == "sqlite:///a.db"
