"""Benchmark ``kscorpus dispersion`` and ``kscorpus trend`` against ``kscorpus search`` in the same
run: the bundled corpus and generated corpora (``gencorpus.py``), each command a whole CLI
process (``--json``), the three run in turn for every query so that they see the same load.

    python bench/plots.py --size 1000 --size 10000 [--repeat 3] [--json FILE]

The table (stdout) gives each command's median wall time and its ratio to the search's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gencorpus

QUERIES = ("信任电商", "快品牌", "直播间", "假一赔九", "GMV", "trust e-commerce")
COMMANDS = {
    "search": ["search", "{q}", "--json"],
    "dispersion": ["dispersion", "{q}", "--json"],
    "trend": ["trend", "{q}", "--json"],
    "trend --by month": ["trend", "{q}", "--by", "month", "--json"],
}


def _say(msg: str) -> None:
    print(f"[plots bench] {msg}", file=sys.stderr, flush=True)


def _kscorpus() -> str:
    return str(Path(sys.executable).with_name("kscorpus"))


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _target(workdir: Path, size: int | None, seed: int) -> tuple[Path, Path]:
    """(corpus, index) of ``size`` generated articles (None: the bundled corpus), built once."""
    if size is None:
        from kscorpus.corpus.manifest import bundled_corpus_dir

        corpus, index = bundled_corpus_dir(), workdir / "index-bundled"
    else:
        corpus, index = workdir / f"corpus-{size}-seed{seed}", workdir / f"index-{size}-seed{seed}"
        if not corpus.is_dir():
            _say(f"generating {size} articles")
            tmp = workdir / f".tmp-{corpus.name}"
            shutil.rmtree(tmp, ignore_errors=True)
            gencorpus.generate(tmp, size, seed)
            tmp.rename(corpus)
    _say(f"ingest {corpus.name} (once; an index already current is kept)")
    t = _wall([_kscorpus(), "ingest", "--corpus", str(corpus), "--index", str(index)])
    _say(f"  {t:.1f} s")
    return corpus, index


def measure(corpus: Path, index: Path, repeat: int) -> dict[str, Any]:
    """Median wall time of each command over every query × ``repeat`` (after a warm-up)."""
    where = ["--corpus", str(corpus), "--index", str(index)]

    def run(name: str, q: str) -> float:
        return _wall([_kscorpus(), *(a.format(q=q) for a in COMMANDS[name]), *where])

    for name in COMMANDS:
        run(name, QUERIES[0])
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeat):
        for q in QUERIES:
            for name in COMMANDS:
                times[name].append(run(name, q))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    return {
        "median_ms": {n: round(v * 1000, 1) for n, v in med.items()},
        "max_ms": {n: round(max(ts) * 1000, 1) for n, ts in times.items()},
        "x_search": {n: round(v / med["search"], 2) for n, v in med.items()},
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    names = list(COMMANDS)
    head = "| corpus | " + " | ".join(f"{n} p50 ms (× search)" for n in names) + " |"
    rows = [head, "|---|" + "---:|" * len(names)]
    for label, r in results.items():
        cells = [f"{r['median_ms'][n]:.0f} ({r['x_search'][n]:.2f})" for n in names]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, action="append", default=[], help="articles (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the queries (default 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kscorpus-bench-plots"
    )
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("KSCORPUS_INDEX", None)
    results: dict[str, dict[str, Any]] = {}
    for size in [None, *args.size]:
        label = "5 (bundled)" if size is None else f"{size:,}"
        corpus, index = _target(args.workdir, size, args.seed)
        _say(f"timing {label}: {len(QUERIES)} queries × {args.repeat} × {len(COMMANDS)} commands")
        results[label] = measure(corpus, index, args.repeat)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
