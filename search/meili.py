"""The Meilisearch backend (official `meilisearch` client), used when COMMUNITY_MEILI_URL is set.

Every write waits for its task and raises SearchError when the task failed, so the job
that asked for it is retried. The index settings are checked (and corrected) before the
first write: the visibility attribute is filterable before any private document lands."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchError

from search import compounds
from search.compounds import parts_text
from search.documents import (
    MARK_END,
    MARK_START,
    TOTAL_CAP,
    Filters,
    Hit,
    SearchError,
    SearchResults,
    ThreadDocument,
    capped_total,
    marked_to_html,
)
from search.folding import Candidate, fold
from search.words import WORD

BATCH = 1000
# Folding looks at this many hits beyond the page (as the embedded engine does).
FOLD_WINDOW = 40

SETTINGS: dict[str, Any] = {
    # Order is weight: title > question > accepted answer > compound parts > replies.
    "searchableAttributes": ["title", "question", "solution", "parts", "replies"],
    "filterableAttributes": [
        "id",
        "board_id",
        "board_slug",
        "kind",
        "solved",
        "visibility",
        "created",
    ],
    "sortableAttributes": ["last_activity", "created", "kudos"],
    # The default rules, then solved threads first among equally relevant ones.
    "rankingRules": [
        "words",
        "typo",
        "proximity",
        "attribute",
        "sort",
        "exactness",
        "solved_rank:desc",
    ],
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    },
    # One past the cap, so a count above it shows as "over 1,000" (default stops at 1,000).
    "pagination": {"maxTotalHits": TOTAL_CAP + 1},
}


def _quote(value: str) -> str:
    return json.dumps(value)


def filter_expression(filters: Filters, visibility: Sequence[str] | None) -> list[str]:
    """Meilisearch filter clauses, ANDed. The visibility clause comes first and always,
    unless the caller holds every key (None: moderators)."""
    out: list[str] = []
    if visibility is not None:
        keys = ", ".join(_quote(k) for k in visibility) or _quote("public")
        out.append(f"visibility IN [{keys}]")
    if filters.board:
        out.append(f"board_slug = {_quote(filters.board)}")
    if filters.kind:
        out.append(f"kind = {_quote(filters.kind)}")
    if filters.solved is not None:
        out.append(f"solved = {'true' if filters.solved else 'false'}")
    return out


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(
            _same(current.get(k), v) for k, v in wanted.items()
        )
    if isinstance(wanted, list) and wanted and isinstance(wanted[0], str):
        # Filterable and sortable attributes are sets to Meilisearch.
        return isinstance(current, list) and (
            current == wanted or sorted(map(str, current)) == sorted(wanted)
        )
    return bool(current == wanted)


class MeiliBackend:
    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        index: str = "threads",
        synonyms: dict[str, list[str]] | None = None,
        timeout_seconds: float = 5.0,
        task_timeout_ms: int = 30_000,
        poll_ms: int = 50,
    ) -> None:
        self.client = meilisearch.Client(url, api_key, timeout=int(max(1, timeout_seconds)))
        self.uid = index
        self.synonyms = synonyms or {}
        self.task_timeout_ms = task_timeout_ms
        self.poll_ms = poll_ms
        self._ready = False
        self._lock = threading.Lock()

    @property
    def settings(self) -> dict[str, Any]:
        return {**SETTINGS, "synonyms": self.synonyms}

    # ---- tasks ---------------------------------------------------------------------------

    def _wait(self, task_info: Any) -> None:
        uid = task_info.task_uid
        try:
            task = self.client.wait_for_task(
                uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=self.poll_ms
            )
        except MeilisearchError as exc:
            raise SearchError(f"Meilisearch task {uid}: {exc}") from exc
        if task.status != "succeeded":
            error = (task.error or {}).get("message") or task.status
            raise SearchError(f"Meilisearch task {uid} ({task.type}) {task.status}: {error}")

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MeilisearchError as exc:
            raise SearchError(f"Meilisearch {what}: {exc}") from exc
        except OSError as exc:  # connection refused and the like, below the client
            raise SearchError(f"Meilisearch {what}: {exc}") from exc

    # ---- index and settings ------------------------------------------------------------

    def _prepare(self, uid: str) -> None:
        """Create the index if missing and make its settings ours; waits for both."""
        try:
            self.client.get_raw_index(uid)
        except meilisearch.errors.MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise SearchError(f"Meilisearch index {uid}: {exc}") from exc
            self._wait(
                self._call("create index", self.client.create_index, uid, {"primaryKey": "id"})
            )
        except MeilisearchError as exc:
            raise SearchError(f"Meilisearch index {uid}: {exc}") from exc
        index = self.client.index(uid)
        current = self._call("get settings", index.get_settings)
        wanted = self.settings
        if not all(_same(current.get(k), v) for k, v in wanted.items()):
            self._wait(self._call("update settings", index.update_settings, wanted))

    def ensure(self) -> None:
        with self._lock:
            if not self._ready:
                compounds.warm()  # documents carry compound parts (search/compounds.py)
                self._prepare(self.uid)
                self._ready = True

    # ---- writes ----------------------------------------------------------------------------

    def upsert(self, documents: Sequence[ThreadDocument]) -> None:
        if not documents:
            return
        self.ensure()
        index = self.client.index(self.uid)
        for start in range(0, len(documents), BATCH):
            batch = [_document(d) for d in documents[start : start + BATCH]]
            self._wait(self._call("add documents", index.add_documents, batch, "id"))

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        self.ensure()
        index = self.client.index(self.uid)
        expression = f"id IN [{', '.join(str(int(i)) for i in ids)}]"
        self._wait(self._call("delete documents", index.delete_documents, filter=expression))

    def reindex(self, documents: Iterable[ThreadDocument]) -> int:
        """Fill a fresh index, then swap it with the live one: search never goes empty."""
        self.ensure()
        fresh = f"{self.uid}_build_{time.time_ns()}"
        self._prepare(fresh)
        index = self.client.index(fresh)
        count = 0
        batch: list[dict[str, Any]] = []
        try:
            for doc in documents:
                batch.append(_document(doc))
                if len(batch) >= BATCH:
                    self._wait(self._call("add documents", index.add_documents, batch, "id"))
                    count += len(batch)
                    batch = []
            if batch:
                self._wait(self._call("add documents", index.add_documents, batch, "id"))
                count += len(batch)
            swap = [{"indexes": [self.uid, fresh]}]
            self._wait(self._call("swap indexes", self.client.swap_indexes, swap))
        finally:
            # After the swap this name holds the old documents; before it, a failed build.
            self._wait(self._call("delete index", self.client.delete_index, fresh))
        return count

    # ---- reads -------------------------------------------------------------------------------

    def _hit(self, raw: dict[str, Any]) -> Hit:
        formatted = raw.get("_formatted") or raw
        snippet = ""
        for name in ("question", "solution", "replies"):
            text = str(formatted.get(name) or "")
            if MARK_START in text:
                snippet = text
                break
        if not snippet:
            snippet = str(formatted.get("question") or "")
        return Hit(
            id=int(raw["id"]),
            title=str(raw.get("title", "")),
            title_html=marked_to_html(str(formatted.get("title") or raw.get("title", ""))),
            snippet_html=marked_to_html(snippet),
            board_slug=str(raw.get("board_slug", "")),
            kind=str(raw.get("kind", "")),
            solved=bool(raw.get("solved")),
            last_activity=int(raw.get("last_activity") or 0),
            kudos=int(raw.get("kudos") or 0),
            reply_count=int(raw.get("reply_count") or 0),
        )

    def _params(self, filter_: list[str]) -> dict[str, Any]:
        return {
            "filter": filter_,
            "attributesToRetrieve": [
                "id", "title", "board_slug", "kind", "solved",
                "last_activity", "kudos", "reply_count", "visibility", "duplicate_of",
            ],
            "attributesToHighlight": ["title"],
            "attributesToCrop": ["question", "solution", "replies"],
            "cropLength": 28,
            "highlightPreTag": MARK_START,
            "highlightPostTag": MARK_END,
        }  # fmt: skip

    def search(
        self,
        query: str,
        *,
        filters: Filters,
        visibility: Sequence[str] | None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults:
        params = self._params(filter_expression(filters, visibility))
        params["matchingStrategy"] = "last"
        if not query.strip():
            params.update({"page": max(page, 1), "hitsPerPage": per_page})
            params["sort"] = ["last_activity:desc"]
            result = self._call("search", self.client.index(self.uid).search, query, params)
            hits = [self._hit(raw) for raw in result.get("hits", [])]
            total, capped = capped_total(_total(result, hits))
            return SearchResults(hits, total, page, per_page, total_capped=capped)
        # Near-duplicates folded: the page is cut from the folded best hits, as embedded.
        offset = (max(page, 1) - 1) * per_page
        params.update({"page": 1, "hitsPerPage": offset + per_page + FOLD_WINDOW})
        result = self._call("search", self.client.index(self.uid).search, query, params)
        raws = result.get("hits", [])
        by_id = {int(raw["id"]): raw for raw in raws}
        groups = fold([_candidate(raw, i) for i, raw in enumerate(raws)])
        hits = [
            replace(
                self._hit(by_id[group.shown.id]),
                similar_count=len(group.similar_ids),
                similar_ids=tuple(group.similar_ids),
            )
            for group in groups[offset : offset + per_page]
        ]
        total, capped = capped_total(_total(result, raws), len(raws) - len(groups))
        return SearchResults(hits, total, page, per_page, total_capped=capped)

    def similar(
        self,
        title: str,
        text: str = "",
        *,
        visibility: Sequence[str] | None,
        limit: int = 5,
        exclude_id: int | None = None,
        kind: str | None = None,
    ) -> list[Hit]:
        filter_ = filter_expression(Filters(kind=kind), visibility)
        if exclude_id is not None:
            filter_.append(f"id != {int(exclude_id)}")
        params = self._params(filter_)
        params.update({"limit": limit, "matchingStrategy": "last"})
        query = f"{title} {text[:300]}".strip()
        if not query:
            return []
        result = self._call("search", self.client.index(self.uid).search, query, params)
        return [self._hit(raw) for raw in result.get("hits", [])]

    def write_problem(self) -> str | None:
        # Meilisearch keeps its own storage; its failures reach us as errors of each call.
        return None

    def stats(self) -> dict[str, Any]:
        raw = self._call("stats", self.client.index(self.uid).get_stats)
        return {
            "engine": "meilisearch",
            "documents": raw.number_of_documents,
            "indexing": raw.is_indexing,
        }


def _document(doc: ThreadDocument) -> dict[str, Any]:
    """The stored document: the thread's values and the parts of its German compounds
    (search/compounds.py), which Meilisearch does not split itself."""
    data = doc.to_dict()
    data["parts"] = parts_text(" ".join((doc.title, doc.question, doc.solution)), WORD)
    return data


def _candidate(raw: dict[str, Any], position: int) -> Candidate:
    visibility = raw.get("visibility") or []
    return Candidate(
        id=int(raw["id"]),
        title=str(raw.get("title", "")),
        solved=bool(raw.get("solved")),
        visibility=tuple(sorted(map(str, visibility))),
        position=position,
        duplicate_of=int(raw["duplicate_of"]) if raw.get("duplicate_of") else None,
    )


def _total(result: dict[str, Any], hits: Sequence[Any]) -> int:
    return int(result.get("totalHits", result.get("estimatedTotalHits", len(hits))))
