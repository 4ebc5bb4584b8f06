"""Measure the paragraph aligner against the hand-made gold: 000 ↔ 001 as is and perturbed,
and the news pairs outside the glossary's domain (``tests/gold/align_news_*.tsv``).

After repair the pair is almost 1:1, so length alone aligns it; the perturbed runs show what the
evidence is for. Each trial drops paragraphs from one side (the gold loses them too: their links
become 1:0 / 0:1) and joins some neighbours (the gold's links join with them), then aligns with
each model: the full one (length, anchors, dictionary words of the glossary and the general
lexicon), without the lexicon, and length only. Run: ``python bench/align_eval.py [--trials N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_align import load_gold, news_pairs, pairs, paras, perturb, precision_recall  # noqa: E402

from kscorpus.bilingual import align as A  # noqa: E402
from kscorpus.bilingual.wordmatch import general  # noqa: E402
from kscorpus.corpus.manifest import load_corpus  # noqa: E402
from kscorpus.ingest.pipeline import prepare  # noqa: E402

Links = list[tuple[tuple[int, ...], tuple[int, ...]]]


def models(glossary: A.Glossary) -> dict[str, tuple[A.Glossary, float, float]]:
    """Name → (glossary, anchor weight, word weight) of each model compared."""
    lexicon = general()
    full = glossary.with_lexicon(lexicon) if lexicon is not None else glossary
    return {
        "full model": (full, A._ANCHOR_WEIGHT, A._WORDS_WEIGHT),
        "no lexicon": (glossary, A._ANCHOR_WEIGHT, A._WORDS_WEIGHT),
        "length only": (glossary, 0.0, 0.0),
    }


def run_model(
    zh: list[str], en: list[str], gold: Links, model: tuple[A.Glossary, float, float]
) -> tuple[float, ...]:
    glossary, anchors, words = model
    with (
        mock.patch.object(A, "_ANCHOR_WEIGHT", anchors),
        mock.patch.object(A, "_WORDS_WEIGHT", words),
    ):
        return score(zh, en, gold, glossary)


def score(zh: list[str], en: list[str], gold: Links, glossary: A.Glossary) -> tuple[float, ...]:
    predicted = [(x.zh, x.en) for x in A.align(zh, en, glossary)]
    return (*_pr(set(predicted), set(gold)), *_pr(pairs(predicted), pairs(gold)))


def _pr(predicted: set, gold: set) -> tuple[float, float]:
    """Precision and recall; nothing predicted is a precision of 0 (it found nothing)."""
    return precision_recall(predicted, gold) if predicted and gold else (0.0, 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    corpus = load_corpus(ROOT / "corpus")
    zh, en = (paras(prepare(corpus, corpus.get(i))) for i in ("000", "001"))  # type: ignore[arg-type]
    gold = load_gold(zh, en)
    glossary = A.load_glossary(corpus.root / A.GLOSSARY)
    compared = models(glossary)
    print("run                               link P  link R  pair P  pair R")
    for name, model in compared.items():
        print(
            f"{'000↔001 as is, ' + name:33s}"
            + "  ".join(f"{v:.3f}" for v in run_model(zh, en, gold, model))
        )
    news = news_pairs()
    for name, model in compared.items():
        totals = [0.0] * 4
        for _, z, e, path in news:
            for k, v in enumerate(run_model(z, e, load_gold(z, e, path), model)):
                totals[k] += v / len(news)
        print(f"{f'news ({len(news)} gold), ' + name:33s}" + "  ".join(f"{v:.3f}" for v in totals))
    rng = random.Random(args.seed)
    cases = [
        ("000↔001", zh, en, gold),
        *((f"news {n}", z, e, load_gold(z, e, p)) for n, z, e, p in news),
    ]
    # the news articles have 6-10 paragraphs: fewer drops and joins than the 30 of 000↔001
    trials = [
        (
            "000↔001",
            cases[:1],
            [("drop 4", 4, 0), ("drop 4, join 3", 4, 3), ("drop 8, join 4", 8, 4)],
        ),
        ("news", cases[1:], [("drop 1", 1, 0), ("drop 2", 2, 0), ("drop 2, join 1", 2, 1)]),
    ]
    for label, pool, runs in trials:
        for name, drop, join in runs:
            totals = {m: [0.0] * 4 for m in compared}
            for _ in range(args.trials):
                _, bz, be, bg = pool[rng.randrange(len(pool))]
                side = rng.randrange(2)
                texts = [bz, be][side]
                texts, g = perturb(texts, bg, side, rng, drop, join)
                z, e = (bz, texts) if side else (texts, be)
                for m, model in compared.items():
                    for k, v in enumerate(run_model(z, e, g, model)):
                        totals[m][k] += v / args.trials
            for m, t in totals.items():
                print(f"{label + ' ' + name + ', ' + m:33s}" + "  ".join(f"{v:.3f}" for v in t))


if __name__ == "__main__":
    main()
