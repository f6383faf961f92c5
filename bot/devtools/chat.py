"""``make shell``: chat with the running assistant from the terminal, over its REST channel.

Unlike ``rasa shell`` it talks to the server ``make run`` started, so what you see is what the
tests and channels see. Buttons are shown as numbers; type the number to tap one.
"""
from __future__ import annotations

import argparse
import sys
import uuid

from bot.devtools import servers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    url = f"http://{servers.HOST}:{args.port}/webhooks/rest/webhook"
    if not servers.http_ok(f"http://{servers.HOST}:{args.port}/"):
        print(f"✘ Señales is not running on port {args.port}. Start it with `make run` in another terminal.")
        return 1
    print("Chatting with Señales (type 'español' or 'english' to switch, Ctrl-D to quit).")
    buttons: list = []
    while True:
        try:
            text = input("you › ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        status, replies = servers.post_json(url, {"sender": args.sender, "message": text})
        if status != 200:
            print(f"  (server answered {status}: {replies})")
            continue
        buttons = []
        for reply in replies or []:
            if reply.get("text"):
                print(f"señales › {reply['text']}")
            for button in reply.get("buttons", []):
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    sys.exit(main())
