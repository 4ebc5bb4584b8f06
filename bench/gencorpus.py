"""Generate a reproducible benchmark corpus of any size from the five bundled articles.

Real articles would be better, but the repo ships only five; so every generated article mixes
shuffled paragraphs of the bundled ones (in both Chinese scripts, converted with OpenCC, and in
English) with sentences that make the vocabulary grow with the corpus as real news does: Chinese
words drawn from jieba's own dictionary by frequency (a Zipf-like stream, realistic for both the
segmenter and the index) and English merchant reports with generated pinyin names. Numbers,
dates, ids and metadata vary too. The same ``seed`` always gives byte-identical output.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import importlib.resources
import json
import random
import re
import shutil
import sys
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

import opencc

from kscorpus.corpus.manifest import MANIFEST, USERDICT, load_corpus

BUNDLED = Path(__file__).resolve().parent.parent / "corpus"
# One script per article in turn: 40% Simplified, 40% Traditional, 20% English; any corpus of
# three or more articles has all three.
SCRIPTS = ("Hans", "Hant", "Latn", "Hans", "Hant")
MEAN_BYTES = 3000
OVERSHOOT = 300  # the last paragraph ends an article past its target by about this much
EVENTS = (
    "{y} Kuaishou E-commerce Gravity Conference",
    "{y} Kuaishou E-commerce Service Provider Conference",
    "{y} Kuaishou Magnetic Engine Marketing Summit",
    "{y} Kuaishou Brand Day",
    "{y} Kuaishou New Year Goods Festival",
)
PLACES = ("Beijing", "Hangzhou", "Wuzhen, Zhejiang", "Shanghai", "Shenzhen", "Guangzhou", "Chengdu")
PUBLISHERS = ("微商网", "财经涂鸦", "hotcomm", "电商报", "亿邦动力", "36氪", "")
SYLLABLES = (
    "an", "bai", "bao", "bei", "bin", "cai", "chen", "cheng", "chun", "da", "dong", "fang", "fei",
    "feng", "gang", "gu", "guo", "hai", "han", "hao", "he", "hong", "hua", "hui", "jia", "jian",
    "jin", "jing", "kai", "kang", "lan", "lei", "li", "lin", "ling", "long", "mei", "ming", "na",
    "ning", "peng", "qi", "qiang", "qing", "rui", "shan", "sheng", "shu", "tai", "tao", "tian",
    "ting", "wei", "wen", "xi", "xia", "xiang", "xin", "xing", "xu", "ya", "yan", "yang", "yi",
    "ying", "yong", "yu", "yuan", "yun", "ze", "zhen", "zhi", "zhong",
)  # fmt: skip
CATEGORIES = (
    "apparel", "cosmetics", "tea", "fresh produce", "home appliance", "snack", "jewelry",
    "furniture", "toy", "sportswear", "baby care", "pet food", "kitchenware", "footwear",
)  # fmt: skip
EN_REPORT = (
    "{name}, a {cat} merchant from {place}, grew its GMV by {pct}% in {month} {year} "
    "after moving {share}% of its sales to live streaming rooms."
)
_ZH_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_EN_SENTENCE = re.compile(r"\S.*?(?:[.!?](?=\s|$)|$)")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class _Pools:
    """Source paragraphs by script, and jieba's dictionary as a frequency-weighted word list."""

    zh: dict[str, tuple[str, ...]]  # script -> paragraphs of every Chinese article
    to_script: dict[str, opencc.OpenCC]  # script -> converter into it
    en_sentences: tuple[str, ...]
    words: tuple[str, ...]
    cum_freq: tuple[int, ...]


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _load_pools() -> _Pools:
    corpus = load_corpus(BUNDLED)
    to_script = {"Hans": opencc.OpenCC("t2s"), "Hant": opencc.OpenCC("s2t")}
    zh: dict[str, list[str]] = {"Hans": [], "Hant": []}
    en: list[str] = []
    for article in corpus.articles:
        paras = _paragraphs(corpus.read_bytes(article).decode("utf-8"))
        if article.lang == "en":
            en += [s for p in paras for s in _EN_SENTENCE.findall(p) if len(s) > 20]
            continue
        other = "Hant" if article.script == "Hans" else "Hans"
        zh[article.script] += paras
        zh[other] += [to_script[other].convert(p) for p in paras]
    with warnings.catch_warnings():  # jieba 0.42.1 has invalid escapes (Python 3.12+)
        warnings.simplefilter("ignore", SyntaxWarning)
        dict_txt = importlib.resources.files("jieba") / "dict.txt"
    words, freqs = [], []
    for line in dict_txt.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split()
        if not word.isascii():
            words.append(word)
            freqs.append(int(freq))
    return _Pools(
        {k: tuple(v) for k, v in zh.items()},
        to_script,
        tuple(en),
        tuple(words),
        tuple(accumulate(freqs)),
    )


def _target_bytes(rng: random.Random) -> int:
    return rng.randint(MEAN_BYTES * 2 // 3, MEAN_BYTES * 4 // 3) - OVERSHOOT


def _vary_numbers(rng: random.Random, text: str) -> str:
    """Half of the short numbers (days, amounts, percentages; not years) get other digits."""

    def repl(m: re.Match[str]) -> str:
        n = len(m.group())
        return str(rng.randrange(10 ** (n - 1), 10**n)) if n < 4 and rng.random() < 0.5 else m[0]

    return _DIGITS.sub(repl, text)


def _zh_sentence(rng: random.Random, pools: _Pools) -> str:
    total = pools.cum_freq[-1]
    picks = (
        bisect.bisect_right(pools.cum_freq, rng.randrange(total)) for _ in range(rng.randint(8, 24))
    )
    return "".join(pools.words[i] for i in picks) + rng.choice("。。。！？")


def _en_sentence(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
    return EN_REPORT.format(
        name=f"{name} {rng.choice(('Store', 'Flagship', 'Studio', 'Trading', 'Farm'))}",
        cat=rng.choice(CATEGORIES),
        place=rng.choice(PLACES).split(",")[0],
        pct=rng.randint(5, 400),
        month=date(2000, rng.randint(1, 12), 1).strftime("%B"),
        year=rng.randint(2019, 2024),
        share=rng.randint(10, 90),
    )


def _zh_text(rng: random.Random, pools: _Pools, script: str) -> list[str]:
    """Paragraphs drawn from every Chinese source, each followed now and then by new words
    (jieba's dictionary mixes both scripts, so they are converted too)."""
    target = _target_bytes(rng)
    paras: list[str] = []
    size = 0
    while size < target:
        p = _vary_numbers(rng, rng.choice(pools.zh[script]))
        if rng.random() < 0.6:
            extra = "".join(_zh_sentence(rng, pools) for _ in range(rng.randint(1, 2)))
            p += pools.to_script[script].convert(extra)
        paras.append(p)
        size += len(p.encode())
    return paras


def _en_text(rng: random.Random, pools: _Pools) -> list[str]:
    target = _target_bytes(rng)
    paras: list[str] = []
    size = 0
    while size < target:
        sentences = rng.sample(pools.en_sentences, rng.randint(2, 5))
        sentences.insert(rng.randint(0, len(sentences)), _en_sentence(rng))
        p = _vary_numbers(rng, " ".join(sentences))
        paras.append(p)
        size += len(p.encode())
    return paras


def _title(first: str, script: str) -> str:
    head = (_EN_SENTENCE if script == "Latn" else _ZH_SENTENCE).match(first)
    text = (head.group() if head else first).strip().rstrip("。！？!?.")
    return text[: 80 if script == "Latn" else 30] or "untitled"


def _date(rng: random.Random) -> str:
    d = (date(2019, 1, 1) + timedelta(days=rng.randrange(6 * 365))).isoformat()
    roll = rng.random()
    return d[:4] if roll < 0.05 else d[:7] if roll < 0.15 else d


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def generate(out_dir: str | Path, n_articles: int, seed: int = 0) -> Path:
    """Write ``n_articles`` articles, ``manifest.toml`` and ``userdict.txt`` into ``out_dir``."""
    if n_articles < 1:
        raise ValueError("n_articles must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pools = _load_pools()
    width = max(3, len(str(n_articles - 1)))
    entries = [
        "# kscorpus benchmark corpus, generated by bench/gencorpus.py "
        f"(articles={n_articles}, seed={seed})\n"
    ]
    for i in range(n_articles):
        script = SCRIPTS[i % len(SCRIPTS)]
        paras = _en_text(rng, pools) if script == "Latn" else _zh_text(rng, pools, script)
        rng.shuffle(paras)
        body = rng.choice(("\n", "\n\n")).join(paras) + "\n"
        data = body.encode("utf-8")
        aid = str(i).zfill(width)
        name = f"{aid}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        (out / name).write_bytes(data)
        day = _date(rng)
        fields = {
            "id": aid,
            "file": name,
            "lang": "en" if script == "Latn" else "zh",
            "script": script,
            "title": _title(paras[0], script),
            "event": rng.choice(EVENTS).format(y=day[:4]),
            "date": day,
            "place": rng.choice(PLACES),
            "publisher": rng.choice(PUBLISHERS),
        }
        entries.append(
            "[[article]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in fields.items() if v)
        )
    (out / MANIFEST).write_text("\n".join(entries), encoding="utf-8")
    shutil.copyfile(BUNDLED / USERDICT, out / USERDICT)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="directory to write the corpus into")
    ap.add_argument("--size", type=int, default=1000, help="number of articles (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = ap.parse_args(argv)
    out = generate(args.out, args.size, args.seed)
    total = sum(p.stat().st_size for p in out.glob("*.txt"))
    print(f"wrote {args.size} articles, {total / 1e6:.1f} MB, to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
