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

import gzip
import importlib.util
import math
import re
import threading
from functools import lru_cache
from pathlib import Path

import msgpack

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
            _words = _read_frequent_words(_wordlist_file("de"), PART_ZIPF)
        return _words


def _wordlist_file(lang: str) -> Path:
    """wordfreq's "large" list, found without importing wordfreq (its import alone, with
    ftfy, regex and langcodes, costs every process ~10 MiB that the list does not need)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("wordfreq is not installed")
    return Path(spec.submodule_search_locations[0]) / "data" / f"large_{lang}.msgpack.gz"


def _read_frequent_words(path: Path, min_zipf: float) -> dict[str, float]:
    """The words at least min_zipf frequent, as wordfreq's get_frequency_dict gives them
    (its "cBpack": a header, then one list of words per centibel, most frequent first).
    Read one list at a time and stopped at the first too rare: decoding the whole file,
    as wordfreq does, held all 630,000 words at once (~50 MiB at the peak, which the
    process's allocator then kept) for the 84,000 kept here."""
    least = 10 ** (min_zipf - 9)
    words: dict[str, float] = {}
    with gzip.open(path, "rb") as infile:
        unpacker = msgpack.Unpacker(infile, raw=False)
        buckets = unpacker.read_array_header() - 1
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB":
            raise ValueError(f"unexpected word list header: {header!r}")
        for index in range(buckets):
            freq = 10 ** (-index / 100)  # wordfreq's cB_to_freq
            if freq < least:
                break
            zipf = math.log10(freq) + 9
            for word in unpacker.unpack():
                if word.isalpha():
                    words[word] = zipf
    return words


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
