"""The repair stage of ingest: undo scraping damage and say exactly what was done.

Runs on normalized text still in its original script (mojibake is GBK of the Traditional text,
so conversion must wait). Like ftfy's ``fix_and_explain``, it returns the fixed text together
with every step taken, and it promises to leave correct text unchanged. Each repair is located
in the input, so the report and the offset map can point at the damage where it stands.

Repair kinds:

- ``mojibake``: GBK decoded one byte out of step, re-decoded; lost bytes become U+FFFD.
- ``pinyin``: an inline pinyin reading after a Han character, removed.
- ``debris``: scraper leftovers (HTML tags, byline/timestamp, contact, navigation lines), removed.
- ``duplicate``: a paragraph repeating other text (teaser, truncated or exact copy), removed.

When a later pass removes text that an earlier pass had already changed (a debris line holding
a pinyin reading), the two become one repair of the later kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from kscorpus.ingest.fixes import (
    HAN,
    HAN_CHAR,
    LOST,
    Fix,
    badness,
    fix_gbk_shift,
    penalty,
    remove_debris,
    remove_repeats,
    strip_pinyin,
)
from kscorpus.ingest.offsets import Edit, OffsetMap, apply_edits

__all__ = ["Fixed", "Repair", "Suspect", "badness", "fix_and_explain"]


@dataclass(frozen=True)
class Repair:
    """``input[start:end]`` (``before``) was replaced by ``after`` ("" when removed)."""

    kind: str
    start: int
    end: int
    before: str
    after: str
    note: str = ""


@dataclass(frozen=True)
class Suspect:
    """A span of the input that still looks broken after repair, and why."""

    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class Fixed:
    """The repaired text, how it was obtained, and what may still be wrong with it."""

    text: str
    repairs: tuple[Repair, ...]
    suspects: tuple[Suspect, ...]
    offsets: OffsetMap  # maps ``text`` back to the input of ``fix_and_explain``


# Order matters: pinyin readings of characters lost to mojibake are only recognisable once the
# mojibake is repaired, and repeats are only exact once readings and debris are gone.
PASSES: tuple[tuple[str, Callable[[str], list[Fix]]], ...] = (
    ("mojibake", fix_gbk_shift),
    ("pinyin", strip_pinyin),
    ("debris", remove_debris),
    ("duplicate", remove_repeats),
)


# A removal can expose more to remove (a navigation line becomes the last line once a repeat
# below it goes), so the passes run again until nothing changes: repair is idempotent.
_MAX_ROUNDS = 4


def fix_and_explain(text: str) -> Fixed:
    """Repair ``text``; return the result, the repairs (spans in ``text``), what still looks
    broken, and the map from the result back to ``text``."""
    repairs: list[Repair] = []
    current, to_input = text, OffsetMap.identity(len(text))
    for _ in range(_MAX_ROUNDS):
        changed = False
        for kind, find in PASSES:
            fixes = find(current)
            if fixes:
                located = [_locate(text, current, to_input, kind, f) for f in fixes]
                repairs = _merge(repairs, located)
                edits = [Edit(r.start, r.end, r.after) for r in repairs]
                current, to_input = apply_edits(text, edits)
                changed = True
        if not changed:
            break
    return Fixed(current, tuple(repairs), tuple(_suspects(text, current, to_input)), to_input)


def _locate(text: str, current: str, to_input: OffsetMap, kind: str, fix: Fix) -> Repair:
    """Turn a fix on the current text into a repair of the input text.

    The span widens to whole earlier repairs it touches; ``after`` then also carries what
    those left standing on either side of the fix.
    """
    s, e = fix.start, fix.end
    start, end = to_input.span(s, e)
    while s > 0 and to_input.ends[s - 1] > start:
        s -= 1
    while e < len(current) and to_input.starts[e] < end:
        e += 1
    after = current[s : fix.start] + fix.after + current[fix.end : e]
    return Repair(kind, start, end, text[start:end], after, fix.note)


def _merge(old: list[Repair], new: list[Repair]) -> list[Repair]:
    """Both sorted and non-overlapping; earlier repairs inside a new one become part of it."""
    out: list[Repair] = []
    i = 0
    for rep in new:
        while i < len(old) and old[i].start < rep.start:
            out.append(old[i])
            i += 1
        inside = set()
        while i < len(old) and old[i].end <= rep.end:
            inside.add(old[i].kind)
            i += 1
        if inside - {rep.kind}:
            kinds = ", ".join(sorted(inside - {rep.kind}))
            rep = replace(rep, note=f"{rep.note} (includes {kinds} repairs)")
        out.append(rep)
    return out + old[i:]


_STRAY = re.compile(f"(?<=[{HAN}])\\?+(?=[!?A-Za-z{HAN}])")
_RARE = 0.8  # penalty from which a character counts as rare (dictionary frequency under ~25)


_RARE_CHARS: set[str] = set()  # rare Han characters
_CLASSIFIED: set[str] = set()  # characters whose rarity is known


def _rare_runs(text: str) -> Iterator[re.Match[str]]:
    """Runs of two or more rare Han characters in ``text``. Penalties are looked up once per
    distinct character, and the text is scanned only for the rare characters it holds (in
    most articles, none)."""
    chars = set(text)
    for c in chars - _CLASSIFIED:
        _CLASSIFIED.add(c)
        if HAN_CHAR.match(c) and penalty(c) >= _RARE:
            _RARE_CHARS.add(c)
    here = chars & _RARE_CHARS
    if not here:
        return iter(())
    return re.finditer(f"[{''.join(sorted(here))}]{{2,}}", text)  # Han: nothing to escape


def _suspects(text: str, fixed: str, to_input: OffsetMap) -> list[Suspect]:
    """Spans of the input whose repaired text still looks broken: U+FFFD, ``?`` wedged between
    a Han character and punctuation, a letter or a rare character, and runs of rare ones."""
    found = {(m.start(), m.end(), "bytes lost to mojibake") for m in re.finditer(LOST + "+", fixed)}
    for m in _STRAY.finditer(fixed):
        after = fixed[m.end()]
        if not HAN_CHAR.match(after) or penalty(after) >= _RARE:
            found.add((m.start(), m.end(), "stray '?' in Han text"))
    for m in _rare_runs(fixed):
        found.add((m.start(), m.end(), "run of rare characters"))
    suspects = {}  # several U+FFFD runs of one repair point at the same input span
    for s, e, reason in sorted(found):
        start, end = to_input.span(s, e)
        suspects[start, end, reason] = Suspect(start, end, text[start:end], reason)
    return list(suspects.values())
