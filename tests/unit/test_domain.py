"""The domain's promises: every reply exists in both languages, numbers come from one file."""
import re
import string

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text

from bot.devtools.paths import ROOT
from bot.hotlines import HOTLINES_FILE, template_values

# Variables that custom actions pass when they send a response (actions/offers.py, actions/reports.py).
ACTION_VARIABLES = {"reasons", "case_code"}
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]


def _condition(variant, name):
    return {c["name"]: c["value"] for c in variant.get("condition", [])}.get(name)


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_english_and_spanish(name):
    languages = [_condition(v, "language") for v in RESPONSES[name]]
    assert "en" in languages and "es" in languages, f"{name} lacks a language variant: {languages}"
    assert None not in languages, f"{name} has a variant without a language condition"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_channel_variants_carry_the_language_condition_too(name):
    """A channel-specific variant without a language condition would win for both languages."""
    for channel in {v.get("channel") for v in RESPONSES[name]} - {None}:
        languages = {_condition(v, "language") for v in RESPONSES[name] if v.get("channel") == channel}
        assert languages == {"en", "es"}, f"{name} on {channel}: {languages}"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_placeholders_are_known_hotline_values(name):
    known = set(template_values()) | set(DOMAIN.get("slots", {})) | ACTION_VARIABLES
    for variant in RESPONSES[name]:
        fields = {f for _, f, _, _ in string.Formatter().parse(variant.get("text", "")) if f}
        assert fields <= known, f"{name}: unknown placeholders {fields - known}"


def test_no_phone_numbers_written_outside_the_hotline_file():
    domain_text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert not re.search(r"\d{3}[-.\s]?\d{3}[-.\s]?\d{4}|\b\d{5,6}\b|\b911\b|\b988\b", domain_text)


def test_hotline_file_has_the_verified_numbers():
    values = template_values(HOTLINES_FILE)
    assert values["trafficking_call"] == "1-888-373-7888"
    assert values["trafficking_text"] == "233733"
    assert values["emergency_call"] == "911"
    assert values["crisis_text_number"] == "741741"
    assert values["lifeline_number"] == "988"


def test_sms_sized_replies():
    """One idea per message: every text fits about two SMS segments once numbers are filled in."""
    values = template_values()
    for name, variants in RESPONSES.items():
        for variant in variants:
            text = interpolate_text(variant.get("text", ""), values)
            assert len(text) <= 330, f"{name} ({_condition(variant, 'language')}) is {len(text)} characters"


def test_buttons_point_at_domain_intents():
    for name, variants in RESPONSES.items():
        for variant in variants:
            for button in variant.get("buttons", []):
                assert button["payload"].lstrip("/") in DOMAIN["intents"]
                assert len(button["title"]) <= 20
