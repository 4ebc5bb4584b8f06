"""Translation-pair detection: which Chinese article an English one translates, among any.

Each article's anchors (``align.anchors_zh`` / ``anchors_en``: quantities, Latin names, glossary
terms, dictionary words, length) are computed once at ingest. A pair's score weighs three kinds
of evidence, as a reader would: the share of dictionary words the two texts have in common
(their translations), the weighted overlap of numbers, dates and names, and how far the length
ratio is from a translation's. Comparing every Chinese article with every English one would not
scale, so candidate pairs come from an inverted index over each article's rarest anchors (a
number, a name, a rare word that two articles share is what a translation keeps), and only
those are scored. An article whose event differs from the other's is never its translation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

Anchor = tuple[str, Any]
Anchors = Iterable[Anchor]

PROPOSE = 0.25  # score from which two unlinked articles are proposed as a pair
RARE = 24  # anchors in more articles than this (both languages) never make a candidate
PROBES = 12  # each article looks for candidates with its rarest anchors, up to this many
# English characters per Chinese character of a translation, and the spread (standard
# deviation of the log ratio) that the pair score allows: news pairs measured 3.2–3.3, the
# bundled 000 ↔ 001 4.2 (its English adds explanations).
RATIO = 3.3
SPREAD = 0.35
ANCHORS_WEIGHT = 0.4  # of the anchor overlap in the score; the dictionary words have the rest
# total anchor weight (both articles) from which the anchors count fully: one year or one
# stray Latin token that a translation spells differently must not sink a pair
ANCHORS_FULL = 8.0


class Score(NamedTuple):
    """A pair's score in [0, 1] and what it is made of (each in [0, 1])."""

    score: float
    words: float  # Dice overlap of dictionary words (English stems on both sides)
    anchors: float  # weighted Dice overlap of numbers, dates, names, glossary terms
    length: float  # how well the length ratio fits a translation (1 at the usual ratio)


def specificity(anchor: Anchor) -> float:
    """How much one shared anchor says about two whole articles: years, small counts and
    everyday terms are shared by any two reports on the same event; big amounts are not."""
    kind, value = anchor
    if kind == "num" and isinstance(value, float):
        return 0.25 if value < 100 or (1900 <= value <= 2100 and value.is_integer()) else 2.0
    return {"pct": 2.0, "date": 1.0, "month": 1.5, "quarter": 1.5}.get(kind, 1.0)


class _Article(NamedTuple):
    """An article's anchors, split as the score uses them."""

    words: str  # its dictionary words' stems, space-joined (one string: 100,000 articles)
    anchors: frozenset[Anchor]
    weight: float  # total specificity of ``anchors``
    chars: int


def _split(anchors: Anchors) -> _Article:
    words, other, chars = "", set(), 0
    for kind, value in anchors:
        if kind == "words":
            words = value
        elif kind == "chars":
            chars = value
        else:
            other.add((kind, value))
    return _Article(words, frozenset(other), sum(map(specificity, other)), chars)


def _score(zh: _Article, en: _Article) -> Score:
    zw, ew = set(zh.words.split()), set(en.words.split())
    w = 2 * len(zw & ew) / (len(zw) + len(ew) or 1)
    total = zh.weight + en.weight
    a = 2 * sum(map(specificity, zh.anchors & en.anchors)) / total if total else 0.0
    if zh.chars and en.chars:
        length = math.exp(-0.5 * (math.log(en.chars / (zh.chars * RATIO)) / SPREAD) ** 2)
    else:
        length = 0.0
    # articles with few numbers or names are judged on their words above all
    share = ANCHORS_WEIGHT * min(1.0, total / ANCHORS_FULL)
    return Score(length * ((1 - share) * w + share * a), w, a, length)


def pair_score(zh: Anchors, en: Anchors) -> Score:
    """How likely two whole articles translate each other, from their anchors."""
    return _score(_split(zh), _split(en))


class Detector:
    """Candidate pairs and their scores over the anchors of every unlinked article.

    ``zh`` and ``en``: anchors by article id (in corpus order). ``compatible(zh_id, en_id)``
    says whether two articles may pair at all (their events agree)."""

    def __init__(
        self,
        zh: Mapping[str, Anchors],
        en: Mapping[str, Anchors],
        compatible: Callable[[str, str], bool] = lambda z, e: True,
    ) -> None:
        self.zh = {i: _split(a) for i, a in zh.items()}
        self.en = {i: _split(a) for i, a in en.items()}
        self.compatible = compatible
        self._order = {i: n for n, i in enumerate((*zh, *en))}
        # articles with each word and each anchor (not small counts or years): zh, en
        wdf: dict[str, list[int]] = {}
        adf: dict[Anchor, list[int]] = {}
        for n, side in enumerate((self.zh, self.en)):
            for article in side.values():
                for w in article.words.split():  # each once: the string is of a set
                    wdf.setdefault(w, [0, 0])[n] += 1
                for x in article.anchors:
                    if specificity(x) >= 1.0:
                        adf.setdefault(x, [0, 0])[n] += 1
        # in both languages and in few articles: ranked by the pairs they would make
        rare_words = {w: (z * e, w) for w, (z, e) in wdf.items() if z and e and z + e <= RARE}
        rank = {x: (z * e, repr(x)) for x, (z, e) in adf.items() if z and e and z + e <= RARE}
        keyed = {w: ("w", w) for w in rare_words}  # one key a word, shared by its articles
        rank.update({keyed[w]: r for w, r in rare_words.items()})
        del wdf, adf
        # per article: its rare words and anchors, and the rarest, which it probes with
        self._rare = {
            i: [keyed[w] for w in a.words.split() if w in keyed]
            + [x for x in a.anchors if x in rank]
            for side in (self.zh, self.en)
            for i, a in side.items()
        }
        self._probes = {i: sorted(r, key=rank.__getitem__)[:PROBES] for i, r in self._rare.items()}
        self._postings: dict[str, dict[Anchor, list[str]]] = {"rare": {}, "probe": {}}
        for name, table in (("rare", self._rare), ("probe", self._probes)):
            for i, found in table.items():
                for x in found:
                    self._postings[name].setdefault(x, []).append(i)

    def candidates(self, article_id: str) -> set[str]:
        """Articles of the other language that share a probe anchor of either one with a rare
        anchor of the other (symmetric: ``b in candidates(a)`` iff ``a in candidates(b)``)."""
        other = self.en if article_id in self.zh else self.zh
        found: set[str] = set()
        for x in self._probes.get(article_id, ()):
            found.update(self._postings["rare"].get(x, ()))
        for x in self._rare.get(article_id, ()):
            found.update(self._postings["probe"].get(x, ()))
        return {i for i in found if i in other}

    def pairs(self, among: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every candidate pair that involves an article of ``among`` (default: all) and scores
        at least ``PROPOSE``, as ``{"zh", "en", "score", "words", "anchors", "length"}``."""
        ids = self.en if among is None else [i for i in among if i in self._rare]
        seen: set[tuple[str, str]] = set()
        for i in ids:
            for j in self.candidates(i):
                seen.add((i, j) if i in self.zh else (j, i))
        out = []
        for z, e in sorted(seen, key=lambda p: (self._order[p[0]], self._order[p[1]])):
            if not self.compatible(z, e):
                continue
            s = _score(self.zh[z], self.en[e])
            if s.score >= PROPOSE:
                out.append({"zh": z, "en": e, **{k: round(v, 3) for k, v in s._asdict().items()}})
        return out


def one_to_one(found: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The proposals to show: best score first, each article in one pair at most (an article
    has one translation; the runner-up candidates of an article already taken are dropped).
    Returned in the order of ``found``."""
    found = list(found)
    best = sorted(range(len(found)), key=lambda n: (-found[n]["score"], n))
    taken: set[str] = set()
    keep = set()
    for n in best:
        p = found[n]
        if p["zh"] not in taken and p["en"] not in taken:
            taken.update((p["zh"], p["en"]))
            keep.add(n)
    return [p for n, p in enumerate(found) if n in keep]
