"""kwic's words, and the field that holds those the word field does not hold as terms.

``kwic`` (and ``dispersion`` and ``trend``, through ``study.occurrences``) match a term of
words against the runs of word characters that are not Han (``WORD``), each keyed as the
analyzer keys a word (``key``: lower-cased and stemmed, ``latin_term``). ``occurrences`` reads
only the paragraphs whose postings hold the keys of the term's words, which misses nothing only
if every run's key is a term of its paragraph. Mostly it is; where jieba or the analyzer cut
the text otherwise, the key is not: a dictionary word holding Latin letters or digits (SIM卡,
4S店, a user's GMV增速), a dotted word (gmv.com, 3.5), letters jieba does not take for Latin
(café, Pokémon, the Kelvin sign K), a possessive 's. Those keys go to the passages' field
``kwic`` (``extra``): empty for most paragraphs, so it costs little. A stop word is a term of
neither, and narrows nothing.
"""

from __future__ import annotations

import re
from typing import Any

from kscorpus.index.analysis import fold_width, latin_term, main_terms
from kscorpus.ingest.segment import HAN_CHARS

FIELD = "kwic"
WORD = re.compile(f"[^\\W{HAN_CHARS}]+")  # letters, digits and _, not Han


def key(word: str) -> str:
    """A word's indexed form; a stop word (not indexed) is compared lower-cased."""
    return latin_term(word) or word.lower()


def field() -> Any:
    """The schema field: the keys, space-separated, indexed without positions or scores."""
    from whoosh.fields import KEYWORD

    return KEYWORD(lowercase=False, commas=False, scorable=False)


def extra(writer: Any, paragraph: str) -> str:
    """The keys of ``paragraph``'s kwic words that are not terms of its own on the analyzer's
    main path (``writer``'s text field), stop words left out, space-separated and sorted."""
    userdict = writer.schema["text"].analyzer.userdict
    keys = {latin_term(w) for w in set(WORD.findall(fold_width(paragraph)))}
    keys.difference_update(main_terms(paragraph, userdict))
    keys.discard(None)
    return " ".join(sorted(keys))  # type: ignore[arg-type]
