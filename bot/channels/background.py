"""Work started now and not waited for: channel bookkeeping that must not delay a teen's reply.

Why: a teen's reply waits for every round trip on its path. Recording the reply for a possible
redelivery, remembering the buttons just offered or the conversation's language are needed only
by a *later* message, which comes seconds later, so they run while the response goes out.

asyncio keeps only weak references to tasks: ``start`` keeps a strong one until the work ends,
and logs a failure (with its type only: the work may carry a teen's words) instead of letting
it pass as "exception never retrieved".
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Dict, List, Optional, Set

logger = logging.getLogger(__name__)

_running: Set["asyncio.Future"] = set()
_by_key: Dict[str, Set["asyncio.Future"]] = {}


def start(work: Awaitable, what: str, key: Optional[str] = None) -> "asyncio.Future":
    """``work`` scheduled on the running loop; the future may be awaited later, or never.
    ``key`` (a sender id) lets ``settled(key)`` wait for it before that sender's next read."""
    future = asyncio.ensure_future(work)
    _running.add(future)
    if key is not None:
        _by_key.setdefault(key, set()).add(future)

    def finished(done: "asyncio.Future") -> None:
        _running.discard(done)
        if key is not None:
            pending = _by_key.get(key)
            if pending is not None:
                pending.discard(done)
                if not pending:
                    del _by_key[key]
        if not done.cancelled() and done.exception() is not None:
            logger.warning("%s failed (%s)", what, type(done.exception()).__name__)

    future.add_done_callback(finished)
    return future


def _of_this_loop(futures: Set["asyncio.Future"]) -> List["asyncio.Future"]:
    """The futures of the running loop. Others belong to a loop that has closed (each
    ``asyncio.run`` in a test has its own) and will never finish: they are forgotten here."""
    loop = asyncio.get_running_loop()
    stale = {f for f in futures if f.get_loop() is not loop}
    for future in stale:
        futures.discard(future)
        _running.discard(future)
    return list(futures)


async def settled(key: str) -> None:
    """Wait for this instance's unfinished writes for ``key``: a teen who answers at once (or a
    test) must find the language and buttons of the turn before. Costs nothing when none runs."""
    pending = _by_key.get(key)
    if pending:
        mine = _of_this_loop(pending)
        if not pending:
            _by_key.pop(key, None)
        if mine:
            await asyncio.gather(*mine, return_exceptions=True)


async def drain() -> None:
    """Wait for the work of this loop still running (for tests)."""
    while True:
        mine = _of_this_loop(_running)
        if not mine:
            return
        await asyncio.gather(*mine, return_exceptions=True)
