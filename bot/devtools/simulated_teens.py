"""Simulated teens: real signed Twilio webhooks, Telegram updates or REST posts, with think time.

Used by ``benchmarks/load.py`` and the production-topology fault tests. Each teen sends its
messages one after the other, as a person does (the next one after the reply and a pause), and
behaves like the service in front of it on failure: Twilio and Telegram deliver a message again,
with the same MessageSid / update_id, when they got no answer (a 5xx or a dropped connection).
A message counts as *acknowledged* when it got a 200; its latency runs from the first delivery
to that 200, retries included.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from twilio.request_validator import RequestValidator

SMS_PATH = "/webhooks/sms/webhook"
TELEGRAM_PATH = "/webhooks/telegram/webhook"
REST_PATH = "/webhooks/rest/webhook"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(random.randint(10_000, 10_000_000))

# What simulated teens say: topic questions, an offer to check, thanks. Plain, in both languages.
SCRIPTS = [
    ["hi", "what are the red flags", "how do i say no", "thanks"],
    ["hola", "cuales son las señales de alerta", "como digo que no", "gracias"],
    ["hey is this legit: need drivers tonight, 1500 a trip, no questions, hmu on telegram", "how do i help a friend", "bye"],
    ["me ofrecen 1000 por manejar a la frontera hoy, es legal?", "que me puede pasar legalmente", "gracias"],
]


@dataclass
class Delivery:
    """One teen message and what became of it."""

    teen: str
    key: str  # MessageSid or update_id: the same on every retry
    text: str
    sent_at: float = 0.0
    latency: Optional[float] = None  # seconds to the 200, retries included; None if never acknowledged
    attempts: int = 0
    replies: List[str] = field(default_factory=list)
    statuses: List[int] = field(default_factory=list)  # every answer (0 = connection failed)
    instances: List[str] = field(default_factory=list)  # which upstream answered (nginx header)


@dataclass
class Teen:
    name: str
    channel: str  # "sms" | "telegram" | "rest"
    address: str  # phone number, chat id, or REST sender id
    script: List[str]


class Channel:
    """How one kind of webhook is built and read."""

    def __init__(self, base: str, kind: str, twilio_auth_token: str = "", public_url: str = "",
                 telegram_secret: str = ""):
        self.base, self.kind = base.rstrip("/"), kind
        self.public_url = (public_url or base).rstrip("/")
        self.validator = RequestValidator(twilio_auth_token) if twilio_auth_token else None
        self.telegram_secret = telegram_secret

    def new_key(self) -> str:
        if self.kind == "telegram":
            return str(next(_update_ids))
        return "SM" + "%032x" % random.getrandbits(128)

    def request(self, teen: Teen, text: str, key: str):
        """(path, body bytes, headers) for one delivery of ``text``."""
        if self.kind == "sms":
            params = {"MessageSid": key, "AccountSid": "AC" + "0" * 32, "From": teen.address,
                      "To": "+15550001111", "NumMedia": "0", "Body": text}
            signature = self.validator.compute_signature(self.public_url + SMS_PATH, params)
            return SMS_PATH, urllib.parse.urlencode(params).encode(), {
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        if self.kind == "telegram":
            chat = int(teen.address)
            update = {"update_id": int(key), "message": {
                "message_id": random.randint(1, 10**6), "date": int(time.time()), "text": text,
                "chat": {"id": chat, "type": "private", "first_name": "Teen"},
                "from": {"id": chat, "is_bot": False, "first_name": "Teen"}}}
            return TELEGRAM_PATH, json.dumps(update).encode(), {
                "Content-Type": "application/json", TELEGRAM_SECRET_HEADER: self.telegram_secret}
        return REST_PATH, json.dumps({"sender": teen.address, "message": text}).encode(), {
            "Content-Type": "application/json"}

    def replies(self, body: bytes) -> List[str]:
        if self.kind == "sms":
            return [m.text or "" for m in ElementTree.fromstring(body).iter("Message")]
        if self.kind == "telegram":
            return []  # sent to the Bot API, counted there
        return [r.get("text", "") for r in json.loads(body or b"[]") if r.get("text")]


def make_teens(count: int, channel: str, prefix: str = "teen") -> List[Teen]:
    teens = []
    for i in range(count):
        if channel == "sms":
            address = "+1555" + "".join(random.choice("0123456789") for _ in range(7))
        elif channel == "telegram":
            address = str(random.randint(100_000_000, 999_999_999))
        else:
            address = f"{prefix}-{i}-{random.getrandbits(40):x}"
        teens.append(Teen(f"{prefix}-{i}", channel, address, SCRIPTS[i % len(SCRIPTS)]))
    return teens


async def deliver(session, channel: Channel, teen: Teen, text: str, deadline_seconds: float = 90.0,
                  timeout: float = 30.0) -> Delivery:
    """Deliver one message the way the service would, retrying with the same key until a 200."""
    import aiohttp

    delivery = Delivery(teen.name, channel.new_key(), text, sent_at=time.monotonic())
    backoff = 0.5
    while time.monotonic() - delivery.sent_at < deadline_seconds:
        path, body, headers = channel.request(teen, text, delivery.key)
        delivery.attempts += 1
        try:
            async with session.post(channel.base + path, data=body, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                payload = await response.read()
                delivery.statuses.append(response.status)
                delivery.instances.append(response.headers.get("X-Senales-Instance", ""))
                if response.status == 200:
                    delivery.latency = time.monotonic() - delivery.sent_at
                    delivery.replies = channel.replies(payload)
                    return delivery
        except (aiohttp.ClientError, asyncio.TimeoutError):
            delivery.statuses.append(0)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 5.0)
    return delivery


async def run_teen(session, channel: Channel, teen: Teen, think_seconds: float, log: List[Delivery],
                   stop_at: Optional[float] = None) -> None:
    for text in teen.script:
        if stop_at is not None and time.monotonic() >= stop_at:
            return
        log.append(await deliver(session, channel, teen, text))
        await asyncio.sleep(random.uniform(0.5, 1.5) * think_seconds)


async def run_load(channel: Channel, teens: List[Teen], concurrency: int, think_seconds: float,
                   duration: Optional[float] = None) -> List[Delivery]:
    """``concurrency`` teens at a time; when one finishes its script the next starts, until all
    teens are done (or ``duration`` seconds have passed, when given)."""
    import aiohttp

    log: List[Delivery] = []
    queue: "asyncio.Queue[Teen]" = asyncio.Queue()
    for teen in teens:
        queue.put_nowait(teen)
    stop_at = time.monotonic() + duration if duration else None
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker():
            while not queue.empty() and (stop_at is None or time.monotonic() < stop_at):
                await run_teen(session, channel, queue.get_nowait(), think_seconds, log, stop_at)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return log


async def run_paired(channels: List[Channel], conversations: int, think_seconds: float) -> Dict[str, List[Delivery]]:
    """One teen at a time on each channel, the channels taking turns message by message.

    Why: a latency ratio between two channels measured one after the other also measures
    whatever changed on the machine in between (another process, the tracker tables growing);
    taking turns exposes both channels to the same moments. Each conversation is a new teen per
    channel with the same script, so both carry the same work."""
    import aiohttp

    logs: Dict[str, List[Delivery]] = {channel.kind: [] for channel in channels}
    async with aiohttp.ClientSession() as session:
        for number in range(conversations):
            script = SCRIPTS[number % len(SCRIPTS)]
            teens = {channel.kind: make_teens(1, channel.kind, prefix=f"paired{number}")[0] for channel in channels}
            for text in script:
                order = list(channels)
                random.shuffle(order)  # neither channel always right after the other's reply
                for channel in order:
                    logs[channel.kind].append(await deliver(session, channel, teens[channel.kind], text))
                    await asyncio.sleep(random.uniform(0.5, 1.5) * think_seconds)
    return logs


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(log: List[Delivery], seconds: float) -> Dict[str, float]:
    latencies = [d.latency for d in log if d.latency is not None]
    return {
        "sent": len(log), "acknowledged": len(latencies), "retried": sum(d.attempts > 1 for d in log),
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000, "throughput_per_s": len(latencies) / seconds if seconds else 0.0,
    }
