"""Pseudonymous sender ids: what Rasa sees instead of a phone number or a Telegram chat id.

The id is a keyed HMAC of the channel and the address, so the same teen keeps one conversation,
but the tracker store, the logs and analytics never hold the address, and without the key the id
does not lead back to it (phone numbers are too few to hide behind a plain hash).

The key comes from ``SENALES_SENDER_KEY`` or a key file (``SENALES_SENDER_KEY_FILE``, default
``var/sender.key``, created 0600 by ``make run``). With ``SENALES_ENV=production`` a missing key
is an error: a new key would silently split every teen's conversation in two.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Mapping, Optional

from bot.channels import settings

MIN_KEY_CHARS = 32
PREFIXES = {"sms": "sms", "telegram": "tg"}


class SenderKeyError(RuntimeError):
    pass


def create_key_file(path: Path) -> Path:
    """Write a new random key, mode 0600 from the first byte; FileExistsError if one is there."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_urlsafe(48).encode() + b"\n")
    finally:
        os.close(fd)
    return path


def ensure_local_key(path: Optional[Path] = None, environ: Optional[Mapping[str, str]] = None) -> Path:
    """The key file for the embedded default (``make run``): created when missing."""
    path = path or settings.path_setting(settings.SENDER_KEY_FILE, settings.DEFAULT_SENDER_KEY_FILE, environ)
    try:
        return create_key_file(path)
    except FileExistsError:
        return path


def load_key(environ: Optional[Mapping[str, str]] = None) -> bytes:
    env = settings.env(environ)
    value = env.get(settings.SENDER_KEY, "").strip()
    source = f"${settings.SENDER_KEY}"
    if not value:
        path = settings.path_setting(settings.SENDER_KEY_FILE, settings.DEFAULT_SENDER_KEY_FILE, env)
        if not path.exists():
            if settings.is_production(env):
                raise SenderKeyError(
                    f"No sender key: set {settings.SENDER_KEY} or create {path}. Production never makes "
                    "one up, because a new key would start every teen's conversation over."
                )
            ensure_local_key(path)
        if os.name != "nt" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise SenderKeyError(f"The sender key file {path} is readable by others; run `chmod 600 {path}`.")
        value, source = path.read_text().strip(), str(path)
    if len(value) < MIN_KEY_CHARS:
        raise SenderKeyError(f"The sender key from {source} is shorter than {MIN_KEY_CHARS} characters.")
    return value.encode("utf-8")


class SenderIds:
    """Maps (channel, address) to the id Rasa sees, e.g. ``sms-3f9c…``."""

    def __init__(self, key: bytes):
        self._key = key

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "SenderIds":
        return cls(load_key(environ))

    def sender_id(self, channel: str, address: str) -> str:
        digest = hmac.new(self._key, f"{channel}\0{address}".encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{PREFIXES.get(channel, channel)}-{digest[:32]}"
