"""The corpus on disk: a directory of article files plus ``manifest.toml`` and ``userdict.txt``.

The manifest is the single source of metadata. It is validated on load so that every later
stage can trust it, and every problem is reported with the file and line to fix.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kscorpus.dates import date_problem
from kscorpus.errors import CorpusError
from kscorpus.index import freshness
from kscorpus.index.freshness import MANIFEST

if TYPE_CHECKING:
    from kscorpus.bilingual.align import Glossary

USERDICT = "userdict.txt"
GLOSSARY = "glossary.tsv"
LANGS = ("zh", "en")
SCRIPTS = {"zh": ("Hans", "Hant"), "en": ("Latn",)}
_ID_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


@dataclass(frozen=True, slots=True)  # one per article: 100,000 of them at scale
class Article:
    """One manifest entry: where an article is and what it is."""

    id: str
    file: str
    lang: str
    script: str
    title: str
    event: str = ""
    date: str = ""
    place: str = ""
    publisher: str = ""
    translation_of: str = ""

    def to_json(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "file": self.file,
            "lang": self.lang,
            "script": self.script,
            "title": self.title,
            "event": self.event or None,
            "date": self.date or None,
            "place": self.place or None,
            "publisher": self.publisher or None,
            "translation_of": self.translation_of or None,
        }


@dataclass(frozen=True)
class Corpus:
    """A loaded, validated corpus directory."""

    root: Path
    articles: tuple[Article, ...]
    userdict: tuple[tuple[str, int | None], ...] = field(default=())

    def get(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)

    def path(self, article: Article) -> Path:
        return self.root / article.file

    def read_bytes(self, article: Article) -> bytes:
        try:
            return self.path(article).read_bytes()
        except OSError as e:
            raise CorpusError(
                f"cannot read article {article.id}: {self.path(article)}: {e.strerror}; "
                f"fix the file or its entry in {self.root / MANIFEST}"
            ) from None

    def glossary(self) -> Glossary:
        """The bilingual glossary (``glossary.tsv``), empty when the corpus has none."""
        from kscorpus.bilingual.align import Glossary, load_glossary

        path = self.root / GLOSSARY
        return load_glossary(path) if path.is_file() else Glossary(())

    def pairs(self) -> list[tuple[str, str]]:
        """Translation pairs declared in the manifest, each once, as (zh id, en id)."""
        by_id = {a.id: a for a in self.articles}
        found = []
        for a in self.articles:
            other = by_id.get(a.translation_of)
            if other is not None:
                pair = (a.id, other.id) if a.lang == "zh" else (other.id, a.id)
                if pair not in found:
                    found.append(pair)
        return found

    def files(self) -> list[str]:
        """Every file ingest reads, manifest first."""
        return [MANIFEST, USERDICT, GLOSSARY, *(a.file for a in self.articles)]


def bundled_corpus_dir() -> Path:
    """The corpus shipped with kscorpus: inside the installed package, or the source checkout's."""
    return Path(freshness.bundled_corpus_dir())


def resolve_corpus_dir(corpus: str | os.PathLike[str] | None = None) -> Path:
    """``--corpus``, then ``$KSCORPUS_CORPUS``, then the bundled corpus; it must exist."""
    root = Path(freshness.corpus_dir(corpus))
    if not root.is_dir():
        raise CorpusError(
            f"corpus directory not found: {root}; pass --corpus DIR or set KSCORPUS_CORPUS "
            "(start a new corpus with 'kscorpus init DIR')"
        )
    return root


def load_corpus(corpus: str | os.PathLike[str] | None = None, cache: Path | None = None) -> Corpus:
    """Load and validate the corpus directory's manifest and user dictionary. With ``cache``
    (a file in the index directory), a manifest parsed before is read back from there: TOML is
    parsed in pure Python, a large part of an incremental ingest of a large corpus."""
    root = resolve_corpus_dir(corpus)
    manifest = root / MANIFEST
    try:
        raw = manifest.read_bytes()
    except OSError:
        raise CorpusError(
            f"no {MANIFEST} in {root}; a corpus directory needs one (see the README; "
            f"'kscorpus init {root}' writes an empty one)"
        ) from None
    key = hashlib.sha256(raw).hexdigest()
    entries = _cached_entries(cache, key) if cache else None
    parsed = entries is None
    if entries is None:
        entries = _parse_manifest(raw, manifest)
    lines = _entry_lines(raw.decode("utf-8-sig"))
    articles = tuple(
        _article(e, f"{manifest}:{lines[i] if i < len(lines) else 0}")
        for i, e in enumerate(entries)
    )
    _check_links(articles, manifest)
    if cache and parsed:
        _save_entries(cache, key, entries)
    return Corpus(root, articles, _load_userdict(root / USERDICT))


def _parse_manifest(raw: bytes, manifest: Path) -> list[object]:
    if sys.version_info >= (3, 11):  # imported here: a search of a built index never parses
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise CorpusError(f"{manifest}: not UTF-8 (byte {e.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise CorpusError(f"{manifest}: invalid TOML: {e}") from None
    entries = data.get("article", [])
    if not isinstance(entries, list):  # zero entries is an empty corpus, not an error
        raise CorpusError(f"{manifest}: 'article' must be a list of [[article]] tables")
    return entries


def _cached_entries(cache: Path, key: str) -> list[object] | None:
    """The manifest entries saved for a manifest of sha256 ``key``, if any (else None: a
    missing, stale or damaged cache is parsed again)."""
    import json

    try:
        data = json.loads(cache.read_bytes())
        return data["entries"] if data.get("sha256") == key else None
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _save_entries(cache: Path, key: str, entries: list[object]) -> None:
    """Save validated entries (written whole under a temporary name, then renamed), in an
    index directory about to be built if need be; one that cannot take it goes without."""
    import json

    from kscorpus.atomic import write_atomic

    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"sha256": key, "entries": entries}, ensure_ascii=False)
        write_atomic(cache, data.encode("utf-8"), durable=False)  # a cache: no need to sync


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[article]]"]


def _article(entry: object, where: str) -> Article:
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: an [[article]] entry must be a table")
    known = set(Article.__dataclass_fields__)
    unknown = sorted(set(entry) - known)
    if unknown:
        raise CorpusError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {sorted(known)}")
    for key, value in entry.items():
        if not isinstance(value, str):
            raise CorpusError(f"{where}: field '{key}' must be a string (quote it)")
    for key in ("id", "file", "lang", "script", "title"):
        if not entry.get(key, "").strip():
            raise CorpusError(f"{where}: missing or empty field '{key}'")
    a = Article(**entry)
    if not _ID_RE.match(a.id):
        raise CorpusError(f"{where}: id {a.id!r} must be 1-32 letters, digits, '-' or '_'")
    if a.lang not in LANGS:
        raise CorpusError(f"{where}: lang {a.lang!r} must be one of {', '.join(LANGS)}")
    if a.script not in SCRIPTS[a.lang]:
        raise CorpusError(
            f"{where}: script {a.script!r} does not fit lang {a.lang!r}; "
            f"use one of {', '.join(SCRIPTS[a.lang])}"
        )
    problem = date_problem(a.date) if a.date else None
    if problem:
        raise CorpusError(f"{where}: date {a.date!r} {problem}")
    if "/" in a.file or "\\" in a.file or a.file.startswith("."):
        raise CorpusError(f"{where}: file {a.file!r} must be a plain file name in the corpus")
    return a


def checked_entry(
    entry: dict[str, str], where: str, manifest: Path, others: tuple[Article, ...]
) -> Article:
    """A new manifest entry, validated as ``load_corpus`` would validate it among ``others``
    (the articles already in the manifest): fields, id unique, translation link. ``where``
    names the entry in messages (it has no manifest line yet)."""
    a = _article(entry, where)
    _check_links((*others, a), manifest)
    return a


def _check_links(articles: tuple[Article, ...], manifest: Path) -> None:
    ids: set[str] = set()
    for a in articles:
        if a.id in ids:
            raise CorpusError(f"{manifest}: duplicate id {a.id!r}; ids must be unique")
        ids.add(a.id)
    by_id = {a.id: a for a in articles}
    for a in articles:
        if not a.translation_of:
            continue
        other = by_id.get(a.translation_of)
        if other is None:
            raise CorpusError(
                f"{manifest}: {a.id} is a translation of unknown id {a.translation_of}"
            )
        if other.lang == a.lang:
            raise CorpusError(
                f"{manifest}: {a.id} and {other.id} are both '{a.lang}'; "
                "translation_of links articles in different languages"
            )


def _load_userdict(path: Path) -> tuple[tuple[str, int | None], ...]:
    """Parse jieba's ``word [freq] [tag]`` format ourselves: BOM and CRLF break jieba's loader."""
    if not path.is_file():
        return ()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 (byte {e.start}); save it as UTF-8") from None
    words: list[tuple[str, int | None]] = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq: int | None = None
        if len(parts) > 1 and parts[1].isdigit():
            freq = int(parts[1])
        elif len(parts) > 2:
            raise CorpusError(f"{path}:{n}: expected 'word [freq] [tag]', got {line.strip()!r}")
        words.append((parts[0], freq))
    return tuple(words)
