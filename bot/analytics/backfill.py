"""``bot analytics backfill --since --until``: copy into the analytics copy what RabbitMQ never delivered.

While RabbitMQ is down, Rasa keeps answering teens and writing its tracker store, but the events
of that gap never reach the copy. Backfill reads Rasa's store for the window (by event
timestamp) and writes each event through ``event_copy.write``: the same key as the consumer's,
so events the copy already has are skipped, and an erased teen's past stays erased.

Known limit: the refresh folds events in the order they were copied, so a conversation that spans
the gap is folded partly after its later turns; message, topic and offer counts stay exact,
per-conversation figures (reply time, mid-form) of such conversations may be off.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import event_copy
from bot.analytics.database import events


def parse_instant(text: str, label: str) -> float:
    """ISO 8601 date or date-time; without a zone, UTC."""
    try:
        moment = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--{label} must be an ISO date or date-time like 2026-11-27 or 2026-11-27T14:30:00Z, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


@dataclass
class BackfillResult:
    read: int
    copied: event_copy.WriteResult

    def summary(self) -> str:
        c = self.copied
        return (f"Read {self.read} event(s) of the window from the tracker store: {c.written} copied, "
                f"{c.duplicates} already in the copy, {c.erased} of erased conversations left out.")


def backfill(tracker: Engine, copy: Engine, since: float, until: float, batch_size: int = 2000) -> BackfillResult:
    if until <= since:
        raise ValueError("--until must be after --since")
    event_copy.ensure_tables(copy)
    total, last_id = event_copy.WriteResult(), 0
    read = 0
    while True:
        with tracker.connect() as conn:
            rows = conn.execute(
                sa.select(events).where(events.c.timestamp >= since, events.c.timestamp < until, events.c.id > last_id)
                .order_by(events.c.id).limit(batch_size)
            ).fetchall()
        if not rows:
            break
        read += len(rows)
        last_id = rows[-1].id
        total.add(event_copy.write(copy, [event_copy.from_tracker_row(row) for row in rows]))
    return BackfillResult(read, total)
