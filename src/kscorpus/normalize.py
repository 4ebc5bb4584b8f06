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


MAX_ARTICLE_BYTES = 16 * 1024 * 1024  # one article; a larger file is refused, not half-indexed
_FALLBACKS = ("gb18030", "big5")


def decode(data: bytes, where: str) -> tuple[str, list[str]]:
    """Decode article bytes; returns the text and what had to be done to read it.

    UTF-8 (BOM kept, so the original text round-trips) is the rule. A file that is not UTF-8 is
    tried as GB18030 and Big5, keeping the most plausible reading; a UTF-8 file with a few
    invalid bytes keeps its text with � for them. Files that cannot be an article (empty,
    binary, oversized) raise CorpusError. The original bytes are never changed.
    """
    if len(data) > MAX_ARTICLE_BYTES:
        raise CorpusError(
            f"{where}: {len(data) / 2**20:.0f} MB is over the {MAX_ARTICLE_BYTES // 2**20} MB "
            "limit for one article; split it into several articles"
        )
    if not data.strip():
        raise CorpusError(f"{where}: the file is empty or only white space; remove its entry")
    if b"\x00" in data[:65536]:
        raise CorpusError(f"{where}: looks like a binary file (NUL bytes), not text; remove it")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as e:
        first_bad = e.start
    from .repair import badness

    readings = []
    for enc in _FALLBACKS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        readings.append((badness(text), enc, text))
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    if readings and bad > max(2, len(lossy) // 1000):
        _, enc, text = min(readings)
        return text, [f"not UTF-8 (invalid at byte {first_bad}); decoded as {enc.upper()}"]
    return lossy, [f"{bad} invalid UTF-8 byte sequence(s) (first at byte {first_bad}) shown as �"]


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
