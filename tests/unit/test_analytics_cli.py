"""`bot analytics`, `bot purge` and `bot staff` as operators run them: real subprocesses, temp databases."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.analytics import database, filters, synthetic
from bot.devtools.paths import ROOT

# Published ranges are whole weeks: from the Monday of the week 59 days ago.
SINCE = filters.monday_of(filters.today() - timedelta(days=59)).isoformat()


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    synthetic.fill(database.engine(url), 3000, seed=4, end=time.time())
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENALES_")}
    environment.update(PYTHONPATH=str(ROOT), SENALES_TRACKER_DB_URL=url)
    return environment


def bot(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120)


def _events(env):
    with database.engine(env["SENALES_TRACKER_DB_URL"]).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(database.events)).scalar()


def test_refresh_is_incremental_from_the_command_line(env):
    first = bot(env, "analytics", "refresh")
    assert first.returncode == 0 and f"{_events(env)} new event(s)" in first.stdout
    second = bot(env, "analytics", "refresh")
    assert second.returncode == 0 and "0 new event(s)" in second.stdout


def test_purge_keeps_the_csv_identical(env):
    before_csv = bot(env, "analytics", "csv", "--from", SINCE)
    total = _events(env)
    purged = bot(env, "purge", "--older-than", "30d")
    assert purged.returncode == 0 and "deleted" in purged.stdout
    assert 0 < _events(env) < total
    after_csv = bot(env, "analytics", "csv", "--from", SINCE)
    assert before_csv.returncode == 0 and before_csv.stdout == after_csv.stdout


@pytest.mark.parametrize("args, message", [
    (("purge", "--older-than", "banana"), "not a duration"),
    (("analytics", "csv", "--from", "2026-13-01"), "start date 2026-13-01 is not a day of the calendar"),
    (("analytics", "csv", "--channel", "x' OR 1=1 --"), "channel name has only letters"),
])
def test_mistakes_get_one_line_and_exit_1(env, args, message):
    result = bot(env, *args)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_staff_add_user_checks_the_password_and_refuses_duplicates(env):
    assert "at least 12" in bot(env, "staff", "add-user", "sam", "--password-stdin", stdin="short\n").stderr
    assert bot(env, "staff", "add-user", "sam", "--password-stdin", stdin="a-long-enough-password\n").returncode == 0
    again = bot(env, "staff", "add-user", "sam", "--password-stdin", stdin="another-long-password\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    reset = bot(env, "staff", "add-user", "sam", "--reset", "--password-stdin", stdin="another-long-password\n")
    assert reset.returncode == 0 and "Password reset" in reset.stdout
    with database.engine(env["SENALES_TRACKER_DB_URL"]).connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM console_users WHERE username = 'sam'")).scalar()
    assert stored.startswith("scrypt$") and "another-long-password" not in stored
