"""Where the tracker events and the aggregates live, and the privacy knobs, read in one place.

The tracker database comes from ``endpoints.yml`` (what Rasa itself writes to) unless
``SENALES_TRACKER_DB_URL`` names another one (a SQLAlchemy URL). Aggregates go into the same
database by default (``SENALES_ANALYTICS_DB_URL`` to move them), so PostgreSQL in production
needs nothing new. With several Rasa instances, ``SENALES_ANALYTICS_EVENTS=copy`` makes the
analytics read the copy of the events that ``bot analytics consume`` takes from RabbitMQ into the
analytics database instead (``events_url``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import quote_plus

import yaml

from bot.devtools.paths import ROOT

ENV_TRACKER_URL = "SENALES_TRACKER_DB_URL"
ENV_ANALYTICS_URL = "SENALES_ANALYTICS_DB_URL"
ENV_EVENTS = "SENALES_ANALYTICS_EVENTS"
ENV_MIN_COUNT = "SENALES_ANALYTICS_MIN_COUNT"
ENV_RETENTION_DAYS = "SENALES_RETENTION_DAYS"
DEMO_PREFIX = "demo-"
DEFAULT_MIN_COUNT = 11
DEFAULT_RETENTION_DAYS = 30


def _env(env: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return os.environ if env is None else env


def url_from_endpoints(path: Path = ROOT / "endpoints.yml") -> str:
    """The SQLAlchemy URL of Rasa's SQL tracker store as endpoints.yml configures it."""
    store = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    dialect = str(store.get("dialect", "sqlite"))
    db = str(store.get("db", "rasa.db"))
    if dialect.startswith("sqlite"):
        db_path = Path(db) if Path(db).is_absolute() else ROOT / db
        return f"sqlite:///{db_path}"
    user = quote_plus(str(store.get("username") or ""))
    password = quote_plus(str(store.get("password") or ""))
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = store.get("url") or store.get("host") or "localhost"
    port = f":{store['port']}" if store.get("port") else ""
    return f"{dialect}://{auth}{host}{port}/{db}"


def tracker_url(env: Optional[Mapping[str, str]] = None) -> str:
    return _env(env).get(ENV_TRACKER_URL, "").strip() or url_from_endpoints()


def analytics_url(env: Optional[Mapping[str, str]] = None) -> str:
    return _env(env).get(ENV_ANALYTICS_URL, "").strip() or tracker_url(env)


def events_from_copy(env: Optional[Mapping[str, str]] = None) -> bool:
    """``SENALES_ANALYTICS_EVENTS=copy`` (production): the analytics fold the ``events`` table of the
    analytics database, filled from RabbitMQ by ``bot analytics consume``, not Rasa's own store."""
    value = _env(env).get(ENV_EVENTS, "").strip().lower() or "tracker"
    if value not in ("tracker", "copy"):
        raise ValueError(f"{ENV_EVENTS} must be tracker or copy, not {value!r}")
    if value == "copy" and analytics_url(env) == tracker_url(env):
        raise ValueError(f"{ENV_EVENTS}=copy needs {ENV_ANALYTICS_URL} to name a database other than the tracker store's")
    return value == "copy"


def events_url(env: Optional[Mapping[str, str]] = None) -> str:
    """The database whose ``events`` table the analytics read (refresh, console, purge)."""
    return analytics_url(env) if events_from_copy(env) else tracker_url(env)


def _positive_int(env: Optional[Mapping[str, str]], name: str, default: int) -> int:
    value = _env(env).get(name, "").strip()
    if not value:
        return default
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be 1 or more, not {value}")
    return number


def min_count(env: Optional[Mapping[str, str]] = None) -> int:
    """Smallest count shown as a number; 1..min_count-1 show as ``<min_count``."""
    return _positive_int(env, ENV_MIN_COUNT, DEFAULT_MIN_COUNT)


def retention_days(env: Optional[Mapping[str, str]] = None) -> int:
    return _positive_int(env, ENV_RETENTION_DAYS, DEFAULT_RETENTION_DAYS)


def is_demo(sender_id: str) -> bool:
    """Classroom demo conversations (the channels' demo page) are left out of analytics by default."""
    return str(sender_id).startswith(DEMO_PREFIX)
