"""Fold new tracker events into the aggregates: only events past the high-water mark are read.

Runs in batches of event ids; each batch's counts, sender states, conversations and the new mark
are written in one transaction, so an interrupted refresh resumes where it stopped and never
counts an event twice. Only user events and a few slot events need their JSON parsed; the rest
is read from Rasa's indexed columns (type_name, action_name, timestamp).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, Optional, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import apps, database, settings
from bot.analytics.database import conversations, counts, events, meta, senders, user_days

HIGH_WATER_MARK = "last_event_id"
SALT = "sender_salt"
FALLBACK_INTENT = "nlu_fallback"
DANGER_PREFIX = "danger_"
POSTGRES_SETTLE_SECONDS = 30.0
SLOTS_READ = ("offer_risk", "offer_flags", "offer_text", "report_app", "report_case_code")


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc).strftime("%Y-%m-%d")


def reply_bucket(milliseconds: float) -> int:
    """Histogram bucket (lower bound, ms): 10 ms steps to 1 s, 100 ms to 10 s, 1 s beyond, capped at 10 min."""
    ms = max(0, int(milliseconds))
    if ms < 1000:
        return ms // 10 * 10
    if ms < 10000:
        return ms // 100 * 100
    return min(ms // 1000 * 1000, 600000)


def get_meta(conn, name: str) -> Optional[str]:
    return conn.execute(sa.select(meta.c.value).where(meta.c.name == name)).scalar()


def set_meta(conn, name: str, value: str) -> None:
    database.upsert(conn, meta, [{"name": name, "value": value}], ["name"], replace_columns=["value"])


def _lock_mark(conn) -> int:
    """Take the write lock on the high-water mark (row lock on PostgreSQL, the write lock on
    SQLite) and read it: two refreshers can never fold the same events."""
    if get_meta(conn, HIGH_WATER_MARK) is None:
        database.upsert(conn, meta, [{"name": HIGH_WATER_MARK, "value": "0"}], ["name"])
    conn.execute(meta.update().where(meta.c.name == HIGH_WATER_MARK).values(value=meta.c.value))
    return int(get_meta(conn, HIGH_WATER_MARK) or 0)


def lower_mark_after_delete(analytics_engine: Engine, highest_id_left: int) -> None:
    """After deleting tracker events, bring the mark down to the highest id left.

    SQLite gives a new row the highest id in the table plus one (Rasa's ``events.id`` has no
    AUTOINCREMENT), so once the newest events are deleted the next ones reuse their ids, at or
    below the mark, and a refresh would never read them. Every event left at or below the new mark
    was below the old one, so was already folded; every event written later gets a higher id.
    ``highest_id_left`` must be read in the transaction that deleted (it holds the write lock).
    """
    with analytics_engine.begin() as conn:
        if _lock_mark(conn) > highest_id_left:
            set_meta(conn, HIGH_WATER_MARK, str(max(0, highest_id_left)))


def highest_event_id(conn) -> int:
    return int(conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0)


def sender_salt(conn) -> bytes:
    """A random key made once per database: pseudonyms cannot be recomputed from a phone number list."""
    value = get_meta(conn, SALT)
    if value is None:
        # Insert only if still absent, then read back: refreshers starting together must all use
        # the first one's salt (a replace would give each its own, and count one sender twice).
        database.upsert(conn, meta, [{"name": SALT, "value": secrets.token_hex(32)}], ["name"])
        value = get_meta(conn, SALT)
    return bytes.fromhex(value)


def pseudonym(salt: bytes, sender_id: str) -> str:
    return hmac.new(salt, str(sender_id).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass
class RefreshResult:
    events_read: int = 0
    batches: int = 0
    high_water_mark: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return f"{self.events_read} new event(s) in {self.batches} batch(es), {self.seconds:.2f} s; mark at event {self.high_water_mark}"


@dataclass
class _Batch:
    """Everything one batch changes, written together at the end."""

    counts: Dict[Tuple, int] = field(default_factory=lambda: defaultdict(int))
    senders: Dict[str, dict] = field(default_factory=dict)
    conversations: Dict[str, dict] = field(default_factory=dict)
    user_days: Set[Tuple] = field(default_factory=set)

    def add(self, state: dict, ts: float, metric: str, key: str = "", amount: int = 1) -> None:
        """Count under the sender's current channel and language (a teen may switch mid-chat)."""
        channel, language = state.get("channel") or "unknown", state["language"]
        self.counts[(day_of(ts), channel, language, state["demo"], metric, str(key)[:128])] += amount


class Refresher:
    def __init__(self, tracker_engine: Engine, analytics_engine: Engine, batch_size: int = 20000,
                 settle_seconds: Optional[float] = None, now=time.time):
        self.tracker, self.analytics, self.batch_size, self.now = tracker_engine, analytics_engine, batch_size, now
        if settle_seconds is None:
            settle_seconds = POSTGRES_SETTLE_SECONDS if tracker_engine.dialect.name == "postgresql" else 0.0
        self.settle_seconds = settle_seconds
        database.create_tables(self.analytics)

    def high_water_mark(self) -> int:
        with self.analytics.connect() as conn:
            return int(get_meta(conn, HIGH_WATER_MARK) or 0)

    def run(self, max_batches: Optional[int] = None) -> RefreshResult:
        started = time.perf_counter()
        result = RefreshResult(high_water_mark=self.high_water_mark())
        with self.analytics.begin() as conn:
            salt = sender_salt(conn)
        while max_batches is None or result.batches < max_batches:
            with self.tracker.connect() as tconn:
                rows = tconn.execute(
                    sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp,
                              events.c.intent_name, events.c.action_name, events.c.data)
                    .where(events.c.id > result.high_water_mark)
                    .order_by(events.c.id)
                    .limit(self.batch_size)
                ).fetchall()
            rows = self._settled(rows)
            if not rows:
                break
            if not self._fold(rows, salt, result.high_water_mark):
                # Another refresher (console, purge, a cron job) moved the mark first: start from its mark.
                result.high_water_mark = self.high_water_mark()
                continue
            result.events_read += len(rows)
            result.batches += 1
            result.high_water_mark = rows[-1].id
        result.seconds = time.perf_counter() - started
        return result

    def _settled(self, rows):
        """Stop before the first event younger than the settle time.

        With several Rasa instances on PostgreSQL, ids come from a sequence and a transaction
        holding a lower id may commit after a higher one is visible; the mark would then skip it
        for ever. Events are saved right after they happen, so waiting until the newest event
        read is ``settle_seconds`` old lets such a straggler land first. SQLite has one writer at
        a time, so its ids are already in commit order (settle 0).
        """
        if not self.settle_seconds:
            return rows
        cutoff = self.now() - self.settle_seconds
        for index, row in enumerate(rows):
            if (row.timestamp or 0.0) >= cutoff:
                return rows[:index]
        return rows

    # -- one batch -----------------------------------------------------------------------------
    def _fold(self, rows, salt: bytes, expected_mark: int) -> bool:
        """Fold one batch; False (nothing written) when the mark is no longer ``expected_mark``."""
        batch = _Batch()
        keys = {}
        for row in rows:
            if row.sender_id not in keys:
                keys[row.sender_id] = pseudonym(salt, row.sender_id)
        with self.analytics.begin() as conn:
            if _lock_mark(conn) != expected_mark:
                return False
            self._load_states(conn, batch, set(keys.values()))
            for row in rows:
                self._event(batch, keys[row.sender_id], row)
            self._write(conn, batch, rows[-1].id)
        return True

    def _load_states(self, conn, batch: _Batch, sender_keys: Set[str]) -> None:
        key_list = list(sender_keys)
        for start in range(0, len(key_list), 500):
            chunk = key_list[start:start + 500]
            for row in conn.execute(sa.select(senders).where(senders.c.sender_key.in_(chunk))):
                batch.senders[row.sender_key] = dict(row._mapping)
            conv_keys = [s["conv_key"] for s in batch.senders.values() if s["conv_key"] and s["sender_key"] in chunk]
            if conv_keys:
                for row in conn.execute(sa.select(conversations).where(conversations.c.conv_key.in_(conv_keys))):
                    batch.conversations[row.conv_key] = dict(row._mapping)

    def _state(self, batch: _Batch, sender_key: str, sender_id: str) -> dict:
        state = batch.senders.get(sender_key)
        if state is None:
            state = {
                "sender_key": sender_key, "demo": int(settings.is_demo(sender_id)), "session_no": 0, "conv_key": None,
                "language": "en", "channel": None, "pending_user_ts": None, "active_loop": None, "last_ts": None,
                "pending_offer_apps": None, "pending_report_app": None,
            }
            batch.senders[sender_key] = state
        return state

    def _event(self, batch: _Batch, sender_key: str, row) -> None:
        state = self._state(batch, sender_key, row.sender_id)
        ts = row.timestamp or 0.0
        state["last_ts"] = ts
        kind = row.type_name
        if kind == "session_started":
            state["session_no"] += 1
            state["conv_key"], state["active_loop"], state["pending_user_ts"] = None, None, None
            return
        if kind == "user":
            self._user(batch, state, row, ts)
        elif kind == "bot":
            self._bot(batch, state, ts)
        elif kind == "active_loop":
            state["active_loop"] = row.action_name or None
        elif kind == "slot" and row.action_name in SLOTS_READ:
            self._slot(batch, state, row, ts)
        elif kind == "restart":
            state["active_loop"] = None
        conv = batch.conversations.get(state["conv_key"] or "")
        if conv is not None:
            conv["last_ts"] = ts
            conv["open_loop"] = state["active_loop"]

    def _user(self, batch: _Batch, state: dict, row, ts: float) -> None:
        data = json.loads(row.data or "{}")
        for entity in (data.get("parse_data") or {}).get("entities") or []:
            if entity.get("entity") == "language" and entity.get("value") in ("en", "es"):
                state["language"] = entity["value"]
        state["channel"] = str(data.get("input_channel") or state.get("channel") or "unknown")[:64]
        if (data.get("metadata") or {}).get("demo") is True:
            state["demo"] = 1  # the classroom demo page marks its messages too, not only its sender ids
        if not state["conv_key"]:
            self._start_conversation(batch, state, ts)
        conv = batch.conversations[state["conv_key"]]
        conv["user_messages"] += 1
        batch.user_days.add((conv["user_key"], day_of(ts), conv["channel"], conv["language"], state["demo"]))
        intent = row.intent_name or "unknown"
        batch.add(state, ts, "user_messages")
        batch.add(state, ts, "intent", intent)
        if intent == FALLBACK_INTENT:
            batch.add(state, ts, "fallback")
        if intent.startswith(DANGER_PREFIX):
            batch.add(state, ts, "escalation", intent[len(DANGER_PREFIX):])
        state["pending_user_ts"] = ts

    def _start_conversation(self, batch: _Batch, state: dict, ts: float) -> None:
        conv_key = secrets.token_hex(12)  # random: deleting a sender's key leaves no link in conv keys
        state["conv_key"] = conv_key
        batch.conversations[conv_key] = {
            "conv_key": conv_key, "user_key": state["sender_key"], "day": day_of(ts), "channel": state["channel"],
            "language": state["language"], "demo": state["demo"], "last_ts": ts, "open_loop": state["active_loop"],
            "user_messages": 0,
        }
        batch.add(state, ts, "conversations")

    def _bot(self, batch: _Batch, state: dict, ts: float) -> None:
        batch.add(state, ts, "bot_messages")
        if state["pending_user_ts"] is not None:
            batch.add(state, ts, "reply_ms", str(reply_bucket((ts - state["pending_user_ts"]) * 1000)))
            state["pending_user_ts"] = None

    def _slot(self, batch: _Batch, state: dict, row, ts: float) -> None:
        value = json.loads(row.data or "{}").get("value")
        if value in (None, "", []):
            return
        name = row.action_name
        if name == "offer_risk":
            batch.add(state, ts, "offer_risk", value)
            for app in filter(None, (state.get("pending_offer_apps") or "").split(",")):
                batch.add(state, ts, "app_offer", app)
            state["pending_offer_apps"] = None
        elif name == "offer_flags" and isinstance(value, list):
            for flag in value:
                batch.add(state, ts, "offer_flag", flag)
        elif name == "offer_text":
            # The form sets the slot more than once (extracted, then validated): remember, count at the verdict.
            state["pending_offer_apps"] = ",".join(sorted(apps.apps_named(str(value)))) or None
        elif name == "report_app":
            state["pending_report_app"] = apps.app_from_answer(str(value)) or None
        elif name == "report_case_code":
            batch.add(state, ts, "report")
            if state.get("pending_report_app"):
                batch.add(state, ts, "app_report", state["pending_report_app"])
            state["pending_report_app"] = None

    def _write(self, conn, batch: _Batch, last_id: int) -> None:
        database.upsert(
            conn, counts,
            [dict(zip(("day", "channel", "language", "demo", "metric", "key"), key), count=n) for key, n in batch.counts.items()],
            ["day", "channel", "language", "demo", "metric", "key"], add_columns=["count"],
        )
        state_columns = [c.name for c in senders.columns if c.name != "sender_key"]
        database.upsert(conn, senders, list(batch.senders.values()), ["sender_key"], replace_columns=state_columns)
        conv_columns = ["last_ts", "open_loop", "user_messages"]
        database.upsert(conn, conversations, list(batch.conversations.values()), ["conv_key"], replace_columns=conv_columns)
        database.upsert(
            conn, user_days,
            [dict(zip(("user_key", "day", "channel", "language", "demo"), key)) for key in batch.user_days],
            ["user_key", "day", "channel", "language"],
        )
        set_meta(conn, HIGH_WATER_MARK, str(last_id))


def refresh(tracker_url: Optional[str] = None, analytics_url: Optional[str] = None, **kwargs) -> RefreshResult:
    tracker_url = tracker_url or settings.tracker_url()
    analytics_url = analytics_url or settings.analytics_url()
    return Refresher(database.engine(tracker_url), database.engine(analytics_url), **kwargs).run()
