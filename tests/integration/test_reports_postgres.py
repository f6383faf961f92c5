"""Several action servers and delivery workers sharing one PostgreSQL report store.

Real processes on a real PostgreSQL (``senales_wt_reports_test``, see tests/unit/reports_backends.py):
two writers submit at once from an empty database (racing to create the tables, bind the key and
draw case codes), two ``bot reports deliver`` workers drain one outbox into a local webhook, and
the table bytes on the server are checked for report text in clear.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import pytest
from cryptography.fernet import Fernet

from bot.devtools.paths import ROOT
from bot.reports.outbox import verify_signature
from bot.reports.postgres import NAMESPACE
from bot.reports.store import ReportStore
from tests.conftest import free_port, skip_or_fail
from tests.unit.reports_backends import PG_ADMIN, PG_DB, pg_backend, reports_pg_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.services

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
HOST = "127.0.0.1"
WEBHOOK_SECRET = "test-webhook-secret"
SECRET_TEXT = "Un señor en TikTok me ofreció 800 dólares por cruzar paquetes mañana"
PHONE = "+15557654321"

# One action server, reduced to what it does per report: the action's create_report (a new
# connection each time) after "go" on stdin. Case codes come from only 256 possible codes, so the
# two writers collide often and the retry on a taken code is exercised across processes.
SUBMITTER = r"""
import json, secrets, sys
from bot.reports import case_codes
from bot.reports.store import create_report

worker, count = sys.argv[1], int(sys.argv[2])
draws = []
def few_codes():
    draws.append(1)
    return "SN-AAAA-" + secrets.choice(case_codes.ALPHABET[:16]) + secrets.choice(case_codes.ALPHABET[:16])
case_codes.new_case_code = few_codes
sys.stdin.readline()  # wait for "go", so both writers start together
codes = [
    create_report({"what_happened": f"report {worker}-{i}", "danger_type": "threat"}, language="en", channel="sms", sender_id=f"{worker}-{i}")
    for i in range(count)
]
print(json.dumps({"codes": codes, "draws": len(draws)}))
"""


@pytest.fixture
def store_env(reports_pg_url, tmp_path):
    """An emptied PostgreSQL store and the environment that points processes at it."""
    backend = pg_backend(reports_pg_url, tmp_path)
    key = Fernet.generate_key()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENALES_")}
    environment.update(
        backend.cli_env(),
        SENALES_REPORTS_KEY=key.decode(),
        SENALES_REPORTS_AUDIT_LOG=str(tmp_path / "audit.log"),
        PYTHONPATH=str(ROOT),
        NO_PROXY="127.0.0.1,localhost",
    )
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        environment.pop(name, None)
    return backend, key, environment


def test_two_writers_at_once_get_100_distinct_codes_and_every_report_reads_back(store_env):
    backend, key, env = store_env
    assert backend.fetchall("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()") == [(0,)]
    writers = [
        subprocess.Popen([PYTHON, "-c", SUBMITTER, name, "50"], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    try:
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=180) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
    results = [json.loads(out) for out, _ in outputs]
    codes = results[0]["codes"] + results[1]["codes"]
    assert len(codes) == 100 and len(set(codes)) == 100
    assert sum(r["draws"] for r in results) > 100, "256 possible codes for 100 reports: some draws must have collided"

    with ReportStore(backend.location, key) as store:
        reports = store.list()
        assert sorted(r.case_code for r in reports) == sorted(codes)
        assert {r.payload.what_happened for r in reports} == {f"report {w}-{i}" for w in "ab" for i in range(50)}
        assert all(len(store.deliveries(code)) == 2 for code in codes)
    assert backend.fetchall("SELECT count(*) FROM meta") == [(1,)], "both writers agreed on one key check"


class SlowWebhook:
    """A signed-webhook receiver that holds its first request until a second one is in flight.

    So the two workers are provably delivering at the same time, not one after the other.
    """

    def __init__(self):
        self.received, self.lock, self.overlap = [], threading.Lock(), threading.Event()
        self.in_flight, self.bad_signatures = 0, 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.in_flight += 1
                    if receiver.in_flight >= 2:
                        receiver.overlap.set()
                receiver.overlap.wait(timeout=5)
                if not verify_signature(body, self.headers.get("X-Senales-Signature"), WEBHOOK_SECRET):
                    receiver.bad_signatures += 1
                with receiver.lock:
                    receiver.received.append(json.loads(body)["case_code"])
                    receiver.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, free_port()), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/reports"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _delivered_count(stdout: str) -> int:
    line = next(line for line in stdout.splitlines() if line.startswith("Delivery pass: "))
    return int(line.split("delivered ", 1)[1].split(",", 1)[0])


def test_two_deliver_workers_send_each_report_exactly_once(store_env):
    backend, key, env = store_env
    with ReportStore(backend.location, key) as store:
        codes = [store.create_report({"what_happened": f"case {i}", "danger_type": "threat"}, language="es", channel="sms",
                                     sender_id=str(i)) for i in range(60)]
    with SlowWebhook() as webhook:
        env = dict(env, SENALES_REPORTS_WEBHOOK_URL=webhook.url, SENALES_REPORTS_WEBHOOK_SECRET=WEBHOOK_SECRET)
        workers = [
            subprocess.Popen([PYTHON, "-m", "bot.cli", "reports", "deliver"], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        try:
            outputs = [worker.communicate(timeout=180) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
        for worker, (out, err) in zip(workers, outputs):
            assert worker.returncode == 0, err
        assert webhook.overlap.is_set(), "the two workers never had a delivery in flight at the same time"
        counts = [_delivered_count(out) for out, _ in outputs]
        assert sorted(webhook.received) == sorted(codes), "every report exactly once"
        assert all(count > 0 for count in counts) and sum(counts) == 60
        assert webhook.bad_signatures == 0

        again = subprocess.run([PYTHON, "-m", "bot.cli", "reports", "deliver"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and _delivered_count(again.stdout) == 0
        assert len(webhook.received) == 60
    rows = backend.fetchall("SELECT attempts, delivered_at IS NOT NULL FROM outbox WHERE target = 'webhook'")
    assert rows == [(1, True)] * 60, "each row was claimed once: no worker ever sent a row another had claimed"
    assert backend.fetchall("SELECT count(*) FROM outbox WHERE target = 'email' AND attempts = 0") == [(60,)]


def _admin_of_test_database():
    conn = psycopg2.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}", connect_timeout=5)
    conn.autocommit = True
    return conn


def test_report_text_is_not_in_the_postgresql_table_files_in_clear(store_env):
    backend, key, _ = store_env
    with ReportStore(backend.location, key) as store:
        code = store.create_report(
            {"what_happened": SECRET_TEXT, "recruiter_account": "@jefe_rapido_77", "area": "Nogales, Arizona",
             "contact_back": True, "contact_address": "marisol.quiet@example.org", "danger_type": "recruitment_offer"},
            language="es", channel="sms", sender_id=PHONE,
        )
        store.close(code, "Llamamos a Marisol el martes, está a salvo")
    secrets = [SECRET_TEXT, "ofreció 800", "jefe_rapido_77", "marisol.quiet@example.org", "Nogales", "está a salvo", PHONE, "5557654321"]

    (ciphertext, notes), = backend.fetchall("SELECT ciphertext, staff_notes_ciphertext FROM reports WHERE case_code = ?", (code,))
    assert bytes(ciphertext).startswith(b"gAAAA") and bytes(notes).startswith(b"gAAAA")  # Fernet tokens
    text_columns = backend.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND data_type IN ('text', 'character varying', 'bytea')"
    )
    assert {table for table, _ in text_columns} == {"reports", "outbox", "audit", "meta"}
    for table, column in text_columns:
        for (value,) in backend.fetchall(f"SELECT {column} FROM {table}"):
            data = bytes(value) if isinstance(value, memoryview) else str(value).encode("utf-8")
            assert not [s for s in secrets if s.encode("utf-8") in data], f"{table}.{column} holds report text in clear"

    # The heap files themselves, as a backup or a stolen disk would hold them (CHECKPOINT writes them out).
    admin = _admin_of_test_database()
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                skip_or_fail("reading table files needs a superuser in SENALES_TEST_PG_ADMIN_URL")
            cursor.execute("CHECKPOINT")
            cursor.execute(  # each table of the store and its TOAST table (where long values go)
                "SELECT c.relname, pg_read_binary_file(pg_relation_filepath(c.oid)) FROM pg_class t"
                " JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_class c ON c.oid IN (t.oid, t.reltoastrelid)"
                " WHERE n.nspname = %s AND t.relkind = 'r'",
                (NAMESPACE,),
            )
            files = {name: bytes(data) for name, data in cursor.fetchall()}
    finally:
        admin.close()
    assert code.encode() in files["reports"], "the test must read the file that holds the report row"
    everything = b"".join(files.values())
    for secret in secrets:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in everything, f"{secret!r} is in a table file in clear"


def test_commits_wait_for_the_wal_even_where_the_database_default_does_not(store_env):
    """A DBA's ``synchronous_commit = off`` must not let "sent" outrun the disk."""
    backend, key, _ = store_env
    admin = _admin_of_test_database()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {PG_DB} SET synchronous_commit = off")
        assert backend.fetchall("SHOW synchronous_commit") == [("off",)]
        with ReportStore(backend.location, key) as store:
            assert store.conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {PG_DB} RESET synchronous_commit")
        admin.close()


def test_opening_the_store_does_not_wait_for_another_process_writing(store_env):
    """Every report opens the store; that must not queue behind (or block) other writers' locks."""
    backend, key, _ = store_env
    ReportStore(backend.location, key).disconnect()  # tables exist now
    writer = psycopg2.connect(backend.location, connect_timeout=5, options=f"-c search_path={NAMESPACE}")
    try:
        with writer.cursor() as cursor:  # an open transaction holding write locks on both tables
            cursor.execute("UPDATE outbox SET attempts = attempts WHERE id = -1")
            cursor.execute("UPDATE reports SET status = status WHERE id = -1")
        started = time.monotonic()
        with ReportStore(backend.location, key) as store:
            assert store.list() == []
        assert time.monotonic() - started < 2.0
    finally:
        writer.rollback()
        writer.close()


def test_bot_reports_audit_shows_every_hosts_accesses_from_the_shared_database(store_env, tmp_path):
    """Each host appends to its own log file; on PostgreSQL the audit command reads the shared table."""
    from bot.reports.audit import AuditLog
    from bot.reports.staff import StaffAccess

    backend, key, env = store_env
    with ReportStore(backend.location, key) as store:
        code = store.create_report({"what_happened": "x", "danger_type": "threat"}, language="en", channel="sms", sender_id="1")
        StaffAccess(store, AuditLog(store.conn, tmp_path / "console-host.log"), "console:carmen").show(code)
    printed = subprocess.run([PYTHON, "-m", "bot.cli", "reports", "audit", "--case", code], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert "console:carmen" in printed.stdout and code in printed.stdout
    assert not os.path.exists(env["SENALES_REPORTS_AUDIT_LOG"]), "this host's own log file is empty"


def test_the_tables_live_in_their_own_schema_beside_other_components(store_env):
    """Production shares one database; a ``public.meta`` of someone else is left alone."""
    backend, key, _ = store_env
    admin = _admin_of_test_database()
    try:
        with admin.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS public.meta (name TEXT PRIMARY KEY, value TEXT)")
            cursor.execute("DELETE FROM public.meta")
            cursor.execute("INSERT INTO public.meta VALUES ('key_check', 'not ours')")
        with ReportStore(backend.location, key) as store:
            store.create_report({"what_happened": "x", "danger_type": "threat"}, language="en", channel="sms", sender_id="1")
        with admin.cursor() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", (NAMESPACE,))
            assert [row[0] for row in cursor.fetchall()] == ["audit", "meta", "outbox", "reports"]
            cursor.execute("SELECT value FROM public.meta")
            assert cursor.fetchall() == [("not ours",)]
    finally:
        with admin.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS public.meta")
        admin.close()
