"""SMS through Twilio, end to end: signed webhooks posted to the real Rasa server, TwiML read back."""
import pytest

from tests.integration.channel_helpers import new_phone, sms, twilio_params, twiml_messages

pytestmark = pytest.mark.servers


def _languages(texts, response_language):
    """Languages of the replies; numbered options (the SMS form of buttons) say theirs in the hint."""
    hints = {"Reply with a number:": "en", "Responde con un número:": "es"}
    found = {hints.get(t.split("\n")[0]) or response_language.get(t.split("\n\n" + next(
        (h for h in hints if "\n\n" + h in t), "\0"))[0].strip()) for t in texts}
    assert None not in found, f"replies not in domain.yml: {texts}"
    return found


def sms_sender_id(assistant, phone):
    from bot.channels.identity import SenderIds

    return SenderIds(assistant.channels["sender_key"].encode()).sender_id("sms", phone)


def _events_of(assistant, sender_id):
    import sqlite3

    with sqlite3.connect(assistant.db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone()[0]


def test_signed_spanish_sms_gets_a_spanish_twiml_reply(assistant, response_language):
    status, body = sms(assistant, twilio_params(new_phone(), "hola, q onda"))
    assert status == 200
    texts = twiml_messages(body)
    assert texts and _languages(texts, response_language) == {"es"}
    assert any("¡" in t for t in texts), texts  # "¡" reaches the teen as "¡", never "@"


def test_signed_english_sms_gets_an_english_twiml_reply(assistant, response_language):
    status, body = sms(assistant, twilio_params(new_phone(), "hey what are the red flags in a job offer"))
    assert status == 200
    texts = twiml_messages(body)
    assert texts and _languages(texts, response_language) == {"en"}
    assert all(len(t) <= 1600 for t in texts)


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "forged"], ids=["missing", "empty", "wrong", "forged"])
def test_unsigned_or_forged_sms_is_refused_and_reaches_no_conversation(assistant, signature):
    phone = new_phone()
    params = twilio_params(phone, "hola")
    if signature == "forged":  # signed for other parameters, then the body changed
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(assistant.channels["twilio_auth_token"]).compute_signature(
            assistant.channels["public_url"] + "/webhooks/sms/webhook", {**params, "Body": "something else"})
    status, _ = sms(assistant, params, signature=signature)
    assert status == 403
    assert _events_of(assistant, sms_sender_id(assistant, phone)) == 0  # reached no conversation
    status, body = sms(assistant, params)  # the same message, properly signed, is answered
    assert status == 200 and twiml_messages(body)
    assert _events_of(assistant, sms_sender_id(assistant, phone)) > 0


def test_signed_with_another_accounts_token_is_refused(assistant):
    from twilio.request_validator import RequestValidator

    params = twilio_params(new_phone(), "hola")
    signature = RequestValidator("someone-elses-token").compute_signature(
        assistant.channels["public_url"] + "/webhooks/sms/webhook", params)
    assert sms(assistant, params, signature=signature)[0] == 403


def test_a_retried_message_sid_gets_the_same_reply_and_no_second_turn(assistant):
    """Twilio retries only when it got no answer, so the teen never saw the first reply: the
    retry gets that reply, recorded, and the conversation does not run the message twice."""
    phone = new_phone()
    params = twilio_params(phone, "what are the red flags")
    first = twiml_messages(sms(assistant, params)[1])
    second_status, second = sms(assistant, params)
    assert first and second_status == 200 and twiml_messages(second) == first
    from bot.channels.identity import SenderIds

    sender_id = SenderIds(assistant.channels["sender_key"].encode()).sender_id("sms", phone)
    user_turns = [e for e in assistant.tracker(sender_id)["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_turns] == ["what are the red flags"]


def test_stop_is_confirmed_once_then_nothing_until_start(assistant):
    phone = new_phone()
    confirmation = twiml_messages(sms(assistant, twilio_params(phone, "STOP"))[1])
    assert confirmation and "START" in confirmation[0]
    for text in ("hola", "they threatened me", "stop", "HELP"):
        status, body = sms(assistant, twilio_params(phone, text))
        assert status == 200 and twiml_messages(body) == [], text
    back = twiml_messages(sms(assistant, twilio_params(phone, "START"))[1])
    assert back
    assert twiml_messages(sms(assistant, twilio_params(phone, "hola"))[1])


@pytest.mark.parametrize("word", ["stopall", "Unsubscribe", "cancel", "END", "quit", " stop. "])
def test_every_opt_out_word_is_recorded(assistant, word):
    phone = new_phone()
    assert twiml_messages(sms(assistant, twilio_params(phone, word))[1])
    assert twiml_messages(sms(assistant, twilio_params(phone, "hello"))[1]) == []


@pytest.mark.parametrize("word, expected", [("HELP", "Call 911"), ("ayuda", "Llama al 911")])
def test_help_and_ayuda_give_the_emergency_numbers(assistant, word, expected):
    from bot.hotlines import template_values

    texts = twiml_messages(sms(assistant, twilio_params(new_phone(), word))[1])
    joined = " ".join(texts)
    assert expected in joined and template_values()["trafficking_call"] in joined


@pytest.mark.parametrize("body", [None, "", "   "], ids=["mms-no-body", "empty-body", "spaces"])
def test_mms_without_text_or_empty_body_gets_a_helpful_reply(assistant, body):
    params = twilio_params(new_phone(), body, NumMedia="1", MediaUrl0="https://api.twilio.com/media/x",
                           MediaContentType0="image/jpeg")
    status, reply = sms(assistant, params)
    texts = twiml_messages(reply)
    assert status == 200 and texts and "words" in texts[0] + texts[-1]


def test_buttons_are_numbered_and_a_number_picks_the_payload(assistant):
    phone = new_phone()
    texts = twiml_messages(sms(assistant, twilio_params(phone, "menu"))[1])
    joined = "\n".join(texts)
    assert "1. Red flags" in joined and "Reply with a number" in joined, joined
    picked = twiml_messages(sms(assistant, twilio_params(phone, "1"))[1])
    red_flags = twiml_messages(sms(assistant, twilio_params(new_phone(), "what are the red flags"))[1])
    assert picked == red_flags


def test_slash_intents_typed_by_a_teen_go_through_the_nlu(assistant):
    from tests.integration.channel_helpers import new_phone as phone

    # "/danger_weapon" as text would skip the NLU in Rasa's own channels and trigger the danger path
    texts = twiml_messages(sms(assistant, twilio_params(phone(), '/danger_weapon{"language": "es"}'))[1])
    joined = " ".join(texts)
    assert texts and "911" not in joined, texts


def test_long_replies_are_split_into_sms_sized_messages(assistant):
    texts = twiml_messages(sms(assistant, twilio_params(new_phone(), "they said they will kill me if i dont drive"))[1])
    assert texts and all(len(t) <= 1600 for t in texts)
    assert sum(len(t) <= 330 for t in texts) == len(texts), [len(t) for t in texts]
    assert any("911" in t for t in texts)


def test_very_long_message_is_cut_and_the_teen_is_told(assistant):
    texts = twiml_messages(sms(assistant, twilio_params(new_phone(), "hola " * 1000))[1])
    assert texts and "first 2000 characters" in texts[0] or "primeros 2000" in texts[0], texts


@pytest.mark.parametrize("text", ["they said they will kill me if i dont drive tonight",
                                  "me amenazaron con matar a mi familia si no manejo"])
def test_danger_replies_reach_sms_whole(assistant, text):
    """Splitting and numbering never lose or change a word of a danger reply."""
    pieces = twiml_messages(sms(assistant, twilio_params(new_phone(), text))[1])
    rest = assistant.texts(assistant.new_sender(), text)
    assert any("911" in p for p in pieces)
    # SMS adds numbered options after a reply with buttons; everything else is the same words
    without_options = [p.split("\n\nReply with a number:")[0].split("\n\nResponde con un número:")[0] for p in pieces]
    assert " ".join(without_options).split() == " ".join(rest).split()


def test_a_message_whose_instance_died_after_the_turn_is_not_run_twice(assistant):
    """The instance ran the turn (it is in the tracker store) and died before it recorded the
    reply: the retry, which takes over the expired claim, answers from the tracker instead."""
    import sqlite3

    from bot.channels.identity import SenderIds

    phone = new_phone()
    params = twilio_params(phone, "how do i say no")
    first = twiml_messages(sms(assistant, params)[1])
    with sqlite3.connect(assistant.channels["channels_db"]) as db:  # as a crash would leave it
        db.execute("UPDATE seen SET status = 'processing', lease_until = 0, reply = NULL WHERE message_id = ?",
                   (params["MessageSid"],))
    status, again = sms(assistant, params)
    assert first and status == 200 and twiml_messages(again) == first
    sender_id = SenderIds(assistant.channels["sender_key"].encode()).sender_id("sms", phone)
    assert [e["text"] for e in assistant.tracker(sender_id)["events"] if e["event"] == "user"] == ["how do i say no"]
