"""Measure the paragraph aligner against the hand-made gold for 000 ↔ 001, as is and perturbed.

After repair the pair is almost 1:1, so length alone aligns it; the perturbed runs show what the
anchors are for. Each trial drops paragraphs from one side (the gold loses them too: their links
become 1:0 / 0:1) and joins some neighbours (the gold's links join with them), then aligns with
the full model and with length only. Run: ``python bench/align_eval.py [--trials N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_align import load_gold, pairs, paras, precision_recall  # noqa: E402

from kscorpus.bilingual import align as A  # noqa: E402
from kscorpus.corpus.manifest import load_corpus  # noqa: E402
from kscorpus.ingest.pipeline import prepare  # noqa: E402

Links = list[tuple[tuple[int, ...], tuple[int, ...]]]


def perturb(
    texts: list[str], gold: Links, side: int, rng: random.Random, drop: int, join: int
) -> tuple[list[str], Links]:
    """Drop ``drop`` paragraphs of one side (0 zh, 1 en), join ``join`` pairs of its neighbours,
    and carry the gold along: links that a join spans merge, a link left with only the other
    side splits into 1:0 / 0:1 links."""
    groups = [[i] for i in sorted(rng.sample(range(len(texts)), len(texts) - drop))]
    for _ in range(join):
        k = rng.randrange(len(groups) - 1)
        groups[k : k + 2] = [groups[k] + groups[k + 1]]
    new_of = {i: n for n, g in enumerate(groups) for i in g}
    merged: list[tuple[list[int], list[int]]] = []  # (this side, other side)
    for link in gold:
        mine = list(dict.fromkeys(new_of[i] for i in link[side] if i in new_of))
        other = list(link[1 - side])
        if not mine:
            merged.extend(([], [o]) for o in other)
            continue
        hit = next((k for k, (m, _) in enumerate(merged) if set(m) & set(mine)), len(merged))
        for m, o in merged[hit:]:
            mine, other = list(dict.fromkeys(m + mine)), o + other
        del merged[hit:]
        merged.append((mine, other))
    out = [(tuple(sorted(m)), tuple(sorted(o))) for m, o in merged]
    return [" ".join(texts[i] for i in g) for g in groups], [x[::-1] if side else x for x in out]


def score(zh: list[str], en: list[str], gold: Links, glossary: A.Glossary) -> tuple[float, ...]:
    predicted = [(x.zh, x.en) for x in A.align(zh, en, glossary)]
    return (
        *precision_recall(set(predicted), set(gold)),
        *precision_recall(pairs(predicted), pairs(gold)),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    corpus = load_corpus(ROOT / "corpus")
    zh, en = (paras(prepare(corpus, corpus.get(i))) for i in ("000", "001"))  # type: ignore[arg-type]
    gold = load_gold(zh, en)
    glossary = A.load_glossary(corpus.root / A.GLOSSARY)
    print("run                               link P  link R  pair P  pair R")
    print(
        "000↔001 as is, full model        "
        + "  ".join(f"{v:.3f}" for v in score(zh, en, gold, glossary))
    )
    rng = random.Random(args.seed)
    for name, drop, join in (("drop 4", 4, 0), ("drop 4, join 3", 4, 3), ("drop 8, join 4", 8, 4)):
        totals = {"full model": [0.0] * 4, "length only": [0.0] * 4}
        for _ in range(args.trials):
            side = rng.randrange(2)
            texts, g = perturb([zh, en][side], gold, side, rng, drop, join)
            z, e = (zh, texts) if side else (texts, en)
            for model, weight in (("full model", A._ANCHOR_WEIGHT), ("length only", 0.0)):
                with mock.patch.object(A, "_ANCHOR_WEIGHT", weight):
                    for k, v in enumerate(score(z, e, g, glossary)):
                        totals[model][k] += v / args.trials
        for model, t in totals.items():
            print(f"{name + ', ' + model:33s}" + "  ".join(f"{v:.3f}" for v in t))


if __name__ == "__main__":
    main()
