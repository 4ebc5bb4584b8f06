"""``collocates --cross``: the collocates of a term's translations in the paragraphs aligned
with those holding the term (the ``aligned`` index links paragraphs of translation pairs)."""

from __future__ import annotations

from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index import wordseq
from kscorpus.query.filters import Filters
from kscorpus.study.selection import select


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
    other language's articles admitted by ``filters`` (language aside)."""
    from kscorpus.study.collocates import count, node_terms, occurrences

    lang = "en" if other == "zh" else "zh"
    probe = node[0].encode("utf-8")
    found = {
        (aid, pno)
        for aid, pno, value in wordseq.passages(handle, chosen)
        if probe in value and occurrences(wordseq.decode(value), node)
    }
    targets = aligned_paragraphs(handle, found, lang)
    theirs = select(handle, Filters(**{**filters.__dict__, "lang": other}))
    out = []
    for translation in handle.glossary().translations(normalized):
        try:
            _, terms = node_terms(handle, translation)
        except QueryError:  # a translation of stop words only: nothing to look for
            continue
        values = ((v, (aid, pno) in targets) for aid, pno, v in wordseq.passages(handle, theirs))
        out.append((translation, terms, count(values, terms, window, by)))
    return out
