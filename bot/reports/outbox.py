"""Deliver every report to outreach staff eventually, each target exactly once on success.

``store.create_report`` writes one outbox row per target (webhook, e-mail) in the same
transaction as the report, so a report can never exist without its delivery being queued. The
row names only the case code; the ``Deliverer`` decrypts the report when it sends it.

A target that is down just moves ``next_attempt_at`` forward (exponential back-off with jitter,
capped); a target that is not configured keeps its rows waiting until it is. Before sending,
a row is claimed with a short lease so two deliverers (cron and ``--forever``) do not both send
it; a crash between "sent" and "marked delivered" can still resend once, so receivers should
treat the case code as an idempotency key.

The claim is one conditional UPDATE (the row must still show the attempts and due time this
deliverer read), which is atomic on both databases: SQLite serializes writers, and on PostgreSQL
a second UPDATE of the same row waits for the first to commit, re-checks its WHERE against the
new row and so changes nothing. Workers on several hosts can therefore share one outbox.
"""
from __future__ import annotations

import logging
import os
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.reports import clock, database, email_notice, settings, webhook
from bot.reports.webhook import DeliveryFailed, verify_signature  # noqa: F401  (re-exported for receivers)

TARGETS = ("webhook", "email")
BASE_DELAY = 30.0  # seconds before the first retry
MAX_DELAY = 3600.0  # never wait more than an hour between tries
CLAIM_LEASE = 300.0  # a claimed row is left alone this long by other deliverers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    case_code: str
    target: str
    created_at: str
    attempts: int
    next_attempt_at: str
    last_error: Optional[str]
    delivered_at: Optional[str]

    @classmethod
    def from_row(cls, row) -> "OutboxItem":
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


def enqueue(conn: database.Connection, case_code: str, now_text: str) -> None:
    """Called inside the report's transaction: due at once, for every target."""
    conn.executemany(
        "INSERT INTO outbox (case_code, target, created_at, next_attempt_at) VALUES (?, ?, ?, ?)",
        [(case_code, target, now_text, now_text) for target in TARGETS],
    )


def items_for(conn: database.Connection, case_code: str) -> List[OutboxItem]:
    rows = conn.execute("SELECT * FROM outbox WHERE case_code = ? ORDER BY target", (case_code,)).fetchall()
    return [OutboxItem.from_row(row) for row in rows]


def backoff_delay(attempts: int, rng: random.Random, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait after ``attempts`` failures: doubling, capped, with "equal jitter".

    Half the delay is fixed and half random, so retries from many reports spread out but never
    come sooner than half the nominal delay.
    """
    nominal = min(cap, base * (2 ** max(0, attempts - 1)))
    return nominal / 2 + rng.uniform(0, nominal / 2)


@dataclass(frozen=True)
class DeliveryConfig:
    webhook: Optional[webhook.WebhookConfig] = None
    email: Optional[email_notice.EmailConfig] = None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "DeliveryConfig":
        env = os.environ if env is None else env
        production = settings.is_production(env)
        return cls(webhook.WebhookConfig.from_env(env, production), email_notice.EmailConfig.from_env(env, production))


@dataclass
class DeliveryResult:
    delivered: List[Tuple[str, str]] = field(default_factory=list)
    failed: List[Tuple[str, str, str]] = field(default_factory=list)
    unconfigured: Dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"delivered {len(self.delivered)}", f"failed {len(self.failed)}"]
        parts += [f"{count} waiting for {target} to be configured" for target, count in sorted(self.unconfigured.items())]
        return ", ".join(parts)


Sender = Callable[[object], None]


class Deliverer:
    """Sends due outbox rows through the configured targets and records the outcome."""

    def __init__(
        self,
        store,
        config: Optional[DeliveryConfig] = None,
        *,
        base_delay: float = BASE_DELAY,
        max_delay: float = MAX_DELAY,
        lease: float = CLAIM_LEASE,
        rng: Optional[random.Random] = None,
        senders: Optional[Mapping[str, Sender]] = None,
    ):
        self.store = store
        self.conn = store.conn
        self.base_delay, self.max_delay, self.lease = base_delay, max_delay, lease
        self.rng = rng or random.Random()
        if senders is None:
            config = config if config is not None else DeliveryConfig.from_env()
            senders = {}
            if config.webhook is not None:
                senders["webhook"] = lambda report, c=config.webhook: webhook.send(report, c)
            if config.email is not None:
                senders["email"] = lambda report, c=config.email: email_notice.send(report, c)
        self.senders = dict(senders)

    def deliver_pending(self, now: Optional[datetime] = None) -> DeliveryResult:
        """One pass over the rows due at ``now``; safe to call from a cron job or a test."""
        now = now or clock.utcnow()
        now_text = clock.to_text(now)
        result = DeliveryResult()
        rows = self.conn.execute(
            "SELECT * FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id",
            (now_text,),
        ).fetchall()
        for item in map(OutboxItem.from_row, rows):
            send = self.senders.get(item.target)
            if send is None:
                result.unconfigured[item.target] = result.unconfigured.get(item.target, 0) + 1
                continue
            if not self._claim(item, now):
                continue
            attempts = item.attempts + 1
            try:
                send(self.store.get(item.case_code))
            except Exception as error:  # Any failure only delays this row; the next pass retries.
                message = str(error) if isinstance(error, DeliveryFailed) else f"{type(error).__name__}: {error}"
                self._failed(item, attempts, now, message[:300])
                result.failed.append((item.case_code, item.target, message))
                log.warning("report %s: %s delivery failed (attempt %d): %s", item.case_code, item.target, attempts, message)
            else:
                self._delivered(item, now)
                result.delivered.append((item.case_code, item.target))
        return result

    def _claim(self, item: OutboxItem, now: datetime) -> bool:
        lease_until = clock.to_text(now + timedelta(seconds=self.lease))
        with database.transaction(self.conn):
            cursor = self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?"
                " WHERE id = ? AND delivered_at IS NULL AND next_attempt_at = ? AND attempts = ?",
                (lease_until, item.id, item.next_attempt_at, item.attempts),
            )
        return cursor.rowcount == 1

    def _failed(self, item: OutboxItem, attempts: int, now: datetime, message: str) -> None:
        delay = backoff_delay(attempts, self.rng, self.base_delay, self.max_delay)
        with database.transaction(self.conn):
            self.conn.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                (clock.to_text(now + timedelta(seconds=delay)), message, item.id),
            )

    def _delivered(self, item: OutboxItem, now: datetime) -> None:
        with database.transaction(self.conn):
            self.conn.execute("UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE id = ?", (clock.to_text(now), item.id))

    def pending(self) -> Sequence[OutboxItem]:
        rows = self.conn.execute("SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY next_attempt_at, id").fetchall()
        return [OutboxItem.from_row(row) for row in rows]

    def run_forever(
        self,
        interval: float = 30.0,
        stop: Optional[threading.Event] = None,
        on_result: Optional[Callable[[DeliveryResult], None]] = None,
    ) -> None:
        """``bot reports deliver --forever``: a pass every ``interval`` seconds until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            result = self.deliver_pending()
            if on_result is not None:
                on_result(result)
            stop.wait(interval)
