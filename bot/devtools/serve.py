"""``make run``: start the action server, the Rasa server and the staff console on localhost and say how to chat.

Ctrl-C stops both. Logs go to var/log/ so the terminal stays readable.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time

from bot.devtools import servers
from bot.devtools.paths import MODEL_FILE, ROOT, VAR_DIR


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5005, help="Rasa server port (default 5005)")
    parser.add_argument("--actions-port", type=int, default=5055, help="action server port (default 5055)")
    parser.add_argument("--console-port", type=int, default=5010, help="staff console port (default 5010)")
    args = parser.parse_args(argv)

    if not MODEL_FILE.exists():
        print("✘ No trained model. Run `make train` (make run does it for you).", file=sys.stderr)
        return 1
    for port in (args.port, args.actions_port, args.console_port):
        if servers.http_ok(f"http://{servers.HOST}:{port}/"):
            print(f"✘ Port {port} is already in use (is Señales already running?). Stop it or pick --port.", file=sys.stderr)
            return 1

    # Reports are encrypted at rest; the embedded default keeps its key in var/ (0600).
    from bot.reports.crypto import ensure_local_key

    key_file = ensure_local_key()
    # Channels replace phone numbers and chat ids with a keyed HMAC; locally the key lives in var/.
    from bot.channels import identity

    sender_key_file = identity.ensure_local_key()
    logs = VAR_DIR / "log"
    actions = servers.action_server(args.actions_port, logs / "actions.log")
    rasa = servers.rasa_server(args.port, logs / "rasa.log")
    console = servers.console_server(args.console_port, logs / "console.log")
    print("▶ Starting Señales (embedded default: SQLite tracker store in var/, in-memory locks)")
    try:
        actions.start()
        actions.wait_ready(timeout=120, progress=True)
        rasa.start()
        rasa.wait_ready(timeout=300, progress=True)
        console.start()
        console.wait_ready(timeout=60, progress=True)
    except (servers.ServerStartError, KeyboardInterrupt) as error:
        print(f"\n✘ {error}", file=sys.stderr)
        for server in (console, rasa, actions):
            server.stop()
        return 1

    rest = f"http://{servers.HOST}:{args.port}/webhooks/rest/webhook"
    demo = f"http://{servers.HOST}:{args.port}/webhooks/demo/"
    print(
        f"""
Señales is running.
  Classroom demo page:     {demo}   (open it in a browser; works offline)
  Chat in this terminal:   make shell          (in another terminal; type "español" to switch)
  REST endpoint:           curl -s {rest} \\
                             -H 'Content-Type: application/json' -d '{{"sender": "demo", "message": "hola"}}'
  Logs:                    {logs.relative_to(ROOT)}/rasa.log, {logs.relative_to(ROOT)}/actions.log
  Reports key:             {key_file} (0600; staff read reports with `.venv/bin/bot reports list`)
  Sender key:              {sender_key_file} (0600; pseudonymises phone numbers and chat ids)
  SMS and Telegram:        /webhooks/sms/webhook, /webhooks/telegram/webhook (see README, "Channels")
  Staff console:           http://{servers.HOST}:{args.console_port}/   (first: `.venv/bin/bot staff add-user NAME`)
Press Ctrl-C to stop.""",
        flush=True,
    )
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        while not stop["now"] and rasa.running and actions.running and console.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    print("\n■ Stopping…")
    for server in (console, rasa, actions):
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
