"""BM25F with each segment's field lengths read once, not once per scored document.

Whoosh's BM25F scorer asks the reader for a document's field length at every match: a seek, a
read and an unpack through four calls, a noticeable part of a search on a large index. A segment
keeps those lengths as one byte per document, so this scorer reads the whole column once per
segment and field, and maps each length byte to BM25's length term through a 256-entry table.
The arithmetic is Whoosh's, in the same order: scores are equal to the last bit (tested).
"""

from __future__ import annotations

import weakref
from array import array
from collections.abc import Sequence
from math import log
from typing import Any

from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

from kscorpus.index.whoosh_fast import live_postings, segment_length_bytes

# reader → field name → the field's length bytes, one per document (gone with the reader)
_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, bytes]] = weakref.WeakKeyDictionary()


class BM25(BM25F):  # type: ignore[misc]
    """Whoosh's ``BM25F`` model, scoring from length bytes read a segment at a time.

    With ``stats`` (``{"docs": n, "lengths": {field: total}}`` of the live documents, recorded
    by the build), the collection statistics count live documents only: Whoosh counts a
    deleted document until its segment is merged away, so an index updated in place would
    rank otherwise than a fresh build of the same corpus. Document frequencies are counted
    the same way (``live_doc_frequency``)."""

    def __init__(self, stats: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stats = stats

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        if self.stats is None:
            return super().idf(searcher, fieldname, text)
        docs = self.stats["docs"]
        if not docs:  # every article removed: terms linger in the segments, nothing matches
            return 0.0
        n = live_doc_frequency(searcher.get_parent().reader(), fieldname, text)
        return log(docs / (n + 1)) + 1  # Whoosh's formula (``Weighting.idf``)

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if type(scorer) is not BM25FScorer:  # an unscored field: Whoosh's weight scorer
            return scorer
        total = self.stats and self.stats["lengths"].get(fieldname)
        if total is not None:  # Whoosh: field length / documents, or 1
            scorer.avgfl = total / (self.stats["docs"] or 1) or 1
        lengths = _length_bytes(searcher.reader(), fieldname)
        return scorer if lengths is None else _Scorer(scorer, lengths)


class _Scorer(BM25FScorer):  # type: ignore[misc]
    """A ``BM25FScorer`` whose per-document part is two lookups."""

    def __init__(self, base: BM25FScorer, lengths: bytes) -> None:
        self.__dict__.update(base.__dict__)  # idf, avgfl, B, K1, qf, dfl, _maxquality
        k1, b, avgfl = self.K1, self.B, self.avgfl
        # bm25() = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))); the last
        # term depends on the document only through its length byte
        self._norm = [k1 * ((1 - b) + b * byte_to_length(i) / avgfl) for i in range(256)]
        self._lengths = lengths
        self._tables: dict[float | None, list[float]] = {}  # scores by length byte, by weight

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        docnum = matcher.id()
        lb = self._lengths[docnum] if docnum < len(self._lengths) else 0
        return self.idf * ((tf * (self.K1 + 1)) / (tf + self._norm[lb]))

    def block_scores(self, ids: Sequence[int], weights: Any) -> list[float]:
        """``score`` of each posting of a block, for ``ranking``: ids and weights as a block
        stores them (weights ``None`` when all are 1.0, one float when all are equal: then
        each score is a table lookup by length byte, the same expression computed once per
        byte value)."""
        lengths = self._lengths
        n = len(lengths)
        if not isinstance(weights, (list, tuple, array)):  # one weight for the whole block
            if ids and ids[-1] < n:
                table = self._tables.get(weights)
                if table is None:
                    tf = 1.0 if weights is None else weights
                    idf, k1 = self.idf, self.K1 + 1
                    table = [idf * ((tf * k1) / (tf + x)) for x in self._norm]
                    self._tables[weights] = table
                return list(map(table.__getitem__, map(lengths.__getitem__, ids)))
            weights = [1.0 if weights is None else weights] * len(ids)
        idf, k1, norm = self.idf, self.K1 + 1, self._norm
        return [
            idf * ((tf * k1) / (tf + norm[lengths[d] if d < n else 0]))
            for d, tf in zip(ids, weights)
        ]


def group_scorer(searcher: Any, weighting: Any, fieldname: str, df: int) -> _Scorer | None:
    """The scorer of a pseudo-term of ``fieldname`` held by ``df`` documents (a translation
    group, ``ranking.Group``): BM25 over this searcher's segment, the idf Whoosh's formula
    gives for ``df`` (live statistics where the build recorded them). None where the field is
    not scored by ``BM25`` (``ranking`` then takes Whoosh's path)."""
    if not isinstance(weighting, BM25) or not searcher.schema[fieldname].scorable:
        return None
    lengths = _length_bytes(searcher.reader(), fieldname)
    if lengths is None:
        return None
    parent = searcher.get_parent()
    docs = weighting.stats["docs"] if weighting.stats else parent.doc_count_all()
    total = weighting.stats and weighting.stats["lengths"].get(fieldname)
    base = BM25FScorer.__new__(BM25FScorer)  # its initializer reads one term's statistics
    base.__dict__.update(
        idf=log(docs / (df + 1)) + 1,  # Whoosh's formula (``Weighting.idf``)
        avgfl=(total / (docs or 1) if total is not None else parent.avg_field_length(fieldname))
        or 1,
        B=weighting.B,
        K1=weighting.K1,
        qf=1,
        _maxquality=None,
    )
    return _Scorer(base, lengths)


def live_doc_frequency(reader: Any, fieldname: str, text: bytes) -> int:
    """Documents holding a term, deleted ones left out (Whoosh's ``doc_frequency`` counts them
    until a merge): a segment with deletions has its posting list read."""
    n = 0
    for leaf, _ in reader.leaf_readers():
        if not leaf.has_deletions():
            n += leaf.doc_frequency(fieldname, text)
        elif (fieldname, text) in leaf:
            n += live_postings(leaf, fieldname, text)
    return n


def _length_bytes(reader: Any, fieldname: str) -> bytes | None:
    """A segment reader's length bytes of ``fieldname``, kept while the reader lives (None
    where the reader is not one segment of Whoosh's own codec: Whoosh's scorer then reads
    lengths itself)."""
    try:
        cache = _LENGTHS.setdefault(reader, {})
    except TypeError:
        return None
    if fieldname not in cache:
        cache[fieldname] = segment_length_bytes(reader, fieldname)
    return cache[fieldname]
