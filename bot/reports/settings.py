"""Where reports live and which environment variables say so, read in one place.

Every function takes an optional ``env`` mapping so tests (and the CLI's ``--db``-style
overrides) never have to touch the repository's ``var/`` directory.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional, Union

from bot.devtools.paths import VAR_DIR
from bot.reports.errors import ReportsConfigError

ENV_KEY = "SENALES_REPORTS_KEY"
ENV_KEY_FILE = "SENALES_REPORTS_KEY_FILE"
ENV_DB = "SENALES_REPORTS_DB"
ENV_DB_URL = "SENALES_REPORTS_DB_URL"
ENV_AUDIT_LOG = "SENALES_REPORTS_AUDIT_LOG"
ENV_ENVIRONMENT = "SENALES_ENV"

DEFAULT_KEY_FILE = VAR_DIR / "reports.key"
DEFAULT_DB = VAR_DIR / "reports.db"
DEFAULT_AUDIT_LOG = VAR_DIR / "reports-audit.log"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

Location = Union[Path, str]  # a SQLite file, or a postgresql:// URL


def _env(env: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return os.environ if env is None else env


def _path(env: Optional[Mapping[str, str]], name: str, default: Path) -> Path:
    value = _env(env).get(name, "").strip()
    return Path(value).expanduser() if value else default


def is_production(env: Optional[Mapping[str, str]] = None) -> bool:
    """Production never invents a key: a new key would silently orphan every stored report."""
    return _env(env).get(ENV_ENVIRONMENT, "").strip().lower() == "production"


def key_file_path(env: Optional[Mapping[str, str]] = None) -> Path:
    return _path(env, ENV_KEY_FILE, DEFAULT_KEY_FILE)


def db_path(env: Optional[Mapping[str, str]] = None) -> Path:
    return _path(env, ENV_DB, DEFAULT_DB)


def is_postgres_url(location: Location) -> bool:
    return isinstance(location, str) and location.strip().lower().startswith(POSTGRES_SCHEMES)


def db_location(env: Optional[Mapping[str, str]] = None) -> Location:
    """Where the store is: ``$SENALES_REPORTS_DB_URL`` (PostgreSQL, shared by several action
    servers) when set, else the SQLite file ``$SENALES_REPORTS_DB`` (one host)."""
    url = _env(env).get(ENV_DB_URL, "").strip()
    if not url:
        return db_path(env)
    if not is_postgres_url(url):
        raise ReportsConfigError(
            f"${ENV_DB_URL} must be a postgresql:// URL (for a SQLite file set ${ENV_DB} to its path instead)."
        )
    return url


def location_from_text(text: str) -> Location:
    """A ``--db`` value: a postgresql:// URL stays a URL, anything else is a file path."""
    text = str(text).strip()
    return text if is_postgres_url(text) else Path(text).expanduser()


def audit_log_path(env: Optional[Mapping[str, str]] = None) -> Path:
    return _path(env, ENV_AUDIT_LOG, DEFAULT_AUDIT_LOG)
