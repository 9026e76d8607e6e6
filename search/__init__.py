"""Thread search: documents, the backend interface and two engines (Meilisearch, tantivy).

This package knows nothing of the forum: the application builds `ThreadDocument`s and
passes the viewer's visibility keys with every query."""

from search.documents import (
    Backend,
    Filters,
    Hit,
    SearchError,
    SearchResults,
    ThreadDocument,
)

__all__ = ["Backend", "Filters", "Hit", "SearchError", "SearchResults", "ThreadDocument"]
