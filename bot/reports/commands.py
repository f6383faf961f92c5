"""``bot reports ...``: the staff side of confidential reports, as a ``bot`` command group.

Every read or close goes through ``StaffAccess`` and so lands in the audit log. Mistakes a person
can fix (unknown case code, missing key, bad setting) print one line and exit 1; only bugs
produce a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from bot.reports import audit as audit_module
from bot.reports import clock, database, settings
from bot.reports.crypto import check_key_file_permissions, create_key_file
from bot.reports.errors import ReportsError
from bot.reports.outbox import Deliverer, DeliveryConfig
from bot.reports.staff import StaffAccess
from bot.reports.store import STATUSES, ReportStore
from bot.reports.text_output import fields, printable, table

HELP = "read, close and deliver the confidential reports teens file"


def add_arguments(subparsers) -> None:
    """Add this group's commands to the ``bot reports`` sub-command parser."""
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where the reports are")
    where.add_argument(
        "--db",
        metavar="PATH|URL",
        help=f"reports database, a SQLite file or a postgresql:// URL (default: ${settings.ENV_DB_URL}, ${settings.ENV_DB} or {settings.DEFAULT_DB})",
    )
    where.add_argument(
        "--key-file", metavar="PATH", help=f"key file (default: ${settings.ENV_KEY}, ${settings.ENV_KEY_FILE} or {settings.DEFAULT_KEY_FILE})"
    )
    where.add_argument(
        "--audit-log", metavar="PATH", help=f"audit log file (default: ${settings.ENV_AUDIT_LOG} or {settings.DEFAULT_AUDIT_LOG})"
    )
    where.add_argument("--as", dest="actor", metavar="NAME", help="who is looking, for the audit log (default: your OS user)")

    def command(name: str, help_text: str, handler) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, parents=[common], help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        parser.set_defaults(handler=handler)
        return parser

    parser = command("list", "list reports, oldest first (audited)", _list)
    parser.add_argument("--status", choices=STATUSES, help="only open or only closed reports")

    parser = command("show", "show one report in full (audited)", _show)
    parser.add_argument("case_code", metavar="CODE", help="case code, e.g. SN-7K4Q-2M")

    parser = command("close", "close a report, optionally with a staff note (audited)", _close)
    parser.add_argument("case_code", metavar="CODE", help="case code, e.g. SN-7K4Q-2M")
    parser.add_argument("--note", metavar="TEXT", help="staff note, stored encrypted")

    parser = command("export", "write reports as JSON, decrypted (audited; handle the file with care)", _export)
    parser.add_argument("--status", choices=STATUSES, help="only open or only closed reports")
    parser.add_argument("--output", metavar="FILE", help="write to FILE (created 0600) instead of standard output")

    parser = command("deliver", "send queued reports to the webhook and e-mail configured in SENALES_* variables", _deliver)
    parser.add_argument("--forever", action="store_true", help="keep delivering until interrupted")
    parser.add_argument("--interval", type=_positive_seconds, default=30.0, metavar="S", help="seconds between passes with --forever (default 30)")

    parser = command("audit", "print the audit log of staff accesses (from the database when it is PostgreSQL)", _audit)
    parser.add_argument("--case", metavar="CODE", help="only entries about this case")

    command("init-key", "create the local reports key file (0600) if there is none, and print where it is", _init_key)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def run(args: argparse.Namespace) -> int:
    try:
        return args.handler(args) or 0
    except ReportsError as error:
        return _fail(str(error))
    except database.DatabaseError as error:
        message = " ".join(str(error).split())  # psycopg2 spreads one error over several lines
        return _fail(f"Reports database {database.describe(_db_location(args))}: {message}")
    except OSError as error:
        return _fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


# -- plumbing ----------------------------------------------------------------------------------
def _db_location(args) -> settings.Location:
    return settings.location_from_text(args.db) if args.db else settings.db_location()


def _audit_path(args) -> Path:
    return Path(args.audit_log) if args.audit_log else settings.audit_log_path()


def _store(args) -> ReportStore:
    return ReportStore(_db_location(args), key_file=args.key_file)


def _staff(store: ReportStore, args) -> StaffAccess:
    who = args.actor or audit_module.current_user()
    return StaffAccess(store, audit_module.AuditLog(store.conn, _audit_path(args)), who)


# -- commands ----------------------------------------------------------------------------------
def _list(args) -> int:
    with _store(args) as store:
        reports = _staff(store, args).list(args.status)
    if not reports:
        print("No reports." if not args.status else f"No {args.status} reports.")
        return 0
    rows = [
        (r.case_code, clock.short(r.created_at), r.status, r.language, r.channel, r.payload.danger_type, "yes" if r.payload.contact_back else "no")
        for r in reports
    ]
    print(table(["CASE", "RECEIVED (UTC)", "STATUS", "LANG", "CHANNEL", "DANGER", "CONTACT"], rows))
    print(f"\n{len(reports)} report(s). Read one with: bot reports show CODE")
    return 0


def _delivery_line(item) -> str:
    if item.delivered_at:
        return f"{item.target}: delivered {clock.short(item.delivered_at)}"
    text = f"{item.target}: pending, {item.attempts} attempt(s)"
    if item.attempts:
        text += f", next {clock.short(item.next_attempt_at)}"
    if item.last_error:
        text += f", last error: {item.last_error}"
    return text


def _show(args) -> int:
    with _store(args) as store:
        report = _staff(store, args).show(args.case_code)
        deliveries = store.deliveries(report.case_code)
    p = report.payload
    pairs = [
        ("Case code", report.case_code),
        ("Status", report.status + (f" (closed {clock.short(report.closed_at)})" if report.closed_at else "")),
        ("Received (UTC)", clock.short(report.created_at)),
        ("Language", report.language),
        ("Channel", report.channel),
        ("Sender", report.sender_pseudonym),
        ("Danger type", p.danger_type),
        ("What happened", p.what_happened),
        ("Recruiter app", p.recruiter_app or "-"),
        ("Recruiter account", p.recruiter_account or "-"),
        ("Area", p.area or "-"),
        ("Contact back", "yes" if p.contact_back else "no"),
    ]
    if p.contact_back:
        pairs.append(("Contact address", p.contact_address or "-"))
    for note in report.staff_notes:
        pairs.append(("Staff note", f"{clock.short(note.at)} {note.by}: {note.note}"))
    for item in deliveries:
        pairs.append(("Delivery", _delivery_line(item)))
    print(fields(pairs))
    return 0


def _close(args) -> int:
    with _store(args) as store:
        report = _staff(store, args).close(args.case_code, args.note)
    print(f"Closed {report.case_code}." + (" Note saved." if args.note else ""))
    return 0


def _export(args) -> int:
    with _store(args) as store:
        documents = _staff(store, args).export(args.status)
    text = json.dumps(documents, ensure_ascii=False, indent=2) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"Wrote {len(documents)} report(s) to {path} (decrypted: delete it when done).", file=sys.stderr)
    return 0


def _deliver(args) -> int:
    config = DeliveryConfig.from_env()
    if config.webhook is None and config.email is None:
        return _fail("Nothing to deliver to: set SENALES_REPORTS_WEBHOOK_URL (and _SECRET) and/or SENALES_SMTP_HOST, _FROM, _TO.")
    with _store(args) as store:
        deliverer = Deliverer(store, config)
        if not args.forever:
            result = deliverer.deliver_pending()
            print(f"Delivery pass: {result.summary()}.")
            for case_code, target, error in result.failed:
                print(f"  {case_code} {target}: {printable(error)}")
            return 1 if result.failed else 0

        def report(result) -> None:
            if result.delivered or result.failed:
                print(f"{clock.short(clock.to_text(clock.utcnow()))} {result.summary()}", flush=True)

        stop = threading.Event()
        # SIGTERM (systemd, docker stop) and SIGINT both finish the current pass, then stop.
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        print(f"Delivering every {args.interval:g} s; Ctrl-C stops.", flush=True)
        try:
            deliverer.run_forever(args.interval, stop=stop, on_result=report)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        print("Stopped.", flush=True)
    return 0


def _audit_entries(args) -> list:
    """A shared PostgreSQL store has every host's accesses; a SQLite host has its own log file."""
    location = _db_location(args)
    if not settings.is_postgres_url(location):
        return audit_module.read_log(_audit_path(args))
    conn = database.connect(location)
    try:
        return audit_module.read_table(conn)
    finally:
        conn.close()


def _audit(args) -> int:
    entries = _audit_entries(args)
    if args.case:
        from bot.reports.case_codes import normalize

        code = normalize(args.case)
        entries = [e for e in entries if e.get("case_code") == code]
    if not entries:
        print("The audit log is empty." if not args.case else f"No audit entries for {args.case}.")
        return 0
    rows = [
        (clock.short(e.get("at")) if e.get("at") else "?", e.get("who", ""), e.get("action", ""), e.get("case_code") or "", e.get("outcome", ""), e.get("detail") or "")
        for e in entries
    ]
    print(table(["WHEN (UTC)", "WHO", "ACTION", "CASE", "OUTCOME", "DETAIL"], rows))
    return 0


def _init_key(args) -> int:
    path = Path(args.key_file) if args.key_file else settings.key_file_path()
    try:
        create_key_file(path)
    except FileExistsError:
        check_key_file_permissions(path)
        print(f"A reports key already exists at {path} (left unchanged).")
    else:
        print(f"Created a new reports key at {path} (mode 0600).")
        print("Back it up somewhere safe: without it no stored report can ever be read again.")
    if os.environ.get(settings.ENV_KEY, "").strip() and not args.key_file:
        print(f"Note: {settings.ENV_KEY} is set and takes precedence over this file.")
    return 0
