"""How to show indexed terms to a reader: a sequence of terms holding English stems as the text
it commonly stands for (servic provid → service providers, trust e commerc → trust
e-commerce), Chinese words joined without spaces."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from kscorpus.index.analysis import tokens
from kscorpus.ingest.segment import HAN

SAMPLE = 20  # passages read per sequence: enough for its commonest form, cheap on any corpus


def surface_forms(handle: Any, grams: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """The commonest text (lower-cased, as it runs in the passages: hyphens and English stop
    words included) of each term sequence holding an English term, in a sample of the
    passages holding its rarest term. Sequences of Chinese words only, or never found in the
    sample, are left out: ``joined`` shows them."""
    searcher = handle.searcher("passages")
    reader = searcher.reader()
    userdict = handle.passages.schema["text"].analyzer.userdict
    out: dict[tuple[str, ...], str] = {}
    for gram in dict.fromkeys(grams):
        if all(HAN.search(t) for t in gram):
            continue
        keys = [t.encode("utf-8") for t in gram]
        if not all(("text", k) in reader for k in keys):
            continue
        rarest = min(keys, key=lambda k: reader.doc_frequency("text", k))
        docs = (d for d in reader.postings("text", rarest).all_ids() if not reader.is_deleted(d))
        seen: Counter[str] = Counter()
        for _, docnum in zip(range(SAMPLE), docs):
            text = searcher.stored_fields(docnum).get("text") or ""
            toks = list(tokens(text, userdict, subwords=False, fast=True))
            k = len(gram)
            for i in range(len(toks) - k + 1):
                if all(toks[i + j][0] == gram[j] for j in range(k)):
                    seen[text[toks[i][2] : toks[i + k - 1][3]].lower()] += 1
        if seen:
            out[gram] = min(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0]
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
