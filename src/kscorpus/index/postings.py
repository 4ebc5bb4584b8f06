"""Whoosh's posting pool and posting-list writer, a term at a time instead of a posting at a time.

Whoosh pickles every posting into an external sorting pool, merges the runs posting by posting,
then writes each posting list one posting at a time: most of a worker's ingest time. A writer adds
documents in increasing document number, so postings grouped by term as they arrive are already
in order within each term: only terms need sorting, runs spilled to disk are sorted lists of
terms (one ``marshal`` record per chunk), and each posting list goes to Whoosh's codec in whole
blocks. A reader gets back exactly what Whoosh's own writer gives it (tested); only the bytes
differ: equal position values are pickled as one shared object, blocks of a few postings are
stored uncompressed (every block records whether it is compressed), and blocks are pickled with
protocol 5, not 2 (see ``PICKLE``).
"""

from __future__ import annotations

import heapq
import marshal
import tempfile
from collections.abc import Iterable, Iterator
from itertools import chain, groupby
from operator import itemgetter
from typing import IO, Any

# A merge holds one record of every run (up to MAX_RUNS) in memory, so records are kept small:
# larger ones added much to a worker's peak memory at the end of a segment.
CHUNK = 512  # terms per marshal record of a spilled run
RECORD = 5_000  # postings per record, at most (or one term's, if it has more)
MAX_RUNS = 32  # spilled runs (open files) before they are merged into one
Key = tuple[str, bytes]  # (field name, term bytes)
_key = itemgetter(0)
_WEIGHTS = [float(i) for i in range(64)]
# What the pool holds, measured with tracemalloc on the bundled and generated articles:
TERM_BYTES = 200  # a new term: its key string, its list and the dict's slot
POSTING_BYTES = 28  # a posting: three list slots (docnum, weight and value are shared objects)
VALUE_BYTES = 33  # a value's bytes object beside its length, when it is not shared


class TermPool:
    """A drop-in for Whoosh's ``PostingPool`` (``add``, ``cleanup``) that keeps each term's
    postings as one flat list ``[docnum, weight, value, docnum, …]``, by field and term (a
    text field's terms as strings: encoded once per term, not once per posting)."""

    def __init__(self, limit_mb: float, tempdir: str) -> None:
        self.limit = limit_mb * 1024 * 1024
        self.tempdir = tempdir
        self.fields: dict[str, dict[str, list[Any]]] = {}  # field → term → flat postings
        self.size = 0  # estimated bytes held by ``fields``
        self.runs: list[IO[bytes]] = []
        self.escaped = False  # whether a term held came from bytes that are not UTF-8

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one ``(fieldname, tbytes, docnum, weight, vbytes)`` posting; documents must come
        in increasing docnum, as Whoosh's ``SegmentWriter`` adds them."""
        fieldname, tbytes, docnum, weight, vbytes = item
        try:
            term = tbytes.decode("utf-8")  # one key type: see ``_sorted``
        except UnicodeDecodeError:
            term = tbytes.decode("utf-8", "surrogateescape")
            self.escaped = True
        terms = self.fields.setdefault(fieldname, {})
        postings = terms.get(term)
        if postings is None:
            postings = terms[term] = []
            self.size += TERM_BYTES + len(tbytes)
        postings += (docnum, weight, vbytes)
        self.size += POSTING_BYTES + (VALUE_BYTES + len(vbytes) if vbytes else 0)
        if self.size > self.limit:
            self._spill()

    def add_terms(
        self, fieldname: str, docnum: int, items: list[tuple[str, int, bytes]], boost: float
    ) -> None:
        """Add one document's postings of one field, ``(term, frequency, vbytes)`` each,
        weighted ``frequency * boost`` as Whoosh weighs them. The value of a posting of one
        position is one object shared by every such posting (``analysis`` and ``hanchars``
        encode each position once), so it adds nothing to the pool's size."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        size = POSTING_BYTES * len(items)
        weights = _WEIGHTS if boost == 1.0 else [i * boost for i in range(len(_WEIGHTS))]
        limit = len(weights)  # shared floats: millions of postings
        for word, freq, vbytes in items:
            postings = terms.get(word)
            if postings is None:
                postings = terms[word] = []
                size += TERM_BYTES + len(word)
            postings += (docnum, weights[freq] if freq < limit else freq * boost, vbytes)
            if freq > 1:
                size += VALUE_BYTES + len(vbytes)
        self.size += size
        if self.size > self.limit:
            self._spill()

    def _sorted(self) -> list[tuple[Key, list[Any]]]:
        """Every term held, in Whoosh's order (field, then term bytes), and nothing held after.

        Terms are kept as str whichever way they came: a document's words from ``add_terms``,
        and bytes from ``add`` (an id field, or every field of a segment Whoosh merges in
        through ``add_reader``), decoded with ``surrogateescape`` so that any bytes round-trip.
        The same term from both must share one posting list. Strings sort in the order of their
        UTF-8 bytes (code points), so they are sorted as they are, unless bytes that are not
        UTF-8 came (``escaped``: their surrogates would sort before U+E000 and above)."""
        out = []
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            if self.escaped:
                keyed = sorted((t.encode("utf-8", "surrogateescape"), t) for t in terms)
            else:
                keyed = [(t.encode("utf-8"), t) for t in sorted(terms)]
            out.extend(((fieldname, tbytes), terms[t]) for tbytes, t in keyed)
        self.fields, self.size, self.escaped = {}, 0, False
        return out

    def _spill(self) -> None:
        # kept open until merged; the file has no name, so it is gone when closed or if we die
        run = tempfile.TemporaryFile(dir=self.tempdir)  # noqa: SIM115
        _write_run(run, self._sorted())
        self.runs.append(run)
        if len(self.runs) >= MAX_RUNS:  # each run is an open file: merge them into one
            merged = tempfile.TemporaryFile(dir=self.tempdir)  # noqa: SIM115
            _write_run(merged, self._merged())
            self.cleanup()
            self.runs = [merged]

    def iter_terms(self) -> Iterator[tuple[Key, list[Any]]]:
        """Every term in order with its postings in docnum order: runs are merged by term, and
        a term's postings from successive runs concatenated (runs follow document order)."""
        current = self._sorted()
        yield from self._merged(current) if self.runs else current

    def _merged(self, current: Iterable[tuple[Key, list[Any]]] = ()) -> Iterator[Any]:
        merged = heapq.merge(*map(_read, self.runs), current, key=_key)  # stable: runs in order
        for key, group in groupby(merged, key=_key):
            lists = [postings for _, postings in group]
            yield key, lists[0] if len(lists) == 1 else list(chain.from_iterable(lists))

    def cleanup(self) -> None:
        for run in self.runs:
            run.close()
        self.runs = []


def _write_run(run: IO[bytes], items: Iterable[tuple[Key, list[Any]]]) -> None:
    """Sorted ``items`` as length-prefixed marshal records of up to ``CHUNK`` terms and
    ``RECORD`` postings: merging holds one record of every run in memory."""
    chunk: list[tuple[Key, list[Any]]] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[1])
        if len(chunk) >= CHUNK or size >= 3 * RECORD:
            _write_record(run, chunk)
            chunk, size = [], 0
    if chunk:
        _write_record(run, chunk)
    run.seek(0)


def _write_record(run: IO[bytes], chunk: list[tuple[Key, list[Any]]]) -> None:
    record = marshal.dumps(chunk)
    run.write(len(record).to_bytes(8, "little") + record)


def _read(run: IO[bytes]) -> Iterator[tuple[Key, list[Any]]]:
    # Whole records read as bytes: marshal.load on a file reads object by object, much slower.
    while size := int.from_bytes(run.read(8), "little"):
        yield from marshal.loads(run.read(size))
