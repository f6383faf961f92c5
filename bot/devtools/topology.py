"""The production topology on one machine: N Rasa instances and M action servers behind nginx,
on PostgreSQL, Redis and RabbitMQ (``endpoints.production.yml``).

Used by ``make run-prod``, by the fault tests and by ``benchmarks/load.py``, so all three run
exactly the same thing. nginx (Debian's package) balances round-robin, so one teen's messages
really do land on different instances; its configuration is written to ``var/prod/`` from the
instance list each time.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot.devtools import servers
from bot.devtools.paths import MODEL_FILE, ROOT

PRODUCTION_ENDPOINTS = ROOT / "endpoints.production.yml"
# Each instance does its TensorFlow work on one thread: N instances then use N cores instead of
# fighting over them (measured in benchmarks/load.py).
ONE_THREAD = {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1",
              "OMP_NUM_THREADS": "1"}
REQUIRED = ("SENALES_PG_HOST", "SENALES_PG_PORT", "SENALES_PG_DB", "SENALES_PG_USER", "SENALES_REDIS_HOST",
            "SENALES_REDIS_PORT", "SENALES_REDIS_DB", "SENALES_RABBITMQ_HOST", "SENALES_RABBITMQ_PORT",
            "SENALES_RABBITMQ_USER", "SENALES_RABBITMQ_PASSWORD", "SENALES_RABBITMQ_QUEUE",
            "SENALES_RABBITMQ_EXCHANGE")

NGINX_CONF = """# Written by bot/devtools/topology.py; edits are overwritten.
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;  # request lines carry no phone numbers, but a log of who wrote when is not needed
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size 1m;
    # Keep bodies in memory: the action server's requests carry the whole tracker, and nginx's
    # workers (another user when started as root) may not write temp files under var/prod/.
    client_body_buffer_size 1m;
    proxy_buffer_size 64k;
    proxy_buffers 16 64k;
    proxy_max_temp_file_size 0;
    upstream rasa {{
{rasa_servers}
        keepalive 64;
    }}
    upstream actions {{
{action_servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A dead instance refuses the connection: nginx tries the next one. A request that an
            # instance took and then lost (kill -9) is not re-sent by nginx (POST is not
            # idempotent); the service's retry is answered once (bot/channels/once.py).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            # Which instance answered: the tests and benchmarks check that messages spread.
            # Drop this header where the balancer faces the internet.
            add_header X-Senales-Instance $upstream_addr always;
        }}
    }}
    server {{
        listen 127.0.0.1:{actions_port};
        location / {{
            proxy_pass http://actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


class TopologyError(RuntimeError):
    pass


def nginx_binary() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    raise TopologyError("nginx is not installed: `apt-get install -y nginx-light` (Debian) and try again.")


def check_settings(env: Mapping[str, str]) -> None:
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise TopologyError(f"missing settings: {', '.join(missing)} (see .env.example)")


def ensure_database(env: Mapping[str, str]) -> None:
    """Create the tracker-store database, and the analytics database when it is another one on the
    same server, if they do not exist (Rasa does not, without login_db)."""
    import psycopg2
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    params = dict(host=env["SENALES_PG_HOST"], port=env["SENALES_PG_PORT"], user=env["SENALES_PG_USER"],
                  password=env.get("SENALES_PG_PASSWORD") or None, connect_timeout=5)
    try:
        conn = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.Error as error:
        raise TopologyError(f"PostgreSQL at {params['host']}:{params['port']} not reachable: "
                            f"{str(error).strip().splitlines()[0]}") from None
    conn.autocommit = True
    names = [env["SENALES_PG_DB"]]
    analytics = env.get("SENALES_ANALYTICS_DB_URL", "")
    if analytics.startswith("postgresql"):
        url = make_url(analytics)
        if (url.host or "127.0.0.1", str(url.port or 5432)) == (params["host"], str(params["port"])) and url.database:
            names.append(url.database)
    with conn.cursor() as cursor:
        for name in dict.fromkeys(names):
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


@dataclass
class Topology:
    env: Dict[str, str]
    rasa_ports: List[int]
    action_ports: List[int]
    port: int = 8080
    actions_port: int = 8081
    run_dir: Path = ROOT / "var" / "prod"
    model: Path = MODEL_FILE
    credentials: Path = ROOT / "credentials.yml"
    rasa: List[servers.ServerProcess] = field(default_factory=list)
    actions: List[servers.ServerProcess] = field(default_factory=list)
    nginx: Optional[subprocess.Popen] = None
    consumer: Optional[servers.ServerProcess] = None

    @property
    def base(self) -> str:
        return f"http://{servers.HOST}:{self.port}"

    def server_env(self) -> Dict[str, str]:
        env = {**ONE_THREAD, **self.env}
        env["SENALES_ACTION_ENDPOINT_URL"] = f"http://{servers.HOST}:{self.actions_port}/webhook"
        return env

    def write_nginx_conf(self) -> Path:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        conf = NGINX_CONF.format(
            run=self.run_dir, port=self.port, actions_port=self.actions_port,
            rasa_servers="\n".join(f"        server {servers.HOST}:{p} max_fails=1 fail_timeout=5s;" for p in self.rasa_ports),
            action_servers="\n".join(f"        server {servers.HOST}:{p} max_fails=1 fail_timeout=5s;" for p in self.action_ports),
        )
        path = self.run_dir / "nginx.conf"
        path.write_text(conf)
        return path

    def start(self, progress: bool = False) -> None:
        check_settings(self.env)
        if not self.model.exists():
            raise TopologyError("No trained model. Run `make train` first.")
        ensure_database(self.env)
        logs = self.run_dir / "log"
        env = self.server_env()
        conf = self.write_nginx_conf()
        binary = nginx_binary()
        test = subprocess.run([binary, "-t", "-q", "-c", str(conf), "-p", str(self.run_dir)], capture_output=True, text=True)
        if test.returncode != 0:
            raise TopologyError(f"nginx rejected {conf}: {test.stderr.strip()}")
        self.nginx = subprocess.Popen([binary, "-c", str(conf), "-p", str(self.run_dir), "-g", "daemon off;"],
                                      cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.actions = [servers.action_server(p, logs / f"actions-{p}.log", env=env) for p in self.action_ports]
        self.rasa = [servers.rasa_server(p, logs / f"rasa-{p}.log", endpoints=PRODUCTION_ENDPOINTS,
                                         credentials=self.credentials, model=self.model, env=env)
                     for p in self.rasa_ports]
        try:
            for server in self.actions:
                server.start()
            for server in self.actions:
                server.wait_ready(timeout=120, progress=progress)
            # One at a time: instances starting together race to create the tracker tables.
            for server in self.rasa:
                server.start()
                server.wait_ready(timeout=300, progress=progress)
            if not servers.http_ok(f"{self.base}/status", timeout=5):
                raise TopologyError("nginx does not answer on the public port")
            if env.get("SENALES_ANALYTICS_EVENTS") == "copy":  # the analytics feed from RabbitMQ
                self.consumer = servers.ServerProcess(
                    name="analytics consumer", command=[sys.executable, "-m", "bot.cli", "analytics", "consume"],
                    health_url="", log_file=logs / "analytics-consume.log", env=servers.quiet_env(env))
                self.consumer.start()
        except Exception:
            self.stop()
            raise

    def kill_rasa(self, index: int) -> int:
        """kill -9 one instance (a crash: no shutdown hooks run). Returns its pid."""
        process = self.rasa[index].process
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return process.pid

    def restart_rasa(self, index: int, timeout: float = 300) -> None:
        server = self.rasa[index]
        server.stop()
        server.start()
        server.wait_ready(timeout=timeout)

    def rss_bytes(self) -> Dict[str, int]:
        """Resident memory of each Rasa instance (what one instance costs on a machine)."""
        return {f"rasa:{s.command[s.command.index('--port') + 1]}": _rss(s.process.pid)
                for s in self.rasa if s.running}

    def stop(self) -> None:
        for server in self.rasa + self.actions + ([self.consumer] if self.consumer else []):
            server.stop()
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def local_keys(env: Dict[str, str]) -> Dict[str, str]:
    """Keys for running the production profile on a developer machine: the 0600 key files that
    `make run` uses, when .env leaves the keys empty. A real deployment sets them (see .env.example)."""
    from bot.channels import identity
    from bot.reports import crypto

    env = dict(env)
    if not env.get("SENALES_SENDER_KEY"):
        env["SENALES_SENDER_KEY"] = identity.ensure_local_key().read_text().strip()
    if not env.get("SENALES_REPORTS_KEY"):
        env["SENALES_REPORTS_KEY"] = crypto.ensure_local_key().read_text().strip()
    return env


def main(argv=None) -> int:
    """``make run-prod``: the production topology on this machine, until Ctrl-C."""
    import argparse

    from bot.devtools import envfile

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--instances", type=int, default=2, help="Rasa instances (default 2)")
    parser.add_argument("--action-servers", type=int, default=1, help="action servers (default 1)")
    parser.add_argument("--port", type=int, default=8080, help="public port of the load balancer (default 8080)")
    parser.add_argument("--env-file", type=Path, default=None, help="default: .env, else .env.example")
    args = parser.parse_args(argv)

    env_file = args.env_file or (ROOT / ".env" if (ROOT / ".env").exists() else ROOT / ".env.example")
    try:
        settings = envfile.load(env_file)
    except (OSError, envfile.EnvFileError) as error:
        print(f"✘ {error}", file=sys.stderr)
        return 1
    env = local_keys({**os.environ, **settings})
    env.setdefault("SENALES_PUBLIC_URL", f"http://{servers.HOST}:{args.port}")
    topology = Topology(env=env, rasa_ports=[5101 + i for i in range(args.instances)],
                        action_ports=[5201 + i for i in range(args.action_servers)],
                        port=args.port, actions_port=args.port + 1)
    print(f"▶ Production topology from {env_file.name}: {args.instances} Rasa instance(s), "
          f"{args.action_servers} action server(s), nginx, PostgreSQL {env['SENALES_PG_HOST']}:{env['SENALES_PG_PORT']}"
          f"/{env['SENALES_PG_DB']}, Redis, RabbitMQ")
    try:
        topology.start(progress=True)
    except (TopologyError, servers.ServerStartError, KeyboardInterrupt) as error:
        print(f"\n✘ {error}", file=sys.stderr)
        return 1
    print(f"""
Señales (production topology) is running.
  Load balancer:   {topology.base}  (SMS: /webhooks/sms/webhook, Telegram: /webhooks/telegram/webhook, REST: /webhooks/rest/webhook)
  Rasa instances:  {', '.join(f'127.0.0.1:{p}' for p in topology.rasa_ports)}
  Action servers:  {', '.join(f'127.0.0.1:{p}' for p in topology.action_ports)} (behind 127.0.0.1:{topology.actions_port})
  Analytics feed:  {'bot analytics consume (RabbitMQ → ' + env.get('SENALES_ANALYTICS_DB_URL', '').rsplit('/', 1)[-1] + ')' if topology.consumer else 'off (SENALES_ANALYTICS_EVENTS is not copy)'}
  Logs:            {(topology.run_dir / 'log').relative_to(ROOT)}/
Press Ctrl-C to stop.""", flush=True)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        while not stop["now"] and all(s.running for s in topology.rasa + topology.actions):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    print("\n■ Stopping…")
    topology.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
