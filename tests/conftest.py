"""Shared fixtures: the real Rasa server and action server, started once per test session.

Integration tests talk to them over HTTP exactly as a channel or ``make shell`` would. Each test
uses its own sender id, so conversations never leak into each other.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text

from bot.devtools import servers
from bot.devtools.paths import MODEL_FILE, ROOT
from bot.hotlines import template_values

ARTIFACTS = ROOT / "var" / "test-artifacts"


def require_services() -> bool:
    """CI sets REQUIRE_SERVICES=1: there a missing service fails instead of skipping."""
    return os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if require_services():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this does not skip)")
    pytest.skip(reason)


PG_ADMIN = os.environ.get("SENALES_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def scratch_pg_database(name: str):
    """A fresh database ``name`` on the test PostgreSQL server for a fixture: ``with`` gives its
    URL; it is dropped at the end even when a test left a connection open.

    Each step opens its own admin connection: the fault tests restart PostgreSQL mid-session,
    which closes any connection held from the start (seen as a teardown error in CI). Skips, or
    fails under REQUIRE_SERVICES=1, where PostgreSQL is unreachable.
    """
    import psycopg2

    def run(sql: str) -> None:
        conn = psycopg2.connect(PG_ADMIN, connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    try:
        run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg2.OperationalError as error:
        skip_or_fail(f"PostgreSQL is not reachable at {PG_ADMIN}: {str(error).splitlines()[0]}")
    run(f"CREATE DATABASE {name}")
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((servers.HOST, 0))
        return sock.getsockname()[1]


class RunningAssistant:
    """Handle on the servers started for the tests, with small HTTP helpers.

    ``reports_env`` is the environment the action server stores reports with (a temporary
    database and key, a webhook on ``webhook_port`` that no server listens on until a test
    starts one), so tests can run the staff CLI against the same store.
    """

    def __init__(self, rasa: servers.ServerProcess, actions: servers.ServerProcess, port: int, db: Path,
                 reports_env: dict, webhook_port: int, channels: dict = None, fake_bot_api=None):
        self.rasa, self.actions, self.port, self.db = rasa, actions, port, db
        self.reports_env, self.webhook_port = reports_env, webhook_port
        self.base = f"http://{servers.HOST}:{port}"
        self.channels = channels or {}  # the test secrets in the Rasa server's credentials.yml
        self.fake_bot_api = fake_bot_api

    def new_sender(self, prefix: str = "test") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def send(self, sender: str, text) -> list:
        status, body = servers.post_json(f"{self.base}/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200, f"REST channel answered {status}: {body}"
        return body

    def texts(self, sender: str, text) -> list:
        return [reply["text"] for reply in self.send(sender, text) if reply.get("text")]

    def tracker(self, sender: str) -> dict:
        url = f"{self.base}/conversations/{urllib.parse.quote(sender)}/tracker"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def raw_post(self, path: str, body: bytes, content_type: str = "application/json", headers: dict = None):
        headers = {"Content-Type": content_type, **(headers or {})}
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> RunningAssistant:
    if not MODEL_FILE.exists():
        pytest.fail(f"No trained model at {MODEL_FILE}: run `make train` (make test does it first).")
    workdir = tmp_path_factory.mktemp("servers")
    actions_port, rasa_port = free_port(), free_port()
    db = workdir / "tracker.db"
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://{servers.HOST}:{actions_port}/webhook"
    endpoints["tracker_store"]["db"] = str(db)
    endpoints_file = workdir / "endpoints.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints))

    from bot.reports.crypto import ensure_local_key

    webhook_port = free_port()
    reports_env = {
        "SENALES_REPORTS_DB": str(workdir / "reports.db"),
        "SENALES_REPORTS_KEY_FILE": str(ensure_local_key(workdir / "reports.key")),
        "SENALES_REPORTS_AUDIT_LOG": str(workdir / "reports-audit.log"),
        "SENALES_REPORTS_WEBHOOK_URL": f"http://{servers.HOST}:{webhook_port}/reports",
        "SENALES_REPORTS_WEBHOOK_SECRET": "test-webhook-secret",
    }
    # SMS and Telegram channels with test secrets; Telegram talks to a fake Bot API on localhost.
    from tests.fake_bot_api import FakeBotApi

    fake_bot_api = FakeBotApi(servers.HOST).start()
    channels = {
        "twilio_auth_token": "test-twilio-auth-token",
        "public_url": "https://senales.example.org",  # as if behind a TLS proxy
        "telegram_token": fake_bot_api.token,
        "telegram_secret": "test-telegram-secret-0123456789",
        "channels_db": workdir / "channels.db",
        "sender_key": "test-sender-key-" + "k" * 32,
    }
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    credentials["bot.channels.twilio_sms.TwilioSmsInput"] = {
        "auth_token": channels["twilio_auth_token"], "public_url": channels["public_url"]}
    credentials["bot.channels.telegram_bot.TelegramInput"] = {
        "access_token": channels["telegram_token"], "secret_token": channels["telegram_secret"],
        "api_url": fake_bot_api.url}
    credentials_file = workdir / "credentials.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    rasa_env = {**reports_env, "SENALES_SENDER_KEY": channels["sender_key"],
                "SENALES_CHANNELS_DB": str(channels["channels_db"])}

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    rasa_log = ARTIFACTS / "rasa.log"
    rasa_log.unlink(missing_ok=True)  # tests search this log for phone numbers: this run's only
    actions = servers.action_server(actions_port, ARTIFACTS / "actions.log", env=reports_env)
    rasa = servers.rasa_server(rasa_port, rasa_log, endpoints=endpoints_file, credentials=credentials_file, env=rasa_env)
    actions.start()
    rasa.start()
    try:
        actions.wait_ready(timeout=120)
        rasa.wait_ready(timeout=300)
        yield RunningAssistant(rasa, actions, rasa_port, db, reports_env, webhook_port, channels, fake_bot_api)
    finally:
        rasa.stop()
        actions.stop()
        fake_bot_api.stop()


def _rendered(text: str) -> str:
    """The text as the server sends it: Rasa's interpolator with the hotline values (HotlineNLG)."""
    return interpolate_text(text, template_values())


@pytest.fixture(scope="session")
def response_language() -> dict:
    """Maps every reply text the domain can produce to its language, to check reply language."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    languages = {}
    for variants in domain["responses"].values():
        for variant in variants:
            language = next(c["value"] for c in variant.get("condition", []) if c["name"] == "language")
            if "text" in variant:
                languages[_rendered(variant["text"]).strip()] = language
    return languages
