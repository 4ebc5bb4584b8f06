"""Exports: one self-contained record per article, as JSON, JSONL, CSV or OpenSearch bulk NDJSON.

A record carries what the index was built from (manifest fields, the original text as decoded
from the file, and the file's bytes as well when that text does not give them back) and what
kscorpus derived from it (cleaned text, paragraphs with offsets into both texts, repairs,
alignment with the translation), so a script needs no kscorpus to use it and ``importer`` can
rebuild the corpus from a JSONL export. Output is produced lazily, one article at a time, so a
large corpus never sits in memory as one string.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kscorpus import __version__
from kscorpus.corpus.manifest import Article, Corpus
from kscorpus.errors import EXIT_USAGE, CorpusError, IndexUnavailable, KscorpusError, NotFoundError

if TYPE_CHECKING:
    from kscorpus.index.store import IndexHandle
    from kscorpus.ingest.pipeline import Document

FORMATS = ("jsonl", "json", "csv", "opensearch-bulk")
MANIFEST_FIELDS = tuple(Article.__dataclass_fields__)
DATE_FORMAT = "yyyy-MM-dd||yyyy-MM||yyyy"  # manifest dates are YYYY, YYYY-MM or YYYY-MM-DD
ZH_ANALYZER = "kscorpus_zh"


# ---------------------------------------------------------------------------------------------
# Records


def select(handle: IndexHandle, ids: str | None = None, query: str | None = None) -> list[str]:
    """Article ids to export, in manifest order: all, those listed (``000,003``), those matching
    ``query``, or those listed that also match."""
    known = handle.article_ids()
    chosen = known
    if ids is not None:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if not wanted:
            raise KscorpusError("--ids needs article ids, e.g. --ids 000,003", EXIT_USAGE)
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise NotFoundError(
                f"--ids: no article with id {', '.join(unknown)}; known ids: {', '.join(known)}"
            )
        chosen = [i for i in known if i in wanted]
    if query is not None:
        from kscorpus.query.search import search

        res = search(handle, query, limit=max(1, len(known)))
        hits = {h.id for h in res.hits}
        chosen = [i for i in chosen if i in hits]
    return chosen


def corpus_info(corpus: Corpus, articles: int) -> dict[str, Any]:
    """What an import needs besides the articles: the user dictionary changes segmentation (and
    so every token and search result) and the glossary changes alignment."""
    from kscorpus.bilingual.align import GLOSSARY

    path = corpus.root / GLOSSARY
    try:
        glossary = path.read_bytes().decode("utf-8") if path.is_file() else None
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 (byte {e.start}); save it as UTF-8") from None
    return {
        "articles": articles,
        "userdict": [[word, freq] for word, freq in corpus.userdict],
        "glossary": glossary,
    }


class Exporter:
    """Builds article records one at a time; a pair's segments are read once from the index."""

    def __init__(self, handle: IndexHandle, corpus: Corpus, tokens: bool = False) -> None:
        self.handle = handle
        self.corpus = corpus
        self.tokens = tokens
        self._segments: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def document(self, article_id: str) -> Document:
        doc = self.handle.document(article_id)
        if doc is None:
            raise NotFoundError(
                f"article {article_id} is in the manifest but not in the index; "
                "run 'kscorpus ingest'"
            )
        return doc

    def file_bytes(self, doc: Document) -> str | None:
        """The article file's bytes, base64, when ``original`` encoded as UTF-8 is not the file
        (it was read as GB18030 or Big5, or had invalid UTF-8): else null, the usual case."""
        if hashlib.sha256(doc.original.encode("utf-8")).hexdigest() == doc.sha256:
            return None
        data = self.corpus.read_bytes(doc.article)
        if hashlib.sha256(data).hexdigest() != doc.sha256:
            raise IndexUnavailable(
                f"{self.corpus.path(doc.article)} changed since it was indexed; "
                "run 'kscorpus ingest' and export again"
            )
        return base64.b64encode(data).decode("ascii")

    def record(self, article_id: str) -> dict[str, Any]:
        """The export record of one article (see docs/export.md for every field)."""
        doc = self.document(article_id)
        rec: dict[str, Any] = {"kind": "article", **doc.article.to_json(), "sha256": doc.sha256}
        rec["original"] = doc.original
        rec["original_base64"] = self.file_bytes(doc)
        rec["text"] = doc.text
        rec["paragraphs"] = []
        for pno, (s, e) in enumerate(doc.paragraphs):
            os_, oe = doc.to_original(s, e)
            rec["paragraphs"].append(
                {"pno": pno, "start": s, "end": e, "text": doc.text[s:e]}
                | {"original_start": os_, "original_end": oe}
            )
        rec["repairs"] = [r.to_json() for r in doc.repairs]
        rec["suspects"] = [x.to_json() for x in doc.suspects]
        if self.tokens:
            rec["tokens"] = [
                words(doc.paragraph_text(i), self.corpus.userdict)[0]
                for i in range(len(doc.paragraphs))
            ]
        rec["translation"] = self.translation(doc)
        return rec

    def translation(self, doc: Document) -> dict[str, Any] | None:
        from kscorpus.bilingual.counterparts import counterpart_id

        a = doc.article
        other = counterpart_id(self.handle.articles_meta(), a.id, "en" if a.lang == "zh" else "zh")
        if other is None:
            return None
        pair = (a.id, other) if a.lang == "zh" else (other, a.id)
        if pair not in self._segments:
            self._segments[pair] = [segment_json(g) for g in self.handle.segments(*pair)]
        return {"id": other, "segments": self._segments[pair]}


def segment_json(seg: dict[str, Any]) -> dict[str, Any]:
    """One aligned segment as exported (and shown by ``show --side-by-side --json``)."""
    return {"zh": list(seg["zh_pnos"]), "en": list(seg["en_pnos"]), "confidence": seg["confidence"]}


def words(text: str, userdict: Any) -> tuple[list[str], list[str]]:
    """The terms kscorpus indexes for ``text``: precise-mode words (jieba words, English lower-
    cased, stop-worded and stemmed) and the search-mode sub-words indexed alongside them."""
    from kscorpus.index.analysis import tokens

    found: list[str] = []
    subs: list[str] = []
    prev: tuple[str, int] | None = None
    for term, pos, _, _ in tokens(text, userdict, subwords=True):
        if prev is not None:
            (subs if prev[1] == pos else found).append(prev[0])  # a sub-word shares its position
        prev = (term, pos)
    if prev is not None:
        found.append(prev[0])
    return found, subs


# ---------------------------------------------------------------------------------------------
# Formats


def columns(tokens: bool) -> list[str]:
    """CSV columns: every record field but ``kind``, in record order."""
    return [
        *MANIFEST_FIELDS,
        "sha256",
        "original",
        "original_base64",
        "text",
        "paragraphs",
        "repairs",
        "suspects",
        *(["tokens"] if tokens else []),
        "translation",
    ]


def render(
    fmt: str,
    info: dict[str, Any],
    records: Iterable[dict[str, Any]],
    tokens: bool = False,
    index_name: str = "kscorpus",
) -> Iterator[str]:
    """The export in ``fmt`` as text chunks to write in order (one article at a time)."""
    if fmt == "jsonl":
        yield _dumps({"kind": "corpus", "kscorpus": __version__, **info}) + "\n"
        for rec in records:
            yield _dumps(rec) + "\n"
    elif fmt == "json":
        # exactly json.dumps(indent=2) of the whole document, written article by article
        yield f'{{\n  "kscorpus": {_dumps(__version__)},\n  "corpus": {_dumps(info, 1)},\n'
        empty = True
        for rec in records:
            yield ('  "articles": [\n    ' if empty else ",\n    ") + _dumps(rec, 2)
            empty = False
        yield '  "articles": []\n}\n' if empty else "\n  ]\n}\n"
    elif fmt == "csv":
        buf = io.StringIO()
        out = csv.writer(buf)
        header = columns(tokens)
        out.writerow(header)
        for rec in records:
            out.writerow(_cell(rec[k]) for k in header)
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()
    elif fmt == "opensearch-bulk":
        userdict = tuple((w, f) for w, f in info["userdict"])
        for action, source in bulk(records, userdict, index_name):
            yield _dumps(action) + "\n" + _dumps(source) + "\n"
    else:
        raise KscorpusError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", EXIT_USAGE)


def _dumps(data: Any, level: int = 0) -> str:
    """Compact JSON, or indented by two spaces and nested ``level`` deep."""
    if not level:
        return json.dumps(data, ensure_ascii=False)
    return json.dumps(data, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


def _cell(value: Any) -> Any:
    """A CSV cell: lists and objects as JSON text, null as empty."""
    if value is None:
        return ""
    return _dumps(value) if isinstance(value, (list, dict)) else value


# ---------------------------------------------------------------------------------------------
# OpenSearch / Elasticsearch


def bulk(
    records: Iterable[dict[str, Any]], userdict: Any, index_name: str = "kscorpus"
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(action, source) pairs for the ``_bulk`` API: each article, then each of its paragraphs
    (``_id`` ``000#3``). Chinese text goes in as the terms kscorpus indexes, joined by spaces,
    so a whitespace analyzer reproduces kscorpus's segmentation without a Chinese plugin."""
    from kscorpus.ingest.convert import to_simplified

    for rec in records:
        meta = {k: rec[k] for k in ("id", "lang", "script", "event", "date", "place", "publisher")}
        meta["translation_id"] = rec["translation"]["id"] if rec["translation"] else None
        meta["title"] = rec["title"]
        paras = rec["paragraphs"]
        if rec["lang"] == "zh":  # Simplified, as kscorpus indexes it
            title = to_simplified(rec["title"]) if rec["script"] == "Hant" else rec["title"]
            meta |= _zh("title", *words(title, userdict))
            segs = [words(p["text"], userdict) for p in paras]
            whole = _zh("text", [t for w, _ in segs for t in w], [t for _, s in segs for t in s])
            parts = [_zh("text", w, s) for w, s in segs]
        else:
            meta["title_en"] = rec["title"]
            whole = {"text_en": rec["text"]}
            parts = [{"text_en": p["text"]} for p in paras]
        yield _action(index_name, rec["id"]), _source("article", meta, rec["text"], whole)
        for p, part in zip(paras, parts):
            where = {"pno": p["pno"], "start": p["start"], "end": p["end"]}
            yield (
                _action(index_name, f"{rec['id']}#{p['pno']}"),
                _source("passage", meta | where, p["text"], part),
            )


def _zh(field: str, found: list[str], subs: list[str]) -> dict[str, str]:
    return {f"{field}_zh_seg": " ".join(found), f"{field}_zh_sub": " ".join(subs)}


def _action(index_name: str, doc_id: str) -> dict[str, Any]:
    return {"index": {"_index": index_name, "_id": doc_id}}


def _source(
    kind: str, meta: dict[str, Any], text: str, searchable: dict[str, str]
) -> dict[str, Any]:
    doc = {"kind": kind, **meta, "text": text, **searchable}
    return {k: v for k, v in doc.items() if v is not None}


def mapping() -> dict[str, Any]:
    """The index mapping for :func:`bulk`'s documents (``dynamic: strict``, so a field that
    is not mapped here is an error rather than a guess)."""
    keyword = {"type": "keyword"}
    integer = {"type": "integer"}
    zh = {"type": "text", "analyzer": ZH_ANALYZER}
    en = {"type": "text", "analyzer": "english"}
    shown = {"type": "text", "index": False}  # for display; searched through the fields below
    keywords = ("kind", "id", "lang", "script", "event", "place", "publisher", "translation_id")
    return {
        "settings": {
            "analysis": {
                "analyzer": {
                    ZH_ANALYZER: {
                        "type": "custom",
                        "tokenizer": "whitespace",
                        "filter": ["lowercase"],
                    }
                }
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                **dict.fromkeys(keywords, keyword),
                "date": {"type": "date", "format": DATE_FORMAT},
                **dict.fromkeys(("pno", "start", "end"), integer),
                "title": shown,
                "text": shown,
                "title_en": en,
                "text_en": en,
                **dict.fromkeys(("title_zh_seg", "title_zh_sub", "text_zh_seg", "text_zh_sub"), zh),
            },
        },
    }


# ---------------------------------------------------------------------------------------------
# Writing


def write_atomic(path: Path, chunks: Iterable[str | bytes]) -> None:
    """``atomic.write_atomic``, a failure reported as a usage error naming the file."""
    from kscorpus.atomic import write_atomic as write

    try:
        write(path, chunks)
    except OSError as e:
        raise KscorpusError(
            f"cannot write {path}: {e.strerror or e}; check that {path.parent} exists and is "
            "writable",
            EXIT_USAGE,
        ) from None


def write_stdout(chunks: Iterable[str]) -> None:
    for chunk in chunks:
        sys.stdout.write(chunk)
    sys.stdout.flush()
