"""One teen message through Rasa, for the channels that answer on their own (SMS, Telegram, demo).

Runs the message with a collecting output channel (the replies go back in the webhook response
or to the Bot API afterwards), turns a crash inside the conversation into a polite apology
instead of a 5xx, and afterwards reads the tracker once to learn two things the channel needs:
the conversation's language (for the channel's own texts) and whether the teen just agreed to be
written back for a report, the only case where their address is kept, encrypted.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import background, messages, turn_notes
from bot.channels.state import ChannelState

logger = logging.getLogger(__name__)


class Turn(NamedTuple):
    """What a turn gave the channel: Rasa's reply dicts and the conversation's language after
    it (None when not known), so the channel need not read its state back for the language."""

    replies: List[Dict[str, Any]]
    language: Optional[str]


class AddressCipher:
    """Encrypts reply addresses with the reports key (bot.reports.crypto), loaded on first use."""

    def __init__(self) -> None:
        self._cipher = None

    def encrypt(self, channel: str, address: str) -> Optional[bytes]:
        try:
            if self._cipher is None:
                from bot.reports.crypto import ReportCipher, load_key

                self._cipher = ReportCipher(load_key())
            return self._cipher.encrypt_json({"channel": channel, "address": address})
        except Exception as error:  # never fall back to keeping it in clear
            logger.warning("reply address not kept: reports key unavailable (%s)", type(error).__name__)
            return None


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    app: Any,
    *,
    text: str,
    sender_id: str,
    channel: str,
    state: ChannelState,
    metadata: Optional[Dict[str, Any]] = None,
    reply_address: Optional[str] = None,
    cipher: Optional[AddressCipher] = None,
    known_language: Optional[str] = None,
    message_id: Optional[str] = None,
    maybe_answered: bool = False,
) -> Turn:
    """The replies to ``text`` (Rasa's collected message dicts), never an exception.

    ``known_language``: the language the channel state holds for this sender, if the caller
    read it already; it is written again only when the turn changed it. ``message_id`` (the
    service's id of the message) is kept on Rasa's user event; with ``maybe_answered`` (another
    instance held the message and died) a turn already in the tracker store is not run again:
    its bot messages are the replies."""
    if maybe_answered and message_id:
        earlier = await answered_before(app, sender_id, message_id)
        if earlier is not None:
            return Turn(earlier, known_language)
    collector = CollectingOutputChannel()
    try:
        await on_new_message(UserMessage(text, collector, sender_id, input_channel=channel, metadata=metadata,
                                         message_id=message_id))
    except Exception:
        logger.exception("%s message could not be handled", channel)
        language = state.language(sender_id)
        return Turn([{"text": messages.text("apology", language)}], language)
    language = await _after_turn(app, sender_id, channel, state, reply_address, cipher, known_language)
    return Turn(collector.messages, language or known_language)


async def answered_before(app: Any, sender_id: str, message_id: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages that followed the user event with ``message_id``, if the tracker has it."""
    try:
        tracker = await app.ctx.agent.tracker_store.retrieve(sender_id)
    except Exception:
        logger.warning("tracker not readable to check a retaken message")
        return None
    replies: Optional[List[Dict[str, Any]]] = None
    for event in tracker.events if tracker else []:
        kind = getattr(event, "type_name", None)
        if kind == "user":
            if replies is not None:
                break
            if getattr(event, "message_id", None) == message_id:
                replies = []
        elif kind == "bot" and replies is not None:
            data = event.data or {}
            replies.append({k: v for k, v in {"text": event.text, "buttons": data.get("buttons")}.items() if v})
    return replies


async def _after_turn(app, sender_id, channel, state, reply_address, cipher, known_language) -> Optional[str]:
    """Keep the language and, after consent, the reply address; return the turn's language."""
    note = turn_notes.take(sender_id)
    if note is None:  # no note from the tracker store: read the tracker back
        try:
            tracker = await app.ctx.agent.tracker_store.retrieve(sender_id)
        except Exception:
            logger.warning("%s: tracker not readable after the turn", channel)
            return None
        if tracker is None:
            return None
        note = turn_notes.note_of(tracker)
    if note.language and note.language != known_language:  # read by the next message, seconds from now
        background.start(asyncio.to_thread(state.set_language, sender_id, note.language), f"{channel}: keeping the language",
                         key=sender_id)
    if reply_address and cipher and note.consented:
        token = cipher.encrypt(channel, reply_address)
        if token:
            await asyncio.to_thread(state.save_reply_address, sender_id, channel, token)
    return note.language
