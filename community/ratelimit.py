"""Rate limits with the `limits` library: in memory by default, Redis when configured,
so that several app processes share one count."""

from __future__ import annotations

import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from community.config import get_settings
from community.errors import TooManyRequests


@lru_cache
def _limiter() -> MovingWindowRateLimiter:
    settings = get_settings()
    storage: Storage = RedisStorage(settings.redis_url) if settings.redis_url else MemoryStorage()
    return MovingWindowRateLimiter(storage)


def reset_limits() -> None:
    _limiter().storage.reset()


def hit(rate: str, *key: str, message: str = "Zu viele Versuche. Bitte warten Sie kurz.") -> None:
    item: RateLimitItem = parse(rate)
    limiter = _limiter()
    if not limiter.hit(item, *key):
        reset_at, _remaining = limiter.get_window_stats(item, *key)
        raise TooManyRequests(message, retry_after=max(1, int(reset_at - time.time()) + 1))
