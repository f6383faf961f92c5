"""Start, wait for and stop the Rasa server and the action server as child processes.

Used by ``make run`` and by the test fixtures, so the tests exercise exactly what a developer
runs. Both servers bind to 127.0.0.1 only.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.devtools.paths import MODEL_FILE, ROOT

HOST = "127.0.0.1"


class ServerStartError(RuntimeError):
    pass


def quiet_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Environment for the servers: no telemetry calls home, no TensorFlow chatter."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.update(extra or {})
    return env


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class ServerProcess:
    name: str
    command: List[str]
    health_url: str
    log_file: Path
    env: Dict[str, str] = field(default_factory=quiet_env)
    process: Optional[subprocess.Popen] = None
    _log: Optional[object] = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float, progress: bool = False) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process and self.process.poll() is not None:
                raise ServerStartError(f"{self.name} exited with code {self.process.returncode}; log: {self.log_file}")
            if http_ok(self.health_url):
                if progress:
                    print(f"\r  ✔ {self.name} ready in {time.monotonic() - started:.0f} s" + " " * 10, flush=True)
                return time.monotonic() - started
            if progress:
                print(f"\r  … starting {self.name} ({time.monotonic() - started:.0f} s)", end="", flush=True)
            time.sleep(0.5)
        raise ServerStartError(f"{self.name} not ready after {timeout:.0f} s; log: {self.log_file}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        try:
            self._terminate(sig, timeout)
        finally:
            if self._log:
                self._log.close()
                self._log = None

    def _terminate(self, sig: int, timeout: float) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    @property
    def running(self) -> bool:
        return bool(self.process and self.process.poll() is None)


def action_server(port: int, log_file: Path, env: Optional[Dict[str, str]] = None) -> ServerProcess:
    return ServerProcess(
        name="action server",
        command=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        health_url=f"http://{HOST}:{port}/health",
        log_file=log_file,
        env=quiet_env({"SANIC_HOST": HOST, **(env or {})}),
    )


def rasa_server(
    port: int,
    log_file: Path,
    endpoints: Path = ROOT / "endpoints.yml",
    credentials: Path = ROOT / "credentials.yml",
    model: Path = MODEL_FILE,
    env: Optional[Dict[str, str]] = None,
) -> ServerProcess:
    return ServerProcess(
        name="Rasa server",
        command=[
            sys.executable, "-m", "rasa", "run",
            "--model", str(model),
            "--endpoints", str(endpoints),
            "--credentials", str(credentials),
            "--interface", HOST,
            "--port", str(port),
            "--enable-api",
        ],
        health_url=f"http://{HOST}:{port}/status",
        log_file=log_file,
        env=quiet_env(env),
    )


def console_server(port: int, log_file: Path, env: Optional[Dict[str, str]] = None) -> ServerProcess:
    """The staff console (bot.console): analytics and the report queue, on 127.0.0.1 only."""
    return ServerProcess(
        name="staff console",
        command=[sys.executable, "-m", "bot.console", "--port", str(port)],
        health_url=f"http://{HOST}:{port}/health",
        log_file=log_file,
        env=quiet_env(env),
    )


def post_json(url: str, payload: dict, timeout: float = 30) -> tuple:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
