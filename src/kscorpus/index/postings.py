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
import zlib
from array import array
from collections.abc import Iterable, Iterator
from functools import partial
from hashlib import md5
from itertools import chain, groupby
from operator import itemgetter, sub
from pickle import dumps
from typing import IO, Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from kscorpus.query.scoring import length_bytes

# A merge holds one record of every run (up to MAX_RUNS): records of 20,000 postings held
# ~2 MB each, 60 MB per worker at the end of a segment of 50,000 articles.
CHUNK = 512  # terms per marshal record of a spilled run
RECORD = 5_000  # postings per record, at most (or one term's, if it has more)
MAX_RUNS = 32  # spilled runs (open files) before they are merged into one
Key = tuple[str, bytes]  # (field name, term bytes)
_key = itemgetter(0)
_WEIGHTS = [float(i) for i in range(64)]
# Whoosh pickles posting blocks with protocol 2, which stores each position value (bytes) as a
# call to ``_codecs.encode``: decoding a block of 128 postings took 128 us, most of a search at
# 100,000 articles. Protocol 5 stores bytes as bytes and frames each pickle (one read for a
# block's header): 36 us, and half the compressed size. Whoosh's reader unpickles any protocol.
PICKLE = 5
SMALL = 4  # postings in a block below which compressing it is not worth a zlib call
TERM_BYTES = 200  # estimated pool bytes of a new term (key tuple, bytes, list, dict slot)
POSTING_BYTES = 64  # and of a posting, beside its value (list slots, shared or new float)


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

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one ``(fieldname, tbytes, docnum, weight, vbytes)`` posting; documents must come
        in increasing docnum, as Whoosh's ``SegmentWriter`` adds them."""
        fieldname, tbytes, docnum, weight, vbytes = item
        term = tbytes.decode("utf-8", "surrogateescape")  # one key type: see ``_sorted``
        terms = self.fields.setdefault(fieldname, {})
        postings = terms.get(term)
        if postings is None:
            postings = terms[term] = []
            self.size += TERM_BYTES + len(tbytes)
        postings += (docnum, weight, vbytes)
        self.size += POSTING_BYTES + (len(vbytes) if vbytes else 0)
        if self.size > self.limit:
            self._spill()

    def add_terms(
        self, fieldname: str, docnum: int, items: list[tuple[str, int, bytes]], boost: float
    ) -> None:
        """Add one document's postings of one field, ``(term, frequency, vbytes)`` each,
        weighted ``frequency * boost`` as Whoosh weighs them."""
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
            size += len(vbytes)
        self.size += size
        if self.size > self.limit:
            self._spill()

    def _sorted(self) -> list[tuple[Key, list[Any]]]:
        """Every term held, in Whoosh's order (field, then term bytes), and nothing held after.

        Terms are kept as str whichever way they came: a document's words from ``add_terms``,
        and bytes from ``add`` (an id field, or every field of a segment Whoosh merges in
        through ``add_reader``), decoded with ``surrogateescape`` so that any bytes round-trip.
        The same term from both must share one posting list."""
        out = []
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            keyed = sorted((t.encode("utf-8", "surrogateescape"), t) for t in terms)
            out.extend(((fieldname, tbytes), terms[t]) for tbytes, t in keyed)
        self.fields, self.size = {}, 0
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
    # Whole records read as bytes: marshal.load on a file reads object by object, 10x slower.
    while size := int.from_bytes(run.read(8), "little"):
        yield from marshal.loads(run.read(size))


class Lengths:
    """Field lengths of a new segment, a whole column decoded at a time (Whoosh reads each
    posting's length back from the column file)."""

    def __init__(self, pdr: Any) -> None:
        self._pdr = pdr
        self._table = [byte_to_length(b) for b in range(256)]
        self._fields: dict[str, list[int]] = {}

    def column(self, fieldname: str) -> list[int]:
        col = self._fields.get(fieldname)
        if col is None:
            data = length_bytes(self._pdr, fieldname) or b""
            col = self._fields[fieldname] = [self._table[b] for b in data]
        return col


def write_postings(
    fieldwriter: Any, schema: Any, lengths: Lengths, terms: Iterator[tuple[Key, list[Any]]]
) -> None:
    """Whoosh's ``FieldWriter.add_postings`` for ``TermPool.iter_terms``: the same calls to the
    codec's field writer, with each block of a posting list filled at once."""
    _TermIndex.take(fieldwriter._tindex)
    lastfn = None
    compression: int | None = None  # the codec's, read before a block of a few postings sets 0
    pw: Any = None
    col: list[int] = []
    offset: int | None = None  # where the next posting list starts, while we know it: one
    # ``tell`` (a system call through two Python wrappers) per term was 2% of ingest
    for (fieldname, tbytes), flat in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            pw, col, lastfn = fieldwriter._postwriter, lengths.column(fieldname), fieldname
            if compression is None:
                compression = pw._compression
            pw._write_block = partial(_write_block, pw)  # finish_term calls it for the last
        ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
        limit = pw._blocklimit
        if len(ids) <= limit:  # nearly every term
            if offset is None:
                offset = fieldwriter._postfile.tell()
            offset += _write_one_block(
                fieldwriter, offset, tbytes, ids, weights, values, col, compression
            )
            continue
        offset = None  # Whoosh's postings writer writes this one
        fieldwriter.start_term(tbytes)
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


class _TermIndex(OrderedHashWriter):  # type: ignore[misc]
    """Whoosh's term index writer (``OrderedHashWriter``) with its position counted instead of
    asked of the file twice per term, and the MD5 bucket hash read from the digest's bytes
    instead of parsed from its hex string: 7% of a worker's time, for the same file."""

    @classmethod
    def take(cls, tindex: Any) -> None:
        """Make Whoosh's writer ``tindex`` one of these (before any term is added to it)."""
        if type(tindex) is OrderedHashWriter and tindex.hashtype == 0:  # MD5, Whoosh's default
            tindex.__class__ = cls
            tindex.pos = None

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        pos = self.pos
        if pos is None:
            pos = self.dbfile.tell()
        self.index.append(pos)
        self.dbfile.write(_LENGTHS.pack(len(key), len(value)) + key + value)
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
        self.buckets[h & 255].append((h, pos))
        self.lastkey = key
        self.pos = pos + _LENGTHS.size + len(key) + len(value)


def _write_block(pw: Any, last: bool = False) -> None:
    """Whoosh's ``W3PostingsWriter._write_block``, pickling with ``PICKLE``."""
    if not pw._blockcount:
        pw._postfile.write(WHOOSH3_HEADER_MAGIC)
    pw._terminfo.add_block(pw)
    data = dumps((pw._mini_ids(), pw._mini_weights(), pw._mini_values()), PICKLE)
    comp = pw._compression
    if comp:
        data = zlib.compress(data, comp)
    ids = pw._ids
    lo, hi = length_to_byte(pw._minlength), length_to_byte(pw._maxlength)
    info = dumps((len(ids), ids[-1], pw._maxweight, comp, lo, hi), PICKLE)
    size = len(info) + len(data)
    pw._postfile.write(pack_int(-size if last else size) + info + data)
    pw._blockcount += 1
    pw._new_block()


def _fill(pw: Any, ids: list[int], weights: list[float], values: list[Any], col: list[int]) -> None:
    """Set a postings writer's block buffer as ``add_posting`` would leave it."""
    pw._ids = array("I", ids)
    pw._weights = array("f", weights)
    pw._values = [v for v in values if v]
    pw._minlength, pw._maxlength, pw._maxweight = _block_stats(ids, weights, col)


def _block_stats(
    ids: list[int], weights: list[float], col: list[int]
) -> tuple[int | None, int, float]:
    """A block's shortest and longest field length (None, 0 without lengths) and its highest
    weight, as ``add_posting`` tracks them."""
    n = len(col)
    lens = [x for x in (col[d] if d < n else 0 for d in ids) if x]
    return (min(lens) if lens else None), max(lens, default=0), max(0, *weights)


def _write_one_block(
    fw: Any,
    offset: int,
    tbytes: bytes,
    ids: list[int],
    weights: list[float],
    values: list[Any],
    col: list[int],
    compression: int,
) -> int:
    """A posting list of one block at ``offset`` in the postings file, with its term info: the
    bytes Whoosh's ``W3FieldWriter`` writes for it through ``start_term``, ``add`` and
    ``finish_term``, in one pass. Returns the bytes written."""
    n = len(ids)
    minlength, maxlength, maxweight = _block_stats(ids, weights, col)
    w32 = array("f", weights).tolist()  # what Whoosh's block keeps of a weight
    if w32.count(1.0) == n:
        mini_weights: Any = None
    elif w32.count(w32[0]) == n:
        mini_weights = w32[0]
    else:
        mini_weights = tuple(w32)
    deltas = tuple(map(sub, ids, [0, *ids[:-1]]))
    comp = compression if n >= SMALL else 0  # see write_postings
    data = dumps((deltas, mini_weights, tuple(filter(None, values))), PICKLE)
    if comp:
        data = zlib.compress(data, comp)
    lo, hi = length_to_byte(minlength), length_to_byte(maxlength)
    info = dumps((n, ids[-1], maxweight, comp, lo, hi), PICKLE)
    block = WHOOSH3_HEADER_MAGIC + pack_int(-(len(info) + len(data))) + info + data
    fw._postfile.write(block)
    terminfo = W3TermInfo._struct.pack(
        0, sum(w32), n, 0 if minlength is None else lo, hi, maxweight, ids[0], ids[-1]
    )
    terminfo += pack_long(offset) + pack_int(len(block))
    fw._tindex.add(pack_ushort(fw._fieldid) + tbytes, terminfo)
    return len(block)
