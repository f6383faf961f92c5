"""Telegram through python-telegram-bot: ``/webhooks/telegram/webhook``.

Rasa's built-in Telegram channel checks no secret, answers 500 to updates without a message,
never answers button taps and keeps the chat id as the sender id. Here:

1. every request must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to our secret (compared in
   constant time) or gets 403; ``bot telegram set-webhook`` registers the webhook with it once;
2. each update_id is handled once, whichever instance Telegram's retry reaches (bot.channels.once);
3. every update gets a 200: text and photo captions go to the conversation; stickers, photos,
   voice notes get a short "I can only read words"; edits get "send it as a new message";
   my_chat_member (blocked / unblocked) is recorded; anything else is acknowledged silently;
4. buttons become inline keyboards (callback data at most 64 bytes; longer payloads travel as a
   short key); every tap is answered with answerCallbackQuery, and only payloads of buttons we
   sent to that chat are accepted;
5. the chat id becomes a keyed HMAC before Rasa sees anything and is never logged;
6. replies over 4,096 characters are split; the Bot API base URL is configurable (tests use a
   fake Bot API server on localhost).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot.channels import background, inbound, messages, settings, splitting
from bot.channels.identity import SenderIds
from bot.channels.once import answer_once
from bot.channels.ratelimit import rate_limiter_from_env
from bot.channels.state import ChannelState, SenderSnapshot, channel_state_from_env
from bot.channels.turns import AddressCipher, run_turn

logger = logging.getLogger(__name__)
# httpx logs every Bot API URL at INFO, and that URL contains the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CALLBACK_BYTES = 64
COMMANDS = {"/start": ("payload", "/greet"), "/help": ("help", "en"), "/ayuda": ("help", "es")}
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def callback_key(payload: str) -> str:
    """The payload itself when it fits Telegram's 64-byte callback data, else a short digest."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return payload
    return "#" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def make_bot(token: str, api_url: Optional[str]) -> Bot:
    return Bot(token, base_url=(api_url or settings.DEFAULT_TELEGRAM_API_URL).rstrip("/"))


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        credentials = credentials or {}
        return cls(
            token=settings.setting(credentials, "access_token", settings.TELEGRAM_TOKEN),
            secret=settings.setting(credentials, "secret_token", settings.TELEGRAM_SECRET),
            api_url=settings.setting(credentials, "api_url", settings.TELEGRAM_API_URL),
            rate_limit=int(credentials.get("rate_limit_per_minute") or settings.DEFAULT_RATE_LIMIT_PER_MINUTE),
            max_input_chars=int(credentials.get("max_input_chars") or inbound.MAX_INPUT_CHARS),
        )

    def __init__(self, token: Optional[str], secret: Optional[str], api_url: Optional[str] = None,
                 rate_limit: int = settings.DEFAULT_RATE_LIMIT_PER_MINUTE, max_input_chars: int = inbound.MAX_INPUT_CHARS,
                 state: Optional[ChannelState] = None, sender_ids: Optional[SenderIds] = None) -> None:
        self.token, self.secret, self.api_url = token, secret, api_url
        self.max_input_chars = max_input_chars
        self.sender_ids = sender_ids or SenderIds.from_env()  # production: no key, no start
        self.state = state or channel_state_from_env()
        self.limiter = rate_limiter_from_env(rate_limit, 60.0)
        self.cipher = AddressCipher()
        self._bot: Optional[Bot] = None
        if not (token and secret):
            logger.warning("Telegram channel has no token or secret: it refuses every request")

    async def bot(self) -> Bot:
        if self._bot is None:
            bot = make_bot(self.token, self.api_url)
            await bot.initialize()
            self._bot = bot
        return self._bot

    def authorised(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        if not (self.token and self.secret and given):
            return False
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.secret.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.token and self.secret)})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.text("forbidden", status=403)
            try:
                data = json.loads((request.body or b"").decode("utf-8", errors="replace"))
            except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
                return response.json({"ok": False, "error": "body is not JSON"}, status=400)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return response.json({"ok": False, "error": "not a Telegram update"}, status=400)
            try:
                bot = await self.bot()
            except TelegramError as error:  # we could not answer: let Telegram deliver it again later
                logger.error("Telegram Bot API not reachable (%s)", type(error).__name__)
                return response.json({"ok": False, "error": "Bot API unreachable"}, status=503, headers={"Retry-After": "30"})

            # A private chat's message: its sender is read with the claim (one round trip).
            chat_id = private_chat_id(data)
            sender_id = self.sender_ids.sender_id(CHANNEL, str(chat_id)) if chat_id is not None else None

            async def answer(retaken: bool = False, sender: Optional[SenderSnapshot] = None) -> List[str]:
                # replies go to the Bot API: none is kept
                try:
                    update = Update.de_json(data, bot)
                except Exception:  # an update PTB cannot parse: acknowledge it so Telegram stops retrying
                    logger.warning("Telegram update %s could not be parsed", data["update_id"])
                    return []
                try:
                    await self.handle(update, bot, on_new_message, request.app, retaken, sender, sender_id)
                except Exception:
                    logger.exception("Telegram update %s could not be handled", data["update_id"])
                return []

            done = await answer_once(self.state, CHANNEL, str(data["update_id"]), answer, sender_id=sender_id)
            if done is None:  # another instance is still answering this update: Telegram retries later
                return response.json({"ok": False, "error": "busy"}, status=503, headers={"Retry-After": "5"})
            return response.json({"ok": True})

        return webhook

    async def handle(self, update: Update, bot: Bot, on_new_message, app, retaken: bool = False,
                     sender: Optional[SenderSnapshot] = None, sender_id: Optional[str] = None) -> None:
        """``sender``: the chat's state when ``answer_once`` read it with the claim; ``sender_id``:
        the private chat's pseudonym, already computed for that claim (an HMAC not done twice)."""
        if update.callback_query:
            await self.handle_tap(update, bot, on_new_message, app)
            return
        if update.my_chat_member:
            member = update.my_chat_member
            if member.chat.type == "private":
                sender_id = self.sender_ids.sender_id(CHANNEL, str(member.chat.id))
                self.state.set_opted_out(sender_id, member.new_chat_member.status in ("kicked", "left"))
            return
        message = update.message or update.edited_message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return  # channel posts, reactions, polls...: acknowledged, nothing to say
        chat_id = message.chat.id
        sender_id = sender_id or self.sender_ids.sender_id(CHANNEL, str(chat_id))
        # State and rate-limit calls are network round trips in production: off the event loop.
        if sender is None:
            await background.settled(sender_id)  # this chat's turn before may still be writing its language
            sender = await asyncio.to_thread(self.state.snapshot, sender_id)
        language = sender.language
        if message.chat.type != "private":
            if update.message and (message.text or "").startswith("/"):
                await self.send(bot, chat_id, sender_id, [{"text": messages.text("group_chat", language)}])
            return
        verdict = await asyncio.to_thread(self.limiter.check, sender_id)
        if verdict != "ok":
            if verdict == "warn":
                await self.send(bot, chat_id, sender_id, [{"text": messages.text("rate_limited", language)}])
            return
        if update.edited_message:
            await self.send(bot, chat_id, sender_id, [{"text": messages.text("edited", language)}])
            return
        if message.contact:
            await self.send(bot, chat_id, sender_id, [{"text": messages.text("contact_shared", language)}])
            return
        raw = message.text or message.caption or ""
        command = raw.strip().split(maxsplit=1)[0].split("@")[0].lower() if raw.strip().startswith("/") else None
        if command in COMMANDS:
            kind, value = COMMANDS[command]
            if kind == "help":
                await self.send(bot, chat_id, sender_id, [{"text": messages.text("help", value)}])
                return
            await self.converse(bot, chat_id, sender_id, value, False, on_new_message, app, sender,
                                str(update.update_id), retaken)
            return
        text, was_cut = inbound.prepare(raw, self.max_input_chars)
        if not text:
            await self.send(bot, chat_id, sender_id, [{"text": messages.text("no_text", language)}])
            return
        await self.converse(bot, chat_id, sender_id, text, was_cut, on_new_message, app, sender,
                            str(update.update_id), retaken)

    async def handle_tap(self, update: Update, bot: Bot, on_new_message, app) -> None:
        query = update.callback_query
        message = query.message
        chat = getattr(message, "chat", None)
        payload = None
        sender_id = None
        if chat is not None and chat.type == "private":
            sender_id = self.sender_ids.sender_id(CHANNEL, str(chat.id))
            await background.settled(sender_id)  # the buttons of the last reply may still be being written
            payload = self.state.buttons(sender_id).get(query.data or "")
        try:  # always stop the spinner on the teen's button
            await query.answer(text=None if payload else messages.text("button_expired", self.state.language(sender_id) if sender_id else None)[:200])
        except TelegramError as error:
            logger.warning("answerCallbackQuery failed (%s)", type(error).__name__)
        if payload and sender_id and not self.state.opted_out(sender_id):
            if self.limiter.check(sender_id) == "ok":
                await self.converse(bot, chat.id, sender_id, payload, False, on_new_message, app)

    async def converse(self, bot: Bot, chat_id: int, sender_id: str, text: str, was_cut: bool,
                       on_new_message, app, sender: Optional[SenderSnapshot] = None,
                       update_key: Optional[str] = None, retaken: bool = False) -> None:
        if sender is None or sender.opted_out:  # writing to us again undoes a block
            await asyncio.to_thread(self.state.set_opted_out, sender_id, False)
        turn = await run_turn(
            on_new_message, app, text=text, sender_id=sender_id, channel=CHANNEL, state=self.state,
            reply_address=str(chat_id), cipher=self.cipher, known_language=sender.language if sender else None,
            message_id=f"tg-{update_key}" if update_key else None, maybe_answered=retaken,
        )
        replies = turn.replies
        if was_cut:
            replies = [{"text": messages.text("too_long", turn.language, limit=self.max_input_chars)}] + replies
        await self.send(bot, chat_id, sender_id, replies)

    async def send(self, bot: Bot, chat_id: int, sender_id: str, replies: List[Dict[str, Any]]) -> None:
        offered: Dict[str, str] = {}
        for reply in replies:
            pieces = splitting.split_telegram(reply.get("text") or "")
            buttons = reply.get("buttons") or []
            markup = None
            if buttons:
                rows = []
                for button in buttons:
                    payload = button.get("payload") or ""
                    key = callback_key(payload)
                    offered[key] = payload
                    rows.append([InlineKeyboardButton(button.get("title") or payload, callback_data=key)])
                markup = InlineKeyboardMarkup(rows)
                pieces = pieces or ["…"]
            for i, piece in enumerate(pieces):
                try:
                    await bot.send_message(chat_id, piece, reply_markup=markup if i == len(pieces) - 1 else None)
                except Forbidden:
                    self.state.set_opted_out(sender_id, True)  # the teen blocked the bot
                    return
                except TelegramError as error:
                    logger.error("sendMessage failed (%s)", type(error).__name__)
        if offered:  # read by the teen's tap, seconds from now: written while the webhook answers
            background.start(asyncio.to_thread(self.state.set_buttons, sender_id, offered, replace=False),
                             "Telegram: keeping the buttons", key=sender_id)


def private_chat_id(data: Dict[str, Any]) -> Optional[int]:
    """The chat id of a new or edited message in a private chat, read from the raw update; None
    for anything else (groups, taps, membership changes), whose state is read later if needed."""
    message = data.get("message") or data.get("edited_message")
    chat = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    chat_id = chat.get("id")
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None
