"""The per-sender rate limit in Redis, so several Rasa instances count one sender together.

Why: behind a load balancer each instance would otherwise count a flood separately and let
N times the limit through. Same rules as ``bot.channels.ratelimit.RateLimiter`` (a sliding
window; the first message over the limit is told once per window, the rest are dropped), done
in one Lua script so concurrent instances cannot both let the 21st message through.

If Redis cannot be reached the message is let through (``ok``) and a warning is logged: a
teen in danger must never be silenced because a counter is down.
"""
from __future__ import annotations

import logging
import time
import uuid
from typing import Callable

logger = logging.getLogger(__name__)

KEY_PREFIX = "senales:ratelimit:"

# KEYS[1] hits (sorted set of arrival times), KEYS[2] "warned" marker.
# ARGV: now, window, limit, unique member.
SCRIPT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return 'ok'
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', math.ceil(window * 1000)) then
  return 'warn'
end
return 'drop'
"""


class RedisRateLimiter:
    def __init__(self, url: str, limit: int = 20, window_seconds: float = 60.0,
                 clock: Callable[[], float] = time.time):
        import redis

        self.limit, self.window, self._clock = limit, window_seconds, clock
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(SCRIPT)
        self._warned_down = False

    def check(self, sender_id: str) -> str:
        """``"ok"`` to process, ``"warn"`` for the first message over the limit, ``"drop"`` after."""
        import redis

        try:
            verdict = self._script(
                keys=[f"{KEY_PREFIX}{sender_id}", f"{KEY_PREFIX}{sender_id}:warned"],
                args=[self._clock(), self.window, self.limit, uuid.uuid4().hex],
            )
        except redis.RedisError as error:
            if not self._warned_down:
                logger.warning("Rate limit: Redis unreachable (%s); letting messages through", type(error).__name__)
                self._warned_down = True
            return "ok"
        self._warned_down = False
        return verdict.decode() if isinstance(verdict, bytes) else str(verdict)
