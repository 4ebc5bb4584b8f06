from hypothesis import given
from hypothesis import strategies as st

from kscorpus.ingest.offsets import Edit, OffsetMap, apply_edits


def test_apply_edits_maps_spans_back():
    text, m = apply_edits("經(jīng)營ab", [Edit(1, 7, "")])
    assert text == "經營ab"
    assert m.span(0, 2) == (0, 8)  # 經營 stands for 經(jīng)營
    assert m.span(2, 4) == (8, 10)


def test_replacement_maps_to_whole_source_span():
    text, m = apply_edits("x?澳壳?y", [Edit(1, 5, "目前")])
    assert text == "x目前y"
    assert m.span(1, 2) == (1, 5)
    assert m.span(1, 3) == (1, 5)
    assert m.span(3, 4) == (5, 6)


def test_overlapping_edits_are_refused():
    import pytest

    with pytest.raises(ValueError):
        apply_edits("abcdef", [Edit(0, 3, ""), Edit(2, 4, "")])


def test_composition():
    a, m1 = apply_edits("abcdef", [Edit(1, 3, "X")])  # aXdef
    b, m2 = apply_edits(a, [Edit(0, 1, "")])  # Xdef
    m = m1.then(m2)
    assert b == "Xdef"
    assert m.span(0, 1) == (1, 3)
    assert m.span(1, 4) == (3, 6)


@given(
    st.text(max_size=40),
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.text(max_size=3)), max_size=6),
)
def test_json_round_trip_and_consistency(source, raw):
    edits, pos = [], 0
    for start, length, new in sorted(raw):
        start = max(start, pos)
        end = min(start + length, len(source))
        if start > len(source):
            break
        edits.append(Edit(start, end, new))
        pos = end if end > start else start + 1
    text, m = apply_edits(source, edits)
    assert OffsetMap.from_json(m.to_json()) == m
    assert len(m) == len(text)
    s, e = m.span(0, len(text))
    assert 0 <= s <= e <= len(source)
