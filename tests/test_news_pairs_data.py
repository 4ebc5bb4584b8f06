"""Integrity of the news translation pairs in tests/data/news_pairs/ and their gold alignments
(tests/gold/align_news_NN.tsv): the data other tests measure against must be what it says it is."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data" / "news_pairs"
GOLDS = sorted((TESTS / "gold").glob("align_news_*.tsv"))
COLUMNS = ["en_file", "zh_file", "subject", "headline_en", "headline_zh"]
_PUNCT = re.compile(r"[\W_]+")
_COUNTS = re.compile(r"zh has (\d+), en has (\d+)")
_NUMBERS = re.compile(r"by number \(zh-en\): (.*)$")


def read_pairs() -> list[dict[str, str]]:
    with (DATA / "pairs.tsv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def paragraphs(path: Path) -> list[str]:
    """The non-blank lines, stripped: what kscorpus makes paragraphs of."""
    text = path.read_bytes().decode("utf-8")  # strict: a bad byte fails the test
    return [line.strip() for line in text.splitlines() if line.strip()]


def _fold(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))


def find(key: str, texts: list[str]) -> int:
    """As tests/test_align.py resolves a gold key: the paragraph equal to it, else the one
    starting with it, and only one."""
    k = _fold(key)
    folded = [_fold(t) for t in texts]
    hits = [i for i, t in enumerate(folded) if t == k] or [
        i for i, t in enumerate(folded) if t.startswith(k)
    ]
    assert len(hits) == 1, f"key {key!r} matches paragraphs {hits}, not one"
    return hits[0]


PAIRS = read_pairs()


def test_pairs_table_lists_every_file_once():
    listed = [p[c] for p in PAIRS for c in ("en_file", "zh_file")]
    assert len(PAIRS) >= 14
    assert len(set(listed)) == len(listed)
    assert sorted(listed) == sorted(p.name for p in DATA.glob("*.txt"))
    for p in PAIRS:
        nn = p["en_file"].removesuffix("_en.txt")
        assert p["zh_file"] == f"{nn}_zh.txt"


@pytest.mark.parametrize("pair", PAIRS, ids=[p["en_file"][:2] for p in PAIRS])
def test_pair_files_decode_and_have_the_stated_shape(pair):
    en, zh = paragraphs(DATA / pair["en_file"]), paragraphs(DATA / pair["zh_file"])
    assert en[0] == pair["headline_en"] and zh[0] == pair["headline_zh"]
    assert 5 <= len(en) - 1 <= 9, "English body: 5 to 9 paragraphs after the headline"
    assert 250 <= sum(len(p.split()) for p in en) <= 600
    assert all(re.search(r"[\u4e00-\u9fff]", p) for p in zh), "every zh paragraph has Han"
    assert not any(re.search(r"[\u4e00-\u9fff]", p) for p in en)


def test_gold_files_exist_for_pairs_with_splits_merges_and_drops():
    names = {g.name for g in GOLDS}
    assert len(names) >= 3
    kinds = set()
    for g in GOLDS:
        for z, e in load(g):
            kinds.add((min(len(z), 2), min(len(e), 2)))
    assert {(1, 1), (2, 1), (1, 2), (0, 1), (1, 0)} <= kinds


def load(gold: Path) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Gold links of one pair, as paragraph numbers (zh, en)."""
    nn = gold.stem.removeprefix("align_news_")
    zh, en = paragraphs(DATA / f"{nn}_zh.txt"), paragraphs(DATA / f"{nn}_en.txt")
    links = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        zk, ek = line.split("\t")
        links.append(
            (
                tuple(find(k, zh) for k in zk.split("|") if k),
                tuple(find(k, en) for k in ek.split("|") if k),
            )
        )
    return links


@pytest.mark.parametrize("gold", GOLDS, ids=[g.stem for g in GOLDS])
def test_gold_covers_each_paragraph_once_and_agrees_with_its_numbers(gold):
    nn = gold.stem.removeprefix("align_news_")
    zh, en = paragraphs(DATA / f"{nn}_zh.txt"), paragraphs(DATA / f"{nn}_en.txt")
    header = gold.read_text(encoding="utf-8")
    counts = _COUNTS.search(header)
    assert counts, "the header states the paragraph counts it assumes"
    assert (len(zh), len(en)) == (int(counts[1]), int(counts[2]))
    links = load(gold)
    assert all(z or e for z, e in links)
    assert sorted(i for z, _ in links for i in z) == list(range(len(zh)))
    assert sorted(j for _, e in links for j in e) == list(range(len(en)))
    # Each key resolves to the paragraph the numbers in the header name.
    numbers = next(_NUMBERS.search(x) for x in header.splitlines() if _NUMBERS.search(x))
    by_number = [
        tuple(tuple(int(x) for x in side.split("+") if x) for side in link.split("-"))
        for link in numbers[1].split()
    ]
    assert by_number == links
