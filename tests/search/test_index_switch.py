"""A reader follows the index the writer swaps in (a reindex) on its next search, though
it looks at CURRENT's identity only, not its text."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.documents import PUBLIC, Filters, ThreadDocument
from search.embedded import CURRENT, EmbeddedBackend, claim_writer, release_writer

NOW = 1_790_000_000


def _doc(id_: int, title: str) -> ThreadDocument:
    return ThreadDocument(
        id=id_, title=title, question="Eine Frage.", solution="", replies="", board_id=1,
        board_slug="internet", kind="question", solved=False, created=NOW - 86_400,
        last_activity=NOW - 86_400, kudos=0, reply_count=0, visibility=[PUBLIC],
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
