"""Concordance lines (KWIC): every occurrence of a term in the cleaned, Simplified texts, with
its context, sortable, and the aligned passage of the translation beside it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from kscorpus.bilingual.counterparts import aligned_passage
from kscorpus.errors import QueryError
from kscorpus.index import kwicwords
from kscorpus.index.analysis import fold_width
from kscorpus.index.hanchars import fold, use_convertible
from kscorpus.index.store import IndexHandle
from kscorpus.ingest.pipeline import Document
from kscorpus.ingest.segment import HAN
from kscorpus.query.filters import Filters
from kscorpus.query.highlight import cells
from kscorpus.query.search import normalize_query

SORTS = ("position", "left", "right")
# What may separate the words of a multi-word English term: "e-commerce", "live  broadcast";
# not sentence punctuation, so "trust. E-commerce" is not "trust e-commerce".
_GAP = re.compile(r"[\s\-‐–·/]+")
Span = tuple[int, int]


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
    use_convertible(handle.convertible())
    find = _matcher(fold(normalized))
    order = {aid: n for n, aid in enumerate(handle.article_ids())}
    lines: list[KwicLine] = []
    for a in handle.articles_meta():
        if (lang and a["lang"] != lang) or (filters and not filters.admits(a)):
            continue
        doc = handle.document(a["id"])
        if doc is None:
            continue
        # one character for one: offsets are unchanged; Han characters compared in Simplified
        # form, as search's character fields compare them (臺灣 quoted in a Hans article)
        folded = fold(fold_width(doc.text))
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
    want = [kwicwords.key(w) for w in kwicwords.WORD.findall(normalized)]
    if not want:
        raise QueryError(f"term {normalized!r} has no words to look for")

    def find(text: str) -> Iterator[Span]:
        words = list(kwicwords.WORD.finditer(text))
        keys = [kwicwords.key(m.group()) for m in words]
        n = len(want)
        for i in range(len(words) - n + 1):
            if keys[i : i + n] == want and all(
                _GAP.fullmatch(text[words[j].end() : words[j + 1].start()])
                for j in range(i, i + n - 1)
            ):
                yield words[i].start(), words[i + n - 1].end()

    return find


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
