"""Fixtures for testing the action server's actions directly, without any server.

Why: the integration tests prove the whole path; these pin down what each action says and which
slots it sets for a given conversation state, quickly and one case at a time. A tracker is built
from slots and the latest message the way Rasa sends them to the action server.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def domain() -> Dict[str, Any]:
    return {}


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """``make_tracker(slots={...}, text="...", channel="rest")``: a tracker at that point of a chat."""

    def build(slots: Optional[Dict[str, Any]] = None, text: str = "", channel: str = "rest",
              sender_id: str = "test-teen") -> Tracker:
        latest = {"text": text, "intent": {"name": "inform", "confidence": 1.0}, "entities": []}
        events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
        return Tracker(sender_id, dict(slots or {}), latest, events, False, None, {}, "action_listen")

    return build

