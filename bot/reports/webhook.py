"""Push a report to the outreach team's system as a signed JSON POST.

The receiver recomputes ``X-Senales-Signature`` (``sha256=`` + hex HMAC-SHA256 of the raw body
with the shared secret) with ``verify_signature`` before trusting anything in it. Redirects are
not followed: a redirected POST would silently turn into a GET without the report.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Optional, Union
from urllib.parse import urlparse

from bot.reports.errors import ReportsConfigError

SIGNATURE_HEADER = "X-Senales-Signature"
TIMESTAMP_HEADER = "X-Senales-Timestamp"
CASE_HEADER = "X-Senales-Case-Code"


class DeliveryFailed(Exception):
    """The receiver did not accept the report; the outbox will try again later."""


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env, production: bool) -> Optional["WebhookConfig"]:
        url = env.get("SENALES_REPORTS_WEBHOOK_URL", "").strip()
        if not url:
            return None
        secret = env.get("SENALES_REPORTS_WEBHOOK_SECRET", "")
        if not secret:
            raise ReportsConfigError(
                "SENALES_REPORTS_WEBHOOK_URL is set but SENALES_REPORTS_WEBHOOK_SECRET is not: "
                "reports are never sent unsigned."
            )
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ReportsConfigError(f"SENALES_REPORTS_WEBHOOK_URL is not an http(s) URL: {url!r}")
        if production and parsed.scheme != "https" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ReportsConfigError("In production the report webhook must use https: reports would cross the network in clear.")
        return cls(url=url, secret=secret)


def _as_bytes(value: Union[str, bytes]) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def sign(body: bytes, secret: Union[str, bytes]) -> str:
    return "sha256=" + hmac.new(_as_bytes(secret), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: Optional[str], secret: Union[str, bytes]) -> bool:
    """For receivers: True only if ``header`` is the HMAC of exactly these body bytes."""
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(body, secret), header.strip())


def build_body(report) -> bytes:
    """The JSON body; ``report`` is a decrypted ``store.Report``."""
    document = {
        "case_code": report.case_code,
        "created_at": report.created_at,
        "language": report.language,
        "danger_type": report.payload.danger_type,
        "report": report.payload.to_dict(),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def send(report, config: WebhookConfig) -> None:
    body = build_body(report)
    request = urllib.request.Request(
        config.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(body, config.secret),
            TIMESTAMP_HEADER: str(int(time.time())),
            CASE_HEADER: report.case_code,
            "User-Agent": "senales-reports/1",
        },
    )
    try:
        # Built per call so proxy settings (HTTPS_PROXY, NO_PROXY) are read when sending.
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=config.timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"webhook answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryFailed(f"webhook unreachable: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook answered HTTP {status}")
