"""Helpers for the channel tests: signed Twilio webhooks and Telegram updates, as the real
services send them, posted to the running Rasa server."""
from __future__ import annotations

import itertools
import json
import random
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, Optional, Tuple

from twilio.request_validator import RequestValidator

SMS_PATH = "/webhooks/sms/webhook"
TELEGRAM_PATH = "/webhooks/telegram/webhook"
_update_ids = itertools.count(random.randint(10_000, 10_000_000))


def new_phone() -> str:
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def new_chat_id() -> int:
    return random.randint(100_000_000, 999_999_999)


def twilio_params(phone: str, body: Optional[str], sid: Optional[str] = None, **extra) -> Dict[str, str]:
    params = {"MessageSid": sid or "SM" + "%032x" % random.getrandbits(128), "AccountSid": "AC" + "0" * 32,
              "From": phone, "To": "+15550001111", "NumMedia": "0", **extra}
    if body is not None:
        params["Body"] = body
    return params


def sms(assistant, params: Dict[str, str], signature: Optional[str] = "sign", body: Optional[bytes] = None,
        content_type: str = "application/x-www-form-urlencoded") -> Tuple[int, bytes]:
    """POST a Twilio webhook; ``signature="sign"`` signs it with the test auth token."""
    url = assistant.channels["public_url"] + SMS_PATH
    headers = {}
    if signature == "sign":
        signature = RequestValidator(assistant.channels["twilio_auth_token"]).compute_signature(url, params)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    data = body if body is not None else urllib.parse.urlencode(params).encode()
    return assistant.raw_post(SMS_PATH, data, content_type=content_type, headers=headers)


def twiml_messages(body: bytes) -> List[str]:
    root = ElementTree.fromstring(body)
    assert root.tag == "Response", body
    return [m.text or "" for m in root.iter("Message")]


def telegram_message(chat_id: int, text: Optional[str] = None, **fields) -> Dict:
    message = {"message_id": random.randint(1, 10**6), "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private", "first_name": "Teen"},
               "from": {"id": chat_id, "is_bot": False, "first_name": "Teen", "language_code": "es"}, **fields}
    if text is not None:
        message["text"] = text
    return message


def update(**fields) -> Dict:
    return {"update_id": next(_update_ids), **fields}


def telegram(assistant, payload, secret: Optional[str] = "right") -> Tuple[int, bytes]:
    headers = {}
    if secret == "right":
        secret = assistant.channels["telegram_secret"]
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return assistant.raw_post(TELEGRAM_PATH, data, headers=headers)
