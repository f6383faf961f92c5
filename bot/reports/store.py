"""Reports at rest: one database row per report, everything a teen wrote inside a Fernet token.

Only what staff need to sort the queue stays in clear (case code, times, status, language,
channel, an opaque sender pseudonym). ``create_report`` commits, with its outbox rows, before it
returns: the assistant may tell the teen "sent" only after that. The database is a SQLite file
or, for several action servers, PostgreSQL (``settings.db_location``); the code is the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, Union

from bot.reports import case_codes, clock, database, outbox, settings
from bot.reports.crypto import ReportCipher, load_key
from bot.reports.errors import InvalidReport, ReportKeyError, ReportNotFound
from bot.reports.payload import ReportPayload

STATUSES = ("open", "closed")
_KEY_CHECK = "senales-reports-key-check"


@dataclass(frozen=True)
class StaffNote:
    at: str
    by: str
    note: str


@dataclass(frozen=True)
class Report:
    case_code: str
    created_at: str
    status: str
    language: str
    channel: str
    sender_pseudonym: str
    payload: ReportPayload
    staff_notes: Tuple[StaffNote, ...] = ()
    closed_at: Optional[str] = None

    def to_dict(self) -> dict:
        return {
            "case_code": self.case_code,
            "created_at": self.created_at,
            "status": self.status,
            "language": self.language,
            "channel": self.channel,
            "sender_pseudonym": self.sender_pseudonym,
            "closed_at": self.closed_at,
            "report": self.payload.to_dict(),
            "staff_notes": [note.__dict__ for note in self.staff_notes],
        }


class ReportStore:
    """The reports database opened with one key; raises ReportKeyError if the key does not fit."""

    def __init__(
        self,
        location: Optional[settings.Location] = None,
        key: Optional[bytes] = None,
        *,
        key_file: Optional[Union[str, Path]] = None,
        clock_now: Callable[[], datetime] = clock.utcnow,
    ):
        """``location``: a SQLite file path or a postgresql:// URL (default: ``settings.db_location()``)."""
        if location is None:
            location = settings.db_location()
        elif not settings.is_postgres_url(location):
            location = Path(location)
        self.location = location
        self.path = location if isinstance(location, Path) else None  # the SQLite file, if it is one
        self.cipher = ReportCipher(key if key is not None else load_key(key_file))
        self.now = clock_now
        self.conn = database.connect(location)
        try:
            self._check_key()
        except BaseException:
            self.conn.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------
    def disconnect(self) -> None:
        self.conn.close()

    def __enter__(self) -> "ReportStore":
        return self

    def __exit__(self, *exc) -> None:
        self.disconnect()

    def _check_key(self) -> None:
        """A stored token proves the key: a wrong key fails here, not halfway through a list.

        The first process to open a new database writes the token; ON CONFLICT lets several
        processes opening it at once agree on that first one instead of failing.
        """
        with database.transaction(self.conn):
            self.conn.execute(
                "INSERT INTO meta (name, value) VALUES ('key_check', ?) ON CONFLICT (name) DO NOTHING",
                (self.cipher.encrypt_json(_KEY_CHECK),),
            )
            row = self.conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
        try:
            ok = self.cipher.decrypt_json(row["value"]) == _KEY_CHECK
        except ReportKeyError:
            ok = False
        if not ok:
            raise ReportKeyError(
                f"The reports key does not open {database.describe(self.location)}: its reports were encrypted with another key."
            )

    # -- writing -----------------------------------------------------------------------------
    def create_report(
        self,
        payload: Union[ReportPayload, Mapping[str, Any]],
        *,
        language: str,
        channel: str,
        sender_id: str,
    ) -> str:
        """Store a report and queue its delivery in one committed transaction; return its case code.

        ``sender_id`` (often a phone number or chat id) is replaced by a keyed pseudonym before
        it reaches the database.
        """
        report = ReportPayload.from_value(payload)
        language, channel = str(language or "").strip().lower(), str(channel or "").strip().lower()
        if not language or not channel:
            raise InvalidReport("A report needs its language and channel.")
        pseudonym = self.cipher.pseudonym(sender_id)
        ciphertext = self.cipher.encrypt_json(report.to_dict())
        now = clock.to_text(self.now())
        for _ in range(20):
            code = case_codes.new_case_code()
            try:
                with database.transaction(self.conn):
                    self.conn.execute(
                        "INSERT INTO reports (case_code, created_at, status, language, channel, sender_pseudonym, ciphertext)"
                        " VALUES (?, ?, 'open', ?, ?, ?, ?)",
                        (code, now, language, channel, pseudonym, ciphertext),
                    )
                    outbox.enqueue(self.conn, code, now)
            except database.IntegrityError as error:
                if "case_code" not in str(error):
                    raise
                continue  # The same code was drawn twice: draw again.
            return code
        raise RuntimeError("could not draw an unused case code after 20 tries")

    def close(self, case_code: str, note: Optional[str] = None, *, by: str = "staff") -> Report:
        """Mark a case closed (closing twice only adds the note); notes are encrypted too."""
        code = case_codes.normalize(case_code)
        with database.transaction(self.conn):
            notes = self._notes_with(self._row(code), note, by)
            notes_token = self.cipher.encrypt_json([n.__dict__ for n in notes]) if notes else None
            self.conn.execute(
                "UPDATE reports SET status = 'closed', closed_at = COALESCE(closed_at, ?), staff_notes_ciphertext = ?"
                " WHERE case_code = ?",
                (clock.to_text(self.now()), notes_token, code),
            )
        return self.get(code)

    def _notes_with(self, row, note: Optional[str], by: str) -> list:
        """The case's notes plus ``note`` when it has any text."""
        notes = list(self._notes(row))
        if note and note.strip():
            notes.append(StaffNote(at=clock.to_text(self.now()), by=by, note=note.strip()))
        return notes

    def add_note(self, case_code: str, note: str, *, by: str = "staff") -> Report:
        """Append an encrypted staff note and leave the status as it is."""
        code = case_codes.normalize(case_code)
        with database.transaction(self.conn):
            row = self._row(code)
            if note and note.strip():
                notes = self._notes_with(row, note, by)
                self.conn.execute(
                    "UPDATE reports SET staff_notes_ciphertext = ? WHERE case_code = ?",
                    (self.cipher.encrypt_json([n.__dict__ for n in notes]), code),
                )
        return self.get(code)

    # -- reading -----------------------------------------------------------------------------
    def get(self, case_code: str) -> Report:
        return self._report(self._row(case_codes.normalize(case_code)))

    def list(self, status: Optional[str] = None) -> Sequence[Report]:
        """Reports, oldest first, optionally only ``open`` or ``closed`` ones."""
        if status is not None and status not in STATUSES:
            raise InvalidReport(f"Unknown status {status!r}: use one of {', '.join(STATUSES)}.")
        query, args = "SELECT * FROM reports", ()
        if status is not None:
            query, args = query + " WHERE status = ?", (status,)
        rows = self.conn.execute(query + " ORDER BY created_at, id", args).fetchall()
        return [self._report(row) for row in rows]

    def deliveries(self, case_code: str) -> Sequence[outbox.OutboxItem]:
        return outbox.items_for(self.conn, case_codes.normalize(case_code))

    def _row(self, code: str):
        row = self.conn.execute("SELECT * FROM reports WHERE case_code = ?", (code,)).fetchone()
        if row is None:
            raise ReportNotFound(code)
        return row

    def _notes(self, row) -> Tuple[StaffNote, ...]:
        token = row["staff_notes_ciphertext"]
        if token is None:
            return ()
        return tuple(StaffNote(**note) for note in self.cipher.decrypt_json(token))

    def _report(self, row) -> Report:
        return Report(
            case_code=row["case_code"],
            created_at=row["created_at"],
            status=row["status"],
            language=row["language"],
            channel=row["channel"],
            sender_pseudonym=row["sender_pseudonym"],
            payload=ReportPayload.from_value(self.cipher.decrypt_json(row["ciphertext"])),
            staff_notes=self._notes(row),
            closed_at=row["closed_at"],
        )


def create_report(
    payload: Union[ReportPayload, Mapping[str, Any]],
    *,
    language: str,
    channel: str,
    sender_id: str,
    location: Optional[settings.Location] = None,
) -> str:
    """For the assistant's action: open the configured store, save, commit, close, return the code."""
    with ReportStore(location) as store:
        return store.create_report(payload, language=language, channel=channel, sender_id=sender_id)
