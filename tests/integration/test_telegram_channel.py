"""Telegram, end to end: updates posted to the real Rasa server with the webhook secret, replies
read from the fake Bot API server (tests/fake_bot_api.py) that stands in for Telegram's cloud."""
import time

import pytest

from tests.integration.channel_helpers import new_chat_id, telegram, telegram_message, update

pytestmark = pytest.mark.servers


def _send(assistant, chat_id, text=None, **fields):
    since = time.time()
    status, _ = telegram(assistant, update(message=telegram_message(chat_id, text, **fields)))
    assert status == 200
    return assistant.fake_bot_api.texts_to(chat_id, since)


def test_update_with_the_right_secret_is_answered_on_the_bot_api(assistant, response_language):
    chat_id = new_chat_id()
    texts = _send(assistant, chat_id, "hola, q onda")
    assert texts, "no sendMessage reached the fake Bot API"
    assert {response_language.get(t.strip()) for t in texts} == {"es"}, texts


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "test-telegram-secret-012345678"],
                         ids=["missing", "empty", "wrong", "one-char-short"])
def test_wrong_or_missing_secret_gets_403_and_sends_nothing(assistant, secret):
    chat_id = new_chat_id()
    since = time.time()
    status, _ = telegram(assistant, update(message=telegram_message(chat_id, "hola")), secret=secret)
    assert status == 403
    time.sleep(0.3)
    assert assistant.fake_bot_api.calls_for("sendMessage", chat_id, since) == []
    from bot.channels.identity import SenderIds
    import sqlite3

    sender_id = SenderIds(assistant.channels["sender_key"].encode()).sender_id("telegram", str(chat_id))
    with sqlite3.connect(assistant.db) as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone()[0] == 0


def test_menu_buttons_become_an_inline_keyboard_and_a_tap_is_answered(assistant, response_language):
    chat_id = new_chat_id()
    since = time.time()
    assert telegram(assistant, update(message=telegram_message(chat_id, "menu")))[0] == 200
    sent = assistant.fake_bot_api.calls_for("sendMessage", chat_id, since)
    keyboards = [c["params"]["reply_markup"]["inline_keyboard"] for c in sent if c["params"].get("reply_markup")]
    assert keyboards, sent
    buttons = [row[0] for row in keyboards[-1]]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    red_flags = next(b for b in buttons if b["text"] == "Red flags")

    since = time.time()
    tap = {"id": "cbq-1", "from": {"id": chat_id, "is_bot": False, "first_name": "Teen"}, "chat_instance": "ci",
           "data": red_flags["callback_data"], "message": {**telegram_message(chat_id, "menu"), "from": {
               "id": 7000000001, "is_bot": True, "first_name": "Señales test"}}}
    assert telegram(assistant, update(callback_query=tap))[0] == 200
    answers = assistant.fake_bot_api.calls_for("answerCallbackQuery", since=since)
    assert [a["params"]["callback_query_id"] for a in answers] == ["cbq-1"]
    texts = assistant.fake_bot_api.texts_to(chat_id, since)
    assert texts and texts == _send(assistant, new_chat_id(), "what are the red flags")


def test_a_tap_with_data_we_never_sent_is_answered_but_not_obeyed(assistant):
    chat_id = new_chat_id()
    since = time.time()
    tap = {"id": "cbq-forged", "from": {"id": chat_id, "is_bot": False, "first_name": "Teen"}, "chat_instance": "ci",
           "data": "/danger_weapon", "message": telegram_message(chat_id, "x")}
    assert telegram(assistant, update(callback_query=tap))[0] == 200
    answers = assistant.fake_bot_api.calls_for("answerCallbackQuery", since=since)
    assert [a["params"]["callback_query_id"] for a in answers] == ["cbq-forged"]
    assert assistant.fake_bot_api.texts_to(chat_id, since) == []


def test_my_chat_member_gets_200_and_no_message(assistant):
    chat_id = new_chat_id()
    since = time.time()
    member = {"chat": {"id": chat_id, "type": "private", "first_name": "Teen"},
              "from": {"id": chat_id, "is_bot": False, "first_name": "Teen"}, "date": int(time.time()),
              "old_chat_member": {"status": "member", "user": {"id": 7000000001, "is_bot": True, "first_name": "S"}},
              "new_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 7000000001, "is_bot": True, "first_name": "S"}}}
    status, _ = telegram(assistant, update(my_chat_member=member))
    assert status == 200
    assert assistant.fake_bot_api.texts_to(chat_id, since) == []


@pytest.mark.parametrize("command, expected", [("/help", "Call 911"), ("/ayuda", "Llama al 911"), ("/start", "Señales")])
def test_commands(assistant, command, expected):
    texts = _send(assistant, new_chat_id(), command)
    assert texts and expected in " ".join(texts), texts


@pytest.mark.parametrize("fields, expected", [
    ({"sticker": {"file_id": "s", "file_unique_id": "s", "width": 512, "height": 512, "is_animated": False,
                  "is_video": False, "type": "regular"}}, "words"),
    ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]}, "words"),
    ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}, "words"),
    ({"contact": {"phone_number": "+15551234567", "first_name": "Plug"}}, "phone numbers"),
], ids=["sticker", "photo", "voice", "contact"])
def test_non_text_messages_get_a_sensible_reply(assistant, fields, expected):
    texts = _send(assistant, new_chat_id(), None, **fields)
    assert texts and expected in texts[0], texts


def test_photo_with_a_caption_is_read(assistant):
    texts = _send(assistant, new_chat_id(), None, caption="what are the red flags",
                  photo=[{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}])
    assert texts and texts[0].startswith("Red flags"), texts


def test_edited_message_gets_200_and_a_nudge(assistant):
    chat_id = new_chat_id()
    since = time.time()
    edited = {**telegram_message(chat_id, "actually they threatened me"), "edit_date": int(time.time())}
    assert telegram(assistant, update(edited_message=edited))[0] == 200
    texts = assistant.fake_bot_api.texts_to(chat_id, since)
    assert texts and "new message" in texts[0]


def test_a_retried_update_is_answered_once(assistant):
    chat_id = new_chat_id()
    since = time.time()
    same = update(message=telegram_message(chat_id, "hello"))
    assert telegram(assistant, same)[0] == 200
    first = assistant.fake_bot_api.texts_to(chat_id, since)
    assert telegram(assistant, same)[0] == 200
    assert first and assistant.fake_bot_api.texts_to(chat_id, since) == first


@pytest.mark.parametrize("kind", ["channel_post", "poll", "message_reaction"])
def test_other_update_types_get_200(assistant, kind):
    bodies = {
        "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -100123, "type": "channel", "title": "c"}, "text": "hi"},
        "poll": {"id": "p", "question": "q", "options": [], "total_voter_count": 0, "is_closed": False,
                 "is_anonymous": True, "type": "regular", "allows_multiple_answers": False},
        "message_reaction": {"chat": {"id": 5, "type": "private"}, "message_id": 1, "date": 0, "old_reaction": [], "new_reaction": []},
    }
    assert telegram(assistant, update(**{kind: bodies[kind]}))[0] == 200


def test_a_teen_who_blocked_the_bot_costs_no_error_and_the_server_never_sets_the_webhook(assistant):
    chat_id = new_chat_id()
    assistant.fake_bot_api.blocked.add(chat_id)
    assert telegram(assistant, update(message=telegram_message(chat_id, "hola")))[0] == 200
    assert _send(assistant, new_chat_id(), "hello")
    assert assistant.fake_bot_api.calls_for("setWebhook") == []  # that is `bot telegram set-webhook`'s job


def test_slash_text_from_a_teen_goes_through_the_nlu(assistant):
    texts = _send(assistant, new_chat_id(), '/danger_weapon{"language": "es"}')
    assert texts and "911" not in " ".join(texts), texts


def test_a_long_message_is_cut_and_the_teen_is_told(assistant):
    texts = _send(assistant, new_chat_id(), "what are the red flags in this job offer " * 60)
    assert texts and "first 2000 characters" in texts[0], texts
    assert len(texts) > 1  # and the message itself was answered
