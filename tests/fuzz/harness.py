"""The channels' webhook handlers, driven in-process without a server or Rasa.

Why not the real server: 10,000 HTTP round trips through Rasa per target would take most of an
hour; the NLU is not what these tests fuzz. So the blueprint's own ``receive`` handler is called
with a small stand-in for Sanic's Request (the few attributes the handlers read), and
``on_new_message`` is a stand-in for Rasa that answers like the assistant does: a reply that
quotes the teen's words (as the offer verdict quotes the offer) and a reply with buttons.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Dict, Optional

from bot.channels.identity import SenderIds
from bot.channels.state import SQLiteChannelState

LONG_PAYLOAD = '/check_offer{"offer_text": "' + "x" * 80 + '"}'  # over Telegram's 64-byte callback data
BUTTONS = [{"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
           {"title": "Check an offer", "payload": LONG_PAYLOAD}]


def memory_state() -> SQLiteChannelState:
    """The real SQLite channel state, in memory (no file, nothing left behind)."""
    return SQLiteChannelState(":memory:")


def sender_ids() -> SenderIds:
    return SenderIds(b"fuzz-sender-key-" * 3)


class Headers(dict):
    """Case-insensitive ``get``, like Sanic's headers."""

    def __init__(self, values: Dict[str, str]) -> None:
        super().__init__({key.lower(): value for key, value in values.items()})

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class FakeTracker:
    def __init__(self, language: str) -> None:
        self.language, self.events = language, []

    def get_slot(self, name: str) -> Optional[str]:
        return self.language if name == "language" else None


class FakeTrackerStore:
    async def retrieve(self, sender_id: str) -> FakeTracker:
        return FakeTracker("es" if sender_id[-1] in "02468ace" else "en")


@dataclass
class FakeRequest:
    body: bytes
    headers: Headers
    path: str
    query_string: str = ""
    host: str = "127.0.0.1:5005"
    app: Any = field(default_factory=lambda: SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(
        tracker_store=FakeTrackerStore()))))

    @property
    def url(self) -> str:
        query = f"?{self.query_string}" if self.query_string else ""
        return f"http://{self.host}{self.path}{query}"


class StandInRasa:
    """``on_new_message`` for the channels: records each message, answers like the assistant."""

    def __init__(self) -> None:
        self.texts = []

    async def __call__(self, message) -> None:
        self.texts.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, f"You wrote: «{message.text[:200]}»")
        await message.output_channel.send_text_with_buttons(message.sender_id, "Is that right?", BUTTONS)


def handler(channel, name: str, on_new_message):
    """The function the channel's blueprint routes ``/<name>`` to."""
    blueprint = channel.blueprint(on_new_message)
    return next(route.handler for route in blueprint._future_routes if route.uri == f"/{name}")


class Loop:
    """One event loop for all the examples of a test (a new loop per example costs more than the handler)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.loop.close()
