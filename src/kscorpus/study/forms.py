"""How to show indexed terms to a reader: a sequence of terms holding English stems as the text
it commonly stands for (servic provid → service providers, trust e commerc → trust
e-commerce), Chinese words joined without spaces."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from kscorpus.index.analysis import fold_width, latin_term
from kscorpus.ingest.segment import HAN, HAN_RUN

SAMPLE = 8  # passages read per sequence: enough for its commonest form, cheap on any corpus


def surface_forms(handle: Any, grams: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """The commonest text (lower-cased, as it runs in the passages: hyphens and English stop
    words included) of each sequence of non-Chinese terms, in a sample of the passages holding
    its rarest term. Sequences with a Chinese word, or never found in the sample, are left
    out: ``joined`` shows them."""
    searcher = handle.searcher("passages")
    reader = searcher.reader()
    out: dict[tuple[str, ...], str] = {}
    for gram in dict.fromkeys(grams):
        if any(HAN.search(t) for t in gram):  # joined in Chinese fashion: 2021年, GMV增长
            continue
        keys = [t.encode("utf-8") for t in gram]
        if not all(("text", k) in reader for k in keys):
            continue
        rarest = min(keys, key=lambda k: reader.doc_frequency("text", k))
        docs = (d for d in reader.postings("text", rarest).all_ids() if not reader.is_deleted(d))
        seen: Counter[str] = Counter()
        for _, docnum in zip(range(SAMPLE), docs):
            text = searcher.stored_fields(docnum).get("text") or ""
            toks = latin_tokens(text)
            k = len(gram)
            for i in range(len(toks) - k + 1):
                if all(toks[i + j][0] == gram[j] for j in range(k)):
                    seen[text[toks[i][1] : toks[i + k - 1][2]].lower()] += 1
        if seen:
            out[gram] = min(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return out


# the analyzer's Latin words (index.analysis), or a masked Chinese run: a break
_WORD = re.compile(r"\w+(?:\.\w+)*|\x00+")
_POSSESSIVE = re.compile(r"\w['\u2019]s\b")


def latin_tokens(text: str) -> list[tuple[str, int, int]]:
    """``(term, start, end)`` of the Latin and digit words of ``text`` as the analyzer indexes
    them, without segmenting its Chinese (masked, offsets kept): a hundred times cheaper than
    ``analysis.tokens`` over a Chinese paragraph, and the same terms for Latin text. A
    Chinese run is a term "" so that no sequence of Latin terms matches across it."""
    masked = HAN_RUN.sub(lambda r: "\x00" * len(r[0]), fold_width(text))
    out = []
    for m in _WORD.finditer(masked):
        if m.group()[0] == "\x00":
            out.append(("", m.start(), m.end()))
            continue
        if m.group() in "sS" and _POSSESSIVE.match(masked, max(m.start() - 2, 0)):
            continue  # Kuaishou's is Kuaishou
        term = latin_term(m.group())
        if term is not None:
            out.append((term, m.start(), m.end()))
    return out


def joined(words: Sequence[str]) -> str:
    """Terms as text: a space only between two words without Chinese characters."""
    out = ""
    for i, w in enumerate(words):
        if i and not (HAN.search(words[i - 1]) or HAN.search(w)):
            out += " "
        out += w
    return out


def shown(gram: tuple[str, ...], forms: dict[tuple[str, ...], str]) -> str:
    """How ``gram`` is shown: its surface form if known, else its terms joined."""
    return forms.get(gram) or joined(gram)
