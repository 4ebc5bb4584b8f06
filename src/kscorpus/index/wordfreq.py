"""Word frequencies kept per segment of the passages index, so that the corpus-wide counts of
collocates (f_y, N) and keyness (the reference side) cost a merge of small tables, not a pass
over every passage's words (``index.wordseq``).

A Whoosh segment's files never change once written, so each segment's table (per language and
year: every word's frequency and the number of tokens, over all its documents, deleted ones
too; by year so that a part of whole years, keyness's commonest, is counted without a pass) is
computed once and kept beside it as ``<segment id>.wfreq``, the segment's own name: Whoosh
removes the file with the segment's when a merge drops it, a new generation hard-links it with
the segment's, and a merged or new segment has a new id, so a table is never reused for other
documents. Deletions are recorded in the index's table of contents, not in the segment, so
they are subtracted at read time: a deleted passage's column value and postings are still in
the segment's files. Tables are written at ingest (``prepare``) or, for an index built before
them, on first use (atomically; an index that cannot be written is counted in memory).
A table that does not belong to its segment or fails its checksum is counted again.
"""

from __future__ import annotations

import marshal
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kscorpus.index import cachefile
from kscorpus.index.whoosh_fast import column_values, column_values_at, doc_ids
from kscorpus.index.wordseq import FIELD

FORMAT = 4  # 2: by language and year; 3: tokens apart; 4: each document's year
SUFFIX = ".wfreq"
BATCH = 4096  # passages joined and split at a time
Years = Callable[[str], bool] | None  # which years (of an article's date) to count


def count_values(values: Iterable[bytes]) -> tuple[Counter[bytes], int]:
    """Every word's frequency over encoded passages, and the number of tokens: counted in C
    (a split of a batch of passages joined, ``Counter.update``)."""
    freq: Counter[bytes] = Counter()
    tokens = 0
    batch: list[bytes] = []
    for value in values:
        if value:
            batch.append(value)
            if len(batch) >= BATCH:
                tokens += _add(freq, batch)
    return freq, tokens + _add(freq, batch)


def _add(freq: Counter[bytes], batch: list[bytes]) -> int:
    if not batch:
        return 0
    words = b" ".join(batch).split(b" ")
    freq.update(words)
    batch.clear()
    return len(words)


@dataclass
class Frequencies:
    """Word frequencies of live passages: the sum of some segment tables less the words of
    their deleted passages. ``freq[w]`` is one word's count (0 if absent); ``counter()``
    merges everything (only what iterates over every word needs it)."""

    tokens: int = 0
    parts: list[dict[bytes, int]] = field(default_factory=list)
    minus: Counter[bytes] = field(default_factory=Counter)

    def __getitem__(self, word: bytes) -> int:
        return sum(p.get(word, 0) for p in self.parts) - self.minus.get(word, 0)

    def counter(self) -> Counter[bytes]:
        out: Counter[bytes] = Counter()
        for part in self.parts:
            out.update(part)
        if self.minus:
            out.subtract(self.minus)
            for word in [w for w, n in out.items() if n <= 0]:
                del out[word]
        return out


def live(handle: Any, lang: str | None = None, years: Years = None) -> Frequencies:
    """The frequencies of every live passage of ``lang`` (None: every language) in
    ``handle``'s passages index, from the segment tables; with ``years``, only of the
    articles whose year (``""``: undated) it admits."""
    return _live(handle, lang, years, words=True)


def live_tokens(handle: Any, lang: str | None = None, years: Years = None) -> int:
    """``live(...).tokens`` without loading the words."""
    return _live(handle, lang, years, words=False).tokens


def _live(handle: Any, lang: str | None, years: Years, words: bool) -> Frequencies:
    out = Frequencies()
    for leaf in leaves(handle):
        table = _table(leaf, handle.path)
        counts = table.counts
        for name in [lang] if lang is not None else sorted(counts):
            for year, (tokens, blob) in sorted(counts.get(name, {}).items()):
                if years is None or years(year):
                    out.tokens += tokens
                    if words:
                        out.parts.append(marshal.loads(blob))
        deleted = sorted(leaf.segment().deleted_docs())
        if deleted and lang is not None:
            mine = set(doc_ids(leaf, "lang", lang.encode("utf-8"), deleted=True))
            deleted = [d for d in deleted if d in mine]
        if deleted and years is not None:
            deleted = [d for d in deleted if years(table.year(d))]
        if deleted:
            gone, tokens = count_values(column_values_at(leaf, FIELD, deleted))
            if words:
                out.minus.update(gone)
            out.tokens -= tokens
    return out


def years_of(handle: Any, leaf: Any) -> Callable[[int], str]:
    """The year (``""``: undated) of a segment's documents, by document number, from its
    table."""
    return _table(leaf, handle.path).year


def _dates(leaf: Any) -> dict[int, str]:
    """The year of each dated document of a segment, deleted ones too: the first four
    characters of its ``date`` term (dates are YYYY, YYYY-MM or YYYY-MM-DD)."""
    out = {}
    for term in leaf.lexicon("date"):
        year = term[:4].decode("utf-8")
        for d in doc_ids(leaf, "date", term, deleted=True):
            out[d] = year
    return out


def live_articles(handle: Any, lang: str | None = None) -> int:
    """How many articles (of ``lang``) have a live passage: what a pass over them sees."""
    seen: set[bytes] = set()
    for leaf in leaves(handle):
        owners = column_values(leaf, "id")
        if lang is not None:
            seen.update(owners[d] for d in doc_ids(leaf, "lang", lang.encode("utf-8")))
        elif leaf.has_deletions():
            deleted = set(leaf.segment().deleted_docs())
            seen.update(o for d, o in enumerate(owners) if d not in deleted)
        else:
            seen.update(owners)
    return len(seen)


def leaves(handle: Any) -> Iterator[Any]:
    """The segment readers of the passages index that hold word sequences."""
    reader = handle.searcher("passages").reader()
    for leaf, _ in reader.leaf_readers():
        if leaf.has_column(FIELD):
            yield leaf


def prepare(index: Any, directory: Path) -> None:
    """Write the table of every segment of the passages ``index`` (a Whoosh index in
    ``directory``) that has none: ingest calls it after a commit, so readers never count.
    Existing tables are not read (at 100,000 articles they are 20 MB)."""
    with index.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            # an old segment's table is there already (a damaged one is counted again by
            # the reader that finds it so)
            if not leaf.has_column(FIELD):  # no passages (an empty corpus's reader)
                continue
            if not (Path(directory) / f"{leaf.segment().segment_id()}{SUFFIX}").exists():
                _table(leaf, directory)


@dataclass(frozen=True)
class Table:
    """One segment's counts, ``{lang: {year: (tokens, marshal of {word: freq})}}`` (the words
    marshalled apart: a count of tokens does not load them), and each document's year as an
    index into ``years`` (two bytes a document: no date postings read again)."""

    counts: dict[str, dict[str, tuple[int, bytes]]]
    years: list[str]
    codes: array[int]

    def year(self, docnum: int) -> str:
        return self.years[self.codes[docnum]]


def _table(leaf: Any, directory: Path) -> Table:
    """A segment's table (``count_segment``): read from its file, or counted (and written)
    when the file is missing, damaged or not this segment's. Kept in memory by segment: a
    command reads it more than once, and a segment's documents never change."""
    segment = leaf.segment()
    key = (FORMAT, segment.segment_id(), segment.doc_count_all())
    path = Path(directory) / f"{segment.segment_id()}{SUFFIX}"
    table = _READ.get((path, key))
    if table is None:
        stored = cachefile.read(path, key)
        if stored is None:
            table = count_segment(leaf)
            cachefile.write(path, key, (table.counts, table.years, table.codes.tobytes()))
        else:
            counts, years, codes = stored
            table = Table(counts, years, array("H", codes))
        if len(_READ) >= 64:
            _READ.clear()
        _READ[path, key] = table
    return table


_READ: dict[tuple[Path, tuple[Any, ...]], Table] = {}


def count_segment(leaf: Any) -> Table:
    """Every document's words in one segment, deleted ones too, counted by language and year
    (``""``: undated)."""
    values = column_values(leaf, FIELD)
    dates = _dates(leaf)
    years = ["", *sorted(set(dates.values()))]
    index = {y: i for i, y in enumerate(years)}
    codes = array("H", bytes(2 * leaf.doc_count_all()))
    for d, y in dates.items():
        codes[d] = index[y]
    counts: dict[str, dict[str, tuple[int, bytes]]] = {}
    for term in leaf.lexicon("lang"):
        by_year: dict[str, list[int]] = {}
        for d in doc_ids(leaf, "lang", term, deleted=True):
            by_year.setdefault(years[codes[d]], []).append(d)
        counts[term.decode("utf-8")] = {
            y: _stored(count_values(values[d] for d in docs)) for y, docs in by_year.items()
        }
    return Table(counts, years, codes)


def _stored(counted: tuple[Counter[bytes], int]) -> tuple[int, bytes]:
    return counted[1], marshal.dumps(dict(counted[0]))
