"""SMS through Twilio: ``/webhooks/sms/webhook``, answered with TwiML in the webhook response.

Rasa's built-in Twilio channel does not check X-Twilio-Signature, rewrites "¡" to "@", crashes on
a missing Body, sends long replies whole and keeps the phone number as the sender id. Here:

1. the signature is checked first (twilio's RequestValidator over the public URL Twilio called,
   ``public_url`` / ``SENALES_PUBLIC_URL`` when behind a proxy); anything unsigned or forged gets
   403 before it is read any further;
2. each MessageSid is answered once, whichever instance Twilio's retry reaches
   (bot.channels.once: a retry gets the recorded reply);
3. STOP and the other opt-out words are recorded and confirmed once; after that nothing is sent
   until START; HELP/AYUDA give the help text with the emergency numbers;
4. the phone number becomes a keyed HMAC (bot.channels.identity) before Rasa sees anything;
5. replies are split into SMS-sized messages (bot.channels.splitting), buttons become numbered
   options and "1", "2"... map back to the payloads we sent.
"""
from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import background, inbound, keywords, messages, settings, splitting
from bot.channels.identity import SenderIds
from bot.channels.once import answer_once
from bot.channels.ratelimit import rate_limiter_from_env
from bot.channels.state import ChannelState, SenderSnapshot, channel_state_from_env
from bot.channels.turns import AddressCipher, run_turn

logger = logging.getLogger(__name__)

CHANNEL = "sms"
MAX_BODY_BYTES = 64 * 1024


# What XML 1.0 cannot carry (U+FFFE, U+FFFF, C0 controls but tab and newlines, lone surrogates):
# TwiML holding one is not well-formed, Twilio rejects the whole response and the teen gets nothing.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def twiml(texts: List[str]) -> HTTPResponse:
    """The replies as TwiML; characters XML cannot carry become U+FFFD (replies quote teen text)."""
    reply = MessagingResponse()
    for text in texts:
        reply.message(_NOT_XML.sub("\ufffd", text))
    return response.text(str(reply), content_type="application/xml; charset=utf-8")


def form_params(body: bytes) -> Dict[str, str]:
    """The form fields Twilio posts (lenient: bad UTF-8 becomes U+FFFD, odd bodies give {})."""
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    except ValueError:
        return {}
    return dict(pairs)


def render(reply: Dict[str, Any], language: Optional[str]) -> List[str]:
    """One Rasa reply as SMS texts: the text, then numbered options for its buttons."""
    text = reply.get("text") or ""
    buttons = reply.get("buttons") or []
    if buttons:
        options = "\n".join(f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, start=1))
        text = f"{text}\n\n{messages.text('options_hint', language)}\n{options}" if text else options
    return splitting.split_sms(text)


class TwilioSmsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TwilioSmsInput":
        credentials = credentials or {}
        return cls(
            auth_token=settings.setting(credentials, "auth_token", settings.TWILIO_AUTH_TOKEN),
            public_url=settings.setting(credentials, "public_url", settings.PUBLIC_URL),
            rate_limit=int(credentials.get("rate_limit_per_minute") or settings.DEFAULT_RATE_LIMIT_PER_MINUTE),
            max_input_chars=int(credentials.get("max_input_chars") or inbound.MAX_INPUT_CHARS),
        )

    def __init__(self, auth_token: Optional[str], public_url: Optional[str] = None,
                 rate_limit: int = settings.DEFAULT_RATE_LIMIT_PER_MINUTE,
                 max_input_chars: int = inbound.MAX_INPUT_CHARS, state: Optional[ChannelState] = None,
                 sender_ids: Optional[SenderIds] = None) -> None:
        self.validator = RequestValidator(auth_token) if auth_token else None
        self.public_url = public_url.rstrip("/") if public_url else None
        self.max_input_chars = max_input_chars
        self.sender_ids = sender_ids or SenderIds.from_env()  # production: no key, no start
        self.state = state or channel_state_from_env()
        self.limiter = rate_limiter_from_env(rate_limit, 60.0)
        self.cipher = AddressCipher()
        if not self.validator:
            logger.warning("SMS channel has no Twilio auth token: it refuses every request")

    def signed_url(self, request: Request) -> str:
        if not self.public_url:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_url}{request.path}{query}"

    def verified(self, request: Request, params: Dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not self.validator or not signature:
            return False
        try:
            return bool(self.validator.validate(self.signed_url(request), params, signature))
        except Exception:  # a malformed URL or header is a failed check, not a crash
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.validator)})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.body or b""
            params = form_params(body) if len(body) <= MAX_BODY_BYTES else {}
            if not self.verified(request, params):
                return response.text("forbidden", status=403)
            address = params.get("From", "").strip()
            if not address:
                return response.text("missing From", status=400)
            message_id = params.get("MessageSid") or params.get("SmsMessageSid") or ""
            sender_id = self.sender_ids.sender_id(CHANNEL, address)

            # The rate limit (Redis) is asked while the claim (PostgreSQL) is made, not after it:
            # two round trips side by side. A redelivery, or a message from a teen who opted
            # out, is counted too; neither gets a turn, so that costs nothing.
            word = keywords.keyword(params.get("Body") or "")
            verdict = (background.start(asyncio.to_thread(self.limiter.check, sender_id), "SMS rate limit")
                       if word != "opt_out" else None)

            async def answer(retaken: bool = False, sender: Optional[SenderSnapshot] = None) -> List[str]:
                return await self.handle(on_new_message, request.app, sender_id, address, params, word, verdict,
                                         message_id, retaken, sender)

            texts = (await answer_once(self.state, CHANNEL, message_id, answer, sender_id=sender_id)
                     if message_id else await answer())
            if texts is None:  # another instance is still answering this very message
                return response.text("busy, retry", status=503, headers={"Retry-After": "5"})
            return twiml(texts)

        return webhook

    async def handle(self, on_new_message, app, sender_id: str, address: str, params: Dict[str, str],
                     word: Optional[str], verdict: "Optional[asyncio.Future]", message_id: str = "",
                     retaken: bool = False, sender: Optional[SenderSnapshot] = None) -> List[str]:
        """``word``: the keyword of the body (STOP, HELP...); ``verdict``: the rate limiter's
        answer under way, None only for an opt-out word, which is never counted."""
        raw = params.get("Body") or ""
        # State and rate-limit calls are network round trips in production: off the event loop.
        if sender is None:
            sender = await asyncio.to_thread(self.state.snapshot, sender_id)
        language = sender.language
        if word == "opt_out":
            if sender.opted_out:
                return []
            self.state.set_opted_out(sender_id, True)
            return splitting.split_sms(messages.text("stopped", language))
        if word == "opt_in" and sender.opted_out:
            self.state.set_opted_out(sender_id, False)
            return splitting.split_sms(messages.text("started", language))
        if sender.opted_out:
            return []
        allowed = await verdict
        if allowed != "ok":
            return splitting.split_sms(messages.text("rate_limited", language)) if allowed == "warn" else []
        if word in ("help_en", "help_es"):
            return splitting.split_sms(messages.text("help", word[-2:]))

        text, was_cut = inbound.prepare(raw, self.max_input_chars)
        if not text:
            return splitting.split_sms(messages.text("no_text", language))
        payload = inbound.chosen_payload(raw, sender.buttons)
        turn = await run_turn(
            on_new_message, app, text=payload or text, sender_id=sender_id, channel=CHANNEL,
            state=self.state, reply_address=address, cipher=self.cipher, known_language=language,
            message_id=message_id or None, maybe_answered=retaken,
        )
        replies, language = turn.replies, turn.language
        out: List[str] = []
        if was_cut:
            out.extend(splitting.split_sms(messages.text("too_long", language, limit=self.max_input_chars)))
        offered: Dict[str, str] = {}
        for reply in replies:
            if reply.get("buttons"):
                offered = inbound.numbered_buttons(reply["buttons"])
            out.extend(render(reply, language))
        if offered != sender.buttons:  # read by the teen's next message, seconds from now
            background.start(asyncio.to_thread(self.state.set_buttons, sender_id, offered), "SMS: keeping the buttons",
                             key=sender_id)
        return out
