"""The confidential report form: validate each answer, then store the report and give the code.

The teen is told "sent" only after ``create_report`` has committed the report (encrypted) and its
delivery to staff is queued in the outbox; if storing fails, they are told nothing was sent and
given a hotline instead.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.language import LanguageDetector
from bot.reports.form_answers import SKIPPED, read_answer
from bot.reports.store import create_report

logger = logging.getLogger(__name__)

TEXT_SLOTS = {
    "report_what_happened": "what_happened",
    "report_app": "recruiter_app",
    "report_account": "recruiter_account",
    "report_area": "area",
}
FORM_SLOTS = list(TEXT_SLOTS) + ["report_contact_back", "report_cancelled"]
_language_detector = None


def _is_language_switch(text: str) -> bool:
    """"english please" mid-form changes the language; it is not an answer."""
    global _language_detector
    _language_detector = _language_detector or LanguageDetector()
    return _language_detector.detect(text or "").reason == "explicit"


def _latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


class ValidateReportForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_report_form"

    def _read(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        text = _latest_text(tracker)
        answer = read_answer(text)
        if answer.kind == "stop":
            return {slot: None, "report_cancelled": True, "requested_slot": None}
        if answer.kind == "empty" or _is_language_switch(text):
            return {slot: None}  # the form asks the same question again (in the new language)
        if answer.clipped:
            dispatcher.utter_message(response="utter_report_clipped")
        return {slot: answer.text}

    def validate_report_what_happened(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict):
        return self._read("report_what_happened", dispatcher, tracker)

    def validate_report_app(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict):
        return self._read("report_app", dispatcher, tracker)

    def validate_report_account(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict):
        return self._read("report_account", dispatcher, tracker)

    def validate_report_area(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict):
        return self._read("report_area", dispatcher, tracker)

    def validate_report_contact_back(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict):
        if read_answer(_latest_text(tracker)).kind == "stop":
            return {"report_contact_back": None, "report_cancelled": True, "requested_slot": None}
        if isinstance(value, bool):
            return {"report_contact_back": value}
        return {"report_contact_back": None}  # not a yes or a no: ask again


class ActionSubmitReport(Action):
    def name(self) -> Text:
        return "action_submit_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if tracker.get_slot("report_cancelled"):
            dispatcher.utter_message(response="utter_report_cancelled")
            return reset
        payload = {field: tracker.get_slot(slot) for slot, field in TEXT_SLOTS.items()}
        payload = {field: (None if value == SKIPPED else value) for field, value in payload.items()}
        payload["what_happened"] = payload["what_happened"] or SKIPPED
        payload["contact_back"] = bool(tracker.get_slot("report_contact_back"))
        payload["danger_type"] = tracker.get_slot("danger_type") or "none"
        try:
            case_code = create_report(
                payload,
                language=tracker.get_slot("language") or "en",
                channel=tracker.get_latest_input_channel() or "unknown",
                sender_id=tracker.sender_id,
            )
        except Exception:  # storage down or misconfigured: say so, never claim it was sent
            logger.exception("report could not be stored")
            dispatcher.utter_message(response="utter_report_failed")
            return reset
        dispatcher.utter_message(response="utter_report_sent", case_code=case_code)
        return reset + [SlotSet("report_case_code", case_code)]
