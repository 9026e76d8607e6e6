"""The query for one word of a search, in every field and form (stem, typos, prefix,
compound parts, infinitive, English stem, synonyms), and an estimate of the threads the
words match as typed, read from the term dictionary."""

from __future__ import annotations

import tantivy

from search.queries import EN_BOOST, TEXT_FIELDS, stem_clauses
from search.words import Term, max_typos, query_words, stem_of

# The terms looked at for the prefix of the word being typed.
PREFIX_TERMS_MAX = 50
# Word queries kept, built (~15-30 us each): the same words are searched again and again.
KEPT_QUERIES = 2000


class Words:
    """Builds the queries of a search's words against one index schema."""

    def __init__(self, schema: tantivy.Schema, synonyms: dict[str, list[str]]) -> None:
        self.schema = schema
        self.synonyms = synonyms
        self._kept: dict[tuple[object, ...], tantivy.Query] = {}

    def synonyms_of(self, term: Term) -> list[str]:
        return self.synonyms.get(term.word.lower()) or self.synonyms.get(term.folded) or []

    def compound_query(self, term: Term, *, typos: bool) -> tantivy.Query:
        """A compound of the query ("Anbieterwechsel") found as its parts in a text
        ("den Anbieter wechseln"): each part in any field."""
        parts = [
            tantivy.Query.disjunction_max_query(
                stem_clauses(self.schema, stem_of(part), max_typos(part) if typos else 0, 0.7),
                0.1,
            )
            for part in term.parts
        ]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in parts])

    def query(self, term: Term, *, synonyms: bool = True, typos: bool = True) -> tantivy.Query:
        """The word in any field: as typed and stemmed, as its compound parts, its
        synonyms and, with `typos`, with the typos Meilisearch allows. Built once per word
        and way of looking for it (everything the query is made of follows from the key):
        a query is only read by the searches that use it."""
        key = (
            term.word,
            term.prefix,
            term.compounds,
            term.parts,
            term.alternative,
            synonyms,
            typos,
        )
        query = self._kept.get(key)
        if query is None:
            query = self._query(term, synonyms=synonyms, typos=typos)
            if len(self._kept) >= KEPT_QUERIES:
                self._kept.clear()
            self._kept[key] = query
        return query

    def _query(self, term: Term, *, synonyms: bool, typos: bool) -> tantivy.Query:
        schema = self.schema
        clauses = stem_clauses(schema, term.stem, term.typos if typos else 0, parts=term.compounds)
        if term.alternative:
            alternative_typos = max_typos(term.alternative) if typos else 0
            clauses += stem_clauses(schema, term.alternative, alternative_typos, 0.8)
        if term.parts:
            clauses.append(self.compound_query(term, typos=typos))
        for name, boost in TEXT_FIELDS.items():
            if term.prefix:
                clauses.append(
                    tantivy.Query.boost_query(
                        tantivy.Query.fuzzy_term_query(schema, name, term.folded, 0, prefix=True),
                        boost,
                    )
                )
        clauses.append(
            tantivy.Query.boost_query(tantivy.Query.term_query(schema, "en", term.en), EN_BOOST)
        )
        query = tantivy.Query.disjunction_max_query(clauses, 0.2)
        alternatives = self.synonyms_of(term) if synonyms else []
        if not alternatives:
            return query
        options: list[tuple[tantivy.Occur, tantivy.Query]] = [(tantivy.Occur.Should, query)]
        for phrase in alternatives:
            words = query_words(phrase)
            if not words:
                continue
            parts = [
                (tantivy.Occur.Must, self.query(term.like(w), synonyms=False, typos=typos))
                for w in words
            ]
            options.append((tantivy.Occur.Should, tantivy.Query.boolean_query(parts)))
        return tantivy.Query.boolean_query(options)

    def has_typo_clauses(self, terms: list[Term]) -> bool:
        """Whether the query with typos differs from the one without: a word (or one of its
        parts, its infinitive or a synonym) long enough for a typo."""
        return any(t.typos or t.parts or t.alternative or self.synonyms_of(t) for t in terms)

    # ---- how many threads the words match as typed ------------------------------------

    def typed_estimate(
        self, searcher: tantivy.Searcher, terms: list[Term], *, all_words: bool, most: bool
    ) -> float:
        """About how many threads match the words as typed (no typos), from the term
        dictionary's document frequencies alone, no posting read: per word the field
        that holds it most often; for all words the rarest word (the second rarest when
        all but one must match), for any word the most frequent. Filters are left out:
        words cluster in boards, so a board's share of all threads says little. Only
        chooses which query runs first; the counts come from the index."""
        words = sorted(self._word_estimate(searcher, t) for t in terms)
        if not words:
            return 0
        if not all_words:
            return words[-1]
        return words[1] if most and len(words) > 1 else words[0]

    def _word_estimate(self, searcher: tantivy.Searcher, term: Term) -> float:
        counts = [searcher.doc_freq(name, term.stem) for name in (*TEXT_FIELDS, "parts")]
        counts.append(searcher.doc_freq("en", term.en))
        if term.prefix:
            for name in TEXT_FIELDS:
                found = searcher.terms_with_prefix(name, term.folded, limit=PREFIX_TERMS_MAX)
                counts += [count for _term, count in found]
        return max(counts)
