"""Classroom demo: a web chat page at ``/webhooks/demo/`` that `make run` serves on localhost.

Why a channel of its own: a counselor shows each path (a $1,000 driving DM, a real cashier job,
a teen being threatened) in a minute, on a projector, with no internet (plain HTML/CSS/JS from
``demo_static/``, no CDN). Demo conversations are marked so analytics leave them out: the sender
id is ``demo-<random>`` and every message carries metadata ``{"demo": true}``. The page only
sends payloads of buttons the assistant showed it; typed text goes through the NLU like any text.
With ``SENALES_ENV=production`` the page is off unless ``SENALES_DEMO=1``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import inbound, settings
from bot.channels.ratelimit import rate_limiter_from_env
from bot.channels.state import ChannelState, channel_state_from_env
from bot.channels.turns import run_turn

CHANNEL = "demo"
SENDER_PREFIX = "demo-"
STATIC_DIR = Path(__file__).with_name("demo_static")
STATIC_FILES = {"demo.css": "text/css", "demo.js": "application/javascript", "scenarios.json": "application/json"}
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def is_demo_sender(sender_id: str) -> bool:
    """For analytics: demo conversations are never counted."""
    return str(sender_id).startswith(SENDER_PREFIX)


def enabled() -> bool:
    return not settings.is_production() or settings.env().get(settings.DEMO, "") == "1"


class DemoInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "DemoInput":
        return cls()

    def __init__(self, state: Optional[ChannelState] = None) -> None:
        self.state = state or channel_state_from_env()
        self.limiter = rate_limiter_from_env(30, 60.0)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @page.route("/", methods=["GET"])
        async def index(request: Request) -> HTTPResponse:
            if not enabled():
                return response.text("not found", status=404)
            if not request.path.endswith("/"):  # the page's links are relative to /webhooks/demo/
                return response.redirect(request.path + "/")
            html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
            return response.html(html, headers={"Cache-Control": "no-store"})

        @page.route("/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            if not enabled() or name not in STATIC_FILES:
                return response.text("not found", status=404)
            body = (STATIC_DIR / name).read_text(encoding="utf-8")
            return response.text(body, content_type=f"{STATIC_FILES[name]}; charset=utf-8", headers={"Cache-Control": "no-store"})

        @page.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not enabled():
                return response.text("not found", status=404)
            try:
                body = json.loads((request.body or b"").decode("utf-8", errors="replace"))
            except ValueError:
                return response.json({"error": "send a JSON object"}, status=400)
            if not isinstance(body, dict) or not _SESSION.match(str(body.get("session", ""))):
                return response.json({"error": '{"session": "<8-64 letters or digits>", "message": "..."}'}, status=400)
            sender_id = SENDER_PREFIX + body["session"]
            if self.limiter.check(sender_id) != "ok":
                return response.json({"error": "slow down"}, status=429)
            button = body.get("button")
            if isinstance(button, str) and button:
                if button not in self.state.buttons(sender_id).values():
                    return response.json({"error": "that button was not offered"}, status=400)
                text, was_cut = button, False
            else:
                message = body.get("message")
                if not isinstance(message, str):
                    return response.json({"error": '"message" must be text'}, status=400)
                text, was_cut = inbound.prepare(message)
                if not text:
                    return response.json({"error": "empty message"}, status=400)
            turn = await run_turn(
                on_new_message, request.app, text=text, sender_id=sender_id, channel=CHANNEL,
                state=self.state, metadata={"demo": True},
            )
            replies = turn.replies
            offered = {}
            out = []
            for reply in replies:
                buttons = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in reply.get("buttons") or []]
                offered.update({str(len(offered) + i): b["payload"] for i, b in enumerate(buttons)})
                if reply.get("text") or buttons:
                    out.append({"text": reply.get("text") or "", "buttons": buttons})
            self.state.set_buttons(sender_id, offered)
            return response.json({"messages": out, "language": turn.language or self.state.language(sender_id) or "en", "cut": was_cut})

        return page
