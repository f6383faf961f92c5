"""The REST channel's body parsing: clear errors for bad requests, clean text for odd ones."""
import json

import pytest

from bot.channels.rest import BadRequest, parse_body
from bot.channels.text import clean_text


@pytest.mark.parametrize(
    "raw, fragment",
    [(b"", "empty body"), (b"   ", "empty body"), (b"nope", "not JSON"), (b"[1]", "not an object"),
     (b'{"sender": "a"}', "message"), (b'{"message": "hi"}', "sender"), (b'{"sender": "a", "message": {}}', "text"),
     (b'{"sender": "a", "message": "x", "metadata": 3}', "metadata")],
)
def test_bad_bodies_are_refused_with_a_reason(raw, fragment):
    with pytest.raises(BadRequest, match=fragment):
        parse_body(raw)


def test_invalid_utf8_is_decoded_leniently():
    body = parse_body(b'{"sender": "a", "message": "\xff hola"}')
    assert body["message"].endswith("hola")


def test_lone_surrogates_and_control_characters_are_cleaned():
    assert clean_text("hola \udcff\x00 amigo") == "hola \ufffd  amigo"
    clean_text("\udcff").encode("utf-8")  # encodable now


def test_numbers_are_accepted_as_text():
    assert parse_body(b'{"sender": 7, "message": 5}') == {"sender": "7", "message": "5"}


@pytest.mark.parametrize("raw", [b"[" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
                                 b'{"sender": "a", "message": ' + b"7" * 5000 + b"}"])
def test_json_too_deep_or_with_a_number_too_long_is_a_bad_request_not_a_crash(raw):
    # Found by tests/fuzz: json.loads raises RecursionError / ValueError here, not JSONDecodeError.
    with pytest.raises(BadRequest, match="too deeply nested or with a number too long"):
        parse_body(raw)


@pytest.mark.parametrize("sender", ["\u0000", "\u0000 \u0001", "\x7f\t"])
def test_a_sender_of_control_characters_only_is_missing(sender):
    # Found by tests/fuzz: it passed the check, then cleaned to "", one conversation for all such callers.
    with pytest.raises(BadRequest, match="sender"):
        parse_body(json.dumps({"sender": sender, "message": "hola"}).encode())
