"""Encrypt reports with Fernet so the database file never holds a teen's words in clear.

The key comes from ``SENALES_REPORTS_KEY`` (a Fernet key, url-safe base64) or from a key file
(``SENALES_REPORTS_KEY_FILE``, default ``<ROOT>/var/reports.key``). Locally a missing key file is
created (0600) so ``make run`` just works; with ``SENALES_ENV=production`` it never is, because a
fresh key would make every existing report unreadable without anyone noticing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from cryptography.fernet import Fernet, InvalidToken

from bot.reports import settings
from bot.reports.errors import ReportKeyError

PathLike = Union[str, os.PathLike]


def generate_key() -> bytes:
    return Fernet.generate_key()


def validate_key(key: Union[str, bytes], source: str) -> bytes:
    """Return the key as bytes, or say where the malformed key came from (never the key itself)."""
    raw = key.encode("ascii", "replace") if isinstance(key, str) else key
    raw = raw.strip()
    try:
        Fernet(raw)
    except (ValueError, TypeError):
        raise ReportKeyError(
            f"The reports key from {source} is not a Fernet key (32 bytes, url-safe base64). "
            "Create one with `bot reports init-key`."
        ) from None
    return raw


def check_key_file_permissions(path: Path) -> None:
    """Refuse a key that other accounts on the machine can read: it opens every report."""
    if os.name == "nt":  # POSIX modes mean nothing there.
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ReportKeyError(
            f"The key file {path} is readable by group or others (mode {mode:04o}); "
            f"anyone who can read it can read every report. Fix it with `chmod 600 {path}`."
        )


def create_key_file(path: PathLike) -> Path:
    """Write a new key with mode 0600 from the first byte; FileExistsError if one is there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def ensure_local_key(path: Optional[PathLike] = None) -> Path:
    """The key file for the embedded default: created (0600) when missing, checked when present."""
    path = Path(path) if path is not None else settings.key_file_path()
    try:
        return create_key_file(path)
    except FileExistsError:
        check_key_file_permissions(path)
        return path


def load_key(key_file: Optional[PathLike] = None, env: Optional[Mapping[str, str]] = None) -> bytes:
    """The reports key: an explicit key file, else the env var, else the configured key file.

    Outside production a missing key file is created; in production that is an error.
    """
    env = os.environ if env is None else env
    if key_file is None:
        from_env = env.get(settings.ENV_KEY, "").strip()
        if from_env:
            return validate_key(from_env, f"${settings.ENV_KEY}")
        path = settings.key_file_path(env)
    else:
        path = Path(key_file)
    if not path.exists():
        if settings.is_production(env):
            raise ReportKeyError(
                f"No reports key: set {settings.ENV_KEY} or create {path} with `bot reports init-key` "
                f"({settings.ENV_ENVIRONMENT}=production never creates a key on its own, because a new "
                "key cannot read the reports already stored)."
            )
        ensure_local_key(path)
    check_key_file_permissions(path)
    return validate_key(path.read_bytes(), str(path))


class ReportCipher:
    """Fernet encryption of JSON values, plus the keyed pseudonym that replaces sender ids."""

    def __init__(self, key: bytes):
        self._fernet = Fernet(key)
        self._pseudonym_key = hashlib.sha256(b"senales-sender-pseudonym\0" + base64.urlsafe_b64decode(key)).digest()

    def encrypt_json(self, value: Any) -> bytes:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))

    def decrypt_json(self, token: bytes) -> Any:
        try:
            plain = self._fernet.decrypt(bytes(token))
        except InvalidToken:
            raise ReportKeyError("A report could not be decrypted: the reports key does not match this database.") from None
        return json.loads(plain.decode("utf-8"))

    def pseudonym(self, sender_id: str) -> str:
        """Same sender, same pseudonym; without the key it does not lead back to a phone number."""
        digest = hmac.new(self._pseudonym_key, str(sender_id).encode("utf-8"), hashlib.sha256).hexdigest()
        return f"anon-{digest[:20]}"
