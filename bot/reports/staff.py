"""The only way staff tools read reports: each call is audited before any data is returned.

The assistant and the deliverer use ``ReportStore`` directly (that is not a person looking);
``bot reports`` goes through ``StaffAccess`` so nobody can read a report without a trace.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from bot.reports.audit import AuditLog
from bot.reports.errors import ReportNotFound
from bot.reports.store import Report, ReportStore


class StaffAccess:
    def __init__(self, store: ReportStore, audit: AuditLog, who: str):
        self.store, self.audit, self.who = store, audit, who

    def list(self, status: Optional[str] = None) -> Sequence[Report]:
        reports = self.store.list(status)
        self.audit.record(self.who, "list", detail=f"status={status or 'any'}, {len(reports)} report(s)")
        return reports

    def show(self, case_code: str) -> Report:
        return self._one("show", case_code, lambda: self.store.get(case_code))

    def close(self, case_code: str, note: Optional[str] = None) -> Report:
        return self._one("close", case_code, lambda: self.store.close(case_code, note, by=self.who), "with note" if note else None)

    def note(self, case_code: str, note: str) -> Report:
        """Add a staff note without closing (the console's report page)."""
        return self._one("note", case_code, lambda: self.store.add_note(case_code, note, by=self.who))

    def export(self, status: Optional[str] = None) -> List[dict]:
        reports = self.store.list(status)
        self.audit.record(
            self.who, "export", detail=f"status={status or 'any'}: " + (", ".join(r.case_code for r in reports) or "none")
        )
        return [report.to_dict() for report in reports]

    def _one(self, action: str, case_code: str, load, detail: Optional[str] = None) -> Report:
        try:
            report = load()
        except ReportNotFound as missing:
            self.audit.record(self.who, action, missing.case_code, outcome="not_found")
            raise
        self.audit.record(self.who, action, report.case_code, detail=detail)
        return report
