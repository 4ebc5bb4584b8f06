"""The corpus as state: random sequences of add, remove, edit in place, ingest (nothing new,
rebuild, parallel build) and two writers at once, checked after every step against a model and
every few steps against a fresh rebuild of the same corpus into another directory.

Every step commits, so sequences cross Whoosh's merge thresholds (from the fifth or sixth small
commit on); segments hold deletions after removes and edits. ``KSCORPUS_STATE_STEPS`` (steps per
sequence) and ``KSCORPUS_STATE_EXAMPLES`` (sequences) make it a soak; ``KSCORPUS_STATE_LOG``
names a file that gets each sequence's number of steps.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.index import wordseq
from kscorpus.index.analysis import tokens
from kscorpus.index.store import build, open_index
from kscorpus.ingest.pipeline import prepare
from kscorpus.query.search import search

runner = CliRunner()
STEPS = int(os.environ.get("KSCORPUS_STATE_STEPS", "24"))
EXAMPLES = int(os.environ.get("KSCORPUS_STATE_EXAMPLES", "6"))
MARKER = re.compile(r"zq\d{5}x")
# Sentences that share words, so that scores depend on document frequencies and lengths.
ZH = [
    "快手电商以直播间为超级节点，推动信任电商的发展。",
    "品牌商家在直播中与消费者建立信任。",
    "平台发布了新的流量扶持计划，支持中小商家。",
    "主播谈到电商的未来和品牌的价值。",
    "会上总结了过去一年的阶段性成就。",
]
HANT = [
    "快手電商以直播間為超級節點，推動信任電商的發展。",
    "品牌商家在直播中與消費者建立信任。",
    "平臺發布了新的流量扶持計劃，支持中小商家。",
]
EN = [
    "Kuaishou e-commerce builds trust in the live broadcast room.",
    "Brands and merchants meet consumers who trust the platform.",
    "The platform announced a traffic plan for small merchants.",
    "The anchor spoke about the future of e-commerce and of brands.",
]
QUERIES = ["电商", "信任电商", "品牌", "trust", "merchants", "直播 OR 品牌", "平台 商家"]
KINDS = st.sampled_from(["zh", "hant", "en", "near"])


def _text(kind: str, marker: str, picks: list[int], base: str | None) -> str:
    if kind == "near" and base:  # a near-duplicate: another article with a new marker
        return MARKER.sub(marker, base)
    pool = {"zh": ZH, "hant": HANT, "en": EN}.get(kind, ZH)
    body = [pool[i % len(pool)] for i in picks]
    sep = " " if pool is EN else ""
    paras = [sep.join(body[: len(body) // 2 + 1]), sep.join(body[len(body) // 2 :])]
    # the first line becomes the title at ``add`` (and stays when the file is edited): no marker
    return f"{body[0][:12]}\n\n" + "\n\n".join(p + f" {marker}" for p in paras) + "\n"


def _two_writers(corpus: Path, index: Path, files: list[list[Path]]) -> list[int]:
    """Run ``kscorpus add`` for each list of files in its own process, at the same time."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_in_child, args=(corpus, index, f)) for f in files]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode if p.exitcode is not None else -1 for p in procs]


def _add_in_child(corpus: Path, index: Path, files: list[Path]) -> None:
    r = CliRunner().invoke(
        app, ["add", *map(str, files), "--corpus", str(corpus), "--index", str(index)]
    )
    os._exit(r.exit_code)


class CorpusMachine(RuleBasedStateMachine):
    """The model: the markers of the articles that must be live, and those that must not."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="kscorpus-state-"))
        self.corpus, self.index = self.tmp / "corpus", self.tmp / "ix"
        self.live: set[str] = set()
        self.gone: set[str] = set()
        self.serial = 0
        self.steps = 0
        self.segments = 0  # of the articles index after the last step
        self.rebuilt = False

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        log = os.environ.get("KSCORPUS_STATE_LOG")  # a soak counts its steps there
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{self.steps}\n")

    # helpers -----------------------------------------------------------------------------

    def _new_marker(self) -> str:
        self.serial += 1
        return f"zq{self.serial:05d}x"

    def _write_new(self, kind: str, picks: list[int]) -> tuple[Path, str]:
        marker = self._new_marker()
        base = None
        if kind == "near" and self.live:
            base = self._file_of(sorted(self.live)[0]).read_text(encoding="utf-8")
        path = self.tmp / "new" / f"{marker}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_text(kind, marker, picks, base), encoding="utf-8")
        return path, marker

    def _markers(self) -> dict[str, str]:
        """Article id → its marker, read from the corpus's files."""
        c = load_corpus(self.corpus)
        out = {}
        for a in c.articles:
            found = MARKER.findall(c.read_bytes(a).decode("utf-8"))
            out[a.id] = found[0]
        return out

    def _file_of(self, marker: str) -> Path:
        c = load_corpus(self.corpus)
        aid = {m: i for i, m in self._markers().items()}[marker]
        return c.path(c.get(aid))

    def _cli(self, *args: str) -> object:
        return runner.invoke(app, [*args, "--corpus", str(self.corpus), "--index", str(self.index)])

    # rules -------------------------------------------------------------------------------

    @initialize(kind=KINDS, picks=st.lists(st.integers(0, 9), min_size=1, max_size=4))
    def start(self, kind: str, picks: list[int]) -> None:
        assert runner.invoke(app, ["init", str(self.corpus)]).exit_code == 0
        path, marker = self._write_new("zh" if kind == "near" else kind, picks)
        r = self._cli("add", str(path))
        assert r.exit_code == 0, r.output
        self.live.add(marker)

    @rule(
        kinds=st.lists(KINDS, min_size=1, max_size=3),
        picks=st.lists(st.integers(0, 9), min_size=1, max_size=5),
    )
    def add(self, kinds: list[str], picks: list[int]) -> None:
        made = [self._write_new(k, picks[i:] or picks) for i, k in enumerate(kinds)]
        r = self._cli("add", *(str(p) for p, _ in made))
        assert r.exit_code == 0, r.output
        self.live |= {m for _, m in made}

    @precondition(lambda self: len(self.live) > 1)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        marker = data.draw(st.sampled_from(sorted(self.live)))
        aid = {m: i for i, m in self._markers().items()}[marker]
        r = self._cli("remove", aid)
        assert r.exit_code == 0, r.output
        self.live.discard(marker)
        self.gone.add(marker)

    @precondition(lambda self: bool(self.live))
    @rule(data=st.data(), picks=st.lists(st.integers(0, 9), min_size=1, max_size=5))
    def edit_in_place(self, data: st.DataObject, picks: list[int]) -> None:
        marker = data.draw(st.sampled_from(sorted(self.live)))
        path = self._file_of(marker)
        text = path.read_text(encoding="utf-8")
        kind = "en" if not re.search(r"[\u4e00-\u9fff]", text) else "zh"
        new = self._new_marker()
        path.write_text(_text(kind, new, picks, None), encoding="utf-8")
        r = self._cli("ingest")
        assert r.exit_code == 0, r.output
        self.live = (self.live - {marker}) | {new}
        self.gone.add(marker)

    @rule()
    def ingest_nothing_new(self) -> None:
        gen = self.index / (self.index / "CURRENT").read_text().strip()
        before = {p.name: p.stat().st_mtime_ns for p in gen.iterdir()}
        r = self._cli("ingest")
        assert r.exit_code == 0, r.output
        after = {p.name: p.stat().st_mtime_ns for p in gen.iterdir()}
        assert (self.index / "CURRENT").read_text().strip() == gen.name
        assert after == before  # nothing written

    @rule(jobs=st.sampled_from([1, 2]))
    def rebuild(self, jobs: int) -> None:
        r = self._cli("ingest", "--rebuild", "--jobs", str(jobs))
        assert r.exit_code == 0, r.output
        self.rebuilt = True
        if jobs > 1 and len(self.live) > 1:
            event("parallel build")

    @rule(picks=st.lists(st.integers(0, 9), min_size=1, max_size=3))
    def two_writers_at_once(self, picks: list[int]) -> None:
        a = [self._write_new("zh", picks)]
        b = [self._write_new("en", picks), self._write_new("hant", picks)]
        codes = _two_writers(self.corpus, self.index, [[p for p, _ in a], [p for p, _ in b]])
        assert codes == [0, 0]
        self.live |= {m for _, m in a + b}

    # invariants --------------------------------------------------------------------------

    @invariant()
    def every_step(self) -> None:
        if not self.corpus.exists():
            return
        self.steps += 1
        markers = self._markers()
        assert set(markers.values()) == self.live  # nothing reported as done is lost
        files = {p.name for p in self.corpus.iterdir() if p.suffix == ".txt"}
        assert files == {a.file for a in load_corpus(self.corpus).articles}  # no orphan
        listed = self._cli("list", "--json")
        assert listed.exit_code == 0, listed.output
        import json

        assert [a["id"] for a in json.loads(listed.stdout)] == list(markers)
        h = open_index(self.index)
        leaves = [leaf for leaf, _ in h.searcher("articles").reader().leaf_readers()]
        if len(leaves) < self.segments and not self.rebuilt:
            event("segments merged by a commit")
        if any(leaf.has_deletions() for leaf in leaves):
            event("segments holding deletions")
        self.segments, self.rebuilt = len(leaves), False
        try:
            for aid, m in markers.items():
                assert [x.id for x in search(h, m).hits] == [aid], m
            for m in self.gone:
                assert search(h, m).total == 0, m
            self._word_sequences_fresh(h)
            if self.steps % 4 == 0:
                self._same_as_fresh_rebuild(h)
        finally:
            h.close()

    def _word_sequences_fresh(self, h: object) -> None:
        """The word-sequence store holds, for each live article and nothing else, its
        paragraphs' terms as a fresh tokenization of the file gives them (the analyzer's
        query path, which never makes sub-words: not the code that filled the store)."""
        corpus = load_corpus(self.corpus)
        stored: dict[str, list[list[str]]] = {}
        for aid, pno, value in wordseq.passages(h):
            assert pno == len(stored.setdefault(aid, []))
            stored[aid].append(wordseq.decode(value))
        fresh = {}
        for article in corpus.articles:
            doc = prepare(corpus, article)
            fresh[article.id] = [
                [t[0] for t in tokens(doc.paragraph_text(i), corpus.userdict, subwords=False)]
                for i in range(len(doc.paragraphs))
            ]
        assert stored == fresh

    def _same_as_fresh_rebuild(self, h: object) -> None:
        fresh_dir = self.tmp / "fresh"
        shutil.rmtree(fresh_dir, ignore_errors=True)
        build(load_corpus(self.corpus), fresh_dir, rebuild=True)
        fresh = open_index(fresh_dir)
        try:
            for q in QUERIES:
                for passages in (False, True):
                    mine = search(h, q, limit=50, passages=passages)
                    theirs = search(fresh, q, limit=50, passages=passages)
                    assert mine.total == theirs.total, q
                    key = [(x.id, x.passage) for x in mine.hits]
                    assert key == [(x.id, x.passage) for x in theirs.hits], q
                    for x, y in zip(mine.hits, theirs.hits):
                        assert abs(x.score - y.score) < 1e-6, (q, x.id, x.score, y.score)
        finally:
            fresh.close()


CorpusMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
class TestCorpusMachine(CorpusMachine.TestCase):  # type: ignore[name-defined]
    pass
