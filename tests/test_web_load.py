"""The web reader under load: 200 searches from 8 concurrent clients (bench/serve_load.py's
client), bounded by count, on loopback. No request fails, and every answer is the one a lone
request gets (the server's threads take turns on the index; none sees another's state).
Latency is the benchmark's business (bench/README.md), never asserted here."""

from __future__ import annotations

import importlib.util
import sys
import urllib.request
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pytest

pytest.importorskip("starlette", reason="the web reader needs: pip install '.[serve]'")

from kscorpus.web.reader import Reader
from kscorpus.web.server import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def serve_load(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = importlib.util.spec_from_file_location("serve_load", ROOT / "bench" / "serve_load.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_load"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_200_searches_from_8_clients(serve_load, index_dir):
    served = serve_in_thread(Reader(ROOT / "corpus", index_dir))
    try:
        base = served.url.rstrip("/")
        alone = {}
        for q in serve_load.QUERIES:
            with urllib.request.urlopen(f"{base}/search?q={quote(q)}&format=json") as r:
                alone[q] = r.read().decode("utf-8")
        report = serve_load.run_load(base, serve_load.QUERIES, requests=200, clients=8)
    finally:
        served.stop()
    assert report.errors == []
    assert len(report.latencies) == 200
    assert report.answers == {q: {body} for q, body in alone.items()}
    summary = report.summary()
    assert summary["requests"] == 200 and summary["errors"] == 0
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["max_ms"]


def test_percentile_is_the_nearest_rank(serve_load):
    values = [float(v) for v in range(1, 21)]  # 1..20: the 95th percentile is the 19th value
    assert serve_load.percentile(values, 95) == 19.0
    assert serve_load.percentile(values, 50) == 10.0
    assert serve_load.percentile([7.0], 95) == 7.0
    assert serve_load.percentile([], 95) == 0.0
