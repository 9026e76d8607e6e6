"""Password guessing against one account from many addresses: the per-IP limit does not
see it, so failures are also counted per account (in the limiter's storage, shared through
Redis). After a few free attempts each further one waits 2, 4, 8 ... seconds, capped: an
attacker gets almost nowhere, and cannot lock the owner out for longer than the cap."""

from __future__ import annotations

import hashlib
import math
import time

from limits.errors import StorageError

from community.config import get_settings
from community.errors import ServiceUnavailable, TooManyRequests
from community.ratelimit import limiter

FAILURE_WINDOW_SECONDS = 3600
WAIT_MESSAGE = "Zu viele falsche Anmeldeversuche für dieses Konto. Bitte warten Sie kurz."


def _account(email: str) -> str:
    # Hashed: the shared storage holds no addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(
        "Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es gleich noch einmal."
    )


def check(email: str) -> None:
    """Refuse (429 with Retry-After) while the account's current delay runs."""
    account = _account(email)
    storage = limiter().storage
    try:
        failures = storage.get(f"login-fail:{account}")
        if failures <= get_settings().login_account_free_attempts:
            return
        wait_key = f"login-wait:{account}:{failures}"
        if storage.get(wait_key) <= 0:
            return
        left = storage.get_expiry(wait_key) - time.time()
    except StorageError as exc:
        raise _unavailable(exc) from exc
    if left > 0:
        raise TooManyRequests(WAIT_MESSAGE, retry_after=max(1, math.ceil(left)))


def record_failure(email: str) -> None:
    settings = get_settings()
    account = _account(email)
    storage = limiter().storage
    try:
        failures = storage.incr(f"login-fail:{account}", FAILURE_WINDOW_SECONDS)
        extra = failures - settings.login_account_free_attempts
        if extra > 0:
            delay = min(2 ** min(extra, 20), settings.login_account_max_delay_seconds)
            storage.incr(f"login-wait:{account}:{failures}", delay)
    except StorageError as exc:
        raise _unavailable(exc) from exc


def record_success(email: str) -> None:
    try:
        limiter().storage.clear(f"login-fail:{_account(email)}")
    except StorageError as exc:
        raise _unavailable(exc) from exc
