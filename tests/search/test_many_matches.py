"""Past a thousand matches: the words as typed fill the pages before any typo variant
(Meilisearch's "typo" rule), and the count stays exact below the cap, per viewer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search.documents import PUBLIC, Filters, ThreadDocument
from search.embedded import EmbeddedBackend, claim_writer, release_writer

NOW = 1_790_000_000


def _doc(id_: int, title: str, *, group: int | None = None, solved: bool = False) -> ThreadDocument:
    return ThreadDocument(
        id=id_, title=title, question="Eine Frage.", solution="", replies="", board_id=1,
        board_slug="internet", kind="question", solved=solved, created=NOW - 400 * 86_400,
        last_activity=NOW - (5 if solved else 400) * 86_400, kudos=5 if solved else 0,
        reply_count=0, visibility=[f"group:{group}"] if group else [PUBLIC],
    )  # fmt: skip


def _routers(first: int, count: int, *, group: int | None = None) -> list[ThreadDocument]:
    # Distinct titles, so that folding leaves every thread a hit of its own.
    return [_doc(i, f"Router Standort{i}", group=group) for i in range(first, first + count)]


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    path = tmp_path / "search"
    claim_writer(path)
    yield EmbeddedBackend(path, clock=lambda: NOW)
    release_writer(path)


def test_over_a_thousand_matches_as_typed_fill_the_pages_before_a_typo(
    backend: EmbeddedBackend,
) -> None:
    # Solved, with kudos and recent: it would win every tie, but it matches only with a typo.
    typo = _doc(5000, "Rooter verliert WLAN", solved=True)
    backend.reindex([*_routers(1, 1005), typo])
    for page in (1, 2):
        result = backend.search("Router ", filters=Filters(), visibility=[PUBLIC], page=page)
        assert result.total_capped and result.total == 1000
        assert len(result.hits) == 20
        assert all(h.title.startswith("Router ") for h in result.hits)
    # Typed as in the thread, it comes first.
    found = backend.search("Rooter ", filters=Filters(), visibility=[PUBLIC])
    assert found.hits[0].id == typo.id


def test_below_the_cap_typos_count_and_a_closed_board_stays_out(
    backend: EmbeddedBackend,
) -> None:
    # 1,001 threads hold "Router", 11 of them in a closed group's board: the term
    # dictionary alone cannot tell the anonymous visitor's count is below the cap.
    typo = _doc(5000, "Rooter verliert WLAN")
    backend.reindex([*_routers(1, 990), *_routers(2001, 11, group=7), typo])
    anonymous = backend.search("Router ", filters=Filters(), visibility=[PUBLIC])
    assert not anonymous.total_capped and anonymous.total == 991  # with the typo, exact
    assert not any(h.id > 2000 and h.id != typo.id for h in anonymous.hits)
    for page in (2, 25, 50):
        hits = backend.search("Router ", filters=Filters(), visibility=[PUBLIC], page=page).hits
        assert hits and not any(h.id > 2000 and h.id != typo.id for h in hits)
    member = backend.search("Router ", filters=Filters(), visibility=[PUBLIC, "group:7"])
    assert member.total_capped and member.total == 1000
