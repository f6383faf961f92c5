"""Load on the production topology: simulated teens at concurrency 1, 8 and 32, on 1 and on 2
Rasa instances behind nginx (PostgreSQL, Redis, RabbitMQ on this machine).

Each teen sends real signed Twilio webhooks (or Telegram updates, or posts to Rasa's built-in
REST channel: the baseline, on the same model in the same run) one after another with think
time, and retries as the service would. Prints p50/p95/p99 reply latency, throughput and the
resident memory of each Rasa instance, then the ratios the production issue asks for:

- SMS p50 ÷ REST p50 with 1 instance at concurrency 1 (the cost of the signature check,
  pseudonymising, the shared channel state and TwiML), twice: from the cells measured one
  channel after the other, and from a paired run where the channels take turns message by
  message (``--paired``), which the machine's drift between cells cannot tilt;
- throughput with 2 instances ÷ 1 instance at concurrency 32.

    python benchmarks/load.py [--seconds 20] [--concurrency 1 8 32] [--instances 1 2] [--paired 60] [--json out.json]

Needs nginx, PostgreSQL, Redis and RabbitMQ running; creates and drops its own database.
Run it on an otherwise idle machine: it measures what two cores can carry.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.devtools import process_cpu, servers  # noqa: E402
from bot.devtools import simulated_teens as sim  # noqa: E402
from bot.devtools.topology import Topology  # noqa: E402

TWILIO_TOKEN = "bench-twilio-auth-token"
TELEGRAM_SECRET = "bench-telegram-secret-0123456789"
THINK_SECONDS = 0.5
CHANNELS = ("rest", "sms", "telegram")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((servers.HOST, 0))
        return sock.getsockname()[1]


def pg_admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def make_topology(workdir: Path, instances: int, bot_api, action_servers: int = 1) -> Topology:
    from cryptography.fernet import Fernet

    run = uuid.uuid4().hex[:8]
    db = f"senales_load_{run}"
    pg_admin(f"CREATE DATABASE {db}")
    port = free_port()
    url = f"postgresql://postgres@127.0.0.1:5432/{db}"
    env = {
        "SENALES_ENV": "production", "SENALES_PG_HOST": "127.0.0.1", "SENALES_PG_PORT": "5432", "SENALES_PG_DB": db,
        "SENALES_PG_USER": "postgres", "SENALES_PG_PASSWORD": "", "SENALES_CHANNELS_DB_URL": url,
        "SENALES_REDIS_HOST": "127.0.0.1", "SENALES_REDIS_PORT": "6379", "SENALES_REDIS_DB": "11",
        "SENALES_REDIS_PASSWORD": "", "SENALES_REDIS_URL": "redis://127.0.0.1:6379/12",
        "SENALES_RABBITMQ_HOST": "127.0.0.1", "SENALES_RABBITMQ_PORT": "5672", "SENALES_RABBITMQ_USER": "guest",
        "SENALES_RABBITMQ_PASSWORD": "guest", "SENALES_RABBITMQ_QUEUE": f"senales_load_{run}",
        "SENALES_RABBITMQ_EXCHANGE": f"senales_load_{run}",
        "TICKET_LOCK_LIFETIME": "20", "SENALES_SENDER_KEY": "bench-sender-key-" + "k" * 32,
        "SENALES_REPORTS_KEY": Fernet.generate_key().decode(), "SENALES_REPORTS_DB_URL": url,
        "SENALES_REPORTS_AUDIT_LOG": str(workdir / "audit.log"), "SENALES_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    credentials.pop("bot.channels.rest.SafeRestInput", None)
    credentials["rest"] = None  # Rasa's own REST channel: the baseline
    credentials["bot.channels.twilio_sms.TwilioSmsInput"] = {"auth_token": TWILIO_TOKEN,
                                                             "rate_limit_per_minute": 10_000}
    credentials["bot.channels.telegram_bot.TelegramInput"] = {
        "access_token": bot_api.token, "secret_token": TELEGRAM_SECRET, "api_url": bot_api.url,
        "rate_limit_per_minute": 10_000}
    credentials_file = workdir / "credentials.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    topology = Topology(env=env, rasa_ports=[free_port() for _ in range(instances)],
                        action_ports=[free_port() for _ in range(action_servers)],
                        port=port, actions_port=free_port(), run_dir=workdir / "prod", credentials=credentials_file)
    topology.database = db
    return topology


def channel_for(topology: Topology, kind: str) -> sim.Channel:
    return sim.Channel(topology.base, kind, twilio_auth_token=TWILIO_TOKEN,
                       public_url=topology.env["SENALES_PUBLIC_URL"], telegram_secret=TELEGRAM_SECRET)


def measure(topology: Topology, kind: str, concurrency: int, seconds: float, think: float = THINK_SECONDS) -> Dict:
    teens = sim.make_teens(concurrency * 50, kind, prefix=f"{kind}{concurrency}")
    peak: Dict[str, int] = {}
    done = threading.Event()

    def sample_memory():
        while not done.is_set():
            for name, rss in topology.rss_bytes().items():
                peak[name] = max(peak.get(name, 0), rss)
            done.wait(0.5)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    cpu_before = process_cpu.snapshot()
    started = time.monotonic()
    log = asyncio.run(sim.run_load(channel_for(topology, kind), teens, concurrency, think, duration=seconds))
    elapsed = time.monotonic() - started
    cpu = process_cpu.used_between(cpu_before, process_cpu.snapshot())
    done.set()
    sampler.join()
    result = sim.summary(log, elapsed)
    result["cpu_s"] = cpu
    result["rss_mb"] = {name: round(rss / 2**20) for name, rss in sorted(peak.items())}
    result["spread"] = sorted({d.instances[-1] for d in log if d.instances})
    return result


def measure_paired(topology: Topology, kinds: List[str], conversations: int, think: float) -> Dict[str, Dict]:
    """Latency at concurrency 1 with the channels taking turns (``sim.run_paired``)."""
    started = time.monotonic()
    logs = asyncio.run(sim.run_paired([channel_for(topology, kind) for kind in kinds], conversations, think))
    elapsed = time.monotonic() - started
    return {kind: sim.summary(log, elapsed) for kind, log in logs.items()}


def cpu_per_message(cell: Dict) -> str:
    """Where the cores went in a cell, per acknowledged message, biggest first."""
    acked = max(cell["acknowledged"], 1)
    parts = sorted(cell.get("cpu_s", {}).items(), key=lambda kv: -kv[1])
    return ", ".join(f"{role} {seconds * 1000 / acked:.1f}" for role, seconds in parts) or "(not measured here)"


def warm_up(topology: Topology) -> None:
    """Every instance loads its model lazily on the first messages: not part of any figure."""
    for kind in CHANNELS:
        asyncio.run(sim.run_load(channel_for(topology, kind), sim.make_teens(4, kind, prefix="warm"), 4, 0.0))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per cell (default 20)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--channels", nargs="+", default=list(CHANNELS), choices=CHANNELS)
    parser.add_argument("--think", type=float, default=THINK_SECONDS,
                        help=f"mean pause between one teen's messages, seconds (default {THINK_SECONDS})")
    parser.add_argument("--action-servers", type=int, default=1, help="action servers behind nginx (default 1)")
    parser.add_argument("--paired", type=int, default=60, metavar="CONVERSATIONS",
                        help="conversations per channel in the paired c=1 latency run on 1 instance (default 60; 0: none)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "tests"))
    from fake_bot_api import FakeBotApi

    import tempfile

    results: List[Dict] = []
    paired: Dict[str, Dict] = {}
    bot_api = FakeBotApi(servers.HOST).start()
    try:
        for instances in args.instances:
            workdir = Path(tempfile.mkdtemp(prefix=f"senales-load-{instances}-"))
            topology = make_topology(workdir, instances, bot_api, args.action_servers)
            print(f"▶ {instances} Rasa instance(s): starting…", flush=True)
            try:
                topology.start(progress=True)
                warm_up(topology)
                if instances == 1 and args.paired and "rest" in args.channels:
                    print(f"  paired c=1 run: {args.paired} conversations per channel, channels taking turns…", flush=True)
                    paired = measure_paired(topology, args.channels, args.paired, args.think)
                    for kind, cell in paired.items():
                        print(f"  {kind:8s} paired  p50 {cell['p50_ms']:7.1f} ms  p95 {cell['p95_ms']:7.1f}  "
                              f"p99 {cell['p99_ms']:7.1f}  acked {cell['acknowledged']}/{cell['sent']}", flush=True)
                for concurrency in args.concurrency:
                    for kind in args.channels:
                        cell = measure(topology, kind, concurrency, args.seconds, args.think)
                        cell.update(instances=instances, channel=kind, concurrency=concurrency)
                        results.append(cell)
                        print(f"  {kind:8s} c={concurrency:<3d} p50 {cell['p50_ms']:7.1f} ms  p95 {cell['p95_ms']:7.1f}  "
                              f"p99 {cell['p99_ms']:7.1f}  {cell['throughput_per_s']:6.1f} msg/s  "
                              f"acked {cell['acknowledged']}/{cell['sent']}  RSS {cell['rss_mb']} MB", flush=True)
                        if concurrency == max(args.concurrency):
                            print("           CPU ms per message: " + cpu_per_message(cell), flush=True)
            finally:
                topology.stop()
                pg_admin(f"DROP DATABASE IF EXISTS {topology.database} WITH (FORCE)")
    finally:
        bot_api.stop()

    def cell(instances, kind, concurrency):
        return next((r for r in results if (r["instances"], r["channel"], r["concurrency"]) == (instances, kind, concurrency)), None)

    print("\nRatios (same model, same run):")
    rest, sms = cell(1, "rest", 1), cell(1, "sms", 1)
    if rest and sms:
        print(f"  SMS p50 ÷ built-in REST p50, 1 instance, c=1: {sms['p50_ms']:.1f} / {rest['p50_ms']:.1f} ms = "
              f"{sms['p50_ms'] / rest['p50_ms']:.3f} (target ≤ 1.10)")
    for kind in ("sms", "telegram"):
        if "rest" in paired and kind in paired:
            print(f"  {kind} p50 ÷ built-in REST p50, 1 instance, c=1, paired ({paired[kind]['acknowledged']} and "
                  f"{paired['rest']['acknowledged']} messages): {paired[kind]['p50_ms']:.1f} / {paired['rest']['p50_ms']:.1f} ms = "
                  f"{paired[kind]['p50_ms'] / paired['rest']['p50_ms']:.3f}" + (" (target ≤ 1.10)" if kind == "sms" else ""))
    telegram = cell(1, "telegram", 1)
    if rest and telegram:
        print(f"  Telegram p50 ÷ built-in REST p50, 1 instance, c=1: {telegram['p50_ms'] / rest['p50_ms']:.3f}")
    for kind in args.channels:
        one, two = cell(1, kind, 32), cell(2, kind, 32)
        if one and two:
            print(f"  {kind}: throughput at c=32, 2 instances ÷ 1: {two['throughput_per_s']:.1f} / "
                  f"{one['throughput_per_s']:.1f} msg/s = {two['throughput_per_s'] / one['throughput_per_s']:.2f} (target ≥ 1.6)")
    if args.json:
        args.json.write_text(json.dumps({"cells": results, "paired_c1": paired}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
