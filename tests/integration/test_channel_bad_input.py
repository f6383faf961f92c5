"""Bad input on every channel endpoint: never a 5xx, and the server keeps serving.

Covers empty bodies, JSON where a form is expected (and the reverse), 100 KB bodies, invalid
UTF-8, odd content types, and 1,000 requests in a burst from one sender (the rate limit answers
once, politely, and the rest get nothing).
"""
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.channel_helpers import (
    SMS_PATH, TELEGRAM_PATH, new_chat_id, new_phone, sms, telegram, telegram_message, twilio_params,
    twiml_messages, update,
)

pytestmark = pytest.mark.servers

BIG = b"a=" + b"x" * 100_000
BODIES = {
    "empty": (b"", "application/x-www-form-urlencoded"),
    "json-instead-of-form": (b'{"From": "+15550000000", "Body": "hola"}', "application/json"),
    "form-instead-of-json": (b"From=%2B15550000000&Body=hola", "application/x-www-form-urlencoded"),
    "100KB": (BIG, "application/x-www-form-urlencoded"),
    "100KB-json": (b'{"update_id": 1, "message": {"text": "' + b"x" * 100_000 + b'"}}', "application/json"),
    "invalid-utf8": (b"From=%2B1555&Body=\xff\xfe\xfd hola", "application/x-www-form-urlencoded"),
    "invalid-utf8-json": (b'{"update_id": 5, "session": "abcdefgh12", "message": "\xff\xfe"}', "application/json"),
    "xml": (b"<Response><Message>hi</Message></Response>", "application/xml"),
    "multipart-junk": (b"--xyz\r\nContent-Disposition: form-data; name=\"Body\"\r\n\r\nhola\r\n", "multipart/form-data; boundary=xyz"),
    "no-content-type": (b"hola", ""),
    "octet-stream": (bytes(range(256)) * 10, "application/octet-stream"),
    "json-list": (b"[1, 2, 3]", "application/json"),
    "json-null": (b"null", "application/json"),
}
ENDPOINTS = {
    "sms": (SMS_PATH, {}),
    "telegram-no-secret": (TELEGRAM_PATH, {}),
    "telegram-with-secret": (TELEGRAM_PATH, {"secret": True}),
    "demo": ("/webhooks/demo/webhook", {}),
    "rest": ("/webhooks/rest/webhook", {}),
}


@pytest.mark.parametrize("body_name", list(BODIES))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_bad_bodies_never_get_a_5xx(assistant, endpoint, body_name):
    path, options = ENDPOINTS[endpoint]
    body, content_type = BODIES[body_name]
    headers = {"X-Telegram-Bot-Api-Secret-Token": assistant.channels["telegram_secret"]} if options.get("secret") else {}
    status, _ = assistant.raw_post(path, body, content_type=content_type, headers=headers)
    assert status < 500, status
    if endpoint in ("sms", "telegram-no-secret"):
        assert status == 403  # unsigned: refused before anything is read


def test_signed_sms_with_odd_fields_never_gets_a_5xx(assistant):
    phone = new_phone()
    for params in (
        {"From": phone},  # no Body, no MessageSid
        twilio_params(phone, "hola \x00\x01 \u202e"),
        twilio_params(phone, "¡" * 3000),
    ):
        status, body = sms(assistant, params)
        assert status == 200 and twiml_messages(body), params.get("Body", "")[:20]
    # over 64 KB is no Twilio request (a Body is at most 1,600 characters): refused unread
    assert sms(assistant, twilio_params(phone, "x" * 100_000))[0] == 403
    status, _ = sms(assistant, {"Body": "no sender"})
    assert status == 400


def test_telegram_updates_with_odd_shapes_never_get_a_5xx(assistant):
    chat_id = new_chat_id()
    for payload in (
        {"update_id": 1},
        {"update_id": 2, "message": None},
        {"update_id": 3, "message": {"text": "no chat"}},
        {"update_id": 4, "message": "not an object"},
        {"update_id": "five"},
        update(message=telegram_message(chat_id, "x" * 20_000)),
        update(message=telegram_message(chat_id, "hola \udcff")),
        update(callback_query={"id": "c", "from": {"id": chat_id, "is_bot": False, "first_name": "T"},
                               "chat_instance": "i", "data": "x" * 5000}),
    ):
        status, _ = telegram(assistant, payload)
        assert status < 500, payload


def _burst(send, n=1000, workers=16):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda i: send(i), range(n)))


def test_a_burst_of_1000_sms_from_one_sender_is_rate_limited_politely(assistant):
    phone = new_phone()
    results = _burst(lambda i: sms(assistant, twilio_params(phone, f"hola {i}")))
    statuses = [status for status, _ in results]
    assert all(status == 200 for status in statuses), sorted(set(statuses))
    answered = [twiml_messages(body) for _, body in results if twiml_messages(body)]
    limit_notes = [texts for texts in answered if "faster than I can read" in texts[0] or "más rápido" in texts[0]]
    assert len(limit_notes) == 1, len(limit_notes)
    assert len(answered) <= 21, len(answered)
    # the server still serves everyone else
    status, body = sms(assistant, twilio_params(new_phone(), "hola"))
    assert status == 200 and twiml_messages(body)


def test_a_burst_of_1000_telegram_updates_from_one_chat_never_gets_a_5xx(assistant):
    chat_id = new_chat_id()
    results = _burst(lambda i: telegram(assistant, update(message=telegram_message(chat_id, f"hey {i}"))))
    assert all(status == 200 for status, _ in results)
    texts = assistant.fake_bot_api.texts_to(chat_id)
    assert sum("faster than I can read" in t or "más rápido" in t for t in texts) == 1
    assert telegram(assistant, update(message=telegram_message(new_chat_id(), "hello")))[0] == 200


def test_a_burst_on_the_demo_page_never_gets_a_5xx(assistant):
    body = json.dumps({"session": "burst-session-1", "message": "hola"}).encode()
    results = _burst(lambda i: assistant.raw_post("/webhooks/demo/webhook", body), n=300)
    statuses = {status for status, _ in results}
    assert statuses <= {200, 429}, statuses
    assert assistant.texts(assistant.new_sender(), "hola")
