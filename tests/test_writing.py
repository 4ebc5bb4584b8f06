"""Ingest on every core (issue 8): forked workers write segments of their own, and the index
they make answers exactly like one written by a single process."""

from __future__ import annotations

import errno
import importlib.util
import json
import math
import os
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kscorpus.index.writing as kwriting
from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import IndexUnavailable
from kscorpus.index.store import build, open_index
from kscorpus.index.writing import Plan, _jobs, _shards
from kscorpus.query.search import search

ROOT = Path(__file__).resolve().parent.parent
CORPUS, BENCH = ROOT / "corpus", ROOT / "bench"
runner = CliRunner()
QUERIES = ["信任电商", "快品牌", "trust e-commerce", '"大搞信任电商"', "GMV", "直播间 -服务商"]
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty articles from the benchmark's generator: both scripts, English, repairs."""
    spec = importlib.util.spec_from_file_location("gencorpus", BENCH / "gencorpus.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    sys.modules["gencorpus"] = gen  # its dataclass looks itself up there
    try:
        spec.loader.exec_module(gen)
        root = tmp_path_factory.mktemp("gen") / "corpus"
        gen.generate(root, 40, 1)
    finally:
        del sys.modules["gencorpus"]
    return root


def answers(index: Path) -> list[object]:
    """Everything a user sees of the index: hits with scores and snippets, both modes, and
    the per-article summaries."""
    h = open_index(index)
    out: list[object] = []
    for q in QUERIES:
        for passages in (False, True):
            r = search(h, q, limit=50, passages=passages)
            out.append((r.total, [(x.id, round(x.score, 6), x.snippet, x.passage) for x in r.hits]))
    out.append(json.dumps(h.articles_meta(), sort_keys=True))
    return out


@linux_only
@pytest.mark.parametrize("source", ["bundled", "generated"])
def test_parallel_build_answers_like_one_process(tmp_path, generated, source, monkeypatch):
    monkeypatch.setattr(kwriting, "PART", 7)  # workers report in several parts
    monkeypatch.setattr(kwriting, "SEGMENT", 14)  # and write several segments each
    corpus = load_corpus(CORPUS if source == "bundled" else generated)
    one = build(corpus, tmp_path / "one", jobs=1)
    two = build(corpus, tmp_path / "two", jobs=2)
    assert (one.jobs, two.jobs) == (1, 2)
    assert (two.articles, two.passages, two.tokens) == (one.articles, one.passages, one.tokens)
    assert two.repairs == one.repairs and two.proposed_pairs == one.proposed_pairs
    assert answers(tmp_path / "two") == answers(tmp_path / "one")
    # the workers' anchors wait in a file until they are done (writing._Parked)
    one_anchors, two_anchors = (
        json.loads((open_index(tmp_path / d).path / "anchors.json").read_text("utf-8"))
        for d in ("one", "two")
    )
    assert two_anchors == one_anchors and (one_anchors or source == "bundled")
    segments = open_index(tmp_path / "two").articles.reader().leaf_readers()
    per_worker = [
        math.ceil(len(s) / 14)
        for s in _shards(Plan(corpus, set(), set(), None), corpus.articles, 2)
    ]
    assert len(segments) == sum(per_worker)  # none merged


@linux_only
def test_incremental_ingest_after_a_parallel_build(tmp_path, generated):
    """Updated in place, an index built in parallel answers like one built in one process and
    updated the same way (scores of an updated index differ from a fresh build's: Whoosh counts
    deleted documents in its statistics until their segment is merged)."""
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(generated, corpus_dir)
    for jobs in (1, 2):
        build(load_corpus(corpus_dir), tmp_path / f"ix{jobs}", jobs=jobs)
    art = sorted(corpus_dir.glob("*.txt"))[3]
    art.write_text(art.read_text(encoding="utf-8") + "\n新增一段关于信任电商的话。\n", "utf-8")
    for jobs in (1, 2):
        report = build(load_corpus(corpus_dir), tmp_path / f"ix{jobs}")
        assert report.updated == 1 and report.jobs == 1
    assert answers(tmp_path / "ix2") == answers(tmp_path / "ix1")
    hits = search(open_index(tmp_path / "ix2"), "新增一段").hits
    assert [h.id for h in hits] == [art.name.split("_")[0]]


def test_an_update_of_a_few_articles_segments_without_loading_jieba(
    tmp_path, generated, monkeypatch
):
    """It reads the previous generation's compiled dictionary instead (0.4-1.5 s saved), and
    indexes exactly what jieba's own dictionary gives (FEW = 0 forces that)."""
    import subprocess

    import kscorpus.index.store as kindex

    corpus_dir = tmp_path / "corpus"
    shutil.copytree(generated, corpus_dir)
    build(load_corpus(corpus_dir), tmp_path / "ix", jobs=1)
    shutil.copytree(tmp_path / "ix", tmp_path / "jieba")
    for art in sorted(corpus_dir.glob("*.txt"))[2:5]:
        art.write_text(art.read_text(encoding="utf-8") + "\n马宏彬说信任电商是新引擎。\n", "utf-8")
    code = (
        "import sys; from pathlib import Path; from kscorpus.corpus.manifest import load_corpus; "
        "from kscorpus.index.store import build; "
        "r = build(load_corpus(sys.argv[1]), Path(sys.argv[2])); "
        "print(r.updated, 'jieba' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(corpus_dir), str(tmp_path / "ix")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["3", "False"]
    monkeypatch.setattr(kindex, "FEW", 0)  # the same update, segmented by jieba
    assert build(load_corpus(corpus_dir), tmp_path / "jieba").updated == 3
    assert answers(tmp_path / "ix") == answers(tmp_path / "jieba")
    assert [h.id for h in search(open_index(tmp_path / "ix"), "马宏彬").hits]


def test_shards_are_contiguous_and_balanced(generated):
    corpus = load_corpus(generated)
    plan = Plan(corpus, set(), set(), None)
    for n in (1, 2, 3, 7):
        shards = _shards(plan, corpus.articles, n)
        assert [a for s in shards for a in s] == list(corpus.articles)
        sizes = [sum(corpus.path(a).stat().st_size for a in s) for s in shards]
        biggest = max(corpus.path(a).stat().st_size for a in corpus.articles)
        assert len(shards) == n and max(sizes) - min(sizes) <= 2 * biggest


def test_one_process_when_forking_is_unsafe_or_not_worth_it(monkeypatch):
    monkeypatch.setattr(kwriting.os, "sched_getaffinity", lambda _: {0, 1, 2, 3})
    assert _jobs(None, 10) == 1  # too few articles to pay for the workers
    assert _jobs(None, 1000) == (4 if sys.platform == "linux" else 1)
    assert _jobs(3, 2) == (2 if sys.platform == "linux" else 1)  # never more than articles
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert _jobs(2, 100) == 1  # fork with other threads running can deadlock the child
    finally:
        stop.set()
        t.join()


@linux_only
def test_a_worker_error_keeps_the_previous_index(tmp_path, generated, monkeypatch):
    build(load_corpus(generated), tmp_path / "ix", jobs=1)
    before = answers(tmp_path / "ix")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kwriting, "prepare", full)  # inherited by the forked workers
    with pytest.raises(
        IndexUnavailable, match=r"No space left on device.*previous index is intact"
    ):
        build(load_corpus(generated), tmp_path / "ix", rebuild=True, jobs=2)
    assert not [p for p in (tmp_path / "ix").iterdir() if p.name.startswith((".tmp-", ".lock"))]
    assert answers(tmp_path / "ix") == before


@linux_only
def test_a_dying_worker_is_a_clear_error(tmp_path, generated, monkeypatch):
    monkeypatch.setattr(kwriting, "prepare", lambda *a: os._exit(9))
    with pytest.raises(IndexUnavailable, match=r"ingest worker .*exit code 9.*--jobs 1"):
        build(load_corpus(generated), tmp_path / "ix", jobs=2)
    assert not (tmp_path / "ix" / "CURRENT").exists()


@linux_only
def test_cli_jobs_option(tmp_path):
    ix = str(tmp_path / "ix")
    r = runner.invoke(app, ["ingest", "--jobs", "2", "--json", "--index", ix])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["jobs"] == 2 and "2 processes" in r.stderr
    r = runner.invoke(app, ["ingest", "--jobs", "0", "--index", ix])
    assert r.exit_code == 2 and "--jobs" in r.stderr


def test_ingest_of_many_articles_sums_up_repairs_in_one_line(tmp_path, generated):
    r = runner.invoke(app, ["ingest", "--corpus", str(generated), "--index", str(tmp_path / "ix")])
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stderr.splitlines() if "repaired" in line]
    assert len(lines) == 1, lines
    assert re.search(r"repaired [\d,]+ pinyin, .* in \d+ articles \('kscorpus doctor", lines[0])


@linux_only
def test_workers_inherit_a_loaded_jieba(tmp_path, generated, monkeypatch):
    """jieba's dictionary is loaded once, before the fork, so workers need not load their own;
    then the parent lets go of its copy, which the workers copy page by page as they run."""
    import multiprocessing

    from kscorpus.ingest import segment

    monkeypatch.setattr(segment, "_CACHE", {})
    corpus = load_corpus(generated)
    fork = type(multiprocessing.get_context("fork").Process(target=print))
    start, seen = fork.start, []

    def recording_start(self):
        seen.append((tuple(corpus.userdict), None) in segment._CACHE)
        start(self)

    monkeypatch.setattr(fork, "start", recording_start)
    build(corpus, tmp_path / "ix", jobs=2)
    assert seen == [True, True]
    assert segment.jieba_tokenizer.cache_info().currsize == 0
    assert not [key for key in segment._CACHE if key[1] is None]


ANCHOR = st.one_of(
    st.tuples(st.sampled_from(["chars", "year"]), st.integers(0, 3000)),
    st.tuples(st.just("words"), st.text("abc 电", max_size=12)),
    st.tuples(st.just("amount"), st.tuples(st.floats(0, 1e9), st.sampled_from(["", "%"]))),
)


@settings(max_examples=50, deadline=None)
@given(anchors=st.dictionaries(st.text("0123456789", min_size=1), st.frozensets(ANCHOR)))
def test_anchors_json_is_written_in_pieces_as_one_dump_writes_it(anchors):
    """``anchors.json`` is made in pieces (a whole 300 MB string at 100,000 articles cost a
    gigabyte of memory); joined, they are the document one ``json.dumps`` makes of every
    article's anchors as lists sorted by their reprs, and it reads back as the anchors."""
    from kscorpus.index.store import _anchors_json

    whole = {i: sorted((list(x) for x in found), key=repr) for i, found in anchors.items()}
    text = "".join(_anchors_json(anchors))
    assert text == json.dumps(whole)
    assert {i: {json.dumps(x) for x in rows} for i, rows in json.loads(text).items()} == {
        i: {json.dumps(list(x)) for x in found} for i, found in anchors.items()
    }
