"""Delete raw conversation events, keeping the aggregates: by age (retention) or by sender (on request).

``purge_older_than`` first folds every pending event into the aggregates, so nothing is lost
from the counts, then deletes events older than the cut-off. ``delete_sender`` removes one
teen's whole conversation (and its copy in the analytics database, in production) and cuts the link between their past counts and any future ones by
replacing their pseudonym in the aggregate tables with a random one.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import event_copy
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
    deleted_from_tracker: int = 0  # Rasa's own store, when the analytics read a copy

    def summary(self) -> str:
        text = f"Folded {self.refreshed} new event(s) into the aggregates, then deleted {self.deleted} raw event(s)"
        if self.deleted_from_tracker:
            text += f" from the analytics copy and {self.deleted_from_tracker} from the tracker store"
        return text + "."


def _delete_events(engine: Engine, *conditions) -> tuple:
    """Delete matching events (SQLite overwrites the freed pages); returns (deleted, highest id left)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")  # overwrite the freed pages, not just unlink them
        deleted = conn.execute(events.delete().where(*conditions)).rowcount or 0
        return deleted, highest_event_id(conn)


def purge_older_than(tracker: Engine, analytics: Engine, age: timedelta, now: float = None,
                     copy: Optional[Engine] = None) -> PurgeResult:
    """``copy``: the analytics database's copy of the events, when the analytics read it (production);
    then the copy is folded and purged, and Rasa's store ``tracker`` is purged too."""
    source = copy if copy is not None else tracker
    refreshed = Refresher(source, analytics).run()
    cutoff = (now or time.time()) - age.total_seconds()
    # Never delete an event the aggregates have not seen (id above the mark).
    deleted, highest_left = _delete_events(source, events.c.timestamp < cutoff, events.c.id <= refreshed.high_water_mark)
    lower_mark_after_delete(analytics, highest_left)
    from_tracker = 0
    if copy is not None:
        with copy.begin() as conn:
            event_copy.forget_before(conn, cutoff)
        from_tracker, _ = _delete_events(tracker, events.c.timestamp < cutoff)
    return PurgeResult(deleted=deleted, refreshed=refreshed.events_read, deleted_from_tracker=from_tracker)


def delete_sender(tracker: Engine, analytics: Engine, sender_id: str, copy: Optional[Engine] = None) -> int:
    """Remove every raw event of ``sender_id``; returns how many were deleted from the tracker store.

    The refresh before it takes even the newest events (no settle time): the conversation being
    deleted just happened, and its counts must be folded before its events go. With a ``copy``
    (production), the copy is folded, the teen's rows in it are deleted too and a tombstone stops
    their events still in RabbitMQ from coming back; those not yet copied are not counted."""
    source = copy if copy is not None else tracker
    Refresher(source, analytics, settle_seconds=0).run()
    deleted, highest_left = _delete_events(tracker, events.c.sender_id == sender_id)
    if copy is None:
        lower_mark_after_delete(analytics, highest_left)
    else:
        event_copy.erase_sender(copy, sender_id)
    with analytics.begin() as conn:
        key = pseudonym(sender_salt(conn), sender_id)
        anonymous = "x" + secrets.token_hex(15)
        conn.execute(user_days.update().where(user_days.c.user_key == key).values(user_key=anonymous))
        conn.execute(conversations.update().where(conversations.c.user_key == key).values(user_key=anonymous))
        conn.execute(senders.delete().where(senders.c.sender_key == key))
        conn.execute(tags.delete().where(tags.c.sender_key == key))
    return deleted
