"""The offer checker's actions: the verdict quotes the offer's own words, once each."""
from __future__ import annotations

import asyncio

import pytest

from actions.offers import MAX_REASONS, ActionCheckOffer, ValidateOfferForm
from tests.actions.helpers import responses

LURE_EN = "Need drivers tonight, $1500 per trip, no questions asked, text me on telegram, tonight only"
LURE_ES = "se buscan choferes pa hoy en la noche, 2 mil por viaje, borra el chat"


def run_check(dispatcher, domain, tracker):
    return asyncio.run(ActionCheckOffer().run(dispatcher, tracker, domain))


@pytest.mark.parametrize("language, lure, quotes", [
    ("en", LURE_EN, ['"tonight"', '"$1500 per trip"']),
    ("es", LURE_ES, ['"hoy en la noche"', '"2 mil por viaje"']),
])
def test_a_lure_gets_the_high_verdict_quoting_each_phrase_once(dispatcher, domain, make_tracker, language, lure, quotes):
    events = run_check(dispatcher, domain, make_tracker({"offer_text": lure, "language": language}))

    assert responses(dispatcher) == ["utter_offer_verdict_high", "utter_offer_next_steps_risky"]
    reasons = dispatcher.messages[0]["reasons"]
    bullets = reasons.splitlines()
    assert 1 < len(bullets) <= MAX_REASONS
    for quote in quotes:
        assert reasons.count(quote) == 1, reasons
    quoted = [line.split('"')[1].casefold() for line in bullets]
    assert len(quoted) == len(set(quoted)), f"a phrase is quoted twice: {bullets}"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["offer_risk"] == "high"
    assert slots["offer_text"] is None, "the offer text must not stay in the tracker"
    assert "night_work_for_cash" in slots["offer_flags"]


def test_a_phrase_that_raises_two_flags_gets_one_bullet_with_both_explanations(dispatcher, domain, make_tracker):
    run_check(dispatcher, domain, make_tracker({"offer_text": LURE_EN, "language": "en"}))

    tonight = next(line for line in dispatcher.messages[0]["reasons"].splitlines() if line.startswith('• "tonight"'))
    assert "Night driving" in tonight and "Pressure to decide" in tonight


def test_the_explanations_follow_the_teens_language_not_the_offers(dispatcher, domain, make_tracker):
    run_check(dispatcher, domain, make_tracker({"offer_text": LURE_EN, "language": "es"}))

    reasons = dispatcher.messages[0]["reasons"]
    assert '"tonight"' in reasons, "the quote stays in the offer's own words"
    assert "noche" in reasons and "Night driving" not in reasons


def test_an_ordinary_job_gets_the_low_verdict_with_its_good_signs(dispatcher, domain, make_tracker):
    offer = "Part-time barista job at Starbucks, apply online, interview required, W-2"
    events = run_check(dispatcher, domain, make_tracker({"offer_text": offer, "language": "en"}))

    assert responses(dispatcher) == ["utter_offer_verdict_low", "utter_offer_next_steps_low"]
    assert '"Starbucks"' in dispatcher.messages[0]["reasons"]
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"}["offer_risk"] == "low"


@pytest.mark.parametrize("text, expected", [
    ("", None),
    ("   ", None),
    ("is this legit?", None),          # only the question: the form asks for the offer itself
    (LURE_ES, LURE_ES),
])
def test_the_offer_text_slot_takes_an_offer_and_asks_again_for_anything_else(dispatcher, domain, make_tracker, text, expected):
    tracker = make_tracker({"language": "en"}, text=text)
    result = ValidateOfferForm().validate_offer_text(text, dispatcher, tracker, domain)

    assert result == {"offer_text": expected}
