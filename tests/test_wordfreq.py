"""The fast paths of collocates, keyness and ngrams (per-segment word tables, postings, the
n-gram counts kept per index state) against the brute force: a decode-and-count over every
live passage. A state machine of adds, removes, edits and ingests (merges, deletions, rebuilds)
checks them after every step; the kept files are checked for damage and staleness."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from test_state import KINDS, CorpusMachine
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.index import wordfreq, wordseq
from kscorpus.index.store import build, open_index
from kscorpus.query.filters import Filters
from kscorpus.study import ngramcache
from kscorpus.study.collocates import collocates
from kscorpus.study.keyness import keyness
from kscorpus.study.measures import keyness_ll
from kscorpus.study.ngrams import ngrams

runner = CliRunner()
TERMS = ["电商", "直播", "品牌", "trust", "merchants"]


def brute_words(h: Any, lang: str | None, ids: set[str] | None = None) -> tuple[Counter, int]:
    """Every word of the live passages (of ``lang``, of ``ids``), decoded and counted."""
    langs = {a["id"]: a["lang"] for a in h.articles_meta()}
    freq: Counter[str] = Counter()
    for aid, _, value in wordseq.passages(h):
        if (lang is None or langs[aid] == lang) and (ids is None or aid in ids):
            freq.update(wordseq.decode(value))
    return freq, sum(freq.values())


def brute_keyness(h: Any, part: set[str], negative: bool) -> list[tuple[str, int, int]]:
    """Keyness of ``part`` against the rest, every word (min_freq 1, LL ≥ 0), by hand."""
    mine, n = brute_words(h, None, part)
    rest_ids = set(h.article_ids()) - part
    theirs, m = brute_words(h, None, rest_ids)
    out = []
    for w in theirs if negative else mine:
        a, b = mine[w], theirs[w]
        if a * m == b * n or (a * m < b * n) != negative:
            continue
        out.append((keyness_ll(a, b, n, m), w, a, b))
    out.sort(key=lambda x: (-x[0], x[1]))
    return [(w, a, b) for _, w, a, b in out]


def without_selection(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "selection"}


def check_fast_equals_brute(h: Any) -> None:
    """Every fast path against the brute force on one open index."""
    meta = h.articles_meta()
    for lang in (None, "zh", "en"):
        fast = wordfreq.live(h, lang)
        freq, tokens = brute_words(h, lang)
        assert fast.tokens == tokens, lang
        assert fast.counter() == Counter({w.encode(): n for w, n in freq.items()}), lang
        assert all(fast[w.encode()] == n for w, n in freq.items())
    for term in TERMS:
        lang = "en" if term.isascii() else "zh"
        every = [a["id"] for a in meta if a["lang"] == lang]
        if not every:
            continue
        for window, by in (((5, 5), "both"), ((2, 0), "left")):
            fast = collocates(h, term, window=window, by=by, min_freq=1, top=50, stop_words=True)
            slow = collocates(
                h, term, window=window, by=by, min_freq=1, top=50, stop_words=True, ids=every
            )
            assert without_selection(fast.to_json()) == without_selection(slow.to_json()), term
        for since, until in (("2022", None), (None, "2021")):  # whole years: the tables
            f = Filters(since=since, until=until)
            part = [i for i in every if f.admits(next(a for a in meta if a["id"] == i))]
            if part:
                fast = collocates(h, term, min_freq=1, top=50, stop_words=True, filters=f)
                slow = collocates(h, term, min_freq=1, top=50, stop_words=True, ids=part)
                assert without_selection(fast.to_json()) == without_selection(slow.to_json())
    ids = [a["id"] for a in meta]
    for n in (2, 3):
        for stop_words in (False, True):
            for lang in (None, "zh"):
                for min_freq, min_range, top in ((2, 1, 3), (2, 2, 50), (1, 1, 5), (3, 1, 2)):
                    args = dict(
                        n=n, min_freq=min_freq, min_range=min_range, top=top, stop_words=stop_words
                    )
                    fast = ngrams(h, filters=Filters(lang=lang), **args)
                    slow = ngrams(h, filters=Filters(lang=lang), ids=ids, **args)
                    assert without_selection(fast.to_json()) == without_selection(slow.to_json())
            assert ngramcache.path(h, n, None).is_file()  # the kept counts were used
        for term in ("电商", "trust"):
            fast = ngrams(h, n=n, around=term, min_freq=1)
            slow = ngrams(h, n=n, around=term, min_freq=1, ids=ids)
            assert without_selection(fast.to_json()) == without_selection(slow.to_json())
    # a part by --ids (the part counted, or the rest counted), or of whole years (the tables)
    parts: list[tuple[dict[str, Any], set[str]]] = []
    if len(ids) > 1:
        parts += [({"ids": [ids[0]]}, {ids[0]}), ({"ids": ids[1:]}, set(ids[1:]))]
    for since, until in (("2021", None), (None, "2022"), ("2022", "2023"), ("2022-05", None)):
        f = Filters(since=since, until=until)
        parts.append(({"filters": f}, {a["id"] for a in meta if f.admits(a)}))
    for how, part in parts:
        if not part or part == set(ids):
            continue
        for negative in (False, True):
            res = keyness(
                h, top=10_000, min_freq=1, min_ll=0, negative=negative, stop_words=True, **how
            )
            got = [(w.term, w.freq, w.ref_freq) for w in res.words]
            assert got == brute_keyness(h, part, negative), how
    # one table a segment, and none of a segment merged away (Whoosh removes it with it)
    tables = {p.name for p in h.path.glob(f"*{wordfreq.SUFFIX}")}
    assert tables == {f"{x.segment().segment_id()}{wordfreq.SUFFIX}" for x in wordfreq.leaves(h)}


class LexisMachine(CorpusMachine):
    """The corpus machine's steps; after each, the fast paths equal the brute force."""

    def __init__(self) -> None:
        super().__init__()
        self.prefix = ngramcache.PREFIX
        ngramcache.PREFIX = 3  # few kept n-grams: the cut and the fallbacks are exercised

    def teardown(self) -> None:
        ngramcache.PREFIX = self.prefix
        super().teardown()

    @rule(
        kind=KINDS,
        picks=st.lists(st.integers(0, 9), min_size=1, max_size=5),
        date=st.sampled_from(["2021", "2022-05", "2023-01-02"]),
    )
    def add_dated(self, kind: str, picks: list[int], date: str) -> None:
        path, marker = self._write_new(kind, picks)
        r = self._cli("add", str(path), "--date", date)
        assert r.exit_code == 0, r.output
        self.live.add(marker)

    @invariant()
    def every_step(self) -> None:  # replaces the corpus machine's checks with these
        if not self.corpus.exists():
            return
        self.steps += 1
        h = open_index(self.index)
        try:
            check_fast_equals_brute(h)
        finally:
            h.close()


LexisMachine.TestCase.settings = settings(
    max_examples=4,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
class TestLexisMachine(LexisMachine.TestCase):  # type: ignore[name-defined]
    pass


# ---------------------------------------------------------------------------------------------
# The bundled corpus, damaged and stale files, a read-only index, the CLI


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", corpus)
    build(load_corpus(corpus), tmp_path / "ix")
    return corpus, tmp_path / "ix"


def test_the_bundled_corpus_fast_equals_brute(built):
    _, index = built
    h = open_index(index)
    try:
        check_fast_equals_brute(h)
    finally:
        h.close()


def test_cross_collocates_fast_equal_the_pass(built, monkeypatch):
    """``--cross`` over the whole other language (tables, postings, the aligned paragraphs
    read alone) equals its pass over every passage (forced by calling every filter narrow)."""
    from kscorpus.study import crosscolloc

    _, index = built
    h = open_index(index)
    try:
        every = [a["id"] for a in h.articles_meta() if a["lang"] == "zh"]
        for term in ("信任电商", "快品牌", "电商", "服务商"):
            fast = collocates(h, term, min_freq=1, top=100, stop_words=True, cross=True)
            assert fast.cross and any(x.f_x for x in fast.cross)
            with monkeypatch.context() as m:
                m.setattr(crosscolloc, "narrows", lambda f: True)
                slow = collocates(
                    h, term, min_freq=1, top=100, stop_words=True, cross=True, ids=every
                )
            assert without_selection(fast.to_json()) == without_selection(slow.to_json())
    finally:
        h.close()


@pytest.mark.parametrize("how", ["empty", "cut", "garbled", "foreign"])
def test_a_damaged_or_foreign_table_is_counted_again(built, how):
    corpus, index = built
    args = ["--corpus", str(corpus), "--index", str(index), "--json"]
    want = [runner.invoke(app, [*cmd, *args]).stdout for cmd in _COMMANDS]
    gen = index / (index / "CURRENT").read_text().strip()
    kept = sorted(gen.glob(f"*{wordfreq.SUFFIX}")) + sorted(gen.glob("ngrams-*.cache"))
    assert kept
    for path in kept:
        data = path.read_bytes()
        if how == "empty":
            data = b""
        elif how == "cut":
            data = data[: len(data) // 2]
        elif how == "garbled":
            data = bytes(b ^ 0x5A if i % 7 == 0 else b for i, b in enumerate(data))
        else:  # another segment's table under this name: its key does not match
            other = sorted(p for p in kept if p.suffix == path.suffix and p != path)
            data = other[0].read_bytes() if other else b"x"
        path.write_bytes(data)
    wordfreq._READ.clear()  # tables read before, kept in this process's memory
    got = [runner.invoke(app, [*cmd, *args]) for cmd in _COMMANDS]
    assert [r.exit_code for r in got] == [0] * len(_COMMANDS)
    assert [r.stdout for r in got] == want


_COMMANDS = [
    ["collocates", "直播"],
    ["collocates", "trust", "--measure", "ll"],
    ["ngrams", "-n", "3"],
    ["ngrams", "-n", "2", "--lang", "en"],
    ["keyness", "--since", "2022"],
    ["keyness", "--since", "2022", "--negative"],
]


def test_a_read_only_index_counts_in_memory(built, monkeypatch):
    """Where the kept counts cannot be written (a read-only index; root ignores file modes, so
    the write is made to fail), the commands count in memory and answer the same."""
    import kscorpus.atomic

    corpus, index = built
    gen = index / (index / "CURRENT").read_text().strip()
    args = ["--corpus", str(corpus), "--index", str(index), "--json"]
    want = [runner.invoke(app, [*cmd, *args]).stdout for cmd in _COMMANDS]
    for p in [*gen.glob(f"*{wordfreq.SUFFIX}"), *gen.glob("ngrams-*.cache")]:
        p.unlink()
    wordfreq._READ.clear()
    real = kscorpus.atomic.write_atomic

    def refuse(path: Any, *a: Any, **k: Any) -> None:
        if str(path).endswith((wordfreq.SUFFIX, ".cache")):
            raise PermissionError(13, "Permission denied", str(path))
        real(path, *a, **k)

    monkeypatch.setattr(kscorpus.atomic, "write_atomic", refuse)
    got = [runner.invoke(app, [*cmd, *args]) for cmd in _COMMANDS]
    assert [r.exit_code for r in got] == [0] * len(_COMMANDS)
    assert [r.stdout for r in got] == want
    assert not list(gen.glob(f"*{wordfreq.SUFFIX}")) and not list(gen.glob("ngrams-*"))


def test_a_users_corpus_through_the_cli(tmp_path):
    """A corpus made with init and add: the commands' JSON equals the brute force's counts."""
    corpus, index = tmp_path / "mine", tmp_path / "ix"
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    files = []
    for i, text in enumerate(
        [
            "洪水过后，村民重建家园。洪水冲毁了道路，政府派出救援队。\n\n救援队帮助村民重建道路。",
            "暴雨引发洪水，救援队连夜转移村民。\n\n村民感谢救援队帮助村民。",
            "The flood destroyed roads. Rescue teams helped villagers rebuild roads.",
        ]
    ):
        f = tmp_path / f"a{i}.txt"
        f.write_text(text, encoding="utf-8")
        files.append(str(f))
    args = ["--corpus", str(corpus), "--index", str(index)]
    assert runner.invoke(app, ["add", *files, *args]).exit_code == 0
    r = runner.invoke(app, ["collocates", "救援队", "--min-freq", "1", "--json", *args])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    h = open_index(index)
    try:
        freq, tokens = brute_words(h, "zh")
    finally:
        h.close()
    assert doc["tokens"] == tokens and doc["f_x"] == freq["救援队"] == 4
    assert {c["term"]: c["f_y"] for c in doc["collocates"]}["村民"] == freq["村民"] == 5
    r = runner.invoke(app, ["ngrams", "-n", "2", "--min-freq", "2", "--json", *args])
    assert r.exit_code == 0, r.output
    grams = {tuple(g["terms"]): (g["freq"], g["range"]) for g in json.loads(r.stdout)["ngrams"]}
    assert grams[("救援队", "帮助")] == (2, 2)  # once in each Chinese article, by hand


def test_deleted_passages_are_subtracted_by_language_and_year(tmp_path):
    """Dated articles of both languages in one segment, two of them removed: the segment keeps
    their words (its deletions), which every fast path must leave out, year by year."""
    corpus, index = tmp_path / "c", tmp_path / "ix"
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    args = ["--corpus", str(corpus), "--index", str(index)]
    texts = {
        "2021": "直播电商带来新的品牌。\n\n品牌商家在直播中建立信任。",
        "2022-05": "品牌商家在直播中与消费者建立信任。",
        "2023-01-02": "Brands and merchants meet consumers who trust the platform.",
        "": "平台发布了新的流量扶持计划，支持中小商家直播。",
    }
    files = []
    for i, text in enumerate(texts.values()):
        f = tmp_path / f"{i}.txt"
        f.write_text(text, encoding="utf-8")
        files.append(f)
    for f, date in zip(files, texts):  # one add per date: dates are given per command
        extra = ["--date", date] if date else []
        assert runner.invoke(app, ["add", str(f), *args, *extra]).exit_code == 0
    gone = [a.id for a in load_corpus(corpus).articles if a.date in ("2021", None)]
    assert runner.invoke(app, ["remove", *gone, *args]).exit_code == 0
    h = open_index(index)
    try:
        assert any(leaf.has_deletions() for leaf in wordfreq.leaves(h))
        check_fast_equals_brute(h)
        before = wordfreq.live(h, "zh", lambda y: y == "2021")
        assert before.tokens == 0 and not before.counter()
    finally:
        h.close()


def test_a_file_being_written_is_not_carried_into_the_next_generation(built, tmp_path):
    """A reader may be writing kept counts (a ``.NAME.tmp`` file, then renamed) while an
    ingest links the generation's files into the next: those are left alone."""
    corpus, index = built
    gen = index / (index / "CURRENT").read_text().strip()
    (gen / ".ngrams-2-all.cache.x1.tmp").write_bytes(b"partial")
    f = tmp_path / "new.txt"
    f.write_text("主播谈到电商的未来和品牌的价值。", encoding="utf-8")
    args = ["--corpus", str(corpus), "--index", str(index)]
    assert runner.invoke(app, ["add", str(f), *args]).exit_code == 0
    new = index / (index / "CURRENT").read_text().strip()
    assert new != gen and not list(new.glob(".*"))
    assert list(new.glob(f"*{wordfreq.SUFFIX}"))  # the tables were written by the ingest


@settings(max_examples=300, deadline=None)
@given(
    seq=st.lists(st.sampled_from("abcd"), max_size=30),
    node=st.lists(st.sampled_from("ab"), min_size=1, max_size=2).map(tuple),
    left=st.integers(0, 4),
    right=st.integers(0, 4),
)
def test_windows_by_their_definition(seq, node, left, right):
    """Each occurrence's window in turn, left then right, a position taking the side of the
    first window that holds it, the node's own positions in none (the definition, literally)."""
    from kscorpus.study.collocates import Counts, _windows, occurrences

    starts = [i for i in range(len(seq)) if tuple(seq[i : i + len(node)]) == node]
    assert occurrences(seq, node) == starts
    if not starts:
        return
    inside = {p for i in starts for p in range(i, i + len(node))}
    side: dict[int, bool] = {}
    for i in starts:
        for p in range(max(0, i - left), i):
            side.setdefault(p, True)
        for p in range(i + len(node), min(len(seq), i + len(node) + right)):
            side.setdefault(p, False)
    want_left = Counter(seq[p] for p, s in side.items() if s and p not in inside)
    want_right = Counter(seq[p] for p, s in side.items() if not s and p not in inside)
    out = Counts()
    _windows(out, seq, starts, len(node), left, right)
    assert (out.left, out.right, out.f_x) == (want_left, want_right, len(starts))
    assert out.window_tokens == sum(want_left.values()) + sum(want_right.values())
