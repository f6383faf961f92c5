"""Environment variables the channels read, in one place.

Channel secrets may also be written in credentials.yml (tests do); the environment is the
default so credentials.yml in the repository never holds a secret and `make run` starts without
any of them (an unconfigured Twilio or Telegram channel refuses every request).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

from bot.devtools.paths import VAR_DIR

SENDER_KEY = "SENALES_SENDER_KEY"
SENDER_KEY_FILE = "SENALES_SENDER_KEY_FILE"
CHANNELS_DB = "SENALES_CHANNELS_DB"
CHANNELS_DB_URL = "SENALES_CHANNELS_DB_URL"  # postgresql://... : state shared by several Rasa instances
REDIS_URL = "SENALES_REDIS_URL"  # redis://... : the per-sender rate limit shared by several instances
CLAIM_LEASE_SECONDS = "SENALES_CLAIM_LEASE_SECONDS"
TWILIO_AUTH_TOKEN = "SENALES_TWILIO_AUTH_TOKEN"
PUBLIC_URL = "SENALES_PUBLIC_URL"
TELEGRAM_TOKEN = "SENALES_TELEGRAM_TOKEN"
TELEGRAM_SECRET = "SENALES_TELEGRAM_SECRET"
TELEGRAM_API_URL = "SENALES_TELEGRAM_API_URL"
DEMO = "SENALES_DEMO"

DEFAULT_SENDER_KEY_FILE = VAR_DIR / "sender.key"
DEFAULT_CHANNELS_DB = VAR_DIR / "channels.db"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
# How long one instance may hold a message it is answering before another instance may take it
# over (after a crash). Longer than any normal turn; Rasa's TICKET_LOCK_LIFETIME should match it.
DEFAULT_CLAIM_LEASE_SECONDS = 20.0
# The per-sender limit every messaging channel applies unless credentials.yml says otherwise.
DEFAULT_RATE_LIMIT_PER_MINUTE = 20


def env(environ: Optional[Mapping[str, str]] = None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def setting(credentials: Optional[Mapping[str, Any]], key: str, env_name: str,
            default: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """credentials.yml value if given, else the environment variable, else ``default``."""
    value = (credentials or {}).get(key)
    if value is None or str(value).strip() == "":
        value = env(environ).get(env_name, "")
    value = str(value).strip()
    return value or default


def path_setting(env_name: str, default: Path, environ: Optional[Mapping[str, str]] = None) -> Path:
    value = env(environ).get(env_name, "").strip()
    return Path(value).expanduser() if value else default


def is_production(environ: Optional[Mapping[str, str]] = None) -> bool:
    return env(environ).get("SENALES_ENV", "").strip().lower() == "production"


def claim_lease_seconds(environ: Optional[Mapping[str, str]] = None) -> float:
    value = env(environ).get(CLAIM_LEASE_SECONDS, "").strip()
    try:
        return float(value) if value else DEFAULT_CLAIM_LEASE_SECONDS
    except ValueError:
        raise ValueError(f"{CLAIM_LEASE_SECONDS} must be a number of seconds, not {value!r}") from None
