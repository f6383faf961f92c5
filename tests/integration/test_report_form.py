"""The confidential report, end to end through the running servers and the staff CLI.

Danger message → report offer → form (both languages) → stored encrypted → signed webhook
delivered once the receiver is up → `bot reports show/close` → audit log.
"""
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from datetime import timedelta

from bot.devtools.paths import ROOT
from bot.reports import clock
from bot.reports.outbox import DeliveryConfig, Deliverer
from bot.reports.store import ReportStore
from bot.reports.webhook import verify_signature

pytestmark = pytest.mark.servers
CASE_CODE = re.compile(r"SN-[A-Z0-9]{4}-[A-Z0-9]{2}")


def _staff(assistant, *args):
    env = {**os.environ, **assistant.reports_env}
    return subprocess.run([sys.executable, "-m", "bot.cli", "reports", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


class _Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Receiver.received.append((body, self.headers.get("X-Senales-Signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _file_bytes(path):
    data = b""
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            data += open(path + suffix, "rb").read()
    return data


def _fill_form(assistant, sender, answers):
    replies = []
    for answer in answers:
        replies.append(assistant.texts(sender, answer))
    return replies


def test_english_report_is_stored_encrypted_delivered_signed_and_audited(assistant):
    sender = assistant.new_sender("report")
    first = assistant.texts(sender, "theres a white van outside my school every day since i blocked them and a guy in it watching me")
    assert "confidential report" in first[-1]
    explain = assistant.texts(sender, "yes")
    assert "not the police" in explain[0] and "What happened" in explain[-1]
    secret_story = "A guy called Primo on a grey truck waits at my bus stop every morning since I said no"
    replies = _fill_form(assistant, sender, [secret_story, "instagram", "@quickcash.rides.tx", "skip", "no"])
    assert "Which app" in replies[0][-1] and "name of the account" in replies[1][-1]
    assert "Roughly where" in replies[2][-1] and "message you back" in replies[3][-1]
    sent = replies[4][-1]
    code = CASE_CODE.search(sent).group(0)
    assert "report was sent" in sent

    # encrypted at rest: neither the story nor the account name is in the database bytes
    raw = _file_bytes(assistant.reports_env["SENALES_REPORTS_DB"])
    assert raw and b"Primo" not in raw and b"quickcash" not in raw and sender.encode() not in raw

    # the receiver is down: the staff command says so (exit 1), the report waits, nothing is lost
    down = _staff(assistant, "deliver")
    assert down.returncode == 1 and "webhook unreachable" in down.stderr, (down.returncode, down.stderr)
    assert "pending, 1 attempt" in _staff(assistant, "show", code).stdout
    _Receiver.received.clear()
    server = ThreadingHTTPServer(("127.0.0.1", assistant.webhook_port), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # the retry is due after back-off (15-30 s for the first one): run it as if two hours passed
        env = assistant.reports_env
        with ReportStore(env["SENALES_REPORTS_DB"], key_file=env["SENALES_REPORTS_KEY_FILE"]) as store:
            deliverer = Deliverer(store, DeliveryConfig.from_env(env))
            later = clock.utcnow() + timedelta(hours=2)
            deliverer.deliver_pending(now=later)
            deliverer.deliver_pending(now=later + timedelta(hours=2))  # a second run sends nothing again
    finally:
        server.shutdown()
    bodies = [(b, sig) for b, sig in _Receiver.received if code.encode() in b]
    assert len(bodies) == 1, "delivered exactly once"
    body, signature = bodies[0]
    assert verify_signature(body, signature, assistant.reports_env["SENALES_REPORTS_WEBHOOK_SECRET"])
    report = json.loads(body)["report"]
    assert report["what_happened"] == secret_story and report["recruiter_app"] == "instagram"
    assert report["area"] is None and report["contact_back"] is False

    shown = _staff(assistant, "show", code)
    assert shown.returncode == 0 and "Primo" in shown.stdout
    closed = _staff(assistant, "close", code, "--note", "called school counselor")
    assert closed.returncode == 0, closed.stderr
    audit = _staff(assistant, "audit")
    assert code in audit.stdout and "show" in audit.stdout and "close" in audit.stdout


def test_spanish_report_with_language_switch_long_text_and_empty_answers(assistant):
    sender = assistant.new_sender("reporte")
    first = assistant.texts(sender, "me dijeron q les debo la gasolina y q si no manejo van por mi jefa")
    assert "reporte confidencial" in first[-1]
    assistant.texts(sender, "sí")
    long_story = "me escribieron por tiktok " + "y luego me siguieron escribiendo " * 400
    clipped = assistant.texts(sender, long_story)
    assert any("guardé la primera parte" in t for t in clipped), clipped
    assert "Qué app" in clipped[-1]
    again = assistant.texts(sender, "english please")  # a language switch is not an answer
    assert "Which app" in again[-1], again
    replies = _fill_form(assistant, sender, ["tiktok", "saltar", "por laredo", "no"])
    code = CASE_CODE.search(replies[-1][-1]).group(0)
    shown = _staff(assistant, "show", code)
    assert "tiktok" in shown.stdout and "laredo" in shown.stdout


def test_stop_midway_sends_nothing(assistant):
    before = _staff(assistant, "list").stdout.count("SN-")
    sender = assistant.new_sender("stop")
    assistant.texts(sender, "how can i report a recruiter anonymously")
    assistant.texts(sender, "yes")
    asked = assistant.texts(sender, "they dmed me on snap about driving people")
    assert "Which app" in asked[-1]
    stopped = assistant.texts(sender, "stop")
    assert "Nothing was sent" in stopped[-1], stopped
    assert _staff(assistant, "list").stdout.count("SN-") == before
    assert assistant.tracker(sender)["active_loop"] in ({}, None) or not assistant.tracker(sender)["active_loop"].get("name")


def test_declining_the_report_offer(assistant):
    sender = assistant.new_sender("decline")
    assistant.texts(sender, "they showed me a gun in the car")
    texts = assistant.texts(sender, "no")
    assert "You can ask me for a report any time" in texts[-1]
