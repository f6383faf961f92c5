"""Answer each delivered message exactly once, whichever instance a retry reaches.

Twilio and Telegram deliver a message again when they got no answer in time. With several Rasa
instances behind a load balancer the retry may reach another instance, perhaps because the
first one died mid-turn. ``answer_once`` claims the message in the shared channel state
(``bot.channels.state``), answers it, and records the reply; a retry of an answered message gets
the recorded reply, a retry while another instance is answering waits for that answer, and a
claim left by a dead instance expires after its lease so the retry is answered here.

The turn runs shielded from cancellation: if the service hangs up mid-turn, the turn still
finishes and its reply is recorded, so the retry gets that reply instead of a second turn.

The reply is recorded while the response goes out (``_record_in_background``).

State calls run in a worker thread (``asyncio.to_thread``): with PostgreSQL each is a network
round trip, and under load a blocked event loop is a Rasa instance that stops thinking.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, List, Optional

from bot.channels import background, settings
from bot.channels.state import DONE, NEW, ChannelState

WAIT_FOR_OTHER_SECONDS = 10.0
POLL_SECONDS = 0.2


async def answer_once(
    state: ChannelState,
    channel: str,
    message_id: str,
    answer: Callable[..., Awaitable[List[str]]],
    wait_seconds: float = WAIT_FOR_OTHER_SECONDS,
    sender_id: Optional[str] = None,
) -> Optional[List[str]]:
    """The reply texts for this message (recorded ones on a retry), or ``None`` when another
    instance is still answering it after ``wait_seconds`` (the caller asks for a later retry).

    ``answer(retaken)`` runs the turn; ``retaken`` is True when a dead instance's claim was taken
    over, so the turn may already be in the tracker store (see ``turns.run_turn``).

    With ``sender_id`` the sender's state is read with the claim (``claim_for_sender``: one round
    trip, one hop to a worker thread) and ``answer(retaken, sender)`` gets it. Why: before the
    turn every round trip and every hop to a thread and back adds to the teen's wait; in a
    running Rasa server each cost about a millisecond."""
    lease = settings.claim_lease_seconds()
    deadline = time.monotonic() + wait_seconds
    if sender_id is not None:
        await background.settled(sender_id)  # the turn before may still be writing its language
    while True:
        if sender_id is None:
            claim, sender = await asyncio.to_thread(state.claim, channel, message_id, lease), None
        else:
            claim, sender = await asyncio.to_thread(state.claim_for_sender, channel, message_id, lease, sender_id)
        if claim.status == NEW:
            break
        if claim.status == DONE:
            return claim.reply or []
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(POLL_SECONDS)
    turn = (lambda retaken: answer(retaken, sender)) if sender_id is not None else answer
    return await asyncio.shield(asyncio.ensure_future(_answer_and_record(state, channel, message_id, turn,
                                                                         claim.retaken)))


async def _answer_and_record(state, channel, message_id, answer, retaken: bool) -> List[str]:
    try:
        reply = await answer(retaken)
    except BaseException:
        await asyncio.to_thread(state.release, channel, message_id)  # nothing was answered: the retry starts afresh
        raise
    _record_in_background(state, channel, message_id, reply)
    return reply


def _record_in_background(state, channel, message_id, reply) -> None:
    """Record the reply while the webhook response goes out, not before.

    Why: the record only serves a redelivery of this message, and a redelivery comes only when
    the service got no answer. Waiting for the write put a database round trip on every
    reply's path. If this instance dies between the two, the claim's lease runs out and a
    redelivery is answered from the tracker (``turns.answered_before``), not by a second turn;
    a redelivery arriving while the write is under way waits for it like any busy claim."""
    background.start(asyncio.to_thread(state.complete, channel, message_id, reply),
                     f"{channel}: recording the reply (a redelivery will be answered from the tracker)")
