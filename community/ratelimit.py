"""Rate limits with the `limits` library: in memory by default, Redis when configured,
so that several app processes share one count."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from community.config import get_settings, require_client
from community.errors import ServiceUnavailable, TooManyRequests

DEFAULT_MESSAGE = "Zu viele Versuche. Bitte warten Sie kurz."


@dataclass(frozen=True)
class Quota:
    """One limit as the RateLimit-* headers (IETF draft) tell it: the requests allowed per
    window, those left, and the seconds until the window frees one again."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


# The limits a request was counted against; RateLimitHeaders puts a fresh list here.
_counted: ContextVar[list[Quota] | None] = ContextVar("rate_limits_counted", default=None)


class RateLimitHeaders:
    """Adds RateLimit-Limit, -Remaining and -Reset to the answer of a request that `hit`
    counted (login, registration, password reset, visitor reports), for the limit nearest to
    running out, so that a client can slow down before it is refused. The route runs in a
    worker thread with a copy of this context: the list is shared, the variable is not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counted: list[Quota] = []
        token = _counted.set(counted)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and counted:
                nearest = min(counted, key=lambda q: (q.remaining, -q.reset))
                headers = MutableHeaders(scope=message)
                for name, value in nearest.headers().items():
                    headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _counted.reset(token)


def _note(quota: Quota) -> None:
    counted = _counted.get()
    if counted is not None:
        counted.append(quota)


class Limiter:
    """Moving windows over one storage. Every app process that is given the same Redis
    (and key prefix) counts together; the default in-memory storage counts per process."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)

    def retry_after(self, item: RateLimitItem, *key: str) -> int | None:
        """Seconds until one more hit would be allowed; None when it is allowed now."""
        if self._strategy.test(item, *key):
            return None
        return self._seconds_left(item, *key)

    def hit(self, item: RateLimitItem, *key: str) -> int | None:
        """Count one hit; like retry_after, a number of seconds means it was refused."""
        if self._strategy.hit(item, *key):
            return None
        return self._seconds_left(item, *key)

    def _seconds_left(self, item: RateLimitItem, *key: str) -> int:
        return self.quota(item, *key).reset

    def quota(self, item: RateLimitItem, *key: str) -> Quota:
        reset_at, remaining = self._strategy.get_window_stats(item, *key)
        return Quota(item.amount, remaining, max(1, math.ceil(reset_at - time.time())))

    def clear(self, item: RateLimitItem, *key: str) -> None:
        """Forget the hits counted under this key (a counted post was not saved after all)."""
        self.storage.clear(item.key_for(*key))

    def reset(self) -> None:
        self.storage.reset()


def make_limiter(redis_url: str | None, key_prefix: str = "community") -> Limiter:
    if redis_url:
        require_client("redis", "redis", "COMMUNITY_REDIS_URL")
    # wrap_exceptions: an unreachable Redis raises limits' StorageError, whatever the driver.
    storage: Storage = (
        RedisStorage(redis_url, key_prefix=key_prefix, wrap_exceptions=True)
        if redis_url
        else MemoryStorage()
    )
    return Limiter(storage)


_limiter: Limiter | None = None
_limiter_lock = threading.Lock()


def limiter() -> Limiter:
    """The process's one limiter, built under a lock: requests arriving together at a fresh
    process would otherwise each build one, and `limits` checking the Redis driver's version
    from several threads at once took it for missing (500s on the first logins)."""
    global _limiter
    if _limiter is None:
        with _limiter_lock:
            if _limiter is None:
                _limiter = make_limiter(get_settings().redis_url)
    return _limiter


def forget_limiter() -> None:
    """Build the limiter anew on next use (tests that change the settings)."""
    global _limiter
    with _limiter_lock:
        _limiter = None


def reset_limits() -> None:
    limiter().reset()


def rate_items(rate: str) -> list[RateLimitItem]:
    """'10/hour' or several at once, '10/hour;20/day'."""
    return list(parse_many(rate))


def check(rate: str, *key: str, message: str = DEFAULT_MESSAGE) -> None:
    """Refuse with 429 when a limit in `rate` is used up, without counting this attempt (for
    attempts that count only once they succeed: `check` first, `hit` after)."""
    with _storage_needed():
        _refuse_if_used_up(rate_items(rate), key, message)


def hit(rate: str, *key: str, message: str = DEFAULT_MESSAGE) -> None:
    """Count one attempt against every limit in `rate`; refuse with 429 when one is used up."""
    items = rate_items(rate)
    with _storage_needed():
        _refuse_if_used_up(items, key, message)
        for item in items:
            wait = limiter().hit(item, *key)
            if wait is not None:  # another request took the last one in between
                _note(Quota(item.amount, 0, wait))
                raise TooManyRequests(message, retry_after=wait)
            _note(limiter().quota(item, *key))


def _refuse_if_used_up(items: list[RateLimitItem], key: tuple[str, ...], message: str) -> None:
    refused = [
        Quota(item.amount, 0, wait)
        for item in items
        if (wait := limiter().retry_after(item, *key)) is not None
    ]
    if refused:
        for quota in refused:
            _note(quota)
        raise TooManyRequests(message, retry_after=max(q.reset for q in refused))


@contextmanager
def _storage_needed() -> Iterator[None]:
    try:
        yield
    except StorageError as exc:
        # Login and registration limits guard against password guessing: without their
        # storage they refuse (503) rather than let every attempt through.
        raise ServiceUnavailable(
            "Anmeldung und Registrierung sind gerade nicht möglich. Bitte versuchen Sie es "
            "gleich noch einmal."
        ) from exc
