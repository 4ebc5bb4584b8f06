"""Decode and normalize article text, keeping a map back to the original characters.

Normalization is the first stage after decoding: strip a byte-order mark, turn CRLF and CR into
LF, and compose to Unicode NFC, so that later stages (repair, conversion, segmentation) see one
spelling of every character. Paragraphs are the non-blank lines of the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import CorpusError
from .offsets import Edit, OffsetMap, apply_edits

_NEWLINES = re.compile(r"\r\n?|\u2028|\u2029")
_NONBLANK_LINE = re.compile(r"[^\n]*\S[^\n]*")


def decode(data: bytes, where: str) -> str:
    """Decode article bytes as UTF-8 (with or without BOM); the original bytes are never changed."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(
            f"{where}: not valid UTF-8 at byte {e.start}; convert the file to UTF-8 "
            "(e.g. iconv -f GB18030 -t UTF-8)"
        ) from None


def normalize(text: str) -> tuple[str, OffsetMap]:
    """BOM, line endings and NFC; returns the normalized text and its map to ``text``."""
    edits: list[Edit] = []
    if text.startswith("\ufeff"):
        edits.append(Edit(0, 1, ""))
    edits.extend(Edit(m.start(), m.end(), "\n") for m in _NEWLINES.finditer(text))
    if not unicodedata.is_normalized("NFC", text):
        edits = _merge(edits, _nfc_edits(text))
    return apply_edits(text, edits)


def _nfc_edits(text: str) -> list[Edit]:
    """NFC per cluster (a starter and its combining marks), so offsets stay precise."""
    edits = []
    start = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and (unicodedata.combining(text[i]) or "\u1160" <= text[i] <= "\u11ff"):
            continue
        cluster = text[start:i]
        nfc = unicodedata.normalize("NFC", cluster)
        if nfc != cluster:
            edits.append(Edit(start, i, nfc))
        start = i
    return edits


def _merge(first: list[Edit], second: list[Edit]) -> list[Edit]:
    """Keep edits of ``first``; add those of ``second`` that do not overlap them."""
    taken = [(e.start, e.end) for e in first]
    extra = [e for e in second if not any(s < e.end and e.start < t for s, t in taken)]
    return first + extra


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank lines of ``text``, trimmed of surrounding white space."""
    spans = []
    for m in _NONBLANK_LINE.finditer(text):
        line = m.group()
        lead = len(line) - len(line.lstrip())
        spans.append((m.start() + lead, m.start() + len(line.rstrip())))
    return spans
