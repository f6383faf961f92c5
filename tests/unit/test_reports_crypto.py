"""The reports key: created owner-only, never invented in production, refused when exposed."""
from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet

from bot.reports.crypto import ReportCipher, ensure_local_key, load_key
from bot.reports.errors import ReportKeyError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_local_key_file_is_created_0600_in_a_new_directory(tmp_path):
    path = tmp_path / "not" / "yet" / "reports.key"
    assert ensure_local_key(path) == path
    assert mode(path) == 0o600
    key = path.read_bytes().strip()
    Fernet(key)  # a usable Fernet key
    ensure_local_key(path)
    assert path.read_bytes().strip() == key, "an existing key must never be replaced"


def test_key_file_is_0600_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        path = ensure_local_key(tmp_path / "reports.key")
    finally:
        os.umask(old)
    assert mode(path) == 0o600


def test_load_key_creates_the_local_key_outside_production(tmp_path):
    path = tmp_path / "var" / "reports.key"
    key = load_key(env={"SENALES_REPORTS_KEY_FILE": str(path)})
    assert path.exists() and mode(path) == 0o600
    assert load_key(env={"SENALES_REPORTS_KEY_FILE": str(path)}) == key


def test_production_refuses_to_run_without_a_key_and_creates_none(tmp_path):
    path = tmp_path / "reports.key"
    env = {"SENALES_ENV": "production", "SENALES_REPORTS_KEY_FILE": str(path)}
    with pytest.raises(ReportKeyError) as error:
        load_key(env=env)
    assert "SENALES_REPORTS_KEY" in str(error.value) and "init-key" in str(error.value)
    assert not path.exists()


def test_production_uses_the_env_key_or_an_existing_key_file(tmp_path):
    env_key = Fernet.generate_key()
    assert load_key(env={"SENALES_ENV": "production", "SENALES_REPORTS_KEY": env_key.decode()}) == env_key
    path = ensure_local_key(tmp_path / "reports.key")
    assert load_key(env={"SENALES_ENV": "production", "SENALES_REPORTS_KEY_FILE": str(path)}) == path.read_bytes().strip()


@pytest.mark.parametrize("bad_mode", [0o640, 0o604, 0o644])
def test_key_file_readable_by_others_is_refused(tmp_path, bad_mode):
    path = ensure_local_key(tmp_path / "reports.key")
    os.chmod(path, bad_mode)
    with pytest.raises(ReportKeyError) as error:
        load_key(env={"SENALES_REPORTS_KEY_FILE": str(path)})
    assert "readable by group or others" in str(error.value)
    assert f"chmod 600 {path}" in str(error.value)


def test_malformed_keys_are_refused_without_echoing_them(tmp_path):
    with pytest.raises(ReportKeyError) as error:
        load_key(env={"SENALES_REPORTS_KEY": "not-a-real-key-123"})
    assert "not-a-real-key-123" not in str(error.value)
    path = tmp_path / "reports.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"garbage")
    os.close(fd)
    with pytest.raises(ReportKeyError, match="not a Fernet key"):
        load_key(env={"SENALES_REPORTS_KEY_FILE": str(path)})


def test_an_explicit_key_file_wins_over_the_environment(tmp_path):
    path = ensure_local_key(tmp_path / "reports.key")
    env = {"SENALES_REPORTS_KEY": Fernet.generate_key().decode()}
    assert load_key(path, env=env) == path.read_bytes().strip()


def test_sender_pseudonym_is_stable_keyed_and_hides_the_number():
    cipher = ReportCipher(Fernet.generate_key())
    phone = "+15551234567"
    pseudonym = cipher.pseudonym(phone)
    assert pseudonym == cipher.pseudonym(phone)
    assert "5551234567" not in pseudonym and pseudonym.startswith("anon-")
    assert pseudonym != ReportCipher(Fernet.generate_key()).pseudonym(phone)
    assert pseudonym != cipher.pseudonym("+15551234568")
