"""Against a real Meilisearch when COMMUNITY_TEST_MEILI_URL is set (key: COMMUNITY_TEST_MEILI_KEY)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from community.indexing.backend import synonyms
from search.documents import Filters, ThreadDocument
from search.meili import MeiliBackend

URL = os.environ.get("COMMUNITY_TEST_MEILI_URL")
pytestmark = pytest.mark.skipif(
    not URL,
    reason="live Meilisearch tests need COMMUNITY_TEST_MEILI_URL (e.g. http://127.0.0.1:7700)",
)


@pytest.fixture
def live() -> Iterator[MeiliBackend]:
    assert URL
    backend = MeiliBackend(
        URL,
        os.environ.get("COMMUNITY_TEST_MEILI_KEY"),
        index=f"test_{uuid.uuid4().hex[:10]}",
        synonyms=synonyms(),
    )
    yield backend
    backend._wait(backend.client.delete_index(backend.uid))


def _doc(id: int, title: str, visibility: list[str], solved: bool = False) -> ThreadDocument:
    return ThreadDocument(
        id=id, title=title, question="Seit gestern geht nichts mehr.", solution="", replies="",
        board_id=1, board_slug="internet", kind="question", solved=solved, created=1,
        last_activity=id, kudos=0, reply_count=0, visibility=visibility,
    )  # fmt: skip


def test_typos_synonyms_visibility_and_reindex_on_a_real_meilisearch(live: MeiliBackend) -> None:
    live.upsert([
        _doc(1, "Router verliert nachts die Verbindung", ["public"]),
        _doc(2, "Telefonanlage für zehn Arbeitsplätze", ["public"], solved=True),
        _doc(3, "Router im Rahmenvertrag tauschen", ["group:5"]),
    ])  # fmt: skip
    public = live.search("Rooter", filters=Filters(), visibility=["public"])
    assert [h.id for h in public.hits] == [1] and "<mark>" in public.hits[0].title_html
    member = live.search("Router", filters=Filters(), visibility=["public", "group:5"])
    assert {h.id for h in member.hits} == {1, 3}
    assert [
        h.id for h in live.search("TK-Anlage", filters=Filters(), visibility=["public"]).hits
    ] == [2]
    assert live.similar("Router Verbindung weg", visibility=["public"])[0].id == 1
    assert live.reindex([_doc(4, "Neu aufgebaut", ["public"])]) == 1
    assert live.stats()["documents"] == 1
    live.delete([4])
    assert live.search("", filters=Filters(), visibility=None).total == 0
