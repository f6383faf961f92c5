"""Fuzzing the English/Spanish detector (bot.language.detector) on arbitrary unicode and teen text.

Properties: a decision for every input, never an exception; the language is en, es or None (keep
the conversation's language), the reason one of the documented ones, the confidence in [0, 1];
and the decision depends only on the text (asking twice gives the same answer).
"""
import pytest
from hypothesis import strategies as st

from bot.language import LanguageDetector
from tests.fuzz.strategies import fuzz, teen_text

pytestmark = pytest.mark.fuzz

REASONS = {"explicit", "strong_word", "statistics", "mixed", "too_short", "uncertain"}


def test_the_language_detector_decides_on_any_text():
    detector = LanguageDetector()
    seen = set()

    def check(text):
        decision = detector.detect(text)
        assert decision.language in (None, "en", "es"), (text, decision)
        assert decision.reason in REASONS and 0.0 <= decision.confidence <= 1.0, (text, decision)
        assert (decision.language is None) == (decision.reason in ("mixed", "too_short", "uncertain")), (text, decision)
        again = detector.detect(text)  # lingua's confidence may differ in the last bit between calls
        assert (again.language, again.reason) == (decision.language, decision.reason), text
        assert again.confidence == pytest.approx(decision.confidence, abs=1e-9), text
        seen.add(decision.reason)

    fuzz(teen_text(300), check)
    assert REASONS <= seen, seen  # every branch of the detector was reached
