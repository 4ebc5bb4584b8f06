"""Time the study commands (collocates, ngrams, keyness, dispersion, trend) against a search
in the same run, and measure the word-sequence store.

    python bench/lexis.py --corpus DIR --index DIR [--repeat 5] [--cold] [--json FILE]

Each command runs as a user runs it (the ``kscorpus`` console script beside the interpreter,
``--json`` to /dev/null), after one warm-up run; the table gives each median wall and CPU
time and the CPU ratio to ``kscorpus search`` in the same run. ``--cold`` removes the n-gram
counts kept in the generation before every run: the cost of the first run after an ingest
(which writes the word tables, not the n-gram counts). The word tables' own cost is the CPU
time of counting every segment's, what a full ingest adds. The store's size is the bytes
of its column
(values and their lengths) beside two alternatives computed from the same passages: term ids
(a varint per token, ids by frequency: the commonest term gets the smallest) and zlib per
passage.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

COMMANDS = {
    "search": ["search", "直播"],
    "collocates zh": ["collocates", "直播"],
    "collocates en": ["collocates", "trust", "--measure", "ll"],
    "ngrams -n 3": ["ngrams", "-n", "3"],
    "ngrams --around": ["ngrams", "--around", "直播", "-n", "3"],
    "keyness --since": ["keyness", "--since", "2022"],
    "keyness --publisher": ["keyness", "--publisher", "微商网"],
    "dispersion zh": ["dispersion", "信任电商"],
    "dispersion en": ["dispersion", "GMV"],
    "trend": ["trend", "信任电商", "GMV"],
}


def _script() -> str:
    return str(Path(sys.executable).with_name("kscorpus"))


def kept_files(index: Path, tables: bool = True) -> list[Path]:
    """The counts kept in the current generation: n-gram counts, and word tables."""
    gen = index / (index / "CURRENT").read_text(encoding="utf-8").strip()
    return [*gen.glob("ngrams-*.cache"), *(gen.glob("*.wfreq") if tables else [])]


def _time(
    args: list[str], corpus: Path, index: Path, repeat: int, cold: bool = False
) -> list[tuple[float, float]]:
    """``(wall, CPU)`` seconds of each run: CPU time (user + system) is what a loaded machine
    disturbs least."""
    cmd = [_script(), *args, "--corpus", str(corpus), "--index", str(index), "--json"]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    out = []
    for _ in range(repeat):
        if cold:
            for path in kept_files(index, tables=False):
                path.unlink()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        out.append((wall, cpu))
    return out


def _varint(n: int) -> int:
    size = 1
    while n >= 128:
        n >>= 7
        size += 1
    return size


def store_sizes(index: Path) -> dict[str, Any]:
    """Bytes of the word-sequence column and of two alternatives, and of the whole index."""
    from kscorpus.index import wordfreq, wordseq
    from kscorpus.index.store import open_index

    h = open_index(index)
    try:
        values = [v for _, _, v in wordseq.passages(h)]
        start = time.process_time()
        for leaf in wordfreq.leaves(h):
            wordfreq.count_segment(leaf)
        tables_cpu = time.process_time() - start
    finally:
        h.close()
    freq = Counter(w for v in values for w in v.split(b" ") if v)
    rank = {w: i for i, (w, _) in enumerate(freq.most_common())}
    ids = sum(_varint(rank[w]) for v in values if v for w in v.split(b" "))
    lexicon = sum(len(w) + 1 for w in rank)
    index_bytes = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    return {
        "tables_cpu_s": round(tables_cpu, 2),
        "kept_bytes": sum(p.stat().st_size for p in kept_files(index)),
        "passages": len(values),
        "tokens": sum(freq.values()),
        "column_bytes": sum(len(v) for v in values) + 4 * len(values),
        "term_id_bytes": ids + 4 * len(values) + lexicon,
        "zlib_bytes": sum(len(zlib.compress(v)) for v in values) + 4 * len(values),
        "index_bytes": index_bytes,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="remove the kept counts before each run")
    ap.add_argument("--json", type=Path, metavar="FILE")
    a = ap.parse_args(argv)
    times = {
        name: _time(args, a.corpus, a.index, a.repeat, a.cold and name != "search")
        for name, args in COMMANDS.items()
    }
    med = {
        name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
        for name, t in times.items()
    }
    base = med["search"]
    rows = {
        name: {
            "wall_ms": round(wall * 1000),
            "cpu_ms": round(cpu * 1000),
            "cpu_x_search": round(cpu / base[1], 2),
        }
        for name, (wall, cpu) in med.items()
    }
    sizes = store_sizes(a.index)
    print("| command | wall ms | CPU ms | CPU × search |\n|---|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['wall_ms']:,} | {r['cpu_ms']:,} | {r['cpu_x_search']} |")
    mb = 1e6
    print(
        f"\nword-sequence store: {sizes['column_bytes'] / mb:.1f} MB for "
        f"{sizes['tokens']:,} tokens in {sizes['passages']:,} passages "
        f"({sizes['column_bytes'] / sizes['index_bytes']:.1%} of the "
        f"{sizes['index_bytes'] / mb:.0f}"
        f" MB index); term ids {sizes['term_id_bytes'] / mb:.1f} MB, zlib per passage "
        f"{sizes['zlib_bytes'] / mb:.1f} MB; kept counts (word tables, n-grams) "
        f"{sizes['kept_bytes'] / mb:.1f} MB, the word tables counted in "
        f"{sizes['tables_cpu_s']} s CPU"
    )
    if a.json:
        a.json.write_text(json.dumps({"commands": rows, "store": sizes}, indent=2) + "\n")


if __name__ == "__main__":
    main()
