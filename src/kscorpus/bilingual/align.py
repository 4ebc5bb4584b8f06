"""Paragraph alignment of a Chinese article with its English translation.

Gale–Church length-based dynamic programming, with evidence that survives translation added to
each bead's score, as hunalign adds dictionary similarity to length: anchors (numbers and amounts
normalized to one value, 230亿 and 23 billion both 2.3e10; percentages, dates and quarters; Latin
tokens such as GMV; bilingual glossary terms from ``corpus/glossary.tsv``) and words that a
dictionary translates (the glossary's and, when given, a general lexicon's; see ``wordmatch``).
Length alone drifts on loose translations with dropped paragraphs; the evidence pins it back.
Confidence per link is its posterior probability (forward–backward over the same lattice), so a
reader can tell a sure link from a guess. Nothing here imports jieba: Chinese words match by
forward maximum matching, English ones by stemmed words, which keeps alignment fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from kscorpus.bilingual.wordmatch import WordMatch
from kscorpus.errors import CorpusError
from kscorpus.index.analysis import fold_width, latin_term

GLOSSARY = "glossary.tsv"

Anchor = tuple[str, object]


@dataclass(frozen=True)
class Link:
    """Paragraph indices on each side (either may be empty) and the link's posterior."""

    zh: tuple[int, ...]
    en: tuple[int, ...]
    confidence: float


# ---------------------------------------------------------------------------------------------
# Glossary

_EN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def _en_key(text: str) -> tuple[str, ...]:
    """English words as the index sees them (lower-cased, stop words out, Porter stems), so a
    rendering matches its plural or possessive forms too."""
    words = (re.sub(r"['’]s$", "", w.lower()) for w in _EN_WORD.findall(text))
    return tuple(t for w in words if (t := latin_term(w)) is not None)


class Glossary:
    """Chinese terms and their English renderings, grouped into concepts.

    Lines that share a Chinese term or an English rendering form one concept (磁力引擎 and 000's
    磁引擎 are both "Magnetic Engine"), so a variant spelling on one side still meets the other.
    """

    def __init__(self, entries: Iterable[tuple[str, Sequence[str]]], lexicon: Any = None) -> None:
        self.entries = tuple((zh, tuple(ens)) for zh, ens in entries)
        # the words alignment and pair detection match: the glossary's, over a lexicon's
        stems = {zh: {w for e in ens for w in _en_key(e)} for zh, ens in self.entries}
        self.words = WordMatch(stems, lexicon)
        parent = list(range(len(self.entries)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        first: dict[object, int] = {}
        for i, (zh, ens) in enumerate(self.entries):
            for key in (("zh", zh), *(("en", _en_key(e)) for e in ens)):
                j = first.setdefault(key, i)
                parent[find(i)] = find(j)
        self._concept = [find(i) for i in range(len(self.entries))]
        self._en_keys = [[_en_key(e) for e in ens] for _, ens in self.entries]
        self._longest = max((len(k) for ks in self._en_keys for k in ks), default=0)

    def with_lexicon(self, lexicon: Any) -> Glossary:
        """This glossary whose word matching also knows a general lexicon's words
        (``bilingual.lexicon.Lexicon``)."""
        return Glossary(self.entries, lexicon)

    def en_for(self, zh: str) -> tuple[str, ...]:
        """English renderings of a Chinese term (Simplified), in glossary order."""
        found = (e for term, ens in self.entries if term == zh.strip() for e in ens)
        return tuple(dict.fromkeys(found))

    def zh_for(self, en: str) -> tuple[str, ...]:
        """Chinese terms rendered by ``en`` (case, plural and possessive do not matter)."""
        key = _en_key(en)
        found = (zh for (zh, _), keys in zip(self.entries, self._en_keys) if key and key in keys)
        return tuple(dict.fromkeys(found))

    def translations(self, text: str) -> tuple[str, ...]:
        """Terms of the other language for the concepts ``text`` mentions (for cross-language
        search): the English renderings of its Chinese terms and the Chinese terms of its
        English phrases. Only maximal matches count: "trust e-commerce" brings 信任电商, not
        every 电商 that "e-commerce" alone would."""
        zh_hits = [zh for zh, _ in self.entries if zh in text]
        zh_max = {t for t in zh_hits if not any(t != u and t in u for u in zh_hits)}
        words = _en_key(text)
        spans = [
            (i, i + len(k), j)
            for j, keys in enumerate(self._en_keys)
            for k in keys
            for i in range(len(words) - len(k) + 1)
            if k and words[i : i + len(k)] == k
        ]
        en_max = {
            j
            for s, e, j in spans
            if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in spans)
        }
        zh_concepts = {self._concept[i] for i, (zh, _) in enumerate(self.entries) if zh in zh_max}
        en_concepts = {self._concept[j] for j in en_max}
        out: list[str] = []
        for (term, ens), concept in zip(self.entries, self._concept):
            if concept in zh_concepts:
                out.extend(ens)
            if concept in en_concepts:
                out.append(term)
        return tuple(t for t in dict.fromkeys(out) if t not in text)

    def concepts_zh(self, text: str) -> frozenset[int]:
        """Concepts with a Chinese term in ``text``."""
        return frozenset(self._concept[i] for i, (zh, _) in enumerate(self.entries) if zh in text)

    def concepts_en(self, text: str) -> frozenset[int]:
        """Concepts with an English rendering in ``text`` (word sequence, stemmed)."""
        words = _en_key(text)
        grams = {
            words[i : i + n] for n in range(1, self._longest + 1) for i in range(len(words) - n + 1)
        }
        return frozenset(
            self._concept[i]
            for i, keys in enumerate(self._en_keys)
            if any(k in grams for k in keys)
        )


def load_glossary(path: str | Path) -> Glossary:
    """Read ``zh<TAB>en[|en…]`` lines; ``#`` starts a comment line."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise CorpusError(f"cannot read glossary {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 (byte {e.start}); save it as UTF-8") from None
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        zh, tab, en = line.partition("\t")
        ens = [e.strip() for e in en.split("|") if e.strip()]
        if not tab or not zh.strip() or not ens or "\t" in en:
            raise CorpusError(f"{path}:{n}: expected 'zh<TAB>en[|en…]', got {line.strip()!r}")
        if not all(map(_en_key, ens)):
            raise CorpusError(f"{path}:{n}: an English rendering has only stop words: {en!r}")
        entries.append((zh.strip(), ens))
    return Glossary(entries)


# ---------------------------------------------------------------------------------------------
# Anchors

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for m in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH_STARTS = frozenset(name[:3] for name in _MONTHS)
# A pattern that opens with a lookahead for its first character lets ``re`` skip to the places
# it can match; one that opens with a lookbehind or an optional group is tried at every
# character of the text, which is much slower.
_DATE_ZH = re.compile(
    r"(?=\d)(?<![0-9])(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号])?"
)
_DATES_EN = [
    re.compile(
        rf"(?=[a-z])\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y>\d{{4}})\b)?", re.I
    ),
    re.compile(
        rf"(?=\d)\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\b(?:,?\s*(?P<y>\d{{4}})\b)?", re.I
    ),
    re.compile(rf"(?=[a-z])\b{_MONTH}\s+(?:of\s+)?(?P<y>\d{{4}})\b", re.I),
]
_QUARTERS = [
    re.compile(r"(?P<y>\d{4})\s*年?\s*(?:第\s*)?Q(?P<q>[1-4])", re.I),
    re.compile(r"(?P<y>\d{4})\s*年\s*第(?P<q>[一二三四1-4])季度?"),
    re.compile(r"(?=q)\bQ(?P<q>[1-4])\s*(?:of\s+|,\s*)?(?P<y>\d{4})\b", re.I),
]
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}
_UNITS = {
    "万亿": 1e12,
    "千亿": 1e11,
    "百亿": 1e10,
    "十亿": 1e9,
    "亿": 1e8,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "万": 1e4,
    "千": 1e3,
    "trillion": 1e12,
    "billion": 1e9,
    "million": 1e6,
    "thousand": 1e3,
}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?=\d)(?<![0-9A-Za-z.])(?P<a>{_NUM})(?:\s*[-~至到]\s*(?P<b>{_NUM}))?\s*[多余+]?\s*"
    rf"(?:(?P<unit>{_UNIT})(?![a-z]))?\s*(?P<pct>%)?",
    re.I,
)
_LATIN = re.compile(r"(?=[A-Za-z])(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9])")


def _canon(value: float) -> float:
    """Six significant digits: 62.44 million and 6244万 meet despite float rounding."""
    return float(f"{value:.6g}")


def quantities(text: str) -> list[Anchor]:
    """Numbers, amounts, percentages, dates and quarters in ``text``, in one canonical form
    for both languages: ``("num", 2.3e10)`` for 230亿 and 23 billion, ``("pct", 76.71)``,
    ``("date", (5, 13))`` for 5月13日 and May 13, ``("month", (2021, 7))``,
    ``("quarter", (2021, 4))`` for 2021年Q4 and Q4 of 2021. A Chinese range shares its unit
    (10-100万 is 1e5 to 1e6)."""
    text = fold_width(text)
    found: list[Anchor] = []
    for rx in _QUARTERS:
        for m in rx.finditer(text):
            q = m["q"]
            found.append(("quarter", (int(m["y"]), _CN_DIGIT.get(q) or int(q))))
    low = text.lower()
    # each scan of the text costs: run a date pattern only if its month word is there
    dates = [_DATE_ZH] if "月" in text else []
    if any(m in low for m in _MONTH_STARTS):
        dates += _DATES_EN
    for rx in dates:
        spans = []  # dates are blanked out, not read again as amounts (once per pattern)
        for m in rx.finditer(text):
            g = m.groupdict()
            month = _MONTHS.get(g["mon"].lower()) if g.get("mon") else int(g["m"])
            if month is None:  # re.I matched a month through ſ, ı or İ: not a date
                continue
            if g.get("d"):
                found.append(("date", (month, int(g["d"]))))
            if g.get("y"):
                found.append(("month", (int(g["y"]), month)))
            if g.get("d") or g.get("y"):
                spans.append(m.span())
        if spans:
            parts, last = [], 0
            for start, end in spans:
                parts += (text[last:start], " " * (end - start))
                last = end
            text = "".join(parts) + text[last:]
    for m in _AMOUNT.finditer(text):
        scale = _UNITS[m["unit"].lower()] if m["unit"] else 1.0
        kind = "pct" if m["pct"] else "num"
        for raw in (m["a"], m["b"]):
            if raw:
                found.append((kind, _canon(float(raw.replace(",", "")) * scale)))
    return found


def latin_tokens(text: str) -> list[str]:
    """Acronym-like Latin tokens (GMV, ROI, STEPS, KA, YeXin, Q4), lower-cased: names that a
    translation keeps as they are. Ordinary English words are not anchors."""
    return [
        t.lower()
        for t in _LATIN.findall(fold_width(text))
        if len(t) > 1 and (not t.isalpha() or any(c.isupper() for c in t[1:]))
    ]


def _words(stems: frozenset[str]) -> list[Anchor]:
    return [("words", " ".join(sorted(stems)))] if stems else []


def anchors_zh(text: str, glossary: Glossary) -> frozenset[Anchor]:
    """Everything in a Chinese text that its English translation is likely to carry over:
    quantities, Latin tokens, glossary terms (``("term", concept)``), the English stems of its
    dictionary words (``("words", "stem stem …")``, one string, sorted: a set of anchors a word
    would take ten times the room), and its length (``("chars", n)``, characters without white
    space), which pair detection compares and alignment leaves aside."""
    terms = (("term", c) for c in glossary.concepts_zh(text))
    words = _words(glossary.words.zh_keys(text))
    size = ("chars", len("".join(text.split())))
    latin = (("latin", t) for t in latin_tokens(text))
    return frozenset([*quantities(text), *latin, *terms, *words, size])


def anchors_en(text: str, glossary: Glossary) -> frozenset[Anchor]:
    """The English counterpart of :func:`anchors_zh` (length: white space runs count one)."""
    terms = (("term", c) for c in glossary.concepts_en(text))
    words = _words(glossary.words.en_keys(_en_key(text)))
    size = ("chars", len(" ".join(text.split())))
    latin = (("latin", t) for t in latin_tokens(text))
    return frozenset([*quantities(text), *latin, *terms, *words, size])


# ---------------------------------------------------------------------------------------------
# Dynamic programming

# Prior probability of each bead (zh paragraphs, en paragraphs). Scraped articles lose and gain
# whole paragraphs more often than the sentence-level figures of Gale and Church assume.
_PRIORS = {(1, 1): 0.84, (1, 0): 0.03, (0, 1): 0.03, (2, 1): 0.05, (1, 2): 0.05}
_ANCHOR_WEIGHT = 12.0  # log-odds, in nats, that a perfect anchor overlap adds to a bead
_WORDS_WEIGHT = 24.0  # the same for a perfect overlap of dictionary words
# Scraping breaks sentences across lines ("快手电商" / "了解新市场电商…"); a 2:1 or 1:2 bead that
# joins a paragraph ending mid-sentence to the next one gets this small push, a tie-breaker.
_REJOIN_WEIGHT = 1.0
_SENTENCE_END = tuple("。！？!?….;；:：\"”’'）)」』】")
_MIN_VARIANCE = 1.0


@dataclass(frozen=True)
class _Model:
    ratio: float  # English characters per Chinese character
    variance: float  # of English length per Chinese character, Gale–Church's s²


def _log_tail(z: float) -> float:
    """log P(|N(0,1)| > z), stable far in the tail."""
    if z < 30:
        return math.log(max(math.erfc(z / math.sqrt(2)), 1e-300))
    return -z * z / 2 - math.log(z * math.sqrt(math.pi / 2))


def _length_cost(l1: int, l2: int, model: _Model) -> float:
    """Gale–Church: -log P(delta), delta the standardized length mismatch of a bead.

    A paragraph left unlinked costs only its prior: Gale–Church's formula would charge it in
    proportion to its length, and then a long paragraph that one side lacks (a teaser, an added
    aside) is glued to a neighbour instead."""
    if l1 == 0 or l2 == 0:
        return 0.0
    mean = (l1 + l2 / model.ratio) / 2
    delta = (l2 - model.ratio * l1) / math.sqrt(model.variance * mean)
    return -_log_tail(abs(delta))


def _logsumexp(xs: list[float]) -> float:
    """log(sum(exp(x))) without overflow: the forward–backward sums of path probabilities."""
    top = max(xs)
    return top + math.log(sum(math.exp(x - top) for x in xs)) if top > -math.inf else top


class _Para(NamedTuple):
    """What the DP needs of one paragraph."""

    length: int  # characters, white space collapsed (dropped in Chinese)
    anchors: frozenset[Anchor]
    ends_sentence: bool


class _Group(NamedTuple):
    """The anchors of one or two neighbouring paragraphs and their total weight, apart from
    the dictionary words (``("w", stem)``) and theirs."""

    anchors: frozenset[Anchor]
    weight: float
    words: frozenset[Anchor]
    words_weight: float


_Bead = tuple[int, int, int, int]  # (i, j, di, dj): zh[i : i + di] linked with en[j : j + dj]


def _groups(paras: list[_Para], weight: dict[Anchor, float]) -> dict[tuple[int, int], _Group]:
    """The anchors of every run of one or two paragraphs, with their total weight."""
    out = {}
    for d in (1, 2):
        for i in range(len(paras) - d + 1):
            found = frozenset().union(*(p.anchors for p in paras[i : i + d]))
            words = frozenset(x for x in found if x[0] == "w")
            anchors = found - words
            out[i, d] = _Group(
                anchors, sum(weight[x] for x in anchors), words, sum(weight[x] for x in words)
            )
    return out


def _evidence(zh: list[_Para], en: list[_Para], weight: dict[Anchor, float]) -> dict[_Bead, float]:
    """Each bead's log-score apart from length (prior, anchors, a rejoined sentence): the same in
    both passes, so computed once."""
    zg, eg = _groups(zh, weight), _groups(en, weight)
    n, m = len(zh), len(en)
    out = {}
    for i in range(n + 1):
        for j in range(m + 1):
            for (di, dj), prior in _PRIORS.items():
                if i + di > n or j + dj > m:
                    continue
                s = math.log(prior)
                if (di == 2 and not zh[i].ends_sentence) or (dj == 2 and not en[j].ends_sentence):
                    s += _REJOIN_WEIGHT
                if di and dj:
                    a, b = zg[i, di], eg[j, dj]
                    if a.weight + b.weight > 0:
                        shared = sum(weight[x] for x in a.anchors & b.anchors)
                        s += _ANCHOR_WEIGHT * 2 * shared / (a.weight + b.weight)
                    if a.words_weight + b.words_weight > 0:
                        shared = sum(weight[x] for x in a.words & b.words)
                        s += _WORDS_WEIGHT * 2 * shared / (a.words_weight + b.words_weight)
                out[i, j, di, dj] = s
    return out


def _solve(
    zh: list[_Para], en: list[_Para], evidence: dict[_Bead, float], model: _Model
) -> list[Link]:
    """Best bead sequence (Viterbi) with each bead's posterior (forward–backward)."""
    n, m = len(zh), len(en)
    score = {  # log-likelihood of each bead
        (i, j, di, dj): s
        - _length_cost(
            sum(p.length for p in zh[i : i + di]), sum(p.length for p in en[j : j + dj]), model
        )
        for (i, j, di, dj), s in evidence.items()
    }
    best = {(0, 0): (0.0, (0, 0))}
    fwd = {(0, 0): 0.0}
    for i in range(n + 1):
        for j in range(m + 1):
            if i == j == 0:
                continue
            ways = [
                (i - di, j - dj, score[i - di, j - dj, di, dj])
                for di, dj in _PRIORS
                if i >= di and j >= dj
            ]
            best[i, j] = max((best[a, b][0] + s, (i - a, j - b)) for a, b, s in ways)
            fwd[i, j] = _logsumexp([fwd[a, b] + s for a, b, s in ways])
    bwd = {(n, m): 0.0}
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if (i, j) != (n, m):
                bwd[i, j] = _logsumexp(
                    [
                        score[i, j, di, dj] + bwd[i + di, j + dj]
                        for di, dj in _PRIORS
                        if i + di <= n and j + dj <= m
                    ]
                )
    links = []
    i, j = n, m
    while (i, j) != (0, 0):
        di, dj = best[i, j][1]
        a, b = i - di, j - dj
        posterior = math.exp(fwd[a, b] + score[a, b, di, dj] + bwd[i, j] - fwd[n, m])
        links.append(Link(tuple(range(a, i)), tuple(range(b, j)), min(1.0, posterior)))
        i, j = a, b
    return links[::-1]


def _estimate(zh: list[_Para], en: list[_Para], links: list[Link] | None) -> _Model:
    """Length ratio and variance from the data: first the whole texts' ratio (and its square as
    the variance, which is what 000 ↔ 001's 1:1 links give), then the confident 1:1 links of a
    first pass."""
    pairs = [
        (zh[x.zh[0]].length, en[x.en[0]].length)
        for x in links or []
        if len(x.zh) == len(x.en) == 1 and x.confidence > 0.5 and zh[x.zh[0]].length
    ]
    if len(pairs) < 3:
        ratio = (sum(p.length for p in en) or 1) / (sum(p.length for p in zh) or 1)
        return _Model(ratio, max(_MIN_VARIANCE, ratio * ratio))
    ratio = sum(b for _, b in pairs) / sum(a for a, _ in pairs)
    variance = sum((b - ratio * a) ** 2 / a for a, b in pairs) / len(pairs)
    return _Model(ratio, max(_MIN_VARIANCE, variance))


def _para(text: str, anchors: frozenset[Anchor]) -> _Para:
    """A paragraph as the DP sees it: its length is the ``("chars", n)`` anchor's, each of its
    dictionary words an anchor ``("w", stem)`` of its own."""
    size = next(v for k, v in anchors if k == "chars")
    words = next((v.split() for k, v in anchors if k == "words"), [])
    rest = {x for x in anchors if x[0] not in ("chars", "words")}
    return _Para(
        size, frozenset(rest | {("w", w) for w in words}), text.rstrip().endswith(_SENTENCE_END)
    )


def align(zh_paras: Sequence[str], en_paras: Sequence[str], glossary: Glossary) -> list[Link]:
    """Align Chinese paragraphs with English ones: links in order, covering every paragraph
    exactly once, each with a confidence in [0, 1]."""
    zh = [_para(p, anchors_zh(p, glossary)) for p in zh_paras]
    en = [_para(p, anchors_en(p, glossary)) for p in en_paras]
    df: dict[Anchor, int] = {}
    for p in (*zh, *en):
        for x in p.anchors:
            df[x] = df.get(x, 0) + 1
    size = len(zh) + len(en) + 1
    weight = {x: math.log(size / d) for x, d in df.items()}
    evidence = _evidence(zh, en, weight)
    first = _solve(zh, en, evidence, _estimate(zh, en, None))
    return _solve(zh, en, evidence, _estimate(zh, en, first))
