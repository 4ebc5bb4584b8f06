"""Top hits of a simple query in one pass over its posting lists, a block at a time.

Whoosh ranks through a tree of matchers that step document by document (with block skipping),
and a search then counts the matches in a second pass over the same posting lists. For a
query of terms under AND/OR nodes of at most two parts (a word in the title or the text, two
words, a hyphenated English word), each posting list is read a block at a time instead, every
matching document is scored with the scorer Whoosh would use, and the parts are added where
Whoosh's matchers add them: a sum of two does not depend on the order of its operands, so the
scores are Whoosh's to the last bit, and the count comes with them. Ties rank by document
number, as in Whoosh's collector. Other queries (phrases, three or more parts, NOT, filters)
return None and take Whoosh's path.
"""

from __future__ import annotations

import heapq
from typing import Any

from .scoring import _Scorer

Scores = dict[int, float]


def rank(s: Any, q: Any, limit: int) -> tuple[list[tuple[int, float]], int] | None:
    """The top ``limit`` ``(docnum, score)`` of ``q`` by score, and how many documents match;
    None if ``q`` is not a simple query."""
    if not _simple(q):
        return None
    scores: Scores = {}
    for sub, offset in s.leaf_searchers():
        part = _scores(sub, q, s.weighting)
        if part is None:
            return None
        scores.update(part if offset == 0 else {d + offset: v for d, v in part.items()})
    top = heapq.nlargest(limit, scores.items(), key=lambda kv: (kv[1], -kv[0]))
    return top, len(scores)


def _simple(q: Any) -> bool:
    from whoosh import query as wq

    if type(q) is wq.Term:
        return not q.minquality
    if type(q) in (wq.And, wq.Or):
        return (
            len(q.subqueries) <= 2
            and not getattr(q, "scale", None)
            and all(map(_simple, q.subqueries))
        )
    return False


def _scores(sub: Any, q: Any, weighting: Any) -> Scores | None:
    """Each matching document of one segment with its score, as Whoosh's matcher tree for
    ``q`` scores it (``CompoundQuery.matcher``, ``UnionMatcher``, ``IntersectionMatcher``,
    ``WrappingMatcher``)."""
    from whoosh import query as wq

    if type(q) is wq.Term:
        return _term_scores(sub, q, weighting)
    subs = q.subqueries
    if not subs:
        return {}
    if len(subs) == 1:  # Whoosh uses the part's matcher as it is, without this node's boost
        return _scores(sub, subs[0], weighting)
    a, b = (_scores(sub, x, weighting) for x in subs)
    if a is None or b is None:
        return None
    if type(q) is wq.Or:
        out = dict(a)
        for d, v in b.items():
            out[d] = out[d] + v if d in out else v
    else:
        if len(b) < len(a):
            a, b = b, a
        out = {d: v + b[d] for d, v in a.items() if d in b}
    if q.boost != 1.0:
        out = {d: v * q.boost for d, v in out.items()}
    return out


def _term_scores(sub: Any, q: Any, weighting: Any) -> Scores | None:
    from whoosh.matching.wrappers import FilterMatcher

    if q.fieldname not in sub.schema:
        return {}
    try:
        tbytes = sub.schema[q.fieldname].to_bytes(q.text)
    except ValueError:
        return {}
    if (q.fieldname, tbytes) not in sub.reader():
        return {}
    m = sub.postings(q.fieldname, tbytes, weighting=weighting)
    deleted: set[int] = set()
    if type(m) is FilterMatcher and m._exclude:
        deleted, m = m._ids, m.child
    if not hasattr(m, "_read_weights") or type(m.scorer) is not _Scorer:
        return None
    out: Scores = {}
    block_scores = m.scorer.block_scores
    while m.is_active():
        m._read_ids()
        m._read_weights()
        out.update(zip(m._ids, block_scores(m._ids, m._weights)))
        m._next_block()
    for d in deleted.intersection(out):
        del out[d]
    if q.boost != 1.0:
        out = {d: v * q.boost for d, v in out.items()}
    return out
