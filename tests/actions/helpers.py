"""Assertion helpers shared by the action tests (fixtures live in conftest.py)."""
from __future__ import annotations

from typing import List, Optional

from rasa_sdk.executor import CollectingDispatcher


def responses(dispatcher: CollectingDispatcher) -> List[Optional[str]]:
    """The response names the action asked for, in order."""
    return [message.get("response") for message in dispatcher.messages]
