"""Near-duplicate questions folded into one hit ("und 11 ähnliche Fragen").

Forums collect the same question many times ("Router verliert nachts die Verbindung",
"... im Büro", "... (Filiale Köln)"). Shown one under another they push every other thread
off the first page. Two hits fold when their titles, reduced to stems without stop words
and without bracketed additions, are nearly the same (`_near`). The solved one of a group
is shown, at the place of the group's best hit.

Threads a moderator closed as duplicates fold under their original whatever their titles.

Folding only ever joins threads with the same visibility keys: a closed board's thread is
never shown as the "similar question" of a public one, even to a moderator."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from search.words import stems_of_title

MIN_WORDS = 3  # shorter titles fold only when they are the same
BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@dataclass
class Candidate:
    id: int
    title: str
    solved: bool
    visibility: tuple[str, ...]
    position: int
    duplicate_of: int | None = None


@dataclass
class Group:
    shown: Candidate
    members: list[Candidate] = field(default_factory=list)

    @property
    def similar_ids(self) -> list[int]:
        return [m.id for m in self.members if m.id != self.shown.id]


# Every search folds its best 40-odd hits, mostly the same titles again: analysing them
# was a third of the engine's time per request.
@lru_cache(maxsize=20_000)
def title_key(title: str) -> frozenset[str]:
    return frozenset(stems_of_title(BRACKETS.sub(" ", title)))


def _near(a: frozenset[str], b: frozenset[str]) -> bool:
    """The same words but one, one title the other plus up to two words ("... seit dem
    Update"), or two words apart in titles of four words or more."""
    if a == b:
        return bool(a)
    if min(len(a), len(b)) < MIN_WORDS:
        return False
    added = len(a ^ b)
    return added <= 1 or (added <= 2 and (a <= b or b <= a or min(len(a), len(b)) >= 4))


def fold(candidates: Sequence[Candidate]) -> list[Group]:
    """Groups in the order of their best hit; candidates come best first."""
    groups: list[tuple[list[frozenset[str]], set[int], Group]] = []
    for candidate in candidates:
        key = title_key(candidate.title)
        joined: list[int] = []
        for n, (keys, linked, group) in enumerate(groups):
            if group.shown.visibility != candidate.visibility:
                continue
            # Closed as a duplicate of a member (or of the same original), or near any
            # member's title: "... im Büro" and "... bei Neukunden" meet through the plain one.
            duplicate = candidate.id in linked or candidate.duplicate_of in linked
            if duplicate or any(_near(key, k) for k in keys):
                joined.append(n)
        if not joined:
            groups.append(([key], set(_links(candidate)), Group(candidate, [candidate])))
            continue
        # A candidate near two groups joins them: the result does not depend on hit order.
        keys, linked, group = groups[joined[0]]
        group.members.append(candidate)
        keys.append(key)
        linked.update(_links(candidate))
        for n in reversed(joined[1:]):
            other_keys, other_linked, other = groups.pop(n)
            group.members.extend(other.members)
            keys.extend(other_keys)
            linked.update(other_linked)
    out = []
    for _keys, _linked, group in groups:
        group.members.sort(key=lambda m: m.position)
        solved = next((m for m in group.members if m.solved), None)
        if solved is not None:
            group.shown = solved
        out.append(group)
    return out


def _links(candidate: Candidate) -> list[int]:
    return [candidate.id] + ([candidate.duplicate_of] if candidate.duplicate_of else [])
