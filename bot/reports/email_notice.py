"""Tell outreach staff by e-mail that a report is waiting, without putting the report in it.

E-mail crosses servers and inboxes we do not control and ends up on lock screens, so the notice
carries the case code, time, language, channel and danger type, never what the teen wrote or
their contact address; staff read those with ``bot reports show CODE`` (which is audited).
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Optional, Tuple

from bot.reports import clock
from bot.reports.errors import ReportsConfigError
from bot.reports.webhook import DeliveryFailed


def _flag(value: str, default: bool) -> bool:
    value = value.strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ReportsConfigError(f"SENALES_SMTP_STARTTLS must be true or false, not {value!r}.")


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    sender: str
    recipients: Tuple[str, ...]
    user: Optional[str] = None
    password: Optional[str] = None
    starttls: bool = True
    timeout: float = 15.0

    @classmethod
    def from_env(cls, env, production: bool) -> Optional["EmailConfig"]:
        host = env.get("SENALES_SMTP_HOST", "").strip()
        if not host:
            return None
        sender = env.get("SENALES_SMTP_FROM", "").strip()
        recipients = tuple(a.strip() for a in env.get("SENALES_SMTP_TO", "").split(",") if a.strip())
        if not sender or not recipients:
            raise ReportsConfigError("SENALES_SMTP_HOST is set: SENALES_SMTP_FROM and SENALES_SMTP_TO are needed too.")
        port_text = env.get("SENALES_SMTP_PORT", "").strip() or "587"
        try:
            port = int(port_text)
        except ValueError:
            raise ReportsConfigError(f"SENALES_SMTP_PORT is not a number: {port_text!r}") from None
        starttls = _flag(env.get("SENALES_SMTP_STARTTLS", ""), default=True)
        user = env.get("SENALES_SMTP_USER", "").strip() or None
        if production and user and not starttls:
            raise ReportsConfigError("In production SMTP login needs SENALES_SMTP_STARTTLS: the password would travel in clear.")
        return cls(host, port, sender, recipients, user, env.get("SENALES_SMTP_PASSWORD") or None, starttls)


def build_message(report, config: EmailConfig) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[Señales] New confidential report {report.case_code}"
    message["From"] = config.sender
    message["To"] = ", ".join(config.recipients)
    message.set_content(
        "\n".join(
            [
                f"A teen filed a confidential report: {report.case_code}",
                "",
                f"Received (UTC): {clock.short(report.created_at)}",
                f"Language:       {report.language}",
                f"Channel:        {report.channel}",
                f"Danger type:    {report.payload.danger_type}",
                f"Wants contact:  {'yes' if report.payload.contact_back else 'no'}",
                "",
                "The report itself is not in this e-mail. Read it on the reports server with:",
                f"    bot reports show {report.case_code}",
            ]
        )
    )
    return message


def send(report, config: EmailConfig) -> None:
    message = build_message(report, config)
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"e-mail not sent: {type(error).__name__}: {str(error)[:160]}") from None
