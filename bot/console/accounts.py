"""Staff accounts, login sessions and lock-out, kept in the analytics database.

Passwords are stored as scrypt hashes (salted, memory-hard), sessions as the SHA-256 of a random
token (a copied database does not give working cookies), and an account is locked for a while
after repeated wrong passwords, so guessing online is slow.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import database

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
SESSION_SECONDS = 8 * 60 * 60
MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

users = sa.Table(
    "console_users",
    database.metadata,
    sa.Column("username", sa.String(40), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.Float, nullable=False, default=0.0),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions = sa.Table(
    "console_sessions",
    database.metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(40), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


@dataclass(frozen=True)
class Session:
    username: str
    csrf: str


class LoginResult:
    OK, WRONG, LOCKED = "ok", "wrong", "locked"


class Accounts:
    def __init__(self, engine: Engine, now=time.time):
        self.engine, self.now = engine, now
        database.create_tables(engine)

    def add_user(self, username: str, password: str, replace: bool = False) -> None:
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise AccountError("A user name is 2-40 characters: lowercase letters, digits, '.', '_' or '-'.")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"The password must have at least {MIN_PASSWORD} characters.")
        row = {"username": username, "password_hash": hash_password(password), "failed": 0, "locked_until": 0.0, "created_at": self.now()}
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(users.c.username).where(users.c.username == username)).first()
            if exists and not replace:
                raise AccountError(f"User {username} exists already (use --reset to set a new password).")
            if exists:
                conn.execute(users.update().where(users.c.username == username).values(**row))
                conn.execute(sessions.delete().where(sessions.c.username == username))
            else:
                conn.execute(users.insert().values(**row))

    def login(self, username: str, password: str) -> tuple:
        """(result, session token or None). Unknown users cost the same scrypt time as known ones."""
        username = (username or "").strip().lower()
        now = self.now()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None:
                verify_password(password or "", _DUMMY_HASH)
                return LoginResult.WRONG, None
            if row.locked_until > now:
                return LoginResult.LOCKED, None
            if not verify_password(password or "", row.password_hash):
                failed = row.failed + 1
                locked_until = now + LOCK_SECONDS if failed >= MAX_FAILURES else 0.0
                conn.execute(users.update().where(users.c.username == username).values(failed=0 if locked_until else failed, locked_until=locked_until))
                return (LoginResult.LOCKED if locked_until else LoginResult.WRONG), None
            conn.execute(users.update().where(users.c.username == username).values(failed=0, locked_until=0.0))
            token = secrets.token_urlsafe(32)
            conn.execute(sessions.delete().where(sessions.c.expires_at < now))
            conn.execute(sessions.insert().values(token_hash=_token_hash(token), username=username, csrf=secrets.token_urlsafe(24),
                                                  expires_at=now + SESSION_SECONDS))
            return LoginResult.OK, token

    def session(self, token: Optional[str]) -> Optional[Session]:
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.token_hash == _token_hash(token))).first()
        if row is None or row.expires_at < self.now():
            return None
        return Session(row.username, row.csrf)

    def logout(self, token: Optional[str]) -> None:
        if token:
            with self.engine.begin() as conn:
                conn.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
