"""What a channel needs to know about the turn that just ran, noted when Rasa saves the tracker.

Why: after each turn the SMS, Telegram and demo channels need the conversation's language (for
their own texts) and whether the teen just agreed to be written back (the only time their
address is kept). Reading the tracker back from the tracker store for that costs a query and a
replay of the whole conversation on every message. Rasa saves the tracker in this same process
right before it returns the replies, so the tracker store (bot.rasa_plugins.privacy_tracker_store)
notes those two facts here and the channel takes them. A channel that finds no note (another
tracker store is configured) reads the tracker as before.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

CONSENT_SLOT = "report_contact_back"
MAX_NOTES = 10_000  # notes are taken right after the turn; this only bounds what is never taken


@dataclass(frozen=True)
class TurnNote:
    language: Optional[str]
    consented: bool


_notes: "OrderedDict[str, TurnNote]" = OrderedDict()
_lock = threading.Lock()


def consented_this_turn(tracker) -> bool:
    """True when this turn set ``report_contact_back`` to yes (the form resets it right after)."""
    for event in reversed(tracker.events):
        if getattr(event, "type_name", None) == "user":
            return False
        if getattr(event, "type_name", None) == "slot" and event.key == CONSENT_SLOT and event.value is True:
            return True
    return False


def note_of(tracker) -> TurnNote:
    return TurnNote(tracker.get_slot("language"), consented_this_turn(tracker))


def record(tracker) -> None:
    with _lock:
        _notes.pop(tracker.sender_id, None)
        _notes[tracker.sender_id] = note_of(tracker)
        while len(_notes) > MAX_NOTES:
            _notes.popitem(last=False)


def take(sender_id: str) -> Optional[TurnNote]:
    with _lock:
        return _notes.pop(sender_id, None)
