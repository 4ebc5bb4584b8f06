"""``collocates --cross``: the collocates of a term's translations in the paragraphs aligned
with those holding the term (the ``aligned`` index links paragraphs of translation pairs)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index import wordfreq, wordseq
from kscorpus.index.whoosh_fast import column_values_at, doc_ids
from kscorpus.index.wordseq import FIELD
from kscorpus.query.filters import Filters
from kscorpus.study.selection import narrows, select


def aligned_paragraphs(handle: Any, found: set[tuple[str, int]], lang: str) -> set[tuple[str, int]]:
    """The paragraphs (article id, number) of the other language aligned with any of
    ``found``, paragraphs of ``lang``."""
    far = "en" if lang == "zh" else "zh"
    out: set[tuple[str, int]] = set()
    for link in handle.searcher("aligned").documents():
        mine = link[f"{lang}_id"]
        if any((mine, p) in found for p in link[f"{lang}_pnos"]):
            out.update((link[f"{far}_id"], p) for p in link[f"{far}_pnos"])
    return out


def cross_collocates(
    handle: Any,
    normalized: str,
    node: tuple[str, ...],
    chosen: set[str] | None,
    other: str,
    filters: Filters,
    window: tuple[int, int],
    by: str,
) -> list[tuple[str, tuple[str, ...], Any]]:
    """``(translation, its terms, its Counts)`` for each glossary translation of ``normalized``
    that has indexed words: windows in the aligned paragraphs only, frequencies over the
    other language's articles admitted by ``filters`` (language aside): from the word tables
    when the filters admit all of them, else counted in one pass each."""
    from kscorpus.study.collocates import count, count_in, node_terms

    lang = "en" if other == "zh" else "zh"
    targets = aligned_paragraphs(handle, _found(handle, node, chosen, lang), lang)
    whole = not narrows(filters)
    if whole:
        freq = wordfreq.live(handle, other)
        values = _values(handle, targets)
    else:
        theirs = select(handle, Filters(**{**filters.__dict__, "lang": other}))
    out = []
    for translation in handle.glossary().translations(normalized):
        try:
            _, terms = node_terms(handle, translation)
        except QueryError:  # a translation of stop words only: nothing to look for
            continue
        if whole:
            counts = count_in(values, terms, window, by, freq)
        else:
            flagged = (
                (v, (aid, pno) in targets) for aid, pno, v in wordseq.passages(handle, theirs)
            )
            counts = count(flagged, terms, window, by)
        out.append((translation, terms, counts))
    return out


def _found(
    handle: Any, node: tuple[str, ...], chosen: set[str] | None, lang: str
) -> set[tuple[str, int]]:
    """The paragraphs (article id, number) of ``chosen`` (None: every article of ``lang``)
    holding ``node``, read only where the postings of its first word are."""
    from kscorpus.study.collocates import holding, holds, needle

    out: set[tuple[str, int]] = set()
    wanted = needle(node)
    found = [(leaf, d) for leaf, d, value in holding(handle, node[0], lang) if holds(value, wanted)]
    for leaf, group in groupby(found, key=lambda x: x[0]):
        docs = [d for _, d in group]
        passages_of: dict[bytes, list[int]] = {}  # an article's live passages in this segment
        for d, owner in zip(docs, column_values_at(leaf, "id", docs)):
            aid = owner.decode("utf-8")
            if chosen is None or aid in chosen:
                mine = passages_of.get(owner)
                if mine is None:
                    mine = passages_of[owner] = doc_ids(leaf, "id", owner)
                out.add((aid, mine.index(d)))  # the paragraph number: its place among them
    return out


def _values(handle: Any, targets: set[tuple[str, int]]) -> list[bytes]:
    """The encoded words of the live paragraphs ``targets`` (article id, number)."""
    wanted: dict[str, list[int]] = {}
    for aid, pno in targets:
        wanted.setdefault(aid, []).append(pno)
    out = []
    for leaf in wordfreq.leaves(handle):
        for aid, pnos in wanted.items():
            docs = doc_ids(leaf, "id", aid.encode("utf-8"))
            if docs:
                out.extend(column_values_at(leaf, FIELD, [docs[p] for p in pnos if p < len(docs)]))
    return out
