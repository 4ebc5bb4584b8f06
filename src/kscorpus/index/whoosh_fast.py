"""Every use of Whoosh's private names in kscorpus, in one place.

kscorpus writes and reads Whoosh's own on-disk format, faster than Whoosh does:

- ``Writer``: Whoosh's ``SegmentWriter`` with postings pooled a term at a time
  (``postings.TermPool``) and each posting list written whole (``write_postings``), its blocks
  pickled with protocol 5 instead of 2, and a term index (``TermIndex``) that holds its
  millions of entries in arrays;
- ``commit``: a commit that adds segments written by worker processes;
- ``posting_blocks``: a posting list read a block at a time from one read, instead of a
  matcher stepping posting by posting;
- ``live_postings``: a term's live documents in a segment with deletions, from the blocks that
  hold a deleted document only;
- ``length_bytes``: a segment's column of field-length bytes, read whole;
- ``column_values``: a segment's bytes column, read whole; ``column_values_at``: some of its
  documents' values, each read where the column's offsets put it;
- ``doc_ids``: the documents of a term's postings in one segment, with its deleted ones if
  asked (what the per-segment word tables, ``index.wordfreq``, subtract).

What a reader gets back is exactly what Whoosh's own writer and readers give (tests/test_whoosh_
conformance.py runs both on random documents and queries); an upgrade of Whoosh that changes an
assumption fails those tests. ``pyproject.toml`` pins whoosh-reloaded below 2.8 for the same
reason.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from operator import sub
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, _lenfield
from whoosh.columns import VarBytesColumn
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.writing import SegmentWriter

from kscorpus.index.analysis import BilingualAnalyzer, WordPositions
from kscorpus.index.hanchars import CharPositions, HanCharAnalyzer
from kscorpus.index.postings import Key, TermPool

# Whoosh pickles posting blocks with protocol 2, which stores each position value (bytes) as a
# call to ``_codecs.encode``: decoding them was most of a search's time on a large corpus.
# Protocol 5 stores bytes as bytes; Whoosh's reader unpickles any protocol.
PICKLE = 5
SMALL = 4  # postings in a block below which compressing it is not worth a zlib call
_INT = struct.Struct("!i")  # a block's size, as Whoosh packs it
Only = Sequence[int] | None  # sorted document numbers of a segment: the only ones wanted


# ---------------------------------------------------------------------------------------------
# Writing


class Writer(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer with postings pooled (``postings.TermPool``) and written a term
    at a time: the same postings, in a fraction of Whoosh's time. kscorpus's schemas have no
    term vectors, spelling fields or boosts, which this writer does not handle; ``lengths``
    sums the exact field lengths of the documents added, by field."""

    def __init__(self, ix: Any, limitmb: float = 32, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if any(f.vector or f.separate_spelling() for _, f in self.schema.items()):
            raise ValueError("kscorpus's writer does not write term vectors or spellings")
        self.pool = TermPool(limitmb, self.storage.folder)
        self.fieldwriter._tindex = TermIndex.taking_over(self.fieldwriter._tindex)
        self.lengths = {name: 0 for name, f in self.schema.items() if f.scorable}
        self._made: dict[tuple[str, str], list[Any]] = {}  # postings of other fields, by value

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``; a text field's postings go to the pool in one call."""
        self._check_state()
        schema, pdw, docnum = self.schema, self.perdocwriter, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        pdw.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = self._index(name, field, value, docnum) if field.indexed else 0
                if name in self.lengths:
                    self.lengths[name] += length
                custom = fields.get(f"_stored_{name}", value)  # what a hit shows, if not value
                pdw.add_field(name, field, custom if field.stored else None, length)
                if field.column_type and custom is not None:
                    pdw.add_column_value(name, field.column_type, field.to_column_value(custom))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _index(self, name: str, field: Any, value: Any, docnum: int) -> int:
        """Pool one field's postings of a document; the field's length (0 if not scored)."""
        fmt, analyzer = field.format, field.analyzer
        if isinstance(fmt, WordPositions) and isinstance(analyzer, BilingualAnalyzer):
            items = fmt.postings(value, analyzer)
            self.pool.add_terms(name, docnum, items, fmt.field_boost)
            return sum(freq for _, freq, _ in items) if field.scorable else 0
        if isinstance(fmt, CharPositions) and isinstance(analyzer, HanCharAnalyzer):
            items = fmt.postings(value)
            self.pool.add_terms(name, docnum, items, fmt.field_boost)
            return sum(freq for _, freq, _ in items) if field.scorable else 0
        postings = self._made.get((name, value)) if isinstance(value, str) else None
        if postings is None:  # an article's id, language, script and date: in every passage
            postings = list(field.index(value))
            if isinstance(value, str):
                if len(self._made) >= 4096:
                    self._made.clear()
                self._made[name, value] = postings
        length = 0
        for tbytes, freq, weight, vbytes in postings:
            length += freq
            self.pool.add((name, tbytes, docnum, weight, vbytes))
        return length if field.scorable else 0

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        try:
            write_postings(self.fieldwriter, self.schema, Lengths(pdr), self.pool.iter_terms())
        finally:
            self.fieldwriter.close()
            pdr.close()

    def finish_segment(self) -> Any:
        """Write the documents added so far as a segment of their own, not committed: a worker
        hands it to the parent, which adds it with ``commit``."""
        return self._finalize_segment()


def commit(w: Any, segments: Sequence[Any] = ()) -> None:
    """Commit ``w`` with the workers' ``segments`` (from ``Writer.finish_segment``) added to
    the index's segment list, as they are (Whoosh merges only its own segments)."""
    if not segments:
        w.commit()
        return
    final = w._merge_segments(None, None, False)  # existing segments, not merged
    if w._added:
        final.append(w._finalize_segment())
    else:
        w._close_segment()
    w._commit_toc(final + list(segments))
    w._finish()


class TermIndex(OrderedHashWriter):  # type: ignore[misc]
    """Whoosh's term index writer (``OrderedHashWriter``), writing the same file, but holding
    what it keeps until closed (each term's hash and position, in one of 256 buckets) in
    arrays, 12 bytes a term, where Whoosh keeps a tuple of two ints, about 120: a segment of
    50,000 articles has millions of terms (the rare bigrams of the character fields), and
    their tuples were most of a worker's peak memory. Keys must come in increasing order."""

    _ENTRY = struct.Struct("!ii")  # key and value lengths, before each entry
    _SLOT = struct.Struct("!Iq")  # a hash table's slot: hash, position (0, 0 when empty)

    @classmethod
    def taking_over(cls, writer: Any) -> TermIndex:
        """This writer in place of Whoosh's ``writer``, which has written only its header
        (its ``extras``, the field map the field writer fills, stay shared)."""
        if type(writer) is not OrderedHashWriter or writer.hashtype != 0 or len(writer.index):
            raise ValueError("not a new term index of Whoosh's own codec")
        new = cls.__new__(cls)
        new.__dict__.update(writer.__dict__)
        new.buckets = [(array("I"), array("q")) for _ in range(256)]
        return new

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.lastkey:
            raise ValueError(f"keys must increase: {self.lastkey!r}..{key!r}")
        dbfile = self.dbfile
        pos = dbfile.tell()
        self.index.append(pos)
        dbfile.write(self._ENTRY.pack(len(key), len(value)) + key + value)
        # Whoosh's ``md5_hash``: the digest's low 32 bits, without the detour through hex
        h = int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[12:], "big")
        hashes, positions = self.buckets[h & 255]
        hashes.append(h)
        positions.append(pos)
        self.lastkey = key

    def _write_hashes(self) -> None:
        """Each bucket's open-addressing table, as Whoosh's ``_write_hashes`` lays it out
        (twice as many slots as entries, linear probing from ``(hash >> 8) % slots``); a
        slot is free while its position is 0 (no entry starts at 0: the header does)."""
        dbfile, pack = self.dbfile, self._SLOT.pack
        for hashes, positions in self.buckets:
            self.directory.append((dbfile.tell(), 2 * len(hashes)))
            n = 2 * len(hashes)
            table_h, table_p = array("I", bytes(4 * n)), array("q", bytes(8 * n))
            for h, p in zip(hashes, positions):
                slot = (h >> 8) % n
                while table_p[slot]:
                    slot = (slot + 1) % n
                table_h[slot], table_p[slot] = h, p
            dbfile.write(b"".join(map(pack, table_h, table_p)))


class Lengths:
    """Field lengths of a new segment as Whoosh stores them, one byte a document, each column
    read whole. Block and term statistics keep only the bytes (``length_to_byte``), and the
    byte of a stored length is the byte it came from (``byte_to_length`` is a monotonic table),
    so minima and maxima are taken over the bytes: no length is decoded or encoded again."""

    def __init__(self, pdr: Any) -> None:
        self._pdr = pdr
        self._fields: dict[str, bytes] = {}

    def column(self, fieldname: str) -> bytes:
        """Every document's length byte (0 where there is none: the column may stop early)."""
        col = self._fields.get(fieldname)
        if col is None:
            data = length_bytes(self._pdr, fieldname) or b""
            pad = self._pdr.doc_count_all() - len(data)
            col = self._fields[fieldname] = data + bytes(max(pad, 0))
        return col


def write_postings(
    fieldwriter: Any, schema: Any, lengths: Lengths, terms: Iterator[tuple[Key, list[Any]]]
) -> None:
    """Whoosh's ``FieldWriter.add_postings`` for ``TermPool.iter_terms``: every term's posting
    list and term info, as Whoosh's ``W3FieldWriter`` writes them through ``start_term``,
    ``add`` and ``finish_term``, a posting list at a time."""
    lastfn = None
    col = b""
    limit = compression = 0
    offset = 0
    for (fieldname, tbytes), flat in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            pw = fieldwriter._postwriter
            limit, compression = pw._blocklimit, pw._compression
            col, lastfn = lengths.column(fieldname), fieldname
            offset = fieldwriter._postfile.tell()
            prefix = pack_ushort(fieldwriter._fieldid)
        if len(flat) == 3:  # one posting: most terms of the character fields (rare bigrams)
            postings, terminfo = _one_posting(flat, col)
        else:
            postings, terminfo = _many_postings(flat, col, limit, compression)
        fieldwriter._postfile.write(postings)
        fieldwriter._tindex.add(
            prefix + tbytes, terminfo + pack_long(offset) + pack_int(len(postings))
        )
        offset += len(postings)
    if lastfn is not None:
        fieldwriter.finish_field()


def _many_postings(
    flat: list[Any], col: bytes, limit: int, compression: int
) -> tuple[bytes, bytes]:
    """A posting list (``[docnum, weight, value, …]``) as Whoosh's ``W3PostingsWriter`` writes
    it (a header, then blocks of up to ``limit`` postings, the last one's size negative), and
    the start of its term info (``W3TermInfo.to_bytes`` without the extent)."""
    n = len(flat) // 3
    out = [WHOOSH3_HEADER_MAGIC]
    total = 0.0
    lo = hi = 0  # length bytes: the least above 0 (0: none), the greatest
    maxweight: float = 0
    step = 3 * limit
    for start in range(0, len(flat), step):
        part = flat[start : start + step] if n > limit else flat
        block, stats = _block(part[0::3], part[1::3], part[2::3], col, compression)
        last = start + step >= len(flat)
        out.append(pack_int(-len(block) if last else len(block)) + block)
        block_lo, block_hi, top, weights = stats
        total += weights  # as ``W3TermInfo.add_block`` adds them up, block by block
        if block_lo and (not lo or block_lo < lo):
            lo = block_lo
        hi, maxweight = max(hi, block_hi), max(maxweight, top)
    terminfo = W3TermInfo._struct.pack(0, total, n, lo, hi, maxweight, flat[0], flat[-3])
    return b"".join(out), terminfo


def _block(
    ids: list[int], weights: list[float], values: list[Any], col: bytes, compression: int
) -> tuple[bytes, tuple[int, int, float, float]]:
    """One block (its info and data, pickled) and its statistics: least length byte above 0,
    greatest, greatest weight, sum of the weights as 32-bit floats."""
    lbytes = bytes(map(col.__getitem__, ids))
    top = max(0, *weights)
    w32 = array("f", weights).tolist()  # what Whoosh's block keeps of a weight
    if w32.count(1.0) == len(w32):
        mini: Any = None
    elif w32.count(w32[0]) == len(w32):
        mini = w32[0]
    else:
        mini = tuple(w32)
    deltas = tuple(map(sub, ids, [0, *ids[:-1]]))
    comp = compression if len(ids) >= SMALL else 0  # each block says if it is compressed
    data = pickle.dumps((deltas, mini, tuple(filter(None, values))), PICKLE)
    if comp:
        data = zlib.compress(data, comp)
    lo = min(lbytes.replace(b"\0", b""), default=0)  # 0: no length (Whoosh's None)
    hi = max(lbytes)
    info = pickle.dumps((len(ids), ids[-1], top, comp, lo, hi), PICKLE)
    return info + data, (lo, hi, top, sum(w32))


def _one_posting(flat: list[Any], col: bytes) -> tuple[bytes, bytes]:
    """``_many_postings`` of a list of one posting: one uncompressed block, the same bytes."""
    d, w, v = flat
    lb = col[d]
    w32 = _F32.get(w)
    if w32 is None:
        w32 = _F32[w] = array("f", [w]).tolist()[0]
    top = max(0, w)
    data = pickle.dumps(((d,), None if w32 == 1.0 else w32, (v,) if v else ()), PICKLE)
    info = pickle.dumps((1, d, top, 0, lb, lb), PICKLE)
    block = WHOOSH3_HEADER_MAGIC + pack_int(-(len(info) + len(data))) + info + data
    terminfo = W3TermInfo._struct.pack(0, w32, 1, lb, lb, top, d, d)
    return block, terminfo


_F32: dict[float, float] = {}  # a weight as Whoosh's block keeps it (a 32-bit float)


# ---------------------------------------------------------------------------------------------
# Reading


def length_bytes(perdoc: Any, fieldname: str) -> bytes | None:
    """A segment's length column of ``fieldname``, one byte per document, read whole from the
    column reader Whoosh's ``doc_field_length`` uses (None if there is none)."""
    try:
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        return column._dbfile.get(column._basepos, column._count) if column else None
    except AttributeError:  # not Whoosh's codec
        return None


def segment_length_bytes(reader: Any, fieldname: str) -> bytes | None:
    """``length_bytes`` of a segment reader (None where it is not one segment of Whoosh's
    own codec)."""
    perdoc = getattr(reader, "_perdoc", None)
    return length_bytes(perdoc, fieldname) if perdoc is not None else None


def posting_blocks(
    m: Any, part: str = "", only: Only = None
) -> Iterator[tuple[Sequence[int], Any]]:
    """A posting list's ids (with its ``"values"`` or ``"weights"``, or with ``"postings"``
    both as a pair ``(weights, values)``, if asked), a block at a time where the matcher is
    Whoosh's on-disk one (``W3LeafMatcher``), bare or filtered by a segment's deletions (as
    after any incremental ingest); else one posting at a time in a single block. A block's
    weights may be ``None`` (every weight 1.0, as Whoosh stores the common case) or one float
    (every weight that). With ``only`` (sorted document numbers), on-disk blocks that hold none
    of those documents are skipped undecoded."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    if type(m) is FilterMatcher and type(m.child) is W3LeafMatcher:
        # the whole list from its start: the postings the filter has stepped over are ones it
        # excludes, and are excluded here again
        keep, exclude = m._ids, m._exclude
        for ids, more in _list_blocks(m.child, part, only):
            sel = [k for k, i in enumerate(ids) if (i in keep) != exclude]
            if len(sel) == len(ids):
                yield ids, more
            elif sel:
                yield [ids[k] for k in sel], _selected(more, part, sel)
        return
    if type(m) is W3LeafMatcher:
        yield from _list_blocks(m, part, only)
        return
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        if part in ("weights", "postings"):
            weights.append(m.weight())
        if part in ("values", "postings"):
            values.append(m.value())
        m.next()
    yield ids, (weights, values) if part == "postings" else weights if part == "weights" else values


def _selected(more: Any, part: str, sel: list[int]) -> Any:
    """A block's weights, values or both for the postings at ``sel`` (a weight shared by the
    whole block, ``None`` or one float, stays as it is)."""
    if part == "postings":
        weights, values = more
        return _selected(weights, "weights", sel), _selected(values, "values", sel)
    if part and isinstance(more, (list, tuple, array)):
        return [more[k] for k in sel]
    return more


def live_postings(leaf: Any, fieldname: str, tbytes: bytes) -> int:
    """How many live documents a term's posting list names in one segment: its length less
    the deleted documents in it, looked for only in the blocks that hold one (a segment's few
    deletions cost a block or two, not the whole list: the idf of every term of a query)."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    m = leaf.postings(fieldname, tbytes)
    if type(m) is FilterMatcher and type(m.child) is W3LeafMatcher and m._exclude:
        gone = m._ids
        dead = sum(i in gone for ids, _ in _list_blocks(m.child, "", sorted(gone)) for i in ids)
        return int(leaf.doc_frequency(fieldname, tbytes)) - dead
    return sum(len(ids) for ids, _ in posting_blocks(m))


def _list_blocks(m: Any, part: str, only: Only = None) -> Iterator[tuple[list[int], Any]]:
    """The blocks of a ``W3LeafMatcher``'s posting list, parsed as its ``_goto``,
    ``_read_ids``, ``_read_weights`` and ``_read_values`` parse them, from one read of the
    whole list: Whoosh reads a block with a dozen seeks and reads through Python wrappers, a
    large part of a search's time on a large corpus. Block: a signed int (its size; negative
    for the last), a pickled info tuple, then the pickled (ids, weights, values), maybe
    compressed."""
    length = m._length  # Whoosh's ``W3TermInfo.from_bytes`` leaves it a 1-tuple
    buf = m._postfile.get(m._startoffset, length[0] if isinstance(length, tuple) else length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"posting list at {m._startoffset}: bad block tag {buf[:4]!r}")
    view, stream, fixed = memoryview(buf), io.BytesIO(buf), m._fixedsize
    pos, after = 4, -1  # ``after``: the previous block's last document
    while pos < len(buf):
        (size,) = _INT.unpack_from(buf, pos)
        stream.seek(pos + 4)
        count, last, _, compression, _, _ = pickle.load(stream)
        end = pos + 4 + abs(size)
        if only is not None:
            i = bisect_right(only, after)
            after = last
            if i == len(only) or only[i] > last:  # none of ``only`` in this block
                if size < 0:
                    return
                pos = end
                continue
        data = view[stream.tell() : end]
        deltas, weights, values = pickle.loads(zlib.decompress(data) if compression else data)
        ids = list(accumulate(deltas))
        if part in ("values", "postings"):
            if fixed == 0:
                values = (None,) * count
            elif fixed is not None and fixed > 0:
                values = tuple(values[i : i + fixed] for i in range(0, len(values), fixed))
            yield ids, (weights, values) if part == "postings" else values
        else:
            yield ids, weights if part else ()
        if size < 0:
            return
        pos = end


def column_values(reader: Any, fieldname: str) -> Sequence[bytes]:
    """Every document's value of a segment's bytes column, read from its file in one read
    (Whoosh's column reader makes a read per document): the word-sequence store
    (``index.wordseq``) is scanned whole by every study command."""
    column = reader.column_reader(fieldname, translate=False)
    lengths = getattr(column, "_lengths", None)
    if not isinstance(column, VarBytesColumn.Reader) or lengths is None:
        return list(column)
    data = column._dbfile.get(column._basepos, sum(lengths))
    ends = list(accumulate(lengths))
    return [data[e - n : e] for e, n in zip(ends, lengths)]


def doc_ids(reader: Any, fieldname: str, text: bytes, deleted: bool = False) -> list[int]:
    """The document numbers of one segment whose postings hold ``text`` in ``fieldname``, in
    order: the live ones, or with ``deleted`` the deleted ones too (a segment's files keep a
    deleted document's postings and column values until a merge drops them; Whoosh's reader
    filters them out with a ``FilterMatcher`` over the list on disk)."""
    from whoosh.matching.wrappers import FilterMatcher

    if (fieldname, text) not in reader:
        return []
    m = reader.postings(fieldname, text)
    if deleted and type(m) is FilterMatcher:
        m = m.child
    return [i for ids, _ in posting_blocks(m) for i in ids]


def column_values_at(reader: Any, fieldname: str, docnums: Sequence[int]) -> list[bytes]:
    """The values of a segment's bytes column for ``docnums`` only, each read where the
    column's offsets put it (``column_values`` reads the whole column)."""
    column = reader.column_reader(fieldname, translate=False)
    lengths = getattr(column, "_lengths", None)
    offsets = getattr(column, "_offsets", None)
    if not isinstance(column, VarBytesColumn.Reader) or lengths is None or offsets is None:
        return [column[d] for d in docnums]
    get, base = column._dbfile.get, column._basepos
    return [get(base + offsets[d], lengths[d]) if lengths[d] else b"" for d in docnums]


def stored_fields_at(reader: Any, docnums: Sequence[int]) -> list[dict[str, Any]]:
    """The stored fields of a segment's documents ``docnums``, as ``reader.stored_fields``
    gives them one at a time. Whoosh keeps them pickled and compressed in a bytes column of
    its own, read here by its offsets (``column_values_at``): a third of the time through
    Whoosh's four layers of readers, when a study command reads paragraphs by the thousand."""
    from whoosh.codec.whoosh3 import STORED_COLUMN

    column = reader._perdoc._cached_reader("_stored", STORED_COLUMN)._child
    get, base, unzip = column._dbfile.get, column._basepos, column._decompress
    offsets, lengths = column._offsets, column._lengths
    return [
        pickle.loads(unzip(get(base + offsets[d], lengths[d]))) if lengths[d] else {}
        for d in docnums
    ]


def segment_docs(reader: Any, docs: Iterable[int]) -> Iterator[tuple[Any, int, list[int]]]:
    """Each segment of ``reader`` that holds some of ``docs`` (reader-wide numbers), with its
    offset and those documents in its own numbers, in order."""
    wanted = sorted(docs)
    for leaf, offset in reader.leaf_readers():
        lo = bisect_left(wanted, offset)
        hi = bisect_left(wanted, offset + leaf.doc_count_all())
        if lo < hi:
            yield leaf, offset, [d - offset for d in wanted[lo:hi]]
