"""The report actions: "sent" only after the report is stored; stop and skip are honoured."""
from __future__ import annotations

import asyncio

import pytest
from cryptography.fernet import Fernet

import actions.reports as report_actions
from actions.reports import ActionSubmitReport, ValidateReportForm
from bot.reports.store import ReportStore
from tests.actions.helpers import responses

FILLED = {
    "language": "es",
    "danger_type": "coerced",
    "report_what_happened": "un vato de insta me quiere obligar a manejar",
    "report_app": "instagram",
    "report_account": "@jale_rapido",
    "report_area": "Nogales",
    "report_contact_back": False,
}


@pytest.fixture
def report_env(tmp_path, monkeypatch):
    """A real encrypted report store in a temporary folder, configured as the action server's."""
    key = Fernet.generate_key()
    monkeypatch.setenv("SENALES_REPORTS_KEY", key.decode())
    monkeypatch.setenv("SENALES_REPORTS_DB", str(tmp_path / "reports.db"))
    monkeypatch.setenv("SENALES_REPORTS_AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.delenv("SENALES_REPORTS_DB_URL", raising=False)
    monkeypatch.delenv("SENALES_REPORTS_KEY_FILE", raising=False)
    return tmp_path / "reports.db", key


def submit(dispatcher, domain, tracker):
    return asyncio.run(ActionSubmitReport().run(dispatcher, tracker, domain))


def test_a_filled_form_is_stored_encrypted_before_the_case_code_is_given(dispatcher, domain, make_tracker, report_env):
    db_path, key = report_env
    events = submit(dispatcher, domain, make_tracker(FILLED, channel="telegram", sender_id="123456789"))

    assert responses(dispatcher) == ["utter_report_sent"]
    code = dispatcher.messages[0]["case_code"]
    assert {"event": "slot", "timestamp": None, "name": "report_case_code", "value": code} in events
    with ReportStore(db_path, key) as store:
        stored = store.get(code)
    assert stored.channel == "telegram" and stored.language == "es"
    report = stored.payload.to_dict()
    assert report["what_happened"] == FILLED["report_what_happened"]
    assert report["recruiter_account"] == "@jale_rapido"
    assert report["danger_type"] == "coerced"
    assert report["contact_back"] is False
    assert b"obligar" not in db_path.read_bytes() and b"123456789" not in db_path.read_bytes()


def test_a_store_that_fails_is_never_reported_as_sent(dispatcher, domain, make_tracker, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report_actions, "create_report", broken)
    events = submit(dispatcher, domain, make_tracker(FILLED))

    assert responses(dispatcher) == ["utter_report_failed"]
    assert not any(e.get("name") == "report_case_code" for e in events)
    assert all(e["value"] is None for e in events if e["name"] in report_actions.TEXT_SLOTS), "the form is reset"


def test_a_cancelled_form_stores_nothing(dispatcher, domain, make_tracker, monkeypatch):
    monkeypatch.setattr(report_actions, "create_report", lambda *a, **k: pytest.fail("a cancelled report was stored"))
    submit(dispatcher, domain, make_tracker({**FILLED, "report_cancelled": True}))

    assert responses(dispatcher) == ["utter_report_cancelled"]


STOPPED = {"report_what_happened": None, "report_cancelled": True, "requested_slot": None}


@pytest.mark.parametrize("text, expected", [
    ("stop", STOPPED),
    ("Ya no quiero!", STOPPED),                                  # case and punctuation do not matter
    ("prefiero no decir", {"report_what_happened": "(skipped)"}),
    ("", {"report_what_happened": None}),                        # asked again
    ("english please", {"report_what_happened": None}),          # a language switch is not an answer
    ("me siguen a la salida de la escuela", {"report_what_happened": "me siguen a la salida de la escuela"}),
])
def test_each_answer_to_what_happened_is_kept_skipped_asked_again_or_stops_the_form(
        dispatcher, domain, make_tracker, text, expected):
    tracker = make_tracker({"language": "es", "requested_slot": "report_what_happened"}, text=text)
    result = ValidateReportForm().validate_report_what_happened(text, dispatcher, tracker, domain)

    assert result == expected
    assert dispatcher.messages == []


def test_a_very_long_answer_is_kept_clipped_and_the_teen_is_told(dispatcher, domain, make_tracker):
    text = "me dijeron que " + "si no manejo me van a buscar " * 400
    tracker = make_tracker({"language": "es", "requested_slot": "report_what_happened"}, text=text)
    result = ValidateReportForm().validate_report_what_happened(text, dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_report_clipped"]
    kept = result["report_what_happened"]
    assert kept and text.startswith(kept[: len(kept) - 5]) and len(kept) < len(text)


@pytest.mark.parametrize("text, value, expected", [
    ("si", True, True),
    ("no", False, False),
    ("quien sabe", "quien sabe", None),
    ("stop", None, None),
])
def test_contact_back_takes_only_a_yes_or_a_no(dispatcher, domain, make_tracker, text, value, expected):
    tracker = make_tracker({"language": "es", "requested_slot": "report_contact_back"}, text=text)
    result = ValidateReportForm().validate_report_contact_back(value, dispatcher, tracker, domain)

    assert result["report_contact_back"] is expected
    assert result.get("report_cancelled", False) is (text == "stop")
