"""Answer each delivered message exactly once, whichever instance a retry reaches.

Twilio and Telegram deliver a message again when they got no answer in time. With several Rasa
instances behind a load balancer the retry may reach another instance, perhaps because the
first one died mid-turn. ``answer_once`` claims the message in the shared channel state
(``bot.channels.state``), answers it, and records the reply; a retry of an answered message gets
the recorded reply, a retry while another instance is answering waits for that answer, and a
claim left by a dead instance expires after its lease so the retry is answered here.

The turn runs shielded from cancellation: if the service hangs up mid-turn, the turn still
finishes and its reply is recorded, so the retry gets that reply instead of a second turn.

State calls run in a worker thread (``asyncio.to_thread``): with PostgreSQL each is a network
round trip, and under load a blocked event loop is a Rasa instance that stops thinking.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, List, Optional

from bot.channels import settings
from bot.channels.state import DONE, NEW, ChannelState

WAIT_FOR_OTHER_SECONDS = 10.0
POLL_SECONDS = 0.2


async def answer_once(
    state: ChannelState,
    channel: str,
    message_id: str,
    answer: Callable[[bool], Awaitable[List[str]]],
    wait_seconds: float = WAIT_FOR_OTHER_SECONDS,
) -> Optional[List[str]]:
    """The reply texts for this message (recorded ones on a retry), or ``None`` when another
    instance is still answering it after ``wait_seconds`` (the caller asks for a later retry).

    ``answer(retaken)`` runs the turn; ``retaken`` is True when a dead instance's claim was taken
    over, so the turn may already be in the tracker store (see ``turns.run_turn``)."""
    lease = settings.claim_lease_seconds()
    deadline = time.monotonic() + wait_seconds
    while True:
        claim = await asyncio.to_thread(state.claim, channel, message_id, lease)
        if claim.status == NEW:
            break
        if claim.status == DONE:
            return claim.reply or []
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(POLL_SECONDS)
    return await asyncio.shield(asyncio.ensure_future(_answer_and_record(state, channel, message_id, answer,
                                                                         claim.retaken)))


async def _answer_and_record(state, channel, message_id, answer, retaken: bool) -> List[str]:
    try:
        reply = await answer(retaken)
    except BaseException:
        await asyncio.to_thread(state.release, channel, message_id)  # nothing was answered: the retry starts afresh
        raise
    await asyncio.to_thread(state.complete, channel, message_id, reply)
    return reply
