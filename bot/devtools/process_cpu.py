"""CPU seconds per role (each Rasa instance, the action server, nginx, PostgreSQL, Redis,
RabbitMQ, the load generator) between two snapshots of ``/proc``.

Why: on a 2-core machine, two Rasa instances can only scale if everything that is not Rasa
(the services, the load balancer, the simulated teens themselves) leaves them the cores. A
throughput ratio alone does not say which part took them; this does. Linux only; elsewhere
the snapshots are empty and the benchmark prints no split.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _role(pid: int, own_pid: int) -> str:
    if pid == own_pid:
        return "load generator"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
    words = [a.decode(errors="replace") for a in argv if a]
    line = " ".join(words)
    if "rasa_sdk" in line or ("rasa" in line and " actions" in line):
        return "action server"
    if "rasa" in line and " run" in line:
        port = words[words.index("--port") + 1] if "--port" in words[:-1] else "?"
        return f"rasa:{port}"
    if comm.startswith("postgres"):
        return "postgresql"
    if comm == "nginx":
        return "nginx"
    if comm.startswith("redis"):
        return "redis"
    if comm.startswith("beam") or "rabbit" in line:
        return "rabbitmq"
    if "analytics" in line and "consume" in line:
        return "analytics consumer"
    return "other"


def snapshot() -> Dict[str, float]:
    """CPU seconds used so far by each role's live processes.

    Per process, not the machine's total from /proc/stat: inside this project's VMs that total
    was seen reporting the cores idle while a training kept both busy."""
    own = os.getpid()
    totals: Dict[str, float] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return totals
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        role = _role(int(entry.name), own)
        if role:
            # fields[11] and [12] are utime and stime (fields 14 and 15 of stat(5)).
            totals[role] = totals.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / _TICKS
    return totals


def used_between(before: Dict[str, float], after: Dict[str, float]) -> Dict[str, float]:
    """CPU seconds each role used between the snapshots (roles that started after count from 0)."""
    return {role: round(after[role] - before.get(role, 0.0), 2)
            for role in after if after[role] - before.get(role, 0.0) > 0.005}
