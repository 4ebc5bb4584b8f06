"""Decode and normalize article text, keeping a map back to the original characters.

Normalization is the first stage after decoding: strip a byte-order mark, turn CRLF and CR into
LF, and compose to Unicode NFC, so that later stages (repair, conversion, segmentation) see one
spelling of every character. Paragraphs are the non-blank lines of the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata

from kscorpus.errors import CorpusError
from kscorpus.ingest.offsets import Edit, OffsetMap, apply_edits

_NEWLINES = re.compile(r"\r\n?|\u2028|\u2029")
_LINE = re.compile(r"[^\n]+")


MAX_ARTICLE_BYTES = 16 * 1024 * 1024  # one article; a larger file is refused, not half-indexed
_FALLBACKS = ("gb18030", "big5")
# Byte-order marks of the encodings read without guessing; UTF-32 first (its LE mark starts
# with UTF-16's). What Windows Notepad saves as "Unicode" is UTF-16 LE with a mark.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")


def is_blank(text: str) -> bool:
    """Nothing to read: only white space of any kind (U+3000, NBSP, U+2028 …) and invisible
    format characters (ZERO WIDTH SPACE, word joiner, BOM, soft hyphen …)."""
    return all(map(_blank_char, text))


def decode(data: bytes, where: str) -> tuple[str, list[str]]:
    """Decode article bytes; returns the text and what had to be done to read it.

    UTF-8 (BOM kept, so the original text round-trips) is the rule; UTF-16 and UTF-32 with a
    byte-order mark are read as such (the mark kept as U+FEFF, as for UTF-8). A file that is
    not UTF-8 is tried as GB18030 and Big5, keeping the most plausible reading; a UTF-8 file
    with a few invalid bytes keeps its text with � for them. Files that cannot be an article
    (empty or blank, binary, UTF-16 without a mark, oversized) raise CorpusError. The
    original bytes are never changed.
    """
    if len(data) > MAX_ARTICLE_BYTES:
        raise CorpusError(
            f"{where}: {len(data) / 2**20:.0f} MB is over the {MAX_ARTICLE_BYTES // 2**20} MB "
            "limit for one article; split it into several articles"
        )
    text, problems = _decode(data, where)
    if is_blank(text):
        raise CorpusError(f"{where}: the file is empty or only white space; remove its entry")
    return text, problems


def _decode(data: bytes, where: str) -> tuple[str, list[str]]:
    for bom, enc, name in _BOMS:
        if data.startswith(bom):
            text = data.decode(enc, errors="replace")
            bad = text.count("\ufffd") - data.decode(enc, errors="ignore").count("\ufffd")
            note = f"not UTF-8: {name} with a byte-order mark; decoded as {name}"
            return text, [note + (f", {bad} invalid sequence(s) shown as �" if bad else "")]
    if b"\x00" in data[:65536]:
        sample = data[:65536]
        for enc, name in (("utf-16-le", "little-endian"), ("utf-16-be", "big-endian")):
            if _looks_like_text(sample, enc):
                raise CorpusError(
                    f"{where}: UTF-16 ({name}) text without a byte-order mark, which kscorpus "
                    "does not guess; save it as UTF-8"
                )
        raise CorpusError(f"{where}: looks like a binary file (NUL bytes), not text; remove it")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as e:
        first_bad = e.start
    from kscorpus.ingest.repair import badness

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


def _looks_like_text(sample: bytes, enc: str) -> bool:
    """Do these bytes read as text in ``enc``: no control characters but line breaks and tabs,
    no unpaired surrogates (a sample cut in the middle of a character is allowed one)."""
    text = sample[: len(sample) // 2 * 2].decode(enc, errors="surrogatepass")
    return not _NOT_TEXT.search(text[:-1]) and text.strip() != ""


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
    """Spans of the non-blank lines of ``text`` (``is_blank``), trimmed of the blank
    characters around them."""
    spans = []
    for m in _LINE.finditer(text):
        s, e = m.span()
        while s < e and _blank_char(text[s]):
            s += 1
        while e > s and _blank_char(text[e - 1]):
            e -= 1
        if s < e:
            spans.append((s, e))
    return spans


def _blank_char(c: str) -> bool:
    return c.isspace() or unicodedata.category(c) == "Cf"
