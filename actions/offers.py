"""Offer checking in the conversation: the form that collects the offer and the verdict.

All judgement lives in ``bot.offers``; this module only moves text and answers between the
tracker and the analyzer, and picks which bilingual response to send.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.offers import analyze_offer, default_analyzer
from bot.offers.reasons import reason_bullets
from bot.offers.request import is_request_only

# Load spaCy and the rules when the action server starts, not on the first teen's offer (~1.5 s).
default_analyzer()

# Slots holding the teen's yes/no answers, by the analyzer's question code.
QUESTION_SLOTS = {
    "asked_to_drive_people_or_packages": "offer_q_drive",
    "asked_to_pay_first": "offer_q_pay_first",
    "asked_to_move_app": "offer_q_move_app",
}
MAX_REASONS = 3


def _language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


def _answers(tracker: Tracker) -> Dict[str, bool]:
    return {
        code: tracker.get_slot(slot)
        for code, slot in QUESTION_SLOTS.items()
        if tracker.get_slot(slot) is not None
    }


def _analysis(tracker: Tracker, text: Optional[str] = None):
    """The offer is matched in its own language and explained in the teen's."""
    return analyze_offer(text if text is not None else tracker.get_slot("offer_text") or "",
                         answers=_answers(tracker), explain_in=_language(tracker))


class ValidateOfferForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_offer_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        """Ask the yes/no questions only when the offer itself is too thin to judge."""
        if not tracker.get_slot("offer_text"):
            return ["offer_text"]
        analysis = _analysis(tracker)
        if not analysis.too_thin:
            return ["offer_text"]
        # The form asks the first empty one; a "yes" that settles the verdict ends the questions.
        return ["offer_text"] + [QUESTION_SLOTS[q] for q in analysis.questions if q in QUESTION_SLOTS]

    def validate_offer_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = value if isinstance(value, str) else ""
        first_message = tracker.get_slot("requested_slot") is None
        if not text.strip():
            return {"offer_text": None}
        if first_message and is_request_only(text):
            return {"offer_text": None}  # only "is this legit?": the form asks for the text
        return {"offer_text": text}


class ActionCheckOffer(Action):
    """Scores the collected offer and answers: verdict with quoted reasons, then what to do."""

    def name(self) -> Text:
        return "action_check_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        text = tracker.get_slot("offer_text") or ""
        analysis = _analysis(tracker, text)
        reasons = reason_bullets(analysis.flags, MAX_REASONS)
        if analysis.risk == "low" and not analysis.protective:
            dispatcher.utter_message(response="utter_offer_verdict_low_no_signals")
        elif analysis.risk == "low":
            good = reason_bullets(analysis.protective, MAX_REASONS)
            dispatcher.utter_message(response="utter_offer_verdict_low", reasons=good)
        else:
            dispatcher.utter_message(response=f"utter_offer_verdict_{analysis.risk}", reasons=reasons)
        dispatcher.utter_message(response=f"utter_offer_next_steps_{'low' if analysis.risk == 'low' else 'risky'}")
        return [
            SlotSet("offer_risk", analysis.risk),
            SlotSet("offer_flags", [flag.code for flag in analysis.flags]),
            SlotSet("offer_text", None),
            *[SlotSet(slot, None) for slot in QUESTION_SLOTS.values()],
        ]
