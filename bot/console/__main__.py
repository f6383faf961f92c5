"""``python -m bot.console [--port 5010]``: serve the staff console on 127.0.0.1 (make run starts it)."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.devtools.servers import HOST

DEFAULT_PORT = 5010


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on {HOST} (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    from bot.console.app import ConsoleConfig, create_app

    app = create_app(ConsoleConfig.from_env())
    logging.getLogger("sanic.access").setLevel(logging.WARNING)
    app.run(host=HOST, port=args.port, access_log=False, debug=False, workers=1, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
