"""Words as the embedded engine sees them: analyzers (German and English stemming), typo
tolerance, the terms of a query, and the highlighted snippets of a hit."""

from __future__ import annotations

import re
from functools import lru_cache

import tantivy

from search.compounds import infinitive, split
from search.documents import (
    MARK_END,
    MARK_START,
)

SNIPPET_WORDS = 28
SNIPPET_SCAN_CHARS = 4000
WORD = re.compile(r"\w+", re.UNICODE)


def _analyzer(language: str, *, stopwords: bool = False) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
    )
    if stopwords:
        builder = builder.filter(tantivy.Filter.stopword(language))
    builder = builder.filter(tantivy.Filter.ascii_fold()).filter(tantivy.Filter.stemmer(language))
    return builder.build()


DE = _analyzer("german")
EN = _analyzer("english")
DE_STOP = _analyzer("german", stopwords=True)
EN_STOP = _analyzer("english", stopwords=True)
FOLD = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .build()
)


def max_typos(word: str) -> int:
    """Meilisearch's default: 1 typo from 5 letters, 2 from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


@lru_cache(maxsize=50_000)
def _stems(word: str) -> tuple[str, ...]:
    return tuple(DE.analyze(word))


@lru_cache(maxsize=10_000)
def is_stopword(word: str) -> bool:
    return not DE_STOP.analyze(word) or not EN_STOP.analyze(word)


def _within(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein (optimal string alignment) distance of a and b is at most limit."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    if limit == 0:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def stems_of_title(text: str) -> list[str]:
    """The stems of a text's words without stop words: what two titles are compared by."""
    return [stem for token in WORD.findall(text) for stem in DE_STOP.analyze(token)]


def stem_of(word: str) -> str:
    stems = _stems(word)
    return stems[0] if stems else word.lower()


class Term:
    """One word of the query as the index sees it."""

    def __init__(self, word: str, *, prefix: bool) -> None:
        self.word = word
        folded = FOLD.analyze(word)
        self.folded = folded[0] if folded else word.lower()
        stems = _stems(word)
        self.stem = stems[0] if stems else self.folded
        en = EN.analyze(word)
        self.en = en[0] if en else self.folded
        self.typos = max_typos(self.folded)
        # Whether to match the parts of the texts' compounds and the forms below.
        self.compounds = True
        # A compound's two parts ("anbieter", "wechsel"), to match texts that spell it apart.
        self.parts = split(word)[:2]
        # A participle's infinitive ("abgelaufen" -> "ablaufen"), to match "läuft ab".
        alternative = infinitive(word)
        self.alternative = stem_of(alternative) if alternative else None
        # A single letter would match half the dictionary.
        self.prefix = prefix and len(self.folded) >= 2

    def like(self, word: str) -> Term:
        """Another word (a synonym) looked for the way this one is."""
        other = Term(word, prefix=False)
        other.compounds = self.compounds
        if not self.compounds:
            other.parts, other.alternative = (), None
        return other

    @property
    def marks_key(self) -> tuple[str, str, int, bool]:
        """All that `matches` depends on: a text is marked the same for two terms with the
        same key (EmbeddedBackend._hit_at keeps marked hits by it)."""
        return (self.folded, self.stem, self.typos, self.prefix)

    def matches(self, token: str) -> bool:
        """Whether a word of a stored text is this term: used to highlight."""
        return _matches(token, self.folded, self.stem, self.typos, self.prefix)


# Highlighting asks this for every word of every snippet and title shown; the same query
# words meet the same text words request after request.
@lru_cache(maxsize=100_000)
def _matches(token: str, folded_term: str, stem: str, typos: int, prefix: bool) -> bool:
    folded = FOLD.analyze(token)
    if prefix and folded and folded[0].startswith(folded_term):
        return True
    stems = _stems(token)
    if stems and _within(stems[0], stem, typos):
        return True
    # "Shop" marks "Onlineshop".
    return any(_within(stem_of(part), stem, typos) for part in split(token))


def query_words(query: str) -> list[str]:
    return WORD.findall(query)[:12]


def _marks(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    if not terms:
        return []
    return [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if any(t.matches(m.group()) for t in terms)
    ]


def mark_all(text: str, terms: list[Term]) -> str:
    out, last = [], 0
    for start, end in _marks(text, terms):
        out += [text[last:start], MARK_START, text[start:end], MARK_END]
        last = end
    out.append(text[last:])
    return "".join(out)


def snippet_of(text: str, terms: list[Term]) -> str:
    """About SNIPPET_WORDS words around the first match, with "…" where text was cut."""
    text = text[:SNIPPET_SCAN_CHARS]
    words = list(WORD.finditer(text))
    if not words:
        return text
    marks = _marks(text, terms)
    first = 0
    if marks:
        first = next(i for i, w in enumerate(words) if w.start() == marks[0][0])
    begin = max(0, first - SNIPPET_WORDS // 3)
    end = min(len(words), begin + SNIPPET_WORDS)
    start_char = 0 if begin == 0 else words[begin].start()
    end_char = len(text) if end == len(words) else words[end - 1].end()
    piece = text[start_char:end_char]
    marked = mark_all(piece, terms)
    return ("… " if start_char else "") + marked + (" …" if end_char < len(text) else "")
