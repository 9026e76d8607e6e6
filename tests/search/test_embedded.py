"""The embedded engine and the service on top, on the demo seed: typos, stemming, prefix,
synonyms, filters, highlighting, and a reindex that swaps folders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import ANONYMOUS, viewer_for
from community.demo import seed_demo_content
from community.indexing import service as indexing
from community.indexing.backend import synonyms, use_backend
from community.indexing.service import SearchQuery
from search.embedded import EmbeddedBackend
from tests.factories import make_user


@pytest.fixture(scope="module")
def seeded_index(
    module_db: Session, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmbeddedBackend]:
    """The demo seed and its index, built once per module and database: the tests search
    it; what one changes in the database is rolled back (see `module_db`), and the one
    that reindexes rebuilds the same documents."""
    backend = EmbeddedBackend(tmp_path_factory.mktemp("seeded") / "search", synonyms=synonyms())
    use_backend(backend)
    try:
        seed_demo_content(module_db.get_bind(), threads=60, replies=(1, 3))  # type: ignore[arg-type]
        assert indexing.reindex(module_db) > 0
        module_db.close()
    finally:
        use_backend(None)
    yield backend
    backend.release_writer()


@pytest.fixture
def seeded(
    seeded_index: EmbeddedBackend, search_backend: EmbeddedBackend
) -> Iterator[EmbeddedBackend]:
    use_backend(seeded_index)
    yield seeded_index
    use_backend(search_backend)


def titles(db: Session, q: str, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    result = indexing.search(db, ANONYMOUS, SearchQuery(q=q, **filters))
    return [h.title for h in result.hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Rooter", "Router verliert nachts die Verbindung"),  # one typo in a 6-letter word
        ("Telefonanlagen", "Telefonanlage für zehn Arbeitsplätze gesucht"),  # German plural
        ("Telefnoanlage", "Telefonanlage für zehn Arbeitsplätze gesucht"),  # transposition
        ("Zertifkat Shop", "Onlineshop: SSL-Zertifikat läuft ab"),
        ("Rufnummerblock", "Rufnummernblock mitnehmen beim Anbieterwechsel"),  # 2 typos, 15 letters
        ("roaming schweiz", "Roaming in der Schweiz für Geschäftsreisen"),  # lower case
        (
            "Glasfaserausbau Gewerbegebiet",
            "Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?",
        ),
    ],
)
def test_typos_and_word_forms_find_the_thread(
    db: Session, seeded, query: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    found = titles(db, query)
    assert found, f"nothing found for {query!r}"
    assert any(t.startswith(expected) for t in found[:3]), (query, found[:3])


def test_short_words_get_no_typo(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    # "VPM" is 3 letters: Meilisearch allows no typo there, and neither do we.
    assert titles(db, "VPM") == []
    assert any("VPN" in t for t in titles(db, "VPN"))


def test_the_last_word_matches_as_a_prefix_while_typing(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    found = titles(db, "Telefonanl")
    assert any(t.startswith("Telefonanlage für zehn") for t in found[:3])
    # Titles with the word come first; a thread with it only in an answer after them.
    with_word = [t for t in found if "telefonanlage" in t.lower()]
    assert len(with_word) >= 2 and found[: len(with_word)] == with_word
    assert titles(db, "SIP-Tru")[0].startswith("SIP-Trunk")
    assert titles(db, "Glasf")[0].startswith("Glasfaser-Ausbau")
    # Once the word is finished (a space follows), it is no longer a prefix.
    assert titles(db, "Glasf ") == []


def test_english_stemming_and_synonyms(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    assert any(t.startswith("Router verliert") for t in titles(db, "routers"))
    # "Breitband" appears nowhere; the synonym list makes it DSL / Internet.
    assert titles(db, "Breitband")


def test_filters_by_board_kind_and_solved(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    everything = indexing.search(db, ANONYMOUS, SearchQuery(q="")).total
    internet = indexing.search(db, ANONYMOUS, SearchQuery(q="", board="internet"))
    assert 0 < internet.total < everything
    assert {h.board_slug for h in internet.hits} == {"internet"}
    solved = indexing.search(db, ANONYMOUS, SearchQuery(q="", solved=True))
    unsolved = indexing.search(db, ANONYMOUS, SearchQuery(q="", solved=False))
    assert solved.total and unsolved.total and solved.total + unsolved.total == everything
    assert all(h.solved for h in solved.hits) and not any(h.solved for h in unsolved.hits)
    discussions = indexing.search(db, ANONYMOUS, SearchQuery(q="", kind="discussion"))
    assert discussions.hits and {h.kind for h in discussions.hits} == {"discussion"}


def test_hits_are_highlighted_and_counted(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    result = indexing.search(db, ANONYMOUS, SearchQuery(q="Rooter"))
    first = result.hits[0]
    assert "<mark>Router</mark>" in first.title_html
    assert result.total >= len(result.hits) > 0


def test_paging(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    page1 = indexing.search(db, ANONYMOUS, SearchQuery(q="", page=1))
    page2 = indexing.search(db, ANONYMOUS, SearchQuery(q="", page=2))
    assert page1.pages >= 2 and len(page1.hits) == 20
    assert not {h.id for h in page1.hits} & {h.id for h in page2.hits}


def test_reindex_swaps_in_a_new_folder_and_keeps_search_working(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    before = (seeded.path / "CURRENT").read_text()
    count_before = indexing.search(db, ANONYMOUS, SearchQuery(q="Router")).total
    indexing.reindex(db)
    after = (seeded.path / "CURRENT").read_text()
    assert after != before and not (seeded.path / before).exists()
    assert indexing.search(db, ANONYMOUS, SearchQuery(q="Router")).total == count_before
    # Another process's backend on the same folder follows the swap.
    other = EmbeddedBackend(seeded.path)
    assert other.stats()["documents"] == seeded.stats()["documents"]


def test_moderators_search_closed_boards_too(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    moderator = make_user(db, role=Role.moderator)
    mod_view = indexing.search(db, viewer_for(db, moderator), SearchQuery(q="Sammelrechnung"))
    assert mod_view.total > 0
    assert indexing.search(db, ANONYMOUS, SearchQuery(q="Sammelrechnung")).total == 0
