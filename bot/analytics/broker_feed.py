"""``bot analytics consume``: copy the events Rasa publishes to RabbitMQ into the analytics database.

In production several Rasa instances write to one PostgreSQL tracker store and publish every
event through Rasa's PikaEventBroker (fanout exchange ``rasa-exchange``, durable queue
``SENALES_RABBITMQ_QUEUE``). This consumer writes them, in Rasa's own shape, into the ``events``
table of the analytics database (``event_copy``), where the refresh folds them as it would
Rasa's store, so the console's queries never load the database the teens are waiting on.

Guarantees, and why:
- A message is acknowledged only after the transaction that wrote it committed: a crash, a
  database outage or a lost connection leaves it in the queue, and RabbitMQ delivers it again.
- Delivered again, it is recognised by its key (``event_copy.event_key``) and not written twice.
- A message that is not a Rasa event is counted and acknowledged (dropped, not dead-lettered:
  a dead-letter queue would keep a copy of what may be a teen's text outside every purge); the
  log says why it was refused, never what it contained. Nothing in the logs names a sender.
- A lost connection is retried (aio-pika's robust connection, and a retry loop for the first
  connect), so a RabbitMQ restart needs no manual step; SIGTERM finishes the batch in hand,
  acknowledges it and exits 0.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional

import sqlalchemy.exc
from sqlalchemy.engine import Engine

from bot.analytics import event_copy

logger = logging.getLogger(__name__)

# PikaEventBroker's default exchange. A fanout exchange gives every bound queue every event, so
# two deployments (or test runs) on one RabbitMQ need exchanges of their own.
EXCHANGE = "rasa-exchange"
DEFAULT_QUEUE = "senales_events"


@dataclass(frozen=True)
class BrokerSettings:
    host: str = "127.0.0.1"
    port: int = 5672
    user: str = "guest"
    password: str = field(default="guest", repr=False)
    queue: str = DEFAULT_QUEUE
    exchange: str = EXCHANGE

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "BrokerSettings":
        env = os.environ if env is None else env
        port = env.get("SENALES_RABBITMQ_PORT", "").strip() or "5672"
        if not port.isdigit():
            raise ValueError(f"SENALES_RABBITMQ_PORT must be a port number, not {port!r}")
        return cls(host=env.get("SENALES_RABBITMQ_HOST", "").strip() or "127.0.0.1", port=int(port),
                   user=env.get("SENALES_RABBITMQ_USER", "").strip() or "guest",
                   password=env.get("SENALES_RABBITMQ_PASSWORD", "") or "guest",
                   queue=env.get("SENALES_RABBITMQ_QUEUE", "").strip() or DEFAULT_QUEUE,
                   exchange=env.get("SENALES_RABBITMQ_EXCHANGE", "").strip() or EXCHANGE)


@dataclass
class Progress:
    written: int = 0
    duplicates: int = 0
    erased: int = 0
    invalid: int = 0

    def line(self) -> str:
        return (f"{self.written} event(s) copied, {self.duplicates} redelivered duplicate(s) skipped, "
                f"{self.erased} of erased conversations dropped, {self.invalid} invalid message(s) dropped")


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


class BrokerFeed:
    def __init__(self, copy: Engine, broker: BrokerSettings, batch_size: int = 500, batch_seconds: float = 0.2,
                 report_seconds: float = 10.0, report: Callable[[str], None] = print):
        self.copy, self.broker = copy, broker
        self.batch_size, self.batch_seconds, self.report_seconds = batch_size, batch_seconds, report_seconds
        self.report = report
        self.progress = Progress()
        self._reported = Progress()
        self._last_report = time.monotonic()

    async def run(self, stop: asyncio.Event) -> Progress:
        import aio_pika

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, event_copy.ensure_tables, self.copy)
        delay = 1.0
        while not stop.is_set():
            try:
                connection = await aio_pika.connect_robust(
                    host=self.broker.host, port=self.broker.port, login=self.broker.user, password=self.broker.password,
                    timeout=10, reconnect_interval=1)
            except (OSError, asyncio.TimeoutError, aio_pika.exceptions.AMQPError) as error:
                logger.warning(f"RabbitMQ at {self.broker.host}:{self.broker.port} not reachable ({error.__class__.__name__}); "
                               f"retrying in {delay:.0f} s")
                await _wait(stop, delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            connection.reconnect_callbacks.add(lambda *_: logger.warning("RabbitMQ connection restored; consuming again"))
            try:
                inbox: asyncio.Queue = asyncio.Queue()
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=self.batch_size * 2)
                # Declared as PikaEventBroker declares them (a different durability would be refused).
                exchange = await channel.declare_exchange(self.broker.exchange, aio_pika.ExchangeType.FANOUT)
                queue = await channel.declare_queue(self.broker.queue, durable=True)
                await queue.bind(exchange, "")
                await queue.consume(inbox.put)
                self.report(f"Consuming queue {self.broker.queue} on {self.broker.host}:{self.broker.port}.")
                await self._drain(inbox, stop)
            finally:
                await connection.close()
        self.report(f"Stopped: {self.progress.line()}.")
        return self.progress

    async def _drain(self, inbox: asyncio.Queue, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batch = await self._collect(inbox, stop)
            if batch:
                await self._handle(batch, stop)
            self._maybe_report()

    async def _collect(self, inbox: asyncio.Queue, stop: asyncio.Event) -> list:
        try:
            first = await asyncio.wait_for(inbox.get(), timeout=0.5)
        except asyncio.TimeoutError:
            return []
        batch, deadline = [first], time.monotonic() + self.batch_seconds
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(inbox.get(), timeout=remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _handle(self, messages: list, stop: asyncio.Event) -> None:
        parsed: List[event_copy.CopiedEvent] = []
        for message in messages:
            try:
                parsed.append(event_copy.from_broker(message.body))
            except event_copy.InvalidEvent as error:
                self.progress.invalid += 1
                logger.warning(f"Dropped a message that is not a Rasa event: {error}")
        loop = asyncio.get_running_loop()
        delay = 1.0
        while True:
            try:
                result = await loop.run_in_executor(None, event_copy.write, self.copy, parsed)
                break
            except sqlalchemy.exc.SQLAlchemyError as error:
                # The database is down or restarting: keep the messages unacknowledged and retry.
                logger.warning(f"Analytics database unavailable ({error.__class__.__name__}); retrying in {delay:.0f} s")
                if stop.is_set():
                    return  # unacknowledged: RabbitMQ delivers them again to the next consumer
                await _wait(stop, delay)
                delay = min(delay * 2, 30.0)
        self.progress.written += result.written
        self.progress.duplicates += result.duplicates
        self.progress.erased += result.erased
        for message in messages:
            try:
                await message.ack()
            except Exception as error:  # the channel closed since delivery: it comes again, and is skipped
                logger.info(f"Could not acknowledge a message ({error.__class__.__name__}); it will be redelivered and skipped")

    def _maybe_report(self) -> None:
        if time.monotonic() - self._last_report < self.report_seconds or self.progress == self._reported:
            return
        self.report(f"Progress: {self.progress.line()}.")
        self._reported = Progress(**vars(self.progress))
        self._last_report = time.monotonic()


def consume(copy: Engine, broker: BrokerSettings, **kwargs) -> Progress:
    """Run until SIGTERM or SIGINT."""

    async def main() -> Progress:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await BrokerFeed(copy, broker, **kwargs).run(stop)

    return asyncio.run(main())
