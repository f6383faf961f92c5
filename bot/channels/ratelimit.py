"""Per-sender rate limit (sliding window, in memory).

Why: one phone or script must not flood the assistant or the tracker store. In memory is enough
for the embedded default (one Rasa process); several instances share one count in Redis
(``bot.channels.ratelimit_redis``, chosen by ``SENALES_REDIS_URL``; see ``rate_limiter_from_env``). A sender over the limit is told once per window, then hears nothing
until the window frees up, so a flood never becomes a flood of replies.
"""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Tuple

from bot.channels import settings

MAX_TRACKED_SENDERS = 50_000


class RateLimiter:
    def __init__(self, limit: int = 20, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self._clock = limit, window_seconds, clock
        self._hits: "OrderedDict[str, Tuple[Deque[float], list]]" = OrderedDict()

    def check(self, sender_id: str) -> str:
        """``"ok"`` to process, ``"warn"`` for the first message over the limit, ``"drop"`` after."""
        now = self._clock()
        hits, warned = self._hits.pop(sender_id, None) or (deque(), [None])
        self._hits[sender_id] = (hits, warned)
        if len(self._hits) > MAX_TRACKED_SENDERS:
            self._hits.popitem(last=False)
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            return "ok"
        if warned[0] is None or now - warned[0] >= self.window:
            warned[0] = now
            return "warn"
        return "drop"


def rate_limiter_from_env(limit: int = settings.DEFAULT_RATE_LIMIT_PER_MINUTE, window_seconds: float = 60.0):
    """Redis when ``SENALES_REDIS_URL`` is set (several instances count together), else in memory."""
    url = settings.env().get(settings.REDIS_URL, "").strip()
    if url:
        from bot.channels.ratelimit_redis import RedisRateLimiter

        return RedisRateLimiter(url, limit, window_seconds)
    return RateLimiter(limit, window_seconds)
