"""REST channel (``/webhooks/rest/webhook``) that never answers a bad request with a 5xx.

Rasa 3.6's built-in REST channel answers 500 to an empty or non-JSON body and passes lone
surrogates and control characters straight into the tracker. This one decodes invalid UTF-8
leniently (a teen's phone may send it), refuses what is not a JSON object with a clear 400, and
answers a crash inside one conversation with a polite bilingual apology instead of a 500.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.text import clean_text

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
APOLOGY = (
    "Sorry, something went wrong on my side. Please send that again. / "
    "Perdón, algo falló de mi lado. Por favor mándalo otra vez."
)
USAGE = 'send a JSON object like {"sender": "some-id", "message": "hola"}'


class BadRequest(ValueError):
    pass


def parse_body(raw: bytes) -> Dict[str, Any]:
    """The JSON object of a request, or BadRequest with a message a developer can act on."""
    if not raw or not raw.strip():
        raise BadRequest(f"empty body: {USAGE}")
    try:
        body = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise BadRequest(f"body is not JSON ({error.msg}): {USAGE}") from None
    except (ValueError, RecursionError):  # a number past Python's 4,300-digit limit, or "[[[[..." nested too deep
        raise BadRequest(f"body is JSON too deeply nested or with a number too long: {USAGE}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"body is JSON but not an object: {USAGE}")
    message = body.get("message")
    if message is None:
        raise BadRequest(f'"message" is missing: {USAGE}')
    if not isinstance(message, (str, int, float)) or isinstance(message, bool):
        raise BadRequest('"message" must be text')
    sender = body.get("sender")
    # Checked after cleaning: a sender of only control characters would become "", one
    # conversation shared by every such caller.
    sender = clean_text(str(sender))[:MAX_SENDER_CHARS] if isinstance(sender, (str, int)) else ""
    if not sender:
        raise BadRequest(f'"sender" is missing: {USAGE}')
    body["message"] = clean_text(str(message))
    body["sender"] = sender
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        raise BadRequest('"metadata" must be an object')
    return body


class SafeRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = parse_body(request.body)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"], collector, body["sender"], input_channel=self.name(),
                metadata=body.get("metadata"),
            )
            try:
                await on_new_message(message)
            except Exception:  # one conversation's crash must not become a 5xx for the teen
                logger.exception("REST message could not be handled")
                return response.json([{"recipient_id": body["sender"], "text": APOLOGY}])
            return response.json(collector.messages)

        return webhook
