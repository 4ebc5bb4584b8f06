"""Cross-language queries: a query's words translated into the other language, one group each.

Each word of the query (or run of English words the lexicon knows as one translation, "court
of law") becomes a ``ranking.Group`` of its translations, in the title (boost 2) and the text,
scored as one term, so a word with twelve translations does not outweigh one with one
(Pirkola, 1998). Translations come from the corpus glossary where it has the word, else from
the general lexicon (``bilingual/lexicon.py``, CC-CEDICT). Each is weighted by evidence where
the corpus has some: in the aligned paragraph pairs of its translations (the ``aligned``
index), how often the translation stands opposite the word (Wang and Oard, 2006, on the value
of such evidence); elsewhere by how early the dictionary lists the sense. Numbers, and in a
Chinese query Latin words (GMV, names), carry over unchanged; an English word no entry
translates (a name not in the dictionary) carries over too, as Chinese news often keeps names
in Latin letters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from kscorpus.bilingual.lexicon import MAX_WORDS, Lexicon, load_lexicon
from kscorpus.index.analysis import tokens
from kscorpus.ingest.segment import HAN, word_frequency
from kscorpus.study.stopwords import CHINESE_STOP_WORDS

MAX_MEMBERS = 16  # translations a group keeps, best first
MAX_RANK = 2  # a sense listed later than third is not a translation of the word (打: dozen…)
PART = 0.5  # the weight of a word of a two-word translation (brand: 品牌, "brand name")
MIN_EVIDENCE = 3  # aligned segments holding a word before its evidence is used
TITLE_BOOST = 2.0  # as the query parser's
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_UNITS = frozenset("年月日号时点分秒岁%")  # after a number: part of a date, time, age or amount
# operators, field-qualified parts (id:003) and wildcards (cour*): not words to translate
_SYNTAX = re.compile(
    r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|\b\w+:(?:\"[^\"]*\"|\S+)|[^\s\"()]*[*?][^\s\"()]*"
)


@dataclass(frozen=True)
class Translation:
    """One source word (or run of words) and its weighted translations."""

    source: str
    members: tuple[tuple[tuple[str, ...], float], ...]  # (terms, weight), best first


def translate(
    handle: Any, normalized: str, negative: frozenset[str] = frozenset()
) -> list[Translation]:
    """The query's words (``normalized``, as ``search`` normalizes it), each with its weighted
    translations; field-qualified parts, operators and ``negative`` terms (under NOT) are
    left out, as words to translate and as translations."""
    userdict = handle.articles.schema["text"].analyzer.userdict
    plain = _SYNTAX.sub(" ", normalized)
    # a glossary term is one word however jieba cuts it (信任电商 without a user dictionary
    # is 信任/电商, and 电商 alone is no dictionary word for e-commerce)
    whole = _glossary_terms(handle.glossary(), plain)
    for term in whole:
        plain = plain.replace(term, " ")
    found = whole + [t for t, *_ in tokens(plain, userdict, subwords=False, fast=True)]
    # 2024年5月13日: the numbers carry over, the units are no words to translate
    found = [w for k, w in enumerate(found) if not (w in _UNITS and k and found[k - 1].isdigit())]
    words = [w for w in dict.fromkeys(found) if w not in negative and w not in CHINESE_STOP_WORDS]
    if not words:
        return []
    lexicon = load_lexicon().with_glossary(handle.glossary())
    evidence = _Evidence(handle, userdict)
    frequency = word_frequency(userdict)
    out = []
    i = 0
    while i < len(words):
        word = words[i]
        if HAN.search(word):
            out.extend(_from_chinese(lexicon, evidence, word))
            i += 1
            continue
        n, got = _from_english(lexicon, evidence, words[i : i + MAX_WORDS], frequency)
        out.append(got)
        i += n
    kept = (Translation(t.source, _as_indexed(t.members, negative, userdict)) for t in out)
    return [t for t in kept if t.members]


def _glossary_terms(glossary: Any, text: str) -> list[str]:
    """The glossary's Chinese terms in ``text``, longest first, none inside another found."""
    found: list[str] = []
    for zh in sorted({zh for zh, _ in glossary.entries if zh in text}, key=len, reverse=True):
        if not any(zh in f for f in found):
            found.append(zh)
    return found


def _as_indexed(
    members: tuple[tuple[tuple[str, ...], float], ...], negative: frozenset[str], userdict: Any
) -> tuple[tuple[tuple[str, ...], float], ...]:
    """Members as the index has them: a Chinese word cut as the index cuts text (上诉法院 is
    上诉 法院 there, so a phrase of the two), none that is under NOT."""
    out = []
    for words, weight in members:
        if set(words) <= negative:
            continue
        if len(words) == 1 and HAN.search(words[0]):
            words = tuple(t for t, *_ in tokens(words[0], userdict, subwords=False, fast=True))
        out.append((words, weight))
    return tuple(out)


def query(translations: list[Translation]) -> Any:
    """The translated query: an OR of each translation's groups in title and text."""
    from whoosh import query as wq

    from kscorpus.query.ranking import group

    parts = []
    for t in translations:
        parts.append(group("title", t.members, TITLE_BOOST))
        parts.append(group("text", t.members))
    return wq.Or(parts) if parts else None


def _from_chinese(lexicon: Lexicon, evidence: _Evidence, word: str) -> list[Translation]:
    """A Chinese word's English translations; a word the lexicon lacks, by the known words it
    is made of (its longest-match cut)."""
    keys = lexicon.en(word)
    if not keys:
        parts = list(lexicon.words(word))
        if parts == [word] or not parts:
            return []
        return [t for p in parts for t in _from_chinese(lexicon, evidence, p) if len(p) > 1]
    candidates = [(tuple(k.split()), 1 / (1 + r)) for r, k in enumerate(keys[: MAX_RANK + 1])]
    return [Translation(word, evidence.weigh("zh", word, "en", candidates))]


def _from_english(
    lexicon: Lexicon, evidence: _Evidence, words: list[str], frequency: Any
) -> tuple[int, Translation]:
    """The longest run at the start of ``words`` that the lexicon translates as one (how many
    words it took), else the first word carried over unchanged. A single word also takes the
    words of two-word translations it is part of (brand: 品牌, "brand name"), at half weight.
    With ``frequency`` (jieba's, from the index), common words weigh more than rare ones of the
    same rank: 品牌 over 厂牌. A number carries over as it is (5, not 五)."""
    if _NUMBER.fullmatch(words[0]):
        return 1, Translation(words[0], (((words[0],), 1.0),))
    for n in range(len(words), 0, -1):
        key = " ".join(words[:n])
        zh = lexicon.zh(key) or (lexicon.name(key) if n == 1 else ())
        candidates: dict[str, float] = {}
        for z in zh:
            senses = lexicon.en(z)
            rank = senses.index(key) if key in senses else 0  # a name: its first sense
            if rank <= MAX_RANK:
                candidates[z] = 1 / (1 + rank)
        if n == 1:
            for z in lexicon.part(key):
                senses = lexicon.en(z)
                rank = next((r for r, k in enumerate(senses) if key in k.split()), MAX_RANK + 1)
                if rank <= MAX_RANK and z not in candidates:
                    candidates[z] = PART / (1 + rank)
        if not candidates:
            continue
        if frequency is not None:
            logs = {z: math.log(2 + frequency(z)) for z in candidates}
            most = max(logs.values())
            candidates = {z: w * logs[z] / most for z, w in candidates.items()}
        ranked = [((z,), w) for z, w in candidates.items()]
        return n, Translation(key, evidence.weigh("en", key, "zh", ranked))
    word = words[0]
    if len(word) == 1 and word.isascii():  # the e of e-commerce, alone
        return 1, Translation(word, ())
    return 1, Translation(word, (((word,), 1.0),))


class _Evidence:
    """Co-occurrence of words across the aligned paragraph pairs of the corpus's translations:
    p(translation | word) estimated from the pairs holding the word, the dictionary's weight as
    a prior worth one pair."""

    def __init__(self, handle: Any, userdict: Any) -> None:
        self.searcher = handle.searcher("aligned")
        self.userdict = userdict

    def segments(self, field: str, words: tuple[str, ...]) -> set[int]:
        """The aligned segments holding ``words`` (a Chinese word cut as the index cuts it)."""
        from kscorpus.query.ranking import match_ids, term_ids

        words = _as_indexed(((words, 1.0),), frozenset(), self.userdict)[0][0]

        if len(words) == 1:
            return term_ids(self.searcher, field, words[0])
        from whoosh import query as wq

        return match_ids(self.searcher, wq.Phrase(field, list(words))) or set()

    def weigh(
        self,
        field: str,
        source: str,
        target: str,
        candidates: list[tuple[tuple[str, ...], float]],
    ) -> tuple[tuple[tuple[str, ...], float], ...]:
        """``candidates`` reweighted (the best 1.0) and cut to ``MAX_MEMBERS``."""
        held = self.segments(field, tuple(source.split()) if field == "en" else (source,))
        if len(held) >= MIN_EVIDENCE:
            candidates = [
                (c, (len(held & self.segments(target, c)) + prior) / (len(held) + 1))
                for c, prior in candidates
            ]
        top = max((w for _, w in candidates), default=0.0) or 1.0
        ranked = sorted(candidates, key=lambda c: -c[1])[:MAX_MEMBERS]
        return tuple((c, w / top) for c, w in ranked)
