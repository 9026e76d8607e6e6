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
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import msgpack

MIN_COMPOUND = 8
MIN_PART = 4
# Zipf frequencies (log10 per billion words): 3 is "a word of everyday writing".
PART_ZIPF = 2.5
SHORT_PART_ZIPF = 4.0  # a three-letter head such as "Ruf" or "Fax" must be common
LINKERS = ("", "s", "n", "en", "es", "e")

_words: WordTable | None = None
_words_lock = threading.Lock()
_warming = False

# One slot per value of a hash's top bits: the table's rows of one slot are found without a
# search of the whole table.
_SLOT_BITS = 16
_HASH_MASK = (1 << 64) - 1


class WordTable:
    """The zipf value of each frequent word, without the words: their hashes, sorted, in one
    array, and the frequency band of each in another (~1 MiB). A dict of the 84,000 words
    held them as Python strings, ~7 MiB more in every process that splits (each app process
    and the job worker, issue 21). A word not in the list is taken for one only if its
    64-bit hash equals a listed word's: a chance of 84,000 in 2**64 per look-up."""

    def __init__(self, zipf_by_band: list[float]) -> None:
        self._zipf_by_band = zipf_by_band
        self._hashes = array("Q")
        self._bands = array("H")
        self._slots = array("I")

    @staticmethod
    def _key(word: str) -> int:
        return hash(word) & _HASH_MASK  # str hashes are fixed within a process

    def build(self, rows: Iterator[tuple[str, int]]) -> None:
        """From (word, band) pairs; a word given twice keeps its last band, as a dict would.
        Sorted slot by slot (a counting sort): sorting all rows at once made a Python int
        of each, a peak of ~6 MiB that the allocator then kept."""
        hashes = array("Q")
        bands = array("H")
        for word, band in rows:
            hashes.append(self._key(word))
            bands.append(band)
        shift = 64 - _SLOT_BITS
        slots = array("I", [0]) * ((1 << _SLOT_BITS) + 1)
        for key in hashes:
            slots[(key >> shift) + 1] += 1
        for slot in range(1, len(slots)):
            slots[slot] += slots[slot - 1]
        free = array("I", slots)  # the next row of each slot
        self._hashes = array("Q", [0]) * len(hashes)
        self._bands = array("H", [0]) * len(hashes)
        for key, band in zip(hashes, bands, strict=True):
            row = free[key >> shift]
            free[key >> shift] = row + 1
            self._hashes[row], self._bands[row] = key, band
        for slot in range(1 << _SLOT_BITS):
            start, end = slots[slot], slots[slot + 1]
            if end - start > 1:  # by hash, equal hashes in the order given (last wins in get)
                ordered = sorted(zip(self._hashes[start:end], range(end - start), strict=True))
                self._hashes[start:end] = array("Q", [key for key, _ in ordered])
                self._bands[start:end] = array("H", [self._bands[start + i] for _, i in ordered])
        self._slots = slots

    def __len__(self) -> int:
        return len(self._hashes)

    def get(self, word: str, default: float = 0.0) -> float:
        key = self._key(word)
        slot = key >> (64 - _SLOT_BITS)
        start, end = self._slots[slot], self._slots[slot + 1]
        index = bisect_right(self._hashes, key, start, end) - 1
        if index >= start and self._hashes[index] == key:
            return self._zipf_by_band[self._bands[index]]
        return default


def _frequencies() -> WordTable:
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


def _read_frequent_words(path: Path, min_zipf: float) -> WordTable:
    """The words at least min_zipf frequent, as wordfreq's get_frequency_dict gives them
    (its "cBpack": a header, then one list of words per centibel, most frequent first).
    Read one list at a time and stopped at the first too rare: decoding the whole file,
    as wordfreq does, held all 630,000 words at once (~50 MiB at the peak, which the
    process's allocator then kept) for the 84,000 kept here."""
    least = 10 ** (min_zipf - 9)
    zipf_by_band: list[float] = []

    def rows() -> Iterator[tuple[str, int]]:
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
                zipf_by_band.append(math.log10(freq) + 9)
                for word in unpacker.unpack():
                    if word.isalpha():
                        yield word, index

    table = WordTable(zipf_by_band)
    table.build(rows())
    return table


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
