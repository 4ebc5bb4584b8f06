"""Benchmark kscorpus ingest and search against baselines measured in the same run (issue 8).

Machines differ, so every figure that matters is a ratio to a baseline taken minutes apart on the
same machine: ingest throughput against plain single-process ``jieba.lcut`` over the same text,
``kscorpus search`` wall time against importing the libraries it cannot avoid. Baselines, the
in-process search and the whole CLI each run in their own process, so no measurement inherits
another's imports or memory. Linux only (``/proc``, ``wait4``).

    python bench/run.py --size 1000 [--workdir DIR] [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gencorpus  # bench/ is on sys.path when this file runs as a script

QUERIES = (
    "信任电商",
    "快品牌",
    "磁力引擎",
    "信任電商",
    "trust e-commerce",
    "直播间",
    "服务商",
    "GMV",
    '"大搞信任电商"',  # a phrase: 大搞 followed by 信任电商
)
IMPORT_BASELINE = "import whoosh.index, whoosh.qparser, typer, rich.console"
MB = 1e6
SAMPLE_SEED = 0
# The incremental run appends this to one Chinese article, then puts the article back.
EDIT = "\n快手电商更新了直播间服务商的考核规则。\n".encode()


def _say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _pct(xs: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: an observed value, defined for any number of samples."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def _kscorpus_script() -> str:
    """The console script of this interpreter's environment, as a user would run it."""
    script = Path(sys.executable).parent / "kscorpus"
    if not script.is_file():
        sys.exit(f"bench: no kscorpus script beside {sys.executable}; run 'pip install -e .'")
    return str(script)


def _compile_bytecode() -> None:
    """Cache kscorpus's bytecode, as ``pip install .`` does: an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run (60 ms), which
    no installed kscorpus does and the import baseline (compiled packages) does not pay."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("kscorpus")
    if spec and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def _corpus(workdir: Path, size: int, seed: int) -> Path:
    """The generated corpus, reused while size, seed and the generator's source are the same."""
    version = hashlib.sha256(Path(gencorpus.__file__).read_bytes()).hexdigest()[:8]
    path = workdir / f"corpus-{size}-seed{seed}-{version}"
    if path.is_dir():
        _say(f"reusing corpus {path}")
        return path
    _say(f"generating {size} articles into {path}")
    tmp = workdir / f".tmp-{path.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    gencorpus.generate(tmp, size, seed)
    tmp.rename(path)  # complete or absent: an interrupted generation is never reused
    return path


def _sample(files: list[str], limit_mb: float) -> list[str]:
    """Files for a baseline: all of them, or a random sample of about ``limit_mb`` (jieba alone
    would take 14 minutes over 100,000 articles; a rate needs far less)."""
    total = sum(os.path.getsize(f) for f in files)
    if total <= limit_mb * MB:
        return files
    keep = max(1, int(len(files) * limit_mb * MB / total))
    return sorted(random.Random(SAMPLE_SEED).sample(files, keep))


# --- children: ``run.py --child KIND`` reads a JSON spec on stdin, prints a JSON answer ------


def _child_jieba(spec: dict[str, Any]) -> dict[str, Any]:
    """Plain ``jieba.lcut`` (default mode, HMM on) over every text, dictionary load apart."""
    import logging
    import warnings

    texts = [Path(f).read_text(encoding="utf-8") for f in spec["files"]]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    t1 = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    t2 = time.perf_counter()
    return {"bytes": sum(len(t.encode()) for t in texts), "load_s": t1 - t0, "seconds": t2 - t1}


def _child_opencc(spec: dict[str, Any]) -> dict[str, Any]:
    """The official OpenCC binding's ``t2s`` over the Traditional texts, config load apart."""
    texts = [Path(f).read_text(encoding="utf-8") for f in spec["files"]]
    t0 = time.perf_counter()
    import opencc

    cc = opencc.OpenCC("t2s")
    t1 = time.perf_counter()
    for text in texts:
        cc.convert(text)
    t2 = time.perf_counter()
    return {"bytes": sum(len(t.encode()) for t in texts), "load_s": t1 - t0, "seconds": t2 - t1}


def _child_search(spec: dict[str, Any]) -> dict[str, Any]:
    """Library search latency: one warm-up pass (jieba, caches), then ``repeat`` timed passes."""
    t0 = time.perf_counter()
    from kscorpus.index.store import open_index
    from kscorpus.query.search import search

    t1 = time.perf_counter()
    handle = open_index(Path(spec["index"]))
    t2 = time.perf_counter()
    totals = {q: search(handle, q).total for q in spec["queries"]}
    times: dict[str, list[float]] = {q: [] for q in spec["queries"]}
    for _ in range(spec["repeat"]):
        for q in spec["queries"]:
            s = time.perf_counter()
            search(handle, q)
            times[q].append(time.perf_counter() - s)
    return {"import_s": t1 - t0, "open_s": t2 - t1, "totals": totals, "times": times}


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "jieba": _child_jieba,
    "opencc": _child_opencc,
    "search": _child_search,
}


def _child(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON answer."""
    cmd = [sys.executable, __file__, "--child", kind]
    proc = subprocess.run(cmd, input=json.dumps(spec), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench: {kind} measurement failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


# --- whole-CLI measurements -----------------------------------------------------------------


# The kernel walks a process's page tables to sum its PSS, holding its memory map's lock:
# polled every 50 ms, that made a 100,000-article ingest 15% slower (401 s against 341 s
# unobserved, same build) and its ratio to jieba as much lower.
PSS_POLL = 0.5


def _tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants, in bytes: forked workers
    share jieba's dictionary with their parent, and PSS counts a shared page once in all
    (summed RSS would count it in every process)."""
    parent: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                parent[int(entry.name)] = int(f.read().rsplit(b")", 1)[1].split()[1])
        except OSError:  # the process ended meanwhile
            continue
    todo, total = [root], 0
    while todo:
        pid = todo.pop()
        total += _pss(pid)
        todo += [p for p, pp in parent.items() if pp == pid]
    return total


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _run_measured(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak memory in bytes and stdout of ``cmd``.

    Peak memory is the larger of the process tree's summed PSS, polled every ``PSS_POLL``
    seconds, and the kernel's exact peak RSS of its largest single process (``wait4``), which
    catches spikes.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        done = threading.Event()
        peak = [0]

        def poll() -> None:
            while not done.wait(PSS_POLL):
                peak[0] = max(peak[0], _tree_pss(proc.pid))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{err.read().decode(errors='replace')}")
        return seconds, max(peak[0], usage.ru_maxrss * 1024), out.read().decode()


def _wall(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stderr}")
    return seconds, proc.stdout


def _small_index(kscorpus: str, workdir: Path) -> tuple[Path, Path]:
    """The bundled corpus (5 articles) and a fresh index of it."""
    from kscorpus.corpus.manifest import bundled_corpus_dir

    corpus, index = bundled_corpus_dir(), workdir / "index-bundled"
    shutil.rmtree(index, ignore_errors=True)
    _wall([kscorpus, "ingest", "--corpus", str(corpus), "--index", str(index)])
    return corpus, index


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _cli_search(
    kscorpus: str, targets: dict[str, tuple[Path, Path]], queries: Sequence[str], repeat: int
) -> dict[str, Any]:
    """``kscorpus search Q --json`` wall times over each target's (corpus, index), run in turn
    with one import-baseline run for every query, so that all of them see the same machine
    load: this machine's speed drifts within minutes, and with the 5-article searches run as a
    phase of their own the 100,000-article ratio to them ranged from 1.44 to 2.12."""
    base = [sys.executable, "-c", IMPORT_BASELINE]

    def search(q: str, corpus_dir: Path, index: Path) -> tuple[float, str]:
        return _wall(
            [kscorpus, "search", q, "--json", "--corpus", str(corpus_dir), "--index", str(index)]
        )

    _wall(base)  # warm-up: file cache, jieba's dictionary cache, bytecode
    for where in targets.values():
        search(queries[0], *where)
    times: dict[str, dict[str, list[float]]] = {t: {q: [] for q in queries} for t in targets}
    imports: list[float] = []
    totals: dict[str, dict[str, int]] = {t: {} for t in targets}
    for _ in range(repeat):
        for q in queries:
            imports.append(_wall(base)[0])
            for t, where in targets.items():
                seconds, out = search(q, *where)
                times[t][q].append(seconds)
                totals[t][q] = json.loads(out)["total"]
    return {"times": times, "imports": imports, "totals": totals}


# --- the benchmark --------------------------------------------------------------------------


def _rate(m: dict[str, Any]) -> dict[str, float]:
    return {
        "mb": m["bytes"] / MB,
        "seconds": m["seconds"],
        "mb_s": m["bytes"] / MB / m["seconds"],
        "load_s": m["load_s"],
    }


def _bracketed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """One baseline from runs just before and just after the measurement it is compared
    with: this machine's speed drifts by up to 30% within minutes, so a single run taken a
    few minutes apart can move the ratio by as much."""
    runs = [_rate(before), _rate(after)]
    mean = {k: statistics.mean(r[k] for r in runs) for k in ("seconds", "load_s")}
    mb = runs[0]["mb"]
    return {"mb": mb, **mean, "mb_s": mb / mean["seconds"], "runs_mb_s": [r["mb_s"] for r in runs]}


def _latency(seconds: list[float]) -> dict[str, float]:
    ms = [t * 1000 for t in seconds]
    return {"p50_ms": statistics.median(ms), "p95_ms": _pct(ms, 95)}


def _per_query(times: dict[str, list[float]]) -> dict[str, Any]:
    """Latency over every sample of every query, and each query's median."""
    return {
        **_latency([t for ts in times.values() for t in ts]),
        "per_query_p50_ms": {q: statistics.median(ts) * 1000 for q, ts in times.items()},
    }


def run(
    size: int,
    workdir: Path,
    seed: int = 0,
    repeat: int = 5,
    queries: Sequence[str] = QUERIES,
    baseline_mb: float = 30.0,
) -> dict[str, Any]:
    """Generate (or reuse) the corpus, take every measurement, and return the figures."""
    from kscorpus.corpus.manifest import load_corpus
    from kscorpus.index.store import status

    kscorpus = _kscorpus_script()
    _compile_bytecode()
    workdir.mkdir(parents=True, exist_ok=True)
    corpus_dir = _corpus(workdir, size, seed)
    corpus = load_corpus(corpus_dir)
    corpus_bytes = sum(corpus.path(a).stat().st_size for a in corpus.articles)
    files = [str(corpus.path(a)) for a in corpus.articles]
    hant = [str(corpus.path(a)) for a in corpus.articles if a.script == "Hant"]

    jieba_files = _sample(files, baseline_mb)
    _say(f"baseline: jieba.lcut over {len(jieba_files)} articles")
    jieba_before = _child("jieba", {"files": jieba_files})
    sample = _sample(hant, baseline_mb)
    _say(f"baseline: OpenCC t2s over {len(sample)} Traditional articles")
    t2s = _rate(_child("opencc", {"files": sample}))

    index = workdir / f"index-{size}-seed{seed}"
    shutil.rmtree(index, ignore_errors=True)
    _say(f"kscorpus ingest of {len(corpus.articles)} articles ({corpus_bytes / MB:.1f} MB)")
    ingest_cmd = [kscorpus, "ingest", "--json", "--corpus", str(corpus_dir), "--index", str(index)]
    full_s, peak_mem, out = _run_measured(ingest_cmd)
    summary = json.loads(out)
    _say(f"baseline again, right after the ingest: jieba.lcut over {len(jieba_files)} articles")
    jieba = _bracketed(jieba_before, _child("jieba", {"files": jieba_files}))
    ingest_mb_s = corpus_bytes / MB / full_s
    if status(corpus.root, index) != "current":  # else every search below would time a rebuild
        sys.exit(f"bench: kscorpus ingest left {index} out of date for {corpus_dir}")

    _say(f"search in-process: {len(queries)} queries x {repeat}")
    lib = _child("search", {"index": str(index), "queries": list(queries), "repeat": repeat})
    small = _small_index(kscorpus, workdir)
    _say(
        f"search whole CLI: {len(queries)} queries x {repeat}, each beside an import baseline "
        "and the same search of the 5 bundled articles (the reference for growth with size)"
    )
    cli = _cli_search(kscorpus, {"sized": (corpus_dir, index), "bundled": small}, queries, repeat)
    cli_lat, import_lat = _per_query(cli["times"]["sized"]), _latency(cli["imports"])
    cli5_lat = _per_query(cli["times"]["bundled"])

    changed = next(a for a in corpus.articles if a.lang == "zh")
    _say(f"incremental: kscorpus ingest after changing article {changed.id}")
    original = corpus.path(changed).read_bytes()
    try:
        corpus.path(changed).write_bytes(original + EDIT)
        incr_s, _, _ = _run_measured(ingest_cmd)
    finally:
        corpus.path(changed).write_bytes(original)

    return {
        "size": size,
        "seed": seed,
        "repeat": repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "corpus": {
            "dir": str(corpus_dir),
            "articles": len(corpus.articles),
            "mb": corpus_bytes / MB,
            "traditional_mb": sum(os.path.getsize(f) for f in hant) / MB,
        },
        "baselines": {
            "jieba_lcut": jieba,
            "opencc_t2s": t2s,
            "import": {"command": IMPORT_BASELINE, **import_lat},
        },
        "ingest": {
            "seconds": full_s,
            "mb_s": ingest_mb_s,
            "ratio_to_jieba": ingest_mb_s / jieba["mb_s"],
            "peak_memory_mb": peak_mem / MB,
            "index_mb": _du(index) / MB,
            "articles": summary["articles"],
            "passages": summary["passages"],
            "tokens": summary["tokens"],
            "jobs": summary["jobs"],
        },
        "incremental": {"article": changed.id, "seconds": incr_s, "ratio_to_full": incr_s / full_s},
        "search": {
            "totals": cli["totals"]["sized"],
            "in_process": {
                **_per_query(lib["times"]),
                "import_s": lib["import_s"],
                "open_s": lib["open_s"],
            },
            "cli": {**cli_lat, "ratio_to_import": cli_lat["p50_ms"] / import_lat["p50_ms"]},
            "cli_bundled": {
                **cli5_lat,
                "totals": cli["totals"]["bundled"],
                "import_p50_ms": import_lat["p50_ms"],
                "ratio": cli_lat["p50_ms"] / cli5_lat["p50_ms"],
            },
        },
    }


def table(r: dict[str, Any]) -> str:
    """The figures as Markdown: one row for the corpus size, then the baselines."""
    ing, lib, cli = r["ingest"], r["search"]["in_process"], r["search"]["cli"]
    cli5 = r["search"]["cli_bundled"]
    jb, cc, imp = (r["baselines"][k] for k in ("jieba_lcut", "opencc_t2s", "import"))
    return "\n".join(
        [
            "| articles | corpus MB | ingest s | MB/s | × jieba | peak memory MB | index MB "
            "| search p50/p95 ms | CLI p50/p95 ms | CLI / import | CLI / 5 articles "
            "| incremental / full |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {r['size']:,} | {r['corpus']['mb']:.1f} | {ing['seconds']:.1f} "
            f"| {ing['mb_s']:.3f} | {ing['ratio_to_jieba']:.2f} | {ing['peak_memory_mb']:.0f} "
            f"| {ing['index_mb']:.1f} | {lib['p50_ms']:.1f} / {lib['p95_ms']:.1f} "
            f"| {cli['p50_ms']:.0f} / {cli['p95_ms']:.0f} | {cli['ratio_to_import']:.2f} "
            f"| {cli5['ratio']:.2f} | {r['incremental']['ratio_to_full']:.2f} |",
            "",
            "| baseline (same run) | text MB | rate | load |",
            "|---|---:|---:|---:|",
            f"| jieba.lcut, one process, before and after the ingest | {jb['mb']:.1f} "
            f"| {jb['mb_s']:.3f} MB/s ({' and '.join(f'{x:.3f}' for x in jb['runs_mb_s'])}) "
            f"| dictionary {jb['load_s']:.2f} s |",
            f"| OpenCC t2s (official opencc) | {cc['mb']:.1f} | {cc['mb_s']:.1f} MB/s "
            f"| config {cc['load_s'] * 1000:.0f} ms |",
            f'| `python -c "{IMPORT_BASELINE}"` | | p50 {imp["p50_ms"]:.0f} ms '
            f"/ p95 {imp['p95_ms']:.0f} ms | |",
            f"| `kscorpus search Q --json` on the 5 bundled articles | | p50 {cli5['p50_ms']:.0f} "
            f"ms / p95 {cli5['p95_ms']:.0f} ms | |",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1000, help="articles (1000, 10000, 100000)")
    ap.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    ap.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kscorpus-bench",
        help="where corpora (reused) and indexes go (default: %(default)s)",
    )
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the queries")
    ap.add_argument(
        "--query",
        action="append",
        dest="queries",
        metavar="Q",
        help="search this instead of the fixed query list (repeatable)",
    )
    ap.add_argument(
        "--baseline-mb",
        type=float,
        default=30.0,
        help="at most this much text for the jieba/OpenCC baselines (default 30)",
    )
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    ap.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](json.load(sys.stdin))))
        return
    if args.size < len(set(gencorpus.SCRIPTS)) or args.repeat < 1:
        ap.error("--size must be at least 3 (one article per script), --repeat at least 1")
    result = run(
        args.size, args.workdir, args.seed, args.repeat, args.queries or QUERIES, args.baseline_mb
    )
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        _say(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
