"""From article bytes to a cleaned document: decode → normalize → repair → convert → paragraphs.

Every stage returns its text and an ``OffsetMap`` back to its input; the maps compose into one
map from the cleaned Simplified text to the original text, so anything found in the cleaned text
can be shown where it stands in the original. Nothing here writes to the corpus.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from kscorpus.corpus.manifest import Article, Corpus
from kscorpus.ingest.convert import convert_with_offsets
from kscorpus.ingest.normalize import decode, normalize, paragraphs
from kscorpus.ingest.offsets import OffsetMap


@dataclass(frozen=True)
class Change:
    """One repair, located in the original text (as decoded from the file)."""

    kind: str
    start: int
    end: int
    before: str
    after: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Document:
    """An article ready to index: original and cleaned text, linked by ``offsets``."""

    article: Article
    sha256: str
    original: str
    text: str
    offsets: OffsetMap  # cleaned text → original text
    paragraphs: tuple[tuple[int, int], ...]  # spans in ``text``
    repairs: tuple[Change, ...]
    suspects: tuple[Change, ...]

    def paragraph_text(self, i: int) -> str:
        s, e = self.paragraphs[i]
        return self.text[s:e]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.offsets.span(start, end)


def prepare(corpus: Corpus, article: Article) -> Document:
    """Run the whole cleaning pipeline for one article."""
    data = corpus.read_bytes(article)
    return prepare_bytes(article, data, str(corpus.path(article)))


def prepare_bytes(article: Article, data: bytes, where: str = "") -> Document:
    from kscorpus.ingest.repair import (
        fix_and_explain,  # not needed to read documents back (searches)
    )

    original, problems = decode(data, where or article.file)
    normalized, norm_map = normalize(original)
    fixed = fix_and_explain(normalized)
    to_orig = norm_map.then(fixed.offsets)
    text = fixed.text
    if article.script == "Hant":
        text, conv_map = convert_with_offsets(text)
        to_orig = to_orig.then(conv_map)

    def located(kind: str, start: int, end: int, after: str, note: str) -> Change:
        s, e = norm_map.span(start, end)
        return Change(kind, s, e, original[s:e], after, note)

    return Document(
        article=article,
        sha256=hashlib.sha256(data).hexdigest(),
        original=original,
        text=text,
        offsets=to_orig,
        paragraphs=tuple(paragraphs(text)),
        repairs=tuple(Change("decode", 0, 0, "", "", p) for p in problems)
        + tuple(located(r.kind, r.start, r.end, r.after, r.note) for r in fixed.repairs),
        suspects=tuple(
            dict.fromkeys(located("suspect", x.start, x.end, "", x.reason) for x in fixed.suspects)
        ),
    )


def document_to_json(doc: Document) -> dict[str, Any]:
    """The stored form of a document (kept in the index, read back by ``show``)."""
    return {
        "article": doc.article.to_json(),
        "sha256": doc.sha256,
        "original": doc.original,
        "text": doc.text,
        "offsets": doc.offsets.to_json(),
        "paragraphs": [list(p) for p in doc.paragraphs],
        "repairs": [r.to_json() for r in doc.repairs],
        "suspects": [s.to_json() for s in doc.suspects],
    }


def document_from_json(data: dict[str, Any]) -> Document:
    article = Article(**{k: v or "" for k, v in data["article"].items()})
    return Document(
        article=article,
        sha256=data["sha256"],
        original=data["original"],
        text=data["text"],
        offsets=OffsetMap.from_json(data["offsets"]),
        paragraphs=tuple((s, e) for s, e in data["paragraphs"]),
        repairs=tuple(Change(**r) for r in data["repairs"]),
        suspects=tuple(Change(**s) for s in data["suspects"]),
    )
