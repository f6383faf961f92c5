"""Confidential reports from teens in danger, kept encrypted until outreach staff read them.

A report is written once by the assistant (``ReportStore.create_report``), queued for delivery in
the same transaction (``outbox``), pushed to outreach staff by a ``Deliverer`` (signed webhook
and/or an e-mail notice), and read or closed by staff only through audited access (``staff``,
``bot reports ...``). Nothing here imports Rasa, so the CLI and a cron job start fast.
"""
from bot.reports.errors import ReportKeyError, ReportNotFound, ReportsConfigError, ReportsError
from bot.reports.payload import ReportPayload
from bot.reports.store import Report, ReportStore, create_report

__all__ = [
    "Report",
    "ReportKeyError",
    "ReportNotFound",
    "ReportPayload",
    "ReportStore",
    "ReportsConfigError",
    "ReportsError",
    "create_report",
]
