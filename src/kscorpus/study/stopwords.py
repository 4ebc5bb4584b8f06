"""Stop words: the words left out of a list of a corpus's commonest terms (``kscorpus stats``).

English stop words are Whoosh's ``STOP_WORDS``, the list the analyzer already leaves out of the
index (``index.analysis.latin_term``), so none of them is ever a term. For Chinese the index
keeps every word (a phrase query needs them), so this module names the function words that
would otherwise head any count of Chinese text: particles (的 了 着 得 地 之), the copula 是,
prepositions and conjunctions (在 和 与 及 对 从 把 被 为 于 以…), pronouns and demonstratives
(这 那 我们 他们 它…) and the commonest adverbs (也 就 都 还 再 更…). It is short on purpose:
a word that carries meaning in news text (年, 新, 多, 发展) stays a term.
"""

from __future__ import annotations

from whoosh.analysis import STOP_WORDS

_CHINESE = """
的 了 着 过 得 地 之 所 是 有 在 和 与 及 以及 或 而 并 且 但 但是 也 就 都 还 又 再 更
已 已经 将 会 要 能 可以 对 从 把 被 让 向 以 为 为了 于 由 给 跟 同 比 上 中 下 里 个
一个 这 那 这个 那个 这些 那些 其 该 此 等 我 你 他 她 它 我们 你们 他们 她们 它们
自己 吗 呢 吧 啊 呀 么 什么 如 如果 因为 所以 不 没有
"""
CHINESE_STOP_WORDS: frozenset[str] = frozenset(_CHINESE.split())
"""Chinese function words, as jieba segments them."""

ENGLISH_STOP_WORDS: frozenset[str] = frozenset(STOP_WORDS)


def is_stop_word(term: str) -> bool:
    """A term (as indexed) that says nothing of what a text is about: a Chinese or English stop
    word, or a single Latin letter or digit (the ``e`` of e-commerce)."""
    return (
        term in CHINESE_STOP_WORDS
        or term in ENGLISH_STOP_WORDS
        or (len(term) == 1 and term.isascii() and term.isalnum())
    )
