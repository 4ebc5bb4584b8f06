"""Measure translation-pair detection: how many of the news pairs of ``tests/data/news_pairs``
it proposes (right and wrong) when they are added, without event or date, to a copy of the
bundled corpus, and what detection costs at ``--size`` generated articles (``gencorpus.py``:
every article unlinked, so every one a candidate), beside the anchors without the lexicon's
words (what ingest computed before) and the cleaning of the same articles.

Run: ``python bench/pairs_eval.py [--size 10000] [--workdir DIR]``. CPU times, not wall clock.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT / "tests" / "data" / "news_pairs"


def news(work: Path) -> None:
    """Proposals on the news pairs, against the answer key ``pairs.tsv``."""
    from kscorpus.bilingual.pairs import Detector, pair_score
    from kscorpus.corpus.manage import add_articles
    from kscorpus.corpus.manifest import load_corpus
    from kscorpus.index.store import _load_anchors, build

    root = work / "news"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", root / "corpus")
    added = add_articles(root / "corpus", sorted(NEWS.glob("*_??.txt"))).added
    name = {a.article.id: Path(a.source).name for a in added}
    t = time.process_time()
    report = build(load_corpus(root / "corpus"), root / "ix")
    seconds = time.process_time() - t
    with (NEWS / "pairs.tsv").open(encoding="utf-8") as f:
        key = {(r["zh_file"], r["en_file"]) for r in csv.DictReader(f, delimiter="\t")}
    proposed = {(name.get(p["zh"]), name.get(p["en"])) for p in report.proposed_pairs}
    anchors = _load_anchors(report.path)
    ids = {v: k for k, v in name.items()}
    right = [pair_score(anchors[ids[z]], anchors[ids[e]]).score for z, e in key]
    zh = {i: a for i, a in anchors.items() if name.get(i, "").endswith("_zh.txt")}
    en = {i: a for i, a in anchors.items() if name.get(i, "").endswith("_en.txt")}
    wrong = [
        pair_score(a, b).score
        for z, a in zh.items()
        for e, b in en.items()
        if (name[z], name[e]) not in key
    ]
    found = Detector(zh, en)
    reached = sum(ids[e] in found.candidates(ids[z]) for z, e in key)
    print(
        f"news pairs: {len(key)}; proposed right {len(proposed & key)}, wrong {len(proposed - key)}"
    )
    print(f"  candidates reached {reached} of {len(key)}; build {seconds:.1f} s CPU")
    print(
        f"  score of the right pairs: lowest {min(right):.3f}; of any wrong pair: highest "
        f"{max(wrong):.3f} (threshold 0.25)"
    )


def cost(work: Path, size: int) -> None:
    """Detection's CPU cost over ``size`` generated articles, beside cleaning's."""
    from kscorpus.corpus.manifest import load_corpus
    from kscorpus.index import store
    from kscorpus.index.writing import anchors as article_anchors
    from kscorpus.ingest.pipeline import prepare

    path = work / f"corpus-{size}"
    if not (path / "manifest.toml").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "gencorpus.py"), str(path), "--size", str(size)],
            check=True,
        )
    corpus = load_corpus(path)
    t = time.process_time()
    texts = {a.id: (prepare(corpus, a).text, a.lang) for a in corpus.articles}
    cleaning = time.process_time() - t
    t = time.process_time()
    glossary = store._glossary(corpus, True)
    ready = time.process_time() - t
    candidates = store._candidates(corpus)
    plain = corpus.glossary()
    t = time.process_time()
    for i in candidates:
        article_anchors(*texts[i], plain)
    before = time.process_time() - t
    t = time.process_time()
    anchors = {i: article_anchors(*texts[i], glossary) for i in candidates}
    made = time.process_time() - t
    t = time.process_time()
    found = store._propose_pairs(corpus, anchors)
    proposing = time.process_time() - t
    one = next(a.id for a in corpus.articles if a.id in candidates and a.lang == "en")
    t = time.process_time()
    store._propose_pairs(corpus, anchors, (found, {one}))
    again = time.process_time() - t
    stored = len(store._anchors_json(anchors).encode())
    print(f"{size} generated articles, {len(candidates)} candidates (CPU seconds):")
    print(
        f"  cleaning {cleaning:.1f}; lexicon ready {ready:.2f}; anchors {made:.1f} "
        f"({made / before:.1f}x those without the lexicon's words, {before:.1f}); proposals "
        f"{proposing:.2f} ({len(found)} found); after one article changed {again:.2f}; "
        f"anchors.json {stored / 1e6:.1f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kscorpus-pairs")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    news(args.workdir)
    cost(args.workdir, args.size)


if __name__ == "__main__":
    main()
