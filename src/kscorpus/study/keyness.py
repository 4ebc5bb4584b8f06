"""Keyness: the words that a part of the corpus uses more (or less) than a reference, the rest
of the corpus or another corpus, with log-likelihood for significance and log ratio for effect
size (``study.measures``), counted from the word-sequence store (``index.wordseq``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kscorpus.errors import EXIT_USAGE, KscorpusError
from kscorpus.index import wordfreq, wordseq
from kscorpus.index.wordfreq import count_values
from kscorpus.query.filters import Filters
from kscorpus.study.collocates import WordCounts
from kscorpus.study.forms import shown, surface_forms
from kscorpus.study.measures import keyness_ll, log_ratio, per_million
from kscorpus.study.selection import describe, narrows, select, years
from kscorpus.study.stopwords import is_stop_word

CRITICAL = 3.84  # LL for p < 0.05 with one degree of freedom


@dataclass(frozen=True)
class KeyWord:
    term: str  # as indexed
    text: str  # as shown (an English stem as its commonest word)
    freq: int  # in the part
    ref_freq: int  # in the reference
    per_million: float
    ref_per_million: float
    ll: float
    log_ratio: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Keyness:
    tokens: int  # in the part
    ref_tokens: int
    reference: str  # "rest of the corpus" or the reference corpus's directory
    negative: bool  # words the part uses less than the reference, instead of more
    words: list[KeyWord]
    selection: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "selection": self.selection,
            "reference": self.reference,
            "tokens": self.tokens,
            "ref_tokens": self.ref_tokens,
            "negative": self.negative,
            "words": [w.to_json() for w in self.words],
        }


def _counted(handle: Any, chosen: set[str] | None) -> tuple[Counter[bytes], int]:
    return count_values(v for _, _, v in wordseq.passages(handle, chosen))


def _sides(
    handle: Any, lang: str | None, part: set[str]
) -> tuple[Counter[bytes], int, WordCounts, int, Callable[[], Counter[bytes]]]:
    """The part's counts and the rest's, as ``(part freq, part tokens, rest freq, rest
    tokens, every word of the rest)``: the language's totals come from the per-segment tables
    (``index.wordfreq``), so only the smaller side is counted from its passages and the other
    is the totals less it (sizes judged by the articles' token counts)."""
    total = wordfreq.live(handle, lang)
    sizes = {a["id"]: a["tokens"] for a in handle.articles_meta() if lang in (None, a["lang"])}
    rest_ids = set(sizes) - part
    if sum(sizes[i] for i in part & set(sizes)) <= sum(sizes[i] for i in rest_ids):
        freq, tokens = _counted(handle, part & set(sizes))
        rest = _Less(total, freq)
        return freq, tokens, rest, total.tokens - tokens, rest.counter
    rest_freq, rest_tokens = _counted(handle, rest_ids)
    whole = total.counter()
    whole.subtract(rest_freq)
    freq = +whole  # words of the part only (the rest's own are at 0)
    return freq, total.tokens - rest_tokens, rest_freq, rest_tokens, lambda: rest_freq


@dataclass
class _Less:
    """The totals less a counted side: one word at a time, or all at once."""

    total: wordfreq.Frequencies
    less: Counter[bytes]

    def __getitem__(self, word: bytes) -> int:
        return self.total[word] - self.less.get(word, 0)

    def counter(self) -> Counter[bytes]:
        out = self.total.counter()
        out.subtract(self.less)
        return +out


def keyness(
    handle: Any,
    filters: Filters | None = None,
    ids: list[str] | None = None,
    reference: Any = None,
    reference_name: str = "",
    top: int = 30,
    min_freq: int = 3,
    min_ll: float = CRITICAL,
    negative: bool = False,
    stop_words: bool = False,
) -> Keyness:
    """The ``top`` key words of the part of ``handle``'s corpus chosen by ``filters`` and
    ``ids``, against ``reference`` (another open index) or else the rest of the corpus.

    ``filters.lang`` applies to both sides (the rest of the Chinese articles, not the English
    ones). Words are kept when used at least ``min_freq`` times in the part (in the reference,
    with ``negative``) with LL ≥ ``min_ll`` (3.84: p < 0.05), and ranked by LL.
    """
    lang = filters.lang if filters else None
    part_filters = filters or Filters()
    if reference is None and not narrows(part_filters) and not ids:
        raise KscorpusError(
            "choose the part to study (--since, --until, --event, --publisher, --script or --ids)"
            " or give a corpus to compare with (--reference DIR)",
            EXIT_USAGE,
        )
    span = years(part_filters, ids)
    ref_freq: WordCounts
    if span is not None:  # whole years: the part from the tables
        mine = wordfreq.live(handle, lang, span)
        freq, tokens = mine.counter(), mine.tokens
    if reference is not None:
        theirs = wordfreq.live(reference, lang)
        ref_freq, ref_tokens, ref_all = theirs, theirs.tokens, theirs.counter
        ref_label = reference_name
        if span is None:
            freq, tokens = _counted(handle, select(handle, part_filters, ids))
    else:
        ref_label = "rest of the corpus"
        if span is not None:
            rest = wordfreq.live(handle, lang, lambda year: not span(year))
            ref_freq, ref_tokens, ref_all = rest, rest.tokens, rest.counter
        else:
            part = select(handle, part_filters, ids)
            assert part is not None  # narrower than the language (checked above)
            freq, tokens, ref_freq, ref_tokens, ref_all = _sides(handle, lang, part)
    if not tokens:
        raise KscorpusError("the part chosen holds no words; widen the filters", EXIT_USAGE)
    if not ref_tokens:
        raise KscorpusError("the reference holds no words to compare with", EXIT_USAGE)
    found = []
    for key, f in (ref_all() if negative else freq).items():
        if f < max(min_freq, 1):
            continue
        a, b = freq[key], ref_freq[key]
        more, less = a * ref_tokens, b * tokens  # the part's rate against the reference's
        if more == less or (more < less) != negative:
            continue
        ll = keyness_ll(a, b, tokens, ref_tokens)
        if ll < min_ll:
            continue
        term = key.decode("utf-8")
        if stop_words or not is_stop_word(term):
            found.append((term, a, b, ll, log_ratio(a, tokens, b, ref_tokens)))
    found.sort(key=lambda w: (-w[3], w[0]))
    best = found[:top]
    forms = surface_forms(
        handle if not negative or reference is None else reference, [(w[0],) for w in best]
    )
    words = [
        KeyWord(
            term,
            shown((term,), forms),
            a,
            b,
            round(per_million(a, tokens), 2),
            round(per_million(b, ref_tokens), 2),
            round(ll, 4),
            round(lr, 4),
        )
        for term, a, b, ll, lr in best
    ]
    return Keyness(tokens, ref_tokens, ref_label, negative, words, describe(filters, ids))
