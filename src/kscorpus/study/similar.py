"""Similar articles: the translation first, then the nearest by TF-IDF cosine and by concepts
shared across languages (the glossary's, over the general lexicon's: ``bilingual/lexicon.py``).

The translation is the manifest's link where there is one. Otherwise an article of the other
language is taken for the translation when the two are each other's nearest across languages
and close enough that only a translation is: their concept cosine at least ``TRANSLATION``, or
at least ``TRANSLATION_WITH_NUMBERS`` with most of their numbers, amounts and dates in common
(the anchors part of ``pairs.pair_score`` ≥ ``SHARED_NUMBERS``). On 21 news pairs outside the
glossary's domain a translation's concept cosine was 0.26–0.44 and its number overlap 0.67–1.0
(or none: four pairs hold no digit), while a report on the same event that is no translation
reached 0.25 and 0.12, and an unrelated article 0.10.
"""

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
TRANSLATION = 0.3  # concept cosine that alone says "translation"
TRANSLATION_WITH_NUMBERS = 0.2  # ... with most numbers shared
SHARED_NUMBERS = 0.5  # weighted overlap of numbers, amounts, dates, Latin names (pair_score)


@dataclass(frozen=True)
class Neighbour:
    id: str
    lang: str
    title: str
    score: float
    why: str  # "translation", "text" (same language) or "concepts" (across languages)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def similar(handle: IndexHandle, article_id: str, top: int = 5) -> list[Neighbour]:
    """The articles most like ``article_id``: its translation first, then the others by score.

    Two articles score the mean of two cosines: of their TF-IDF term vectors (as ``keywords``
    weighs them) and of what they share beyond words. In one language that is the glossary's
    terms (weighted ln(N / df)): a corpus's own domain. Across languages, where articles share
    almost no terms, it is their concepts (English terms: a Chinese word's translations, an
    English text's own terms that a translation has; weighted (1 + ln tf) · ln(N / df)), which
    do the work (``why="concepts"``). A linked translation scores by its alignment: the mean
    confidence of its 1:1, 1:2 and 2:1 links times the fraction of both sides' paragraphs
    those links cover; an unlinked one (see the module) by its concept score, and either is
    ``why="translation"``.
    """
    doc, _ = find_version(handle, article_id)
    arts = handle.articles_meta()
    docs, vectors, term_vectors, concepts = _vectors(handle)
    me = doc.article
    other_lang = "en" if me.lang == "zh" else "zh"
    translation = counterpart_id(arts, me.id, other_lang)
    if translation is None:
        translation = _unlinked_translation(docs, concepts, me.id, other_lang)
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
            shared = concepts if a["lang"] != me.lang else term_vectors
            score = (text + _cosine(shared[me.id], shared[a["id"]])) / 2
            why = (
                "translation"
                if a["id"] == translation
                else "text"
                if a["lang"] == me.lang
                else "concepts"
            )
        out.append(Neighbour(a["id"], a["lang"], a["title"], round(score, 4), why))
    out.sort(key=lambda n: (n.why != "translation", -n.score, n.id))
    return out[:top]


Vectors = dict[str, dict[Any, float]]
_MEMO: dict[str, tuple[dict[str, Document], Vectors, Vectors, Vectors]] = {}


def _vectors(handle: IndexHandle) -> tuple[dict[str, Document], Vectors, Vectors, Vectors]:
    """Every article's document and its three vectors (terms, glossary terms, concepts): made
    once per generation (which never changes once written), so a script asking ``similar``
    of every article does not redo them each time (most of a call's cost)."""
    key = str(handle.path)
    if key not in _MEMO:
        arts = handle.articles_meta()
        docs = {d.article.id: d for a in arts if (d := handle.document(a["id"])) is not None}
        counts = TermCounts(handle)
        vectors = {aid: counts.weights(d) for aid, d in docs.items()}
        glossary = handle.glossary()
        terms = {
            aid: (glossary.concepts_zh if d.article.lang == "zh" else glossary.concepts_en)(d.text)
            for aid, d in docs.items()
        }
        term_df = Counter(c for cs in terms.values() for c in cs)
        term_vectors: Vectors = {
            aid: {c: math.log(len(docs) / term_df[c]) for c in cs} for aid, cs in terms.items()
        }
        _MEMO.clear()  # one generation at a time
        _MEMO[key] = docs, vectors, term_vectors, _concept_vectors(handle, docs)
    return _MEMO[key]


def _concept_vectors(handle: IndexHandle, docs: dict[str, Document]) -> dict[str, dict[str, float]]:
    """Each article's concepts (``Lexicon.concepts_zh`` / ``concepts_en``, the corpus glossary
    over the lexicon), weighted (1 + ln tf) · ln(N / df)."""
    from kscorpus.bilingual.lexicon import load_lexicon

    lexicon = load_lexicon().with_glossary(handle.glossary())
    counted = {
        aid: (lexicon.concepts_zh if d.article.lang == "zh" else lexicon.concepts_en)(d.text)
        for aid, d in docs.items()
    }
    df = Counter(c for cs in counted.values() for c in cs)
    n = len(docs)
    return {
        aid: {c: (1 + math.log(tf)) * math.log(n / df[c]) for c, tf in cs.items()}
        for aid, cs in counted.items()
    }


def _unlinked_translation(
    docs: dict[str, Document], concepts: dict[str, dict[str, float]], me: str, lang: str
) -> str | None:
    """The article of ``lang`` that translates ``me`` though no link says so (see the module),
    or None."""
    from kscorpus.bilingual.align import Glossary, anchors_en, anchors_zh
    from kscorpus.bilingual.pairs import pair_score

    def nearest(aid: str, among: str) -> tuple[float, str] | None:
        """The closest article of language ``among`` by concepts (ties: the smaller id)."""
        scored = [
            (-_cosine(concepts[aid], concepts[b]), b)
            for b, d in docs.items()
            if d.article.lang == among
        ]
        if not scored:
            return None
        neg, b = min(scored)
        return -neg, b

    best = nearest(me, lang)
    if best is None or best[0] < TRANSLATION_WITH_NUMBERS:
        return None
    cos, other = best
    back = nearest(other, docs[me].article.lang)
    if back is None or back[1] != me:
        return None
    if cos >= TRANSLATION:
        return other
    none = Glossary(())
    anchors = {
        aid: (anchors_zh if docs[aid].article.lang == "zh" else anchors_en)(docs[aid].text, none)
        for aid in (me, other)
    }
    # the weighted overlap of numbers, dates and names (pair detection's "anchors" part)
    shared = pair_score(anchors[me], anchors[other]).anchors
    return other if shared >= SHARED_NUMBERS else None


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
