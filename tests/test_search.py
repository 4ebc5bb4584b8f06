"""Search through the library API, on the bundled corpus."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kscorpus.errors import QueryError
from kscorpus.query.search import normalize_query, search
from kscorpus.timings import Timings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def ids(res):
    return [h.id for h in res.hits]


def test_trust_ecommerce_finds_the_three_chinese_articles(handle):
    res = search(handle, "信任电商")
    assert sorted(ids(res)) == ["000", "003", "004"]
    for h in res.hits:
        spans = [h.snippet.text[s:e] for s, e in h.snippet.highlights]
        assert "信任电商" in spans, (h.id, h.snippet)


def test_traditional_query_equals_simplified(handle):
    simp, trad = search(handle, "信任电商"), search(handle, "信任電商")
    assert normalize_query("信任電商") == "信任电商"
    assert [(h.id, h.score) for h in trad.hits] == [(h.id, h.score) for h in simp.hits]


def test_traditional_article_matches_only_through_conversion(handle):
    doc = handle.document("004")
    assert "信任電商" in doc.original and "信任电商" not in doc.original
    assert "信任电商" in doc.text


def test_phrase_query_finds_what_the_bare_term_finds(handle):
    assert sorted(ids(search(handle, '"信任电商"'))) == sorted(ids(search(handle, "信任电商")))
    # a multi-word phrase: positions must be token numbers for this to match
    assert "003" in ids(search(handle, '"大搞信任电商"'))
    assert "003" in ids(search(handle, '"以直播间为超级节点"'))


def test_phrase_is_stricter_than_and(handle):
    loose = set(ids(search(handle, "直播间 节点")))
    strict = set(ids(search(handle, '"节点 直播间"')))
    assert strict < loose


def test_english_query_is_stemmed(handle):
    res = search(handle, "trust e-commerce")
    assert "001" in ids(res)
    assert ids(search(handle, "providers")) == ids(search(handle, "provider")) == ["001"]


def test_magnetic_engine_article_first(handle):
    assert ids(search(handle, "磁力引擎"))[0] == "003"


def test_filters_and_boolean_syntax(handle):
    assert ids(search(handle, "信任电商", lang="en")) == []
    assert ids(search(handle, "信任电商 id:003")) == ["003"]
    assert "003" not in ids(search(handle, "信任电商 NOT 磁力引擎"))
    assert set(ids(search(handle, "磁力引擎 OR Gravity"))) >= {"001", "003"}
    assert set(ids(search(handle, "lang:en"))) == {"001"}


def test_snippets_are_cut_at_chinese_sentence_punctuation(handle):
    for h in search(handle, "磁力引擎", limit=5).hits:
        inner = h.snippet.text[:-1]
        # a snippet is one or more whole sentences, or a window inside one: it never carries a
        # sentence end in its middle unless it took whole sentences
        assert len(h.snippet.text) <= 120
        assert not re.search(r"[。！？；]", inner) or h.snippet.text[-1] in "。！？；”"


def test_highlight_prefers_the_longest_match(handle):
    res = search(handle, "信任 信任电商", limit=5)
    seen = []
    for h in res.hits:
        text = h.snippet.text
        for s, e in h.snippet.highlights:
            seen.append(text[s:e])
            assert not (text[s:e] == "信任" and text[e : e + 2] == "电商")  # 信任 inside 信任电商
        for a, b in zip(h.snippet.highlights, h.snippet.highlights[1:]):
            assert a[1] < b[0]  # merged: never overlapping or touching
    assert "信任电商" in seen


def test_passages_mode_ranks_paragraphs(handle):
    res = search(handle, "磁力引擎", passages=True, limit=3)
    assert res.unit == "passage" and len(res.hits) == 3
    assert all(h.id == "003" for h in res.hits)
    assert len({h.passage for h in res.hits}) == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ("colour:red", "unknown field 'colour:'"),
        ("the", "no searchable words"),
    ],
)
def test_bad_queries(handle, query, message):
    with pytest.raises(QueryError, match=message):
        search(handle, query)


def test_original_snippet_is_located_in_the_original_text(handle):
    hit = search(handle, "信任电商 id:004", original=True).hits[0]
    o = hit.original
    assert [o.text[s:e] for s, e in o.highlights] == ["信任電商"]
    doc = handle.document("004")
    assert doc.original[o.passage_start + o.start : o.passage_start + o.end] == o.text
    assert hit.snippet.text == "“大搞信任电商、大搞品牌、大搞服务商。”"


def test_chinese_phrase_is_highlighted_as_a_whole(handle):
    for h in search(handle, '"以直播间为超级节点"').hits:
        assert [h.snippet.text[s:e] for s, e in h.snippet.highlights] == ["以直播间为超级节点"]


def test_skipping_opencc_for_queries_it_would_not_change(handle):
    from test_fastseg import QUERIES

    convertible = handle.convertible()
    assert convertible and "電" in convertible and "电" not in convertible
    for q in [*QUERIES, "隨著", "著作", "記憶體", "乾安縣"]:
        assert normalize_query(q, convertible) == normalize_query(q)


def test_timings_name_the_phases_of_a_search(handle):
    clock = Timings()
    plain = search(handle, "信任電商")
    timed = search(handle, "信任電商", timings=clock)
    assert timed == plain  # timing changes nothing
    assert list(clock.phases) == ["parse", "search", "highlight"]
    assert all(s >= 0 for s in clock.phases.values())
    search(handle, "信任电商", original=True, timings=clock)
    assert list(clock.phases) == ["parse", "search", "highlight", "more"]


def test_cli_timings_go_to_stderr_in_one_line(index_dir):
    cmd = [sys.executable, "-m", "kscorpus", "search", "信任电商", "--json", "--timings"]
    proc = subprocess.run(
        [*cmd, "--corpus", str(CORPUS), "--index", str(index_dir)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 3  # stdout is the JSON alone
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("kscorpus: timings:")]
    phases = dict(
        (m[1], int(m[2])) for m in re.finditer(r"([a-z-]+) (\d+) ms", line.split(": ", 2)[2])
    )
    names = ["imports", "index", "parse", "search", "highlight", "check", "render", "total"]
    assert [n for n in phases if n != "start-up"] == names
    assert abs(sum(v for n, v in phases.items() if n != "total") - phases["total"]) <= len(names)


def test_a_search_imports_none_of_ingest(index_dir):
    """A search's start-up is most of its time: jieba, OpenCC, the cleaning pipeline and the
    writer load only when a command needs them (issue 8)."""
    code = (
        "import sys\nfrom kscorpus.cli.app import main\nsys.argv[1:] = sys.argv[2:]\n"
        "try:\n    main()\nfinally:\n    print(' '.join(sorted(sys.modules)), file=sys.stderr)"
    )
    args = ["search", "信任电商", "--json", "--corpus", str(CORPUS), "--index", str(index_dir)]
    proc = subprocess.run(
        [sys.executable, "-c", code, "-", *args], capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout)["total"] == 3
    modules = set(proc.stderr.splitlines()[-1].split())
    assert "kscorpus.query.search" in modules
    unwanted = {
        "jieba",
        "opencc",
        "kscorpus.ingest.pipeline",
        "kscorpus.index.writing",
        "multiprocessing",
    }
    assert not unwanted & modules


@pytest.mark.parametrize("passages", [False, True])
def test_totals_counted_from_posting_ids_equal_whoosh_counts(handle, passages):
    from kscorpus.index.hanchars import fold
    from kscorpus.query.chars import with_chars
    from kscorpus.query.ranking import match_ids
    from kscorpus.query.search import _strings, parse

    ix = handle.passages if passages else handle.articles
    s = handle.searcher("passages" if passages else "articles")
    queries = ["信任电商", "trust e-commerce", "GMV OR 快品牌", "信任 电商", "title:引力大会 电商"]
    phrases = ['"大搞信任电商"', '"信任 电商"', '"电商 的"', '"kuaishou e-commerce"']
    phrases += ['"信任电商 的"', '"服务商 大会"', '"gravity conference"', '"不存在的短语"']
    phrases += ['"快手电商 引力大会 北京"']
    queries += [*phrases, "电*", "直播 NOT 服务商"]  # the last two counted by Whoosh
    counted = 0
    for q in queries:
        normalized, words = parse(q, ix.schema)
        parsed = with_chars(words, fold, _strings(normalized, ix.schema))  # as search does
        if passages:  # by words, then the paragraphs holding the string of char-only articles
            extra = _char_only_paragraphs(handle, words, parsed)
            whoosh_count = len(s.search(words, limit=1)) + extra
        else:
            whoosh_count = len(s.search(parsed, limit=1))
        assert search(handle, q, passages=passages).total == whoosh_count, q
        if q in phrases:
            assert match_ids(s, parsed) is not None, q  # counted from positions
            counted += whoosh_count > 0
    assert counted >= 6  # phrases that match, not only empty answers


@pytest.mark.parametrize("fresh", [True, False])
def test_term_ids_read_by_block_are_whooshs_matches(index_dir, updated_index, fresh):
    """On one segment, and on two segments with a deleted document (the filtered blocks)."""
    from whoosh.qparser import OrGroup, QueryParser

    from kscorpus.index.store import open_index
    from kscorpus.query.ranking import match_ids

    h = open_index(index_dir if fresh else updated_index)
    for name in ("articles", "passages"):
        s = h.searcher(name)
        parser = QueryParser("text", s.schema, group=OrGroup)
        if not fresh:
            assert any(leaf.has_deletions() for leaf, _ in s.reader().leaf_readers())
        for q in [
            "信任",
            "电商 快手",
            "trust",
            "主播 OR GMV",
            "title:快手",
            "text:不存在",
            '"大搞信任电商"',
        ]:
            parsed = parser.parse(q)
            assert match_ids(s, parsed) == {hit.docnum for hit in s.search(parsed, limit=None)}


@pytest.mark.parametrize("q", ["信任电商", "trust e-commerce", '"大搞信任电商"', "GMV OR 快品牌"])
def test_a_search_of_terms_and_phrases_never_makes_whoosh_count(handle, q, monkeypatch):
    """Whoosh counts matches by running the whole query again (``len(results)``, which
    ``list(results)`` calls too): totals of these queries come from posting lists instead."""
    from whoosh.searching import Results

    expected = search(handle, q).total

    def no_count(self):
        raise AssertionError("Whoosh was asked to count the matches")

    monkeypatch.setattr(Results, "__len__", no_count)
    r = search(handle, q)
    assert r.total == expected > 0 and r.hits


def _char_only_paragraphs(handle, words, widened) -> int:
    """Paragraphs holding a Han string of ``widened``'s character nodes, in the articles
    Whoosh finds by ``widened`` but none of whose passages by ``words``: a brute force over
    the paragraphs."""
    from whoosh import query as wq

    from kscorpus.index.hanchars import fold, joined

    by_words = {h["id"] for h in handle.searcher("passages").search(words, limit=None)}
    s = handle.searcher("articles")
    only = [h["id"] for h in s.search(widened, limit=None) if h["id"] not in by_words]
    strings = set()
    for leaf in widened.leaves():
        if getattr(leaf, "fieldname", "").endswith("_chars"):
            strings.add(joined(list(leaf.words)) if isinstance(leaf, wq.Phrase) else leaf.text)
    count = 0
    for aid in only:
        doc = handle.document(aid)
        for i in range(len(doc.paragraphs)):
            text = fold(doc.paragraph_text(i))
            count += any(h in text for h in strings)
    return count


@pytest.mark.parametrize("q", ["0 ANDNOT 0", "电商 ANDNOT 电商"])
def test_a_binary_node_whoosh_cannot_simplify_answers(handle, q):
    """Whoosh's ``simplify`` raises TypeError on ``a ANDNOT a`` (found by the query fuzzer):
    the query answers, and nothing matches what it also excludes."""
    res = search(handle, q)
    assert res.total == 0 and res.hits == []
