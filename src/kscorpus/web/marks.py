"""Text cut into pieces for a template: plain runs and marked runs (a query's highlights, a
repair, a suspect span, a KWIC occurrence), overlaps resolved character by character.

Pieces are data, never HTML: the template writes each one through Jinja's autoescaping, so
untrusted text cannot become markup whatever it holds.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kscorpus.ingest.offsets import OffsetMap
from kscorpus.ingest.pipeline import Change


@dataclass(frozen=True)
class Mark:
    """``text[start:end]`` marked with CSS class ``kind``; ``note`` is its hover text and
    ``anchor`` an element id to link to. ``start == end`` is a point (text removed there)."""

    start: int
    end: int
    kind: str
    note: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class Piece:
    text: str
    kinds: str = ""  # CSS classes, space-separated; empty for plain text
    note: str = ""
    anchor: str = ""


def pieces(text: str, marks: Iterable[Mark]) -> list[Piece]:
    """``text`` as consecutive pieces: each character carries every mark covering it, and a
    run of characters with the same marks is one piece. A point mark is an empty piece before
    the character at its position. The pieces' texts joined give ``text`` back."""
    spans: list[Mark] = []
    points: dict[int, list[Mark]] = {}
    for m in marks:
        s, e = max(0, m.start), min(len(text), m.end)
        if s == e:
            points.setdefault(s, []).append(m)
        elif s < e:
            spans.append(Mark(s, e, m.kind, m.note, m.anchor))
    cuts = sorted({0, len(text), *points, *(m.start for m in spans), *(m.end for m in spans)})
    out: list[Piece] = []
    for s, e in zip(cuts, [*cuts[1:], len(text)]):
        for p in points.get(s, ()):
            out.append(Piece("", p.kind, p.note, p.anchor))
        if s >= e:
            continue
        covering = [m for m in spans if m.start <= s and e <= m.end]
        first = [m.anchor for m in covering if m.anchor and m.start == s]
        out.append(
            Piece(
                text[s:e],
                " ".join(dict.fromkeys(m.kind for m in covering)),
                "\n".join(dict.fromkeys(m.note for m in covering if m.note)),
                first[0] if first else "",
            )
        )
    return _joined(out)


def _joined(out: list[Piece]) -> list[Piece]:
    """Neighbouring pieces with the same marks (and no anchor on the second) as one."""
    merged: list[Piece] = []
    for p in out:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and p.text
            and prev.text
            and not p.anchor
            and (prev.kinds, prev.note) == (p.kinds, p.note)
        ):
            merged[-1] = Piece(prev.text + p.text, prev.kinds, prev.note, prev.anchor)
        else:
            merged.append(p)
    return merged


def change_note(change: Change) -> str:
    """A repair explained on hover as ``doctor`` lists it: kind, before → after, and why."""
    before = change.before or "∅"
    after = change.after if change.after else "∅ (removed)"
    if change.kind == "suspect":
        return f"suspect: {before} — {change.note}"
    return f"{change.kind}: {before} → {after} — {change.note}"


def in_cleaned(offsets: OffsetMap, start: int, end: int) -> tuple[int, int]:
    """The span of the cleaned text that stands for ``original[start:end]`` (empty, at the
    place it was, when the cleaning removed all of it): ``offsets`` read backwards."""
    starts: Sequence[int] = offsets.starts
    ends: Sequence[int] = offsets.ends
    s = bisect_right(ends, start)  # the first cleaned character ending after ``start``
    e = bisect_left(starts, end, lo=s)  # the first one starting at or after ``end``
    return s, max(s, e)


def change_marks(
    changes: Iterable[Change], offsets: OffsetMap | None, lo: int, hi: int
) -> list[Mark]:
    """Marks for repairs and suspect spans within ``[lo, hi)`` of the text shown, relative to
    ``lo``: the original text when ``offsets`` is None, else the cleaned text, located through
    ``offsets`` (a removal becomes a point)."""
    out = []
    for c in changes:
        if c.kind == "decode":  # about the whole file, not a place in it
            continue
        s, e = (c.start, c.end) if offsets is None else in_cleaned(offsets, c.start, c.end)
        if s == e and not lo <= s <= hi:
            continue
        if s != e and (e <= lo or s >= hi):
            continue
        kind = "suspect" if c.kind == "suspect" else "repair"
        out.append(Mark(max(s, lo) - lo, min(e, hi) - lo, kind, change_note(c)))
    return out
