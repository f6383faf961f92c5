"""Redacted transcripts for review, only inside the retention period, named by pseudonym only.

Staff never see a sender id (it may be a phone number or chat id): conversations are listed and
opened by the same keyed pseudonym the aggregates use. Text is redacted before it leaves this
module, and events older than the retention period are never returned even if a purge has not
run yet.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import database, settings
from bot.analytics.database import events, tags
from bot.analytics.redaction import redact
from bot.analytics.refresh import pseudonym, sender_salt

TAGS = ("offer", "danger", "report", "needs-follow-up", "misunderstood", "off-topic", "spanish", "english")
MAX_LISTED = 200


@dataclass(frozen=True)
class ConversationSummary:
    key: str
    last_at: str
    messages: int
    tags: tuple


@dataclass(frozen=True)
class Line:
    at: str
    who: str  # "teen" | "assistant"
    text: str
    intent: str = ""


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


class Transcripts:
    def __init__(self, tracker: Engine, analytics: Engine, retention_days: Optional[int] = None, now=time.time):
        self.tracker, self.analytics, self.now = tracker, analytics, now
        self.retention_days = retention_days or settings.retention_days()
        database.create_tables(analytics)
        with analytics.begin() as conn:
            self.salt = sender_salt(conn)

    @property
    def cutoff(self) -> float:
        return self.now() - self.retention_days * 86400

    def key_of(self, sender_id: str) -> str:
        return pseudonym(self.salt, sender_id)

    def recent(self, include_demo: bool = False, limit: int = MAX_LISTED) -> List[ConversationSummary]:
        query = (
            sa.select(events.c.sender_id, sa.func.max(events.c.timestamp).label("last"), sa.func.count().label("n"))
            .where(events.c.timestamp >= self.cutoff, events.c.type_name == "user")
            .group_by(events.c.sender_id)
            .order_by(sa.desc("last"))
            .limit(limit * 2)
        )
        with self.tracker.connect() as conn:
            rows = [r for r in conn.execute(query) if include_demo or not settings.is_demo(r.sender_id)][:limit]
        keys = {row.sender_id: self.key_of(row.sender_id) for row in rows}
        tag_map = self._tags(list(keys.values()))
        return [ConversationSummary(keys[r.sender_id], _when(r.last), int(r.n), tuple(tag_map.get(keys[r.sender_id], ()))) for r in rows]

    def sender_for(self, key: str) -> Optional[str]:
        """The sender id behind a pseudonym, searched among conversations still inside retention."""
        with self.tracker.connect() as conn:
            for (sender_id,) in conn.execute(sa.select(sa.distinct(events.c.sender_id)).where(events.c.timestamp >= self.cutoff)):
                if self.key_of(sender_id) == key:
                    return sender_id
        return None

    def lines(self, key: str) -> Optional[List[Line]]:
        sender_id = self.sender_for(key)
        if sender_id is None:
            return None
        query = (
            sa.select(events.c.type_name, events.c.timestamp, events.c.intent_name, events.c.data)
            .where(events.c.sender_id == sender_id, events.c.timestamp >= self.cutoff, events.c.type_name.in_(("user", "bot")))
            .order_by(events.c.id)
        )
        out = []
        with self.tracker.connect() as conn:
            for row in conn.execute(query):
                text = json.loads(row.data or "{}").get("text") or ""
                who = "teen" if row.type_name == "user" else "assistant"
                out.append(Line(_when(row.timestamp), who, redact(text), row.intent_name or ""))
        return out

    def _tags(self, keys: List[str]) -> dict:
        if not keys:
            return {}
        out: dict = {}
        with self.analytics.connect() as conn:
            for row in conn.execute(sa.select(tags.c.sender_key, tags.c.tag).where(tags.c.sender_key.in_(keys)).order_by(tags.c.tag)):
                out.setdefault(row.sender_key, []).append(row.tag)
        return out

    def tags_of(self, key: str) -> List[str]:
        return self._tags([key]).get(key, [])

    def set_tags(self, key: str, chosen: List[str], by: str) -> List[str]:
        chosen = [t for t in TAGS if t in set(chosen)]
        with self.analytics.begin() as conn:
            conn.execute(tags.delete().where(tags.c.sender_key == key))
            if chosen:
                at = datetime.now(timezone.utc).isoformat(timespec="seconds")
                conn.execute(tags.insert(), [{"sender_key": key, "tag": t, "by": by, "at": at} for t in chosen])
        return chosen
