"""A reader follows the index the writer swaps in (a reindex) and the writer's commits on
its next search, though it looks at the files' identity only, and though it keeps what it
read and folded per state of the index (search/embedded.py `_Generation`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import embedded
from search.documents import PUBLIC, Filters, ThreadDocument
from search.embedded import CURRENT, EmbeddedBackend, claim_writer, release_writer

NOW = 1_790_000_000


def _doc(id_: int, title: str, *, visibility: str = PUBLIC) -> ThreadDocument:
    return ThreadDocument(
        id=id_, title=title, question="Eine Frage.", solution="", replies="", board_id=1,
        board_slug="internet", kind="question", solved=False, created=NOW - 86_400,
        last_activity=NOW - 86_400, kudos=0, reply_count=0, visibility=[visibility],
    )  # fmt: skip


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "search"
    claim_writer(path)
    yield path
    release_writer(path)


def _titles(backend: EmbeddedBackend, q: str) -> list[str]:
    return [h.title for h in backend.search(q, filters=Filters(), visibility=[PUBLIC]).hits]


def test_a_reader_follows_a_swap_that_keeps_currents_size_and_times(path: Path) -> None:
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Glasfaseranschluss im Gewerbegebiet")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)  # another process's, as far as it knows
    assert _titles(reader, "Glasfaseranschluss") == ["Glasfaseranschluss im Gewerbegebiet"]

    before = os.stat(path / CURRENT)
    writer.reindex([_doc(2, "Rufumleitung auf das Handy")])
    # The new name is as long as the old, and the modification time is set back: only the
    # file's identity tells that it was replaced.
    os.utime(path / CURRENT, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path / CURRENT).st_size == before.st_size

    assert _titles(reader, "Rufumleitung") == ["Rufumleitung auf das Handy"]
    assert _titles(reader, "Glasfaseranschluss") == []


def test_a_reader_finds_nothing_once_current_is_gone_and_the_new_index_when_it_is_back(
    path: Path,
) -> None:
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Glasfaseranschluss im Gewerbegebiet")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)
    assert _titles(reader, "Glasfaseranschluss")
    name = (path / CURRENT).read_text()
    (path / CURRENT).unlink()
    assert _titles(reader, "Glasfaseranschluss") == []
    (path / CURRENT).write_text(name)
    assert _titles(reader, "Glasfaseranschluss") == ["Glasfaseranschluss im Gewerbegebiet"]


def test_a_commit_is_read_on_the_next_search_with_nothing_kept_from_before(path: Path) -> None:
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Router verliert nachts die Verbindung")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)
    assert _titles(reader, "Router") == ["Router verliert nachts die Verbindung"]
    assert _titles(reader, "Router") == ["Router verliert nachts die Verbindung"]  # kept

    writer.upsert([_doc(1, "Router verliert tagsüber die Verbindung")])
    # No wait: the commit changed the index's meta file, which the reader looks at.
    assert _titles(reader, "Router") == ["Router verliert tagsüber die Verbindung"]


def test_a_thread_moved_into_a_closed_board_leaves_the_folded_group_of_a_public_one(
    path: Path,
) -> None:
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert(
        [
            _doc(1, "Router verliert nachts die Verbindung"),
            _doc(2, "Router verliert nachts die Verbindung (Filiale Köln)"),
        ]
    )
    reader = EmbeddedBackend(path, clock=lambda: NOW)

    def hits():  # type: ignore[no-untyped-def]
        return reader.search("Router", filters=Filters(), visibility=[PUBLIC]).hits

    assert [(h.id, h.similar_ids) for h in hits()] in ([(1, (2,))], [(2, (1,))])
    writer.upsert(
        [_doc(2, "Router verliert nachts die Verbindung (Filiale Köln)", visibility="group:7")]
    )
    assert [(h.id, h.similar_ids) for h in hits()] == [(1, ())]
    members = reader.search("Router", filters=Filters(), visibility=[PUBLIC, "group:7"]).hits
    assert {h.id for h in members} == {1, 2}  # never folded across visibility


def test_a_commit_the_meta_files_identity_misses_is_read_within_the_recheck(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Glasfaseranschluss im Gewerbegebiet")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)
    assert _titles(reader, "Glasfaseranschluss")
    identity = embedded._identity
    meta_before = identity(reader._meta_file)
    # As if the new meta file had the old one's inode, times and size.
    monkeypatch.setattr(
        embedded, "_identity", lambda p: meta_before if p.endswith("meta.json") else identity(p)
    )
    writer.upsert([_doc(2, "Rufumleitung auf das Handy")])
    reader._meta_checked -= embedded.RECHECK_SECONDS  # as if that much time had passed
    assert _titles(reader, "Rufumleitung") == ["Rufumleitung auf das Handy"]


def test_a_hit_kept_for_one_query_is_marked_for_the_words_of_the_next(path: Path) -> None:
    backend = EmbeddedBackend(path, clock=lambda: NOW)
    backend.upsert([_doc(1, "Router verliert nachts die Verbindung")])

    def marked(q: str) -> str:
        [hit] = backend.search(q, filters=Filters(), visibility=[PUBLIC]).hits
        return hit.title_html

    assert marked("Router") == "<mark>Router</mark> verliert nachts die Verbindung"
    assert marked("Verbindung") == "Router verliert nachts die <mark>Verbindung</mark>"
    assert marked("Rooter") == "<mark>Router</mark> verliert nachts die Verbindung"
    assert marked("Router ") == "<mark>Router</mark> verliert nachts die Verbindung"


def test_a_reload_that_fails_keeps_the_searcher_and_is_tried_again(path: Path) -> None:
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Glasfaseranschluss im Gewerbegebiet")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)
    assert _titles(reader, "Glasfaseranschluss")
    index = reader._index

    class FilesGone:  # as when a reindex removes the folder during the reload
        def reload(self) -> None:
            raise ValueError("segment file not found")

        def searcher(self):  # type: ignore[no-untyped-def]
            return index.searcher()  # type: ignore[union-attr]

    reader._index = FilesGone()  # type: ignore[assignment]
    writer.upsert([_doc(2, "Rufumleitung auf das Handy")])
    assert _titles(reader, "Glasfaseranschluss")  # answered from what it had
    reader._index = index
    assert _titles(reader, "Rufumleitung") == ["Rufumleitung auf das Handy"]


def test_a_reload_that_fails_right_after_a_swap_searches_the_new_index_next_time(
    path: Path,
) -> None:
    """The new index is taken only with a searcher of its own: never the old index's
    answers under the new one's name, never an error but the engine's own."""
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Glasfaseranschluss im Gewerbegebiet")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)
    assert _titles(reader, "Glasfaseranschluss")
    writer.reindex([_doc(2, "Rufumleitung auf das Handy")])
    real_open = reader._open
    failed: list[int] = []

    class FilesGoneOnce:  # the first reload of the new index fails (files gone under it)
        def __init__(self, index: object) -> None:
            self.index = index

        def reload(self) -> None:
            if not failed:
                failed.append(1)
                raise ValueError("segment file not found")
            self.index.reload()  # type: ignore[attr-defined]

        def searcher(self):  # type: ignore[no-untyped-def]
            return self.index.searcher()  # type: ignore[attr-defined]

    reader._open = lambda folder, create=True: FilesGoneOnce(real_open(folder, create=create))  # type: ignore[method-assign,assignment,return-value]
    assert _titles(reader, "Rufumleitung") == ["Rufumleitung auf das Handy"]
    assert _titles(reader, "Glasfaseranschluss") == []
    assert failed == [1]


def test_a_search_at_once_leaves_long_queries_and_a_reload_to_a_thread(path: Path) -> None:
    """search_at_once runs on an event loop, where nothing else runs meanwhile: it declines
    (None) what may take long, and `search` then answers it."""
    writer = EmbeddedBackend(path, clock=lambda: NOW)
    writer.upsert([_doc(1, "Glasfaseranschluss im Gewerbegebiet")])
    reader = EmbeddedBackend(path, clock=lambda: NOW)
    assert _titles(reader, "Glasfaseranschluss")

    def at_once(q: str) -> list[str] | None:
        found = reader.search_at_once(q, filters=Filters(), visibility=[PUBLIC])
        return None if found is None else [h.title for h in found.hits]

    assert at_once("Glasfaseranschluss") == ["Glasfaseranschluss im Gewerbegebiet"]
    words = " ".join(["Glasfaseranschluss"] * (embedded.AT_ONCE_WORDS + 1))
    assert at_once(words) is None
    writer.upsert([_doc(2, "Rufumleitung auf das Handy")])
    assert at_once("Rufumleitung") is None  # a commit since: the reload reads files
    assert _titles(reader, "Rufumleitung") == ["Rufumleitung auf das Handy"]
    assert at_once("Rufumleitung") == ["Rufumleitung auf das Handy"]
