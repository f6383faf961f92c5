"""Outbox rules without a network: back-off, exactly-once per target, waiting for configuration.

The store-backed tests run on a SQLite file and on PostgreSQL (``backend``).
"""
from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from bot.reports import clock
from bot.reports.errors import ReportsConfigError
from bot.reports.outbox import MAX_DELAY, Deliverer, DeliveryConfig, OutboxItem, backoff_delay, verify_signature
from bot.reports.store import ReportStore
from bot.reports.webhook import DeliveryFailed, build_body, sign
from tests.unit.reports_backends import backend, reports_pg_url  # noqa: F401  (pytest fixtures)

REPORT = {"what_happened": "He said I'd earn $300 a trip", "danger_type": "recruitment_offer", "contact_back": False}


@pytest.fixture
def store(backend):
    with ReportStore(backend.location, Fernet.generate_key()) as opened:
        yield opened


class FlakySender:
    """Fails ``failures`` times, then records what it was given."""

    def __init__(self, failures: int = 0):
        self.failures, self.sent = failures, []

    def __call__(self, report) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("receiver down")
        self.sent.append(report.case_code)


def test_backoff_doubles_is_capped_and_never_shorter_than_half():
    rng = random.Random(7)
    for attempts in range(1, 30):
        nominal = min(MAX_DELAY, 30 * 2 ** (attempts - 1))
        for _ in range(20):
            delay = backoff_delay(attempts, rng)
            assert nominal / 2 <= delay <= nominal <= MAX_DELAY
    delays = {round(backoff_delay(3, rng), 3) for _ in range(50)}
    assert len(delays) > 10, "jitter must spread retries"


def test_signature_helper_accepts_only_the_exact_body():
    body = b'{"case_code":"SN-ABCD-23"}'
    header = sign(body, "s3cret")
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(body, header, "s3cret")
    assert verify_signature(body, header, b"s3cret")
    assert not verify_signature(body + b" ", header, "s3cret")
    assert not verify_signature(body, header, "other")
    assert not verify_signature(body, None, "s3cret")
    assert not verify_signature(body, header.replace("sha256=", "sha1="), "s3cret")


def test_webhook_body_has_the_agreed_fields(store):
    code = store.create_report(REPORT, language="en", channel="sms", sender_id="+15550001111")
    body = json.loads(build_body(store.get(code)))
    assert set(body) == {"case_code", "created_at", "language", "danger_type", "report"}
    assert body["report"]["what_happened"] == REPORT["what_happened"]
    assert body["danger_type"] == "recruitment_offer" and body["language"] == "en"
    assert "+15550001111" not in json.dumps(body)


def test_failure_backs_off_and_success_is_never_repeated(store):
    code = store.create_report(REPORT, language="en", channel="sms", sender_id="x")
    sender = FlakySender(failures=1)
    deliverer = Deliverer(store, senders={"webhook": sender}, rng=random.Random(1))
    t0 = clock.utcnow()

    result = deliverer.deliver_pending(t0)
    assert result.failed and not result.delivered
    (item,) = [i for i in store.deliveries(code) if i.target == "webhook"]
    assert item.attempts == 1 and item.last_error == "receiver down" and item.delivered_at is None
    retry_at = clock.from_text(item.next_attempt_at)
    assert retry_at >= t0 + timedelta(seconds=15)

    assert deliverer.deliver_pending(retry_at - timedelta(milliseconds=1)).failed == []
    assert [i.attempts for i in store.deliveries(code) if i.target == "webhook"] == [1]

    assert deliverer.deliver_pending(retry_at).delivered == [(code, "webhook")]
    for later in (1, 3600, 86400):
        deliverer.deliver_pending(retry_at + timedelta(seconds=later))
    assert sender.sent == [code]
    (item,) = [i for i in store.deliveries(code) if i.target == "webhook"]
    assert item.delivered_at and item.attempts == 2 and item.last_error is None


def test_each_target_is_delivered_once_even_when_another_keeps_failing(store):
    code = store.create_report(REPORT, language="es", channel="sms", sender_id="x")
    email, hook = FlakySender(), FlakySender(failures=3)
    deliverer = Deliverer(store, senders={"email": email, "webhook": hook}, rng=random.Random(2))
    now = clock.utcnow()
    for _ in range(6):
        deliverer.deliver_pending(now)
        now += timedelta(hours=2)
    assert email.sent == [code] and hook.sent == [code]


def test_an_unconfigured_target_keeps_its_reports_waiting(store):
    code = store.create_report(REPORT, language="en", channel="sms", sender_id="x")
    result = Deliverer(store, senders={"webhook": FlakySender()}).deliver_pending()
    assert result.unconfigured == {"email": 1}
    (email,) = [i for i in store.deliveries(code) if i.target == "email"]
    assert email.attempts == 0 and email.delivered_at is None
    later = FlakySender()
    Deliverer(store, senders={"email": later}).deliver_pending()
    assert later.sent == [code]


def test_a_row_claimed_by_another_deliverer_is_not_sent_again(store):
    code = store.create_report(REPORT, language="en", channel="sms", sender_id="x")
    first, second = FlakySender(), FlakySender()
    now = clock.utcnow()
    d1 = Deliverer(store, senders={"webhook": first})
    row = store.conn.execute("SELECT * FROM outbox WHERE case_code = ? AND target = 'webhook'", (code,)).fetchone()
    assert d1._claim(OutboxItem.from_row(row), now)  # d1 is "sending" right now
    Deliverer(store, senders={"webhook": second}).deliver_pending(now + timedelta(seconds=10))
    assert second.sent == [] and first.sent == []


def test_delivery_config_refuses_unsafe_or_incomplete_settings():
    assert DeliveryConfig.from_env({}) == DeliveryConfig(None, None)
    with pytest.raises(ReportsConfigError, match="unsigned"):
        DeliveryConfig.from_env({"SENALES_REPORTS_WEBHOOK_URL": "https://example.org/hook"})
    with pytest.raises(ReportsConfigError, match="https"):
        DeliveryConfig.from_env(
            {"SENALES_ENV": "production", "SENALES_REPORTS_WEBHOOK_URL": "http://example.org/h", "SENALES_REPORTS_WEBHOOK_SECRET": "s"}
        )
    with pytest.raises(ReportsConfigError, match="SENALES_SMTP_FROM"):
        DeliveryConfig.from_env({"SENALES_SMTP_HOST": "mail.example.org"})
    config = DeliveryConfig.from_env(
        {
            "SENALES_SMTP_HOST": "mail.example.org",
            "SENALES_SMTP_FROM": "bot@example.org",
            "SENALES_SMTP_TO": "a@example.org, b@example.org",
            "SENALES_SMTP_STARTTLS": "false",
        }
    )
    assert config.email.recipients == ("a@example.org", "b@example.org")
    assert config.email.port == 587 and config.email.starttls is False



def test_run_forever_keeps_delivering_until_stopped(store):
    """Reports filed while the loop runs go out on a later pass; ``stop`` ends the loop."""
    import threading

    sender, passes, stop = FlakySender(), [], threading.Event()
    codes = [store.create_report(REPORT, language="en", channel="sms", sender_id="first")]
    deliverer = Deliverer(store, senders={"webhook": sender, "email": FlakySender()})

    def on_result(result):
        passes.append(result)
        if len(passes) == 1:
            codes.append(store.create_report(REPORT, language="en", channel="sms", sender_id="later"))
        if len(passes) == 3:
            stop.set()

    deliverer.run_forever(0.01, stop, on_result)
    assert len(passes) == 3
    assert sender.sent == codes
    assert passes[2].delivered == []
