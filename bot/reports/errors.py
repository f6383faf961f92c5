"""Errors a person can act on; the CLI prints their message without a traceback.

Everything else (a bug) still raises normally, so it is not mistaken for a user mistake.
"""


class ReportsError(Exception):
    """Base for reports problems with a message meant for the person at the terminal."""


class ReportKeyError(ReportsError):
    """The encryption key is missing, malformed, badly protected or does not open the database."""


class ReportNotFound(ReportsError):
    """No report has this case code."""

    def __init__(self, case_code: str):
        super().__init__(f"No report {case_code}")
        self.case_code = case_code


class ReportsConfigError(ReportsError):
    """A delivery setting (webhook, SMTP) is incomplete or unsafe."""


class InvalidReport(ReportsError):
    """The report payload is missing something the outreach staff need."""
