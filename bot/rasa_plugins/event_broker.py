"""Rasa's RabbitMQ event broker, made to ride out a RabbitMQ outage and to say so in the log.

Why: the broker feeds the analytics, never the conversation. With Rasa's own PikaEventBroker a
RabbitMQ that is down when Rasa starts stops Rasa from starting, and a failed publish is logged
with the teen's message in it. Here:

- Rasa starts and answers teens even when RabbitMQ is down; the broker keeps trying to connect
  in the background;
- events that cannot be published are held in memory (at most ``max_held_events``) and published
  when the connection is back (aio-pika's robust connection reconnects by itself);
- the gap is logged twice, without any message content: when it starts, and when it ends with
  its length, the number of events held and any dropped, and the backfill command that copies
  dropped events from the tracker store (which has every event) into the analytics.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.pika import PikaEventBroker

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 5.0
PUBLISH_TIMEOUT_SECONDS = 5.0


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class GapLoggingPikaEventBroker(PikaEventBroker):
    def __init__(self, *args: Any, max_held_events: int = 100_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_held_events = int(max_held_events)
        self.gap_started: Optional[float] = None
        self.dropped = 0
        self._connector: Optional[asyncio.Task] = None

    @classmethod
    async def from_endpoint_config(cls, broker_config, event_loop=None) -> Optional["GapLoggingPikaEventBroker"]:
        if broker_config is None:
            return None
        broker = cls(broker_config.url, **broker_config.kwargs, event_loop=event_loop)
        try:
            await broker.connect()
        except Exception as error:  # RabbitMQ down at start: answer teens anyway
            broker._open_gap(type(error).__name__)
            broker._connector = broker._loop.create_task(broker._keep_connecting())
        return broker

    async def _keep_connecting(self) -> None:
        while self._exchange is None:
            await asyncio.sleep(RECONNECT_SECONDS)
            try:
                await self.connect()
            except Exception:
                continue
        self._publish_unpublished_messages()

    def _open_gap(self, reason: str) -> None:
        if self.gap_started is None:
            self.gap_started = time.time()
            logger.error(
                "Event broker: RabbitMQ at %s unreachable (%s) since %s; teens still get replies, "
                "events for the analytics are held in memory until it is back",
                self.host, reason, _iso(self.gap_started),
            )

    def _close_gap(self) -> None:
        if self.gap_started is None:
            return
        ended = time.time()
        logger.warning(
            "Event broker: RabbitMQ back; gap from %s to %s (%.0f s); %d held event(s) published, %d dropped%s",
            _iso(self.gap_started), _iso(ended), ended - self.gap_started, len(self._unpublished_events), self.dropped,
            f"; copy them with `bot analytics backfill --since {_iso(self.gap_started)} --until {_iso(ended)}`"
            if self.dropped else "",
        )
        self.gap_started, self.dropped = None, 0

    def _hold(self, event: Dict[Text, Any]) -> None:
        if len(self._unpublished_events) >= self.max_held_events:
            self._unpublished_events.popleft()
            self.dropped += 1
        self._unpublished_events.append(event)

    async def _publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        connected = self._exchange is not None and self._connection is not None and not self._connection.is_closed
        if not connected:
            self._open_gap("not connected")
            self._hold(event)
            return
        try:
            await asyncio.wait_for(self._exchange.publish(self._message(event, headers), ""), PUBLISH_TIMEOUT_SECONDS)
        except Exception as error:  # logged without the event: it holds the teen's words
            self._open_gap(type(error).__name__)
            self._hold(event)
            return
        if self.gap_started is not None:
            self._close_gap()
            self._publish_unpublished_messages()
