"""Password hashing, random tokens and their hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

# passlib (with argon2) is imported by the first password hashed or checked, not by every
# app process at start-up (~1 MiB of its own memory, issue 21).
if TYPE_CHECKING:
    from passlib.context import CryptContext

# argon2id at 64 MiB, 3 passes, 4 lanes (passlib's defaults, written out so they are seen).
PRODUCTION_COST: Mapping[str, int] = {"memory_cost": 65536, "rounds": 3, "parallelism": 4}
# The least argon2 accepts. Only the test suite uses it: hundreds of logins at the
# production cost would take minutes. A stronger context rehashes these at the next login.
MINIMAL_COST: Mapping[str, int] = {"memory_cost": 8, "rounds": 1, "parallelism": 1}


def _context(cost: Mapping[str, int]) -> CryptContext:
    # argon2id through the passlib API (from the libpass distribution).
    from passlib.context import CryptContext

    settings = {f"argon2__{name}": value for name, value in cost.items()}
    return CryptContext(schemes=["argon2"], deprecated="auto", argon2__type="ID", **settings)


_cost: Mapping[str, int] = PRODUCTION_COST
_made: CryptContext | None = None


def password_context() -> CryptContext:
    """The context at the current cost, made at its first use."""
    global _made
    if _made is None:  # two threads at once make two alike: harmless
        _made = _context(_cost)
    return _made


# An account made by an OpenID provider has this instead of a hash: no password verifies.
NO_PASSWORD = "!sso"  # noqa: S105  (not a password: no hash matches it)

PASSWORD_MIN = 10
PASSWORD_MAX = 128


def set_hash_cost(cost: Mapping[str, int]) -> None:
    """Hash and check passwords at this cost from now on (the test suite's switch)."""
    global _cost, _made
    _cost, _made = cost, None
    _dummy_hash.cache_clear()


@lru_cache
def _dummy_hash() -> str:
    # Verified against when the e-mail is unknown, so both answers take as long.
    return password_context().hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    return password_context().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        password_context().verify(password, _dummy_hash())
        return False
    try:
        return password_context().verify(password, password_hash)
    except ValueError:
        return False


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@lru_cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords plus a German list of our own."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = set(FREQUENCY_LISTS["passwords"])
    german = resources.files("community").joinpath("data/common_passwords_de.txt")
    words.update(line.strip() for line in german.read_text("utf-8").splitlines() if line.strip())
    return frozenset(w.lower() for w in words)


def password_problem(password: str, *, nickname: str = "", email: str = "") -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"Das Passwort muss mindestens {PASSWORD_MIN} Zeichen lang sein."
    if len(password) > PASSWORD_MAX:
        return f"Das Passwort darf höchstens {PASSWORD_MAX} Zeichen lang sein."
    lowered = password.lower()
    if lowered in common_passwords():
        return "Dieses Passwort ist zu verbreitet; bitte wählen Sie ein anderes."
    if nickname and lowered == nickname.lower():
        return "Das Passwort darf nicht der Spitzname sein."
    if email and lowered == email.lower():
        return "Das Passwort darf nicht die E-Mail-Adresse sein."
    return None
