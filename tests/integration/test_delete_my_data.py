""""Delete my data" / "borrar mis datos" through the real server: asked once, then the conversation is gone.

After the teen confirms, no raw event of theirs is left in the tracker database (checked in the
database file itself), the counts of that conversation are still in the aggregates, and the
next message starts a fresh conversation. Saying no deletes nothing.
"""
from __future__ import annotations

import sqlite3
import time

import pytest

from bot.analytics import database, filters, queries
from bot.analytics.refresh import Refresher

pytestmark = pytest.mark.servers


def _events_of(assistant, sender):
    with sqlite3.connect(assistant.db) as conn:
        return conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def _today_messages(assistant):
    today = time.strftime("%Y-%m-%d", time.gmtime())
    engine = database.engine(f"sqlite:///{assistant.db}")
    Refresher(engine, engine).run()  # the aggregates live beside the events, as in the default set-up
    with engine.connect() as conn:
        return queries.metric_total(conn, filters.parse({"from": today, "to": today, "demo": "1"}), "user_messages")


@pytest.mark.parametrize("language, story, ask, yes, done", [
    ("en", "a guy on insta keeps asking me to drive stuff to el paso", "delete my data", "yes", "this chat is deleted"),
    # Runs after the English case: its deletion removed the newest events, and SQLite then reused their
    # ids for this conversation (the refresh's mark must come down after a delete, or these are lost).
    ("es", "un vato en tiktok me ofrece lana por manejar a la frontera", "borrar mis datos", "sí", "borré esta conversación"),
])
def test_confirmed_deletion_erases_the_conversation_and_keeps_the_counts(assistant, language, story, ask, yes, done):
    sender = assistant.new_sender(f"delete-{language}")
    assistant.texts(sender, story)
    asked = assistant.texts(sender, ask)
    assert asked and ("delete this whole chat" in asked[-1] or "borre toda esta conversación" in asked[-1]), asked
    assert _events_of(assistant, sender) > 0
    messages_before = _today_messages(assistant)

    replies = assistant.texts(sender, yes)
    assert any(done in reply for reply in replies), replies
    assert _events_of(assistant, sender) == 0, "every raw event of this teen is gone"
    with open(assistant.db, "rb") as handle:
        assert story.encode() not in handle.read(), "SQLite's secure_delete overwrote the freed space"
    assert _today_messages(assistant) == messages_before + 1, "the counts stay (and the \"yes\" is counted too)"

    again = assistant.texts(sender, "hola" if language == "es" else "hi")
    assert again
    events = assistant.tracker(sender)["events"]
    texts = [e.get("text") for e in events if e["event"] == "user"]
    assert story not in texts and ask not in texts


def test_saying_no_keeps_everything(assistant):
    sender = assistant.new_sender("keep")
    assistant.texts(sender, "what are the red flags")
    assistant.texts(sender, "delete my data")
    replies = assistant.texts(sender, "no")
    assert any("nothing was deleted" in reply for reply in replies), replies
    assert _events_of(assistant, sender) > 0
    assert "what are the red flags" in [e.get("text") for e in assistant.tracker(sender)["events"] if e["event"] == "user"]
