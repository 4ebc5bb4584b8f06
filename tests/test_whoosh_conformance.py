"""``index.whoosh_fast`` against Whoosh itself, on random documents and queries: the fast writer
gives readers exactly what Whoosh's writer gives (postings, block statistics, term statistics,
stored fields, field lengths), across commits that merge segments; posting lists read a block
at a time and length columns read whole equal what Whoosh's matchers and readers return; the
ranking built on them scores as Whoosh's searcher does, to the last bit."""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import index_dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh import query as wq
from whoosh.writing import SegmentWriter

from kscorpus.index.hanchars import phrase_terms
from kscorpus.index.store import _schemas
from kscorpus.index.whoosh_fast import (
    Writer,
    column_values_at,
    doc_ids,
    live_postings,
    posting_blocks,
    segment_docs,
    segment_length_bytes,
    stored_fields_at,
)
from kscorpus.query.ranking import CharPhrase, match_ids, rank
from kscorpus.query.scoring import BM25

WORDS = [
    "电商",
    "信任",
    "直播间",
    "品牌",
    "快手",
    "商家",
    "的",
    "臺灣",
    "trust",
    "brand",
    "market",
    "live",
]
TEXTS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(
    lambda ws: "".join(w if "\u4e00" <= w[0] <= "\u9fff" else f" {w} " for w in ws)
)
DOCS = st.lists(
    st.tuples(st.sampled_from(["a1", "b2", "c3", "d4"]), st.sampled_from(["zh", "en"]), TEXTS),
    min_size=1,
    max_size=30,
)
FIELDS = ("title", "text", "title_chars", "text_chars")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def write(cls: type, folder: Path, docs: list, commits: int, deletes: list[str]) -> object:
    folder.mkdir()
    ix = windex.create_in(str(folder), _schemas(())[0], indexname="articles")
    for c in range(commits):
        w = cls(ix, limitmb=64)
        for aid, lang, text in docs[c::commits]:
            w.add_document(
                id=aid,
                lang=lang,
                text=text,
                title=text,
                text_chars=text,
                title_chars=text[:7],
            )
        if c == commits - 1:
            for aid in deletes:
                w.delete_by_term("id", aid)
        w.commit()
    return ix


@SETTINGS
@given(docs=DOCS, commits=st.integers(1, 8), deletes=st.lists(st.sampled_from(["a1", "c3"])))
def test_the_fast_writer_writes_what_whoosh_writes(docs, commits, deletes):
    with tempfile.TemporaryDirectory() as tmp:
        ours = write(Writer, Path(tmp) / "ours", docs, commits, deletes)
        theirs = write(SegmentWriter, Path(tmp) / "whoosh", docs, commits, deletes)
        assert index_dump(ours, FIELDS) == index_dump(theirs, FIELDS)


CHARS = sorted({c for w in WORDS for c in w if c >= "\u4e00"} | {"台", "湾"})
BIGRAMS = ["电商", "商信", "信任", "播间", "台湾", "商的", "的快"]
QUERIES = st.one_of(
    st.sampled_from(WORDS).map(lambda w: wq.Term("text", w)),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(lambda ws: wq.Phrase("text", ws)),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)).map(
        lambda p: wq.Or([wq.Term("title", p[0], boost=2.0), wq.Term("text", p[1])])
    ),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)).map(
        lambda p: wq.And([wq.Term("text", p[0]), wq.Term("text", p[1])])
    ),
    # the character fields: a character, a bigram, a phrase of bigrams, title and text
    st.sampled_from(CHARS).map(lambda c: wq.Term("text_chars", c)),
    st.sampled_from(BIGRAMS).map(lambda b: wq.Term("text_chars", b, boost=0.5)),
    st.lists(st.sampled_from(BIGRAMS), min_size=2, max_size=3).map(
        lambda bs: wq.Phrase("text_chars", bs, boost=0.25)
    ),
    st.tuples(st.sampled_from(BIGRAMS), st.sampled_from(BIGRAMS)).map(
        lambda p: wq.Or([wq.Term("title_chars", p[0], boost=0.5), wq.Term("text_chars", p[1])])
    ),
    # a Han string's word or its characters, the documents holding the word not decoded
    st.sampled_from(["直播间", "电商直播间", "信任电商", "快手商家"]).map(
        lambda h: wq.Or(
            [
                wq.Term("text", h),
                CharPhrase("text_chars", phrase_terms(h), word=("text", h), boost=0.25),
            ]
        )
    ),
    st.tuples(st.sampled_from(BIGRAMS), st.sampled_from(WORDS)).map(
        lambda p: wq.AndMaybe(wq.Term("text_chars", p[0]), wq.Term("text", p[1]))
    ),
)


@SETTINGS
@given(docs=DOCS, commits=st.integers(1, 6), queries=st.lists(QUERIES, min_size=1, max_size=6))
def test_reading_and_ranking_match_whoosh(docs, commits, queries):
    with tempfile.TemporaryDirectory() as tmp:
        ix = write(Writer, Path(tmp) / "ix", docs, commits, ["b2"])
        with ix.searcher(weighting=BM25()) as s:
            for leaf, _ in s.reader().leaf_readers():
                for field in FIELDS:
                    n = leaf.doc_count_all()
                    lengths = segment_length_bytes(leaf, field)
                    from whoosh.util.numeric import byte_to_length

                    lengths = lengths or b""  # shorter than the segment where the last are 0
                    ours = [byte_to_length(lengths[d]) if d < len(lengths) else 0 for d in range(n)]
                    assert ours == [leaf.doc_field_length(d, field) or 0 for d in range(n)]
                for field, term in leaf.all_terms():
                    for part in ("weights", "values", "postings"):
                        got = [
                            x
                            for ids, more in posting_blocks(leaf.postings(field, term), part)
                            for x in zip(ids, _each(more, len(ids), part))
                        ]
                        m, want = leaf.postings(field, term), []
                        while m.is_active():
                            one = {"weights": m.weight, "values": m.value}
                            both = (m.weight(), m.value())
                            want.append((m.id(), both if part == "postings" else one[part]()))
                            m.next()
                        assert got == want, (field, term, part)
                    live = len(list(leaf.postings(field, term).all_ids()))
                    assert live_postings(leaf, field, term) == live, (field, term)
            for q in queries:
                ranked = rank(s, q, 10)
                hits = s.search(q, limit=10)
                whoosh = [(h.docnum, h.score) for h in hits]
                assert ranked is not None
                assert ranked[0] == whoosh, q
                assert ranked[1] == len(s.search(q, limit=None)), q
                assert match_ids(s, q) == {h.docnum for h in s.search(q, limit=None)}, q


def _each(more: object, n: int, part: str = "weights") -> list[object]:
    """A block's weights as ``posting_blocks`` gives them (None: all 1.0; a float: all that),
    its values, or both paired."""
    if part == "postings":
        weights, values = more  # type: ignore[misc]
        return list(zip(_each(weights, n), values))
    if part == "values":
        return list(more)  # type: ignore[call-overload]
    if more is None:
        return [1.0] * n
    if isinstance(more, float):
        return [more] * n
    return list(more)


@SETTINGS
@given(docs=DOCS, commits=st.integers(1, 6), deletes=st.lists(st.sampled_from(["a1", "c3"])))
def test_doc_ids_and_column_values_at_match_whoosh(docs, commits, deletes):
    """``doc_ids`` gives the documents Whoosh's matcher gives (with ``deleted``, also the deleted
    documents whose stored title holds the term, found by analyzing it again);
    ``column_values_at`` the values Whoosh's column reader gives, one document at a time, and
    ``stored_fields_at`` the stored fields its reader gives; ``segment_docs`` maps reader-wide
    document numbers to the segments' own, the stored fields through either the same."""
    with tempfile.TemporaryDirectory() as tmp:
        ix = write(Writer, Path(tmp) / "ix", docs, commits, deletes)
        with ix.reader() as reader:
            every = range(reader.doc_count_all())
            some = [d for d in every if d % 3 != 1]
            assert [
                (leaf.stored_fields(d), o + d)
                for leaf, o, local in segment_docs(reader, reversed(some))
                for d in local
            ] == [(reader.stored_fields(d), d) for d in some]
            for leaf, _ in reader.leaf_readers():
                deleted = set(leaf.segment().deleted_docs())
                field = leaf.schema["title"]
                terms = [
                    set(field.process_text(leaf.stored_fields(d)["title"], mode="index"))
                    for d in range(leaf.doc_count_all())
                ]
                for word in WORDS:
                    term = field.to_bytes(word)
                    live = (
                        list(leaf.postings("title", term).all_ids())
                        if (("title", term) in leaf)
                        else []
                    )
                    assert doc_ids(leaf, "title", term) == live
                    every = [d for d, ts in enumerate(terms) if word in ts]
                    assert doc_ids(leaf, "title", term, deleted=True) == every
                    assert [d for d in every if d not in deleted] == live
                column = leaf.column_reader("id", translate=False)
                docs_all = list(range(leaf.doc_count_all()))
                assert column_values_at(leaf, "id", docs_all) == [column[d] for d in docs_all]
                assert column_values_at(leaf, "id", docs_all[::-2]) == [
                    column[d] for d in docs_all[::-2]
                ]
                assert stored_fields_at(leaf, docs_all[::-2]) == [
                    leaf.stored_fields(d) for d in docs_all[::-2]
                ]
