"""collocates, ngrams and keyness: the statistics against values worked out by hand and against
published examples, the counts against a brute force over the articles' text, and every command
through the CLI (a corpus made as a user makes one: ``init`` then ``add``)."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.index.analysis import main_terms, tokens
from kscorpus.study import measures as m
from kscorpus.study.stopwords import is_stop_word

runner = CliRunner()


# ---------------------------------------------------------------------------------------------
# The measures


def test_keyness_ll_matches_the_lancaster_wizard_example():
    """Lancaster's LL wizard and Hardie's tutorial: a word 52 times in 50,000 tokens and 57
    times in 75,000 gives LL 2.65 (not significant), and the word is over-used in corpus 1."""
    assert m.keyness_ll(52, 57, 50_000, 75_000) == pytest.approx(2.65, abs=0.005)
    # by hand: E1 = 50000·109/125000 = 43.6, E2 = 65.4
    by_hand = 2 * (52 * math.log(52 / 43.6) + 57 * math.log(57 / 65.4))
    assert m.keyness_ll(52, 57, 50_000, 75_000) == pytest.approx(by_hand)
    assert m.log_ratio(52, 50_000, 57, 75_000) == pytest.approx(math.log2(1.04e-3 / 7.6e-4))
    assert m.log_ratio(52, 50_000, 57, 75_000) > 0


def test_keyness_ll_is_symmetric_and_zero_when_proportional():
    assert m.keyness_ll(10, 3, 1000, 2000) == pytest.approx(m.keyness_ll(3, 10, 2000, 1000))
    assert m.keyness_ll(10, 20, 1000, 2000) == pytest.approx(0.0)
    # a word absent from the reference: only its own cell counts
    assert m.keyness_ll(5, 0, 100, 100) == pytest.approx(2 * 5 * math.log(5 / 2.5))


def test_log_ratio_counts_a_zero_as_a_half():
    """Hardie (2014): a zero frequency is adjusted to 0.5 so the ratio stays finite."""
    assert m.log_ratio(8, 1000, 0, 1000) == pytest.approx(math.log2(8 / 0.5))
    assert m.log_ratio(4, 1000, 2, 1000) == pytest.approx(1.0)  # twice as frequent


def test_mi_matches_manning_and_schutze():
    """Manning & Schütze (1999), ch. 5.4: Ayatollah (42) Ruhollah (20), together 20 times in
    14,307,668 tokens: I = 18.38."""
    t = m.Table(o11=20, r1=42, c1=20, n=14_307_668)
    assert m.mi(t) == pytest.approx(18.38, abs=0.005)


def test_t_score_matches_manning_and_schutze():
    """Manning & Schütze (1999), ch. 5.3.1: new (15,828) companies (4,675), together 8 times in
    14,307,668 tokens: t ≈ 0.999932 (their variance is the sample mean; ours √O, within 1e-4)."""
    t = m.Table(o11=8, r1=15_828, c1=4_675, n=14_307_668)
    assert m.t_score(t) == pytest.approx(0.999932, abs=1e-4)


def test_log_dice_by_hand():
    """Rychlý (2008): 14 at most, when the two words occur only together; one less for each
    halving of 2·f_xy / (f_x + f_y)."""
    assert m.log_dice(7, 7, 7) == 14
    assert m.log_dice(2, 4, 4) == pytest.approx(13)
    assert m.log_dice(1, 8, 8) == pytest.approx(11)


def test_mi3_and_t_by_hand():
    t = m.Table(o11=4, r1=10, c1=5, n=100)  # E = 10·5/100 = 0.5
    assert t.e11 == 0.5
    assert m.mi(t) == pytest.approx(3.0)  # log2(4 / 0.5)
    assert m.mi3(t) == pytest.approx(7.0)  # log2(64 / 0.5)
    assert m.t_score(t) == pytest.approx(3.5 / 2)  # (4 − 0.5) / √4
    # log ratio: 4 of 10 window tokens against 1 of the other 90
    assert m.collocation_log_ratio(t) == pytest.approx(math.log2((4 / 10) / (1 / 90)))


@pytest.mark.parametrize("o11,r1,c1,n", [(4, 10, 5, 100), (1, 50, 30, 200), (30, 40, 35, 50)])
def test_g2_matches_dunnings_entropy_form(o11, r1, c1, n):
    """G² two ways: 2 Σ O ln(O/E) (ours) and Dunning's (1993) form from the cells' k ln k sums,
    signed negative where O11 < E11."""
    cells = [o11, r1 - o11, c1 - o11, n - r1 - c1 + o11]

    def xlx(x: float) -> float:
        return x * math.log(x) if x > 0 else 0.0

    dunning = 2 * (sum(map(xlx, cells)) - xlx(r1) - xlx(n - r1) - xlx(c1) - xlx(n - c1) + xlx(n))
    sign = 1 if o11 >= r1 * c1 / n else -1
    assert m.g2(m.Table(o11, r1, c1, n)) == pytest.approx(sign * dunning)


# ---------------------------------------------------------------------------------------------
# The word-sequence store


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["信任电商", "直播间", "快手", "的", "e-commerce", "Kuaishou's", "GMV",
                         "the", "1.5", " ", "，", "-", "ＧＭＶ", "long-term", "a"]),
        max_size=12,
    )
)  # fmt: skip
def test_main_terms_are_the_words_without_sub_words(parts):
    """What the store keeps (``main_terms``, picked from the indexing tokens) equals the query
    path's tokens, which never make sub-words or joined hyphenations."""
    line = "".join(parts)
    assert main_terms(line) == [t[0] for t in tokens(line, subwords=False)]


def test_every_passage_of_the_bundled_corpus_is_stored(handle, corpus):
    """One stored sequence per paragraph, equal to a fresh tokenization of the file."""
    from kscorpus.index import wordseq
    from kscorpus.ingest.pipeline import prepare

    stored = {(aid, pno): wordseq.decode(v) for aid, pno, v in wordseq.passages(handle)}
    fresh = {}
    for article in corpus.articles:
        doc = prepare(corpus, article)
        for i in range(len(doc.paragraphs)):
            words = tokens(doc.paragraph_text(i), corpus.userdict, subwords=False)
            fresh[article.id, i] = [t[0] for t in words]
    assert stored == fresh


# ---------------------------------------------------------------------------------------------
# A corpus made for the test, the way a user makes one


def _corpus(tmp_path: Path, articles: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    """A corpus of ``(lang, date, text)`` articles added with ``init`` and ``add``."""
    corpus, index = tmp_path / "c", tmp_path / "ix"
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    for i, (lang, date, text) in enumerate(articles):
        f = tmp_path / f"a{i}.txt"
        f.write_text(text, encoding="utf-8")
        args = ["add", str(f), "--lang", lang, "--date", date, "--title", f"T{i}"]
        r = runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])
        assert r.exit_code == 0, r.output
    return corpus, index


def _json(corpus: Path, index: Path, *args: str, code: int = 0) -> dict:
    r = runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index), "--json"])
    assert r.exit_code == code, r.output
    return json.loads(r.stdout) if code == 0 else {}


# The English corpus worked by hand (cat, dog, fish and bird are their own stems):
#   a0 (2022)  ¶1 cat dog fish cat bird   ¶2 dog bird
#   a1 (2023)  ¶1 fish fish cat
HAND = [
    ("en", "2022", "cat dog fish cat bird\n\ndog bird\n"),
    ("en", "2023", "fish fish cat\n"),
]


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _corpus(tmp_path_factory.mktemp("hand"), HAND)


def test_collocates_worked_by_hand(hand):
    """cat, window 1 1: cat·0 sees dog·1 on its right; cat·3 sees fish·2 and bird·4; a1's cat·2
    sees fish·1. N = 10, f_x = 3, 4 window tokens; f_y: fish 3, dog 2, bird 2."""
    res = _json(*hand, "collocates", "cat", "--window", "1", "1", "--min-freq", "1")
    assert (res["f_x"], res["tokens"], res["lang"]) == (3, 10, "en")
    got = {c["term"]: c for c in res["collocates"]}
    assert {t: (c["f_xy"], c["left"], c["right"], c["f_y"]) for t, c in got.items()} == {
        "fish": (2, 2, 0, 3),
        "dog": (1, 0, 1, 2),
        "bird": (1, 0, 1, 2),
    }
    fish = got["fish"]["scores"]
    assert fish["logdice"] == pytest.approx(14 + math.log2(4 / 6), abs=1e-4)
    e = 4 * 3 / 10
    assert fish["mi"] == pytest.approx(math.log2(2 / e), abs=1e-4)
    assert fish["mi3"] == pytest.approx(math.log2(8 / e), abs=1e-4)
    assert fish["t"] == pytest.approx((2 - e) / math.sqrt(2), abs=1e-4)
    assert fish["logratio"] == pytest.approx(math.log2((2 / 4) / (1 / 6)), abs=1e-4)
    assert [c["term"] for c in res["collocates"]] == ["fish", "bird", "dog"]  # logDice, then term
    left = _json(*hand, "collocates", "cat", "-w", "1", "1", "--min-freq", "1", "--by", "left")
    assert {c["term"]: c["f_xy"] for c in left["collocates"]} == {"fish": 2}


def test_collocates_filters_and_ids(hand):
    res = _json(*hand, "collocates", "cat", "-w", "1", "1", "--min-freq", "1", "--since", "2023")
    assert (res["f_x"], res["tokens"]) == (1, 3)
    assert [(c["term"], c["f_xy"], c["f_y"]) for c in res["collocates"]] == [("fish", 1, 2)]
    by_id = _json(*hand, "collocates", "cat", "-w", "1", "1", "--min-freq", "1", "--ids", "001")
    assert by_id["collocates"] == res["collocates"]


def test_ngrams_worked_by_hand(hand):
    """Bigrams inside paragraphs: fish cat twice (a0 and a1: range 2); the others once."""
    res = _json(*hand, "ngrams", "--min-freq", "1")
    got = {tuple(g["terms"]): (g["freq"], g["range"]) for g in res["ngrams"]}
    assert got == {
        ("fish", "cat"): (2, 2),
        ("cat", "dog"): (1, 1),
        ("dog", "fish"): (1, 1),
        ("cat", "bird"): (1, 1),
        ("dog", "bird"): (1, 1),  # ¶2; not bird dog across the paragraphs
        ("fish", "fish"): (1, 1),
    }
    assert res["ngrams"][0]["terms"] == ["fish", "cat"]
    assert (res["tokens"], res["articles"]) == (10, 2)
    assert _json(*hand, "ngrams", "--min-range", "2")["ngrams"][0]["freq"] == 2
    around = _json(*hand, "ngrams", "-n", "3", "--around", "dog", "--min-freq", "1")
    assert {tuple(g["terms"]) for g in around["ngrams"]} == {
        ("cat", "dog", "fish"),
        ("dog", "fish", "cat"),
    }


def test_keyness_worked_by_hand(hand):
    """a0 (7 tokens: cat 2, dog 2, fish 1, bird 2) against a1 (3: fish 2, cat 1)."""
    res = _json(*hand, "keyness", "--until", "2022", "--min-freq", "1", "--min-ll", "0")
    assert (res["tokens"], res["ref_tokens"], res["reference"]) == (7, 3, "rest of the corpus")
    got = {w["term"]: w for w in res["words"]}
    assert set(got) == {"dog", "bird"}  # cat (2/7 against 1/3) and fish are under-used
    dog = got["dog"]
    assert (dog["freq"], dog["ref_freq"]) == (2, 0)
    assert dog["ll"] == pytest.approx(2 * 2 * math.log(2 / (7 * 2 / 10)), abs=1e-4)
    assert dog["log_ratio"] == pytest.approx(math.log2((2 / 7) / (0.5 / 3)), abs=1e-4)
    assert dog["per_million"] == pytest.approx(2e6 / 7, abs=0.01)
    neg = _json(*hand, "keyness", "--until", "2022", "--min-freq", "1", "--min-ll", "0",
                "--negative")  # fmt: skip
    assert [(w["term"], w["freq"], w["ref_freq"]) for w in neg["words"]] == [
        ("fish", 1, 2),  # LL 1.71
        ("cat", 2, 1),  # LL 0.016
    ]
    assert neg["words"][0]["log_ratio"] < 0


def test_keyness_against_another_corpus(hand, tmp_path):
    ref = _corpus(tmp_path, [("en", "2020", "cat cat cat cat\n")])
    r = runner.invoke(
        app,
        ["keyness", "--reference", str(ref[0]), "--min-freq", "1", "--min-ll", "0", "--json",
         "--corpus", str(hand[0]), "--index", str(hand[1])],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert (res["tokens"], res["ref_tokens"], res["reference"]) == (10, 4, str(ref[0]))
    assert {w["term"] for w in res["words"]} == {"fish", "dog", "bird"}


# ---------------------------------------------------------------------------------------------
# Brute force: a Chinese corpus, every count against the text tokenized afresh

ZH = [
    "快手电商以直播间为超级节点，推动信任电商的发展。",
    "品牌商家在直播中与消费者建立信任。直播让商家与消费者更近。",
    "平台发布了新的流量扶持计划，支持中小商家在直播间成长。",
    "主播谈到电商的未来和品牌的价值，品牌商家看好直播。",
    "会上总结了过去一年直播电商的阶段性成就。",
]


def _brute_paragraphs(articles: list[tuple[str, str, str]]) -> list[tuple[int, list[str]]]:
    """(article, its words) of every paragraph: the file's non-blank lines, tokenized by the
    analyzer's query path (no sub-words), not by the code that filled the store."""
    return [
        (i, [t[0] for t in tokens(line, subwords=False)])
        for i, (_, _, text) in enumerate(articles)
        for line in text.splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory):
    articles = [
        ("zh", f"202{i % 3}", "\n".join(ZH[j % 5] for j in range(i, i + 3 + i % 3)) + "\n")
        for i in range(6)
    ]
    return articles, _corpus(tmp_path_factory.mktemp("zh"), articles)


@pytest.mark.parametrize("window", [(5, 5), (2, 0), (0, 3)])
def test_collocates_equal_a_brute_force(chinese, window):
    articles, (corpus, index) = chinese
    paras = _brute_paragraphs(articles)
    L, R = window
    f_xy: Counter[str] = Counter()
    f_x = 0
    for _, words in paras:
        hits = [i for i, w in enumerate(words) if w == "直播"]
        f_x += len(hits)
        for p, w in enumerate(words):
            if w != "直播" and any(h - L <= p < h or h < p <= h + R for h in hits):
                f_xy[w] += 1
    freq = Counter(w for _, words in paras for w in words)
    res = _json(corpus, index, "collocates", "直播", "-w", str(L), str(R), "--min-freq", "1",
                "--limit", "1000", "--stop-words")  # fmt: skip
    assert (res["f_x"], res["tokens"]) == (f_x, sum(freq.values()))
    got = {c["term"]: (c["f_xy"], c["f_y"], c["left"] + c["right"]) for c in res["collocates"]}
    assert got == {w: (n, freq[w], n) for w, n in f_xy.items()}
    kept = _json(corpus, index, "collocates", "直播", "-w", str(L), str(R), "--min-freq", "1",
                 "--limit", "1000")  # fmt: skip
    assert {c["term"] for c in kept["collocates"]} == {w for w in f_xy if not is_stop_word(w)}


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ngrams_equal_a_brute_force(chinese, n):
    articles, (corpus, index) = chinese
    freq: Counter[tuple[str, ...]] = Counter()
    holders: dict[tuple[str, ...], set[int]] = {}
    for a, words in _brute_paragraphs(articles):
        for i in range(len(words) - n + 1):
            g = tuple(words[i : i + n])
            freq[g] += 1
            holders.setdefault(g, set()).add(a)
    res = _json(corpus, index, "ngrams", "-n", str(n), "--min-freq", "1", "--limit", "100000",
                "--stop-words")  # fmt: skip
    assert {tuple(g["terms"]): (g["freq"], g["range"]) for g in res["ngrams"]} == {
        g: (f, len(holders[g])) for g, f in freq.items()
    }
    order = [(-g["freq"], -g["range"], g["terms"]) for g in res["ngrams"]]
    assert order == sorted(order)
    assert all("".join(g["terms"]) == g["text"] for g in res["ngrams"])  # Chinese: joined


def test_keyness_equals_a_brute_force(chinese):
    articles, (corpus, index) = chinese
    part = Counter(
        w for a, ws in _brute_paragraphs(articles) if articles[a][1] == "2021" for w in ws
    )
    rest = Counter(
        w for a, ws in _brute_paragraphs(articles) if articles[a][1] != "2021" for w in ws
    )
    c, d = sum(part.values()), sum(rest.values())
    res = _json(corpus, index, "keyness", "--since", "2021", "--until", "2021", "--min-freq",
                "1", "--min-ll", "0", "--limit", "1000", "--stop-words")  # fmt: skip
    assert (res["tokens"], res["ref_tokens"]) == (c, d)
    expected = {w for w in part if part[w] * d > rest[w] * c}
    assert {w["term"] for w in res["words"]} == expected
    for w in res["words"]:
        a, b = part[w["term"]], rest[w["term"]]
        assert (w["freq"], w["ref_freq"]) == (a, b)
        assert w["ll"] == pytest.approx(m.keyness_ll(a, b, c, d), abs=1e-4)
    assert [w["ll"] for w in res["words"]] == sorted((w["ll"] for w in res["words"]), reverse=True)


# ---------------------------------------------------------------------------------------------
# The bundled corpus, tables and errors


def _run(index_dir: Path, *args: str) -> object:
    return runner.invoke(app, [*args, "--index", str(index_dir)])


def test_tables_on_the_bundled_corpus(index_dir):
    r = _run(index_dir, "collocates", "直播", "--limit", "5")
    assert r.exit_code == 0, r.output
    assert "短视频" in r.stdout and "logDice" in r.stdout
    assert "'直播' occurs" in r.stderr
    r = _run(index_dir, "ngrams", "-n", "3", "--lang", "en", "--limit", "3")
    assert r.exit_code == 0, r.output
    assert "kuaishou e-commerce" in r.stdout  # stems shown as the text they stand for
    r = _run(index_dir, "keyness", "--ids", "004", "--limit", "5")
    assert r.exit_code == 0, r.output
    assert "log ratio" in r.stdout


def test_cross_adds_the_translations_collocates(index_dir):
    r = _run(index_dir, "collocates", "信任电商", "--cross", "--json", "--min-freq", "1")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["lang"] == "zh" and res["cross"]
    assert all(x["lang"] is None and x["f_x"] >= 0 for x in res["cross"])
    assert any(x["f_x"] > 0 and x["collocates"] for x in res["cross"])


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["collocates", "the"], 2, "no indexed word"),
        (["collocates", "直播", "--measure", "pmi"], 2, "--measure"),
        (["collocates", "直播", "--window", "0", "0"], 2, "--window"),
        (["collocates", "直播", "--ids", "999"], 3, "no article with id 999"),
        (["collocates", "直播", "--lang", "fr"], 2, "--lang"),
        (["ngrams", "-n", "6"], 2, "-n"),
        (["ngrams", "-n", "2", "--around", "live broadcast"], 2, "clusters must be longer"),
        (["keyness"], 2, "choose the part"),
        (["keyness", "--lang", "zh"], 2, "choose the part"),
        (["keyness", "--reference", "/nonexistent/dir"], 4, "no such directory"),
        (["keyness", "--since", "2030"], 2, "holds no words"),
    ],
)
def test_errors_are_one_line_with_their_exit_code(index_dir, args, code, says):
    r = _run(index_dir, *args)
    assert r.exit_code == code, r.output
    assert says in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_bench_script_runs(index_dir, tmp_path):
    """bench/lexis.py end to end on the bundled corpus (no timing asserted)."""
    import subprocess
    import sys

    from conftest import CORPUS, ROOT

    out = tmp_path / "b.json"
    args = ["--corpus", str(CORPUS), "--index", str(index_dir), "--repeat", "1", "--json", str(out)]
    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "lexis.py"), *args], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert set(data["commands"]) >= {"search", "collocates zh", "ngrams -n 3", "keyness --since"}
    assert data["store"]["tokens"] > 5000 and data["store"]["column_bytes"] > 0
