"""The Meilisearch backend against a local server that answers as Meilisearch's API does."""

from __future__ import annotations

import pytest

from search.documents import Filters, SearchError, ThreadDocument
from search.meili import SETTINGS, MeiliBackend
from tests.search.conftest import MeiliServer


def doc(
    id: int, title: str, *, visibility: list[str] | None = None, solved: bool = False
) -> ThreadDocument:
    return ThreadDocument(
        id=id, title=title, question=f"Frage zu {title} <b>fett</b>", solution="", replies="",
        board_id=1, board_slug="internet", kind="question", solved=solved, created=1,
        last_activity=id, kudos=0, reply_count=0, visibility=visibility or ["public"],
    )  # fmt: skip


def test_settings_are_in_place_before_the_first_document_is_written(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Geheimer Rahmenvertrag", visibility=["group:7"])])
    calls = [(method, path) for method, path, _ in meili.fake.log if not path.startswith("/tasks")]
    settings_at = calls.index(("PATCH", "/indexes/threads/settings"))
    documents_at = calls.index(("POST", "/indexes/threads/documents"))
    assert settings_at < documents_at
    index = meili.fake.indexes["threads"]
    assert "visibility" in index.settings["filterableAttributes"]
    assert index.settings["searchableAttributes"] == [
        "title", "question", "solution", "parts", "replies",
    ]  # fmt: skip
    assert index.settings["rankingRules"][-1] == "solved_rank:desc"
    assert index.settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert index.settings["synonyms"]["dsl"] == ["breitband", "internet"]


def test_settings_already_right_are_not_written_again(meili: MeiliServer) -> None:
    meili.backend().ensure()
    patches = sum(1 for m, p, _ in meili.fake.log if m == "PATCH")
    meili.backend().ensure()  # a second process starting
    assert sum(1 for m, p, _ in meili.fake.log if m == "PATCH") == patches == 1


def test_every_write_waits_until_its_task_has_finished(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Router verliert Verbindung")])
    assert meili.fake.tasks and all(t["status"] == "succeeded" for t in meili.fake.tasks.values())
    assert all(polls >= 2 for polls in meili.fake.polls.values())  # enqueued, then processing
    backend.delete([1])
    assert meili.fake.indexes["threads"].docs == {}


def test_a_failed_task_raises(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.ensure()
    meili.fake.fail_next.add("documentAdditionOrUpdate")
    with pytest.raises(SearchError, match="failed"):
        backend.upsert([doc(1, "Router verliert Verbindung")])


def test_503_and_a_stopped_server_raise_search_error(meili: MeiliServer) -> None:
    backend = meili.backend()
    meili.fake.unavailable = True
    with pytest.raises(SearchError):
        backend.upsert([doc(1, "Router")])
    with pytest.raises(SearchError):
        backend.search("Router", filters=Filters(), visibility=["public"])
    meili.fake.unavailable = False
    meili.stop()
    with pytest.raises(SearchError):
        backend.search("Router", filters=Filters(), visibility=["public"])


def test_every_query_carries_the_visibility_filter(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Router öffentlich"), doc(2, "Router geheim", visibility=["group:7"])])
    public = backend.search("Router", filters=Filters(), visibility=["public"])
    assert [h.id for h in public.hits] == [1] and public.total == 1
    member = backend.search("Router", filters=Filters(), visibility=["public", "group:7"])
    assert {h.id for h in member.hits} == {1, 2}
    similar = backend.similar("Router", visibility=["public"])
    assert [h.id for h in similar] == [1]
    searches = [body for m, p, body in meili.fake.log if p.endswith("/search")]
    assert all(
        'visibility IN ["public"' in body["filter"][0] for body in searches[:1] + searches[2:]
    )


def test_filters_and_highlighted_snippets_are_safe_html(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Router <script>", solved=True), doc(2, "Router zwei")])
    result = backend.search("router", filters=Filters(solved=True), visibility=["public"])
    [hit] = result.hits
    assert hit.title_html == "<mark>Router</mark> &lt;script&gt;"
    assert "&lt;b&gt;fett&lt;/b&gt;" in hit.snippet_html and "<b>" not in hit.snippet_html


def test_master_key_is_sent_and_a_wrong_key_is_refused(meili: MeiliServer) -> None:
    wrong = MeiliBackend(meili.url, "wrong", task_timeout_ms=1000, poll_ms=5)
    with pytest.raises(SearchError):
        wrong.ensure()


def test_reindex_builds_a_new_index_and_swaps_it_in(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Alter Stand")])
    assert backend.reindex(doc(i, f"Neuer Stand {i}") for i in range(2, 2503)) == 2501
    assert any(path == "/swap-indexes" for _m, path, _b in meili.fake.log)
    assert list(meili.fake.indexes) == ["threads"]  # the old one is gone
    live = meili.fake.indexes["threads"]
    assert len(live.docs) == 2501 and "1" not in live.docs
    assert live.settings["filterableAttributes"] == SETTINGS["filterableAttributes"]
    assert backend.stats()["documents"] == 2501


def test_a_failed_reindex_leaves_the_live_index_alone(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Alter Stand")])
    meili.fake.fail_next.add("indexSwap")
    with pytest.raises(SearchError):
        backend.reindex([doc(2, "Neuer Stand")])
    assert list(meili.fake.indexes["threads"].docs) == ["1"]
    assert list(meili.fake.indexes) == ["threads"]


def test_documents_carry_the_parts_of_german_compounds(meili: MeiliServer) -> None:
    backend = meili.backend()
    backend.upsert([doc(1, "Rufnummernmitnahme im Onlineshop")])
    stored = meili.fake.indexes["threads"].docs["1"]
    assert {"rufnummern", "mitnahme", "online", "shop"} <= set(stored["parts"].split())


def test_copies_of_a_question_fold_into_one_hit_but_never_across_boards(
    meili: MeiliServer,
) -> None:
    backend = meili.backend()
    backend.upsert(
        [
            doc(1, "Router verliert nachts die Verbindung"),
            doc(2, "Router verliert nachts die Verbindung im Büro", solved=True),
            doc(3, "Router verliert nachts die Verbindung (Filiale Köln)"),
            doc(4, "Router verliert nachts die Verbindung", visibility=["group:7"]),
            doc(5, "Router für das Lager gesucht"),
        ]
    )
    public = backend.search("Router", filters=Filters(), visibility=["public"])
    assert public.total == 2
    folded = next(h for h in public.hits if h.similar_count)
    assert folded.id == 2 and sorted(folded.similar_ids) == [1, 3]  # the solved one shown
    everything = backend.search("Router", filters=Filters(), visibility=None)
    assert 4 in [h.id for h in everything.hits]  # the closed board's copy stays apart
