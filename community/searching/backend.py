"""Which search engine this installation uses: Meilisearch when COMMUNITY_MEILI_URL is set,
otherwise the embedded tantivy index in COMMUNITY_DATA_DIR/search/.

One backend object per process, shared by requests and the worker; tests swap it."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

from community.config import Settings, get_settings
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


def use_backend(backend: Backend | None) -> None:
    """Install a backend (tests: one per test), or None to build it from the settings again."""
    global _backend
    with _lock:
        _backend = backend
