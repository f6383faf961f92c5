"""Short blocking calls to the shared channel state (PostgreSQL, Redis) from the event loop.

Why: while an instance answers other teens, a round trip must go to a worker thread so their
turns go on meanwhile. With no other message in flight the hop to the thread and back is pure
cost: in a running Rasa server a claim took 0.77 ms on the loop and 1.38 ms through
``asyncio.to_thread``, a large part of a Twilio message's extra wait over the REST channel at
concurrency 1. So ``call`` runs the work on the loop when this is the only channel message being
answered and the state has been answering quickly, and in a worker thread otherwise.

A call that is slow or fails (a database restarting, a network stall) sends every call to a
thread for ``COOL_DOWN_SECONDS``: a struggling database may delay one message on the loop, never
freeze the instance message after message.
"""
from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")

SLOW_SECONDS = 0.05  # a healthy round trip here takes about 1 ms
COOL_DOWN_SECONDS = 30.0

_in_flight = 0
_threads_until = 0.0


@contextmanager
def serving() -> Iterator[None]:
    """Counts a channel message as being answered from its arrival to its response."""
    global _in_flight
    _in_flight += 1
    try:
        yield
    finally:
        _in_flight -= 1


def in_flight() -> int:
    return _in_flight


def inline_allowed() -> bool:
    """True when nothing else is being answered and the state has been answering quickly."""
    return _in_flight <= 1 and time.monotonic() >= _threads_until


async def call(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` on the loop when ``inline_allowed()``, else in a worker thread."""
    global _threads_until
    if not inline_allowed():
        return await asyncio.to_thread(work, *args)
    started = time.monotonic()
    try:
        return work(*args)
    except BaseException:
        _threads_until = time.monotonic() + COOL_DOWN_SECONDS
        raise
    finally:
        if time.monotonic() - started > SLOW_SECONDS:
            _threads_until = time.monotonic() + COOL_DOWN_SECONDS


def reset() -> None:
    """Forget a cool-down (for tests)."""
    global _threads_until
    _threads_until = 0.0
