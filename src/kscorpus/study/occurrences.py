"""Where a term occurs in each article, found through the index: the occurrences ``kwic``
shows, as character spans of the cleaned text, without segmenting anything.

A term of Han characters only is read straight from the character field ``text_chars``:
every Han character and bigram is indexed at its character offset, so the term's bigrams at
consecutive offsets are exactly its occurrences as a substring, whatever jieba made of the
text (假一赔九 inside 如假一赔九 too). Overlapping matches are dropped left to right as
``re.finditer`` drops them, so the spans are kwic's. Any other term (English words, or
characters mixed with Latin or digits, 2022年) is looked for with kwic's matcher (for words,
an equivalent that is faster on a large corpus) in the stored paragraphs whose postings hold
the key of every word of it (``kwicwords``: as terms of the word field, or of the field of
kwic's words that are none), of the articles whose character field holds its Han runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index import kwicwords
from kscorpus.index.analysis import fold_width, latin_term
from kscorpus.index.hanchars import fold, use_convertible
from kscorpus.index.kwicwords import WORD, key
from kscorpus.index.store import IndexHandle
from kscorpus.index.whoosh_fast import (
    column_values_at,
    doc_ids,
    segment_docs,
    stored_fields_at,
)
from kscorpus.ingest.segment import HAN, HAN_CHARS, HAN_RUN
from kscorpus.query.filters import Filters
from kscorpus.query.ranking import string_starts
from kscorpus.query.search import normalize_query
from kscorpus.study.kwic import _GAP, _matcher

Span = tuple[int, int]


@dataclass(frozen=True)
class Occurrences:
    """The articles searched (manifest entries with their counts, in corpus order) and the
    spans of ``term`` in each that holds it; ``method`` says how they were found."""

    term: str
    normalized: str
    articles: list[dict[str, Any]]
    spans: dict[str, list[Span]]
    method: str  # "characters" (the character field) or "text" (kwic's matcher)

    def count(self, article_id: str) -> int:
        return len(self.spans.get(article_id, ()))

    @property
    def total(self) -> int:
        return sum(len(s) for s in self.spans.values())


def normalized_term(handle: IndexHandle, term: str) -> str:
    """``term`` as kwic compares it: normalized like a query, Han folded to Simplified."""
    normalized = normalize_query(term, handle.convertible())
    if not normalized:
        raise QueryError("empty term; give a word or a string of characters to look for")
    use_convertible(handle.convertible())
    return fold(normalized)


def find(handle: IndexHandle, term: str, filters: Filters | None = None) -> Occurrences:
    """Every occurrence of ``term`` in the articles ``filters`` admits (see the module)."""
    normalized = normalized_term(handle, term)
    articles = [a for a in handle.articles_meta() if filters is None or filters.admits(a)]
    wanted = {a["id"] for a in articles}
    if HAN_RUN.fullmatch(normalized):
        spans = _from_characters(handle, normalized, wanted)
        method = "characters"
    else:
        spans = _from_text(handle, normalized, wanted)
        method = "text"
    return Occurrences(term, normalized, articles, spans, method)


def _from_characters(handle: IndexHandle, han: str, wanted: set[str]) -> dict[str, list[Span]]:
    s = handle.searcher("articles")
    found = string_starts(s, "text_chars", han)
    ids = _ids(s.reader(), found)
    return {
        aid: list(_non_overlapping(sorted(found[d]), len(han)))
        for d, aid in ids.items()
        if aid in wanted
    }


def _non_overlapping(starts: Iterable[int], length: int) -> Iterator[Span]:
    """Spans of ``length`` at ``starts``, each one that overlaps the last kept dropped, as
    ``re.finditer`` finds them (哈哈 in 哈哈哈 is one occurrence)."""
    end = -1
    for s in starts:
        if s >= end:
            end = s + length
            yield s, end


def _from_text(handle: IndexHandle, normalized: str, wanted: set[str]) -> dict[str, list[Span]]:
    """kwic's matcher over the stored paragraphs (the passages index) that hold every word
    of the term (``_word_docs``), in the wanted articles that hold every Han run of it (the
    articles' character field); a term of stop words only (or of Han and stop words) is
    matched in the whole stored text of those articles."""
    words = not HAN.search(normalized)
    find = _words_matcher(normalized) if words else _matcher(normalized)
    arts = handle.searcher("articles")
    for run in HAN_RUN.findall(normalized):
        wanted = wanted & set(_ids(arts.reader(), string_starts(arts, "text_chars", run)).values())
    out: dict[str, list[Span]] = {}
    docs = _word_docs(handle.searcher("passages").reader(), normalized)
    if docs is None:
        for aid in handle.article_ids():
            doc = handle.document(aid) if aid in wanted else None
            if doc is not None:
                text = fold(fold_width(doc.text))
                found = [
                    (ps + a, ps + b) for ps, pe in doc.paragraphs for a, b in find(text[ps:pe])
                ]
                if found:
                    out[aid] = found
        return out
    for leaf, found in docs:
        owners = column_values_at(leaf, "id", found)
        mine = [(d, aid) for d, o in zip(found, owners) if (aid := o.decode("utf-8")) in wanted]
        # each a paragraph: its text, and where it starts in the article
        for (_, aid), fields in zip(mine, stored_fields_at(leaf, [d for d, _ in mine])):
            at = fields["start"]
            spans = [(at + a, at + b) for a, b in find(_folded(fields["text"], words))]
            if spans:
                out.setdefault(aid, []).extend(spans)
    for spans in out.values():
        spans.sort()
    return out


def _ids(reader: Any, docs: Iterable[int]) -> dict[int, str]:
    """The article id of each of ``docs`` (document numbers of ``reader``), read from each
    segment's id column at once."""
    return {
        d + offset: aid.decode("utf-8")
        for leaf, offset, mine in segment_docs(reader, docs)
        for d, aid in zip(mine, column_values_at(leaf, "id", mine))
    }


@cache
def _cased() -> dict[str, str]:
    """The characters of the Basic Multilingual Plane whose lower case differs from them, by
    the first character of their lower case (a single scan, 9 ms)."""
    out: dict[str, str] = {}
    for c in map(chr, range(0x10000)):
        low = c.lower()
        if low != c:
            out[low[:1]] = out.get(low[:1], "") + c
    return out


def _initials(first: str) -> str:
    """Every word character whose lower case begins with ``first``: the characters a word
    keyed to begin with ``first`` can begin with (a key is the word lower-cased, then
    stemmed, and stemming keeps a word's first letter): G and g, k and the Kelvin sign K.
    Outside the Basic Multilingual Plane a letter's cases are the letter's own upper and
    title case (a test checks every character)."""
    found = {first, first.upper(), first.title(), *_cased().get(first, "")}
    return "".join(sorted(c for c in found if len(c) == 1 and WORD.fullmatch(c)))


def _words_matcher(normalized: str) -> Callable[[str], Iterator[Span]]:
    """kwic's matcher for a term of words (the same words, keys and gaps, overlapping matches
    too), made fast where kwic is slow on a large corpus: it keys only the words that begin
    with a letter the term's first key can begin with (``_initials``), each distinct word
    once, instead of every word of the paragraph."""
    want = [key(w) for w in WORD.findall(normalized)]
    if not want:
        return _matcher(normalized)  # raises kwic's error
    starts = re.compile(f"[{re.escape(_initials(want[0][0]))}][^\\W{HAN_CHARS}]*")
    keys: dict[str, str] = {}

    def keyed(word: str) -> str:
        got = keys.get(word)
        if got is None:
            got = keys[word] = key(word)
        return got

    def find(text: str) -> Iterator[Span]:
        for m in starts.finditer(text):
            start, end = m.span()
            if (start and WORD.match(text, start - 1)) or keyed(m.group()) != want[0]:
                continue  # inside a word, or another word
            for k in want[1:]:
                nxt = WORD.search(text, end)
                if (
                    nxt is None
                    or keyed(nxt.group()) != k
                    or not _GAP.fullmatch(text[end : nxt.start()])
                ):
                    break
                end = nxt.end()
            else:
                yield start, end

    return find


def _word_docs(reader: Any, normalized: str) -> list[tuple[Any, list[int]]] | None:
    """Each segment of ``reader`` with its documents that hold the key of every word of
    ``normalized`` (but stop words, which no field holds) as a term of the word field or of
    ``kwicwords.FIELD``: every paragraph where kwic can find the term. None when the term
    has no word but stop words."""
    terms = {t for w in WORD.findall(normalized) if (t := latin_term(w)) is not None}
    if not terms:
        return None
    out = []
    for leaf, _ in reader.leaf_readers():
        docsets = [
            set(doc_ids(leaf, "text", t.encode("utf-8")))
            | set(doc_ids(leaf, kwicwords.FIELD, t.encode("utf-8")))
            for t in terms
        ]
        out.append((leaf, sorted(set.intersection(*docsets))))
    return out


def _folded(text: str, words: bool) -> str:
    """``text`` as kwic compares it: full-width ASCII folded, and Han in Simplified form but
    for a term of words, which never reads a Han character (folding maps one Han character
    to another), so a pass over every paragraph is saved."""
    return fold_width(text) if words else fold(fold_width(text))
