"""Fuzzing the REST channel's body parser: any bytes give a parsed body or a BadRequest, nothing else.

An exception other than BadRequest would reach Sanic and answer the caller with a 500.
"""
import pytest
from hypothesis import strategies as st

from bot.channels.rest import MAX_SENDER_CHARS, BadRequest, parse_body
from tests.fuzz.strategies import Genome, fuzz, genome_json, genome_text, hostile_json, to_json_bytes

pytestmark = pytest.mark.fuzz


def rest_like(data: bytes) -> bytes:
    """A body with "sender", "message" and "metadata" of a right type (the genome's simplest
    choice, 0), of any JSON type, of an odd value, or absent."""
    g = Genome(data)
    body = {}
    for key, right in (("sender", "text"), ("message", "text"), ("metadata", "object")):
        kind = g.below(6)
        if kind in (0, 1, 2) and right == "text":
            body[key] = genome_text(bytes(g.byte() for _ in range(g.below(40)))) or "hola"
        elif kind in (0, 1, 2):
            body[key] = {"demo": bool(kind), "x": genome_json(g)} if kind else None
        elif kind == 3:
            body[key] = genome_json(g)
        elif kind == 4:
            body[key] = g.choice([7, 0, -3, 2.5, True, "", " ", {}, []])
    return to_json_bytes(body)


def test_rest_body_parser_answers_every_body_with_a_body_or_a_bad_request():
    outcomes = {"parsed": 0, "refused": 0}

    def check(raw: bytes) -> None:
        try:
            body = parse_body(raw)
        except BadRequest as error:
            assert str(error)
            outcomes["refused"] += 1
            return
        assert isinstance(body["message"], str) and isinstance(body["sender"], str), raw
        assert body["sender"].strip() and len(body["sender"]) <= MAX_SENDER_CHARS, raw
        body["message"].encode("utf-8")  # cleaned: no lone surrogates left
        body["sender"].encode("utf-8")
        assert body.get("metadata") is None or isinstance(body["metadata"], dict), raw
        outcomes["parsed"] += 1

    fuzz(st.one_of(st.binary(max_size=200).map(rest_like), st.binary(max_size=200).map(rest_like), hostile_json), check)
    assert outcomes["parsed"] > 500 and outcomes["refused"] > 500, outcomes
