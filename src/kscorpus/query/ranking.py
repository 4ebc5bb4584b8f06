"""Posting lists read a block at a time: the count and the top hits of a query.

Whoosh ranks through a tree of matchers that step document by document (with block skipping),
and counts the matches by running the query a second time. Here each posting list is read
whole and parsed a block at a time instead (Whoosh's own on-disk blocks, with a segment's
deletions filtered); ``only`` restricts a ranking to some documents, skipping the blocks that
hold none of them.

``match_ids`` gives the documents matching terms and phrases under AND/OR. ``rank`` also
scores them, for terms and phrases under AND/OR nodes of at most two parts (a word in the title
or the text, two words, a hyphenated English word, a phrase; ``AndMaybe``: a Chinese string
matched by its characters, its words' score added): each matching document is scored
with the scorer Whoosh would use and the parts are added where Whoosh's matchers add them (a
phrase's words in Whoosh's binary tree; a sum of two does not depend on the order of its
operands), so the scores are Whoosh's to the last bit, and the count comes with them. Ties
rank by document number, as in Whoosh's collector. Other queries (three or more parts, NOT,
wildcards) return None and take Whoosh's path.

``Group`` is the node of a cross-language query (``query/cross.py``): a source word's
translations scored as one term (Pirkola's structured query, weighted as Darwish and Oard's
probabilistic structured queries): in each document the group's term frequency is the sum of its
members' (each times its weight), its document frequency that of the union of their documents,
and BM25 scores that one pseudo-term. A word with twelve translations then weighs what a word
with one does. An OR holding groups may have any number of parts (added in Whoosh's binary
tree order); Whoosh's own path, where one is needed (facets), scores a group as a plain OR.
"""

from __future__ import annotations

import heapq
import pickle
import struct
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate, compress, pairwise
from operator import add
from typing import Any

from whoosh.formats import Positions
from whoosh.query import Or, Phrase

from kscorpus.index.hanchars import CharPositions
from kscorpus.index.whoosh_fast import posting_blocks, segment_docs
from kscorpus.query.scoring import _Scorer, group_scorer

_INT = struct.Struct("!i")  # a block's size, as Whoosh packs it

Scores = dict[int, float]
Only = Sequence[int] | None  # sorted document numbers of a segment: the only ones wanted


def rank(
    s: Any,
    q: Any,
    limit: int,
    only: set[int] | None = None,
    tiebreak: Callable[[int], Any] | None = None,
) -> tuple[list[tuple[int, float]], int] | None:
    """The top ``limit`` ``(docnum, score)`` of ``q`` by score, and how many documents match;
    None if ``q`` is not a simple query. With ``only``, among those documents alone: blocks of
    a posting list that hold none of them are not decoded. Equal scores rank by
    ``tiebreak(docnum)`` (an article's id: the same order however the index was built), else
    by document number."""
    if not _simple(q):
        return None
    best: list[tuple[int, float]] = []
    total = 0
    for sub, offset in s.leaf_searchers():
        local = None
        if only is not None:
            end = offset + sub.reader().doc_count_all()
            local = sorted(d - offset for d in only if offset <= d < end)
            if not local:
                continue
        part = _scores(sub, q, s.weighting, local)
        if part is None:
            return None
        if local is not None:  # blocks bring other documents, some with part of their score
            part = {d: part[d] for d in local if d in part}
        total += len(part)
        # a segment's best in its own numbers: adding the offset keeps their order
        best.extend((d + offset, v) for d, v in _top(part, limit))
    top = _top(dict(best), limit)
    if tiebreak is not None and len({v for _, v in top}) < len(top):  # only if scores tie
        top.sort(key=lambda kv: (-kv[1], tiebreak(kv[0])))
    return top[:limit], total


def _top(scores: Scores, limit: int) -> list[tuple[int, float]]:
    """The documents scoring at least the ``limit``-th best score (so every one tied with it),
    best first, ties by document number: ``heapq.nlargest`` without a key function called for
    each of tens of thousands of documents (the cut is found among bare floats, and only the
    documents at or above it, picked in C, are sorted)."""
    items: Any = scores.items()
    if len(scores) > limit:
        cut = heapq.nlargest(limit, scores.values())[-1]
        items = compress(items, map(cut.__le__, scores.values()))
    return sorted(items, key=lambda kv: (-kv[1], kv[0]))


class Group(Or):  # type: ignore[misc]
    """A source word's translations in one field, scored as one term (see the module). It is
    an ``Or`` of its members (a term, or a phrase of several words, each boosted by its
    weight), so Whoosh's tree walks (``simplify``, the highlighted terms, ``str``) see them."""


class CharPhrase(Phrase):  # type: ignore[misc]
    """A Han string's bigrams as a phrase of a character field (``query/chars.py``), matched
    and scored as Whoosh's ``Phrase``. ``word`` is a term ``(field, text)`` of the word field
    whose documents hold the string for certain: a Han word is indexed where its characters
    stand in the same text the character field folds, and the query folds the word the same
    way. Those documents need no positions decoded (most of a common string's documents)."""

    def __init__(
        self,
        fieldname: str,
        words: list[str],
        word: tuple[str, str] | None = None,
        boost: float = 1.0,
    ) -> None:
        super().__init__(fieldname, words, boost=boost)
        self.word = word


def group(
    fieldname: str, members: Sequence[tuple[tuple[str, ...], float]], boost: float = 1.0
) -> Group:
    """A ``Group`` of ``(words, weight)`` members in ``fieldname``."""
    from whoosh import query as wq

    subs = [
        wq.Term(fieldname, ws[0], boost=w)
        if len(ws) == 1
        else wq.Phrase(fieldname, list(ws), boost=w)
        for ws, w in members
    ]
    return Group(subs, boost=boost)


def _has_group(q: Any) -> bool:
    return isinstance(q, Group) or any(_has_group(c) for c in getattr(q, "subqueries", ()))


def _simple(q: Any, cross: bool | None = None) -> bool:
    """Whether ``rank`` scores ``q`` itself. A query holding a group (``cross``) is Whoosh's
    to no one (Whoosh would score a group as a plain OR): its ANDs and ORs may then have any
    number of parts, added in Whoosh's binary tree order, and ``a ANDNOT b`` is ``a``'s
    documents without ``b``'s."""
    from whoosh import query as wq

    if cross is None:
        cross = _has_group(q)
    if isinstance(q, Group):
        return all(type(m) in (wq.Term, wq.Phrase) for m in q.subqueries)
    if type(q) is wq.Term:
        return not q.minquality
    if type(q) in (wq.Phrase, CharPhrase):
        return q.slop == 1 and len(q.words) >= 2
    if type(q) is wq.AndMaybe:  # the first part's documents, the second's score added
        return q.boost == 1.0 and _simple(q.a, cross) and _simple(q.b, cross)
    if type(q) is wq.AndNot:
        return cross and q.boost == 1.0 and _simple(q.a, cross) and _simple(q.b, cross)
    if type(q) in (wq.And, wq.Or):
        return (
            (len(q.subqueries) <= 2 or cross)
            and not getattr(q, "scale", None)
            and all(_simple(x, cross) for x in q.subqueries)
        )
    return False


def _scores(sub: Any, q: Any, weighting: Any, only: Only = None) -> Scores | None:
    """Each matching document of one segment with its score, as Whoosh's matcher tree for
    ``q`` scores it (``CompoundQuery.matcher``, ``UnionMatcher``, ``IntersectionMatcher``,
    ``WrappingMatcher``). With ``only``, every document of it is scored, and others may be."""
    from whoosh import query as wq

    if type(q) is wq.Term:
        return _term_scores(sub, q, weighting, only)
    if type(q) in (wq.Phrase, CharPhrase):
        return _phrase_scores(sub, q, weighting, only)
    if isinstance(q, Group):
        return _group_scores(sub, q, weighting, only)
    if type(q) is wq.AndNot:
        kept = _scores(sub, q.a, weighting, only)
        if kept is None:
            return None
        excluded = match_ids(sub, q.b)
        if excluded is None:
            return None
        return {d: v for d, v in kept.items() if d not in excluded}
    subs = q.subqueries
    if type(q) is wq.AndMaybe:  # ``AndMaybeMatcher``: a's score, plus b's where b matches
        a, b = (_scores(sub, x, weighting, only) for x in subs)
        if a is None or b is None:
            return None
        return {d: v + b[d] if d in b else v for d, v in a.items()}
    if not subs:
        return {}
    if len(subs) == 1:  # Whoosh uses the part's matcher as it is, without this node's boost
        return _scores(sub, subs[0], weighting, only)
    if len(subs) > 2:  # in a query holding groups: Whoosh's binary tree (``make_binary_tree``)
        half = len(subs) // 2
        subs = [type(q)(subs[:half]), type(q)(subs[half:])]
    a, b = (_scores(sub, x, weighting, only) for x in subs)
    if a is None or b is None:
        return None
    if type(q) is wq.Or:  # the smaller added into the larger (its own dict, made for this)
        out, b = (a, b) if len(a) >= len(b) else (b, a)
        for d, v in b.items():
            out[d] = out[d] + v if d in out else v
    else:
        if len(b) < len(a):
            a, b = b, a
        out = {d: v + b[d] for d, v in a.items() if d in b}
    if q.boost != 1.0:
        out = {d: v * q.boost for d, v in out.items()}
    return out


def _group_scores(sub: Any, q: Any, weighting: Any, only: Only = None) -> Scores | None:
    """A group's BM25 in one segment: the weighted sum of its members' term frequencies, with
    the document frequency of their union over the whole index (live documents)."""
    from whoosh import query as wq

    members = q.subqueries
    if not members:
        return {}
    field = members[0].fieldname
    if field not in sub.schema:
        return {}
    tf: dict[int, float] = {}
    for m in members:
        counts = _term_tf(sub, m, only) if type(m) is wq.Term else _phrase_tf(sub, m, only)
        for d, n in counts.items():
            tf[d] = tf.get(d, 0.0) + n * m.boost
    if not tf:
        return {}
    parent = sub.get_parent() if hasattr(sub, "get_parent") else sub
    df = q.__dict__.setdefault("_df", {}).get(id(parent))  # once, not once per segment
    if df is None:
        df = q._df[id(parent)] = len(match_ids(parent, wq.Or(list(members))) or ())
    scorer = group_scorer(sub, weighting, field, df)
    if scorer is None:
        return None
    ids = sorted(tf)
    out = dict(zip(ids, scorer.block_scores(ids, [tf[d] for d in ids])))
    if q.boost != 1.0:
        out = {d: v * q.boost for d, v in out.items()}
    return out


def _term_tf(sub: Any, q: Any, only: Only) -> dict[int, float]:
    """A term's frequency in each document of one segment that holds it."""
    try:
        tbytes = sub.schema[q.fieldname].to_bytes(q.text)
    except ValueError:
        return {}
    if (q.fieldname, tbytes) not in sub.reader():
        return {}
    out: dict[int, float] = {}
    for ids, weights in posting_blocks(sub.postings(q.fieldname, tbytes), "weights", only):
        if isinstance(weights, (list, tuple, array)):
            out.update(zip(ids, weights))
        else:
            out.update(dict.fromkeys(ids, 1.0 if weights is None else weights))
    return out


def _phrase_tf(sub: Any, q: Any, only: Only) -> dict[int, float]:
    """How often a phrase occurs in each document of one segment that holds it."""
    counts = _phrase_docs(sub.reader(), q.fieldname, q.words, only, counts=True)
    return {d: float(n) for d, n in counts.items()}


def _phrase_scores(sub: Any, q: Any, weighting: Any, only: Only = None) -> Scores | None:
    """Whoosh scores a phrase as the intersection of its words (``SpanNear2``): the words'
    scores added in a balanced binary tree (``make_binary_tree``), for the documents where the
    words follow each other. Each word's posting list is read once (``_phrase_postings``) and
    scored only where the phrase is."""
    if q.fieldname not in sub.schema:
        return {}
    field = sub.schema[q.fieldname]
    if not field.format or not field.format.supports("positions"):
        return None  # Whoosh's error
    reader = sub.reader()
    found = _phrase_postings(reader, q.fieldname, q.words, only, known=_implied(reader, q))
    if found is None:
        return {}
    docs = sorted(found[0])  # among ``only``, if given
    weights = found[1]
    if not docs:
        return {}
    parts = []
    for w, ws in zip(q.words, weights):
        m = sub.postings(q.fieldname, field.to_bytes(w), weighting=weighting)
        scorer = getattr(getattr(m, "child", m), "scorer", None)  # a deletions filter's child
        if type(scorer) is not _Scorer:
            return None
        parts.append(scorer.block_scores(docs, [ws[d] for d in docs]))
    sums = _tree_sums(parts)
    if q.boost != 1.0:
        sums = [v * q.boost for v in sums]
    return dict(zip(docs, sums))


def _tree_sums(parts: list[list[float]]) -> list[float]:
    """Each document's scores of the parts added as Whoosh's binary tree adds them (the first
    half's sum plus the second's), all documents at once."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return list(map(add, _tree_sums(parts[:half]), _tree_sums(parts[half:])))


def _term_scores(sub: Any, q: Any, weighting: Any, only: Only = None) -> Scores | None:
    if q.fieldname not in sub.schema:
        return {}
    try:
        tbytes = sub.schema[q.fieldname].to_bytes(q.text)
    except ValueError:
        return {}
    if (q.fieldname, tbytes) not in sub.reader():
        return {}
    m = sub.postings(q.fieldname, tbytes, weighting=weighting)
    scorer = getattr(getattr(m, "child", m), "scorer", None)  # a deletions filter's child
    if type(scorer) is not _Scorer:
        return None
    out: Scores = {}
    for ids, weights in posting_blocks(m, "weights", only):
        out.update(zip(ids, scorer.block_scores(ids, weights)))
    if q.boost != 1.0:
        out = {d: v * q.boost for d, v in out.items()}
    return out


def match_ids(s: Any, q: Any) -> set[int] | None:
    """The documents matching a query of terms under AND/OR, from their posting lists; None for
    other queries. Whoosh counts matches by running the whole query again, a large part of a
    search on a large corpus; sets of ids are much cheaper."""
    from whoosh import query as wq

    if type(q) is wq.Term:
        return term_ids(s, q.fieldname, q.text)
    if isinstance(q, wq.Term):  # a fuzzy term or another expanding kind
        return set(q.matcher(s).all_ids())
    if type(q) in (wq.Phrase, CharPhrase) and q.slop == 1 and q.words:
        return _phrase_ids(s, q)
    if type(q) is wq.AndMaybe:
        return match_ids(s, q.a)
    if (type(q) in (wq.Or, wq.And) or isinstance(q, Group)) and q.subqueries:
        parts = [match_ids(s, sub) for sub in q.subqueries]
        if any(p is None for p in parts):
            return None
        return set.union(*parts) if isinstance(q, wq.Or) else set.intersection(*parts)  # type: ignore[arg-type]
    if type(q) is wq.AndNot:
        a, b = match_ids(s, q.a), match_ids(s, q.b)
        return None if a is None or b is None else a - b
    return None


def term_ids(s: Any, fieldname: str, text: str) -> set[int]:
    """The documents holding a term, read a block of ids at a time from each segment (Whoosh's
    matchers yield them one by one, a large part of a search on a large corpus)."""
    if fieldname not in s.schema:
        return set()
    try:
        tbytes = s.schema[fieldname].to_bytes(text)
    except ValueError:
        return set()
    out: set[int] = set()
    for leaf, offset in s.reader().leaf_readers():
        if (fieldname, tbytes) in leaf:
            for ids, _ in posting_blocks(leaf.postings(fieldname, tbytes)):
                out.update(ids if offset == 0 else (offset + d for d in ids))
    return out


def _phrase_ids(s: Any, q: Any) -> set[int]:
    """The documents where a phrase's words occur at consecutive positions, as Whoosh's
    ``Phrase`` matches them."""
    out: set[int] = set()
    for leaf, offset in s.reader().leaf_readers():
        found = _phrase_postings(leaf, q.fieldname, q.words, known=_implied(leaf, q))
        if found is not None:
            out.update(d + offset for d in found[0])
    return out


def string_starts(
    s: Any, fieldname: str, han: str, docs: set[int] | None = None
) -> dict[int, set[int]]:
    """Where the Han string ``han`` (folded) starts in a character field of each document
    (searcher-wide numbers; only ``docs``, if given) that holds it: character offsets, from
    the positions of its characters or bigrams."""
    from kscorpus.index.hanchars import phrase_terms

    out: dict[int, set[int]] = {}
    reader = s.reader()
    segments: Iterable[tuple[Any, int, list[int] | None]] = (
        ((leaf, offset, None) for leaf, offset in reader.leaf_readers())
        if docs is None
        else segment_docs(reader, docs)
    )
    for leaf, offset, local in segments:
        found = _phrase_postings(leaf, fieldname, phrase_terms(han), local)
        if found is not None:
            out.update((d + offset, v or set()) for d, v in found[0].items())
    return out


def _implied(leaf: Any, q: Any) -> set[int] | None:
    """The documents of one segment holding a ``CharPhrase``'s word (``None`` for any other
    phrase): they hold its string."""
    word = q.word if type(q) is CharPhrase else None
    if word is None or word[0] not in leaf.schema:
        return None
    try:
        tbytes = leaf.schema[word[0]].to_bytes(word[1])
    except ValueError:
        return None
    if (word[0], tbytes) not in leaf:
        return set()
    return {d for ids, _ in posting_blocks(leaf.postings(word[0], tbytes)) for d in ids}


def _phrase_docs(
    leaf: Any, fieldname: str, words: list[str], only: Only = None, counts: bool = False
) -> Any:
    """``_phrase_ids`` in one segment (with ``counts``, ``{doc: occurrences}`` instead of a
    set)."""
    found = _phrase_postings(leaf, fieldname, words, only)
    if found is None:
        return {} if counts else set()
    starts, _ = found
    return {d: len(v) for d, v in starts.items()} if counts else set(starts)


Postings = dict[int, tuple[float, bytes]]  # a posting list: document → (weight, value)


def _phrase_postings(
    leaf: Any,
    fieldname: str,
    words: list[str],
    only: Only = None,
    known: set[int] | None = None,
) -> tuple[dict[int, set[int] | None], list[dict[int, float]]] | None:
    """The documents of one segment where ``words`` occur at consecutive positions (as
    Whoosh's ``Phrase`` matches them), each with the positions where the phrase starts
    (None where ``known``), and each word's weight in those documents; None if a word is
    not in the segment.

    The rarest word's posting list is read first and whole; each other word's is read for the
    documents still in the running only (blocks holding none of them are not decoded), and
    positions are decoded only for documents holding every word (Whoosh's span matchers are
    much slower) and not ``known`` to hold the phrase."""
    if fieldname not in leaf.schema:
        return None
    field = leaf.schema[fieldname]
    try:
        tbytes = [field.to_bytes(w) for w in words]
    except ValueError:
        return None
    if any((fieldname, t) not in leaf for t in tbytes):
        return None
    order = sorted(range(len(words)), key=lambda k: leaf.doc_frequency(fieldname, tbytes[k]))
    lists: list[Postings] = [{} for _ in words]
    wanted = only
    for k in order:
        lists[k] = got = _postings_by_id(leaf.postings(fieldname, tbytes[k]), wanted)
        wanted = sorted(got if wanted is None else set(wanted).intersection(got))
        if not wanted:
            return None
    decode = _position_decoder(field.format)
    found: dict[int, set[int] | None] = {}
    if known:
        found = dict.fromkeys(known.intersection(wanted or ()))
    checked = _checked(field.format, words)
    for doc in wanted or ():
        if doc in found:
            continue
        starts = set(decode(lists[0][doc][1]))
        for k in checked:
            starts &= {p - k for p in decode(lists[k][doc][1])}
            if not starts:
                break
        if starts:
            found[doc] = starts
    weights = [{d: postings[d][0] for d in found} for postings in lists]
    return found, weights


def _checked(fmt: Any, words: list[str]) -> list[int]:
    """The words after the first whose positions decide a phrase: all of them, but for a Han
    string's overlapping bigrams in a character field (positions are character offsets) every
    other one and the last: bigrams at p and p + 2 are characters p to p + 3 of one Han run,
    so the bigram at p + 1 is there too."""
    n = len(words)
    chained = all(len(w) == 2 for w in words) and all(a[1] == b[0] for a, b in pairwise(words))
    if isinstance(fmt, CharPositions) and chained:
        return sorted({*range(2, n, 2), n - 1})
    return list(range(1, n))


def _position_decoder(fmt: Any) -> Callable[[bytes], list[int]]:
    """``fmt.decode_positions``, each distinct value decoded once (most values recur: a word's
    one position, say 3); Whoosh's own ``Positions`` (a count, then the pickled gaps between
    positions) decoded directly."""
    own = type(fmt).decode_positions is Positions.decode_positions
    decoded: dict[bytes, list[int]] = {}

    def decode(value: bytes) -> list[int]:
        got = decoded.get(value)
        if got is None:
            if own:
                gaps = pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")
                got = decoded[value] = list(accumulate(gaps))
            else:
                got = decoded[value] = fmt.decode_positions(value)
        return got

    return decode


def _postings_by_id(m: Any, only: Only = None) -> Postings:
    """A posting list as ``{docnum: (weight, encoded value)}`` (with ``only``: at least of
    those)."""
    out: Postings = {}
    for ids, (weights, values) in posting_blocks(m, "postings", only):
        if not isinstance(weights, (list, tuple, array)):
            weights = [1.0 if weights is None else weights] * len(ids)
        out.update(zip(ids, zip(weights, values)))
    return out
