"""Who looked at which report, and when: every staff access is written down twice.

Once in the ``audit`` table of the reports database and once as a JSON line in
``<ROOT>/var/reports-audit.log`` (``SENALES_REPORTS_AUDIT_LOG``), a plain file that log shipping
can pick up and that survives someone deleting rows from the database. Entries name case codes,
never report contents.
"""
from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import List, Optional

from bot.reports import clock, database

ACTIONS = ("list", "show", "close", "export", "note", "transcript")


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # No login name (some containers): still record something honest.
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


class AuditLog:
    def __init__(self, conn: database.Connection, path: Path):
        self.conn = conn
        self.path = Path(path)

    def record(self, who: str, action: str, case_code: Optional[str] = None, outcome: str = "ok", detail: Optional[str] = None) -> dict:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        entry = {"at": clock.to_text(clock.utcnow()), "who": who, "action": action, "case_code": case_code, "outcome": outcome, "detail": detail}
        with database.transaction(self.conn):
            self.conn.execute(
                "INSERT INTO audit (at, who, action, case_code, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (entry["at"], who, action, case_code, outcome, detail),
            )
        self._append(entry)
        return entry

    def _append(self, entry: dict) -> None:
        """One write() per line with O_APPEND, so concurrent writers never interleave a line."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


FIELDS = ("at", "who", "action", "case_code", "outcome", "detail")


def read_table(conn: database.Connection) -> List[dict]:
    """The database's entries, oldest first: on a shared PostgreSQL store, every host's accesses
    (each host's log file holds only its own)."""
    rows = conn.execute(f"SELECT {', '.join(FIELDS)} FROM audit ORDER BY id").fetchall()
    return [{name: row[name] for name in FIELDS} for row in rows]


def read_log(path: Path) -> List[dict]:
    """The audit file's entries, oldest first; a damaged line is shown, not skipped silently."""
    path = Path(path)
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            entries.append({"at": "", "who": "", "action": "?", "case_code": None, "outcome": f"unreadable line {number}", "detail": None})
    return entries
