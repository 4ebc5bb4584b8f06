"""The query-time segmenter must give exactly jieba's tokens (issue 8's correctness half)."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.analysis import tokens
from kscorpus.fastseg import FastSegmenter, compile_dictionary
from kscorpus.pipeline import prepare
from kscorpus.segment import jieba_tokenizer

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


@pytest.fixture(scope="module")
def pair(corpus, tmp_path_factory):
    tk = jieba_tokenizer(corpus.userdict)
    d = tmp_path_factory.mktemp("seg")
    compile_dictionary(tk.FREQ, tk.total, d)
    return tk, FastSegmenter(d)


@pytest.fixture(scope="module")
def documents(corpus):
    return [prepare(corpus, a) for a in corpus.articles]


def same(pair, text):
    tk, fast = pair
    assert list(fast.tokenize(text)) == list(tk.tokenize(text, mode="default", HMM=True)), text


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
    tk, fast = pair
    for w in ["电商", "信任电商", "快手", "信", "不存在的词语", "体验-价格比", "a"]:
        assert fast.get(w) == tk.FREQ.get(w), w


CHARS = st.sampled_from(list("信任电商快手品牌直播间的了是在服务商新市井磁力引擎大会 ,。!-ab1%.\n"))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=CHARS, max_size=30))
def test_random_mixtures_segment_identically(pair, text):
    same(pair, text)


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
