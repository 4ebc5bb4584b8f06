"""The word-sequence store: each passage's indexed terms in text order, kept at index time.

Collocates, n-grams and keyness need the words of a paragraph in order; Whoosh's postings give
the positions of a term, not the term at a position. So the passages index has a column
``words``: the paragraph's terms on the analyzer's main path (jieba words, English stems; no
search sub-words, no joined hyphenations), UTF-8, joined by spaces (no term holds a space:
jieba and the Latin tokenizer both cut on whitespace). A column lives in the Whoosh segment, so
it follows incremental updates, deletions and merges with the documents, and is read without
unpickling the stored fields (the passage text). Term ids would be smaller but need a lexicon
outside the segments with its own generation handling; spans into the stored text would need
the text read and English re-stemmed (see bench/README.md for the sizes measured).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kscorpus.index.analysis import main_terms
from kscorpus.index.whoosh_fast import column_values

FIELD = "words"
SEP = " "


def column_field() -> Any:
    """The schema field of the store: a column, neither indexed nor stored."""
    from whoosh.columns import VarBytesColumn
    from whoosh.fields import COLUMN

    return COLUMN(VarBytesColumn())


def encode(writer: Any, paragraph: str) -> bytes:
    """The column value of one paragraph, segmented as ``writer``'s text field is analyzed."""
    userdict = writer.schema["text"].analyzer.userdict
    return SEP.join(main_terms(paragraph, userdict)).encode("utf-8")


def passages(handle: Any, ids: set[str] | None = None) -> Iterator[tuple[str, int, bytes]]:
    """``(article id, paragraph number, encoded words)`` of every live passage, in index order
    (only the articles in ``ids`` when given); ``decode`` splits a value into its terms. An
    article's passages are written together and in order (``writing._add``) and stay so
    through merges, so the paragraph number is the count of its passages seen before."""
    reader = handle.searcher("passages").reader()
    for leaf, _ in reader.leaf_readers():
        if not leaf.has_column(FIELD):  # a segment without passages
            continue
        words = column_values(leaf, FIELD)
        owners = column_values(leaf, "id")
        live = not leaf.has_deletions()
        deleted = leaf.is_deleted
        last, aid, wanted, pno = b"", "", False, 0
        for docnum, (owner, value) in enumerate(zip(owners, words)):
            if not live and deleted(docnum):
                continue
            if owner == last:
                pno += 1
            else:  # the next article: its id decoded once
                last, aid, pno = owner, owner.decode("utf-8"), 0
                wanted = ids is None or aid in ids
            if wanted:
                yield aid, pno, value


def decode(value: bytes) -> list[str]:
    """The terms of one encoded passage."""
    return value.decode("utf-8").split(SEP) if value else []
