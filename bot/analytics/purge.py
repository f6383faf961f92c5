"""Delete raw conversation events, keeping the aggregates: by age (retention) or by sender (on request).

``purge_older_than`` first folds every pending event into the aggregates, so nothing is lost
from the counts, then deletes events older than the cut-off. ``delete_sender`` removes one
teen's whole conversation and cuts the link between their past counts and any future ones by
replacing their pseudonym in the aggregate tables with a random one.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import database
from bot.analytics.database import conversations, events, senders, tags, user_days
from bot.analytics.refresh import Refresher, highest_event_id, lower_mark_after_delete, pseudonym, sender_salt

_DURATION = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``."""
    match = _DURATION.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not a duration like 30d, 12h or 2w: {text!r}")
    number, unit = int(match.group(1)), match.group(2)
    return {"d": timedelta(days=number), "h": timedelta(hours=number), "w": timedelta(weeks=number)}[unit]


@dataclass
class PurgeResult:
    deleted: int
    refreshed: int

    def summary(self) -> str:
        return f"Folded {self.refreshed} new event(s) into the aggregates, then deleted {self.deleted} raw event(s)."


def purge_older_than(tracker: Engine, analytics: Engine, age: timedelta, now: float = None) -> PurgeResult:
    refreshed = Refresher(tracker, analytics).run()
    cutoff = (now or time.time()) - age.total_seconds()
    mark = refreshed.high_water_mark
    with tracker.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        # Never delete an event the aggregates have not seen (id above the mark).
        result = conn.execute(events.delete().where(events.c.timestamp < cutoff, events.c.id <= mark))
        highest_left = highest_event_id(conn)
    lower_mark_after_delete(analytics, highest_left)
    return PurgeResult(deleted=result.rowcount or 0, refreshed=refreshed.events_read)


def delete_sender(tracker: Engine, analytics: Engine, sender_id: str) -> int:
    """Remove every raw event of ``sender_id``; returns how many were deleted.

    The refresh before it takes even the newest events (no settle time): the conversation being
    deleted just happened, and its counts must be folded before its events go."""
    Refresher(tracker, analytics, settle_seconds=0).run()
    with tracker.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")  # overwrite the freed pages, not just unlink them
        deleted = conn.execute(events.delete().where(events.c.sender_id == sender_id)).rowcount or 0
        highest_left = highest_event_id(conn)
    lower_mark_after_delete(analytics, highest_left)
    with analytics.begin() as conn:
        key = pseudonym(sender_salt(conn), sender_id)
        anonymous = "x" + secrets.token_hex(15)
        conn.execute(user_days.update().where(user_days.c.user_key == key).values(user_key=anonymous))
        conn.execute(conversations.update().where(conversations.c.user_key == key).values(user_key=anonymous))
        conn.execute(senders.delete().where(senders.c.sender_key == key))
        conn.execute(tags.delete().where(tags.c.sender_key == key))
    return deleted
