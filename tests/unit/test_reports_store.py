"""Reports at rest: encrypted in the SQLite file and its WAL, round-trip, unique case codes.

Every test that does not look at SQLite's files runs on both backends (``backend``: a SQLite
file and PostgreSQL); the PostgreSQL-only checks are in tests/integration/test_reports_postgres.py.
"""
from __future__ import annotations

import os
import re
import stat

import pytest
from cryptography.fernet import Fernet

from bot.reports import case_codes, outbox
from bot.reports.errors import InvalidReport, ReportKeyError, ReportNotFound
from bot.reports.store import ReportStore
from tests.unit.reports_backends import backend, reports_pg_url  # noqa: F401  (pytest fixtures)

SECRET_TEXT = "Un señor en TikTok me ofreció 800 dólares por cruzar paquetes mañana"
PHONE = "+15557654321"


def payload(**changes) -> dict:
    value = {
        "what_happened": SECRET_TEXT,
        "recruiter_app": "TikTok",
        "recruiter_account": "@jefe_rapido_77",
        "area": "Nogales, Arizona",
        "contact_back": True,
        "contact_address": "marisol.quiet@example.org",
        "danger_type": "recruitment_offer",
    }
    value.update(changes)
    return value


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def store(backend, key):
    with ReportStore(backend.location, key) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path, key):
    """For the tests about SQLite's own files (WAL, modes, pragmas)."""
    with ReportStore(tmp_path / "reports.db", key) as opened:
        yield opened


def raw_bytes(db_path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm"):
        path = f"{db_path}{suffix}"
        if os.path.exists(path):
            with open(path, "rb") as handle:
                data += handle.read()
    return data


def test_report_text_never_reaches_the_database_or_wal_in_clear(sqlite_store):
    store = sqlite_store
    code = store.create_report(payload(), language="es", channel="whatsapp", sender_id=PHONE)
    store.close(code, "Llamamos a Marisol el martes, está a salvo")
    wal = f"{store.path}-wal"
    assert os.path.getsize(wal) > 0, "the test must look at a WAL that holds the committed rows"
    data = raw_bytes(store.path)
    assert code.encode() in data  # the case code is clear on purpose: it is how staff look reports up
    for secret in [SECRET_TEXT, "ofreció 800", "jefe_rapido_77", "marisol.quiet@example.org", "Nogales", "está a salvo", PHONE, "5557654321"]:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in data, f"{secret!r} is in the database file in clear"
    store.disconnect()
    data = raw_bytes(store.path)
    assert data and SECRET_TEXT.encode() not in data and b"jefe_rapido_77" not in data


def test_database_files_are_owner_only(sqlite_store):
    store = sqlite_store
    store.create_report(payload(), language="en", channel="sms", sender_id=PHONE)
    for suffix in ("", "-wal"):
        assert stat.S_IMODE(os.stat(f"{store.path}{suffix}").st_mode) == 0o600


def test_database_uses_wal_and_full_sync(sqlite_store):
    store = sqlite_store
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_create_is_committed_before_it_returns(store, backend):
    code = store.create_report(payload(), language="en", channel="telegram", sender_id="chat-42")
    # Another connection (another process, in production) sees it at once.
    (row,) = backend.fetchall("SELECT status, language, channel FROM reports WHERE case_code = ?", (code,))
    targets = [r[0] for r in backend.fetchall("SELECT target FROM outbox WHERE case_code = ? ORDER BY target", (code,))]
    assert row == ("open", "en", "telegram")
    assert targets == ["email", "webhook"]


def test_get_list_close_round_trip(store):
    first = store.create_report(payload(), language="es", channel="whatsapp", sender_id=PHONE)
    second = store.create_report(
        payload(what_happened="Someone asked me to drive a car across", contact_back=False, contact_address=None, area=None),
        language="en",
        channel="telegram",
        sender_id="chat-9",
    )
    report = store.get(first)
    assert report.payload.to_dict() == payload()
    assert (report.status, report.language, report.channel) == ("open", "es", "whatsapp")
    assert report.sender_pseudonym.startswith("anon-") and PHONE not in report.sender_pseudonym
    assert [r.case_code for r in store.list()] == [first, second]
    assert [r.case_code for r in store.list("open")] == [first, second]

    closed = store.close(second, "Referred to school counselor", by="alice")
    assert closed.status == "closed" and closed.closed_at
    assert [(n.by, n.note) for n in closed.staff_notes] == [("alice", "Referred to school counselor")]
    assert [r.case_code for r in store.list("open")] == [first]
    assert [r.case_code for r in store.list("closed")] == [second]
    again = store.close(second, "Follow-up done", by="bob")
    assert again.closed_at == closed.closed_at
    assert [n.note for n in again.staff_notes] == ["Referred to school counselor", "Follow-up done"]
    assert store.get(second).payload.what_happened == "Someone asked me to drive a car across"


def test_lookups_accept_what_staff_type(store):
    code = store.create_report(payload(), language="es", channel="sms", sender_id=PHONE)
    assert store.get(code.lower()).case_code == code
    assert store.get(code.replace("-", "").lower()).case_code == code


def test_unknown_case_code_is_a_clear_error(store):
    with pytest.raises(ReportNotFound, match="^No report SN-ZZZZ-ZZ$"):
        store.get("SN-ZZZZ-ZZ")
    with pytest.raises(ReportNotFound):
        store.close("sn-zzzz-zz", "note")


def test_unknown_status_is_refused(store):
    with pytest.raises(InvalidReport):
        store.list("pending")


def test_contact_address_is_dropped_when_the_teen_declined_contact(store):
    code = store.create_report(payload(contact_back=False), language="en", channel="sms", sender_id=PHONE)
    assert store.get(code).payload.contact_address is None


@pytest.mark.parametrize(
    "broken",
    [{"what_happened": "  "}, {"danger_type": None}, {"contact_back": "yes"}, {"phone_number": PHONE}, {"area": 12}],
)
def test_incomplete_or_odd_payloads_are_refused(store, broken):
    with pytest.raises(InvalidReport):
        store.create_report(payload(**broken), language="en", channel="sms", sender_id=PHONE)
    assert store.list() == []


def test_case_codes_are_unique_and_readable_over_1000_reports(store):
    codes = [store.create_report(payload(), language="en", channel="sms", sender_id=f"s{i}") for i in range(1000)]
    assert len(set(codes)) == 1000
    shape = re.compile(r"^SN-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{2}$")
    assert all(shape.match(code) for code in codes)
    assert not set("".join(c[3:] for c in codes)) & set("01OI")
    assert len(store.list()) == 1000


def test_a_repeated_case_code_is_redrawn(store, monkeypatch):
    draws = iter(["SN-AAAA-22", "SN-AAAA-22", "SN-BBBB-33"])
    monkeypatch.setattr(case_codes, "new_case_code", lambda: next(draws))
    assert store.create_report(payload(), language="en", channel="sms", sender_id="a") == "SN-AAAA-22"
    assert store.create_report(payload(), language="en", channel="sms", sender_id="b") == "SN-BBBB-33"


def test_report_and_outbox_rows_are_one_transaction(store, backend, monkeypatch):
    real_enqueue = outbox.enqueue

    def enqueue_then_fail(conn, code, now):
        real_enqueue(conn, code, now)  # the outbox rows are written ...
        raise OSError("disk full")  # ... and then something fails before COMMIT

    monkeypatch.setattr(outbox, "enqueue", enqueue_then_fail)
    with pytest.raises(OSError):
        store.create_report(payload(), language="en", channel="sms", sender_id=PHONE)
    assert backend.fetchall("SELECT COUNT(*) FROM reports") == [(0,)]
    assert backend.fetchall("SELECT COUNT(*) FROM outbox") == [(0,)]
    monkeypatch.setattr(outbox, "enqueue", real_enqueue)
    code = store.create_report(payload(), language="en", channel="sms", sender_id=PHONE)  # the connection is still usable
    assert [r.case_code for r in store.list()] == [code]


def test_outbox_rows_hold_only_the_case_code(store, backend):
    code = store.create_report(payload(), language="es", channel="sms", sender_id=PHONE)
    items = store.deliveries(code)
    assert {i.target for i in items} == {"webhook", "email"}
    assert all(i.attempts == 0 and i.delivered_at is None for i in items)
    columns = backend.columns("outbox")
    assert "case_code" in columns and not {"ciphertext", "report", "payload", "what_happened"} & set(columns)


def test_another_key_cannot_open_the_database(backend, key):
    with ReportStore(backend.location, key) as store:
        store.create_report(payload(), language="en", channel="sms", sender_id=PHONE)
    with pytest.raises(ReportKeyError, match="^The reports key does not open .*encrypted with another key"):
        ReportStore(backend.location, Fernet.generate_key())
    with ReportStore(backend.location, key) as store:  # the right key still opens it: nothing was overwritten
        assert len(store.list()) == 1


def test_an_empty_database_is_bound_to_the_first_key_that_opens_it(backend, key):
    ReportStore(backend.location, key).disconnect()  # no report yet, only the key check
    with pytest.raises(ReportKeyError):
        ReportStore(backend.location, Fernet.generate_key())
    assert backend.fetchall("SELECT name FROM meta") == [("key_check",)]


def test_no_column_of_any_table_holds_report_text_in_clear(store, backend):
    """Whatever the database, only ciphertext, codes, times and labels are stored."""
    code = store.create_report(payload(), language="es", channel="sms", sender_id=PHONE)
    store.close(code, "Llamamos a Marisol el martes, está a salvo")
    stored = []
    for table in ("reports", "outbox", "audit", "meta"):
        for row in backend.fetchall(f"SELECT * FROM {table}"):
            stored += [bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode("utf-8") for v in row]
    assert code.encode() in stored
    data = b"\0".join(stored)
    for secret in [SECRET_TEXT, "ofreció 800", "jefe_rapido_77", "marisol.quiet@example.org", "Nogales", "está a salvo", PHONE, "5557654321"]:
        assert secret.encode("utf-8") not in data, f"{secret!r} is stored in clear"
