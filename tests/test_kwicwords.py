"""kwic's words that the word field does not hold as terms (``index.kwicwords``), and what they
are for: ``dispersion`` and ``trend`` read only the paragraphs whose postings hold a term's
words, and must still find every occurrence ``kwic`` finds, where jieba cuts a word into a
dictionary word (SIM卡, 4S店), a number (3.5), letters it does not take for Latin (café,
Pokémon, the Kelvin sign K) or a possessive 's."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kscorpus.corpus.manifest import load_corpus
from kscorpus.index import kwicwords
from kscorpus.index.store import _schemas, build, open_index
from kscorpus.index.whoosh_fast import doc_ids
from kscorpus.study.kwic import kwic
from kscorpus.study.occurrences import find


class _Writer:
    """What ``extra`` reads of a writer: the passages schema (its analyzer's user words)."""

    schema = _schemas(())[1]


@pytest.mark.parametrize(
    "paragraph, keys",
    [
        # worked out by hand: kwic's words keyed (stop words dropped), less jieba's terms
        ("The GMV of Kuaishou grew", ""),  # every word a term of its own
        ("Buy a SIM卡 today", "sim"),  # jieba's dictionary word SIM卡
        ("4S店的GMV", "4s"),  # and 4S店
        ("Visit gmv.com or pay 3.5 yuan", "3 5"),  # 3.5 is one term, kwic's 3 and 5
        ("Pokémon café", "café pokémon"),  # jieba cuts at é: pok, é, mon
        ("Kuaishou's GMV", "s"),  # the analyzer leaves the possessive s out
        ("\u212auaishou sells", "kuaishou"),  # the Kelvin sign K is k for kwic, not for jieba
        ("x_GMV rose", "x_gmv"),  # one word for kwic; jieba cuts at _
        ("2022年GMV增长", ""),
    ],
)
def test_extra_keys_by_hand(paragraph, keys):
    assert kwicwords.extra(_Writer, paragraph) == keys


TRICKY = [
    "Buy a SIM卡 today, the SIM is cheap.",
    "Visit gmv.com or pay 3.5 yuan; GMV rose 3 points in 2022.",
    "Pokémon café opened. The café sells coffee.",
    "Kuaishou's GMV grew; \u212auaishou sells.",
    "x_GMV rose while 4S店 closed.",
    "2022年GMV增长，SIM卡销量下降。",
]
TERMS = ["SIM", "sim", "gmv", "com", "3", "5", "3.5", "2022", "café", "Pokémon", "kuaishou", "s",
         "x_GMV", "4S", "GMV rose", "café sells"]  # fmt: skip


def _corpus(root: Path, paragraphs: list[str]) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    rows = []
    for i, text in enumerate(paragraphs):
        (corpus / f"t{i}.txt").write_text(text + "\n", encoding="utf-8")
        rows += ["[[article]]", f'id = "t{i}"', f'file = "t{i}.txt"', 'lang = "en"']
        rows += ['script = "Latn"', f'title = "Title {i}"', ""]
    (corpus / "manifest.toml").write_text("\n".join(rows), encoding="utf-8")
    build(load_corpus(corpus), root / "ix")
    return root / "ix"


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    h = open_index(_corpus(tmp_path_factory.mktemp("tricky"), TRICKY))
    yield h
    h.close()


def _spans(handle, term):
    return sorted((aid, s, e) for aid, spans in find(handle, term).spans.items() for s, e in spans)


def _kwic(handle, term):
    return sorted((ln.id, ln.start, ln.end) for ln in kwic(handle, term).lines)


@pytest.mark.parametrize("term", TERMS)
def test_occurrences_are_kwics_where_jieba_cuts_otherwise(tricky, term):
    assert _spans(tricky, term) == _kwic(tricky, term), term


def test_the_field_holds_what_the_word_field_misses(tricky):
    """SIM inside SIM卡 is no term of the word field: without ``kwic``, the article holding
    SIM卡 alone would not be read, and its SIM not counted."""
    reader = tricky.searcher("passages").reader()
    ids = reader.column_reader("id")
    by_text = {ids[d] for leaf, o in reader.leaf_readers() for d in _docs(leaf, o, "text")}
    by_kwic = {ids[d] for leaf, o in reader.leaf_readers() for d in _docs(leaf, o, "kwic")}
    assert "t5" in by_kwic - by_text  # 2022年GMV增长，SIM卡销量下降。
    assert "t5" in {aid for aid, _, _ in _kwic(tricky, "SIM")}


def _docs(leaf, offset, field):
    return [d + offset for d in doc_ids(leaf, field, b"sim")]


WORDS = ["SIM卡", "SIM", "gmv.com", "3.5", "3", "Pokémon", "café", "Kuaishou's", "\u212auaishou",
         "x_GMV", "4S店", "GMV", "the", "e-commerce", "2022年", "卡"]  # fmt: skip
SEPS = [" ", "", ", ", ". ", "-", "；"]
RANDOM_TERMS = ["SIM", "gmv", "3", "5", "café", "kuaishou", "s", "com", "x_gmv", "4s", "2022",
                "e", "commerce", "GMV SIM"]  # fmt: skip


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    paragraphs=st.lists(
        st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), min_size=1, max_size=8),
        min_size=1,
        max_size=3,
    ),
    term=st.sampled_from(RANDOM_TERMS),
)
def test_occurrences_are_kwics_on_random_text(paragraphs, term):
    """Any text of these words and separators, indexed: the occurrences are kwic's."""
    texts = ["".join(w + s for w, s in p) for p in paragraphs]
    with tempfile.TemporaryDirectory() as tmp:
        h = open_index(_corpus(Path(tmp), texts))
        try:
            assert _spans(h, term) == _kwic(h, term), (texts, term)
        finally:
            h.close()
