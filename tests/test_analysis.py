"""The bilingual analyzer: positions, sub-words, English stemming, and the pitfalls it avoids."""

import pickle

from kscorpus.index.analysis import BilingualAnalyzer, tokens


def terms(text, corpus, **kw):
    return [t for t, *_ in tokens(text, corpus.userdict, **kw)]


def test_domain_terms_stay_whole_and_subwords_are_indexed(corpus):
    toks = list(tokens("快手电商大搞信任电商", corpus.userdict))
    assert ("信任电商", 2, 6, 10) in toks
    # search-mode sub-words share the parent's position, so phrases still line up
    assert ("电商", 2, 8, 10) in toks
    assert ("信任", 2, 6, 8) in toks
    assert [p for t, p, *_ in toks if t == "快手电商"] == [0]


def test_positions_are_token_numbers_not_character_offsets(corpus):
    toks = list(tokens("以直播间为超级节点", corpus.userdict, subwords=False))
    assert [p for _, p, _, _ in toks] == list(range(len(toks)))
    assert [t for t, *_ in toks][:2] == ["以", "直播间"]


def test_query_mode_has_no_subwords(corpus):
    a = BilingualAnalyzer(corpus.userdict)
    assert [t.text for t in a("信任电商", mode="query")] == ["信任电商"]
    assert "电商" in [t.text for t in a("信任电商", mode="index")]


def test_english_is_lowercased_stemmed_and_stopworded(corpus):
    want = ["trust", "ecommerc", "e", "commerc", "servic"]  # the joined term at e's position
    assert terms("Trust in E-commerce Services", corpus) == want
    assert terms("76.71% GMV", corpus) == ["76.71", "gmv"]


def test_hyphen_and_possessive_variants(corpus):
    a = BilingualAnalyzer(corpus.userdict)
    index = [(t.text, t.pos) for t in a("e-commerce goods", positions=True, mode="index")]
    assert index == [("ecommerc", 0), ("e", 0), ("commerc", 1), ("good", 2)]
    query = [t.text for t in a("e-commerce", mode="query")]
    assert query == ["e", "commerc"]  # the query widens to the joined term (query.chars)
    assert terms("Kuaishou's and Kuaishou’s", corpus) == ["kuaishou", "kuaishou"]
    assert terms("10-100 on-demand", corpus) == ["10", "100", "demand"]  # nothing joined


def test_fullwidth_latin_folds_to_ascii(corpus):
    assert terms("ＧＭＶ", corpus) == ["gmv"]


def test_character_offsets_point_at_the_token(corpus):
    text = "通过提高“体验-价格比”,实现"
    for term, _, s, e in tokens(text, corpus.userdict):
        assert text[s:e].lower() == term


def test_analyzer_pickles_small_and_without_jieba(corpus):
    # The analyzer is pickled into the Whoosh schema; unpickling must not drag in jieba.analyse.
    blob = pickle.dumps(BilingualAnalyzer(corpus.userdict))
    assert b"jieba" not in blob
    assert pickle.loads(blob) == BilingualAnalyzer(corpus.userdict)
