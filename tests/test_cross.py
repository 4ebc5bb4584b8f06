"""Cross-language search (``search --cross``: ``query/cross.py``, ``ranking.Group``) and
``similar``'s translation, on the bundled corpus and on news pairs outside its domain.

Oracles: Whoosh's own scoring of a single term (a group of one must score exactly as that
term), BM25 worked out by brute force from the documents' stored text (a group of several),
the unfiltered ranking filtered afterwards (``--lang`` through the fast path), co-occurrence
counted in the aligned segments' stored text (evidence weights), and ``pairs.tsv`` (which
article translates which)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length, length_to_byte

import kscorpus.cli.study  # noqa: F401  (registers similar on the app)
from kscorpus.cli.app import app
from kscorpus.index.analysis import latin_terms, tokens
from kscorpus.index.store import open_index
from kscorpus.ingest.convert import to_simplified
from kscorpus.query import cross
from kscorpus.query.ranking import Group, group, rank, term_ids
from kscorpus.query.search import search
from kscorpus.study.similar import similar

runner = CliRunner()
PAIRS = Path(__file__).resolve().parent / "data" / "news_pairs"


def scores(s, q) -> dict[int, float]:
    top, total = rank(s, q, 10_000)
    assert total == len(top)
    return dict(top)


def test_a_group_of_one_scores_as_its_term_does_in_whoosh(handle):
    s = handle.searcher("articles")
    for field, term in [("text", "电商"), ("title", "快手"), ("text", "brand")]:
        whoosh = {h.docnum: h.score for h in s.search(wq.Term(field, term), limit=None)}
        assert whoosh and scores(s, group(field, [((term,), 1.0)])) == whoosh
        # a translation no document holds changes nothing
        assert scores(s, group(field, [((term,), 1.0), (("没有这个词",), 1.0)])) == whoosh


def _brute_bm25(handle, field: str, members: list[tuple[str, float]]) -> dict[str, float]:
    """BM25 of a group from each article's stored text: the weighted sum of the members' counts
    as tf, the union of the articles holding one as df, Whoosh's formula and length bytes."""
    s = handle.searcher("articles")
    docs = {}
    for docnum, stored in s.reader().iter_docs():
        doc = handle.document(stored["id"])
        text = to_simplified(doc.article.title) if field == "title" else doc.text  # as indexed
        docs[docnum] = [
            t for t, *_ in tokens(text, handle.articles.schema[field].analyzer.userdict)
        ]
    stats = handle.meta["stats"]["articles"]
    n, avgfl = stats["docs"], stats["lengths"][field] / stats["docs"]
    df = sum(1 for toks in docs.values() if any(m in toks for m, _ in members))
    idf = math.log(n / (df + 1)) + 1
    k1, b = s.weighting.K1, s.weighting.B
    out = {}
    for d, toks in docs.items():
        tf = sum(w * toks.count(m) for m, w in members)
        if tf:
            fl = byte_to_length(length_to_byte(len(toks)))
            out[d] = idf * (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl))
    return out


@pytest.mark.parametrize(
    "members",
    [
        [("品牌", 1.0), ("牌子", 1.0)],
        [("信任", 1.0), ("服务商", 0.5), ("直播", 0.25)],
        [("brand", 1.0), ("trust", 0.4)],
    ],
)
def test_a_group_is_one_term_of_summed_tf_and_union_df(handle, members):
    got = scores(handle.searcher("articles"), group("text", [((m,), w) for m, w in members]))
    want = _brute_bm25(handle, "text", members)
    assert got.keys() == want.keys()
    assert all(math.isclose(got[d], want[d], rel_tol=1e-9) for d in got)


VOCABULARY = [
    "品牌",
    "牌子",
    "信任",
    "服务商",
    "直播",
    "快手",
    "电商",
    "brand",
    "trust",
    "没有的词",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(VOCABULARY), st.floats(0.05, 1.0)),
        min_size=1,
        max_size=5,
        unique_by=lambda m: m[0],
    ),
    st.sampled_from(["text", "title"]),
)
def test_any_group_scores_as_its_brute_force(handle, members, field):
    got = scores(handle.searcher("articles"), group(field, [((m,), w) for m, w in members]))
    want = _brute_bm25(handle, field, members)
    assert got.keys() == want.keys()
    assert all(math.isclose(got[d], want[d], rel_tol=1e-9) for d in got)


def test_many_translations_do_not_outweigh_one(handle):
    """BM25 saturates once per group: however many translations a document holds, a group
    scores below idf · (K1 + 1), where an OR of its terms would add one such share per term."""
    s = handle.searcher("articles")
    members = [((w,), 1.0) for w in ("品牌", "快手", "电商", "直播", "信任", "服务商")]
    got = scores(s, group("text", members))
    n = handle.meta["stats"]["articles"]["docs"]
    bound = (math.log(n / (len(got) + 1)) + 1) * (s.weighting.K1 + 1)
    assert got and max(got.values()) < bound
    plain = scores(s, wq.Or([wq.Term("text", w) for (w,), _ in members[:2]]))
    assert max(plain.values()) > max(scores(s, group("text", members[:2])).values())


def test_translations_of_the_bundled_corpus(handle):
    by_source = {t.source: t for t in cross.translate(handle, "court 法院 2024 GMV Kuaishou")}
    assert ("法院",) in [m for m, _ in by_source["court"].members]
    assert ("court",) in [m for m, _ in by_source["法院"].members]
    assert by_source["2024"].members == ((("2024",), 1.0),)  # numbers carry over
    assert by_source["gmv"].members == ((("gmv",), 1.0),)  # so do names no entry has
    assert [m for m, _ in by_source["kuaishou"].members] == [("快手",)]  # the glossary's
    # the glossary wins: its rendering, not the dictionary's 信任 + 电商
    (trust,) = cross.translate(handle, "信任电商")
    assert trust.members[0] == (("trust", "e", "commerc"), 1.0)
    renderings = handle.glossary().en_for("信任电商")  # trust / trustworthy e-commerce
    assert {m for m, _ in trust.members} == {tuple(latin_terms(r)) for r in renderings}
    assert cross.translate(handle, "的 了") == []
    # a Chinese translation is cut as the index cuts text: a phrase where it is several words
    (appeal,) = cross.translate(handle, "appeals court")
    assert appeal.source == "appeal court" and (("上诉", "法院"), 1.0) in appeal.members
    dated = cross.translate(handle, "2022年5月13日 大会")
    assert [t.source for t in dated] == ["2022", "5", "13", "大会"]  # 年, 月, 日 not translated
    assert [t.members for t in dated[:3]] == [(((n,), 1.0),) for n in ("2022", "5", "13")]
    # operators, fields and wildcards are syntax, not words
    assert [t.source for t in cross.translate(handle, "cour* OR id:003 AND 品?")] == []
    assert [t.source for t in cross.translate(handle, 'title:法院 "court of law"')] == ["court law"]


def test_evidence_from_aligned_segments_weighs_translations(handle):
    """Each candidate's weight is (aligned segments holding both it and the word + its prior)
    / (segments holding the word + 1), the best 1.0: counted here from the stored segments'
    text, not through the index's posting lists."""
    candidates = [(("战略",), 0.2), (("策略",), 1.0), (("品牌",), 0.5), (("没有的词",), 1.0)]
    ud = handle.articles.schema["text"].analyzer.userdict
    got = cross._Evidence(handle, ud).weigh("en", "strategi", "zh", candidates)
    words = [
        ({t for t, *_ in tokens(s["en"], ud)}, {t for t, *_ in tokens(s["zh"], ud)})
        for s in handle.segments("000", "001")
    ]
    held = [zh for en, zh in words if "strategi" in en]
    assert len(held) >= cross.MIN_EVIDENCE
    raw = {c: (sum(c[0] in zh for zh in held) + p) / (len(held) + 1) for c, p in candidates}
    top = max(raw.values())
    assert dict(got) == pytest.approx({c: v / top for c, v in raw.items()})
    assert got[0] == (("战略",), 1.0)  # the evidence overrules the priors
    # a word of no aligned segment keeps its priors, scaled to the best
    assert cross._Evidence(handle, ud).weigh("en", "zebra", "zh", candidates[:2]) == (
        (("策略",), 1.0),
        (("战略",), 0.2),
    )


def test_a_word_of_a_two_word_translation_and_common_words_first(handle):
    (brand,) = cross.translate(handle, "brand")
    assert brand.members[0] == (("品牌",), 1.0)  # CC-CEDICT: 品牌 "brand name"
    lexicon = cross.load_lexicon()
    assert "品牌" not in lexicon.zh("brand") and "品牌" in lexicon.part("brand")


def test_not_excludes_from_the_translations_too(handle):
    s = handle.searcher("articles")
    brand = {s.stored_fields(d)["id"] for d in term_ids(s, "text", "品牌")}
    assert {h.id for h in search(handle, "brand", cross=True).hits} & brand
    found = search(handle, "brand NOT 品牌", cross=True)
    assert found.hits and not {h.id for h in found.hits} & brand
    assert "品牌" not in found.terms  # nor translated


def test_cross_with_a_language_filter_is_the_unfiltered_ranking_filtered(handle):
    for q, lang in [("brand strategy", "zh"), ("快品牌 战略", "en"), ("trust e-commerce", "zh")]:
        every = search(handle, q, limit=50, cross=True)
        want = [(h.id, round(h.score, 9)) for h in every.hits if h.lang == lang]
        got = search(handle, q, limit=50, cross=True, lang=lang)
        assert [(h.id, round(h.score, 9)) for h in got.hits] == want


def test_cross_search_through_the_cli(index_dir):
    args = ["--index", str(index_dir), "--json"]
    plain = json.loads(runner.invoke(app, ["search", "brand strategy", *args]).stdout)
    assert {h["lang"] for h in plain["hits"]} == {"en"}
    r = runner.invoke(app, ["search", "brand strategy", "--cross", *args])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {h["lang"] for h in out["hits"]} == {"en", "zh"}
    assert "战略" in out["terms"] and "品牌" in out["terms"]  # highlighted in Chinese hits
    r = runner.invoke(app, ["search", "brand", "--cross", "--index", str(index_dir)])
    assert r.exit_code == 0 and "【品牌】" in r.stdout


def test_similar_finds_no_translation_where_there_is_none(handle):
    assert "translation" not in {n.why for n in similar(handle, "003")}
    assert "translation" not in {n.why for n in similar(handle, "002")}


# --- news pairs outside the glossary's domain -------------------------------------------


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """A corpus of the bundled articles and every news file, no pair linked, built by the
    CLI as a user would; its id by title."""
    root = tmp_path_factory.mktemp("news")
    args = ["--corpus", str(root / "c"), "--index", str(root / "ix")]
    assert runner.invoke(app, ["init", str(root / "c")]).exit_code == 0
    files = sorted((PAIRS.parent.parent.parent / "corpus").glob("0*.txt"))
    files += sorted(PAIRS.glob("*_*.txt"))
    r = runner.invoke(app, ["add", *map(str, files), *args])
    assert r.exit_code == 0, r.output
    listed = json.loads(runner.invoke(app, ["list", "--json", *args]).stdout)
    return args, {a["title"]: a["id"] for a in listed}


def pairs(ids):
    for row in csv.DictReader((PAIRS / "pairs.tsv").open(encoding="utf-8"), delimiter="\t"):
        zh = (PAIRS / row["zh_file"]).read_text(encoding="utf-8").splitlines()[0].strip()
        en = (PAIRS / row["en_file"]).read_text(encoding="utf-8").splitlines()[0].strip()
        yield row, ids[zh], ids[en]


def test_headlines_find_their_translation_across_languages(news):
    """Issue 22 measured 0 of 17 each way with the glossary alone; measured now: every pair
    at rank 1. The floor leaves room for a harder pair, not for a regression to chance."""
    args, ids = news
    found = {"zh": [], "en": []}
    for row, zh, en in pairs(ids):
        for headline, lang, want in (
            (row["headline_en"], "zh", zh),
            (row["headline_zh"], "en", en),
        ):
            r = runner.invoke(
                app, ["search", headline, "--cross", "--lang", lang, "-n", "3", "--json", *args]
            )
            assert r.exit_code == 0, r.output
            found[lang].append(want in [h["id"] for h in json.loads(r.stdout)["hits"]])
    n = len(found["zh"])
    assert n >= 14
    assert sum(found["zh"]) >= 0.85 * n and sum(found["en"]) >= 0.85 * n, found


def test_similar_puts_an_unlinked_translation_first(news):
    args, ids = news
    handle = open_index(Path(args[3]))
    first = []
    for _, zh, en in pairs(ids):
        for me, other in ((zh, en), (en, zh)):
            top = similar(handle, me, 3)[0]
            first.append(top.id == other and top.why == "translation")
    assert sum(first) >= 0.85 * len(first), first
    # the bundled articles with no translation still have none
    for aid in ("002", "003", "004"):
        assert "translation" not in {n.why for n in similar(handle, aid)}
    _, zh, en = next(pairs(ids))  # and the CLI says the same
    r = runner.invoke(app, ["similar", zh, "-n", "2", "--json", *args])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["similar"][0] == {**similar(handle, zh)[0].to_json(), "id": en}


def test_group_is_a_whoosh_or(handle):
    """Whoosh's own path (facets) runs a group as the OR of its members."""
    g = group("text", [(("品牌",), 1.0), (("trust",), 0.5)])
    assert isinstance(g, Group) and isinstance(g, wq.Or)
    found = search(handle, "brand", cross=True, facets=True)
    assert found.facets and found.total >= 2


def test_cross_ranks_passages_by_their_words_or_translations(handle):
    found = search(handle, "brand strategy", cross=True, passages=True, lang="zh", limit=5)
    assert found.unit == "passage" and found.hits
    for h in found.hits:
        doc = handle.document(h.id)
        text = doc.paragraph_text(h.passage)
        assert h.lang == "zh" and ("品牌" in text or "战略" in text), text


@pytest.mark.parametrize(
    "q",
    ["brand strategy trust conference", "快品牌 战略 NOT 磁力引擎", "brand OR 战略", "bran* 战略"],
)
def test_the_top_n_of_a_cross_query_do_not_depend_on_n(handle, q):
    """Groups rank on ``rank``'s path whatever the query's shape (ANDs of many parts, NOT),
    so asking for fewer hits gives the first of the same list (Whoosh's own path, which a
    wildcard still takes, is checked too)."""
    for lang in ("zh", "en", None):
        every = [(h.id, h.score) for h in search(handle, q, limit=10, lang=lang, cross=True).hits]
        for n in (1, 2, 3):
            got = [(h.id, h.score) for h in search(handle, q, limit=n, lang=lang, cross=True).hits]
            assert got == every[:n], (lang, n)


def test_a_long_cross_query_ranks_its_groups_itself(handle):
    from kscorpus.query.cross import query, translate

    translated = query(translate(handle, "brand strategy trust conference"))
    assert rank(handle.searcher("articles"), translated, 3) is not None


def test_a_words_commonest_translation_is_kept_among_its_many(handle):
    """flood has 27 Chinese renderings in CC-CEDICT, single characters first by sense order;
    洪水 and 洪灾, how news says it, are among the ones the group keeps."""
    (flood,) = cross.translate(handle, "floods")
    kept = {words for words, _ in flood.members}
    assert {("洪水",), ("洪灾",)} <= kept
