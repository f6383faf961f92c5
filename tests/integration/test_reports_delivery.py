"""Report delivery against real local servers: a signed webhook and an SMTP server.

No Rasa here: a thread-backed ``http.server`` and a tiny SMTP responder on 127.0.0.1 stand in
for the outreach team's systems, so the bytes on the wire are the ones production would send.
"""
from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet

from bot.devtools.paths import ROOT
from bot.reports import clock
from bot.reports.crypto import ensure_local_key
from bot.reports.email_notice import EmailConfig
from bot.reports.outbox import Deliverer, DeliveryConfig, verify_signature
from bot.reports.store import ReportStore
from bot.reports.webhook import WebhookConfig

HOST = "127.0.0.1"
SECRET = "test-webhook-secret"
REPORT = {
    "what_happened": "Un hombre en Instagram me pidió llevar una mochila a Phoenix",
    "recruiter_app": "Instagram",
    "recruiter_account": "@trabajo_facil_az",
    "area": "Yuma",
    "contact_back": True,
    "contact_address": "+15550199",
    "danger_type": "recruitment_offer",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Local servers must be reached directly even where a proxy is configured."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records every POST and answers ``status``."""

    def __init__(self, port: int, status: int = 200):
        self.requests, self.status = [], status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://{HOST}:{port}/senales/reports"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SMTPResponder(socketserver.StreamRequestHandler):
    """Just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to receive a message."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 localhost test SMTP ready")
        envelope = {"from": None, "to": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250-8BITMIME")
                self.reply("250 SIZE 10000000")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].split()[0].strip("<>"), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].split()[0].strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.messages.append(dict(envelope, data=b"".join(data)))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer((HOST, 0), SMTPResponder)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver():
    started = WebhookReceiver(free_port())
    yield started
    started.stop()


@pytest.fixture
def store(tmp_path):
    with ReportStore(tmp_path / "reports.db", Fernet.generate_key()) as opened:
        yield opened


def webhook_only(url: str) -> DeliveryConfig:
    return DeliveryConfig(webhook=WebhookConfig(url=url, secret=SECRET, timeout=5))


def test_webhook_receives_a_signed_report(store, receiver):
    code = store.create_report(REPORT, language="es", channel="whatsapp", sender_id="+15550142")
    before = int(time.time())
    result = Deliverer(store, webhook_only(receiver.url)).deliver_pending()
    assert result.delivered == [(code, "webhook")] and result.failed == []

    (headers, body), = receiver.requests
    assert verify_signature(body, headers["X-Senales-Signature"], SECRET)
    assert not verify_signature(body, headers["X-Senales-Signature"], "wrong-secret")
    assert before - 1 <= int(headers["X-Senales-Timestamp"]) <= time.time() + 1
    assert headers["Content-Type"].startswith("application/json")
    document = json.loads(body)
    assert document["case_code"] == code and document["language"] == "es"
    assert document["danger_type"] == "recruitment_offer" and document["created_at"] == store.get(code).created_at
    assert document["report"] == REPORT
    assert "+15550142" not in body.decode("utf-8")

    webhook_item = next(i for i in store.deliveries(code) if i.target == "webhook")
    assert webhook_item.delivered_at and webhook_item.attempts == 1
    Deliverer(store, webhook_only(receiver.url)).deliver_pending(clock.utcnow() + timedelta(days=2))
    assert len(receiver.requests) == 1, "a delivered report is never sent again"


def test_receiver_down_delays_delivery_then_delivers_exactly_once(store):
    port = free_port()  # nothing listens here yet: connection refused
    url = f"http://{HOST}:{port}/senales/reports"
    code = store.create_report(REPORT, language="en", channel="sms", sender_id="+15550143")
    deliverer = Deliverer(store, webhook_only(url))

    t0 = clock.utcnow()
    result = deliverer.deliver_pending(t0)
    assert result.delivered == [] and [(c, t) for c, t, _ in result.failed] == [(code, "webhook")]
    item = next(i for i in store.deliveries(code) if i.target == "webhook")
    assert item.attempts == 1 and item.delivered_at is None and "unreachable" in item.last_error
    retry_at = clock.from_text(item.next_attempt_at)
    assert timedelta(seconds=15) <= retry_at - t0 <= timedelta(seconds=30)

    receiver = WebhookReceiver(port)
    try:
        early = deliverer.deliver_pending(retry_at - timedelta(seconds=1))
        assert early.delivered == [] and early.failed == [] and receiver.requests == [], "back-off must be respected"
        assert next(i for i in store.deliveries(code) if i.target == "webhook").attempts == 1

        assert deliverer.deliver_pending(retry_at).delivered == [(code, "webhook")]
        for hours in (1, 5, 48):
            deliverer.deliver_pending(retry_at + timedelta(hours=hours))
        assert len(receiver.requests) == 1
        headers, body = receiver.requests[0]
        assert verify_signature(body, headers["X-Senales-Signature"], SECRET)
        assert json.loads(body)["case_code"] == code
    finally:
        receiver.stop()
    item = next(i for i in store.deliveries(code) if i.target == "webhook")
    assert item.attempts == 2 and item.delivered_at and item.last_error is None


def test_receiver_errors_are_retried_with_growing_delays(store):
    receiver = WebhookReceiver(free_port(), status=503)
    try:
        code = store.create_report(REPORT, language="en", channel="sms", sender_id="x")
        deliverer = Deliverer(store, webhook_only(receiver.url))
        now, gaps = clock.utcnow(), []
        for _ in range(4):
            assert deliverer.deliver_pending(now).failed
            item = next(i for i in store.deliveries(code) if i.target == "webhook")
            assert item.last_error == "webhook answered HTTP 503"
            retry_at = clock.from_text(item.next_attempt_at)
            gaps.append((retry_at - now).total_seconds())
            now = retry_at
        assert len(receiver.requests) == 4 and item.attempts == 4
        assert gaps[-1] > gaps[0] and gaps[-1] >= 30 * 2 ** 3 / 2
        receiver.status = 200
        assert deliverer.deliver_pending(now).delivered == [(code, "webhook")]
    finally:
        receiver.stop()


def test_email_notice_reaches_a_real_smtp_server_without_the_report_text(store, smtp_server):
    code = store.create_report(REPORT, language="es", channel="telegram", sender_id="chat-77")
    config = DeliveryConfig(
        email=EmailConfig(
            host=HOST, port=smtp_server.server_address[1], sender="bot@senales.test", recipients=("outreach@senales.test", "lead@senales.test"), starttls=False
        )
    )
    result = Deliverer(store, config).deliver_pending()
    assert result.delivered == [(code, "email")] and result.unconfigured == {"webhook": 1}

    (message,) = smtp_server.messages
    assert message["from"] == "bot@senales.test" and message["to"] == ["outreach@senales.test", "lead@senales.test"]
    parsed = email.message_from_bytes(message["data"], policy=email.policy.default)
    assert code in parsed["Subject"] and "Señales" in parsed["Subject"]
    text = parsed.get_content()
    assert code in text and "recruitment_offer" in text and f"bot reports show {code}" in text
    for private in (REPORT["what_happened"], REPORT["recruiter_account"], REPORT["contact_address"], "Yuma"):
        assert private not in text and private.encode() not in message["data"]

    Deliverer(store, config).deliver_pending(clock.utcnow() + timedelta(days=1))
    assert len(smtp_server.messages) == 1


def test_smtp_down_then_up(store):
    port = free_port()
    code = store.create_report(REPORT, language="en", channel="sms", sender_id="x")
    config = DeliveryConfig(email=EmailConfig(host=HOST, port=port, sender="bot@senales.test", recipients=("o@senales.test",), starttls=False, timeout=5))
    deliverer = Deliverer(store, config)
    assert deliverer.deliver_pending().failed
    item = next(i for i in store.deliveries(code) if i.target == "email")
    server = socketserver.ThreadingTCPServer((HOST, port), SMTPResponder)
    server.daemon_threads, server.messages = True, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert deliverer.deliver_pending(clock.from_text(item.next_attempt_at)).delivered == [(code, "email")]
        assert len(server.messages) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_bot_reports_deliver_uses_the_environment(tmp_path, receiver, smtp_server):
    key_file = ensure_local_key(tmp_path / "reports.key")
    with ReportStore(tmp_path / "reports.db", key_file.read_bytes().strip()) as store:
        code = store.create_report(REPORT, language="es", channel="sms", sender_id="x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENALES_")}
    env.update(
        PYTHONPATH=str(ROOT),
        SENALES_REPORTS_DB=str(tmp_path / "reports.db"),
        SENALES_REPORTS_KEY_FILE=str(key_file),
        SENALES_REPORTS_AUDIT_LOG=str(tmp_path / "audit.log"),
        SENALES_REPORTS_WEBHOOK_URL=receiver.url,
        SENALES_REPORTS_WEBHOOK_SECRET=SECRET,
        SENALES_SMTP_HOST=HOST,
        SENALES_SMTP_PORT=str(smtp_server.server_address[1]),
        SENALES_SMTP_FROM="bot@senales.test",
        SENALES_SMTP_TO="outreach@senales.test",
        SENALES_SMTP_STARTTLS="false",
    )
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
    run = lambda: subprocess.run([python, "-m", "bot.cli", "reports", "deliver"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    first = run()
    assert first.returncode == 0, first.stderr
    assert "delivered 2, failed 0" in first.stdout
    assert run().returncode == 0
    assert len(receiver.requests) == 1 and len(smtp_server.messages) == 1
    headers, body = receiver.requests[0]
    assert verify_signature(body, headers["X-Senales-Signature"], SECRET) and json.loads(body)["case_code"] == code
