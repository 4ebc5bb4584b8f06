"""Where each paragraph of an article starts, kept in a column of the articles index.

``search --passages`` adds the paragraphs holding a Han string in articles matched by their
characters alone (``query.search._char_passages``): the character field's positions say where
the string stands in the article's text, and these offsets say which paragraph that is, so
the count needs no stored document read; only the paragraphs shown are read. A column lives
in the Whoosh segment, so it follows updates, deletions and merges with its document.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

FIELD = "paragraphs"


def column_field() -> Any:
    """The schema field: a column, neither indexed nor stored."""
    from whoosh.columns import VarBytesColumn
    from whoosh.fields import COLUMN

    return COLUMN(VarBytesColumn())


def encode(spans: Sequence[tuple[int, int]]) -> bytes:
    """The column value of an article's paragraph spans: their starts, 4 bytes each."""
    return struct.pack(f"<{len(spans)}I", *(s for s, _ in spans))


def decode(value: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(value) // 4}I", value)


def holding(starts: Sequence[int], offsets: Iterable[int]) -> list[int]:
    """The numbers of the paragraphs (by their ``starts``) that hold these character offsets."""
    return sorted({bisect_right(starts, o) - 1 for o in offsets} - {-1})
