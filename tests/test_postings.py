"""The term-at-a-time posting pool and writer (issue 8) write the same postings as Whoosh's own
writer, whether the pool spills to disk or not, and when a commit merges older segments."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from conftest import index_dump
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.writing import SegmentWriter

from kscorpus.index import postings, whoosh_fast
from kscorpus.index.postings import TermPool
from kscorpus.index.store import _schemas
from kscorpus.index.whoosh_fast import Writer

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def paragraphs() -> list[tuple[str, int, str]]:
    """(article id, paragraph number, text) of every bundled article, cut at blank lines."""
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        for pno, para in enumerate(path.read_text(encoding="utf-8").split("\n\n")):
            if para.strip():
                out.append((path.stem, pno, para))
    return out


def build(cls: type, folder: Path, limitmb: float, batches: int = 1) -> list[object]:
    """Index every paragraph five times (so common terms need several blocks) with writer
    class ``cls`` over ``batches`` commits (a commit merges the small segments before it);
    everything a reader gets back (``index_dump``)."""
    folder.mkdir()
    ix = windex.create_in(str(folder), _schemas(())[1], indexname="passages")
    rows = paragraphs() * 5
    for b in range(batches):
        w = cls(ix, limitmb=limitmb, compound=False)
        for n, (aid, pno, text) in enumerate(rows[b::batches]):
            w.add_document(id=aid, key=f"{aid}#{pno}#{n}", pno=pno, text=text, lang="zh")
        w.commit()
    return index_dump(ix, ("text",))


@pytest.mark.parametrize(("limitmb", "batches"), [(64, 1), (0.05, 1), (64, 3), (64, 12)])
def test_same_postings_as_whoosh(tmp_path: Path, limitmb: float, batches: int) -> None:
    """Every term, statistic and posting (positions as stored bytes) as Whoosh's own writer
    gives them: in memory, spilled to disk (runs merged once there are ``MAX_RUNS``), and
    with commits that merge earlier segments through the pool (Whoosh's ``MERGE_SMALL``
    merges from about the fifth small commit on: twelve cross it more than once)."""
    ours = build(Writer, tmp_path / "ours", limitmb, batches)
    whoosh = build(SegmentWriter, tmp_path / "whoosh", limitmb, batches)
    assert len(ours) > 40_000
    assert ours == whoosh


def test_a_term_from_a_document_and_from_a_merged_segment_is_one_list(tmp_path: Path) -> None:
    """A merge feeds terms as bytes (``add_reader``), a new document's words come as str: the
    same term must be one posting list, in document order, and terms sorted as bytes."""
    pool = TermPool(64, str(tmp_path))
    pool.add_terms("text", 0, [("电商", 1, b"p0"), ("a", 1, b"pa")], 1.0)
    pool.add(("text", "电商".encode(), 1, 2.0, b"p1"))
    pool.add(("text", b"\xff\xfe", 2, 1.0, None))  # not UTF-8: kept byte for byte
    pool.add_terms("text", 3, [("电商", 1, b"p3")], 1.0)
    terms = list(pool.iter_terms())
    assert [k for k, _ in terms] == [
        ("text", b"a"),
        ("text", "电商".encode()),
        ("text", b"\xff\xfe"),
    ]
    assert terms[1][1] == [0, 1.0, b"p0", 1, 2.0, b"p1", 3, 1.0, b"p3"]


def test_spilled_runs_merge_in_document_order(tmp_path: Path) -> None:
    pool = TermPool(0, str(tmp_path))
    for docnum in range(5):
        pool.add(("text", b"b", docnum, 1.0, bytes([docnum])))
        if docnum % 2:
            pool.add(("text", b"a", docnum, 2.0, None))
    pool.add(("id", b"z", 5, 1.0, b""))
    assert len(pool.runs) == 8  # every posting over the limit: one run each
    terms = list(pool.iter_terms())
    pool.cleanup()
    assert [k for k, _ in terms] == [("id", b"z"), ("text", b"a"), ("text", b"b")]
    assert terms[1][1] == [1, 2.0, None, 3, 2.0, None]
    assert terms[2][1][0::3] == [0, 1, 2, 3, 4]
    assert pool.runs == []


def test_runs_are_merged_before_they_are_too_many_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(postings, "MAX_RUNS", 3)
    pool = TermPool(0, str(tmp_path))
    for docnum in range(10):
        pool.add(("text", b"ab"[docnum % 2 :], docnum, 1.0, b"x"))
    assert len(pool.runs) <= 3
    terms = dict(pool.iter_terms())
    pool.cleanup()
    assert terms[("text", b"ab")][0::3] == [0, 2, 4, 6, 8]
    assert terms[("text", b"b")][0::3] == [1, 3, 5, 7, 9]


def test_blocks_are_pickled_with_protocol_5_and_compressed_unless_small(tmp_path: Path) -> None:
    """Protocol 2 made decoding a block most of a search at 100,000 articles (see ``PICKLE``);
    a block of a few postings in one field must not leave the fields after it uncompressed."""
    import pickle
    import zlib

    build(Writer, tmp_path / "ix", 64)
    ix = windex.open_dir(str(tmp_path / "ix"), indexname="passages")
    seen = {"compressed": 0, "multi-block": 0}
    with ix.reader() as r:
        for field, term in r.all_terms():
            m = r.postings(field, term)
            blocks = 0
            while m.is_active():
                raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                data = zlib.decompress(raw) if m._compression else raw
                assert data[:2] == b"\x80\x05", (field, term)  # PROTO 5
                assert pickle.loads(data)[0]  # the ids
                assert bool(m._compression) == (m._blocklength >= whoosh_fast.SMALL), (field, term)
                seen["compressed"] += bool(m._compression)
                blocks += 1
                m._next_block()
            seen["multi-block"] += blocks > 1
    assert seen["compressed"] > 100 and seen["multi-block"] >= 5, seen


@settings(max_examples=60, deadline=None)
@given(
    entries=st.dictionaries(
        st.binary(min_size=1, max_size=12), st.binary(max_size=40), max_size=3000
    )
)
def test_the_term_index_writes_the_bytes_whoosh_writes(entries: dict[bytes, bytes]) -> None:
    """``TermIndex`` keeps its hash tables in arrays, not tuples (memory), and must write the
    very file Whoosh's ``OrderedHashWriter`` writes for the same entries: the same header,
    entries, 256 open-addressing tables (collisions probed the same way), directory and
    extras. Up to 3,000 keys put many in each bucket."""
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    def write(cls: Any) -> bytes:
        buf = _Kept()
        w = OrderedHashWriter(StructFile(buf))
        if cls is not OrderedHashWriter:
            w = cls.taking_over(w)
        w.extras["fieldmap"] = {"text": 0}
        for key in sorted(entries):
            w.add(key, entries[key])
        w.close()
        return buf.kept

    ours = write(whoosh_fast.TermIndex)
    assert ours == write(OrderedHashWriter)
    reader = OrderedHashReader(StructFile(io.BytesIO(ours)), len(ours))
    assert {k: reader[k] for k in entries} == entries


def test_the_term_index_refuses_keys_out_of_order() -> None:
    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    w = whoosh_fast.TermIndex.taking_over(OrderedHashWriter(StructFile(_Kept())))
    w.add(b"b", b"1")
    with pytest.raises(ValueError, match="keys must increase"):
        w.add(b"a", b"2")


class _Kept(io.BytesIO):
    """A file whose bytes outlive ``close``."""

    kept = b""

    def close(self) -> None:
        self.kept = self.getvalue()
        super().close()


@pytest.mark.parametrize("kind", ["words", "chars"])
def test_the_pool_size_estimate_is_what_it_holds(kind: str) -> None:
    """The pool spills when its estimate passes the limit, so the estimate must be what the
    pool really holds: every object it refers to, each counted once however many postings
    share it (``sys.getsizeof``), for word and character postings alike. It once counted
    nearly three times the real size."""
    import sys
    import tempfile

    from kscorpus.index.analysis import BilingualAnalyzer, WordPositions
    from kscorpus.index.hanchars import CharPositions

    texts = sorted({text for _, _, text in paragraphs()})
    analyzer = BilingualAnalyzer()
    make = (
        CharPositions().postings
        if kind == "chars"
        else lambda text: WordPositions().postings(text, analyzer)
    )
    pool = TermPool(1e9, tempfile.gettempdir())
    for docnum, text in enumerate(texts):
        pool.add_terms("text", docnum, make(text), 1.0)
    seen: set[int] = set()

    def size(obj: object) -> int:
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        return sys.getsizeof(obj)

    terms = pool.fields["text"]
    held = size(terms) + sum(
        size(term) + size(flat) + sum(map(size, flat)) for term, flat in terms.items()
    )
    assert 0.8 < pool.size / held < 1.25, (pool.size, held)


def test_terms_sort_as_bytes_when_some_are_not_utf8(tmp_path: Path) -> None:
    """Terms sort as strings (code points, the order of their UTF-8 bytes) unless a merge
    brought bytes that are not UTF-8: decoded with surrogateescape, b"\\xff" is U+DCFF, which
    sorts before U+E000 as a string but after it as bytes, and Whoosh wants bytes order."""
    pool = TermPool(64, str(tmp_path))
    pool.add_terms("text", 0, [("\ue000", 1, b"p0"), ("a", 1, b"p1")], 1.0)
    pool.add(("text", b"\xff", 1, 1.0, None))
    assert [k for k, _ in pool.iter_terms()] == [
        ("text", b"a"),
        ("text", "\ue000".encode()),
        ("text", b"\xff"),
    ]
    pool.add_terms("text", 2, [("\ue000", 1, b"p2"), ("\U00010000", 1, b"p3")], 1.0)
    assert [k for k, _ in pool.iter_terms()] == [
        ("text", "\ue000".encode()),
        ("text", "\U00010000".encode()),
    ]
