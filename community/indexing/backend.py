"""Which search engine this installation uses: Meilisearch when COMMUNITY_MEILI_URL is set,
otherwise the embedded tantivy index in COMMUNITY_DATA_DIR/search/.

One backend object per process, shared by requests and the worker; tests swap it."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

from community.config import Settings, get_settings, require_client
from search.documents import Backend, load_synonyms

DEFAULT_SYNONYMS = Path(__file__).resolve().parent.parent / "data" / "synonyms_de.json"

_lock = threading.Lock()
_backend: Backend | None = None


@lru_cache
def synonyms(path: Path | None = None) -> dict[str, list[str]]:
    data = json.loads((path or DEFAULT_SYNONYMS).read_text(encoding="utf-8"))
    return load_synonyms(data)


def make_backend(settings: Settings) -> Backend:
    words = synonyms(settings.search_synonyms_file)
    if settings.meili_url:
        require_client("meilisearch", "meili", "COMMUNITY_MEILI_URL")
        from search.meili import MeiliBackend

        return MeiliBackend(
            settings.meili_url, settings.meili_key, index=settings.meili_index, synonyms=words
        )
    from search.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.data_dir / "search", synonyms=words)


def get_backend() -> Backend:
    global _backend
    with _lock:
        if _backend is None:
            _backend = make_backend(get_settings())
        return _backend


class IndexWriterTaken(RuntimeError):
    """Another process already writes the embedded search index."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def claim_index_writer() -> None:
    """Make this process the only writer of the embedded index; nothing to do for
    Meilisearch, which takes writes from any number of processes. Called by whatever runs
    the job worker (`community worker`, `serve` with the worker inside) before it starts."""
    from search.embedded import EmbeddedBackend, IndexLocked

    backend = get_backend()
    if not isinstance(backend, EmbeddedBackend):
        return
    try:
        backend.claim_writer()
    except IndexLocked as exc:
        raise IndexWriterTaken(
            f"The embedded search index in {exc.path} is already written by another "
            f"process ({exc.holder}). Only one process may write it: run a single "
            "`community worker` (and `community serve` with "
            "COMMUNITY_RUN_WORKER_IN_PROCESS=false), or set COMMUNITY_MEILI_URL to a "
            "Meilisearch server, which takes writes from several processes.",
            exc.holder,
        ) from exc


def use_backend(backend: Backend | None) -> None:
    """Install a backend (tests: one per test), or None to build it from the settings again."""
    global _backend
    with _lock:
        _backend = backend
