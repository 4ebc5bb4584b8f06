"""One-pass ranking of simple queries (``ranking.rank``) gives Whoosh's hits, scores to the
last bit, order of ties and count; other queries are left to Whoosh."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh.qparser import OrGroup, QueryParser

from kscorpus.corpus.manifest import load_corpus
from kscorpus.index.store import build, open_index
from kscorpus.query.ranking import rank
from kscorpus.query.search import parse, search

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


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """Indexes whose posting lists run over many blocks (300 generated articles, ~2,000
    passages): fresh, and after an edit (two segments, a deletion)."""
    root = tmp_path_factory.mktemp("many")
    corpus = root / "corpus"
    gen = Path(__file__).parent.parent / "bench" / "gencorpus.py"
    subprocess.run([sys.executable, gen, corpus, "--size", "300"], check=True, capture_output=True)
    build(load_corpus(corpus), root / "fresh")
    shutil.copytree(root / "fresh", root / "updated")
    art = sorted(corpus.glob("*.txt"))[7]
    art.write_text(art.read_text(encoding="utf-8") + "\n快手主播谈信任电商。\n", "utf-8")
    build(load_corpus(corpus), root / "updated")
    return {name: open_index(root / name) for name in ("fresh", "updated")}


@pytest.mark.parametrize("which", ["fresh", "updated"])
def test_ranking_among_some_documents_skips_blocks_not_scores(many, which):
    """``rank(only=…)`` equals the full ranking restricted to those documents, though the
    blocks holding none of them are never decoded; best passages equal Whoosh's."""
    from whoosh import query as wq

    from kscorpus.query.search import _best_passages

    handle = many[which]
    rng = random.Random(8)
    multi = 0
    for name in ("articles", "passages"):
        s = handle.searcher(name)
        n = s.doc_count_all()
        for q in SIMPLE:
            query = parse(q, s.schema)[1]
            full = dict(rank(s, query, n)[0])
            multi += len(full) > 256
            for size in (1, 5, 60):
                only = set(rng.sample(range(n), size))
                want = sorted(
                    ((d, v) for d, v in full.items() if d in only), key=lambda x: (-x[1], x[0])
                )
                assert rank(s, query, n, only=only) == (want, len(want)), (q, only)
            if name == "articles":
                ids = [s.stored_fields(d)["id"] for d, _ in rank(s, query, 10)[0]]
                p = handle.searcher("passages")
                expected: dict = {}
                hits = p.search(query, limit=None, filter=wq.Or([wq.Term("id", i) for i in ids]))
                for f in hits:
                    expected.setdefault(f["id"], (f["pno"], f["text"], f["start"]))
                assert _best_passages(handle, query, ids) == expected, q
    assert multi >= 5  # posting lists of several blocks


def test_blocks_without_the_wanted_documents_are_not_decoded(many, monkeypatch):
    import pickle
    from types import SimpleNamespace

    from kscorpus.index import whoosh_fast

    decoded = []
    loads = SimpleNamespace(load=pickle.load, loads=lambda b: decoded.append(1) or pickle.loads(b))
    monkeypatch.setattr(whoosh_fast, "pickle", loads)
    s = many["fresh"].searcher("passages")
    query = parse("快手", s.schema)[1]
    top, total = rank(s, query, 10)
    every = len(decoded)
    assert total > 1000 and every >= 16
    decoded.clear()
    assert rank(s, query, 10, only={top[3][0]}) == ([top[3]], 1)
    assert len(decoded) <= 4  # its block in each field's list and segment
