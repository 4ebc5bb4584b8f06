"""kscorpus's segmenter must give exactly jieba's tokens, over jieba's dictionary (ingest) and
over the compiled one (queries): issue 8's correctness half."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.index.analysis import tokens
from kscorpus.ingest.fastseg import FastSegmenter, Hmm, Route, compile_dictionary
from kscorpus.ingest.pipeline import prepare
from kscorpus.ingest.segment import Segmenter, jieba_tokenizer

QUERIES = [
    "信任电商",
    "信任電商",
    "快品牌",
    "大搞快品牌",
    "磁力引擎",
    "新市井电商",
    "引力大会",
    "服务商",
    "直播间",
    "体验-价格比",
    "扶摇计划",
    "短直短",
    "老铁",
    "私域",
    "公域",
    "经营",
    "孔慧说",
    "目前我们",
    "快手电商服务商大会",
    "trust e-commerce",
    "GMV 230亿",
    "2021年Q4",
    "76.71%",
    "以直播间为超级节点",
    "马宏彬表示",
    "笑古称",
    "李丛杉",
    "张一鹏介绍",
    "这是一个测试句子",
    "南京市长江大桥",
    "他来到了网易杭研大厦",
    "小明硕士毕业于中国科学院计算所",
    "",
]


@pytest.fixture(scope="module", params=["compiled", "jieba's dictionary"])
def pair(request, corpus, tmp_path_factory):
    tk = jieba_tokenizer(corpus.userdict)
    if request.param == "compiled":
        d = tmp_path_factory.mktemp("seg")
        compile_dictionary(tk.FREQ, tk.total, d)
        return tk, FastSegmenter(d)
    return tk, Segmenter(corpus.userdict)


@pytest.fixture(scope="module")
def documents(corpus):
    return [prepare(corpus, a) for a in corpus.articles]


def same(pair, text):
    tk, ours = pair
    got = ours.tokenize(text) if isinstance(ours, FastSegmenter) else ours.words(text)
    assert got == list(tk.tokenize(text, mode="default", HMM=True)), text


@pytest.mark.parametrize("query", QUERIES)
def test_queries_segment_identically(pair, query):
    same(pair, query)


def test_every_paragraph_of_the_corpus_segments_identically(pair, documents):
    for doc in documents:
        for s, e in doc.paragraphs:
            same(pair, doc.text[s:e])


def test_the_200_most_frequent_terms_segment_identically(pair, corpus, documents):
    counts = Counter(t for d in documents for t, *_ in tokens(d.text, corpus.userdict))
    for term, _ in counts.most_common(200):
        same(pair, term)


def test_frequency_lookups_match_jieba(pair):
    tk, ours = pair
    get = ours.get if isinstance(ours, FastSegmenter) else ours._freq
    for w in ["电商", "信任电商", "快手", "信", "不存在的词语", "体验-价格比", "a"]:
        assert get(w) == tk.FREQ.get(w), w


CHARS = st.sampled_from(list("信任电商快手品牌直播间的了是在服务商新市井磁力引擎大会 ,。!-ab1%.\n"))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=CHARS, max_size=30))
def test_random_mixtures_segment_identically(pair, text):
    same(pair, text)


WIDE = st.sampled_from(
    sorted(set("".join(QUERIES) + "孔慧说扶摇计划马宏彬笑古称李丛杉张一鹏卖货主播源头好货工厂"))
    + list(" \r\n\t,.;:!?%#&+_-。，、；：！？“”（）《》0123456789abcXYZ")
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=WIDE, max_size=80))
def test_wider_mixtures_segment_identically(pair, text):
    """Every character class jieba's block patterns tell apart, and unknown names for the HMM."""
    same(pair, text)


@pytest.mark.parametrize("compiled", [True, False])
def test_user_words_of_frequency_zero_are_split_as_jieba_splits_them(compiled, tmp_path):
    """jieba splits an HMM word the user gave frequency 0 into characters (``add_word``)."""
    from jieba import finalseg

    userdict = (("马宏彬", 0),)
    tk = jieba_tokenizer.__wrapped__(userdict)  # a new one: add_word marks the word again
    try:
        if compiled:
            compile_dictionary(tk.FREQ, tk.total, tmp_path)
        text = "马宏彬表示，马宏彬说"
        want = list(tk.tokenize(text, mode="default", HMM=True))
        assert ("马", 0, 1) in want  # jieba split the name
        assert Segmenter(userdict, tmp_path if compiled else None).words(text) == want
    finally:
        finalseg.Force_Split_Words.discard("马宏彬")  # jieba keeps it for every tokenizer


def test_ties_in_the_route_go_where_jieba_sends_them():
    """With a total of 1 every word scores log(1) = 0, so every route ties: jieba's ``max``
    over ``(score, end)`` takes the longest word."""
    import jieba

    freq = {"a": 1, "b": 1, "ab": 1, "c": 1, "bc": 1, "abc": 1, "d": 0, "da": 1}
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = freq, 1, True
    route = Route(freq.get, 1, lambda: Hmm(*JIEBA_HMM(), ()))
    for text in ["ab", "abc", "cab", "a b c", "bcab", "dab", "ddc", "abcabd"]:
        assert route.tokenize(text) == list(tk.tokenize(text, HMM=True)), text


def JIEBA_HMM():
    from jieba.finalseg import emit_P, start_P, trans_P

    return start_P, trans_P, emit_P


SCORE = st.sampled_from([0.0, -1.0, -2.0])  # few values: many exact ties


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from("BMES"), SCORE, min_size=4),
    st.lists(SCORE, min_size=8, max_size=8),
    st.dictionaries(st.sampled_from("BMES"), st.dictionaries(st.sampled_from("甲乙丙"), SCORE)),
    st.text(alphabet="甲乙丙丁", min_size=1, max_size=12),
)
def test_hmm_tags_are_jiebas_viterbi_with_its_ties(start, trans, emit, text):
    from jieba.finalseg import viterbi

    pairs = ("BE", "BM", "EB", "ES", "ME", "MM", "SB", "SS")
    trans_p = {y: {} for y in "BMES"}
    for (a, b), v in zip(pairs, trans):
        trans_p[a][b] = v
    emit_p = {y: emit.get(y, {}) for y in "BMES"}
    _, want = viterbi(text, "BMES", start, trans_p, emit_p)
    assert ["BMES"[t] for t in Hmm(start, trans_p, emit_p, ())._tags(text)] == want


def test_jieba_read_in_one_go_is_jieba():
    """kscorpus reads jieba's dictionary cache whole (``segment._WholeFileMarshal``): the same
    dictionary as jieba loading it by itself in a fresh interpreter."""
    import subprocess
    import sys

    code = "import jieba; t = jieba.Tokenizer(); t.initialize(); print(t.total, len(t.FREQ))"
    stock = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    ours = jieba_tokenizer(())
    assert stock.stdout.split() == [str(ours.total), str(len(ours.FREQ))]
    assert ours.FREQ["电商"] > 0


def test_a_compiled_dictionary_whose_generation_is_gone_falls_back_to_jiebas(tmp_path):
    """A process that opened an index, and then another that an update has since replaced
    and removed, segments queries with jieba's own dictionary instead of failing on the
    removed generation's files (found when one test's index outlived another's)."""
    from kscorpus.ingest.segment import _COMPILED, segmenter, use_compiled

    ud = (("假一赔九", None),)
    use_compiled(ud, tmp_path / "gen-removed")
    try:
        words = [w for w, _, _ in segmenter(ud, compiled=True).words("如假一赔九信任电商")]
        assert words == [w for w, _, _ in segmenter(ud).words("如假一赔九信任电商")]
        assert "假一赔九" in words
    finally:
        _COMPILED.pop(ud, None)
