"""Cross-language search on news translation pairs outside the glossary's domain.

Builds a corpus with ``kscorpus init`` and ``kscorpus add`` (the bundled articles, then both
sides of every pair in ``tests/data/news_pairs/``, none linked as a translation), then for each
pair asks ``search HEADLINE --cross --lang zh`` with the English headline and counts the pairs
whose Chinese article is among the top 3, and the other way round; ``similar`` counts the pairs
whose translation it ranks first. Prints JSON. Run it from the repository, with the kscorpus to
measure first on ``PYTHONPATH`` (a checkout of an older commit gives the "before" figures):

    python bench/cross_news.py [--top 3] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "tests" / "data" / "news_pairs"


def kscorpus(*args: str) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "kscorpus", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if r.returncode not in (0, 4):
        raise SystemExit(f"kscorpus {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def build(corpus: Path) -> dict[str, str]:
    """The corpus: bundled articles and every news file; file name → article id."""
    kscorpus("init", str(corpus))
    bundled = sorted((ROOT / "corpus").glob("0*.txt"))
    news = sorted(PAIRS.glob("*_*.txt"))
    kscorpus("add", *map(str, bundled + news), "--corpus", str(corpus))
    listed = json.loads(kscorpus("list", "--json", "--corpus", str(corpus)))
    return {a["title"]: a["id"] for a in listed}


def measure(corpus: Path, top: int) -> dict[str, object]:
    ids = build(corpus)
    rows = list(csv.DictReader((PAIRS / "pairs.tsv").open(encoding="utf-8"), delimiter="\t"))
    found = {"en→zh": [], "zh→en": [], "similar": []}
    for row in rows:
        zh_title = (PAIRS / row["zh_file"]).read_text(encoding="utf-8").splitlines()[0].strip()
        en_title = (PAIRS / row["en_file"]).read_text(encoding="utf-8").splitlines()[0].strip()
        zh_id, en_id = ids[zh_title], ids[en_title]
        for way, query, lang, want in (
            ("en→zh", row["headline_en"], "zh", zh_id),
            ("zh→en", row["headline_zh"], "en", en_id),
        ):
            out = kscorpus(
                "search", query, "--cross", "--lang", lang, "-n", str(top), "--json",
                "--corpus", str(corpus),
            )  # fmt: skip
            hits = [h["id"] for h in json.loads(out)["hits"]]
            found[way].append(want in hits)
        out = kscorpus("similar", zh_id, "-n", "1", "--json", "--corpus", str(corpus))
        first = json.loads(out)["similar"][:1]
        found["similar"].append(bool(first) and first[0]["id"] == en_id)
    return {way: f"{sum(v)} of {len(v)}" for way, v in found.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--corpus", type=Path, help="where to build it (default: a temporary dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(tmp) / "news"
        print(json.dumps(measure(corpus, args.top), ensure_ascii=False))


if __name__ == "__main__":
    main()
