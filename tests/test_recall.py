"""Search finds every string that is in the text (issue 21).

For any article and any run of 1-12 Han characters of its cleaned text (or of the Traditional
original of a converted article), or 2-3 consecutive English words, ``search`` finds the
article; for a Han string, the number of articles ``search`` reports is the number that hold
the string (brute force over title and cleaned text, compared character by character in
Simplified form, as the character fields index them). Word matches rank above matches of the
characters alone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kscorpus.corpus.manifest import load_corpus
from kscorpus.index.hanchars import fold
from kscorpus.index.store import build, open_index
from kscorpus.ingest.convert import to_simplified
from kscorpus.ingest.segment import HAN_RUN
from kscorpus.query.search import search

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


@pytest.fixture(scope="module")
def docs(handle):
    return {aid: handle.document(aid) for aid in handle.article_ids()}


@pytest.fixture(scope="module")
def haystacks(docs):
    """Each article's title and cleaned text as the character fields see them."""
    out = {}
    for aid, doc in docs.items():
        a = doc.article
        title = to_simplified(a.title) if a.script == "Hant" else a.title
        out[aid] = fold(title) + "\n" + fold(doc.text)
    return out


def holding(haystacks, han: str) -> set[str]:
    folded = fold(to_simplified(han))
    return {aid for aid, text in haystacks.items() if folded in text}


def found(handle, q: str) -> tuple[set[str], int]:
    res = search(handle, q, limit=50)
    return {h.id for h in res.hits}, res.total


def han_span(draw, text: str) -> tuple[int, int]:
    """A span of 1-12 characters inside one Han run of ``text``."""
    runs = list(HAN_RUN.finditer(text))
    assume(runs)
    m = draw(st.sampled_from(runs))
    n = draw(st.integers(1, min(12, len(m.group()))))
    start = draw(st.integers(m.start(), m.end() - n))
    return start, start + n


@SETTINGS
@given(data=st.data())
def test_every_han_substring_of_the_text_is_found_and_counted(handle, docs, haystacks, data):
    aid = data.draw(st.sampled_from(sorted(a for a, d in docs.items() if d.article.lang == "zh")))
    s, e = han_span(data.draw, docs[aid].text)
    han = docs[aid].text[s:e]
    ids, total = found(handle, han)
    assert aid in ids, han
    assert total == len(holding(haystacks, han)), han


@settings(SETTINGS, max_examples=60)
@given(data=st.data())
def test_every_han_substring_of_a_paragraph_is_found_by_passage_search(handle, docs, data):
    """``--passages``: the passages index has no character fields, yet an article holding the
    string in a paragraph yields a passage (by its words, or by the string itself); every
    passage found by characters alone holds the string."""
    aid = data.draw(st.sampled_from(sorted(a for a, d in docs.items() if d.article.lang == "zh")))
    s, e = han_span(data.draw, docs[aid].text)
    han = docs[aid].text[s:e]
    res = search(handle, han, limit=1000, passages=True)
    assert aid in {h.id for h in res.hits}, han
    assert res.total == len(res.hits)  # the limit is above every count of the bundled corpus
    # passages not shown are counted from positions, not read: the same count
    assert search(handle, han, limit=1, passages=True).total == res.total, han


def test_passages_of_articles_found_by_characters_alone_hold_the_string(handle):
    res = search(handle, "假一赔九", passages=True)
    assert res.total >= 1 and res.hits[0].id == "000"
    for h in res.hits:
        assert "假一赔九" in fold(h.snippet.text), h


@SETTINGS
@given(data=st.data())
def test_every_han_substring_of_a_traditional_original_is_found(handle, docs, data):
    hant = sorted(a for a, d in docs.items() if d.article.script == "Hant")
    aid = data.draw(st.sampled_from(hant))
    doc = docs[aid]
    i, j = han_span(data.draw, doc.text)
    # the original characters of a cleaned span untouched by repairs (same length, all Han)
    s, e = doc.offsets.span(i, j)
    original = doc.original[s:e]
    assume(len(original) == j - i and HAN_RUN.fullmatch(original))
    ids, _ = found(handle, original)
    assert aid in ids, original


@SETTINGS
@given(data=st.data())
def test_consecutive_english_words_are_found(handle, docs, data):
    en = sorted(a for a, d in docs.items() if d.article.lang == "en")
    aid = data.draw(st.sampled_from(en))
    words = docs[aid].text.split()
    n = data.draw(st.integers(2, 3))
    i = data.draw(st.integers(0, len(words) - n))
    picked = [re.sub(r"^[^\w]+|[^\w]+$", "", w) for w in words[i : i + n]]
    picked = [re.sub(r"[^\w\-'’.%]", " ", w) for w in picked]
    assume(all(w.strip() for w in picked) and not OPERATORS & set(picked))
    q = " ".join(picked)
    try:
        ids, _ = found(handle, q)
    except Exception as e:  # only stop words: the query has nothing to search for
        assume("no searchable words" not in str(e))
        raise
    assert aid in ids, q


@pytest.mark.parametrize(
    ("q", "aid"),
    [
        ("假一赔九", "000"),
        ("新市井电", "003"),
        ("全链", "003"),
        ("中小商", "002"),
        ("引力大会上再", "003"),
        ("方数据显示", "000"),
        ('"假一赔九"', "000"),
    ],
)
def test_the_issues_examples_are_found(handle, haystacks, q, aid):
    ids, total = found(handle, q)
    assert aid in ids
    assert total == len(holding(haystacks, q.strip('"')))


@pytest.mark.parametrize("q", ["假一赔九", "新市井电", "全链", "中小商", "电商", "快", "信任电商"])
def test_search_and_kwic_count_the_same_articles(handle, haystacks, q):
    from kscorpus.study.kwic import kwic

    res = search(handle, q, limit=50)
    lines = kwic(handle, q).lines
    assert res.total == len({ln.id for ln in lines}) == len(holding(haystacks, q))


def test_search_highlights_the_string(handle):
    res = search(handle, "假一赔九")
    snip = res.hits[0].snippet
    assert [snip.text[s:e] for s, e in snip.highlights] == ["假一赔九"]


@pytest.fixture(scope="module")
def extra(tmp_path_factory):
    """The bundled corpus with a Simplified article quoting Traditional characters, and one
    holding 手电 (a torch) as a word of its own."""
    from kscorpus.corpus.manage import add_articles

    root = tmp_path_factory.mktemp("recall")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    quoting = root / "quoting.txt"
    quoting.write_text(
        "这家小店开在老街的拐角，门口挂着一块旧招牌。\n招牌上写着：臺灣。\n"
        "店主说这是他父亲留下来的，已经有四十多年了。\n",
        "utf-8",
    )
    torch = root / "torch.txt"
    torch.write_text("夜里停电了，他拿出一个手电，手电的光照亮了整个房间。\n", "utf-8")
    report = add_articles(corpus, [quoting, torch], lang="zh")
    assert len(report.added) == 2, report
    build(load_corpus(corpus), root / "ix")
    handle = open_index(root / "ix")
    yield handle, [a.article.id for a in report.added]
    handle.close()


def test_a_simplified_article_quoting_traditional_is_found_by_either_script(extra):
    handle, (quoting, _) = extra
    assert handle.document(quoting).article.script == "Hans"
    for q in ("臺灣", "台湾", '"臺灣"', "招牌上写着", "牌上寫著"):
        q_ids = {h.id for h in search(handle, q).hits}
        assert quoting in q_ids, q
    hit = next(h for h in search(handle, "台湾").hits if h.id == quoting)
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.highlights] == ["臺灣"]
    from kscorpus.study.kwic import kwic

    assert [(ln.id, ln.match) for ln in kwic(handle, "台湾").lines] == [(quoting, "臺灣")]


def test_a_word_ranks_above_the_same_characters_inside_a_longer_word(extra):
    """手电 is a word of the torch article; in 快手电商 (快手|电商) its characters straddle two
    words. jieba's search mode would index 手电 as a sub-word of 快手电商; sub-words that
    straddle a seam of the word's own parts are not indexed (``Segmenter.subwords``), so
    快手电商 matches 手电 by its characters only."""
    handle, (_, torch) = extra
    res = search(handle, "手电", limit=20)
    assert res.hits[0].id == torch
    assert len(res.hits) > 1  # the 快手电商 articles are found too, ranked below
    assert all(h.score < res.hits[0].score / 2 for h in res.hits[1:])
