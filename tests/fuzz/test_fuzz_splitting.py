"""Fuzzing reply splitting (bot.channels.splitting): SMS and Telegram pieces.

Properties: no piece is over the channel's limit or blank; the pieces hold every character of the
text except whitespace, in order; and every word (a run without whitespace) no longer than the
limit comes back whole: only a word longer than the limit is ever cut inside.
"""
import pytest
from hypothesis import strategies as st

from bot.channels import splitting
from tests.fuzz.strategies import Genome, fuzz, genome_text, teen_text

pytestmark = pytest.mark.fuzz


def long_reply(data: bytes) -> str:
    """Replies near and past the limits: long paragraphs, long sentences, long words, odd whitespace."""
    g = Genome(data)
    unit = genome_text(data[g.pos:g.pos + 40]) or "palabra"
    repeat = g.choice([1, 10, 60, 200, 700])
    glue = g.choice([" ", "\n", "\t", ". ", "\n\n", "\u00a0", "  ", "\u2028"])
    long_word = "x" * g.choice([0, 321, 1601, 4097, 9000])
    return glue.join([unit] * repeat) + g.choice([" ", "\n", ""]) + long_word + " " + unit


def test_pieces_fit_the_channel_and_give_back_every_word():
    def check(text):
        for pieces, limit in ((splitting.split_sms(text), splitting.SMS_MAX),
                              (splitting.split_telegram(text), splitting.TELEGRAM_MAX)):
            assert all(0 < len(piece) <= limit and piece.strip() for piece in pieces), (text[:200], limit)
            assert "".join("".join(pieces).split()) == "".join(text.split()), (text[:200], limit)
            if all(len(word) <= limit for word in text.split()):
                assert " ".join(pieces).split() == text.split(), (text[:200], limit)

    fuzz(st.one_of(st.binary(max_size=80).map(long_reply), teen_text(300)), check)
