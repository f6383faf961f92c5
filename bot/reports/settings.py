"""Where reports live and which environment variables say so, read in one place.

Every function takes an optional ``env`` mapping so tests (and the CLI's ``--db``-style
overrides) never have to touch the repository's ``var/`` directory.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from bot.devtools.paths import VAR_DIR

ENV_KEY = "SENALES_REPORTS_KEY"
ENV_KEY_FILE = "SENALES_REPORTS_KEY_FILE"
ENV_DB = "SENALES_REPORTS_DB"
ENV_AUDIT_LOG = "SENALES_REPORTS_AUDIT_LOG"
ENV_ENVIRONMENT = "SENALES_ENV"

DEFAULT_KEY_FILE = VAR_DIR / "reports.key"
DEFAULT_DB = VAR_DIR / "reports.db"
DEFAULT_AUDIT_LOG = VAR_DIR / "reports-audit.log"


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


def audit_log_path(env: Optional[Mapping[str, str]] = None) -> Path:
    return _path(env, ENV_AUDIT_LOG, DEFAULT_AUDIT_LOG)
