"""Traditional → Simplified conversion with the official OpenCC binding.

The configuration is ``tw2s``, not ``t2s``: ``t2s`` leaves 著 in 隨著/意味著 (so a search for
随着 would miss them), ``tw2s`` converts it and leaves Simplified text as it is. Conversion runs
sentence by sentence so that a phrase whose length changes only blurs its own sentence's offsets.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kscorpus.ingest.offsets import Edit, OffsetMap, apply_edits

CONFIG = "tw2s"
_CHUNK = re.compile(r"[^。！？；!?;\n]*[。！？；!?;\n]?")


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC(CONFIG)


def to_simplified(text: str) -> str:
    """Convert a short text (a query) without keeping offsets."""
    return _converter().convert(text) if text else text


def convert_with_offsets(text: str) -> tuple[str, OffsetMap]:
    """Convert ``text``; the map sends each output character back to its source character(s)."""
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted, OffsetMap.identity(len(text))
    edits: list[Edit] = []
    for m in _CHUNK.finditer(text):
        chunk = m.group()
        if not chunk:
            continue
        out = to_simplified(chunk)
        if len(out) == len(chunk):
            edits.extend(
                Edit(m.start() + i, m.start() + i + 1, c)
                for i, (c, o) in enumerate(zip(out, chunk))
                if c != o
            )
        else:
            edits.append(Edit(m.start(), m.end(), out))
    return apply_edits(text, edits)


def convertible_chars() -> str:
    """Every Han character the conversion changes (written beside the index at ingest), so a
    query without one skips loading OpenCC, a noticeable part of a search's start-up."""
    chars = [
        chr(c) for r in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)) for c in range(*r)
    ]
    out = to_simplified("\n".join(chars)).split("\n")
    return "".join(c for c, o in zip(chars, out) if c != o)
