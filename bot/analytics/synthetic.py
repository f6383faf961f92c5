"""Tracker events in the shape Rasa's SQLTrackerStore writes them, generated for benchmarks and UI tests.

Real conversations come from driving the real server (tests/integration); this makes volume:
sessions in both languages on several channels, topics, offers with risk levels, flags and apps,
danger escalations, reports, forms left open, and classroom demo senders. Seeded, so a run is
repeatable.
"""
from __future__ import annotations

import json
import random
import time
from typing import Iterator, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics.database import create_events_table, events

TOPICS = ["greet", "red_flags", "recruiter_tactics", "slang_meaning", "legal_consequences", "say_no", "help_friend",
          "report_anonymously", "thanks", "goodbye", "bot_identity", "help_menu", "out_of_scope", "nlu_fallback"]
DANGER = ["danger_threat", "danger_watched", "danger_coerced", "danger_in_progress", "danger_friend_missing", "danger_weapon"]
CHANNELS = ["rest", "rest", "twilio", "telegram"]
FLAGS = ["easy_money", "drive_people_or_packages", "border_or_checkpoint", "private_app_or_delete_chats", "high_pay_per_trip",
         "code_words", "minors_not_charged", "pay_first"]
OFFERS = [
    "easy money just drive, 1500 a trip, hmu on telegram",
    "need drivers tonight near the border, dm on snap, delete chats after",
    "trabajo fácil, 2 mil por viaje, escríbeme por whatsapp",
    "saw this on tiktok: pick up a package, cash same day",
    "insta guy says drive people to Phoenix for 800",
    "me contactaron por facebook para llevar paquetes",
    "Part-time cashier at the grocery store, $14/hour, apply in person",
]
APPS = ["TikTok", "Instagram", "Snapchat", "WhatsApp", "Telegram", "discord"]


def _event(sender: str, kind: str, ts: float, data: dict, intent: Optional[str] = None, action: Optional[str] = None) -> dict:
    data = {"event": kind, "timestamp": ts, **data}
    return {"sender_id": sender, "type_name": kind, "timestamp": ts, "intent_name": intent, "action_name": action,
            "data": json.dumps(data)}


def conversation(rng: random.Random, sender: str, start: float, language: str, channel: str) -> List[dict]:
    """One session: a greeting, a few topics, maybe an offer check, danger and a report, maybe a form left open."""
    ts = start
    out = [_event(sender, "action", ts, {"name": "action_session_start"}, action="action_session_start"),
           _event(sender, "session_started", ts, {})]

    def user(intent: str, text: str) -> None:
        nonlocal ts
        ts += rng.uniform(5, 90)
        out.append(_event(sender, "user", ts, {"text": text, "input_channel": channel, "parse_data": {
            "intent": {"name": intent, "confidence": 0.9}, "entities": [{"entity": "language", "value": language}], "text": text}},
            intent=intent))
        out.append(_event(sender, "slot", ts + 0.001, {"name": "language", "value": language}, action="language"))

    def bot(name: str = "utter_x") -> None:
        nonlocal ts
        ts += rng.lognormvariate(-1.2, 0.5)
        out.append(_event(sender, "action", ts, {"name": name}, action=name))
        out.append(_event(sender, "bot", ts + 0.0005, {"text": "…", "metadata": {"utter_action": name}}))

    def slot(name: str, value) -> None:
        out.append(_event(sender, "slot", ts, {"name": name, "value": value}, action=name))

    def loop(name: Optional[str]) -> None:
        out.append(_event(sender, "active_loop", ts, {"name": name}, action=name))

    user("greet", "hola" if language == "es" else "hey")
    bot("utter_greet")
    for _ in range(rng.randint(0, 3)):
        intent = rng.choice(TOPICS)
        user(intent, "call me at 520-555-0100" if rng.random() < 0.05 else "what are the red flags")
        bot()
    if rng.random() < 0.35:
        user("check_offer", "is this legit?")
        loop("offer_form")
        bot("utter_ask_offer_text")
        if rng.random() < 0.12:
            return out  # left the offer form open
        offer = rng.choice(OFFERS)
        slot("offer_text", offer)
        user("check_offer", offer)
        loop(None)
        risk = "low" if "grocery" in offer else rng.choice(["high", "high", "medium"])
        slot("offer_risk", risk)
        slot("offer_flags", [] if risk == "low" else rng.sample(FLAGS, rng.randint(1, 3)))
        bot("action_check_offer")
    if rng.random() < 0.08:
        user(rng.choice(DANGER), "they said they know where I live")
        bot("utter_danger")
        if rng.random() < 0.6:
            user("affirm", "yes")
            loop("report_form")
            bot("utter_ask_report_what_happened")
            if rng.random() < 0.25:
                return out  # left the report form open
            slot("report_app", rng.choice(APPS))
            loop(None)
            slot("report_case_code", "SN-TEST-00")
            bot("action_submit_report")
    return out


def generate(total_events: int, days: int = 60, seed: int = 7, end: Optional[float] = None, demo_share: float = 0.03) -> Iterator[List[dict]]:
    """Conversations until about ``total_events`` events, spread over the last ``days`` days, yielded in chunks."""
    rng = random.Random(seed)
    end = end or time.time()
    produced, chunk = 0, []
    users = max(50, total_events // 60)
    counter = 0
    while produced < total_events:
        counter += 1
        demo = rng.random() < demo_share
        sender = f"demo-{counter}" if demo else f"user-{rng.randrange(users)}"
        start = end - rng.uniform(0, days * 86400) * (rng.random() ** 0.6)
        language = "es" if rng.random() < 0.42 else "en"
        events_ = conversation(rng, sender, start, language, rng.choice(CHANNELS))
        produced += len(events_)
        chunk.extend(events_)
        if len(chunk) >= 20000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fill(engine: Engine, total_events: int, **kwargs) -> int:
    """Write generated events into ``engine``'s events table (created if missing); returns how many."""
    create_events_table(engine)
    written = 0
    for chunk in generate(total_events, **kwargs):
        with engine.begin() as conn:
            conn.execute(events.insert(), chunk)
        written += len(chunk)
    return written
