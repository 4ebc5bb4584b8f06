"""Marked text for the web pages (``web/marks.py``), against brute force: every character carries
exactly the marks that cover it, the pieces give the text back, and a repair is found in the
cleaned text where the edit put its replacement."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kscorpus.ingest.offsets import Edit, apply_edits
from kscorpus.ingest.pipeline import Change
from kscorpus.web.marks import Mark, change_marks, in_cleaned, pieces

KINDS = ("hl", "repair", "suspect", "kwic")


@st.composite
def marked_text(draw: st.DrawFn) -> tuple[str, list[Mark]]:
    text = draw(st.text(alphabet="ab信任电商 <>&\"'", max_size=30))
    n = len(text)
    marks = []
    for _ in range(draw(st.integers(0, 6))):
        s = draw(st.integers(0, n))
        e = draw(st.integers(s, n))
        kind = draw(st.sampled_from(KINDS))
        marks.append(Mark(s, e, kind, draw(st.sampled_from(["", "why", "<b>"])), ""))
    return text, marks


@given(marked_text())
def test_each_character_carries_the_marks_covering_it(case):
    text, marks = case
    out = pieces(text, marks)
    assert "".join(p.text for p in out) == text
    at = 0
    for p in out:
        for i in range(at, at + len(p.text)):
            covering = [m for m in marks if m.start <= i < m.end]
            assert set(p.kinds.split()) == {m.kind for m in covering}
            assert set(filter(None, p.note.split("\n"))) == {m.note for m in covering if m.note}
        at += len(p.text)
    # a point mark is an empty piece at its place
    points = sorted((m.start, m.kind) for m in marks if m.start == m.end)
    found = []
    at = 0
    for p in out:
        if not p.text:
            found.append((at, p.kinds))
        at += len(p.text)
    assert sorted(found) == points


def test_an_anchor_is_on_the_first_piece_of_its_mark():
    out = pieces("快手电商信任电商", [Mark(2, 6, "kwic", anchor="k2"), Mark(4, 8, "hl")])
    assert [(p.text, p.kinds, p.anchor) for p in out] == [
        ("快手", "", ""),
        ("电商", "kwic", "k2"),
        ("信任", "kwic hl", ""),
        ("电商", "hl", ""),
    ]


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    source = draw(st.text(alphabet="abcd信任", min_size=1, max_size=40))
    cuts = sorted(draw(st.sets(st.integers(0, len(source)), max_size=8)))
    edits = []
    for s, e in zip(cuts[::2], cuts[1::2]):
        if e > s:
            edits.append(Edit(s, e, draw(st.sampled_from(["", "x", "xyz", "电"]))))
    return source, edits


@given(edited())
def test_a_repair_is_found_where_its_replacement_went(case):
    """The oracle: an edit's replacement starts where the source position moved to, by the
    length changes of the edits before it."""
    source, edits = case
    text, offsets = apply_edits(source, edits)
    shift = 0
    for ed in edits:
        at = ed.start + shift
        assert in_cleaned(offsets, ed.start, ed.end) == (at, at + len(ed.text))
        assert text[at : at + len(ed.text)] == ed.text
        shift += len(ed.text) - (ed.end - ed.start)


def test_repairs_are_marked_in_either_text_with_doctors_explanation():
    source = "快手會(huì)电商??焓值"
    edits = [Edit(3, 8, ""), Edit(11, 14, "快手得")]
    text, offsets = apply_edits(source, edits)
    changes = [
        Change("pinyin", 3, 8, "(huì)", "", "inline pinyin reading removed"),
        Change("mojibake", 11, 14, "?焓值", "快手得", "GBK read one byte out of step"),
    ]
    cleaned = change_marks(changes, offsets, 0, len(text))
    assert [(m.start, m.end, m.kind) for m in cleaned] == [(3, 3, "repair"), (6, 9, "repair")]
    assert text[6:9] == "快手得"
    assert cleaned[1].note == "mojibake: ?焓值 → 快手得 — GBK read one byte out of step"
    assert cleaned[0].note == "pinyin: (huì) → ∅ (removed) — inline pinyin reading removed"
    original = change_marks(changes, None, 0, len(source))
    assert [source[m.start : m.end] for m in original] == ["(huì)", "?焓值"]
    # relative to a paragraph that starts later; one outside it is left out
    assert [(m.start, m.end) for m in change_marks(changes, None, 9, len(source))] == [(2, 5)]
