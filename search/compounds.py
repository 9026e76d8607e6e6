"""German compounds and participles, so that a query's words reach a text's forms of them.

"Rufnummernmitnahme" is split into "rufnummern" + "mitnahme", "Onlineshop" into "online" +
"shop": both at index time (the parts go into a field of their own) and at query time (a
compound in the query also matches its parts spread over the text). The splitter uses the
German word frequencies of `wordfreq` (a maintained list from many corpora): a word is a
compound when it can be cut into two frequent words and is itself rarer than both, which
keeps "bestellen" whole although "best" and "ellen" are words too.

A participle is reduced to its infinitive ("abgelaufen" -> "ablaufen"), which stems close
to the forms a text has ("abläuft", "Ablauf")."""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

MIN_COMPOUND = 8
MIN_PART = 4
# Zipf frequencies (log10 per billion words): 3 is "a word of everyday writing".
PART_ZIPF = 2.5
SHORT_PART_ZIPF = 4.0  # a three-letter head such as "Ruf" or "Fax" must be common
LINKERS = ("", "s", "n", "en", "es", "e")

_words: dict[str, float] | None = None
_words_lock = threading.Lock()
_warming = False


def _frequencies() -> dict[str, float]:
    """Zipf values of the German words we may split into, loaded once per process."""
    global _words
    with _words_lock:
        if _words is None:
            from wordfreq import get_frequency_dict, get_frequency_list

            raw = get_frequency_dict("de", wordlist="large")
            _words = {
                w: math.log10(f) + 9
                for w, f in raw.items()
                if f >= 10 ** (PART_ZIPF - 9) and w.isalpha()
            }
            # wordfreq keeps the whole list and dict in its own caches for the process's
            # life: ~50 MiB per app process that the 84,000 words above do not need.
            del raw
            get_frequency_dict.cache_clear()
            get_frequency_list.cache_clear()
        return _words


def warm() -> None:
    """Load the word list in the background (about a second), so the first search after a
    start does not wait for it. Once per process."""
    global _warming
    with _words_lock:
        if _warming or _words is not None:
            return
        _warming = True
    threading.Thread(target=_frequencies, name="wordfreq-load", daemon=True).start()


def _zipf(word: str) -> float:
    return _frequencies().get(word, 0.0)


def _head_base(head: str) -> tuple[str, float]:
    """The head without its linking element ("Zwangs-", "Rufnummern-"), and its zipf."""
    best = ("", 0.0)
    for linker in LINKERS:
        if linker and not head.endswith(linker):
            continue
        base = head[: len(head) - len(linker)] if linker else head
        zipf = _zipf(base)
        if len(base) >= 3 and zipf > best[1]:
            best = (base, zipf)
    return best


@lru_cache(maxsize=100_000)
def split(word: str) -> tuple[str, ...]:
    """The parts of a German compound, lower case, or () when the word is not one."""
    word = word.lower()
    if len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    whole = _zipf(word)
    best: tuple[float, str, str] | None = None
    for cut in range(3, len(word) - MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        base, head_zipf = _head_base(head)
        tail_zipf = _zipf(tail)
        if not base or tail_zipf < PART_ZIPF or head_zipf < PART_ZIPF:
            continue
        if len(base) < MIN_PART and head_zipf < SHORT_PART_ZIPF:
            continue
        score = min(head_zipf, tail_zipf)
        if score <= whole:
            continue  # more common whole than in parts: not used as a compound
        if best is None or score > best[0]:
            best = (score, head, tail)
    if best is None:
        return ()
    _score, head, tail = best
    # Both cuts: "rufnummern" + "mitnahme", and "ruf" + "nummern" inside the head.
    return tuple(dict.fromkeys((head, tail, *split(head), *split(tail))))


# Separable prefixes: "ab|ge|laufen", "an|ge|schlossen", "um|ge|stellt".
_PARTICIPLE = re.compile(
    r"^(ab|an|auf|aus|bei|ein|fest|her|hin|los|mit|nach|um|vor|weg|zu|zurück|)ge(\w{3,}?)(en|et|t)$"
)


@lru_cache(maxsize=20_000)
def infinitive(word: str) -> str | None:
    """The infinitive a participle comes from ("abgelaufen" -> "ablaufen"), or None."""
    match = _PARTICIPLE.match(word.lower())
    if match is None:
        return None
    prefix, stem, _ending = match.groups()
    return f"{prefix}{stem}en"


def parts_text(text: str, words: re.Pattern[str]) -> str:
    """The parts of every compound in a text, space-separated, for the index's parts field."""
    out: list[str] = []
    for token in words.findall(text):
        out.extend(split(token))
    return " ".join(out)
