"""kscorpus's BM25 (lengths read a segment at a time) scores exactly as Whoosh's BM25F."""

from __future__ import annotations

import pytest
from whoosh.qparser import OrGroup, QueryParser
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from kscorpus.index.store import open_index
from kscorpus.query.scoring import BM25, _length_bytes

QUERIES = ["信任", "电商 快手", "trust", "主播 OR GMV", '"信任电商"', "text:直播间 title:快手"]


@pytest.mark.parametrize("name", ["articles", "passages"])
@pytest.mark.parametrize("limit", [None, 3])
def test_scores_equal_whooshs_bm25f(updated_index, name, limit):
    ix = getattr(open_index(updated_index), name)
    assert len(ix.reader().leaf_readers()) == 2 and ix.reader().has_deletions()
    parser = QueryParser("text", ix.schema, group=OrGroup)
    with ix.searcher(weighting=BM25F()) as whoosh, ix.searcher(weighting=BM25()) as ours:
        for q in QUERIES:
            query = parser.parse(q)
            expected = [(h.docnum, h.score) for h in whoosh.search(query, limit=limit)]
            assert expected, q
            assert [(h.docnum, h.score) for h in ours.search(query, limit=limit)] == expected


def test_length_bytes_are_the_lengths_whoosh_reads(updated_index):
    for name in ("articles", "passages"):
        for reader, _ in open_index(updated_index).searcher(name).reader().leaf_readers():
            lengths = _length_bytes(reader, "text")
            assert lengths is not None and len(lengths) == reader.doc_count_all()
            assert [byte_to_length(b) for b in lengths] == [
                reader.doc_field_length(d, "text") for d in range(reader.doc_count_all())
            ]
