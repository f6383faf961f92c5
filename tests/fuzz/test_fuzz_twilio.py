"""Fuzzing the SMS channel's door (bot.channels.twilio_sms): form parsing, the signature check, the webhook.

Properties: ``form_params`` turns any bytes into a dict of text; a request with a random or
missing signature is refused with 403 and never reaches the conversation; a request signed as
Twilio signs it is accepted and answered with well-formed TwiML (or 400 without a From),
whatever its fields hold; altering one signed field makes it a 403 again.
"""
import itertools
import urllib.parse
import xml.etree.ElementTree as ElementTree

import pytest
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels import twilio_sms
from bot.channels.splitting import SMS_MAX
from tests.fuzz.harness import FakeRequest, Headers, Loop, StandInRasa, handler, memory_state, sender_ids
from tests.fuzz.strategies import Genome, fuzz, genome_text, teen_text

pytestmark = pytest.mark.fuzz

TOKEN = "fuzz-twilio-auth-token-0123456789"
PUBLIC_URL = "https://senales.example.org"
PATH = "/webhooks/sms/webhook"


@pytest.fixture
def sms():
    channel = twilio_sms.TwilioSmsInput(auth_token=TOKEN, public_url=PUBLIC_URL, state=memory_state(),
                                        sender_ids=sender_ids())
    rasa, loop = StandInRasa(), Loop()
    yield channel, handler(channel, "webhook", rasa), rasa, loop
    loop.close()


_sids = itertools.count()


def twilio_fields(data: bytes) -> dict:
    """The fields of an inbound SMS webhook, any of them odd, missing or repeated ("SM1": a retry)."""
    g = Genome(data)
    fields = {"MessageSid": g.choice([f"SM{next(_sids)}-{data[:16].hex()}", "", "SM1", genome_text(data[:4])]),
              "AccountSid": "AC" + "0" * 32, "To": "+15550001111",
              "From": g.choice(["+1555" + str(next(_sids) % 10**7).zfill(7), "+1555" + str(next(_sids) % 10**7).zfill(7),
                                "", " ", genome_text(data[:6]), "+15550000000"]),
              "NumMedia": g.choice(["0", "1", "-1", "x"])}
    if g.below(8):
        fields["Body"] = genome_text(data[g.pos:])
    if g.below(4) == 0:
        fields[genome_text(data[:3]) or "Extra"] = genome_text(data[3:9])
    return fields


def form_body(data: bytes) -> bytes:
    """Urlencoded fields (Twilio's shape), or raw bytes that merely look like a form."""
    g = Genome(data)
    kind = g.below(4)
    if kind <= 1:
        return urllib.parse.urlencode(twilio_fields(data[1:]), errors="surrogatepass").encode()
    if kind == 2:
        return data[1:].replace(b"\x00", b"&").replace(b"\x01", b"=").replace(b"\x02", b"%")
    return data[1:]


def forged_request(data: bytes):
    g = Genome(data)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    signature = g.below(5)
    if signature == 1:
        headers["X-Twilio-Signature"] = genome_text(data[1:20])
    elif signature == 2:
        headers["X-Twilio-Signature"] = data[1:21].hex()
    elif signature == 3:  # a well-formed signature, of something else
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + PATH, {"x": data[:8].hex()})
    elif signature == 4:  # the right body signed with another account's token
        headers["X-Twilio-Signature"] = "sign-with-other-token"
    query = g.choice(["", "a=1", "bodySHA256=" + data[:8].hex(),
                      urllib.parse.quote(genome_text(data[2:6]), errors="surrogatepass")])
    return form_body(data[g.pos:]), headers, query


def test_form_params_turns_any_bytes_into_text_fields():
    def check(body):
        params = twilio_sms.form_params(body)
        assert isinstance(params, dict), body
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()), body
        for key, value in params.items():
            (key + value).encode("utf-8")  # no lone surrogates: signing and HMAC ids can encode them

    fuzz(st.one_of(st.binary(max_size=300).map(form_body), st.binary(max_size=300)), check)


def test_unsigned_or_forged_sms_is_refused_and_never_reaches_the_conversation(sms):
    channel, receive, rasa, loop = sms

    def check(case):
        body, headers, query = case
        if headers.get("X-Twilio-Signature") == "sign-with-other-token":
            params = twilio_sms.form_params(body)
            headers["X-Twilio-Signature"] = RequestValidator("another-account-token").compute_signature(
                PUBLIC_URL + PATH + (f"?{query}" if query else ""), params)
        request = FakeRequest(body=body, headers=Headers(headers), path=PATH, query_string=query)
        assert channel.verified(request, twilio_sms.form_params(body)) is False, case
        response = loop.run(receive(request))
        assert response.status == 403, case

    fuzz(st.binary(max_size=200).map(forged_request), check)
    assert rasa.texts == []


def test_signed_sms_gets_well_formed_twiml_whatever_its_fields_hold(sms):
    channel, receive, rasa, loop = sms
    validator = RequestValidator(TOKEN)
    counts = {"twiml": 0, "missing_from": 0}

    def check(data):
        body = urllib.parse.urlencode(twilio_fields(data), errors="surrogatepass").encode()
        params = twilio_sms.form_params(body)  # what Twilio signs is what it posts
        headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC_URL + PATH, params)}
        request = FakeRequest(body=body, headers=Headers(headers), path=PATH)
        assert channel.verified(request, params) is True, params
        tampered = {**params, "Body": params.get("Body", "") + "!"}
        assert channel.verified(request, tampered) is False, params

        response = loop.run(receive(request))
        if not params.get("From", "").strip():
            assert response.status == 400, params
            counts["missing_from"] += 1
            return
        assert response.status == 200, (params, response.status)
        root = ElementTree.fromstring(response.body)  # Twilio must be able to parse it
        assert root.tag == "Response", response.body
        assert all(len(m.text or "") <= SMS_MAX for m in root.iter("Message")), response.body
        counts["twiml"] += 1

    fuzz(st.binary(max_size=160), check)
    assert counts["twiml"] > 5000 and counts["missing_from"] > 100, counts
    assert len(rasa.texts) > 1000  # the conversation was really reached (others: retries, STOP, HELP, empty Body)
