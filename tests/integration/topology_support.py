"""The production topology for tests: two Rasa instances and an action server behind nginx, on
this machine's PostgreSQL, Redis and RabbitMQ, each test run in its own database, Redis
databases and queue (created here, removed afterwards).

Also: replaying ``tests/test_stories.yml`` over HTTP, and the services' start/stop commands for
the fault tests.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.devtools import servers
from bot.devtools.paths import ROOT
from bot.devtools.topology import Topology, nginx_binary
from tests.conftest import free_port, skip_or_fail

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", os.environ.get("SENALES_TEST_PG_USER", "postgres")
REDIS_LOCK_DB, REDIS_LIMIT_DB = 7, 8
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
TWILIO_TOKEN = "topology-twilio-auth-token"
TELEGRAM_SECRET = "topology-telegram-secret-0123456789"
SENDER_KEY = "topology-sender-key-" + "k" * 32
ARTIFACTS = ROOT / "var" / "test-artifacts"


def services_or_skip() -> None:
    """nginx, PostgreSQL, Redis and RabbitMQ must be there (CI: or the test fails)."""
    import psycopg2
    import redis

    try:
        nginx_binary()
    except RuntimeError as error:
        skip_or_fail(str(error))
    try:
        psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3).close()
    except psycopg2.Error as error:
        skip_or_fail(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}: {str(error).strip()}")
    try:
        redis.Redis(socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis not reachable at 127.0.0.1:6379: {error}")
    try:
        asyncio.run(_amqp(lambda channel: None))
    except Exception as error:  # aio-pika raises several unrelated types
        skip_or_fail(f"RabbitMQ not reachable at {AMQP_URL}: {error!r}")


async def _amqp(work):
    """Run ``work(channel)`` on a fresh RabbitMQ connection (tests only; Rasa has its own)."""
    import aio_pika

    connection = await asyncio.wait_for(aio_pika.connect(AMQP_URL), 10)
    try:
        channel = await connection.channel()
        result = work(channel)
        return await result if asyncio.iscoroutine(result) else result
    finally:
        await connection.close()


def _pg_admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


class RunningTopology:
    """A started ``Topology`` plus what the tests need to check it."""

    def __init__(self, workdir: Path, instances: int = 2):
        from cryptography.fernet import Fernet

        from tests.fake_bot_api import FakeBotApi

        self.run_id = uuid.uuid4().hex[:8]
        self.db = f"senales_topology_{self.run_id}"
        self.analytics_db = f"senales_topology_analytics_{self.run_id}"
        self.queue = f"senales_topology_{self.run_id}"
        self.fake_bot_api = FakeBotApi(servers.HOST).start()
        port = free_port()
        self.public_url = f"http://{servers.HOST}:{port}"
        pg_url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db}"
        self.pg_url = pg_url
        self.analytics_url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.analytics_db}"
        self.reports_env = {
            "SENALES_REPORTS_KEY": Fernet.generate_key().decode(),
            "SENALES_REPORTS_DB_URL": pg_url,  # shared by every action server
            "SENALES_REPORTS_AUDIT_LOG": str(workdir / "reports-audit.log"),
        }
        env = {
            "SENALES_ENV": "production",
            "SENALES_PG_HOST": PG_HOST, "SENALES_PG_PORT": PG_PORT, "SENALES_PG_DB": self.db,
            "SENALES_PG_USER": PG_USER, "SENALES_PG_PASSWORD": "",
            "SENALES_CHANNELS_DB_URL": pg_url, "SENALES_TRACKER_DB_URL": pg_url,
            "SENALES_ANALYTICS_DB_URL": self.analytics_url, "SENALES_ANALYTICS_EVENTS": "copy",
            "SENALES_REDIS_HOST": "127.0.0.1", "SENALES_REDIS_PORT": "6379", "SENALES_REDIS_DB": str(REDIS_LOCK_DB),
            "SENALES_REDIS_PASSWORD": "", "SENALES_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_LIMIT_DB}",
            "SENALES_RABBITMQ_HOST": "127.0.0.1", "SENALES_RABBITMQ_PORT": "5672", "SENALES_RABBITMQ_USER": "guest",
            "SENALES_RABBITMQ_PASSWORD": "guest", "SENALES_RABBITMQ_QUEUE": self.queue,
            "SENALES_RABBITMQ_EXCHANGE": self.queue,  # its own: other Rasa servers here publish to rasa-exchange
            # short leases so a crash is recovered from within the test's patience
            "TICKET_LOCK_LIFETIME": "10", "SENALES_CLAIM_LEASE_SECONDS": "10",
            "SENALES_SENDER_KEY": SENDER_KEY, "SENALES_PUBLIC_URL": self.public_url,
            **self.reports_env,
        }
        credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
        credentials["bot.channels.twilio_sms.TwilioSmsInput"] = {"auth_token": TWILIO_TOKEN}
        credentials["bot.channels.telegram_bot.TelegramInput"] = {
            "access_token": self.fake_bot_api.token, "secret_token": TELEGRAM_SECRET, "api_url": self.fake_bot_api.url}
        credentials_file = workdir / "credentials.yml"
        credentials_file.write_text(yaml.safe_dump(credentials))
        self.topology = Topology(env=env, rasa_ports=[free_port() for _ in range(instances)],
                                 action_ports=[free_port(), free_port()], port=port, actions_port=free_port(),
                                 run_dir=workdir / "prod", credentials=credentials_file)
        self.base = self.topology.base

    def start(self) -> "RunningTopology":
        import redis

        for db in (REDIS_LOCK_DB, REDIS_LIMIT_DB):
            redis.Redis(db=db).flushdb()
        _pg_admin(f"CREATE DATABASE {self.db}")
        _pg_admin(f"CREATE DATABASE {self.analytics_db}")
        self.topology.start()
        return self

    def stop(self) -> None:
        self.topology.stop()
        self.fake_bot_api.stop()
        for db in (self.db, self.analytics_db):
            try:
                _pg_admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            except Exception:
                pass
        try:
            asyncio.run(_amqp(lambda channel: channel.queue_delete(self.queue)))
            asyncio.run(_amqp(lambda channel: channel.exchange_delete(self.queue)))
        except Exception:
            pass
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        logs = self.topology.run_dir / "log"
        if logs.exists():
            shutil.copytree(logs, ARTIFACTS / "topology-logs", dirs_exist_ok=True)
        nginx_log = self.topology.run_dir / "nginx-error.log"
        if nginx_log.exists():
            shutil.copy(nginx_log, ARTIFACTS / "topology-logs" / "nginx-error.log")

    # --- talking to it ------------------------------------------------------------------
    def rest(self, sender: str, text: str):
        """(replies, instance that answered) over the REST channel, through nginx."""
        request = urllib.request.Request(f"{self.base}/webhooks/rest/webhook", method="POST",
                                         data=json.dumps({"sender": sender, "message": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read()), response.headers.get("X-Senales-Instance", "")

    def tracker(self, sender_id: str, not_from: str = "") -> Dict:
        """The tracker through nginx, or, with ``not_from="host:port"``, straight from another
        instance than that one (what one instance wrote, the others must read)."""
        base = self.base
        if not_from:
            others = [p for p in self.topology.rasa_ports if f"{servers.HOST}:{p}" != not_from]
            base = f"http://{servers.HOST}:{others[0]}"
        url = f"{base}/conversations/{urllib.parse.quote(sender_id)}/tracker"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def sms_sender_id(self, phone: str) -> str:
        from bot.channels.identity import SenderIds

        return SenderIds(SENDER_KEY.encode()).sender_id("sms", phone)

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted((self.topology.run_dir / "log").glob("rasa-*.log")))


def turns(tracker: Dict) -> List[Dict]:
    """The tracker cut into turns: each user message with the actions and bot texts after it."""
    out: List[Dict] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            out.append({"text": event.get("text"), "intent": (event.get("parse_data") or {}).get("intent", {}).get("name"),
                        "actions": [], "bot": []})
        elif out and event["event"] == "action" and event.get("name") != "action_listen":
            out[-1]["actions"].append(event["name"])
        elif out and event["event"] == "bot":
            out[-1]["bot"].append(event.get("text") or "")
    return out


def received_in_order(bot_texts: List[str], sms_replies: List[str]) -> bool:
    """True when the SMS pieces a teen received carry exactly these bot messages, in order.

    SMS rendering adds numbered options for buttons and may split a long message, never
    changing a word, so each bot text must appear, whitespace aside, one after the other."""
    received = " ".join(" ".join(sms_replies).split())
    position = 0
    for text in bot_texts:
        found = received.find(" ".join(text.split()), position)
        if found < 0:
            return False
        position = found + len(" ".join(text.split()))
    return bool(bot_texts) == bool(sms_replies)


def story_turns(story: Dict) -> List[Dict]:
    """A conversation test story as turns: user text, expected intent, expected actions."""
    out: List[Dict] = []
    for step in story["steps"]:
        if "user" in step:
            out.append({"text": step["user"].strip(), "intent": step.get("intent"), "actions": []})
        elif "action" in step and out:
            out[-1]["actions"].append(step["action"])
    return out


def stories() -> List[Dict]:
    return yaml.safe_load((ROOT / "tests" / "test_stories.yml").read_text())["stories"]


# --- the services, for the fault tests ---------------------------------------------------
def restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                   capture_output=True, timeout=120)


def rabbitmq(action: str) -> None:
    """``stop_app`` / ``start_app``: the broker goes away and comes back, the Erlang node stays."""
    subprocess.run(["rabbitmqctl", action], check=True, capture_output=True, timeout=120)
    if action == "start_app":
        subprocess.run(["rabbitmqctl", "await_startup"], check=False, capture_output=True, timeout=120)


def copied_events(analytics_url: str, sender_id: str) -> List[Dict]:
    """The events of one conversation that the analytics consumer copied from RabbitMQ."""
    import sqlalchemy as sa

    engine = sa.create_engine(analytics_url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                                {"s": sender_id}).fetchall()
    except sa.exc.ProgrammingError:  # no table yet: nothing copied
        return []
    finally:
        engine.dispose()
    return [{"event": row[0], **json.loads(row[1] or "{}")} for row in rows]


def queued_events(queue: str) -> List[Dict]:
    """Every event waiting in ``queue`` (read, then put back: the connection closes without ack)."""

    async def read(channel):
        source = await channel.declare_queue(queue, durable=True, passive=True)
        events = []
        while True:
            message = await source.get(no_ack=False, fail=False)
            if message is None:
                return events
            events.append(json.loads(message.body))

    return asyncio.run(_amqp(read))


def write_counts(name: str, counts: Dict) -> None:
    """The figures a fault test checked, kept for the CI log (.ci/run prints them)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "topology-counts.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = counts
    path.write_text(json.dumps(data, indent=2))
    print(f"\n{name}: {counts}")


def wait_until(check, timeout: float, interval: float = 0.5) -> Optional[object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return None
