"""Similar articles: the translation first (by the manifest's links), then the nearest by
TF-IDF cosine, with glossary concepts so that articles in the other language can be near."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kscorpus.bilingual.counterparts import counterpart_id, find_version
from kscorpus.index.store import IndexHandle
from kscorpus.ingest.pipeline import Document
from kscorpus.study.keywords import TermCounts

# Alignment link shapes that mean "this is translated there" (1:0 and 0:1 are gaps).
_LINKED = {(1, 1), (1, 2), (2, 1)}


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
    counts = TermCounts(handle)
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
