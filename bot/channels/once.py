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
import logging
import time
from typing import Any, Awaitable, Callable, List, Optional, Set

from bot.channels import settings
from bot.channels.state import DONE, NEW, ChannelState

logger = logging.getLogger(__name__)

WAIT_FOR_OTHER_SECONDS = 10.0
POLL_SECONDS = 0.2


async def answer_once(
    state: ChannelState,
    channel: str,
    message_id: str,
    answer: Callable[..., Awaitable[List[str]]],
    wait_seconds: float = WAIT_FOR_OTHER_SECONDS,
    prepare: Optional[Callable[[], Any]] = None,
) -> Optional[List[str]]:
    """The reply texts for this message (recorded ones on a retry), or ``None`` when another
    instance is still answering it after ``wait_seconds`` (the caller asks for a later retry).

    ``answer(retaken)`` runs the turn; ``retaken`` is True when a dead instance's claim was taken
    over, so the turn may already be in the tracker store (see ``turns.run_turn``).

    ``prepare()``, when given, runs in the same worker thread right after a successful claim
    (reading the sender's state, say) and ``answer(retaken, prepared)`` gets its result. Why:
    each hop to a worker thread and back costs a turn of the event loop, about a millisecond in
    a busy Rasa server; the steps before the turn take one hop instead of three."""
    lease = settings.claim_lease_seconds()
    deadline = time.monotonic() + wait_seconds

    def claim_and_prepare():
        claim = state.claim(channel, message_id, lease)
        return claim, (prepare() if prepare is not None and claim.status == NEW else None)

    while True:
        claim, prepared = await asyncio.to_thread(claim_and_prepare)
        if claim.status == NEW:
            break
        if claim.status == DONE:
            return claim.reply or []
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(POLL_SECONDS)
    turn = (lambda retaken: answer(retaken, prepared)) if prepare is not None else answer
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


_recording: Set["asyncio.Task"] = set()  # strong references: the loop keeps only weak ones


def _record_in_background(state, channel, message_id, reply) -> None:
    """Record the reply while the webhook response goes out, not before.

    Why: the record only serves a redelivery of this message, and a redelivery comes only when
    the service got no answer. Waiting for the write put a database round trip on every
    reply's path. If this instance dies between the two, the claim's lease runs out and a
    redelivery is answered from the tracker (``turns.answered_before``), not by a second turn;
    a redelivery arriving while the write is under way waits for it like any busy claim."""
    task = asyncio.ensure_future(asyncio.to_thread(state.complete, channel, message_id, reply))
    _recording.add(task)
    task.add_done_callback(_recorded)


def _recorded(task: "asyncio.Task") -> None:
    _recording.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("%s: the reply could not be recorded; a redelivery will be answered from the tracker",
                       type(task.exception()).__name__)
