"""The channels' small parts, without a server: splitting, keywords, ids, state, texts, CLI."""
import re

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from bot.channels import identity, inbound, keywords, messages, splitting
from bot.channels.ratelimit import RateLimiter
from bot.channels.state import SQLiteChannelState
from bot.hotlines import HOTLINES_FILE, template_values

WORDS = st.text(alphabet=st.sampled_from(list("abcdeñ¡¿ .!?\n")), min_size=0, max_size=5000)


@hypothesis_settings(max_examples=200, deadline=None)
@given(WORDS)
def test_splitting_keeps_every_word_and_respects_the_limits(text):
    for pieces, limit in ((splitting.split_sms(text), splitting.SMS_MAX), (splitting.split_telegram(text), splitting.TELEGRAM_MAX)):
        assert all(0 < len(p) <= limit for p in pieces)
        assert "".join("".join(pieces).split()) == "".join(text.split())


def test_sms_pieces_keep_to_about_320_where_sentences_allow():
    text = " ".join(f"Sentence number {i} is short." for i in range(60))
    pieces = splitting.split_sms(text)
    assert len(pieces) > 1 and all(len(p) <= 320 for p in pieces)


def test_a_short_reply_is_one_piece_unchanged():
    text = "¡Hola! Llama al 911."
    assert splitting.split_sms(text) == [text]


@pytest.mark.parametrize("text, expected", [
    ("STOP", "opt_out"), ("stop.", "opt_out"), (" Unsubscribe ", "opt_out"), ("stopall", "opt_out"),
    ("START", "opt_in"), ("unstop", "opt_in"), ("HELP", "help_en"), ("ayuda", "help_es"), ("Ayuda!", "help_es"),
    ("stop texting me", None), ("necesito ayuda", None), ("", None),
])
def test_keywords_count_only_as_the_whole_message(text, expected):
    assert keywords.keyword(text) == expected


def test_rate_limit_allows_the_limit_then_warns_once_then_drops_until_the_window_frees():
    now = [0.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(6)] == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert limiter.check("b") == "ok"
    now[0] = 61
    assert limiter.check("a") == "ok"


def test_sender_ids_are_stable_keyed_and_hide_the_address():
    ids = identity.SenderIds(b"k" * 40)
    phone = "+15551234567"
    sms_id = ids.sender_id("sms", phone)
    assert sms_id == ids.sender_id("sms", phone) and sms_id.startswith("sms-")
    assert "5551234567" not in sms_id
    assert ids.sender_id("telegram", phone) != sms_id
    assert identity.SenderIds(b"j" * 40).sender_id("sms", phone) != sms_id


def test_sender_key_file_is_created_0600_locally_and_required_in_production(tmp_path):
    key_file = tmp_path / "sender.key"
    env = {"SENALES_SENDER_KEY_FILE": str(key_file)}
    with pytest.raises(identity.SenderKeyError):
        identity.load_key({**env, "SENALES_ENV": "production"})
    assert not key_file.exists()
    key = identity.load_key(env)
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key) >= 32
    assert identity.load_key(env) == key
    with pytest.raises(identity.SenderKeyError):
        identity.load_key({"SENALES_SENDER_KEY": "short"})


def test_channel_state(tmp_path):
    state = SQLiteChannelState(tmp_path / "channels.db")
    assert state.claim("sms", "SM1", 20).status == "new" and state.claim("sms", "SM1", 20).status == "busy"
    assert state.claim("telegram", "SM1", 20).status == "new"
    assert not state.opted_out("sms-x")
    state.set_opted_out("sms-x", True)
    assert state.opted_out("sms-x")
    state.set_buttons("sms-x", {"1": "/red_flags"})
    assert state.buttons("sms-x") == {"1": "/red_flags"} and state.opted_out("sms-x")
    state.set_language("sms-x", "es")
    assert SQLiteChannelState(tmp_path / "channels.db").language("sms-x") == "es"


def test_teen_text_never_becomes_an_intent_command():
    text, cut = inbound.prepare('/danger_weapon{"language": "es"}')
    assert not text.startswith("/") and "danger_weapon" in text and not cut
    assert inbound.prepare("  //greet")[0].startswith("\uff0f\uff0f")
    long_text, cut = inbound.prepare("palabra " * 1000)
    assert cut and len(long_text) <= inbound.MAX_INPUT_CHARS and long_text.endswith("palabra")


def test_numbered_options_map_back_only_to_offered_payloads():
    offered = inbound.numbered_buttons([{"title": "Red flags", "payload": "/red_flags"}, {"title": "No", "payload": "/deny"}])
    assert inbound.chosen_payload("2", offered) == "/deny"
    assert inbound.chosen_payload(" 1. ", offered) == "/red_flags"
    assert inbound.chosen_payload("3", offered) is None and inbound.chosen_payload("1", {}) is None


def test_channel_texts_exist_in_both_languages_are_short_and_take_numbers_from_hotlines_yml():
    raw = (messages.MESSAGES_FILE).read_text(encoding="utf-8")
    for number in template_values().values():
        if re.search(r"\d{3}", number):
            assert number not in raw, f"{number} typed in messages.yml; use its name from {HOTLINES_FILE.name}"
    for key in messages.keys():
        for language in ("en", "es"):
            text = messages.text(key, language, limit=2000)
            assert text and "{" not in text and len(text) <= 300, (key, language)
    assert template_values()["trafficking_call"] in messages.text("help", "es")
    assert "Call" in messages.text("help", None) and "Llama" in messages.text("help", None)


def test_set_webhook_command_registers_the_secret_once(monkeypatch, capsys):
    from bot.cli import main
    from tests.fake_bot_api import FakeBotApi

    fake = FakeBotApi().start()
    try:
        monkeypatch.setenv("SENALES_TELEGRAM_TOKEN", fake.token)
        monkeypatch.setenv("SENALES_TELEGRAM_SECRET", "s3cret-for-the-webhook")
        monkeypatch.setenv("SENALES_TELEGRAM_API_URL", fake.url)
        assert main(["telegram", "set-webhook", "--url", "https://senales.example.org/"]) == 0
        calls = fake.calls_for("setWebhook")
        assert len(calls) == 1
        assert calls[0]["params"]["url"] == "https://senales.example.org/webhooks/telegram/webhook"
        assert calls[0]["params"]["secret_token"] == "s3cret-for-the-webhook"
        assert "callback_query" in calls[0]["params"]["allowed_updates"]
        assert main(["telegram", "set-webhook", "--url", "http://insecure.example.org"]) == 1
        assert len(fake.calls_for("setWebhook")) == 1
    finally:
        fake.stop()


@pytest.mark.parametrize("channel", ["bot.channels.twilio_sms.TwilioSmsInput", "bot.channels.telegram_bot.TelegramInput"])
def test_channels_refuse_to_start_in_production_without_a_sender_key(monkeypatch, tmp_path, channel):
    import importlib

    module, name = channel.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    monkeypatch.setenv("SENALES_ENV", "production")
    monkeypatch.delenv("SENALES_SENDER_KEY", raising=False)
    monkeypatch.setenv("SENALES_SENDER_KEY_FILE", str(tmp_path / "missing.key"))
    monkeypatch.setenv("SENALES_CHANNELS_DB", str(tmp_path / "channels.db"))
    with pytest.raises(identity.SenderKeyError):
        cls.from_credentials({})
    monkeypatch.setenv("SENALES_SENDER_KEY", "x" * 40)
    assert cls.from_credentials({}).name() in ("sms", "telegram")


def test_private_chat_id_is_read_only_from_a_private_chats_message():
    from bot.channels.telegram_bot import private_chat_id

    private = {"chat": {"id": 42, "type": "private"}, "text": "hola"}
    assert private_chat_id({"update_id": 1, "message": private}) == 42
    assert private_chat_id({"update_id": 1, "edited_message": private}) == 42
    assert private_chat_id({"update_id": 1, "message": {"chat": {"id": -5, "type": "group"}}}) is None
    assert private_chat_id({"update_id": 1, "callback_query": {"id": "x"}}) is None
    for odd in ({"message": "text"}, {"message": {"chat": {"id": "42", "type": "private"}}},
                {"message": {"chat": {"id": True, "type": "private"}}}, {"message": None}, {}):
        assert private_chat_id({"update_id": 1, **odd}) is None
