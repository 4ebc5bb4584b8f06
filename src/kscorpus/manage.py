"""Growing the corpus: ``add`` copies an article in (detecting its encoding, language and
script) and writes its manifest entry; ``remove`` undoes that. Both write atomically and leave
the index to the incremental ingest that follows."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .convert import to_simplified
from .corpus import MANIFEST, Article, Corpus, load_corpus
from .errors import CorpusError, NotFoundError
from .importer import toml_string
from .normalize import decode, normalize
from .segment import HAN

REMOVED = ".removed"  # where ``remove`` puts an article's file, so nothing is lost
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Added:
    article: Article
    detected: list[str]  # what was guessed or converted, for the user to check


def detect(text: str) -> tuple[str, str]:
    """``(lang, script)`` from the text: Chinese when Han characters are at least a fifth of
    the Latin letters (English words average five letters a syllable); Traditional when
    OpenCC would change more than 5% of the Han characters."""
    han = [c for c in text if HAN.match(c)]
    if not han or len(han) < len(_LATIN.findall(text)) / 5:
        return "en", "Latn"
    sample = "".join(han[:20000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    return "zh", "Hant" if changed > 0.05 * len(sample) else "Hans"


def _fingerprint(text: str) -> str:
    """Same article, whatever its encoding, BOM, line endings or Unicode form."""
    normalized, _ = normalize(unicodedata.normalize("NFC", text))
    return hashlib.sha256(" ".join(normalized.split()).encode()).hexdigest()


def add_article(
    corpus_root: Path,
    path: Path,
    lang: str | None = None,
    title: str | None = None,
    date: str | None = None,
    translation_of: str | None = None,
) -> Added:
    """Copy ``path`` into the corpus under the next free id and append its manifest entry."""
    corpus = load_corpus(corpus_root)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"cannot read {path}: {e.strerror}") from None
    text, problems = decode(data, str(path))
    detected = list(problems)
    seen = _duplicate(corpus, text)
    if seen:
        raise CorpusError(f"{path}: the same text is already in the corpus as {seen}; not added")
    guessed_lang, script = detect(text)
    if lang is None:
        lang = guessed_lang
        detected.append(f"language {lang} ({script}) detected from the text")
    elif lang != guessed_lang:
        script = "Latn" if lang == "en" else "Hans"
    elif lang == "zh":
        detected.append(f"script {script} detected from the text")
    new_id = _next_id(corpus)
    name = f"{new_id}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
    if problems and "decoded as" in problems[0]:
        data = text.encode("utf-8")
        detected.append("converted to UTF-8 in the corpus (the source file is unchanged)")
    article = Article(
        id=new_id,
        file=name,
        lang=lang,
        script=script,
        title=title or _first_line(text) or path.stem,
        date=date or "",
        translation_of=translation_of or "",
    )
    manifest = corpus_root / MANIFEST
    before = manifest.read_bytes()
    _write(corpus_root / name, data)
    try:
        _append_entry(manifest, article)
        load_corpus(corpus_root)  # validates the new entry (language, link, date …)
    except CorpusError:
        _write(manifest, before)  # as it was: nothing half-added
        (corpus_root / name).unlink()
        raise
    return Added(article, detected)


def remove_article(corpus_root: Path, article_id: str) -> Article:
    """Take an article out of the manifest; its file moves to ``.removed/`` in the corpus."""
    manifest = corpus_root / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    corpus = load_corpus(corpus_root)
    article = corpus.get(article_id)
    if article is None:
        known = ", ".join(a.id for a in corpus.articles)
        raise NotFoundError(f"no article with id {article_id!r}; known ids: {known}")
    linked = [a.id for a in corpus.articles if a.translation_of == article_id]
    if linked:
        raise CorpusError(
            f"{', '.join(linked)} name{'s' if len(linked) == 1 else ''} {article_id} as "
            f"translation_of in {manifest}; remove that link first"
        )
    blocks = re.split(r"(?m)^(?=\[\[article\]\]\s*$)", text)
    pattern = re.compile(rf'(?m)^id\s*=\s*["\']{re.escape(article_id)}["\']\s*(#.*)?$')
    kept = [b for b in blocks if not (b.startswith("[[article]]") and pattern.search(b))]
    _write(manifest, "".join(kept).encode("utf-8"))
    src = corpus_root / article.file
    if src.exists():
        (corpus_root / REMOVED).mkdir(exist_ok=True)
        os.replace(src, corpus_root / REMOVED / article.file)
    return article


def _duplicate(corpus: Corpus, text: str) -> str | None:
    wanted = _fingerprint(text)
    for a in corpus.articles:
        try:
            other, _ = decode(corpus.read_bytes(a), a.file)
        except CorpusError:
            continue
        if _fingerprint(other) == wanted:
            return a.id
    return None


def _next_id(corpus: Corpus) -> str:
    numbers = [int(a.id) for a in corpus.articles if a.id.isdigit()]
    width = max((len(a.id) for a in corpus.articles if a.id.isdigit()), default=3)
    return str(max(numbers, default=-1) + 1).zfill(width)


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line.lstrip("\ufeff")[:100]


def _append_entry(manifest: Path, a: Article) -> None:
    text = manifest.read_text(encoding="utf-8")
    fields = [(k, v) for k, v in a.to_json().items() if v]
    entry = "\n[[article]]\n" + "".join(f"{k} = {toml_string(v)}\n" for k, v in fields)
    _write(manifest, (text.rstrip("\n") + "\n" + entry).encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    """Atomically: a temporary file beside it, flushed, then renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
