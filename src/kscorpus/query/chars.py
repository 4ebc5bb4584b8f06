"""A parsed query widened to the character fields: every Han string is found where it occurs.

jieba may cut a query otherwise than the text that holds it (假一赔九 alone is 假一/赔九, inside
如假一赔九 it is 如假/一/赔/九), so each node of the parsed query that stands for one Han string R
in the title and text (the multi-field parser's ``Or([X(title)^2, X(text)])``, X a term, a
phrase or an AND of the words jieba cut R into) also looks for R's characters in
``title_chars`` and ``text_chars`` (``index.hanchars``): one character or one bigram as a term,
a longer string as the phrase of its overlapping bigrams. Character matches are boosted by
``BOOST`` only, so an article holding R as a word ranks above one holding its characters alone.

- a term or a quoted phrase: ``Or([X-pair, chars])``, the words or the characters;
- an AND of words (R typed unquoted, cut into several words): ``AndMaybe(chars, X-pair)``: R
  must be in the text as a string, and the words add their score. An AND would also match the
  words apart, and the count of ``search`` would then disagree with the string's occurrences
  (``kwic``).

A hyphenated English word, which the parser gives as an AND of its parts (e-commerce: e AND
commerc), also matches its parts' terms run together (``analysis.joined_term``: ecommerc), the
term the text's "ecommerce" has; the text's "e-commerce" is indexed with that joined term too.

Every shape keeps ``ranking.rank``'s fast path (nodes of at most two parts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kscorpus.index.analysis import joined_term
from kscorpus.index.hanchars import phrase_terms
from kscorpus.ingest.segment import HAN_RUN

BOOST = 0.25  # of a character match against a word match in the same field
FIELDS = {"title": "title_chars", "text": "text_chars"}


Strings = dict[tuple[str, ...], str]  # a Han run of the query, by the distinct words it cuts into


def query_strings(normalized: str, words: Callable[[str], list[str]]) -> Strings:
    """The Han runs of the query, by their distinct words in order: the parser drops a word
    repeated in an AND (涨粉效率提升及涨粉 is 涨粉 AND 效率 AND 提升 AND 及), so the words do not
    always spell the string."""
    out: Strings = {}
    for run in HAN_RUN.findall(normalized):
        out.setdefault(tuple(dict.fromkeys(words(run))), run)
    return out


def with_chars(q: Any, fold: Callable[[str], str], strings: Strings | None = None) -> Any:
    """``q`` with each Han string's node widened to the character fields (see the module);
    ``strings`` (``query_strings``) says which string an AND of words stands for (without it,
    the words run together)."""
    from whoosh import query as wq

    if type(q) is wq.Or:
        subs = _paired(q.subqueries, fold, strings)
        if len(subs) == 1:
            return subs[0]
        return wq.Or(subs, boost=q.boost)
    if isinstance(q, (wq.Term, wq.Phrase)):
        one = _single(q, fold)
        return q if one is None else one
    if isinstance(q, (wq.CompoundQuery, wq.BinaryQuery, wq.Not)):
        return q.apply(lambda sub: with_chars(sub, fold, strings))
    return q


def _paired(subs: list[Any], fold: Callable[[str], str], strings: Strings | None) -> list[Any]:
    """An OR's parts with each title/text pair of one Han string widened (the parser flattens
    ``a OR b`` into one OR of four parts: pairs are found side by side)."""
    from whoosh import query as wq

    out: list[Any] = []
    i = 0
    while i < len(subs):
        if i + 1 < len(subs):
            joined = _pair_joined(subs[i], subs[i + 1])
            if joined is not None:
                pair = wq.Or([subs[i], subs[i + 1]])
                alt = wq.Or([wq.Term("title", joined, boost=2.0), wq.Term("text", joined)])
                out.append(wq.Or([pair, alt]))
                i += 2
                continue
            got = _pair_string(subs[i], subs[i + 1], strings)
            if got is not None:
                han, kind = got
                pair = wq.Or([subs[i], subs[i + 1]])
                chars = wq.Or(
                    [
                        _chars("title_chars", fold(han), 2.0 * BOOST, _word(subs[i])),
                        _chars("text_chars", fold(han), BOOST, _word(subs[i + 1])),
                    ]
                )
                out.append(wq.AndMaybe(chars, pair) if kind == "and" else wq.Or([pair, chars]))
                i += 2
                continue
        out.append(with_chars(subs[i], fold, strings))
        i += 1
    return out


def _single(q: Any, fold: Callable[[str], str]) -> Any:
    """A term or phrase of one field (``text:假一``): the same with that field's characters."""
    from whoosh import query as wq

    field = FIELDS.get(q.fieldname)
    words = _words(q)
    if field is None or words is None:
        return None
    han = "".join(words)
    if not HAN_RUN.fullmatch(han):
        return None
    boost = q.boost * BOOST
    return wq.Or([q, _chars(field, fold(han), boost, _word(q))])


def _words(x: Any) -> list[str] | None:
    """The words of a term, a phrase (adjacent words) or an AND of terms of one field."""
    from whoosh import query as wq

    if type(x) is wq.Term:
        return [x.text]
    if type(x) is wq.Phrase and x.slop == 1:
        return list(x.words)
    subs = x.subqueries if type(x) is wq.And else []
    if subs and all(type(t) is wq.Term for t in subs) and len({t.fieldname for t in subs}) == 1:
        return [t.text for t in subs]
    return None


def _field(x: Any) -> str | None:
    """The field of a term or phrase, or of an AND's first part (None for anything nested, as
    a glossary phrase with a hyphenated word is under ``--cross``)."""
    first = x.subqueries[0] if getattr(x, "subqueries", None) else x
    return getattr(first, "fieldname", None)


def _pair_string(a: Any, b: Any, strings: Strings | None) -> tuple[str, str] | None:
    """``(R, kind)`` if ``a`` and ``b`` are the parser's title and text nodes of one Han
    string R (kind: "term", "phrase" or "and")."""
    if type(a) is not type(b) or _field(a) != "title" or _field(b) != "text":
        return None
    wa, wb = _words(a), _words(b)
    if wa is None or wa != wb:
        return None
    kind = type(a).__name__.lower()
    han = "".join(wa)
    if kind == "and" and strings is not None:
        han = strings.get(tuple(wa), "")  # words of no one Han run (假一赔九，退款): none
    if not HAN_RUN.fullmatch(han):
        return None
    return han, kind


def _pair_joined(a: Any, b: Any) -> str | None:
    """The joined term of a hyphenated English word, if ``a`` and ``b`` are the parser's title
    and text ANDs of its parts."""
    from whoosh import query as wq

    if type(a) is not wq.And or type(b) is not wq.And:
        return None
    if _field(a) != "title" or _field(b) != "text":
        return None
    wa = _words(a)
    return joined_term(wa) if wa is not None and wa == _words(b) else None


def _word(x: Any) -> tuple[str, str] | None:
    """A term's ``(field, text)``: the word whose documents hold its string (a phrase of words
    does not: the words of "大搞 信任电商" may stand on either side of a comma)."""
    from whoosh import query as wq

    return (x.fieldname, x.text) if type(x) is wq.Term else None


def _chars(field: str, han: str, boost: float, word: tuple[str, str] | None = None) -> Any:
    """The character field's node for the Han string ``han``; ``word`` (a term of the word
    field) holds it wherever it matches (``ranking.CharPhrase``)."""
    from whoosh import query as wq

    from kscorpus.query.ranking import CharPhrase

    terms = phrase_terms(han)
    if len(terms) == 1:
        return wq.Term(field, terms[0], boost=boost)
    return CharPhrase(field, terms, word=word, boost=boost)
