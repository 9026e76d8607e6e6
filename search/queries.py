"""The pieces of the embedded engine's queries: field weights, a word's clauses in every
field, "all words but one" matching, the recency boost and the latest threads."""

from __future__ import annotations

from collections.abc import Sequence

import tantivy

from search.documents import TOTAL_CAP

# The accepted answer weighs almost as much as the question: in a Q&A forum the words of
# the answer ("SPF", "DKIM") are what the next asker types.
TEXT_FIELDS = {"title": 3.0, "question": 2.0, "solution": 1.8, "replies": 0.6}
EN_BOOST = 0.8
# The parts of compounds in title, question and answer ("shop" of "Onlineshop").
PARTS_BOOST = 1.2
# Minimum should match: from this many words on, a thread missing one still ranks.
MOST_WORDS_FROM = 3
MOST_WORDS_UP_TO = 8


def stem_clauses(
    schema: tantivy.Schema, stem: str, typos: int, factor: float = 1.0, *, parts: bool = True
) -> list[tantivy.Query]:
    clauses: list[tantivy.Query] = []
    fields = [*TEXT_FIELDS.items(), *([("parts", PARTS_BOOST)] if parts else [])]
    for name, boost in fields:
        # The exact stem scores above its typo variants, as Meilisearch's "typo" rule does.
        clauses.append(
            tantivy.Query.boost_query(
                tantivy.Query.term_query(schema, name, stem), boost * 1.5 * factor
            )
        )
        if typos:
            clauses.append(
                tantivy.Query.boost_query(
                    tantivy.Query.fuzzy_term_query(schema, name, stem, typos),
                    boost * factor,
                )
            )
    return clauses


def most_words(word_queries: list[tantivy.Query]) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    """All words but one must match ("Fax geht nicht IP Anschluss" finds the fax thread
    that lacks "geht"); every word that matches adds to the score, so threads with all
    words still come first. tantivy-py has no minimum-should-match: the requirement is
    the union of the leave-one-out conjunctions, scored zero."""
    leave_one_out = [
        tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, q) for j, q in enumerate(word_queries) if j != i]
        )
        for i in range(len(word_queries))
    ]
    required = tantivy.Query.const_score_query(
        tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in leave_one_out]), 0.0
    )
    return [
        (tantivy.Occur.Must, required),
        *((tantivy.Occur.Should, q) for q in word_queries),
    ]


# Recency: a thread active within RECENT_DAYS gets RECENT_SCORE added, about what one more
# matching word in the replies adds; enough to order near-equal hits, never to lift a
# thread that matches less above one that matches more.
RECENT_DAYS = 120
RECENT_SCORE = 0.5
DAY = 86_400


def recency_clause(schema: tantivy.Schema, now: int) -> tuple[tantivy.Occur, tantivy.Query]:
    """Threads active in the last RECENT_DAYS days, by the day of their last activity
    (`active_day`): the inverted index's RECENT_DAYS terms hold only the recent threads,
    where a range over the `last_activity` fast field reads every thread's value and so
    grows with the forum."""
    recent = tantivy.Query.range_query(
        schema,
        "active_day",
        tantivy.FieldType.Integer,
        now // DAY - RECENT_DAYS,
        None,
        use_inverted_index=True,
    )
    return tantivy.Occur.Should, tantivy.Query.const_score_query(recent, RECENT_SCORE)


def visibility_filter(schema: tantivy.Schema, keys: Sequence[str]) -> tantivy.Query:
    """The threads any of the viewer's keys may see. Term queries, not a term set: a term
    set first collects every thread holding a key ("public": nearly all of them) into a
    bitset, work that grows with the forum; term queries are only checked at the threads
    the words matched. The score is a constant, so ranking is unchanged."""
    terms = [tantivy.Query.term_query(schema, "visibility", key) for key in keys]
    if not terms:
        return tantivy.Query.empty_query()
    inner = (
        terms[0]
        if len(terms) == 1
        else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
    )
    return tantivy.Query.const_score_query(inner, 1.0)


# The windows of recent activity the latest threads are looked for in first.
LATEST_DAYS = (30, 365)


def latest_threads(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    fixed: list[tuple[tantivy.Occur, tantivy.Query]],
    now: int,
    limit: int,
    offset: int,
) -> tantivy.SearchResult:
    """The latest threads: first among those active in the last month, then the last
    year (LATEST_DAYS), so the cost stays that of a month's threads however old the
    forum is. A window with more than TOTAL_CAP threads holds every page (PAGE_MAX pages
    of per_page fit in TOTAL_CAP) and the count is "over 1,000" anyway; only a smaller
    result is counted over every thread."""
    # The inverted index walks only the window's terms, one per day (`active_day`); the
    # fast field would read every thread's value.
    for days in LATEST_DAYS:
        window = tantivy.Query.range_query(
            schema,
            "active_day",
            tantivy.FieldType.Integer,
            now // DAY - days,
            None,
            use_inverted_index=True,
        )
        query = tantivy.Query.boolean_query([*fixed, (tantivy.Occur.Must, window)])
        result = searcher.search(
            query, limit, count=True, order_by_field="last_activity", offset=offset
        )
        if hit_count(result) > TOTAL_CAP and offset + limit <= TOTAL_CAP:
            return result
    query = tantivy.Query.boolean_query([*fixed, (tantivy.Occur.Must, tantivy.Query.all_query())])
    return searcher.search(query, limit, count=True, order_by_field="last_activity", offset=offset)


def hit_count(result: tantivy.SearchResult) -> int:
    # The stubs shipped with tantivy-py 0.27 lack `count`, which search(count=True) sets.
    return int(result.count or 0)  # type: ignore[attr-defined]
