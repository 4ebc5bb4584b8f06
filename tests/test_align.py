"""Paragraph alignment: accuracy against the hand-made gold for 000 ↔ 001, the anchors it relies
on (numbers across languages, the glossary), and the DP's edge cases. Pair detection is in
test_pairs.py."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.bilingual.align import (
    GLOSSARY,
    Glossary,
    Link,
    align,
    load_glossary,
    quantities,
)
from kscorpus.corpus.manifest import Corpus
from kscorpus.errors import CorpusError
from kscorpus.ingest.pipeline import Document, prepare

GOLD = Path(__file__).resolve().parent / "gold" / "align_000_001.tsv"
NEWS = Path(__file__).resolve().parent / "data" / "news_pairs"
Links = list[tuple[tuple[int, ...], tuple[int, ...]]]
_PUNCT = re.compile(r"[\W_]+")


@pytest.fixture(scope="module")
def glossary(corpus: Corpus) -> Glossary:
    return load_glossary(corpus.root / GLOSSARY)


@pytest.fixture(scope="module")
def docs(corpus: Corpus) -> dict[str, Document]:
    return {a.id: prepare(corpus, a) for a in corpus.articles}


def paras(doc: Document) -> list[str]:
    return [doc.paragraph_text(i) for i in range(len(doc.paragraphs))]


def _fold(text: str) -> str:
    """Keys survive changes of punctuation, width and spacing made by the cleaning stages."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))


def find_paragraph(key: str, texts: list[str]) -> int:
    """The one paragraph equal to ``key``, else the one starting with it."""
    k = _fold(key)
    folded = [_fold(t) for t in texts]
    hits = [i for i, t in enumerate(folded) if t == k]
    hits = hits or [i for i, t in enumerate(folded) if t.startswith(k)]
    if len(hits) != 1:
        found = [texts[i][:40] for i in hits]
        pytest.fail(f"gold key {key!r} matches {len(hits)} paragraphs, not one: {found}")
    return hits[0]


def load_gold(
    zh: list[str], en: list[str], path: Path = GOLD
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    links = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        zk, en_keys = line.split("\t")
        links.append(
            (
                tuple(find_paragraph(k, zh) for k in zk.split("|") if k),
                tuple(find_paragraph(k, en) for k in en_keys.split("|") if k),
            )
        )
    return links


def pairs(links: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> set[tuple[int, int]]:
    return {(i, j) for z, e in links for i in z for j in e}


def precision_recall(predicted: set, gold: set) -> tuple[float, float]:
    hit = len(predicted & gold)
    return hit / len(predicted), hit / len(gold)


def perturb(
    texts: list[str], gold: Links, side: int, rng: random.Random, drop: int, join: int
) -> tuple[list[str], Links]:
    """Drop ``drop`` paragraphs of one side (0 zh, 1 en), join ``join`` pairs of its neighbours,
    and carry the gold along: links that a join spans merge, a link left with only the other
    side splits into 1:0 / 0:1 links."""
    groups = [[i] for i in sorted(rng.sample(range(len(texts)), len(texts) - drop))]
    for _ in range(join):
        k = rng.randrange(len(groups) - 1)
        groups[k : k + 2] = [groups[k] + groups[k + 1]]
    new_of = {i: n for n, g in enumerate(groups) for i in g}
    merged: list[tuple[list[int], list[int]]] = []  # (this side, other side)
    for link in gold:
        mine = list(dict.fromkeys(new_of[i] for i in link[side] if i in new_of))
        other = list(link[1 - side])
        if not mine:
            merged.extend(([], [o]) for o in other)
            continue
        hit = next((k for k, (m, _) in enumerate(merged) if set(m) & set(mine)), len(merged))
        for m, o in merged[hit:]:
            mine, other = list(dict.fromkeys(m + mine)), o + other
        del merged[hit:]
        merged.append((mine, other))
    out = [(tuple(sorted(m)), tuple(sorted(o))) for m, o in merged]
    return [" ".join(texts[i] for i in g) for g in groups], [x[::-1] if side else x for x in out]


def news_pairs() -> list[tuple[str, list[str], list[str], Path]]:
    """Each news pair with a gold file: its number, paragraphs (the non-blank lines) and gold
    file."""
    out = []
    for gold in sorted(GOLD.parent.glob("align_news_*.tsv")):
        n = gold.stem.rsplit("_", 1)[1]
        zh, en = (
            [ln.strip() for ln in (NEWS / f"{n}_{lang}.txt").read_text("utf-8").splitlines()]
            for lang in ("zh", "en")
        )
        out.append((n, [p for p in zh if p], [p for p in en if p], gold))
    return out


def test_gold_covers_both_articles_once(docs):
    zh, en = paras(docs["000"]), paras(docs["001"])
    gold = load_gold(zh, en)
    assert sorted(i for z, _ in gold for i in z) == list(range(len(zh)))
    assert sorted(j for _, e in gold for j in e) == list(range(len(en)))


def test_alignment_of_000_001_against_gold(docs, glossary):
    zh, en = paras(docs["000"]), paras(docs["001"])
    gold = load_gold(zh, en)
    links = align(zh, en, glossary)
    predicted = [(x.zh, x.en) for x in links]
    link_p, link_r = precision_recall(set(predicted), set(gold))
    pair_p, pair_r = precision_recall(pairs(predicted), pairs(gold))
    print(
        f"\n000↔001: {len(zh)} zh / {len(en)} en paragraphs, {len(gold)} gold links\n"
        f"  links: precision {link_p:.3f} recall {link_r:.3f}\n"
        f"  paragraph pairs: precision {pair_p:.3f} recall {pair_r:.3f}"
    )
    for x in links:
        if (x.zh, x.en) not in gold:
            print(f"  not in gold: {x}")
    assert min(pair_p, pair_r) >= 0.9
    assert min(link_p, link_r) >= 0.9


@pytest.mark.parametrize("side", [0, 1])
def test_alignment_survives_missing_paragraphs(docs, glossary, side):
    """Drop every fourth paragraph of one side: their partners become 1:0 / 0:1 links, and the
    anchors keep the rest in place (length alone drifts; see bench/align_eval.py)."""
    texts = [paras(docs["000"]), paras(docs["001"])]
    gold = load_gold(*texts)
    kept = [i for i in range(len(texts[side])) if i % 4 != 2]
    new = {old: n for n, old in enumerate(kept)}
    texts[side] = [texts[side][i] for i in kept]
    expected = []
    for link in gold:
        mine = tuple(new[i] for i in link[side] if i in new)
        if mine or not link[1 - side]:
            expected.append((mine, link[1]) if side == 0 else (link[0], mine))
        else:
            expected.extend((((o,), ()) if side else ((), (o,))) for o in link[1 - side])
    predicted = [(x.zh, x.en) for x in align(*texts, glossary)]
    p, r = precision_recall(pairs(predicted), pairs(expected))
    print(f"\nside {side} missing every 4th paragraph: pair precision {p:.3f} recall {r:.3f}")
    assert min(p, r) >= 0.9


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("230亿", "23 billion"),
        ("6244万", "62.44 million"),
        ("1亿", "100 million"),
        ("10亿", "1 billion"),
        ("50万", "500,000"),
        ("230多亿", "23 billion+"),
        ("50万亿", "50 trillion"),
        ("76.71%", "76.71 %"),
        ("2021年Q4", "Q4 of 2021"),
        ("2022年第一季度", "Q1 2022"),
        ("21万", "210,000"),
        ("5月13日", "May 13"),
        ("2021年7月", "July 2021"),
        ("10-100万", "100,000 to 1 million"),
    ],
)
def test_amounts_normalize_to_the_same_value_in_both_languages(zh, en):
    assert set(quantities(zh)) == set(quantities(en))
    assert quantities(zh)


def test_quantity_kinds():
    assert quantities("230亿") == [("num", 2.3e10)]
    assert quantities("76.71%") == [("pct", 76.71)]
    assert ("quarter", (2021, 4)) in quantities("2021年Q4")
    assert quantities("4月30日") == [("date", (4, 30))]
    assert ("pct", 76.71) not in quantities("76.71")


@pytest.mark.parametrize("lookalike", ["ſep 5, 2021", "Aprıl 5", "APRİL 2021"])
def test_a_month_spelled_with_a_letter_re_folds_is_not_a_date(lookalike):
    """``re.I`` lets ſ, ı and İ match s and i: such a "month" is no date (it used to stop the
    ingest with a KeyError)."""
    assert not [a for a in quantities(lookalike) if a[0] in ("date", "month")]
    assert ("date", (9, 5)) in quantities("Sep 5, 2021")


def test_shipped_glossary_has_the_domain_terms(glossary):
    assert "trust e-commerce" in glossary.en_for("信任电商")
    assert {"Kuai brand", "fast brand"} <= set(glossary.en_for("快品牌"))
    assert set(glossary.zh_for("Magnetic Engine")) == {"磁力引擎", "磁引擎"}
    assert "直播间" in glossary.zh_for("live broadcast rooms")  # plural, via stems
    assert "服务商" in glossary.zh_for("SERVICE PROVIDERS")
    assert "晓谷" in glossary.zh_for("Xiaogu") and "笑古" in glossary.zh_for("Xiao Gu")
    assert glossary.en_for("不在词表") == ()
    assert glossary.concepts_zh("磁引擎") == glossary.concepts_en("the Magnetic Engine")


def test_glossary_loader(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_bytes(
        "\ufeff# comment\n\n快品牌\tKuai brand|fast brand \n私域\tprivate domain\n".encode()
    )
    g = load_glossary(path)
    assert g.entries == (("快品牌", ("Kuai brand", "fast brand")), ("私域", ("private domain",)))
    assert g.zh_for("Fast Brands") == ("快品牌",)
    path.write_text("快品牌 Kuai brand\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"g\.tsv:1: expected"):
        load_glossary(path)
    path.write_text("其\tit|the\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"g\.tsv:1: .*only stop words"):
        load_glossary(path)
    with pytest.raises(CorpusError, match="cannot read glossary"):
        load_glossary(tmp_path / "missing.tsv")


def test_empty_sides():
    """Nothing to pair with: every paragraph is a 1:0 (or 0:1) link, and a sure one."""
    g = Glossary([])
    assert align([], [], g) == []
    assert [(x.zh, x.en) for x in align([], ["a", "b"], g)] == [((), (0,)), ((), (1,))]
    assert [(x.zh, x.en) for x in align(["一", "二"], [], g)] == [((0,), ()), ((1,), ())]
    assert all(x.confidence == pytest.approx(1.0) for x in align(["一", "二"], [], g))


def test_a_paragraph_one_side_lacks_stays_unlinked():
    """An English paragraph the Chinese lacks stays 0:1: its anchors match neither neighbour."""
    g = Glossary([("信任电商", ["trust e-commerce"])])
    zh = ["拦截6244万次。" * 3, "信任电商覆盖50万亿订单。" * 3]
    en = [
        "It intercepted 62.44 million fakes. " * 3,
        "Its GMV grew 8 times in Q1 2022, a paragraph the Chinese leaves out. " * 2,
        "Trust e-commerce covers 50 trillion orders. " * 3,
    ]
    links = align(zh, en, g)
    assert [(x.zh, x.en) for x in links] == [((0,), (0,)), ((), (1,)), ((1,), (2,))]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text("信任电商快品牌1亿。", min_size=1, max_size=30), max_size=6),
    st.lists(st.text("trust e-commerce 100 million. ", min_size=1, max_size=60), max_size=6),
)
def test_links_cover_every_paragraph_once_in_order(zh, en):
    links = align(zh, en, Glossary([("信任电商", ["trust e-commerce"])]))
    assert [i for x in links for i in x.zh] == list(range(len(zh)))
    assert [j for x in links for j in x.en] == list(range(len(en)))
    assert all(isinstance(x, Link) and (x.zh or x.en) for x in links)
    assert all(0.0 <= x.confidence <= 1.0 for x in links)


@pytest.fixture(scope="module")
def lexicon_glossary() -> Glossary:
    """No glossary terms: the news is outside its domain; the general lexicon's words."""
    from kscorpus.bilingual.wordmatch import general

    return Glossary(()).with_lexicon(general())


def _news_scores(glossary: Glossary, drop: int, trials: int, words: bool = True) -> list[float]:
    """Mean link precision, link recall, pair precision and pair recall over the news gold,
    as is (``drop`` 0) or with ``drop`` paragraphs of one side left out in each of ``trials``
    seeded trials."""
    from unittest import mock

    news = [(z, e, load_gold(z, e, path)) for _, z, e, path in news_pairs()]
    runs = []
    rng = random.Random(7)
    for n in range(trials if drop else len(news)):
        z, e, gold = news[rng.randrange(len(news))] if drop else news[n]
        if drop:
            side = rng.randrange(2)
            texts, gold = perturb([z, e][side], gold, side, rng, drop, 0)
            z, e = (z, texts) if side else (texts, e)
        with mock.patch("kscorpus.bilingual.align._WORDS_WEIGHT", 24.0 if words else 0.0):
            predicted = [(x.zh, x.en) for x in align(z, e, glossary)]
        runs.append(
            (
                *precision_recall(set(predicted), set(gold)),
                *precision_recall(pairs(predicted), pairs(gold)),
            )
        )
    return [sum(r[k] for r in runs) / len(runs) for k in range(4)]


def test_alignment_of_news_pairs_against_gold(lexicon_glossary):
    """The news pairs (no glossary term in them), against their hand-made gold: as they are,
    and with two paragraphs of one side dropped, where the lexicon's words must hold the
    alignment in place better than anchors and length alone."""
    as_is = _news_scores(lexicon_glossary, 0, 0)
    dropped = _news_scores(lexicon_glossary, 2, 30)
    without = _news_scores(lexicon_glossary, 2, 30, words=False)
    print(
        "\nnews gold (link P, link R, pair P, pair R): as is "
        + " ".join(f"{v:.3f}" for v in as_is)
        + "; 2 dropped "
        + " ".join(f"{v:.3f}" for v in dropped)
        + "; 2 dropped, no words "
        + " ".join(f"{v:.3f}" for v in without)
    )
    assert min(as_is) >= 0.97
    assert min(dropped) >= 0.85
    assert dropped[0] >= without[0] + 0.1  # link precision: what the words add
