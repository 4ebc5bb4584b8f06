"""Translation-pair detection (bilingual.pairs) and declaring pairs (link, unlink): the score
worked by hand, candidate finding against scoring every pair, the one-to-one choice, the news
pairs of tests/data (answer key: their pairs.tsv), and link/unlink through the CLI and as a
sequence of operations (a state machine)."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from typer.testing import CliRunner

from kscorpus.bilingual import pairs as P
from kscorpus.bilingual.align import Glossary, anchors_en, anchors_zh
from kscorpus.cli.app import app
from kscorpus.corpus.manage import link_articles, unlink_article
from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import EXIT_CORPUS, EXIT_NOT_FOUND, EXIT_USAGE, KscorpusError

runner = CliRunner()
NEWS = Path(__file__).resolve().parent / "data" / "news_pairs"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _invalid(name: str, data: object) -> list[str]:
    """What in ``data`` breaks ``schemas/NAME.schema.json`` (empty: valid)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = [json.loads(f.read_text(encoding="utf-8")) for f in SCHEMAS.glob("*.json")]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, registry=registry)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]


def test_pair_score_worked_by_hand():
    g = Glossary([("法院", ["court"]), ("判决", ["ruling"]), ("银行", ["bank"])])
    zh = "5月13日,法院判决银行赔偿230亿元。"  # 20 characters
    en = "On May 13 the court ordered the bank to pay 23 billion yuan."  # 60 characters
    s = P.pair_score(anchors_zh(zh, g), anchors_en(en, g))
    # words: zh {court, rule, bank}, en {court, bank} ("ruling" is not in the English): 4/5
    assert s.words == pytest.approx(0.8)
    # anchors: the date (weight 1) and 230亿 = 23 billion (2) on both sides; glossary terms
    # (1 each): 3 in Chinese, 2 in English, both shared. Dice 2 * 5 / (6 + 5)
    assert s.anchors == pytest.approx(10 / 11)
    # length: 60 / 20 = 3.0 English characters per Chinese one, against the usual 3.3
    assert s.length == pytest.approx(math.exp(-0.5 * (math.log(3.0 / 3.3) / 0.35) ** 2))
    assert s.score == pytest.approx(s.length * (0.6 * 0.8 + 0.4 * 10 / 11))
    # few anchors count less: two glossary terms in Chinese, one in English ("judgment" is
    # not "ruling"), shared: Dice 2 * 1 / (2 + 1), a total weight of 3 of the 8 from which
    # anchors count fully; words {court, rule} and {court}: 2/3 too
    few = P.pair_score(anchors_zh("法院判决。", g), anchors_en("The court's judgment.", g))
    assert (few.words, few.anchors) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    share = 0.4 * 3 / 8
    assert few.score == pytest.approx(few.length * ((1 - share) * 2 / 3 + share * 2 / 3))
    bare = P.pair_score([("words", "court"), ("chars", 10)], [("words", "court"), ("chars", 33)])
    assert bare.score == pytest.approx(1.0)  # no numbers or names: judged on words alone


# random articles: anchors from a small alphabet, so that they are shared often
ANCHOR = st.one_of(
    st.tuples(st.just("num"), st.sampled_from([3.0, 2021.0, 150.0, 1.5e6])),
    st.tuples(st.sampled_from(["pct", "date", "latin", "term"]), st.integers(0, 6)),
)
ARTICLE = st.builds(
    lambda anchors, words, chars: frozenset(
        {*anchors, ("chars", chars), *([("words", " ".join(sorted(words)))] if words else [])}
    ),
    st.frozensets(ANCHOR, max_size=8),
    st.frozensets(st.sampled_from("abcdefghij"), max_size=6),
    st.integers(1, 60),
)
SIDE = st.dictionaries(st.text("abc", min_size=1, max_size=2), ARTICLE, max_size=7)


def _brute_force(zh, en, compatible=lambda z, e: True):
    """Every compatible pair sharing a blocking anchor, scored: the candidates there are with
    no limit on rarity or probes."""
    out = []
    for z, a in zh.items():
        for e, b in en.items():
            words = [set(v.split()) for x in (a, b) for k, v in x if k == "words"]
            shared = {x for x in a & b if x[0] not in ("chars", "words") and P.specificity(x) >= 1}
            shared |= set.intersection(*words) if len(words) == 2 else set()
            s = P.pair_score(a, b)
            if shared and compatible(z, e) and s.score >= P.PROPOSE:
                out.append((z, e, round(s.score, 3)))
    return out


@settings(max_examples=200, deadline=None)
@given(SIDE, SIDE.map(lambda d: {f"e{k}": v for k, v in d.items()}))
def test_candidates_find_what_scoring_every_pair_finds(zh, en):
    """Without limits the inverted index finds exactly the pairs a brute force finds; with
    them, a subset with the same scores. Either way ``pairs(among)`` is ``pairs()`` cut to
    the pairs of ``among`` (what an incremental ingest relies on) and candidates are
    symmetric."""
    limited = P.Detector(zh, en)
    found = [(p["zh"], p["en"], p["score"]) for p in limited.pairs()]
    every = _brute_force(zh, en)
    assert set(found) <= set(every)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(P, "RARE", 10**9)
        mp.setattr(P, "PROBES", 10**9)
        assert [(p["zh"], p["en"], p["score"]) for p in P.Detector(zh, en).pairs()] == every
    for among in (list(zh)[:1], list(en)[:2], [*list(zh)[1:2], *list(en)[-1:]]):
        cut = [p for p in limited.pairs() if p["zh"] in among or p["en"] in among]
        assert limited.pairs(among) == cut
    for i in (*zh, *en):
        assert all(i in limited.candidates(j) for j in limited.candidates(i))


def test_incompatible_articles_never_pair():
    a = frozenset({("words", "x"), ("num", 150.0), ("chars", 10)})
    b = frozenset({("words", "x"), ("num", 150.0), ("chars", 33)})
    assert [p["zh"] for p in P.Detector({"z": a}, {"e": b}).pairs()] == ["z"]
    assert P.Detector({"z": a}, {"e": b}, lambda z, e: False).pairs() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcd"), st.sampled_from("wxyz"), st.integers(30, 100)),
        unique_by=lambda t: t[:2],
    )
)
def test_one_to_one_is_a_greedy_matching(found):
    """Each article in one proposal at most; a candidate left out meets a kept one of at least
    its score (ties: the earlier wins); order kept."""
    found = [{"zh": z, "en": e, "score": s / 100} for z, e, s in found]
    kept = P.one_to_one(found)
    ends = [x for p in kept for x in (p["zh"], p["en"])]
    assert len(ends) == len(set(ends))
    assert kept == [p for p in found if p in kept]
    for n, p in enumerate(found):
        if p not in kept:
            assert any(
                {q["zh"], q["en"]} & {p["zh"], p["en"]}
                and (q["score"] > p["score"] or (q["score"] == p["score"] and found.index(q) < n))
                for q in kept
            )


# ---------------------------------------------------------------------------------------------
# The news pairs, as a user adds them


def _answer_key() -> dict[str, str]:
    with (NEWS / "pairs.tsv").open(encoding="utf-8") as f:
        return {r["zh_file"]: r["en_file"] for r in csv.DictReader(f, delimiter="\t")}


def _where(corpus: Path) -> list[str]:
    """The corpus and its index (``ix`` beside it): never the user's cache directory."""
    return ["--corpus", str(corpus), "--index", str(corpus.parent / "ix")]


def _add(corpus: Path, files: list[Path]) -> dict[str, str]:
    """``kscorpus add`` through the CLI; the source file name of each new id."""
    r = runner.invoke(app, ["add", *map(str, files), *_where(corpus), "--json"])
    assert r.exit_code == 0, r.output
    if len(files) > 2:
        assert "proposed translation pairs in the corpus; 'kscorpus pairs' lists them" in r.stderr
    return {a["id"]: Path(a["source"]).name for a in json.loads(r.stdout)["added"]}


@pytest.fixture(scope="module")
def news_corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The bundled corpus with every news article added in one go, no event, no date."""
    root = tmp_path_factory.mktemp("news") / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", root)
    return root, _add(root, sorted(NEWS.glob("*_??.txt")))


def _pairs(corpus: Path, *args: str) -> list[dict]:
    r = runner.invoke(app, ["pairs", *_where(corpus), "--json", *args])
    assert r.exit_code == 0, r.output
    assert _invalid("pairs", json.loads(r.stdout)) == []
    return json.loads(r.stdout)["pairs"]


def test_news_pairs_are_proposed_and_nothing_else(news_corpus):
    root, source = news_corpus
    key = _answer_key()
    proposed = {(source[p["zh"]], source[p["en"]]) for p in _pairs(root)}
    candidates = _pairs(root, "--all")
    assert {p["status"] for p in candidates} <= {"proposed", "candidate"}
    assert [p for p in candidates if p["status"] == "proposed"] == _pairs(root)
    print(f"\nproposed {len(proposed)} of {len(key)} news pairs: {sorted(proposed)}")
    assert proposed == set(key.items())  # every one, and no wrong one (000 ↔ 001 is linked)
    r = runner.invoke(app, ["ingest", "--rebuild", *_where(root)])
    assert r.exit_code == 0, r.output
    assert f"{len(key)} proposed translation pairs ('kscorpus pairs' lists them" in r.stderr
    linked = _pairs(root, "--linked")
    assert [(p["zh"], p["en"]) for p in linked] == [("000", "001")]
    assert linked[0]["links"] > 20 and linked[0]["confidence"] > 0.8


def test_link_unlink_through_the_cli(news_corpus, tmp_path):
    root, source = news_corpus
    corpus = tmp_path / "c"
    shutil.copytree(root, corpus, ignore=shutil.ignore_patterns("index", ".*"))
    index = tmp_path / "ix"
    ids = {v: k for k, v in source.items()}
    zh, en = ids["01_zh.txt"], ids["01_en.txt"]
    before = (corpus / "manifest.toml").read_bytes()

    def run(*args: str):
        return runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])

    assert run("show", zh, "--lang", "en").exit_code == EXIT_NOT_FOUND
    r = run("link", en, zh, "--json")  # either order
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert _invalid("link", out) == [] and _invalid("link", out | {"x": 1})
    assert (out["zh"], out["en"], out["changed"]) == (zh, en, True)
    assert out["links"] >= 8 and out["confidence"] > 0.8 and out["score"] >= P.PROPOSE
    assert "warning" not in r.stderr
    assert f"linked {zh} (zh) ↔ {en} (en)" in r.stderr
    shown = run("show", zh, "--lang", "en", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == en
    assert (zh, en) not in {(p["zh"], p["en"]) for p in _pairs(corpus)}
    again = json.loads(run("link", zh, en, "--json").stdout)
    assert again["changed"] is False

    other_zh = ids["02_zh.txt"]
    for args, code, message in [
        (("link", other_zh, en), EXIT_CORPUS, f"{en} is already linked with {zh}"),
        (("link", zh, other_zh), EXIT_USAGE, "are both 'zh'"),
        (("link", zh, zh), EXIT_USAGE, "with itself"),
        (("link", zh, "nope"), EXIT_NOT_FOUND, "no article with id 'nope'"),
        (("unlink", other_zh), EXIT_NOT_FOUND, f"{other_zh} is not linked"),
        (("unlink", "nope"), EXIT_NOT_FOUND, "no article with id 'nope'"),
    ]:
        r = run(*args)
        assert r.exit_code == code, r.output
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("unlink", en, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == {"zh": zh, "en": en, "changed": True}
    assert _invalid("unlink", json.loads(r.stdout)) == []
    wrong = run("link", zh, ids["02_en.txt"], "--json")  # the user's word, with a warning
    assert wrong.exit_code == 0 and json.loads(wrong.stdout)["score"] < P.PROPOSE
    assert f"warning: {zh} and {ids['02_en.txt']} do not look like translations" in wrong.stderr
    assert run("unlink", zh).exit_code == 0
    assert (corpus / "manifest.toml").read_bytes() == before
    assert run("show", zh, "--lang", "en").exit_code == EXIT_NOT_FOUND
    assert (zh, en) in {(p["zh"], p["en"]) for p in _pairs(corpus)}


def test_pairs_without_candidates_explains(tmp_path):
    corpus = tmp_path / "c"
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    _add(corpus, [NEWS / "01_zh.txt"])
    r = runner.invoke(app, ["pairs", *_where(corpus)])
    assert r.exit_code == 0 and r.stdout == ""
    assert "no proposed pairs" in r.stderr
    r = runner.invoke(app, ["pairs", "--linked", *_where(corpus)])
    assert "no declared pairs; 'kscorpus link ZH EN'" in r.stderr


# ---------------------------------------------------------------------------------------------
# link and unlink as a sequence


class LinkMachine(RuleBasedStateMachine):
    """link/unlink in any order on a small corpus: the manifest always loads and declares
    exactly the pairs of a model, and each refusal is the one the model predicts."""

    IDS = ("z0", "z1", "z2", "e0", "e1")

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.root = Path(tempfile.mkdtemp()) / "c"
        self.root.mkdir()
        text = ""
        for i in self.IDS:
            lang = "zh" if i[0] == "z" else "en"
            (self.root / f"{i}.txt").write_text("中文。" if lang == "zh" else "English.")
            script = "Hans" if lang == "zh" else "Latn"
            text += f'[[article]]\nid = "{i}"\nfile = "{i}.txt"\nlang = "{lang}"\n'
            text += f'script = "{script}"\ntitle = "t # not a comment"\n\n'
        (self.root / "manifest.toml").write_text(text, encoding="utf-8")
        self.original = text
        self.model: dict[str, str] = {}  # zh → en

    def teardown(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)

    def partner(self, i: str) -> str | None:
        return self.model.get(i) or next((z for z, e in self.model.items() if e == i), None)

    @rule(a=st.sampled_from(IDS), b=st.sampled_from(IDS))
    def link(self, a: str, b: str) -> None:
        zh, en = sorted((a, b), reverse=True)  # "z…" sorts after "e…"
        ok = a[0] != b[0] and self.partner(zh) in (None, en) and self.partner(en) in (None, zh)
        try:
            done = link_articles(self.root, a, b)
        except KscorpusError:
            assert not ok
            return
        assert ok and (done.zh.id, done.en.id) == (zh, en)
        assert done.changed == (self.model.get(zh) != en)
        self.model[zh] = en

    @rule(a=st.sampled_from(IDS))
    def unlink(self, a: str) -> None:
        other = self.partner(a)
        try:
            unlink_article(self.root, a)
        except KscorpusError as e:
            assert other is None and e.code == EXIT_NOT_FOUND
            return
        assert other is not None
        self.model.pop(a if a[0] == "z" else other)

    @invariant()
    def manifest_declares_the_model(self) -> None:
        assert sorted(load_corpus(self.root).pairs()) == sorted(self.model.items())
        if not self.model:  # every edit undone: the file is as it was, byte for byte
            text = (self.root / "manifest.toml").read_text(encoding="utf-8")
            assert text == self.original
        assert re.findall(r"(?m)^translation_of", (self.root / "manifest.toml").read_text()) == [
            "translation_of"
        ] * (2 * len(self.model))


TestLinkMachine = LinkMachine.TestCase
TestLinkMachine.settings = settings(max_examples=30, stateful_step_count=12, deadline=None)


# ---------------------------------------------------------------------------------------------
# incremental proposals as a sequence


# articles that often look like each other's translation: few words, the usual length ratio
LIKELY = st.tuples(
    st.frozensets(st.sampled_from("abcd"), min_size=1, max_size=3),
    st.frozensets(st.sampled_from([150.0, 2.5e6, 7.0e8]), max_size=2),
)


def _sized(drawn: tuple, lang: str) -> frozenset:
    words, numbers = drawn
    chars = 10 if lang == "zh" else 33
    return frozenset(
        {("words", " ".join(sorted(words))), ("chars", chars), *(("num", x) for x in numbers)}
    )


class IncrementalMachine(RuleBasedStateMachine):
    """Articles come, go, change their text (anchors) or event, in any order: the proposals an
    incremental build keeps and adds (``store._propose_pairs`` with the previous candidates
    and the changed articles) are always those of a build from scratch. Corpora stay small
    enough that no anchor passes ``RARE`` and no article has more than ``PROBES`` rare ones, the
    conditions under which the two are the same by design."""

    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[str, tuple[str, str]] = {}  # id → (lang, event)
        self.anchors: dict[str, frozenset] = {}
        self.found: list[dict] = []
        self.changed: set[str] = set()
        self.n = 0

    def corpus(self):
        from kscorpus.corpus.manifest import Article, Corpus

        return Corpus(
            Path("."),
            tuple(
                Article(i, f"{i}.txt", lang, "Hans" if lang == "zh" else "Latn", i, event=ev)
                for i, (lang, ev) in self.articles.items()
            ),
        )

    @rule(lang=st.sampled_from(["zh", "en"]), event=st.sampled_from(["", "", "E"]), a=LIKELY)
    def add(self, lang, event, a):
        if len(self.articles) >= 14:
            return
        aid = f"a{self.n}"
        self.n += 1
        self.articles[aid] = (lang, event)
        self.anchors[aid] = _sized(a, lang)
        self.changed.add(aid)

    @rule(data=st.data())
    def remove(self, data):
        if self.articles:
            aid = data.draw(st.sampled_from(sorted(self.articles)))
            del self.articles[aid], self.anchors[aid]
            self.changed.add(aid)

    @rule(data=st.data(), a=LIKELY)
    def edit(self, data, a):
        if self.articles:
            aid = data.draw(st.sampled_from(sorted(self.articles)))
            self.anchors[aid] = _sized(a, self.articles[aid][0])
            self.changed.add(aid)

    @rule(data=st.data(), event=st.sampled_from(["", "E", "F"]))
    def move(self, data, event):
        if self.articles:
            aid = data.draw(st.sampled_from(sorted(self.articles)))
            self.articles[aid] = (self.articles[aid][0], event)
            self.changed.add(aid)

    @rule()
    def ingest(self):
        from kscorpus.index.store import _propose_pairs

        corpus = self.corpus()
        updated = _propose_pairs(corpus, self.anchors, (self.found, self.changed))
        assert updated == _propose_pairs(corpus, self.anchors)
        self.found, self.changed = updated, set()

    @invariant()
    def proposals_are_a_matching_of_candidates(self):
        kept = P.one_to_one(self.found)
        ends = [x for p in kept for x in (p["zh"], p["en"])]
        assert len(ends) == len(set(ends))


def test_the_incremental_machine_sees_proposals():
    """Not vacuous: its articles do pair (a corpus of one zh and one en sharing everything)."""
    from kscorpus.corpus.manifest import Article, Corpus
    from kscorpus.index.store import _propose_pairs

    a = ({"a", "b"}, {150.0})
    corpus = Corpus(
        Path("."),
        (Article("z", "z.txt", "zh", "Hans", "z"), Article("e", "e.txt", "en", "Latn", "e")),
    )
    found = _propose_pairs(corpus, {"z": _sized(a, "zh"), "e": _sized(a, "en")})
    assert [(p["zh"], p["en"], p["score"]) for p in found] == [("z", "e", 1.0)]


TestIncrementalMachine = IncrementalMachine.TestCase
TestIncrementalMachine.settings = settings(max_examples=60, stateful_step_count=20, deadline=None)
