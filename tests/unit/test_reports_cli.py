"""``bot reports`` as staff use it: a real subprocess, a temporary database, an audit trail.

The commands that touch the store run against a SQLite file and against PostgreSQL (``backend``,
chosen through the same environment variables production sets).
"""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

import pytest

from bot.devtools.paths import ROOT
from bot.reports.crypto import ensure_local_key
from bot.reports.store import ReportStore
from tests.unit.reports_backends import backend, reports_pg_url  # noqa: F401  (pytest fixtures)

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
TEXT = "A guy on Snapchat wants me to carry a backpack to Tucson"


@pytest.fixture
def plain_env(tmp_path):
    """A store-less environment: enough for --help and init-key."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENALES_")}
    environment.update(
        SENALES_REPORTS_DB=str(tmp_path / "reports.db"),
        SENALES_REPORTS_KEY_FILE=str(tmp_path / "reports.key"),
        SENALES_REPORTS_AUDIT_LOG=str(tmp_path / "audit.log"),
        PYTHONPATH=str(ROOT),
    )
    return environment


@pytest.fixture
def env(plain_env, backend):
    return {**plain_env, **backend.cli_env()}


@pytest.fixture
def seeded(env, backend):
    """Two reports written the way the assistant writes them; returns their case codes."""
    key = ensure_local_key(env["SENALES_REPORTS_KEY_FILE"]).read_bytes().strip()
    with ReportStore(backend.location, key) as store:
        first = store.create_report(
            {"what_happened": TEXT, "recruiter_app": "Snapchat", "danger_type": "recruitment_offer", "contact_back": True, "contact_address": "555-0100"},
            language="en",
            channel="sms",
            sender_id="+15550100",
        )
        second = store.create_report(
            {"what_happened": "Me amenazaron", "danger_type": "threat"}, language="es", channel="whatsapp", sender_id="+15550101"
        )
    return first, second


def bot(env, *args):
    return subprocess.run([PYTHON, "-m", "bot.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def audit_lines(env):
    with open(env["SENALES_REPORTS_AUDIT_LOG"], encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_list_show_close_work_and_every_access_is_audited(env, seeded, backend):
    first, second = seeded

    listed = bot(env, "reports", "list", "--as", "alice")
    assert listed.returncode == 0, listed.stderr
    assert first in listed.stdout and second in listed.stdout and "recruitment_offer" in listed.stdout
    assert TEXT not in listed.stdout, "the list shows no report text: reading one is a separate, audited step"

    shown = bot(env, "reports", "show", first.lower(), "--as", "alice")
    assert shown.returncode == 0, shown.stderr
    for expected in (first, TEXT, "Snapchat", "555-0100", "open", "webhook: pending"):
        assert expected in shown.stdout
    assert "+15550100" not in shown.stdout

    closed = bot(env, "reports", "close", second, "--note", "Called, safe now", "--as", "bob")
    assert closed.returncode == 0 and f"Closed {second}" in closed.stdout

    open_only = bot(env, "reports", "list", "--status", "open")
    assert first in open_only.stdout and second not in open_only.stdout
    closed_only = bot(env, "reports", "list", "--status", "closed")
    assert second in closed_only.stdout and first not in closed_only.stdout
    assert "Called, safe now" in bot(env, "reports", "show", second).stdout

    entries = audit_lines(env)
    assert [(e["who"], e["action"], e["case_code"]) for e in entries[:3]] == [
        ("alice", "list", None),
        ("alice", "show", first),
        ("bob", "close", second),
    ]
    assert [e["action"] for e in entries] == ["list", "show", "close", "list", "list", "show"]
    assert all(e["outcome"] == "ok" and e["at"] for e in entries)
    assert TEXT not in json.dumps(entries) and "Called, safe now" not in json.dumps(entries)
    assert stat.S_IMODE(os.stat(env["SENALES_REPORTS_AUDIT_LOG"]).st_mode) == 0o600

    table = backend.fetchall("SELECT who, action, case_code FROM audit ORDER BY id")
    assert table == [(e["who"], e["action"], e["case_code"]) for e in entries]
    if backend.is_postgres:
        assert not os.path.exists(env["SENALES_REPORTS_DB"]), "with SENALES_REPORTS_DB_URL set, no SQLite file is made"

    printed = bot(env, "reports", "audit")
    assert printed.returncode == 0
    assert "alice" in printed.stdout and "bob" in printed.stdout and second in printed.stdout
    only_second = bot(env, "reports", "audit", "--case", second)
    assert second in only_second.stdout and first not in only_second.stdout


def test_unknown_code_exits_1_with_a_clear_message_and_is_audited(env, seeded):
    result = bot(env, "reports", "show", "SN-ZZZZ-ZZ")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: No report SN-ZZZZ-ZZ"
    assert "Traceback" not in result.stderr and result.stdout == ""
    closing = bot(env, "reports", "close", "SN-ZZZZ-ZZ", "--note", "x")
    assert closing.returncode == 1 and "No report SN-ZZZZ-ZZ" in closing.stderr
    assert [(e["action"], e["outcome"]) for e in audit_lines(env)] == [("show", "not_found"), ("close", "not_found")]


def test_export_is_audited_and_writes_an_owner_only_file(env, seeded, tmp_path):
    out = tmp_path / "export.json"
    result = bot(env, "reports", "export", "--output", str(out))
    assert result.returncode == 0, result.stderr
    documents = json.loads(out.read_text(encoding="utf-8"))
    assert {d["case_code"] for d in documents} == set(seeded)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    (entry,) = audit_lines(env)
    assert entry["action"] == "export" and seeded[0] in entry["detail"]


def test_init_key_creates_a_0600_key_and_says_where(plain_env, tmp_path):
    env = plain_env
    result = bot(env, "reports", "init-key")
    assert result.returncode == 0
    assert env["SENALES_REPORTS_KEY_FILE"] in result.stdout
    assert stat.S_IMODE(os.stat(env["SENALES_REPORTS_KEY_FILE"]).st_mode) == 0o600
    again = bot(env, "reports", "init-key")
    assert again.returncode == 0 and "already exists" in again.stdout


def test_key_and_database_overrides_on_the_command_line(env, seeded, tmp_path, backend):
    """--db (a path or a postgresql:// URL) and --key-file win over the environment."""
    env = {k: v for k, v in env.items() if k != "SENALES_REPORTS_DB_URL"}
    env.update(SENALES_REPORTS_DB=str(tmp_path / "elsewhere.db"), SENALES_REPORTS_KEY_FILE=str(tmp_path / "other.key"))
    empty = bot(env, "reports", "list")
    assert empty.returncode == 0 and "No reports." in empty.stdout
    result = bot(env, "reports", "list", "--db", str(backend.location), "--key-file", str(tmp_path / "reports.key"))
    assert result.returncode == 0 and seeded[0] in result.stdout


def test_user_errors_never_show_a_traceback(env, seeded, tmp_path):
    os.chmod(env["SENALES_REPORTS_KEY_FILE"], 0o644)
    exposed = bot(env, "reports", "list")
    assert exposed.returncode == 1 and "readable by group or others" in exposed.stderr and "Traceback" not in exposed.stderr
    os.chmod(env["SENALES_REPORTS_KEY_FILE"], 0o600)

    production = dict(env, SENALES_ENV="production", SENALES_REPORTS_KEY_FILE=str(tmp_path / "missing.key"))
    refused = bot(production, "reports", "list")
    assert refused.returncode == 1 and "No reports key" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "missing.key").exists()

    wrong_key = bot(dict(env, SENALES_REPORTS_KEY_FILE=str(tmp_path / "fresh.key")), "reports", "list")
    assert wrong_key.returncode == 1 and "does not open" in wrong_key.stderr

    nothing = bot(env, "reports", "deliver")
    assert nothing.returncode == 1 and "SENALES_REPORTS_WEBHOOK_URL" in nothing.stderr

    bad_status = bot(env, "reports", "list", "--status", "pending")
    assert bad_status.returncode == 2 and "invalid choice" in bad_status.stderr


@pytest.mark.parametrize(
    "args", [[], ["reports"], ["reports", "list"], ["reports", "show"], ["reports", "close"], ["reports", "deliver"], ["reports", "audit"], ["reports", "init-key"], ["reports", "export"]]
)
def test_help_everywhere(plain_env, args):
    result = bot(plain_env, *args, "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: bot")


def test_deliver_forever_stops_cleanly_on_sigterm(env, seeded, backend):
    import signal
    import socket

    with socket.socket() as sock:  # a port nobody listens on: every pass fails, nothing is lost
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(env, SENALES_REPORTS_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", SENALES_REPORTS_WEBHOOK_SECRET="s", NO_PROXY="127.0.0.1")
    process = subprocess.Popen(
        [PYTHON, "-m", "bot.cli", "reports", "deliver", "--forever", "--interval", "0.2"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout.readline().startswith("Delivering every 0.2 s")
        assert "failed 2" in process.stdout.readline()  # first pass: both reports, receiver down
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Stopped." in out and "Traceback" not in err
    rows = backend.fetchall("SELECT attempts, delivered_at FROM outbox WHERE target = 'webhook'")
    assert rows == [(1, None), (1, None)], "a receiver that is down delays delivery, it loses nothing"


def test_a_reports_url_that_is_not_postgresql_is_refused_clearly(plain_env):
    result = bot(dict(plain_env, SENALES_REPORTS_DB_URL="sqlite:///var/reports.db"), "reports", "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "SENALES_REPORTS_DB_URL must be a postgresql:// URL" in result.stderr and "SENALES_REPORTS_DB" in result.stderr


def test_an_unreachable_postgresql_is_one_line_without_the_password(plain_env):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://senales:hunter2-secret@127.0.0.1:{port}/reports"
    result = bot(dict(plain_env, SENALES_REPORTS_DB_URL=url), "reports", "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: Reports database postgresql://senales:***@127.0.0.1:{port}/reports: ")
    assert "refused" in line.lower() and "hunter2" not in result.stderr + result.stdout
