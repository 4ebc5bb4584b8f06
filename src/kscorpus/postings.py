"""Whoosh's posting pool and posting-list writer, a term at a time instead of a posting at a time.

Whoosh pickles every posting into an external sorting pool, merges the runs posting by posting,
then writes each posting list one posting at a time: most of a worker's ingest time. A writer adds
documents in increasing document number, so postings grouped by term as they arrive are already
in order within each term: only terms need sorting, runs spilled to disk are sorted lists of
terms (one ``marshal`` record per chunk), and each posting list goes to Whoosh's codec in whole
blocks. A reader gets back exactly what Whoosh's own writer gives it (tested); only the pickled
blocks can be smaller, where equal position values are one shared object.
"""

from __future__ import annotations

import heapq
import marshal
import tempfile
from array import array
from collections.abc import Iterator
from itertools import chain, groupby
from operator import itemgetter
from typing import IO, Any

CHUNK = 2048  # terms per marshal record of a spilled run: what merging holds of each run
Key = tuple[str, bytes]  # (field name, term bytes)
_key = itemgetter(0)
_WEIGHTS = [float(i) for i in range(64)]
SMALL = 4  # postings in a block below which compressing it is not worth a zlib call


class TermPool:
    """A drop-in for Whoosh's ``PostingPool`` (``add``, ``cleanup``) that keeps each term's
    postings as one flat list ``[docnum, weight, value, docnum, …]``."""

    def __init__(self, limit_mb: int, tempdir: str) -> None:
        self.limit = limit_mb * 1024 * 1024
        self.tempdir = tempdir
        self.terms: dict[Key, list[Any]] = {}
        self.size = 0  # estimated bytes held by ``terms``
        self.runs: list[IO[bytes]] = []

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one ``(fieldname, tbytes, docnum, weight, vbytes)`` posting; documents must come
        in increasing docnum, as Whoosh's ``SegmentWriter`` adds them."""
        fieldname, tbytes, docnum, weight, vbytes = item
        postings = self.terms.get((fieldname, tbytes))
        if postings is None:
            postings = self.terms[fieldname, tbytes] = []
            self.size += 200 + len(tbytes)  # key tuple, bytes, list and dict slot
        postings += (docnum, weight, vbytes)
        self.size += 100 + (len(vbytes) if vbytes else 0)  # slots, float, bytes object
        if self.size > self.limit:
            self._spill()

    def add_terms(
        self, fieldname: str, docnum: int, items: list[tuple[str, int, bytes]], boost: float
    ) -> None:
        """Add one document's postings of one field, ``(term, frequency, vbytes)`` each,
        weighted ``frequency * boost`` as Whoosh weighs them."""
        terms, size = self.terms, 0
        weights = _WEIGHTS if boost == 1.0 else None  # shared floats: millions of postings
        for word, freq, vbytes in items:
            key = (fieldname, word.encode())
            postings = terms.get(key)
            if postings is None:
                postings = terms[key] = []
                size += 200 + len(key[1])
            weight = weights[freq] if weights and freq < len(weights) else freq * boost
            postings += (docnum, weight, vbytes)
            size += 64 + len(vbytes)
        self.size += size
        if self.size > self.limit:
            self._spill()

    def _spill(self) -> None:
        # kept open until merged; the file has no name, so it is gone when closed or if we die
        run = tempfile.TemporaryFile(dir=self.tempdir)  # noqa: SIM115
        items = sorted(self.terms.items(), key=_key)
        for i in range(0, len(items), CHUNK):
            record = marshal.dumps(items[i : i + CHUNK])
            run.write(len(record).to_bytes(8, "little") + record)
        run.seek(0)
        self.runs.append(run)
        self.terms, self.size = {}, 0

    def iter_terms(self) -> Iterator[tuple[Key, list[Any]]]:
        """Every term in order with its postings in docnum order: runs are merged by term, and
        a term's postings from successive runs concatenated (runs follow document order)."""
        current = sorted(self.terms.items(), key=_key)
        self.terms = {}
        sources = [_read(run) for run in self.runs]
        if not sources:
            yield from current
            return
        merged = heapq.merge(*sources, current, key=_key)  # stable: earlier runs first
        for key, group in groupby(merged, key=_key):
            lists = [postings for _, postings in group]
            yield key, lists[0] if len(lists) == 1 else list(chain.from_iterable(lists))

    def cleanup(self) -> None:
        for run in self.runs:
            run.close()
        self.runs = []


def _read(run: IO[bytes]) -> Iterator[tuple[Key, list[Any]]]:
    # Whole records read as bytes: marshal.load on a file reads object by object, 10x slower.
    while size := int.from_bytes(run.read(8), "little"):
        yield from marshal.loads(run.read(size))


class Lengths:
    """Field lengths of a new segment, a whole column decoded at a time (Whoosh reads each
    posting's length back from the column file)."""

    def __init__(self, pdr: Any) -> None:
        from whoosh.util.numeric import byte_to_length

        self._pdr = pdr
        self._table = [byte_to_length(b) for b in range(256)]
        self._fields: dict[str, list[int]] = {}

    def column(self, fieldname: str) -> list[int]:
        col = self._fields.get(fieldname)
        if col is None:
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

            reader = self._pdr._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            col = self._fields[fieldname] = (
                [self._table[b] for b in reader] if reader is not None else []
            )
        return col


def write_postings(
    fieldwriter: Any, schema: Any, lengths: Lengths, terms: Iterator[tuple[Key, list[Any]]]
) -> None:
    """Whoosh's ``FieldWriter.add_postings`` for ``TermPool.iter_terms``: the same calls to the
    codec's field writer, with each block of a posting list filled at once."""
    lastfn = None
    compression = 0
    pw: Any = None
    col: list[int] = []
    for (fieldname, tbytes), flat in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            pw, col, lastfn = fieldwriter._postwriter, lengths.column(fieldname), fieldname
            compression = pw._compression
        fieldwriter.start_term(tbytes)
        ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
        limit = pw._blocklimit
        for i in range(0, len(ids), limit):
            if i:
                pw._write_block()  # a full block, as add_posting writes one
            _fill(pw, ids[i : i + limit], weights[i : i + limit], values[i : i + limit], col)
            # A block of a few postings does not shrink: write it as it is (each block says
            # whether it is compressed, which Whoosh meant to do below 20 bytes).
            pw._compression = compression if len(pw._ids) >= SMALL else 0
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


def _fill(pw: Any, ids: list[int], weights: list[float], values: list[Any], col: list[int]) -> None:
    """Set a postings writer's block buffer as ``add_posting`` would leave it."""
    n = len(col)
    lens = [x for x in (col[d] if d < n else 0 for d in ids) if x]
    pw._ids = array("I", ids)
    pw._weights = array("f", weights)
    pw._values = [v for v in values if v]
    pw._maxweight = max(0, *weights)
    pw._minlength = min(lens) if lens else None
    pw._maxlength = max(lens, default=0)
