"""Queries: normalize like the documents, parse with Whoosh, rank with BM25F, add snippets.

A query goes through the same steps as an article (NFC, full-width folding, Traditional →
Simplified, the bilingual analyzer), so 信任電商 and 信任电商 are the same query. Articles are
ranked on the articles index; each hit's snippet comes from its best passage, ranked by BM25F on
the passages index. ``passages=True`` ranks passages themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index.analysis import FOLD
from kscorpus.index.store import IndexHandle
from kscorpus.ingest.convert import to_simplified
from kscorpus.ingest.segment import HAN_RUN as HAN
from kscorpus.query.filters import Filters
from kscorpus.query.filters import facets as facet_counts
from kscorpus.query.highlight import Snippet, in_original, match_spans, snippet
from kscorpus.timings import Timings, phase

TEXT_FIELDS = ("title", "text", "event", "publisher")
CHAR_FIELDS = ("title_chars", "text_chars")
MAX_QUERY = 1000  # characters; longer input is a pasted document, not a query
_FOLD = FOLD | {0x201C: '"', 0x201D: '"', 0x3000: " "}
_FIELD = re.compile(r"(?:^|[\s(])([A-Za-z_]+):")


@dataclass(frozen=True)
class Hit:
    rank: int
    id: str
    lang: str
    script: str
    title: str
    date: str
    score: float
    passage: int | None
    snippet: Snippet
    original: Snippet | None = None  # the snippet in the original text, when asked for
    parallel: dict[str, Any] | None = None  # the aligned passage of the translation
    via: str = "text"  # "alignment": found because its translation's aligned passage matched

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "id": self.id,
            "lang": self.lang,
            "script": self.script,
            "title": self.title,
            "date": self.date or None,
            "score": round(self.score, 4),
            "pno": self.passage,
            "snippet": self.snippet.to_json(),
            **({"original": self.original.to_json()} if self.original else {}),
            **({"parallel": self.parallel} if self.parallel else {}),
            **({"via": self.via} if self.via != "text" else {}),
        }


@dataclass(frozen=True)
class Results:
    query: str
    normalized: str
    parsed: str
    unit: str  # "article" or "passage"
    total: int
    hits: list[Hit] = field(default_factory=list)
    terms: tuple[str, ...] = ()
    facets: dict[str, dict[str, int]] | None = None  # over every matching article

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "normalized": self.normalized,
            "parsed": self.parsed,
            "unit": self.unit,
            "total": self.total,
            "terms": list(self.terms),
            "hits": [h.to_json() for h in self.hits],
            **({"facets": self.facets} if self.facets is not None else {}),
        }


def normalize_query(q: str, convertible: frozenset[str] | None = None) -> str:
    """NFC, full-width ASCII and curly quotes folded, Traditional → Simplified (skipped when
    ``convertible`` says no character of the query would change)."""
    q = unicodedata.normalize("NFC", q).translate(_FOLD)
    q = "".join(c if c.isprintable() else " " for c in q).strip()
    if convertible is not None and convertible.isdisjoint(q):
        return q
    return to_simplified(q)


def parse(q: str, schema: Any, convertible: frozenset[str] | None = None) -> tuple[str, Any]:
    """Normalize and parse ``q`` against ``schema``; a QueryError says what is wrong."""
    from whoosh import query as wq

    normalized = normalize_query(q, convertible)
    if not normalized:
        raise QueryError("empty query; give words to search for, e.g. kscorpus search 信任电商")
    if len(normalized) > MAX_QUERY:
        raise QueryError(
            f"query is {len(normalized):,} characters long; the limit is {MAX_QUERY:,}"
        )
    check_syntax(normalized)
    if normalized == "*":
        return normalized, wq.Every()
    for name in _FIELD.findall(normalized):
        if name not in schema:
            known = ", ".join(n for n in sorted(schema.names()) if n not in ("doc", "start", "key"))
            raise QueryError(f"unknown field '{name}:' in query; fields are: {known}")
    parsed = _parser(schema).parse(normalized)
    if parsed is wq.NullQuery:
        raise QueryError(f"query {q!r} has no searchable words (only stop words or punctuation?)")
    return normalized, parsed


def _strings(normalized: str, schema: Any) -> Any:
    """The query's Han runs by their words (``chars.query_strings``), cut as the parser cuts."""
    from kscorpus.index.analysis import tokens
    from kscorpus.query.chars import query_strings

    userdict = schema["text"].analyzer.userdict
    return query_strings(
        normalized, lambda run: [t for t, *_ in tokens(run, userdict, subwords=False, fast=True)]
    )


def _parser(schema: Any) -> Any:
    """Titles and text, a title match counting double (BM25F field boost)."""
    from whoosh.qparser import MultifieldParser

    return MultifieldParser(["title", "text"], schema, fieldboosts={"title": 2.0})


def check_syntax(q: str) -> None:
    """Unbalanced quotes and brackets are errors that say where (Whoosh would guess)."""
    closing = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    quote = None
    for i, c in enumerate(q, 1):
        if c == '"':
            quote = None if quote else i
        elif quote:
            continue
        elif c in "([{":
            stack.append((c, i))
        elif c in closing:
            if not stack or stack[-1][0] != closing[c]:
                raise QueryError(f"query syntax: unmatched '{c}' at character {i} of {q!r}")
            stack.pop()
    if quote:
        raise QueryError(f"query syntax: the quote at character {quote} of {q!r} is never closed")
    if stack:
        c, i = stack[-1]
        raise QueryError(f"query syntax: '{c}' at character {i} of {q!r} is never closed")


def search(
    handle: IndexHandle,
    q: str,
    limit: int = 10,
    lang: str | None = None,
    passages: bool = False,
    width: int = 120,
    original: bool = False,
    parallel: bool = False,
    cross: bool = False,
    filters: Filters | None = None,
    facets: bool = False,
    timings: Timings | None = None,
) -> Results:
    """Rank articles (or passages) for query ``q``.

    ``original``: each hit also carries its snippet located in the original text.
    ``parallel``: each hit in a translation pair carries the aligned passage of the other side.
    ``cross``: the query also looks for its words' translations (``query/cross.py``: the
    glossary's, else the general lexicon's, each word's translations scored as one term), and
    articles whose translation matched through an aligned segment are added.
    ``filters``: only articles whose manifest fields pass (``lang`` is a shorthand for one).
    ``facets``: counts of all matching articles by year, language and event.
    ``timings``: adds the phases parse, search, highlight and (if any) more.
    """
    from whoosh import query as wq

    from kscorpus.index.hanchars import fold, use_convertible
    from kscorpus.query.chars import with_chars
    from kscorpus.query.ranking import match_ids, rank, term_ids

    if limit < 1:
        raise QueryError(f"--limit must be at least 1, got {limit}")
    ix = handle.passages if passages else handle.articles
    with phase(timings, "parse"):
        use_convertible(handle.convertible())
        normalized, words = parse(q, ix.schema, handle.convertible())
        strings = _strings(normalized, ix.schema)
        parsed = with_chars(words, fold, strings)  # Han strings found by their characters too
        # the passages index has no character fields: passages are ranked by their words, and
        # those of articles found by characters alone are added after them (``_char_passages``)
        query = words if passages else parsed
        # with --cross, the query's words or their translations (``alike``: what passages are
        # ranked by), NOT holding for the translations too
        alike = words
        translated = _cross(handle, normalized, words) if cross else None
        if translated is not None:
            excluded = _negatives(words)
            query, parsed, alike = (
                _or_translated(x, translated, excluded) for x in (query, parsed, words)
            )
    with phase(timings, "search"):
        filters = replace(filters or Filters(), lang=lang) if lang else filters
        flt = None
        if filters is not None and filters.active():
            admitted = filters.ids(handle.articles_meta())
            if not admitted:  # no article passes: nothing can match
                return Results(q, normalized, str(parsed), "passage" if passages else "article", 0)
            flt = wq.Or([wq.Term("id", i) for i in admitted])
        s = handle.searcher("passages" if passages else "articles")
        key = _tiebreak(s, passages)
        if translated is not None and flt is not None and not facets:  # groups rank here only
            only = {d for i in admitted for d in term_ids(s, "id", i)}
            ranked = rank(s, query, limit, only=only, tiebreak=key)
        else:
            ranked = None if flt or facets else rank(s, query, limit, tiebreak=key)
        matched: set[str] = set()
        if ranked is not None:
            top, total = ranked
            found: list[Any] = [_Found(s.stored_fields(d), score) for d, score in top]
        else:
            results, found = _whoosh_ranked(s, query, limit, key, flt, facets)
            ids = None if flt or facets else match_ids(s, query)
            total = len(results) if ids is None else len(ids)
            matched = set(results.groups("id")) if facets else set()
        # Whoosh's ``simplify`` (wildcards expanded) fails on the characters' AndMaybe nodes
        widened = with_chars(_expanded(words, s.reader()), fold, strings)
        terms = _positive_terms(widened)
        if translated is not None:
            terms |= _positive_terms(translated)
        if passages:
            extra, more, holding = _char_passages(
                handle, alike, widened, flt, max(0, limit - len(found))
            )
            found += extra
            total += more
            matched |= holding
            chosen = [(f["pno"], f["text"], f["start"]) for f in found]
        else:
            best = _best_passages(handle, alike, [f["id"] for f in found])
            chosen = [best.get(f["id"]) or _fallback_passage(handle, f["id"], terms) for f in found]
    with phase(timings, "highlight"):
        hits = [
            _hit(i, f, f.score, passage, terms, width)
            for i, (f, passage) in enumerate(zip(found, chosen), 1)
        ]
    with phase(timings if cross or facets or original or parallel else None, "more"):
        if cross and not passages:
            direct = _direct_ids(handle, query)
            hits, total = _add_via_alignment(
                handle, words, hits, total, limit, filters, terms, width, direct
            )
        counts = None
        if facets:
            matched |= {h.id for h in hits}
            counts = facet_counts(a for a in handle.articles_meta() if a["id"] in matched)
        if original:
            hits = [_with_original(handle, h) for h in hits]
        if parallel:
            hits = _with_parallel(handle, hits)
    return Results(
        q,
        normalized,
        str(parsed),
        "passage" if passages else "article",
        total,
        hits,
        tuple(sorted(terms)),
        counts,
    )


Passage = tuple[int | None, str, int]  # number, text, start in the cleaned article


def _tiebreak(s: Any, passages: bool) -> Callable[[int], Any]:
    """What orders hits of equal score, by document number: the article id (then the document
    number, which orders an article's passages), read from the id column, so the order does
    not depend on how the index was built and no stored fields are read."""
    column: list[Any] = []  # read on the first tie (an empty index has no column)

    def article_id(docnum: int) -> Any:
        if not column:
            column.append(s.reader().column_reader("id"))
        return column[0][docnum]

    if passages:
        return lambda docnum: (article_id(docnum), docnum)
    return article_id


def _whoosh_ranked(
    s: Any, q: Any, limit: int, key: Callable[[int], Any], flt: Any, facets: bool
) -> tuple[Any, list[Any]]:
    """Whoosh's search results and its top ``limit`` hits, equal scores ordered by ``key``:
    more hits are asked for until the last one scores below the ``limit``-th (Whoosh breaks
    ties by document number)."""
    n = limit + 1
    while True:
        results = s.search(q, limit=n, filter=flt, groupedby="id" if facets else None)
        # islice: list() would ask len() first, and Whoosh counts by running the query
        # again; grouping makes Whoosh return every hit, so take the first ``n``
        hits = list(islice(results, n))
        if len(hits) < n or hits[-1].score < hits[limit - 1].score:
            break
        n *= 2
    hits.sort(key=lambda h: (-h.score, key(h.docnum)))
    return results, hits[:limit]


class _Found(dict):  # type: ignore[type-arg]
    """A ranked document's stored fields and score, read like Whoosh's ``Hit``."""

    __slots__ = ("score",)

    def __init__(self, fields: dict[str, Any], score: float) -> None:
        super().__init__(fields)
        self.score = score


def _hit(
    rank: int,
    f: Any,
    score: float,
    passage: Passage,
    terms: set[str],
    width: int,
) -> Hit:
    pno, ptext, pstart = passage
    snip = snippet(ptext, match_spans(ptext, terms), width, pstart)
    return Hit(
        rank, f["id"], f["lang"], f["script"], f["title"], f.get("date", ""), score, pno, snip
    )


def _cross(handle: IndexHandle, normalized: str, words: Any) -> Any:
    """The query's words translated (``query/cross.py``): each word's translations one group,
    scored as one term; None when no word has any."""
    from kscorpus.query.cross import query, translate

    negative = frozenset(t for n in _negatives(words) for _, t in n.all_terms())
    return query(translate(handle, normalized, negative))


def _or_translated(q: Any, translated: Any, excluded: list[Any]) -> Any:
    """``q`` or its translation, but none of ``excluded`` (the parts under NOT)."""
    from whoosh import query as wq

    both = wq.Or([q, translated])
    return wq.AndNot(both, wq.Or(excluded)) if excluded else both


def _negatives(q: Any) -> list[Any]:
    """The parts of a query under NOT (``a NOT b``: ``b``)."""
    from whoosh import query as wq

    if isinstance(q, wq.Not):
        return [q.query]
    if isinstance(q, wq.AndNot):
        return [*_negatives(q.a), q.b]
    return [n for child in q.children() for n in _negatives(child)]


def _direct_ids(handle: IndexHandle, q: Any) -> Callable[[], set[str]]:
    """The ids of the articles ``q`` matches by their own text, found when first asked."""
    from functools import cache

    from kscorpus.query.ranking import match_ids

    @cache
    def ids() -> set[str]:
        s = handle.searcher("articles")
        docs = match_ids(s, q)
        if docs is None:
            docs = set(s.search(q, limit=None).docs())
        column = s.reader().column_reader("id")
        return {column[d] for d in docs}

    return ids


def _add_via_alignment(
    handle: IndexHandle,
    parsed: Any,
    hits: list[Hit],
    total: int,
    limit: int,
    filters: Filters | None,
    terms: set[str],
    width: int,
    direct: Callable[[], set[str]],
) -> tuple[list[Hit], int]:
    """Articles whose translation's aligned segment matches, though their own text did not
    (``direct()``: the articles it matches, asked only if a segment matches): the matching
    segment's passage on their side becomes the snippet."""
    from whoosh.qparser import MultifieldParser

    found = {h.id for h in hits}
    parser = MultifieldParser(["zh", "en"], handle.aligned.schema)
    q = parser.parse(str(parsed).replace("title:", "").replace("text:", ""))
    extra: list[Hit] = []
    s = handle.searcher("aligned")
    for f in s.search(q, limit=None):
        for side in ("zh", "en"):
            aid, pnos = f[f"{side}_id"], f[f"{side}_pnos"]
            if aid in found or not pnos or aid in direct():
                continue
            doc = handle.document(aid)
            if doc is None or (filters and not filters.admits(doc.article.to_json())):
                continue
            found.add(aid)
            pstart = doc.paragraphs[pnos[0]][0]
            ptext = doc.paragraph_text(pnos[0])
            snip = snippet(ptext, match_spans(ptext, terms), width, pstart)
            a = doc.article
            extra.append(
                Hit(
                    0,
                    aid,
                    a.lang,
                    a.script,
                    a.title,
                    a.date,
                    f.score / 2,
                    pnos[0],
                    snip,
                    via="alignment",
                )
            )
    merged = sorted(hits + extra, key=lambda h: -h.score)[:limit]
    return [replace(h, rank=i) for i, h in enumerate(merged, 1)], total + len(extra)


def _with_parallel(handle: IndexHandle, hits: list[Hit]) -> list[Hit]:
    from kscorpus.bilingual.counterparts import aligned_passage

    out = []
    for h in hits:
        par = aligned_passage(handle, h.id, h.lang, h.passage) if h.passage is not None else None
        out.append(replace(h, parallel=par) if par else h)
    return out


def _with_original(handle: IndexHandle, hit: Hit) -> Hit:
    doc = handle.document(hit.id)
    if doc is None:
        return hit
    return replace(hit, original=in_original(hit.snippet, doc.offsets, doc.original))


def _best_passages(handle: IndexHandle, parsed: Any, ids: list[str]) -> dict[str, Passage]:
    """The best-ranked matching passage of each hit article (ties: the first, as Whoosh
    ranks them). Only the hits' passages are scored: ``ranking.rank`` among them, for the
    queries it ranks (blocks of a posting list holding none of them stay undecoded); else
    Whoosh's search for the query required together with the hits' ids."""
    from whoosh import query as wq

    from kscorpus.query.ranking import rank, term_ids

    if not ids:
        return {}
    best: dict[str, Passage] = {}
    s = handle.searcher("passages")
    article = {d: i for i in ids for d in term_ids(s, "id", i)}  # passage → its article
    ranked = rank(s, parsed, len(article), only=set(article))
    if ranked is None:
        hits = wq.Or([wq.Term("id", i) for i in ids])
        found = ((f["id"], f) for f in s.search(wq.Require(parsed, hits), limit=None))
    else:
        first = {}  # article → its best passage's document number
        for d, _ in ranked[0]:
            first.setdefault(article[d], d)
        found = ((i, s.stored_fields(d)) for i, d in first.items())
    for aid, f in found:
        best.setdefault(aid, (f["pno"], f["text"], f["start"]))
    return best


def _char_passages(
    handle: IndexHandle, words: Any, widened: Any, flt: Any, shown: int
) -> tuple[list[_Found], int, set[str]]:
    """The passages of articles that the query matches (by characters) but none of whose
    passages it matches by words: each paragraph holding one of the query's Han strings, in
    the order of their articles' scores, after every passage found by its words (characters
    rank below words). The first ``shown`` are read from the stored articles; the others are
    counted from the strings' character offsets and where the paragraphs start
    (``index.paragraphs``). Returns those read, how many there are, and their articles' ids."""
    from kscorpus.index import paragraphs
    from kscorpus.query.ranking import rank, string_starts

    ps = handle.searcher("passages")
    column = ps.reader().column_reader("id") if ps.doc_count_all() else []
    by_words = {column[d] for d in _matching(ps, words, None)}
    s = handle.searcher("articles")
    reader = s.reader()
    ids = reader.column_reader("id") if s.doc_count_all() else []
    only = {d for d in _matching(s, widened, flt) if ids[d] not in by_words}
    offsets: dict[int, set[int]] = {}
    for han in _positive_terms(widened, CHAR_FIELDS) if only else ():
        for d, starts in string_starts(s, "text_chars", han, only).items():
            offsets.setdefault(d, set()).update(starts)
    if not offsets:
        return [], 0, set()
    ranked = rank(s, widened, len(only), only=only, tiebreak=_tiebreak(s, False))
    order = ranked[0] if ranked is not None else [(d, 0.0) for d in sorted(only)]
    starts_of = reader.column_reader(paragraphs.FIELD)
    out: list[_Found] = []
    count, holding = 0, set()
    for d, score in order:
        pnos = paragraphs.holding(paragraphs.decode(starts_of[d]), offsets.get(d, ()))
        if not pnos:  # the string is in the title only
            continue
        count += len(pnos)
        holding.add(ids[d])
        if len(out) < shown:
            fields = s.stored_fields(d)
            doc = handle.document(fields["id"])
            for pno in pnos[: shown - len(out)] if doc else ():
                text, start = doc.paragraph_text(pno), doc.paragraphs[pno][0]  # type: ignore[union-attr]
                out.append(_Found(fields | {"pno": pno, "text": text, "start": start}, score))
    return out, count, holding


def _matching(s: Any, q: Any, flt: Any) -> set[int]:
    """The documents matching ``q`` and the filter."""
    from kscorpus.query.ranking import match_ids

    ids = match_ids(s, q)
    if ids is None:
        return set(s.search(q, limit=None, filter=flt).docs())
    return ids if flt is None else ids & (match_ids(s, flt) or set())


def _fallback_passage(handle: IndexHandle, article_id: str, terms: set[str]) -> Passage:
    """The article matched as a whole (terms spread over paragraphs, or only its title):
    show the paragraph with the most matching terms, else the first."""
    doc = handle.document(article_id)
    if doc is None or not doc.paragraphs:
        return None, "", 0
    scored = [
        (len({t for *_, t in match_spans(doc.paragraph_text(i), terms)}), -i)
        for i in range(len(doc.paragraphs))
    ]
    _, neg = max(scored)
    return -neg, doc.paragraph_text(-neg), doc.paragraphs[-neg][0]


def _expanded(q: Any, reader: Any) -> Any:
    """``q`` with its wildcards and ranges expanded to the terms the index holds, leaf by leaf:
    Whoosh's own ``simplify`` fails on a binary node it normalizes (``0 ANDNOT 0``)."""
    from whoosh import query as wq

    if isinstance(q, (wq.CompoundQuery, wq.BinaryQuery, wq.Not)):
        return q.apply(lambda sub: _expanded(sub, reader))
    return q.simplify(reader)


def _positive_terms(q: Any, fields: tuple[str, ...] = TEXT_FIELDS + CHAR_FIELDS) -> set[str]:
    """Words the query looks for in ``fields`` (not under NOT), for highlighting."""
    from whoosh import query as wq

    from kscorpus.index.hanchars import joined

    if isinstance(q, wq.Not):
        return set()
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):  # AndMaybe: a Han string, not its words apart
        return _positive_terms(q.a, fields)
    if isinstance(q, wq.Term):
        return {q.text} if q.fieldname in fields else set()
    if isinstance(q, wq.Phrase):
        if q.fieldname in CHAR_FIELDS:  # a Han string's overlapping bigrams
            return {joined(q.words)} if q.fieldname in fields else set()
        if q.fieldname not in fields:
            return set()
        # a Chinese phrase is highlighted as one string, not as its (often one-character) words
        joined = "".join(q.words)
        return {joined} if HAN.fullmatch(joined) else set(q.words)
    out: set[str] = set()
    for child in q.children():
        out |= _positive_terms(child, fields)
    return out
