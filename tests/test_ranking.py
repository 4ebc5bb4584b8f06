"""One-pass ranking of simple queries (``ranking.rank``) gives Whoosh's hits, scores to the
last bit, order of ties and count; other queries are left to Whoosh."""

from __future__ import annotations

import pytest
from whoosh.qparser import OrGroup, QueryParser

from kscorpus.index import open_index
from kscorpus.ranking import rank
from kscorpus.search import parse, search

SIMPLE = [
    "信任电商",
    "信任電商",
    "快品牌",
    "电商 快手",
    "trust e-commerce",
    "e-commerce",
    "GMV",
    "title:快手",
    "text:直播间 title:快手",
    "zzyzx",
    '"大搞信任电商"',
    '"快手 电商"',
    '"信任 电商"',
    '"trust e-commerce"',
    '"Kuaishou e-commerce"',  # three words: Whoosh adds them as a + (b + c)
    '"电商 zzyzx"',
]
OTHER = ["快手 电商 直播", "主播 OR GMV", "信任 NOT 电商", "trust*"]


def whoosh_ranking(s, q, limit):
    results = s.search(q, limit=limit)
    return [(h.docnum, h.score) for h in results], len(results)


@pytest.mark.parametrize("fresh", [True, False])
@pytest.mark.parametrize("name", ["articles", "passages"])
@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_simple_queries_rank_as_whoosh(index_dir, updated_index, fresh, name, limit):
    s = open_index(index_dir if fresh else updated_index).searcher(name)
    if not fresh:
        assert len(s.reader().leaf_readers()) == 2 and s.reader().has_deletions()
    or_parser = QueryParser("text", s.schema, group=OrGroup)
    ranked = 0
    for q in SIMPLE:
        for query in (parse(q, s.schema)[1], or_parser.parse(q)):
            got = rank(s, query, limit)
            assert got is not None, query
            top, total = got
            expected, count = whoosh_ranking(s, query, limit)
            assert (top, total) == (expected, count), query
            ranked += bool(top)
    assert ranked >= 15  # not only empty answers


def test_ties_rank_by_document_number(handle):
    s = handle.searcher("passages")
    top, total = rank(s, parse("快手", s.schema)[1], 1000)
    assert total == len(top) > 50
    scores = [score for _, score in top]
    assert len(set(scores)) < len(scores)  # there are ties, and Whoosh's order kept them
    assert top == whoosh_ranking(s, parse("快手", s.schema)[1], 1000)[0]


@pytest.mark.parametrize("q", OTHER)
def test_other_queries_are_left_to_whoosh(handle, q):
    s = handle.searcher("articles")
    assert rank(s, parse(q, s.schema)[1], 10) is None
    assert search(handle, q).total == len(s.search(parse(q, s.schema)[1], limit=None))
