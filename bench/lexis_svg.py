"""Benchmark the ``--svg`` charts of collocates, ngrams and keyness against the counting they
draw: both in one process, as CPU time (the best of several runs), so load disturbs them least.

    python bench/lexis_svg.py --index DIR [--repeat 5]

The table (stdout, Markdown) gives each command's counting time, the chart's drawing time,
their ratio and the size of the SVG. A whole command (a process start, the index opened) costs
some 170 ms more than the counting, so the ratio is an upper bound of what ``--svg`` adds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kscorpus.charts.figures import collocates_svg, keyness_svg, ngrams_svg
from kscorpus.index.store import open_index
from kscorpus.query.filters import Filters
from kscorpus.study.collocates import collocates
from kscorpus.study.keyness import keyness
from kscorpus.study.ngrams import ngrams


def _best(f: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The least CPU time of ``repeat`` calls of ``f``, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.process_time()
        result = f()
        times.append(time.process_time() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    h = open_index(args.index)
    cases: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        ("collocates 直播", lambda: collocates(h, "直播"), collocates_svg),
        ("collocates 信任电商 --cross", lambda: collocates(h, "信任电商", cross=True),
         collocates_svg),
        ("ngrams -n 3", lambda: ngrams(h, n=3), ngrams_svg),
        ("keyness --since 2022", lambda: keyness(h, Filters(since="2022")),
         lambda r: keyness_svg(r, 3.84)),
        ("collocates 直播 -n 500 --min-freq 1",
         lambda: collocates(h, "直播", top=500, min_freq=1), collocates_svg),
    ]  # fmt: skip
    print("| command | counting CPU ms | drawing CPU ms | ratio | SVG KiB |")
    print("|---|---:|---:|---:|---:|")
    for name, count, draw in cases:
        counting, res = _best(count, args.repeat)
        drawing, doc = _best(lambda: draw(res), 4 * args.repeat)  # noqa: B023 (called at once)
        print(
            f"| {name} | {counting * 1000:,.1f} | {drawing * 1000:.2f} | "
            f"{drawing / counting:.3f} | {len(doc) / 1024:,.1f} |"
        )


if __name__ == "__main__":
    main()
