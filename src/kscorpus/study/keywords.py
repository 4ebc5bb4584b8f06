"""Key terms: TF-IDF of an article's words against the corpus (or of the corpus itself), counted
with the index's analyzer so that a key term and a search hit speak of the same words; document
frequencies come from the index (live documents only)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kscorpus.bilingual.counterparts import find_version
from kscorpus.index.analysis import tokens
from kscorpus.index.store import IndexHandle
from kscorpus.ingest.pipeline import Document

_NUMBER = re.compile(r"[\d.,%]+")


@dataclass(frozen=True)
class KeyTerm:
    term: str  # as indexed: a jieba word, or an English stem
    score: float
    tf: int
    df: int
    form: str  # the commonest surface form in the text (the word an English stem came from)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class TermCounts:
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
    counts = TermCounts(handle)
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
    counts = TermCounts(handle)
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
