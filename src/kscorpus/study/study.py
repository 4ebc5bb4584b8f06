"""Corpus study: concordance lines (KWIC), key terms and similar articles.

Everything here reads the cleaned, Simplified texts stored in the index and counts terms with the
same analyzer as the index (jieba words, stemmed English), so a concordance, a key term and a
search hit all speak of the same words. Term frequencies are recounted from the text because the
index stores no term vectors; document frequencies come from the index itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from kscorpus.bilingual.counterparts import aligned_passage, counterpart_id, find_version
from kscorpus.errors import QueryError
from kscorpus.index.analysis import fold_width, latin_term, tokens
from kscorpus.index.store import IndexHandle
from kscorpus.ingest.pipeline import Document
from kscorpus.ingest.segment import HAN
from kscorpus.query.filters import Filters
from kscorpus.query.highlight import cells
from kscorpus.query.search import normalize_query

SORTS = ("position", "left", "right")
# A word for English matching: letters and digits, not Han (Chinese is matched by substring).
_WORD = re.compile(r"(?:(?![\u3400-\u9fff])\w)+")
# What may separate the words of a multi-word English term: "e-commerce", "live  broadcast";
# not sentence punctuation, so "trust. E-commerce" is not "trust e-commerce".
_GAP = re.compile(r"[\s\-‐–·/]+")
_NUMBER = re.compile(r"[\d.,%]+")
# Alignment link shapes that mean "this is translated there" (1:0 and 0:1 are gaps).
_LINKED = {(1, 1), (1, 2), (2, 1)}

Span = tuple[int, int]


# ---------------------------------------------------------------------------------------------
# Concordance


@dataclass(frozen=True)
class KwicLine:
    """One occurrence: ``text[start:end]`` of article ``id`` is ``match``, in paragraph ``pno``
    (from 0); ``left``/``right`` are at most ``width`` cells of the same paragraph."""

    id: str
    lang: str
    pno: int
    start: int
    end: int
    left: str
    match: str
    right: str
    parallel: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "parallel"}
        return data | ({"parallel": self.parallel} if self.parallel is not None else {})


@dataclass(frozen=True)
class Concordance:
    term: str
    normalized: str
    total: int  # all occurrences; ``lines`` holds the first ``limit`` in the chosen order
    lines: list[KwicLine]

    def to_json(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "normalized": self.normalized,
            "total": self.total,
            "lines": [line.to_json() for line in self.lines],
        }


def kwic(
    handle: IndexHandle,
    term: str,
    width: int = 30,
    lang: str | None = None,
    sort: str = "position",
    parallel: bool = False,
    limit: int | None = None,
    filters: Filters | None = None,
) -> Concordance:
    """Every occurrence of ``term`` in the cleaned texts, with ``width`` cells of context.

    The term is normalized like a query (so Traditional finds the Simplified cleaned text); a
    term with Han characters matches as a substring, any other as a sequence of whole words
    compared by their indexed form (case-insensitive and stemmed: "provider" finds
    "providers"). ``sort="left"`` orders by the left context read backwards from the match,
    the nearest character first, which groups what precedes the term. ``parallel`` adds, for an
    article in a translation pair, the aligned segment of its translation.
    """
    if sort not in SORTS:
        raise QueryError(f"--sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if width < 1:
        raise QueryError(f"--width must be at least 1, got {width}")
    normalized = normalize_query(term, handle.convertible())
    if not normalized:
        raise QueryError("empty term; give a word to look for, e.g. kscorpus kwic 快品牌")
    find = _matcher(normalized)
    order = {aid: n for n, aid in enumerate(handle.article_ids())}
    lines: list[KwicLine] = []
    for a in handle.articles_meta():
        if (lang and a["lang"] != lang) or (filters and not filters.admits(a)):
            continue
        doc = handle.document(a["id"])
        if doc is None:
            continue
        folded = fold_width(doc.text)  # one character for one: offsets are unchanged
        for pno, (ps, pe) in enumerate(doc.paragraphs):
            for s, e in find(folded[ps:pe]):
                lines.append(_line(doc, pno, ps + s, ps + e, width))
    keys: dict[str, Callable[[KwicLine], tuple[Any, ...]]] = {
        "position": lambda ln: (order[ln.id], ln.start),
        "left": lambda ln: (ln.left[::-1].lower(), order[ln.id], ln.start),
        "right": lambda ln: (ln.right.lower(), order[ln.id], ln.start),
    }
    lines.sort(key=keys[sort])
    shown = lines if limit is None else lines[:limit]
    if parallel:
        shown = _with_parallel(handle, shown)
    return Concordance(term, normalized, len(lines), shown)


def _matcher(normalized: str) -> Callable[[str], Iterator[Span]]:
    if HAN.search(normalized):
        pattern = re.compile(re.escape(normalized), re.IGNORECASE)
        return lambda text: (m.span() for m in pattern.finditer(text))
    want = [_word_key(w) for w in _WORD.findall(normalized)]
    if not want:
        raise QueryError(f"term {normalized!r} has no words to look for")

    def find(text: str) -> Iterator[Span]:
        words = list(_WORD.finditer(text))
        keys = [_word_key(m.group()) for m in words]
        n = len(want)
        for i in range(len(words) - n + 1):
            if keys[i : i + n] == want and all(
                _GAP.fullmatch(text[words[j].end() : words[j + 1].start()])
                for j in range(i, i + n - 1)
            ):
                yield words[i].start(), words[i + n - 1].end()

    return find


def _word_key(word: str) -> str:
    """A word's indexed form; a stop word (not indexed) is compared lower-cased."""
    return latin_term(word) or word.lower()


def _line(doc: Document, pno: int, start: int, end: int, width: int) -> KwicLine:
    ps, pe = doc.paragraphs[pno]
    left = _fit(doc.text[max(ps, start - width) : start][::-1], width)[::-1]
    right = _fit(doc.text[end : min(pe, end + width)], width)
    a = doc.article
    return KwicLine(a.id, a.lang, pno, start, end, left, doc.text[start:end], right)


def _fit(text: str, width: int) -> str:
    """The longest prefix of ``text`` that fits in ``width`` terminal cells."""
    used = 0
    for i, ch in enumerate(text):
        used += cells(ch)
        if used > width:
            return text[:i]
    return text


def _with_parallel(handle: IndexHandle, lines: list[KwicLine]) -> list[KwicLine]:
    out = []
    for ln in lines:
        par = aligned_passage(handle, ln.id, ln.lang, ln.pno)
        out.append(replace(ln, parallel=par) if par else ln)
    return out


# ---------------------------------------------------------------------------------------------
# Key terms


@dataclass(frozen=True)
class KeyTerm:
    term: str  # as indexed: a jieba word, or an English stem
    score: float
    tf: int
    df: int
    form: str  # the commonest surface form in the text (the word an English stem came from)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Counts:
    """Per-article term counts and the corpus's document frequencies, computed once."""

    def __init__(self, handle: IndexHandle) -> None:
        self.handle = handle
        self.userdict = handle.articles.schema["text"].analyzer.userdict
        self._forms: dict[str, dict[str, Counter[str]]] = {}
        with handle.articles.reader() as r:
            self.n = r.doc_count()
        self._df: dict[str, int] = {}

    def forms(self, doc: Document) -> dict[str, Counter[str]]:
        """term → its surface forms in ``doc`` with their counts (stop-like terms left out)."""
        aid = doc.article.id
        if aid not in self._forms:
            found: dict[str, Counter[str]] = {}
            for term, _, s, e in tokens(doc.text, self.userdict, subwords=False, fast=True):
                if len(term) > 1 and not _NUMBER.fullmatch(term):
                    found.setdefault(term, Counter())[doc.text[s:e]] += 1
            self._forms[aid] = found
        return self._forms[aid]

    def df(self, terms: set[str]) -> dict[str, int]:
        missing = terms - self._df.keys()
        if missing:
            from kscorpus.query.scoring import live_doc_frequency  # deleted articles left out

            r = self.handle.searcher("articles").reader()
            self._df |= {t: live_doc_frequency(r, "text", t.encode()) for t in missing}
        return {t: self._df[t] for t in terms}

    def weights(self, doc: Document) -> dict[str, float]:
        """TF-IDF: occurrences per thousand tokens × ln(N / df)."""
        forms = self.forms(doc)
        tfs = {t: sum(c.values()) for t, c in forms.items()}
        length = sum(tfs.values()) or 1
        dfs = self.df(set(tfs))
        return {t: 1000 * n / length * math.log(self.n / dfs[t]) for t, n in tfs.items() if dfs[t]}


def keywords(handle: IndexHandle, article_id: str, top: int = 20) -> list[KeyTerm]:
    """An article's key terms by TF-IDF against the corpus's own document frequencies.

    The score is occurrences per thousand tokens × ln(N / df): a term in every article scores 0,
    so words common to the whole collection (快手, 电商 here) give way to what this article is
    about. Single characters and numbers are left out; English stop words are never indexed.
    """
    doc, _ = find_version(handle, article_id)
    counts = _Counts(handle)
    weights = counts.weights(doc)
    forms = counts.forms(doc)
    dfs = counts.df(set(weights))
    ranked = sorted(weights, key=lambda t: (-weights[t], t))[:top]
    return [
        KeyTerm(
            t,
            round(weights[t], 4),
            sum(forms[t].values()),
            dfs[t],
            forms[t].most_common(1)[0][0],
        )
        for t in ranked
    ]


def corpus_keywords(handle: IndexHandle, top: int = 20) -> list[KeyTerm]:
    """The corpus's key terms: each term's TF-IDF (as in ``keywords``) summed over the articles.

    Length-normalized TF keeps one long article from ruling the list, and the IDF favours terms
    that some articles are about over terms every article uses; ``tf`` is the corpus total and
    ``form`` the commonest surface form anywhere.
    """
    counts = _Counts(handle)
    score: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for aid in handle.article_ids():
        doc = handle.document(aid)
        if doc is None:
            continue
        score.update(counts.weights(doc))
        for t, c in counts.forms(doc).items():
            forms.setdefault(t, Counter()).update(c)
    ranked = sorted(score, key=lambda t: (-score[t], t))[:top]
    dfs = counts.df(set(ranked))
    return [
        KeyTerm(
            t,
            round(score[t], 4),
            sum(forms[t].values()),
            dfs[t],
            forms[t].most_common(1)[0][0],
        )
        for t in ranked
    ]


# ---------------------------------------------------------------------------------------------
# Similar articles


@dataclass(frozen=True)
class Neighbour:
    id: str
    lang: str
    title: str
    score: float
    why: str  # "translation", "text" (same language) or "glossary" (across languages)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def similar(handle: IndexHandle, article_id: str, top: int = 5) -> list[Neighbour]:
    """The articles most like ``article_id``, best first.

    Two articles score the mean of two cosines: of their TF-IDF term vectors (as ``keywords``
    weighs them) and of their glossary concepts weighted by ln(N / concept df). Articles in
    different languages share almost no terms, so for them the glossary does the work
    (``why="glossary"``). A translation shares the most of all but few tokens, so it scores by
    its alignment instead: the mean confidence of its 1:1, 1:2 and 2:1 links times the fraction
    of both sides' paragraphs those links cover (``why="translation"``).
    """
    doc, _ = find_version(handle, article_id)
    arts = handle.articles_meta()
    docs = {d.article.id: d for a in arts if (d := handle.document(a["id"])) is not None}
    counts = _Counts(handle)
    vectors = {aid: counts.weights(d) for aid, d in docs.items()}
    glossary = handle.glossary()
    concepts = {
        aid: (glossary.concepts_zh if d.article.lang == "zh" else glossary.concepts_en)(d.text)
        for aid, d in docs.items()
    }
    concept_df = Counter(c for cs in concepts.values() for c in cs)
    concept_vectors = {
        aid: {c: math.log(len(docs) / concept_df[c]) for c in cs} for aid, cs in concepts.items()
    }
    me = doc.article
    translation = counterpart_id(arts, me.id, "en" if me.lang == "zh" else "zh")
    out = []
    for a in arts:
        other = docs.get(a["id"])
        if other is None or other.article.id == me.id:
            continue
        aligned = _alignment_score(handle, doc, other) if a["id"] == translation else None
        if aligned is not None:
            score, why = aligned, "translation"
        else:
            text = _cosine(vectors[me.id], vectors[a["id"]])
            gloss = _cosine(concept_vectors[me.id], concept_vectors[a["id"]])
            score, why = (text + gloss) / 2, "text" if a["lang"] == me.lang else "glossary"
        out.append(Neighbour(a["id"], a["lang"], a["title"], round(score, 4), why))
    out.sort(key=lambda n: (-n.score, n.id))
    return out[:top]


def _alignment_score(handle: IndexHandle, a: Document, b: Document) -> float | None:
    """Mean link confidence × paragraph coverage; None when the pair has no alignment."""
    zh, en = (a, b) if a.article.lang == "zh" else (b, a)
    links = [
        g
        for g in handle.segments(zh.article.id, en.article.id)
        if (len(g["zh_pnos"]), len(g["en_pnos"])) in _LINKED
    ]
    paragraphs = len(zh.paragraphs) + len(en.paragraphs)
    if not links or not paragraphs:
        return None
    covered = sum(len(g["zh_pnos"]) + len(g["en_pnos"]) for g in links)
    return sum(g["confidence"] for g in links) / len(links) * covered / paragraphs


def _cosine(a: dict[Any, float], b: dict[Any, float]) -> float:
    dot = sum(w * b[k] for k, w in a.items() if k in b)
    norm = math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0
