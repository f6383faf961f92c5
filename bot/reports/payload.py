"""The fields of a report, checked once before they are encrypted.

The contact address is kept only when the teen asked to be contacted: if they said no, an
address that slipped through from an earlier turn is dropped rather than stored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping, Optional, Union

from bot.reports.errors import InvalidReport

FIELDS = ("what_happened", "recruiter_app", "recruiter_account", "area", "contact_back", "contact_address", "danger_type")


def _text(value: Any, name: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidReport(f"Report field {name!r} must be text, not {type(value).__name__}.")
    return value.strip() or None


@dataclass(frozen=True)
class ReportPayload:
    what_happened: str
    danger_type: str
    recruiter_app: Optional[str] = None
    recruiter_account: Optional[str] = None
    area: Optional[str] = None
    contact_back: bool = False
    contact_address: Optional[str] = None

    @classmethod
    def from_value(cls, value: Union["ReportPayload", Mapping[str, Any]]) -> "ReportPayload":
        if isinstance(value, ReportPayload):
            value = value.to_dict()
        unknown = set(value) - set(FIELDS)
        if unknown:
            raise InvalidReport(f"Unknown report field(s): {', '.join(sorted(unknown))}.")
        what_happened = _text(value.get("what_happened"), "what_happened")
        if not what_happened:
            raise InvalidReport("A report needs 'what_happened'.")
        danger_type = _text(value.get("danger_type"), "danger_type")
        if not danger_type:
            raise InvalidReport("A report needs 'danger_type'.")
        contact_back = value.get("contact_back", False)
        if not isinstance(contact_back, bool):
            raise InvalidReport("Report field 'contact_back' must be true or false.")
        address = _text(value.get("contact_address"), "contact_address") if contact_back else None
        return cls(
            what_happened=what_happened,
            danger_type=danger_type,
            recruiter_app=_text(value.get("recruiter_app"), "recruiter_app"),
            recruiter_account=_text(value.get("recruiter_account"), "recruiter_account"),
            area=_text(value.get("area"), "area"),
            contact_back=contact_back,
            contact_address=address,
        )

    def to_dict(self) -> dict:
        return asdict(self)
