"""The REST channel's body parsing: clear errors for bad requests, clean text for odd ones."""
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
