"""Fuzzing the offer analyzer (bot.offers) on arbitrary unicode, mixed scripts, emoji, huge numbers
and money-looking strings.

Properties: the analysis never fails inside (``error`` stays None: the analyzer's own catch-all
would otherwise hide a crash as a "medium" verdict), the risk is high, medium or low, every quoted
span is the original offer's own text at the offsets given (``text[start:end]``, never blank), and
the result is strict JSON (the CLI prints it, the action server sends it).
"""
import json

import pytest
from hypothesis import strategies as st

from bot.offers import default_analyzer
from tests.fuzz.strategies import Genome, fuzz, genome_text, money, teen_text

pytestmark = pytest.mark.fuzz

RISKS = {"high", "medium", "low"}


def offer(data: bytes) -> str:
    """A job-post-like text: lure words, money, platforms and noise, in any order and script."""
    g = Genome(data)
    parts = [g.choice(["need drivers tonight, 1500 a trip, hmu on telegram", "se buscan choferes, 2 mil por cabeza",
                       "pick up people near the border, $1000 per person, no questions asked, delete the chat",
                       "Need drivers tonight", "Se buscan choferes", "Cashier wanted at Joe's Diner, $15/hr, W-2",
                       "hmu", "Trabajo fácil", "", "EZ MONEYYY 💰💰", "no questions asked"])]
    while g.more():
        parts.append(money(g) if g.below(3) == 0 else genome_text(data[g.pos:g.pos + 12]))
        g.pos += 6
    return " ".join(parts)


def test_the_offer_analyzer_quotes_the_offer_and_never_fails_inside():
    analyzer = default_analyzer()
    risks = {risk: 0 for risk in RISKS}

    def check(case):
        text, language, explain_in, answers = case
        result = analyzer.analyze(text, language=language, answers=answers, explain_in=explain_in)
        assert result.error is None, (text, result.error)
        assert result.risk in RISKS and result.language in ("en", "es"), text
        assert result.truncated == (len(text) > analyzer.max_chars) and result.analyzed_chars <= analyzer.max_chars
        for flag in result.flags + result.protective:
            if flag.signal in analyzer.book.questions:  # an answered question: nothing to quote
                assert flag.evidence == "", (text, flag)
                continue
            assert 0 <= flag.start < flag.end <= len(text), (text, flag)
            assert text[flag.start:flag.end] == flag.evidence and flag.evidence.strip(), (text, flag)
        for amount in result.amounts:
            assert text[amount["start"]:amount["end"]] == amount["evidence"], (text, amount)
        json.dumps(result.to_dict(), allow_nan=False)
        risks[result.risk] += 1

    texts = st.one_of(st.binary(max_size=160).map(offer), st.binary(max_size=160).map(offer), teen_text(300))
    fuzz(st.tuples(texts, st.sampled_from([None, None, "en", "es", "es-MX", "fr", ""]),
                   st.sampled_from([None, "en", "es", "EN"]),
                   st.sampled_from([None, {}, {"drive_people": True}, {"pay_first": True, "move_app": False}, "yes"])),
         check)
    assert all(count > 100 for count in risks.values()), risks
