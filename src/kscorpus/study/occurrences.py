"""Where a term occurs in each article, found through the index: the occurrences ``kwic``
shows, as character spans of the cleaned text, without segmenting anything.

A term of Han characters only is read straight from the character field ``text_chars``:
every Han character and bigram is indexed at its character offset, so the term's bigrams at
consecutive offsets are exactly its occurrences as a substring, whatever jieba made of the
text (假一赔九 inside 如假一赔九 too). Overlapping matches are dropped left to right as
``re.finditer`` drops them, so the spans are kwic's. Any other term (English words, or
characters mixed with Latin or digits, 2022年) is looked for with kwic's matcher (for words,
an equivalent that is faster on a large corpus) in the stored paragraphs whose postings hold
every alphabetic word of it, of the articles whose character field holds its Han runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index.analysis import fold_width, latin_term
from kscorpus.index.hanchars import fold, use_convertible
from kscorpus.index.store import IndexHandle
from kscorpus.index.whoosh_fast import posting_blocks
from kscorpus.ingest.segment import HAN, HAN_RUN
from kscorpus.query.filters import Filters
from kscorpus.query.ranking import string_starts
from kscorpus.query.search import normalize_query
from kscorpus.study.kwic import _GAP, _WORD, _matcher, _word_key

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
    ids = s.reader().column_reader("id") if found else []
    return {
        ids[d]: list(_non_overlapping(sorted(starts), len(han)))
        for d, starts in found.items()
        if ids[d] in wanted
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
    """kwic's matcher over the stored paragraphs (the passages index) that hold every
    alphabetic word of the term, in the wanted articles that hold every Han run of it (the
    articles' character field); a term without such words (2022年, stop words only) is
    matched in the whole stored text of those articles."""
    find = _matcher(normalized) if HAN.search(normalized) else _words_matcher(normalized)
    arts = handle.searcher("articles")
    for run in HAN_RUN.findall(normalized):
        wanted = wanted & _ids(arts.reader(), set(string_starts(arts, "text_chars", run)))
    out: dict[str, list[Span]] = {}
    s = handle.searcher("passages")
    passages = s.reader()
    docs = _word_docs(passages, normalized)
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
    ids = passages.column_reader("id") if docs else None
    for d in sorted(docs):
        aid = ids[d]  # type: ignore[index]
        if aid not in wanted:
            continue
        fields = s.stored_fields(d)  # a paragraph: its text, and where it starts in the article
        at = fields["start"]
        found = [(at + a, at + b) for a, b in find(fold(fold_width(fields["text"])))]
        if found:
            out.setdefault(aid, []).extend(found)
    for spans in out.values():
        spans.sort()
    return out


def _ids(reader: Any, docs: set[int]) -> set[str]:
    """The article ids of documents of ``reader`` (by its id column)."""
    if not docs:
        return set()
    column = reader.column_reader("id")
    return {column[d] for d in docs}


# kwic's ``_WORD`` as one character class (\w but not Han): the same words, in half the time
_WORDS = re.compile(r"[^\W\u3400-\u9fff]+")


def _words_matcher(normalized: str) -> Callable[[str], Iterator[Span]]:
    """kwic's matcher for a term of words (the same words, keys and gaps, overlapping matches
    too), made fast where kwic is slow on a large corpus: a paragraph's words are keyed by a
    lookup of each distinct word's key, and the term's first word is located by searching
    for the surface forms keyed as it, not by walking every word."""
    want = [_word_key(w) for w in _WORD.findall(normalized)]
    if not want:
        return _matcher(normalized)  # raises kwic's error
    keys: dict[str, str] = {}

    def key(word: str) -> str:
        got = keys.get(word)
        if got is None:
            got = keys[word] = _word_key(word)
        return got

    def find(text: str) -> Iterator[Span]:
        words = _WORDS.findall(text)
        firsts = {w for w in set(words) if key(w) == want[0]}
        if not firsts:
            return
        alternatives = "|".join(sorted(map(re.escape, firsts), key=len, reverse=True))
        for m in re.finditer(alternatives, text):
            start, end = m.span()
            whole = _WORDS.match(text, start)
            if whole.end() != end or (start and _WORDS.match(text, start - 1)):  # type: ignore[union-attr]
                continue  # part of a longer word
            for k in want[1:]:
                nxt = _WORDS.search(text, end)
                if (
                    nxt is None
                    or key(nxt.group()) != k
                    or not _GAP.fullmatch(text[end : nxt.start()])
                ):
                    break
                end = nxt.end()
            else:
                yield start, end

    return find


_ALPHA = re.compile(r"[^\W\d_]+")


def _word_docs(reader: Any, normalized: str) -> set[int] | None:
    """The documents whose word field holds every alphabetic word of ``normalized`` in its
    indexed form: jieba cuts Latin runs at punctuation, so such a word is always a token of
    its own (a stop word is not indexed and a number may be cut otherwise, so they do not
    narrow). None when there is no such word."""
    docsets: list[set[int]] = []
    for word in _WORD.findall(HAN.sub(" ", normalized)):
        term = latin_term(word) if _ALPHA.fullmatch(word) else None
        if term is None:
            continue
        found: set[int] = set()
        for leaf, offset in reader.leaf_readers():
            tb = leaf.schema["text"].to_bytes(term)
            if ("text", tb) in leaf:
                for docs, _ in posting_blocks(leaf.postings("text", tb)):
                    found.update(d + offset for d in docs)
        docsets.append(found)
    return set.intersection(*docsets) if docsets else None
