"""The embedded engine: tantivy in-process, an index folder beside the SQLite file.

It follows Meilisearch's behaviour where a user notices it: every word must match (with
a fallback to any word when nothing does), one typo in words of 5+ letters and two in
words of 9+, the last word matches as a prefix while typing, German and English stemming,
synonyms, highlighted snippets, and the same filters and visibility rule.

The folder holds one index per build (`v<schema>-<stamp>/`) and a `CURRENT` file naming
the one in use; a reindex builds a new folder and replaces `CURRENT` atomically.

One process writes, any number read. The writer holds an exclusive `flock` on
`WRITER.lock` in the folder for as long as it lives (`claim_writer`, and before any write);
a second process that tries to write is refused with `IndexLocked`. Readers in other
processes open the same files and follow the writer's commits (the index's meta file
changed: reloaded on the next search, `_follow_commits`) and its swaps (`CURRENT`)."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import tantivy

from search import compounds, upkeep
from search.compounds import parts_text
from search.documents import (
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
from search.matching import Words
from search.queries import (
    DAY,
    MOST_WORDS_FROM,
    MOST_WORDS_UP_TO,
    TEXT_FIELDS,
    hit_count,
    latest_threads,
    most_words,
    recency_clause,
    visibility_filter,
)
from search.words import (
    DE,
    EN,
    WORD,
    Term,
    is_stopword,
    mark_all,
    query_words,
    snippet_of,
)

# 2: the parts field (compound parts), kudos in the boost, duplicate_of.
# 3: active_day (the day of last activity, for the recency boost).
SCHEMA_VERSION = "3"
CURRENT = "CURRENT"
WRITER_LOCK = "WRITER.lock"
# Folding looks at this many hits beyond the page, so copies below it still fold.
FOLD_WINDOW = 40
# What a process keeps of one state of the index (`_Generation`): the folding fields of
# this many hits (~450 bytes each), the folded groups of this many windows of hits (~8 KiB
# each), and this many hits shown, marked for a query's words (~750 bytes each): ~2.2 MiB
# at most (tracemalloc, 200 searches for different words).
KEPT_HITS = 2048
KEPT_FOLDS = 64
KEPT_SHOWN = 1024
# A reader looks at the index's meta file on every search (one stat) and also compares its
# content at least this often: as tantivy's own watcher did, which polled every 500 ms.
RECHECK_SECONDS = 0.5
# More threads than this matching the words as typed, and typo variants are not searched
# (EmbeddedBackend._ranked). The cap: past it the count is "over 1,000" either way, and
# under the typo rule every page one can reach holds only threads that match as typed.
TYPED_ONLY_ABOVE = TOTAL_CAP
# At most this many words for a search on the caller's event loop (search_at_once): one or
# two take ~1 ms; a dozen with typos took ~20 ms, a pause for every other request.
AT_ONCE_WORDS = 2


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        b.add_text_field(name, stored=True, tokenizer_name="de")
    b.add_text_field("en", stored=False, tokenizer_name="en")
    b.add_text_field("parts", stored=False, tokenizer_name="de")
    b.add_text_field("board_slug", stored=True, tokenizer_name="raw")
    b.add_integer_field("board_id", stored=True, indexed=True, fast=True)
    b.add_text_field("kind", stored=True, tokenizer_name="raw")
    b.add_text_field("solved", stored=True, tokenizer_name="raw")
    b.add_text_field("visibility", stored=True, tokenizer_name="raw")
    for name in ("created", "last_activity", "kudos", "reply_count"):
        b.add_integer_field(name, stored=True, indexed=True, fast=True)
    b.add_integer_field("active_day", stored=False, indexed=True, fast=False)
    # weight_by_field multiplies the score by log2(2 + boost): solved threads, then threads
    # with kudos win ties.
    b.add_float_field("boost", stored=False, fast=True)
    b.add_integer_field("duplicate_of", stored=True, indexed=False)
    return b.build()


SCHEMA = _schema()


class IndexLocked(SearchError):
    """Another process is the writer of this index."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(f"the search index in {path} is written by another process ({holder})")


# The writer locks this process holds, by index folder: (pid, fd). One file descriptor per
# folder and process, since flock conflicts between two descriptors even in one process.
_writer_locks: dict[Path, tuple[int, int]] = {}
_writer_locks_guard = threading.Lock()


def claim_writer(path: Path) -> bool:
    """Make this process the only writer of the index in `path`, until it exits or
    `release_writer`; raises IndexLocked when another process already is. The kernel drops
    the lock when the process dies, so a crashed writer never blocks its successor.
    True when the claim is new (not already held by this process)."""
    key = Path(path).resolve()
    with _writer_locks_guard:
        held = _writer_locks.get(key)
        if held is not None and held[0] == os.getpid():
            return False
        # A forked child inherits the parent's descriptor, not its role: it claims anew.
        key.mkdir(parents=True, exist_ok=True)
        fd = os.open(key / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexLocked(key, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        _writer_locks[key] = (os.getpid(), fd)
        return True


def holds_writer(path: Path) -> bool:
    held = _writer_locks.get(Path(path).resolve())
    return held is not None and held[0] == os.getpid()


def release_writer(path: Path) -> None:
    key = Path(path).resolve()
    with _writer_locks_guard:
        held = _writer_locks.pop(key, None)
        if held is not None and held[0] == os.getpid():
            os.close(held[1])  # closing the only descriptor releases the flock


def _unix_now() -> int:
    return int(time.time())


# A window of hits folded: per group, the address of the hit shown and the others' ids.
Folded = tuple[tuple[tantivy.DocAddress, tuple[int, ...]], ...]


class _Generation:
    """One state of the index as this process reads it: its searcher, and what the searches
    took from its stored documents. A document's address (segment, doc) names the same
    document for as long as the searcher is the same, so the folding fields of a hit and
    the groups of a window of hits are read and folded once per state, not per search: the
    best 60 hits of a popular query are mostly the same request after request. A commit or
    a swap begins a new generation with nothing kept (`EmbeddedBackend._reload`)."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self.searcher = searcher
        self.candidates: dict[tuple[int, int], Candidate] = {}
        self.folds: dict[tuple[tuple[int, int], ...], Folded] = {}
        self.hits: dict[tuple[Any, ...], Hit] = {}


def _content(path: str) -> bytes | None:
    """A file's bytes, or None without it."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def _identity(path: str) -> tuple[int, int, int, int] | None:
    """A file's inode, change and modification times and size, or None without it.
    Files the engine replaces by renaming a new one over them (CURRENT, tantivy's
    meta.json) get another inode with every write, while the old one is still linked; an
    inode number can only come back two writes later, with new times."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_ctime_ns, st.st_mtime_ns, st.st_size)


class EmbeddedBackend:
    def __init__(
        self,
        path: Path,
        *,
        synonyms: dict[str, list[str]] | None = None,
        clock: Callable[[], int] = _unix_now,
    ) -> None:
        self.path = Path(path)
        self.synonyms = synonyms or {}
        self._words = Words(SCHEMA, self.synonyms)
        self._clock = clock
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._current: str | None = None
        # CURRENT's identity when `_current` was read from it (`_find_index`).
        self._current_file = str(self.path / CURRENT)
        self._current_seen: tuple[int, int, int, int] | None = None
        # The open index's meta file, as it was when its searcher was last reloaded.
        self._meta_file = ""
        self._meta_seen: tuple[int, int, int, int] | None = None
        self._meta_text = b""
        self._meta_checked = 0.0
        self._generation: _Generation | None = None
        self._health = upkeep.WriteHealth()

    # ---- the index folder -------------------------------------------------------------

    def _read_current(self) -> str | None:
        try:
            name = (self.path / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        return name if name.startswith(f"v{SCHEMA_VERSION}-") else None

    def _new_folder(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        folder = self.path / f"v{SCHEMA_VERSION}-{time.time_ns()}"
        folder.mkdir()
        return folder

    def _open(self, folder: Path, *, create: bool = True) -> tantivy.Index:
        if create:
            index = tantivy.Index(SCHEMA, path=str(folder), reuse=True)
        else:
            index = tantivy.Index.open(str(folder))
        index.register_tokenizer("de", DE)
        index.register_tokenizer("en", EN)
        # Reloaded by `_reload` only, when the meta file changed: a searcher that never
        # changes behind our back is what lets `_Generation` keep what it read.
        index.config_reader(reload_policy="Manual")
        return index

    def _point_to(self, folder: Path) -> None:
        tmp = self.path / f"{CURRENT}.{os.getpid()}.tmp"
        tmp.write_text(folder.name)
        os.replace(tmp, self.path / CURRENT)  # atomic: readers see the old or the new name

    def claim_writer(self) -> None:
        """Become the one process that writes this index (see `claim_writer`); a new writer
        first clears away what a killed one left (a reindex's unfinished build folder)."""
        if claim_writer(self.path):
            raw = (self.path / CURRENT).read_text().strip() if self._read_current() else None
            upkeep.remove_orphans(self.path, raw, CURRENT)

    def write_problem(self) -> str | None:
        """Why index writes fail now (search then answers from an older index), or None."""
        current = self._read_current()
        return self._health.problem(self.path / current if current else self.path)

    def release_writer(self) -> None:
        release_writer(self.path)

    def _find_index(self) -> tantivy.Index | None:
        """The index CURRENT names, or None before the writer created one. The writer (or
        `community reindex`) may have swapped it since the last call."""
        with self._lock:
            for _attempt in range(3):
                # Every search asks which index is current: one stat instead of reading CURRENT.
                seen = _identity(self._current_file)
                if seen is None:
                    return None
                if self._index is not None and seen == self._current_seen:
                    return self._index
                current = self._read_current()
                if current is None:
                    return None
                if self._index is not None and current == self._current:
                    self._current_seen = seen
                    return self._index
                try:
                    # Never created here: the folder may be one a reindex just removed.
                    opened = self._open(self.path / current, create=False)
                except ValueError:
                    opened = None
                # Taken only with a searcher of its own: the last generation belongs to the
                # index before, and must not be searched as if it were this one.
                if opened is None or not self._reload(opened, self.path / current):
                    time.sleep(0.05)  # CURRENT names the new folder in a moment
                    continue
                self._index, self._current, self._current_seen = opened, current, seen
                return self._index
            raise SearchError(f"the search index in {self.path} cannot be opened")

    def _get_index(self) -> tantivy.Index:
        """The index to write to, created if there is none yet; only the writer gets here."""
        self.claim_writer()
        with self._lock:
            index = self._find_index()
            if index is None:
                folder = self._new_folder()
                index = self._open(folder)
                self._point_to(folder)
                if not self._reload(index, folder):
                    raise SearchError(f"the new search index in {folder} cannot be read")
                self._index, self._current = index, folder.name
            return index

    def _reload(self, index: tantivy.Index, folder: Path | None = None) -> bool:
        """A new generation from what the index holds now; False when its files went away
        under the reload (a reindex removing the folder): then nothing changes but that the
        next search tries again, as tantivy's own watcher kept the last searcher when its
        reload failed. The meta file is looked at before the reload: a commit after it
        changes the file again, and is followed."""
        meta_file = str(folder / "meta.json") if folder is not None else self._meta_file
        seen = _identity(meta_file)
        text = _content(meta_file) or b""
        try:
            index.reload()
            generation = _Generation(index.searcher())
        except ValueError:
            self._meta_seen, self._meta_text = None, b""
            return False
        self._meta_file, self._meta_seen, self._meta_text = meta_file, seen, text
        self._meta_checked = time.monotonic()
        self._generation = generation
        return True

    def _follow_commits(self, index: tantivy.Index) -> _Generation:
        """The current generation, after a reload when the writer (perhaps in another
        process) committed since."""
        if self._committed_since():
            self._reload(index)  # if it fails: searched as it was, tried again next time
        assert self._generation is not None  # made with the index (`_find_index`)
        return self._generation

    def _committed_since(self) -> bool:
        """Whether the meta file has another identity than at the last reload, or, looked
        at every RECHECK_SECONDS, other content."""
        seen = _identity(self._meta_file)
        changed = seen is not None and seen != self._meta_seen
        if not changed and time.monotonic() - self._meta_checked > RECHECK_SECONDS:
            # A reindex removed the folder (None): CURRENT tells the next search.
            content = _content(self._meta_file)
            changed = content is not None and content != self._meta_text
            self._meta_checked = time.monotonic()
        return changed

    def _read(self) -> _Generation | None:
        """The generation to search, or None before the writer created the index."""
        with self._lock:
            index = self._find_index()
            return self._follow_commits(index) if index is not None else None

    def _at_hand(self) -> _Generation | None:
        """The generation to search if that needs no wait: None when another thread holds
        the index (a write, a swap) or it is to be opened first (the first search, a swap)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            index = self._index
            if index is None or _identity(self._current_file) != self._current_seen:
                return None
            # Reading the meta file, and a reload, are left to a thread: files are read.
            if time.monotonic() - self._meta_checked > RECHECK_SECONDS or self._committed_since():
                return None
            assert self._generation is not None  # made with the index (`_find_index`)
            return self._generation
        finally:
            self._lock.release()

    def _searcher(self) -> tantivy.Searcher | None:
        generation = self._read()
        return generation.searcher if generation is not None else None

    def ensure(self) -> None:
        """Creates the index in the writer process; elsewhere the writer will."""
        compounds.warm()
        if holds_writer(self.path):
            self._get_index()

    # ---- writing ---------------------------------------------------------------------------

    @staticmethod
    def _tantivy_doc(doc: ThreadDocument) -> tantivy.Document:
        return tantivy.Document(
            id=doc.id,
            title=doc.title,
            question=doc.question,
            solution=doc.solution,
            replies=doc.replies,
            en=" ".join((doc.title, doc.question, doc.solution)),
            parts=parts_text(" ".join((doc.title, doc.question, doc.solution)), WORD),
            board_slug=doc.board_slug,
            board_id=doc.board_id,
            kind=doc.kind,
            solved="1" if doc.solved else "0",
            visibility=list(doc.visibility),
            created=doc.created,
            last_activity=doc.last_activity,
            active_day=doc.last_activity // DAY,
            kudos=doc.kudos,
            reply_count=doc.reply_count,
            boost=(0.15 if doc.solved else 0.0) + 0.01 * min(doc.kudos, 5),
            duplicate_of=doc.duplicate_of or 0,
        )

    def _write(self, ids: Sequence[int], documents: Sequence[ThreadDocument]) -> None:
        try:
            self._write_batch(ids, documents)
        except (OSError, ValueError, SearchError) as exc:
            self._health.failed(exc)
            raise
        self._health.succeeded()

    def _write_batch(self, ids: Sequence[int], documents: Sequence[ThreadDocument]) -> None:
        with self._lock:
            index = self._get_index()
            try:
                # A writer per batch: the index lock is held only while writing, so another
                # process (a separate worker) can write between our batches.
                writer = index.writer(heap_size=15_000_000, num_threads=1)
            except ValueError as exc:
                raise SearchError(f"search index is busy: {exc}") from exc
            try:
                for doc_id in ids:
                    writer.delete_documents_by_term("id", doc_id)
                for doc in documents:
                    writer.add_document(self._tantivy_doc(doc))
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            self._reload(index)

    def upsert(self, documents: Sequence[ThreadDocument]) -> None:
        if documents:
            self._write([d.id for d in documents], documents)

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._write(ids, [])

    def reindex(self, documents: Iterable[ThreadDocument]) -> int:
        self.claim_writer()
        folder = self._new_folder()
        index = self._open(folder)
        writer = index.writer(heap_size=200_000_000, num_threads=0)
        count = 0
        try:
            for doc in documents:
                writer.add_document(self._tantivy_doc(doc))
                count += 1
            writer.commit()
        except BaseException:
            writer.rollback()
            writer.wait_merging_threads()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        writer.wait_merging_threads()
        with self._lock:
            old = self._read_current()
            self._point_to(folder)
            self._index = None
            self._current = None
        if old and old != folder.name:
            # Open readers elsewhere keep their files (POSIX): removing is safe.
            shutil.rmtree(self.path / old, ignore_errors=True)
        return count

    # ---- reading ---------------------------------------------------------------------------

    @staticmethod
    def _filter_clauses(
        filters: Filters, visibility: Sequence[str] | None
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        out: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if visibility is not None:
            out.append((tantivy.Occur.Must, visibility_filter(SCHEMA, visibility)))
        if filters.board:
            out.append(
                (tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, "board_slug", filters.board))
            )
        if filters.kind:
            out.append((tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, "kind", filters.kind)))
        if filters.solved is not None:
            value = "1" if filters.solved else "0"
            out.append((tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, "solved", value)))
        return out

    def _terms(self, query: str) -> list[Term]:
        words = query_words(query)
        typing = bool(query) and not query[-1].isspace()
        terms = []
        for i, word in enumerate(words):
            last = i == len(words) - 1
            # A stop word is skipped unless it is all there is, or still being typed.
            if is_stopword(word) and not (last and typing) and len(words) > 1:
                continue
            terms.append(Term(word, prefix=last and typing))
        return terms

    def _run(
        self,
        searcher: tantivy.Searcher,
        terms: list[Term],
        fixed: list[tuple[tantivy.Occur, tantivy.Query]],
        *,
        all_words: bool,
        limit: int,
        offset: int,
        typos: bool = True,
    ) -> tantivy.SearchResult:
        occur = tantivy.Occur.Must if all_words else tantivy.Occur.Should
        word_queries = [self._words.query(t, typos=typos) for t in terms]
        words = [(occur, q) for q in word_queries]
        if all_words and MOST_WORDS_FROM <= len(words) <= MOST_WORDS_UP_TO:
            words = most_words(word_queries)
        if not words:
            return latest_threads(searcher, SCHEMA, fixed, self._clock(), limit, offset)
        recent = recency_clause(SCHEMA, self._clock())
        if all_words:
            query = tantivy.Query.boolean_query([*words, *fixed, recent])
        else:
            inner = tantivy.Query.boolean_query(words)
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, inner), *fixed, recent])
        return searcher.search(query, limit, count=True, offset=offset, weight_by_field="boost")

    def _ranked(
        self,
        searcher: tantivy.Searcher,
        terms: list[Term],
        fixed: list[tuple[tantivy.Occur, tantivy.Query]],
        *,
        all_words: bool,
        limit: int,
        offset: int,
        share: float = 1.0,
    ) -> tuple[tantivy.SearchResult, float]:
        """The best threads with all the words (from three words on, all but one) or,
        without `all_words`, with any of them.

        Meilisearch ranks every thread that matches the words as typed above those that
        match only with a typo (its "typo" rule). So when more than TOTAL_CAP threads match
        without typos, every page people can reach holds only those, and the count is
        "over 1,000" either way: then the typo variants, whose matching costs the most and
        grows with the forum, are not looked for. The term dictionary's document
        frequencies tell, without reading any posting, when that is likely; the count
        of the query without typos decides.

        `share`: the part of the estimate that filters and visibility let through, as
        an earlier query observed it; returned, updated, for the next."""
        most = all_words and MOST_WORDS_FROM <= len(terms) <= MOST_WORDS_UP_TO
        estimate = 0.0
        if terms and self._words.has_typo_clauses(terms):
            estimate = self._words.typed_estimate(searcher, terms, all_words=all_words, most=most)
        if estimate * share > TYPED_ONLY_ABOVE:
            result = self._run(
                searcher, terms, fixed, all_words=all_words, limit=limit, offset=offset, typos=False
            )
            if hit_count(result) > TYPED_ONLY_ABOVE:
                return result, share
            share = min(share, hit_count(result) / estimate)
        result = self._run(searcher, terms, fixed, all_words=all_words, limit=limit, offset=offset)
        return result, share

    def search(
        self,
        query: str,
        *,
        filters: Filters,
        visibility: Sequence[str] | None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults:
        generation = self._read()
        if generation is None:  # the writer has not created the index yet
            return SearchResults(hits=[], total=0, page=page, per_page=per_page)
        return self._search(generation, query, filters, visibility, page, per_page)

    def search_at_once(
        self,
        query: str,
        *,
        filters: Filters,
        visibility: Sequence[str] | None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults | None:
        """`search`, unless it would wait for a lock, open or reload an index first, or
        has more than AT_ONCE_WORDS words (None): for a caller that must not wait, such as
        an event loop (community/api/search.py), which nothing else runs on meanwhile."""
        if len(query.split()) > AT_ONCE_WORDS:
            return None
        generation = self._at_hand()
        if generation is None:
            return None
        return self._search(generation, query, filters, visibility, page, per_page)

    def _search(
        self,
        generation: _Generation,
        query: str,
        filters: Filters,
        visibility: Sequence[str] | None,
        page: int,
        per_page: int,
    ) -> SearchResults:
        searcher = generation.searcher
        terms = self._terms(query)
        fixed = self._filter_clauses(filters, visibility)
        offset = (max(page, 1) - 1) * per_page
        # With words, hits are folded: the page is cut from the folded list of the best
        # offset + per_page + FOLD_WINDOW hits.
        window = offset + per_page + FOLD_WINDOW if terms else per_page
        start = 0 if terms else offset
        result, share = self._ranked(
            searcher, terms, fixed, all_words=True, limit=window, offset=start
        )
        if hit_count(result) == 0 and len(terms) > 1:
            # Like Meilisearch's matching strategy "last": rather some words than nothing.
            # The share of the estimate the filters left for all words: with none, most
            # likely none for any word either, and the query without typos is skipped.
            result, _ = self._ranked(
                searcher, terms, fixed, all_words=False, limit=window, offset=0, share=share
            )
        if not terms:
            hits = [self._hit_at(generation, address, terms) for _score, address in result.hits]
            total, capped = capped_total(hit_count(result))
            return SearchResults(hits, total, page, per_page, total_capped=capped)
        groups = self._folded(generation, [address for _score, address in result.hits])
        hits = [
            replace(
                self._hit_at(generation, shown, terms),
                similar_count=len(similar_ids),
                similar_ids=similar_ids,
            )
            for shown, similar_ids in groups[offset : offset + per_page]
        ]
        total, capped = capped_total(hit_count(result), len(result.hits) - len(groups))
        return SearchResults(hits, total, page, per_page, total_capped=capped)

    def _folded(self, generation: _Generation, found: list[tantivy.DocAddress]) -> Folded:
        """The hits folded, best first: per group the address of the hit shown and the ids
        of the others; once per generation and window of hits (`_Generation`)."""
        window = tuple((address.segment_ord, address.doc) for address in found)
        folds = generation.folds
        kept = folds.get(window)
        if kept is not None:
            return kept
        candidates = [
            self._candidate(generation, address, key, position)
            for position, (address, key) in enumerate(zip(found, window, strict=True))
        ]
        where = {c.id: address for c, address in zip(candidates, found, strict=True)}
        folded = tuple(
            (where[group.shown.id], tuple(group.similar_ids)) for group in fold(candidates)
        )
        if len(folds) >= KEPT_FOLDS:
            folds.clear()
        folds[window] = folded
        return folded

    def _candidate(
        self,
        generation: _Generation,
        address: tantivy.DocAddress,
        key: tuple[int, int],
        position: int,
    ) -> Candidate:
        kept = generation.candidates.get(key)
        if kept is None:
            doc = generation.searcher.doc(address)
            kept = Candidate(
                id=int(self._first(doc, "id")),
                title=self._first(doc, "title", ""),
                solved=self._first(doc, "solved") == "1",
                visibility=tuple(sorted(doc.get_all("visibility"))),
                position=0,
                duplicate_of=int(self._first(doc, "duplicate_of", 0)) or None,
            )
            if len(generation.candidates) >= KEPT_HITS:
                generation.candidates.clear()
            generation.candidates[key] = kept
        return Candidate(
            kept.id, kept.title, kept.solved, kept.visibility, position, kept.duplicate_of
        )

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
        terms = self._terms(f"{title} {text[:500]} ".strip() + " ")
        searcher = self._searcher() if terms else None
        if searcher is None:
            return []
        for term in terms:
            # Up to a dozen words while typing, against every thread: compound parts (long
            # posting lists, fuzzy) and participles would double the time; the search page
            # has them.
            term.compounds = False
            term.parts, term.alternative = (), None
        fixed = self._filter_clauses(Filters(kind=kind), visibility)
        if exclude_id is not None:
            fixed.append(
                (tantivy.Occur.MustNot, tantivy.Query.term_query(SCHEMA, "id", exclude_id))
            )
        result = self._run(searcher, terms, fixed, all_words=False, limit=limit, offset=0)
        return [self._hit(searcher.doc(address), terms) for _score, address in result.hits]

    def stats(self) -> dict[str, Any]:
        searcher = self._searcher()
        if searcher is None:
            return {"engine": "tantivy", "documents": 0, "segments": 0, "path": str(self.path)}
        return {
            "engine": "tantivy",
            "documents": searcher.num_docs,
            "segments": searcher.num_segments,
            "path": str(self.path / (self._current or "")),
        }

    # ---- results -----------------------------------------------------------------------------

    @staticmethod
    def _first(doc: tantivy.Document, name: str, default: Any = None) -> Any:
        values = doc.get_all(name)
        return values[0] if values else default

    def _hit_at(
        self, generation: _Generation, address: tantivy.DocAddress, terms: list[Term]
    ) -> Hit:
        """The hit at this address with the terms marked; once per generation, address and
        the terms as marking sees them (a page of 20 hits shown again costs 20 snippets)."""
        key = (address.segment_ord, address.doc, *(t.marks_key for t in terms))
        hit = generation.hits.get(key)
        if hit is None:
            hit = self._hit(generation.searcher.doc(address), terms)
            if len(generation.hits) >= KEPT_SHOWN:
                generation.hits.clear()
            generation.hits[key] = hit
        return hit

    def _hit(self, doc: tantivy.Document, terms: list[Term]) -> Hit:
        title = self._first(doc, "title", "")
        snippet = ""
        for name in ("question", "solution", "replies"):
            snippet = snippet_of(self._first(doc, name, ""), terms)
            if MARK_START in snippet:
                break
        if MARK_START not in snippet:
            snippet = snippet_of(self._first(doc, "question", ""), [])
        return Hit(
            id=int(self._first(doc, "id")),
            title=title,
            title_html=marked_to_html(mark_all(title, terms)),
            snippet_html=marked_to_html(snippet),
            board_slug=self._first(doc, "board_slug", ""),
            kind=self._first(doc, "kind", ""),
            solved=self._first(doc, "solved") == "1",
            last_activity=int(self._first(doc, "last_activity", 0)),
            kudos=int(self._first(doc, "kudos", 0)),
            reply_count=int(self._first(doc, "reply_count", 0)),
        )
