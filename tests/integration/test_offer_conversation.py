"""The offer check through the running servers: verdicts quote the offer, forms ask what's missing."""
import pytest

pytestmark = pytest.mark.servers


def _slots(assistant, sender):
    return assistant.tracker(sender)["slots"]


def test_pasted_lure_in_english_gets_a_quoted_high_verdict(assistant):
    sender = assistant.new_sender("offer")
    offer = ("saw this on snap: need drivers tonight near the border, $1500 a trip, no questions asked, "
             "hit me up on telegram. is this legit?")
    texts = assistant.texts(sender, offer)
    verdict = texts[0]
    assert verdict.startswith("🚩"), texts
    quoted = [line.split('"')[1] for line in verdict.splitlines() if line.startswith('• "')]
    assert quoted and all(q in offer for q in quoted), verdict  # reasons quote the teen's own text
    assert any("ID" in t for t in texts[1:])  # next steps: don't share your ID, etc.
    slots = _slots(assistant, sender)
    assert slots["offer_risk"] == "high" and slots["offer_flags"]
    assert slots["language"] == "en" and slots["offer_text"] is None


def test_pasted_lure_in_spanish_gets_a_spanish_verdict(assistant):
    sender = assistant.new_sender("offer")
    offer = "me llegó esto: se buscan choferes pa llevar pollos, 2 mil varos x viaje, pura lana facil, mandame msj al whats"
    texts = assistant.texts(sender, offer)
    assert texts[0].startswith("🚩 Esta oferta"), texts
    assert "Qué hacer" in texts[1]
    slots = _slots(assistant, sender)
    assert slots["offer_risk"] == "high" and slots["language"] == "es"


def test_a_described_spanish_offer_gets_the_offer_check_not_the_say_no_tips(assistant):
    """DIET alone read this as "how do I say no"; the second intent opinion makes it an offer check."""
    sender = assistant.new_sender("offer")
    offer = "me ofrecieron 2 mil por viaje pa manejar cerca de la garita, dicen q les escriba por whatsapp"
    texts = assistant.texts(sender, offer)
    latest = assistant.tracker(sender)["latest_message"]
    assert latest["intent"]["name"] == "check_offer", latest["intent"]
    assert latest["intent_ensemble"]["linear"] == "check_offer"
    assert texts[0].startswith(("🚩 Esta oferta", "⚠️")), texts
    quoted = [line.split('"')[1] for line in texts[0].splitlines() if line.startswith('• "')]
    assert quoted and all(q in offer for q in quoted), texts[0]
    assert _slots(assistant, sender)["language"] == "es"


def test_legit_job_is_low_risk(assistant):
    sender = assistant.new_sender("offer")
    offer = ("is this legit? Rosa's Tacos on Main St is hiring cashiers, $13/hour, apply in person "
             "or on our website, interview with the manager")
    texts = assistant.texts(sender, offer)
    assert texts[0].startswith("✅"), texts
    assert _slots(assistant, sender)["offer_risk"] == "low"


def test_question_alone_makes_the_form_ask_for_the_text(assistant):
    sender = assistant.new_sender("offer")
    texts = assistant.texts(sender, "can u check if a job offer is legit")
    assert texts and "Paste the offer" in texts[-1], texts
    texts = assistant.texts(sender, "they want me to move packages from laredo to san antonio for 2k cash, today")
    assert texts[0].startswith(("🚩", "⚠️")), texts
    assert _slots(assistant, sender)["offer_risk"] in {"high", "medium"}


def test_question_alone_in_spanish(assistant):
    sender = assistant.new_sender("offer")
    texts = assistant.texts(sender, "oye me checas si una oferta de jale es real?")
    assert texts and "Pega aquí la oferta" in texts[-1], texts


def test_thin_offer_gets_yes_no_questions_then_a_verdict(assistant):
    sender = assistant.new_sender("offer")
    assistant.texts(sender, "is this job offer legit")
    texts = assistant.texts(sender, "a guy offered me a job")
    assert texts and "drive people or carry packages" in texts[-1], texts
    texts = assistant.texts(sender, "yes")
    assert texts[0].startswith(("🚩", "⚠️")), texts
    slots = _slots(assistant, sender)
    assert "drive_people_or_packages" in slots["offer_flags"]
    assert slots["offer_q_drive"] is None  # answers are cleared for the next check


def test_thin_offer_all_no_answers_in_spanish(assistant):
    sender = assistant.new_sender("offer")
    assistant.texts(sender, "me checas una oferta?")
    asked = assistant.texts(sender, "un señor me ofrecio trabajo")
    assert "¿Te pidieron manejar" in asked[-1], asked
    asked = assistant.texts(sender, "no")
    assert "pagar algo primero" in asked[-1], asked
    asked = assistant.texts(sender, "nel")
    assert "otra app" in asked[-1], asked
    verdict = assistant.texts(sender, "no")
    # three "no" answers and nothing else to go on: no red flags, but no good signs either
    assert verdict and verdict[0].startswith("No veo las señales de alerta típicas"), verdict
    assert _slots(assistant, sender)["offer_risk"] == "low"


@pytest.mark.parametrize(
    "offer",
    ["is this legit? " + "x" * 20000, "is this legit? 😂😂😂🔥🔥", "is this legit? https://bit.ly/3xYz",
     "is this legit? \x00\x01\x02 ÿþ"],
    ids=["20000-chars", "emoji", "url-only", "garbage"],
)
def test_bad_offers_get_a_clear_reply(assistant, offer):
    sender = assistant.new_sender("offer")
    texts = assistant.texts(sender, offer)
    assert texts, "no reply"
