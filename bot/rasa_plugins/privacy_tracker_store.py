"""Rasa's SQL tracker store, plus "delete my data": the conversation is erased once the teen confirms.

Deleting from the action server would not work: Rasa saves the tracker after the action and
would write the whole session back. So the deletion happens here, right after the save that
stored ``utter_data_deleted`` (the reply to the teen's "yes"): every raw event of that sender is
deleted. Before that, the analytics fold the pending events (counts are kept) and the sender's
pseudonym is cut from them (``bot.analytics.purge.delete_sender``).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import turn_notes

logger = logging.getLogger(__name__)

CONFIRMED_ACTION = "utter_data_deleted"


def deletion_confirmed(tracker: DialogueStateTracker) -> bool:
    """True when the bot's answer to the latest user message is the "deleted" confirmation."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == CONFIRMED_ACTION:
            return True
    return False


class PrivacySQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            self._ping_before_use()

    def _ping_before_use(self) -> None:
        """Rebuild Rasa's engine with pool_pre_ping: after a PostgreSQL restart, pooled
        connections are dead, and without a ping each would fail one teen's message before the
        pool noticed. With it the service recovers on its own."""
        import sqlalchemy as sa
        from rasa.core.tracker_store import create_engine_kwargs

        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        turn_notes.record(tracker)  # what the channel reads after the turn, without a query
        if deletion_confirmed(tracker):
            loop = asyncio.get_running_loop()
            deleted = await loop.run_in_executor(None, self._delete_sender, tracker.sender_id)
            logger.info(f"Deleted {deleted} event(s) of one conversation at the teen's request.")

    def _delete_sender(self, sender_id: str) -> int:
        from bot.analytics import database, settings
        from bot.analytics.purge import delete_sender

        analytics_url = os.environ.get(settings.ENV_ANALYTICS_URL, "").strip()
        analytics = database.engine(analytics_url) if analytics_url else self.engine
        # Production (SENALES_ANALYTICS_EVENTS=copy): the analytics database also holds a copy of
        # the events from RabbitMQ, which goes too.
        copy = analytics if analytics_url and settings.events_from_copy() else None
        return delete_sender(self.engine, analytics, sender_id, copy=copy)
