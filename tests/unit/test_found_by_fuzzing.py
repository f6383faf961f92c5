"""Regressions for the bugs tests/fuzz found in the channels and the offer analyzer (one test each)."""
import json
import xml.etree.ElementTree as ElementTree

from bot.channels import splitting, telegram_bot, twilio_sms
from bot.offers import analyze_offer
from bot.offers.money import MAX_AMOUNT
from tests.fuzz.harness import FakeRequest, Headers, Loop, StandInRasa, handler, memory_state, sender_ids


def test_words_separated_by_tabs_or_newlines_are_never_cut_inside():
    # A sentence over the limit whose words are not separated by " " used to be cut every
    # SMS_MAX characters, through the middle of words.
    text = "\t".join(["frontera"] * 400) + "\n" + "\u00a0".join(["need"] * 500)
    for pieces, limit in ((splitting.split_sms(text), splitting.SMS_MAX),
                          (splitting.split_telegram(text), splitting.TELEGRAM_MAX)):
        assert len(pieces) > 1 and all(len(piece) <= limit for piece in pieces)
        assert " ".join(pieces).split() == text.split()


def test_twiml_stays_well_formed_when_a_reply_quotes_characters_xml_cannot_carry():
    # The offer verdict quotes the teen's words; U+FFFF or U+FFFE in them made the TwiML
    # unparseable, so Twilio would drop the whole reply.
    response = twilio_sms.twiml(['You wrote: "\uffff easy \ufffe money \x01"'])
    texts = [m.text for m in ElementTree.fromstring(response.body).iter("Message")]
    assert texts == ['You wrote: "\ufffd easy \ufffd money \ufffd"']


def test_a_telegram_body_nested_too_deep_gets_400_not_a_crash():
    channel = telegram_bot.TelegramInput(token="1:t", secret="s", state=memory_state(), sender_ids=sender_ids())
    loop = Loop()
    try:
        receive = handler(channel, "webhook", StandInRasa())
        request = FakeRequest(body=b"[" * 5000, headers=Headers({telegram_bot.SECRET_HEADER: "s"}),
                              path="/webhooks/telegram/webhook")
        assert loop.run(receive(request)).status == 400
    finally:
        loop.close()


def test_a_pay_amount_with_hundreds_of_digits_stays_finite_and_still_counts():
    # float() of it was inf: the result was no longer valid JSON ("Infinity").
    result = analyze_offer("need drivers, $" + "9" * 400 + " per trip")
    assert result.amounts and result.amounts[0]["usd"] == MAX_AMOUNT
    assert "pay_per_trip" in [f.signal for f in result.flags]
    json.dumps(result.to_dict(), allow_nan=False)
