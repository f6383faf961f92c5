"""``bot telegram ...``: register or inspect the Telegram webhook.

Why a command and not the server: Telegram needs the webhook (with its secret token) set once,
not on every request or start; an operator runs this after deploying or changing the secret.
Reads SENALES_TELEGRAM_TOKEN, SENALES_TELEGRAM_SECRET and optionally SENALES_TELEGRAM_API_URL.
"""
from __future__ import annotations

import asyncio
import sys

from bot.channels import settings

HELP = "register and inspect the Telegram webhook"


def add_arguments(subparsers) -> None:
    register = subparsers.add_parser("set-webhook", help="register the webhook with Telegram (once)")
    register.add_argument("--url", help="public base URL of the Rasa server (default: $SENALES_PUBLIC_URL); "
                                        "/webhooks/telegram/webhook is added")
    info = subparsers.add_parser("webhook-info", help="show what Telegram has registered")
    info.set_defaults(url=None)


def _webhook_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith("/webhooks/telegram/webhook") else f"{base}/webhooks/telegram/webhook"


async def _run(args, token: str) -> int:
    from telegram.error import TelegramError

    from bot.channels.telegram_bot import ALLOWED_UPDATES, make_bot

    bot = make_bot(token, settings.setting(None, "api_url", settings.TELEGRAM_API_URL))
    try:
        async with bot:
            if args.command == "webhook-info":
                info = await bot.get_webhook_info()
                print(f"url: {info.url or '(none)'}\npending updates: {info.pending_update_count}")
                if info.last_error_message:
                    print(f"last error: {info.last_error_message}")
                return 0
            secret = settings.setting(None, "secret_token", settings.TELEGRAM_SECRET)
            base = args.url or settings.setting(None, "public_url", settings.PUBLIC_URL)
            if not secret or not base:
                print(f"Set {settings.TELEGRAM_SECRET} and --url (or {settings.PUBLIC_URL}).", file=sys.stderr)
                return 1
            if not base.startswith("https://"):
                print("Telegram only calls https:// webhooks.", file=sys.stderr)
                return 1
            url = _webhook_url(base)
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            print(f"Webhook registered: {url} (with the secret token; updates: {', '.join(ALLOWED_UPDATES)})")
            return 0
    except TelegramError as error:
        print(f"Telegram refused: {error.message}", file=sys.stderr)
        return 1


def run(args) -> int:
    token = settings.setting(None, "access_token", settings.TELEGRAM_TOKEN)
    if not token:
        print(f"Set {settings.TELEGRAM_TOKEN} (the token from @BotFather).", file=sys.stderr)
        return 1
    return asyncio.run(_run(args, token))
