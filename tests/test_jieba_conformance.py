"""``ingest.jieba_fast`` against jieba itself: the tokenizer it loads (through the whole-file
marshal) holds jieba's dictionary, its HMM tables and dictionary file are jieba's, and the
segmentation built on them cuts random text as jieba does (more in test_fastseg.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.ingest import jieba_fast
from kscorpus.ingest.segment import Segmenter


def test_the_tokenizer_holds_jiebas_own_dictionary():
    jieba = jieba_fast.import_jieba()
    fast = jieba_fast.load_tokenizer((("信任电商", None), ("快品牌", 5)))
    saved, jieba.marshal = jieba.marshal, __import__("marshal")
    try:
        plain = jieba.Tokenizer()
        plain.initialize()
        plain.add_word("信任电商")
        plain.add_word("快品牌", 5)
    finally:
        jieba.marshal = saved
    assert jieba_fast.prefix_dictionary(fast) == (plain.FREQ, plain.total)
    assert len(plain.FREQ) > 300_000


def test_hmm_tables_and_dictionary_file_are_jiebas():
    import jieba.finalseg

    start, trans, emit = jieba_fast.hmm_tables()
    assert (start, trans, emit) == (
        jieba.finalseg.start_P,
        jieba.finalseg.trans_P,
        jieba.finalseg.emit_P,
    )
    path = jieba_fast.dictionary_file()
    assert path is not None and path.samefile(jieba.get_dict_file().name)


HAN = st.text(
    alphabet=st.sampled_from("快手电商信任直播间品牌的了在和大搞服务商引力会北京年月日新市井"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(text=HAN)
def test_segmentation_cuts_as_jieba_does(text):
    jieba = jieba_fast.import_jieba()
    words = [w for w, _, _ in Segmenter().words(text)]
    assert words == jieba.lcut(text, HMM=True)
