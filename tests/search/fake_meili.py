"""A local HTTP server that answers as Meilisearch's documented API does (v1.x): indexes,
settings, documents, search with filters and highlighting, swap-indexes, stats, and
asynchronous tasks that are enqueued, then processing, then succeeded or failed.

Runs on pytest-httpserver (a real werkzeug server on loopback). `fail_next` makes the
next task of a type fail; `unavailable` answers 503 to everything, like a proxy in front
of a stopped Meilisearch."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug import Request, Response

MASTER_KEY = "test-master-key"
DEFAULT_SETTINGS: dict[str, Any] = {
    "displayedAttributes": ["*"],
    "searchableAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    "stopWords": [],
    "synonyms": {},
    "distinctAttribute": None,
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnWords": [],
        "disableOnAttributes": [],
    },
}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class FakeIndex:
    uid: str
    primary_key: str | None
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(
        default_factory=lambda: json.loads(json.dumps(DEFAULT_SETTINGS))
    )


@dataclass
class FakeMeili:
    indexes: dict[str, FakeIndex] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    pending: dict[int, Any] = field(default_factory=dict)
    polls: dict[int, int] = field(default_factory=dict)
    log: list[tuple[str, str, Any]] = field(default_factory=list)
    fail_next: set[str] = field(default_factory=set)
    unavailable: bool = False
    next_uid: int = 0

    # ---- tasks ----------------------------------------------------------------------------

    def _task(self, index_uid: str | None, type_: str, apply: Any) -> Response:
        uid = self.next_uid
        self.next_uid += 1
        self.tasks[uid] = {
            "uid": uid,
            "indexUid": index_uid,
            "status": "enqueued",
            "type": type_,
            "details": {},
            "error": None,
            "duration": None,
            "enqueuedAt": _now(),
            "startedAt": None,
            "finishedAt": None,
        }
        self.pending[uid] = apply
        info = {k: self.tasks[uid][k] for k in ("indexUid", "status", "type", "enqueuedAt")}
        return self._json({"taskUid": uid, **info}, 202)

    def _poll(self, uid: int) -> Response:
        task = self.tasks.get(uid)
        if task is None:
            return self._error(404, "task_not_found", f"Task `{uid}` not found.")
        self.polls[uid] = self.polls.get(uid, 0) + 1
        if task["status"] == "enqueued":
            task["status"] = "processing"  # the client must poll again
            task["startedAt"] = _now()
        elif task["status"] == "processing":
            self._finish(task)
        return self._json(task)

    def _finish(self, task: dict[str, Any]) -> None:
        apply = self.pending.pop(task["uid"])
        task["finishedAt"] = _now()
        task["duration"] = "PT0.001S"
        if task["type"] in self.fail_next:
            self.fail_next.discard(task["type"])
            task["status"] = "failed"
            task["error"] = {
                "message": "The fake was told to fail this task.",
                "code": "internal",
                "type": "internal",
                "link": "https://docs.meilisearch.com/errors#internal",
            }
            return
        error = apply()
        if error:
            task["status"] = "failed"
            task["error"] = {
                "message": error,
                "code": "invalid_request",
                "type": "invalid_request",
                "link": "",
            }
        else:
            task["status"] = "succeeded"

    # ---- HTTP -----------------------------------------------------------------------------

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")

    def _error(self, status: int, code: str, message: str) -> Response:
        return self._json(
            {"message": message, "code": code, "type": "invalid_request", "link": ""}, status
        )

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        self.log.append((request.method, request.path, body))
        if self.unavailable:
            return Response("Service Unavailable", status=503)
        if request.headers.get("Authorization") != f"Bearer {MASTER_KEY}":
            return self._error(
                401, "missing_authorization_header", "The Authorization header is missing."
            )
        path, method = request.path.rstrip("/"), request.method
        if path == "/health":
            return self._json({"status": "available"})
        if m := re.fullmatch(r"/tasks/(\d+)", path):
            return self._poll(int(m.group(1)))
        if path == "/indexes" and method == "POST":
            return self._create(body)
        if path == "/swap-indexes" and method == "POST":
            return self._swap(body)
        m = re.fullmatch(r"/indexes/([^/]+)(/.*)?", path)
        if not m:
            return self._error(404, "not_found", "Not found")
        uid, rest = m.group(1), m.group(2) or ""
        index = self.indexes.get(uid)
        if rest == "" and method == "DELETE":
            return self._task(uid, "indexDeletion", lambda: self._delete_index(uid))
        if index is None:
            return self._error(404, "index_not_found", f"Index `{uid}` not found.")
        if rest == "" and method == "GET":
            return self._json(
                {
                    "uid": uid,
                    "primaryKey": index.primary_key,
                    "createdAt": _now(),
                    "updatedAt": _now(),
                }
            )
        if rest == "/settings" and method == "GET":
            return self._json(index.settings)
        if rest == "/settings" and method == "PATCH":
            return self._task(uid, "settingsUpdate", lambda: index.settings.update(body) and None)
        if rest == "/documents" and method in ("POST", "PUT"):
            return self._task(uid, "documentAdditionOrUpdate", lambda: self._add(index, body))
        if rest == "/documents/delete" and method == "POST":
            return self._task(
                uid, "documentDeletion", lambda: self._delete_docs(index, body["filter"])
            )
        if rest == "/search" and method == "POST":
            return self._search(index, body or {})
        if rest == "/stats":
            return self._json(
                {"numberOfDocuments": len(index.docs), "isIndexing": False, "fieldDistribution": {}}
            )
        return self._error(404, "not_found", f"{method} {path}")

    # ---- operations -------------------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> Response:
        uid = body["uid"]

        def apply() -> str | None:
            if uid in self.indexes:
                return f"Index `{uid}` already exists."
            self.indexes[uid] = FakeIndex(uid, body.get("primaryKey"))
            return None

        return self._task(uid, "indexCreation", apply)

    def _delete_index(self, uid: str) -> str | None:
        if self.indexes.pop(uid, None) is None:
            return f"Index `{uid}` not found."
        return None

    def _swap(self, body: list[dict[str, Any]]) -> Response:
        def apply() -> str | None:
            for pair in body:
                a, b = pair["indexes"]
                if a not in self.indexes or b not in self.indexes:
                    return "Indexes not found."
                ia, ib = self.indexes[a], self.indexes[b]
                self.indexes[a], self.indexes[b] = ib, ia
                ia.uid, ib.uid = b, a
            return None

        return self._task(None, "indexSwap", apply)

    def _add(self, index: FakeIndex, docs: list[dict[str, Any]]) -> str | None:
        key = index.primary_key or "id"
        for doc in docs:
            index.docs[str(doc[key])] = doc
        return None

    def _delete_docs(self, index: FakeIndex, expression: str) -> str | None:
        if "id" not in index.settings["filterableAttributes"]:
            return "Attribute `id` is not filterable."
        for key, doc in list(index.docs.items()):
            if _matches_filter(doc, [expression]):
                del index.docs[key]
        return None

    def _search(self, index: FakeIndex, body: dict[str, Any]) -> Response:
        filters = body.get("filter") or []
        for clause in filters:
            attribute = re.match(r"\s*(\w+)", clause).group(1)  # type: ignore[union-attr]
            if attribute not in index.settings["filterableAttributes"]:
                return self._error(
                    400, "invalid_search_filter", f"Attribute `{attribute}` is not filterable."
                )
        words = [w.casefold() for w in re.findall(r"\w+", body.get("q") or "")]
        searchable = index.settings["searchableAttributes"]
        fields = ["title", "question", "solution", "replies"] if searchable == ["*"] else searchable
        found = []
        for doc in index.docs.values():
            if not _matches_filter(doc, filters):
                continue
            text = " ".join(str(doc.get(f, "")) for f in fields).casefold()
            if all(w in text for w in words):
                found.append(doc)
        found.sort(key=lambda d: (-d.get("solved_rank", 0), -d["id"]))
        pre, post = body.get("highlightPreTag", "<em>"), body.get("highlightPostTag", "</em>")

        def mark(text: str) -> str:
            for w in words:
                text = re.sub(f"(?i)({re.escape(w)})", f"{pre}\\1{post}", text)
            return text

        hits = []
        for doc in found:
            shown = {k: v for k, v in doc.items() if k in (body.get("attributesToRetrieve") or doc)}
            formatted = dict(shown)
            for name in body.get("attributesToHighlight") or []:
                formatted[name] = mark(str(doc.get(name, "")))
            for name in body.get("attributesToCrop") or []:
                formatted[name] = mark(
                    " ".join(str(doc.get(name, "")).split()[: body.get("cropLength", 10)])
                )
            hits.append({**shown, "_formatted": formatted})
        if "page" in body:
            per = body.get("hitsPerPage", 20)
            start = (body["page"] - 1) * per
            return self._json(
                {
                    "hits": hits[start : start + per],
                    "query": body.get("q"),
                    "processingTimeMs": 1,
                    "page": body["page"],
                    "hitsPerPage": per,
                    "totalHits": len(hits),
                    "totalPages": -(-len(hits) // per),
                }
            )
        limit = body.get("limit", 20)
        return self._json(
            {
                "hits": hits[:limit],
                "query": body.get("q"),
                "processingTimeMs": 1,
                "limit": limit,
                "offset": 0,
                "estimatedTotalHits": len(hits),
            }
        )


def _matches_filter(doc: dict[str, Any], clauses: list[str]) -> bool:
    """The filter clauses this project sends: IN [...], =, != (ANDed)."""
    for clause in clauses:
        if m := re.fullmatch(r"(\w+) IN \[(.*)\]", clause.strip()):
            wanted = json.loads(f"[{m.group(2)}]")
            value = doc.get(m.group(1))
            values = value if isinstance(value, list) else [value]
            if not set(map(str, values)) & set(map(str, wanted)):
                return False
        elif m := re.fullmatch(r"(\w+) (=|!=) (.*)", clause.strip()):
            value, wanted = doc.get(m.group(1)), json.loads(m.group(3))
            if (str(value).lower() == str(wanted).lower()) != (m.group(2) == "="):
                return False
        else:
            raise ValueError(f"fake Meilisearch does not understand the filter {clause!r}")
    return True
