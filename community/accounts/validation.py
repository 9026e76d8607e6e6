"""Rules for nicknames and free text that every surface applies the same way."""

from __future__ import annotations

import re
import unicodedata

from community.config import get_settings

# The least an address must look like: something, one @, something. Registration in the
# browser and the API asks more (EmailStr); accounts made on the command line or by a
# company login may have addresses it refuses (it@firma.local), which must still work.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

NICKNAME_MIN = 3
NICKNAME_MAX = 20
_NICKNAME_CHARS = re.compile(r"^[\w.\-]+$")
RESERVED_NICKNAMES = frozenset(
    {
        "admin",
        "administrator",
        "moderator",
        "mod",
        "team",
        "support",
        "staff",
        "system",
        "root",
        "community",
        "anonymous",
        "anonym",
        "gast",
        "guest",
        "null",
        "none",
        "gelöschtes mitglied",
    }
)
# Zero-width and bidirectional controls let two names look alike or read backwards.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u034f]")


def strip_invisible(text: str) -> str:
    """Text shown in lists (titles) without the controls that reorder or hide it: U+202E
    would make a title read backwards, U+200B split a word so that filters miss it."""
    return _INVISIBLE.sub("", text)


def normalise_nickname(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip()


def nickname_key(nickname: str) -> str:
    return normalise_nickname(nickname).casefold()


# Separators a reader barely tells apart: "Admin_Team", "Admin.Team" and "Admin-Team" are
# one name to the eye.
_SEPARATORS = re.compile(r"[\s._\-]+")


def nickname_skeleton(nickname: str) -> str:
    """The look-alike key: two nicknames with one key are refused as the same name.

    UTS #39 skeleton of the case-folded name (so "ΑDMIN" meets "admin" too), 0/o and
    1/l merged as TR39 does, and i with them: "Adm1n", "AdmIn" and "admin" differ
    only in a stroke. Separators are dropped."""
    # Imported at the first nickname given (a sign-up, a rename): its confusables tables are
    # ~4 MiB of every process that would never use them otherwise (issue 21).
    from disarm import skeleton_key

    key = skeleton_key(normalise_nickname(nickname).casefold(), digit_policy="tr39")
    return _SEPARATORS.sub("", key).replace("i", "l")


def reserved_skeletons() -> frozenset[str]:
    site = get_settings().site_name
    return frozenset(nickname_skeleton(n) for n in (*RESERVED_NICKNAMES, site))


def nickname_problem(raw: str) -> str | None:
    """Why a nickname is refused, or None. Applied after NFKC normalisation."""
    if _INVISIBLE.search(raw):
        return "Der Spitzname enthält unsichtbare Steuerzeichen."
    nickname = normalise_nickname(raw)
    if not NICKNAME_MIN <= len(nickname) <= NICKNAME_MAX:
        return f"Der Spitzname muss {NICKNAME_MIN} bis {NICKNAME_MAX} Zeichen lang sein."
    # \w admits the underscore and digits besides letters of every script; refuse the rest.
    if not _NICKNAME_CHARS.match(nickname) or any(
        unicodedata.category(c)[0] not in ("L", "N") and c not in "._-" for c in nickname
    ):
        return "Der Spitzname darf nur Buchstaben, Ziffern, '.', '_' und '-' enthalten."
    if nickname_skeleton(nickname) in reserved_skeletons():
        return "Dieser Spitzname ist reserviert."
    return None
