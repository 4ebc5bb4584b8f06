"""Keep the benchmark alive: the corpus generator, and bench/run.py end to end at 1,000 articles
(the small version of the benchmark that issue 8 asks CI to run: big enough for a parallel build).

Only structure and sanity are checked, never speed: timings belong to the benchmark's table.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import opencc
import pytest

from kscorpus.corpus.manifest import load_corpus

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _gencorpus(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("gencorpus", BENCH / "gencorpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gencorpus", module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def test_generated_corpus_is_valid_varied_and_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = _gencorpus(monkeypatch)
    first = gen.generate(tmp_path / "a", 20, seed=7)
    assert _files(first) == _files(gen.generate(tmp_path / "b", 20, seed=7))
    assert _files(first) != _files(gen.generate(tmp_path / "c", 20, seed=8))

    corpus = load_corpus(first)
    assert [a.id for a in corpus.articles] == [f"{i:03d}" for i in range(20)]
    assert {a.script for a in corpus.articles} == {"Hans", "Hant", "Latn"}
    assert len({a.date for a in corpus.articles}) > 10
    assert corpus.userdict
    t2s = opencc.OpenCC("t2s")
    sizes = []
    for a in corpus.articles:
        text = corpus.read_bytes(a).decode("utf-8")
        sizes.append(len(text.encode()))
        assert (t2s.convert(text) != text) == (a.script == "Hant"), a.id
    assert 2000 < sum(sizes) / len(sizes) < 4000


def test_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    size, queries = 1000, ["信任電商", '"大搞信任电商"']
    cmd = [sys.executable, str(BENCH / "run.py"), "--size", str(size), "--repeat", "1"]
    cmd += ["--workdir", str(tmp_path), "--json", str(out), "--baseline-mb", "0.03"]
    cmd += [arg for q in queries for arg in ("--query", q)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| articles | corpus MB | ingest s |" in proc.stdout
    assert f"| {size:,} |" in proc.stdout

    r = json.loads(out.read_text())
    assert r["corpus"]["articles"] == r["ingest"]["articles"] == size
    jieba, ingest = r["baselines"]["jieba_lcut"], r["ingest"]
    assert 0 < jieba["mb"] < r["corpus"]["mb"]  # --baseline-mb took a sample
    for figures in (jieba, r["baselines"]["opencc_t2s"]):
        assert figures["mb_s"] > 0 and figures["load_s"] > 0
    assert math.isclose(ingest["ratio_to_jieba"], ingest["mb_s"] / jieba["mb_s"])
    before, after = jieba["runs_mb_s"]  # the baseline brackets the ingest
    assert min(before, after) <= jieba["mb_s"] <= max(before, after)
    assert ingest["passages"] >= size and ingest["tokens"] > 100_000
    assert ingest["jobs"] > 1 or len(os.sched_getaffinity(0)) == 1  # a parallel build
    assert 20 < ingest["peak_memory_mb"] < 4000 and ingest["index_mb"] > 0
    assert r["incremental"]["ratio_to_full"] > 0

    search = r["search"]
    assert set(search["totals"]) == set(queries)
    assert all(n > 0 for n in search["totals"].values())
    for lat in (search["in_process"], search["cli"], r["baselines"]["import"]):
        assert 0 < lat["p50_ms"] <= lat["p95_ms"]
    assert search["in_process"]["p50_ms"] < search["cli"]["p50_ms"]
    cli = search["cli"]
    ratio = cli["p50_ms"] / r["baselines"]["import"]["p50_ms"]
    assert math.isclose(cli["ratio_to_import"], ratio)
    bundled = search["cli_bundled"]  # the reference for growth with corpus size
    assert 0 < bundled["p50_ms"] <= bundled["p95_ms"] and bundled["import_p50_ms"] > 0
    assert math.isclose(bundled["ratio"], cli["p50_ms"] / bundled["p50_ms"])
    # the same queries, each run beside the sized search: every one counted on both sides
    assert set(bundled["totals"]) == set(bundled["per_query_p50_ms"]) == set(queries)
    assert "| CLI / 5 articles |" in proc.stdout
