"""Load on the web reader (``kscorpus serve``): N searches from C concurrent clients.

The server runs as a user runs it (``kscorpus serve --port 0``, its own process); clients in
this process send ``/search?q=Q&format=json`` over keep-alive connections, cycling through
the queries. Reported: errors, p50/p95/max latency, throughput, and as ratios the same
searches from one client, and the library's ``search`` in-process (what a request costs
beyond the search itself). Loopback only; the request count bounds the run.

    python bench/serve_load.py [--corpus DIR] [--index DIR] [--requests 200] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

QUERIES = ("信任电商", "快品牌", "磁力引擎", "信任電商", "trust e-commerce", "直播间", "GMV")


@dataclass
class LoadReport:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    errors: list[str] = field(default_factory=list)
    answers: dict[str, set[str]] = field(default_factory=dict)  # query → distinct bodies
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)
        return {
            "requests": len(ms) + len(self.errors),
            "errors": len(self.errors),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "max_ms": round(ms[-1], 1) if ms else 0.0,
            "per_s": round(len(ms) / self.seconds, 1) if self.seconds else 0.0,
        }


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def run_load(
    base_url: str, queries: tuple[str, ...], requests: int = 200, clients: int = 8
) -> LoadReport:
    """Send ``requests`` searches from ``clients`` threads, each on its own keep-alive
    connection; every request is timed, every failure (status, bad JSON) recorded."""
    parts = urlsplit(base_url)
    report = LoadReport()
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                q = queries[n % len(queries)]
                start = time.perf_counter()
                try:
                    conn.request("GET", f"/search?q={quote(q)}&format=json")
                    response = conn.getresponse()
                    body = response.read().decode("utf-8")
                    took = time.perf_counter() - start
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}: {body[:200]}")
                    json.loads(body)
                except Exception as e:  # recorded, not raised: the report counts errors
                    conn.close()
                    with lock:
                        report.errors.append(f"{q}: {e!r}")
                    continue
                with lock:
                    report.latencies.append(took)
                    report.answers.setdefault(q, set()).add(body)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report.seconds = time.perf_counter() - began
    return report


def in_process_ms(corpus: Path | None, index: Path | None, queries: tuple[str, ...]) -> float:
    """Median milliseconds of the library's ``search`` for the queries, as the server calls it
    (facets and original snippets on), after a warm-up pass."""
    from kscorpus.corpus.manifest import resolve_corpus_dir
    from kscorpus.index.store import ensure_index, resolve_index_dir
    from kscorpus.query.search import search

    root = resolve_corpus_dir(corpus)
    handle = ensure_index(root, resolve_index_dir(index, root))
    times = []
    for rep in range(4):
        for q in queries:
            start = time.perf_counter()
            search(handle, q, limit=10, facets=True, original=True)
            if rep:
                times.append((time.perf_counter() - start) * 1000)
    handle.close()
    return statistics.median(times)


def start_server(corpus: Path | None, index: Path | None) -> tuple[subprocess.Popen[str], str]:
    """``kscorpus serve --port 0`` in its own process, and the URL it printed."""
    args = [sys.executable, "-m", "kscorpus", "serve", "--port", "0"]
    args += ["--corpus", str(corpus)] if corpus else []
    args += ["--index", str(index)] if index else []
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"at (http://\S+/) ", line)
        if found:
            return proc, found[1].rstrip("/")
    proc.wait()
    raise SystemExit(f"kscorpus serve did not start (exit {proc.returncode})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, help="corpus directory (default: the bundled one)")
    ap.add_argument("--index", type=Path, help="index directory")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    proc, url = start_server(args.corpus, args.index)
    try:
        run_load(url, QUERIES, len(QUERIES) * 2, 1)  # warm-up: the server's first searches
        single = run_load(url, QUERIES, len(QUERIES) * 5, 1).summary()
        loaded = run_load(url, QUERIES, args.requests, args.clients)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    library = in_process_ms(args.corpus, args.index, QUERIES)
    figures = loaded.summary() | {
        "clients": args.clients,
        "single_p50_ms": single["p50_ms"],
        "search_p50_ms": round(library, 1),
        "p95_over_search_p50": round(loaded.summary()["p95_ms"] / library, 1),
        "p95_over_single_p50": round(loaded.summary()["p95_ms"] / single["p50_ms"], 1),
    }
    for name, value in figures.items():
        print(f"{name:>20}  {value}")
    for error in loaded.errors[:5]:
        print("error:", error, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if loaded.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
