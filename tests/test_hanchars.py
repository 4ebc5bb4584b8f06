"""The character fields' analyzer (``index.hanchars``) against slow oracles: folding equals
OpenCC converting one character at a time, and the bulk postings the fast writer takes equal
what Whoosh's own ``Positions`` format makes from the analyzer's tokens."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Positions

from kscorpus.index.hanchars import CharPositions, HanCharAnalyzer, fold
from kscorpus.ingest.convert import to_simplified

# Traditional and Simplified characters (some convert, some do not), Latin, digits, space,
# punctuation and a line break: runs of Han characters of every length
ALPHABET = "臺灣台湾電商电商著隨意味們们的一信任快手發发 aZ9，。\n"
TEXT = st.text(ALPHABET, max_size=60)


def one_by_one(text: str) -> str:
    """Each character converted alone, kept when OpenCC would change its length."""
    out = []
    for c in text:
        s = to_simplified(c) if "\u3400" <= c <= "\u9fff" else c
        out.append(s if len(s) == 1 else c)
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=5))
def test_fold_converts_one_character_at_a_time(texts: list[str]) -> None:
    """A run of calls, as ingest makes them: what one call learns must not change the next."""
    for text in texts:
        assert fold(text) == one_by_one(text)


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_bulk_postings_equal_whoosh_positions_of_the_tokens(text: str) -> None:
    fast = {w: (f, v) for w, f, v in CharPositions().postings(text)}
    slow = {w: (f, v) for w, f, _, v in Positions().word_values(text, HanCharAnalyzer())}
    assert fast == slow
