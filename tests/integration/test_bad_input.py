"""Bad input through the REST channel gets a polite answer, never a 5xx, and the server lives on."""
import json

import pytest

pytestmark = pytest.mark.servers


@pytest.mark.parametrize(
    "message",
    ["", "   ", "a" * 5000, "hola " * 1000, "😂🔥💯" * 50, "/greet", '/red_flags{"language": "es"}',
     '/intent_that_does_not_exist{"x": 1}', "/", "{}", "\x00\x01\x02", "<script>alert(1)</script>"],
    ids=["empty", "spaces", "5000-chars", "5000-spanish", "emoji", "slash-intent", "slash-intent-entities",
         "slash-unknown", "slash", "braces", "control-chars", "html"],
)
def test_odd_text_gets_a_polite_reply(assistant, message):
    sender = assistant.new_sender("bad")
    replies = assistant.send(sender, message)
    assert replies and all(r.get("text") for r in replies), replies


@pytest.mark.parametrize(
    "body",
    [b'{"sender": "x", "message": "\xff\xfe hola"}', b"not json at all", b"", b'{"message": 5}', b"[]"],
    ids=["invalid-utf8", "not-json", "empty-body", "number-message", "json-list"],
)
def test_malformed_requests_are_refused_without_5xx(assistant, body):
    status, _ = assistant.raw_post("/webhooks/rest/webhook", body)
    assert status < 500, status
    # and the server still answers the next teen
    assert assistant.texts(assistant.new_sender(), "hola")


def test_invalid_utf8_inside_valid_json_escape(assistant):
    body = json.dumps({"sender": assistant.new_sender("bad"), "message": "hola \udcff"}).encode()
    status, reply = assistant.raw_post("/webhooks/rest/webhook", body)
    assert status < 500, (status, reply)


@pytest.mark.parametrize("message", ["a " * 2500, "!!!???" * 200], ids=["a-times-2500", "punctuation"])
def test_long_babble_gets_the_fallback_not_danger(assistant, message):
    """DIET once gave 2,500 "a"s danger_threat, later the report options; wordless noise gets the
    fallback ("say it another way" and the menu)."""
    sender = assistant.new_sender("bad")
    assert assistant.texts(sender, message)
    tracker = assistant.tracker(sender)
    assert tracker["slots"]["escalated"] is False
    assert tracker["latest_message"]["intent"]["name"] == "nlu_fallback"


@pytest.mark.parametrize("message", ["", "   "], ids=["empty", "spaces"])
def test_an_empty_message_gets_the_fallback_and_the_menu(assistant, message):
    """Nothing to read is not "out of scope": the teen gets "say it another way" and the buttons."""
    sender = assistant.new_sender("bad")
    replies = assistant.send(sender, message)
    assert any(r.get("buttons") for r in replies), replies
    assert assistant.tracker(sender)["latest_message"]["intent"]["name"] == "nlu_fallback"
