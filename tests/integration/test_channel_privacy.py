"""Privacy at the door: phone numbers and chat ids never reach the tracker store or the logs.

Runs real SMS and Telegram conversations (including a report where the teen agrees to be written
back, the one case where an address is kept, encrypted), then searches the bytes of the tracker
database, the channel state database and the Rasa server log for the addresses.
"""
import sqlite3
import time

import pytest

from tests.conftest import ARTIFACTS
from tests.integration.channel_helpers import (
    new_chat_id, new_phone, sms, telegram, telegram_message, twilio_params, twiml_messages, update,
)

pytestmark = pytest.mark.servers

REPORT_ANSWERS = ["how do i report them", "yes", "a guy on insta offered me 1000 to drive", "instagram",
                  "skip", "skip", "yes"]


def _forms(value: str):
    digits = "".join(ch for ch in value if ch.isdigit())
    return {value.encode(), digits.encode(), digits[-10:].encode()}


def _all_bytes(path):
    data = path.read_bytes()
    for suffix in ("-wal", "-shm", "-journal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_no_phone_number_or_chat_id_in_tracker_store_or_logs(assistant):
    phone, chat_id = new_phone(), new_chat_id()
    sms_replies = []
    for text in ["hola", *REPORT_ANSWERS]:
        status, body = sms(assistant, twilio_params(phone, text))
        assert status == 200
        sms_replies += twiml_messages(body)
    since = time.time()
    for text in ["hello", *REPORT_ANSWERS]:
        assert telegram(assistant, update(message=telegram_message(chat_id, text)))[0] == 200
    assert any("case code" in t.lower() or "código de caso" in t.lower() for t in sms_replies), sms_replies
    assert assistant.fake_bot_api.texts_to(chat_id, since)

    # the conversations are there, under pseudonymous ids
    with sqlite3.connect(assistant.db) as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert any(s.startswith("sms-") for s in senders) and any(s.startswith("tg-") for s in senders)

    # consent to be written back was given on both: an address is kept, but only encrypted
    channels_db = assistant.channels["channels_db"]
    with sqlite3.connect(channels_db) as db:
        kept = db.execute("SELECT COUNT(*) FROM reply_addresses").fetchone()[0]
    assert kept >= 2

    places = {"tracker store": assistant.db, "channel state": channels_db, "Rasa log": ARTIFACTS / "rasa.log"}
    for name, path in places.items():
        data = _all_bytes(path)
        for secret in _forms(phone) | _forms(str(chat_id)):
            assert secret not in data, f"{secret!r} found in the {name} ({path})"
