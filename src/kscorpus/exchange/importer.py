"""Import: rebuild a corpus directory from a JSONL (or JSON) export, or add the translation
pairs of a TMX file to a corpus (``import_tmx``).

An export record carries the article's text exactly as decoded from its file (byte-order mark
and CRLF kept), so for a UTF-8 file that text encoded as UTF-8 is the file; a file that was not
UTF-8 comes with its bytes in base64. The record's sha256 confirms either. The corpus record
restores the user dictionary and the glossary, without which the same articles would be
segmented and aligned differently.

Everything is written to a staging directory beside the target and loaded as a corpus there, so
a bad export changes nothing; the files are then renamed into the target one by one (each
appears whole), the manifest last, under the target's writer lock (``corpus_lock``): an
``add`` into the same directory waits for the import to finish, and the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from kscorpus.atomic import fsync_dir
from kscorpus.bilingual.align import GLOSSARY
from kscorpus.corpus.lock import LOCK_FILE, writing
from kscorpus.corpus.manifest import MANIFEST, USERDICT, Article, load_corpus
from kscorpus.errors import EXIT_USAGE, CorpusError, KscorpusError
from kscorpus.exchange.export import MANIFEST_FIELDS

if TYPE_CHECKING:
    from kscorpus.exchange.tmx import TmxPair

LANG_NAMES = {"zh": "Chinese", "en": "English"}

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


@dataclass(frozen=True)
class ImportReport:
    root: Path
    articles: int
    files: tuple[str, ...]


def read_export(
    source: str | os.PathLike[str], data: bytes | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The corpus record and the article records of an export file (``-``: standard input;
    ``data``: its bytes, already read)."""
    where = str(source)
    try:
        if data is None:
            data = sys.stdin.buffer.read() if where == "-" else Path(source).read_bytes()
        text = data.decode("utf-8")
    except OSError as e:
        raise CorpusError(f"cannot read {where}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise CorpusError(
            f"{where}: not UTF-8 (byte {e.start}); is it a kscorpus export?"
        ) from None
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict) and "kind" not in whole:  # --format json
        info = whole.get("corpus")
        labelled = [(f"{where}: articles[{i}]", r) for i, r in enumerate(whole.get("articles", []))]
    else:  # --format jsonl
        labelled = []
        for n, line in enumerate(text.splitlines(), 1):
            try:
                labelled.append((f"{where}:{n}", json.loads(line)))
            except ValueError as e:
                raise CorpusError(f"{where}:{n}: not a JSON record ({e.msg})") from None
        info = labelled.pop(0)[1] if labelled else None
    if not _is_corpus_info(info):
        raise CorpusError(
            f"{where}: not a kscorpus export (it must start with the corpus record); "
            "make one with 'kscorpus export --format jsonl'"
        )
    articles = [_checked(rec, label) for label, rec in labelled]
    if info["articles"] != len(articles):
        raise CorpusError(
            f"{where}: {len(articles)} articles, but its corpus record says {info['articles']}; "
            "the file is truncated or was edited"
        )
    return info, articles


def _is_corpus_info(info: object) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(info, dict)
        and isinstance(info.get("articles"), int)
        and isinstance(info.get("glossary"), (str, type(None)))
        and isinstance(info.get("userdict"), list)
        and all(
            isinstance(r, list)
            and len(r) == 2
            and isinstance(r[0], str)
            and isinstance(r[1], (int, type(None)))
            for r in info["userdict"]
        )
    )


def _checked(rec: object, where: str) -> dict[str, Any]:
    """An article record with what an import needs, its file name safe and its text intact."""
    if not isinstance(rec, dict) or rec.get("kind") != "article":
        raise CorpusError(f'{where}: expected an article record ({{"kind": "article", …}})')
    for key in (*MANIFEST_FIELDS, "original", "original_base64", "sha256"):
        if not isinstance(rec.get(key), (str, type(None))):
            raise CorpusError(f"{where}: field {key!r} must be a string or null")
    name = rec.get("file") or ""
    if Path(name).name != name or name.startswith(".") or name in (MANIFEST, USERDICT, GLOSSARY):
        raise CorpusError(f"{where}: file name {name!r} must be a plain article file name")
    if hashlib.sha256(file_bytes(rec, where)).hexdigest() != rec.get("sha256"):
        raise CorpusError(
            f"{where}: article {rec.get('id')}'s original text does not match its sha256; "
            "the export was damaged or edited (fix the text or update the sha256)"
        )
    return rec


def file_bytes(rec: dict[str, Any], where: str = "") -> bytes:
    """The article file: ``original_base64`` when the export has it (a file that was not
    UTF-8), else ``original`` as UTF-8."""
    if rec.get("original_base64") is None:
        return (rec.get("original") or "").encode("utf-8", "replace")
    try:
        return base64.b64decode(rec["original_base64"], validate=True)
    except (TypeError, ValueError):
        raise CorpusError(f"{where}: original_base64 is not base64") from None


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = (_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if c < " " or c == "\x7f" else c) for c in value)
    return '"' + "".join(out) + '"'


def manifest_text(articles: Iterable[dict[str, Any]]) -> str:
    """``manifest.toml`` for these records: fields in manifest order, empty ones left out."""
    lines = ["# kscorpus corpus manifest, written by 'kscorpus import' (fields: see the README)."]
    for rec in articles:
        lines += ["", "[[article]]"]
        lines += [f"{k} = {toml_string(rec[k])}" for k in MANIFEST_FIELDS if rec.get(k)]
    return "\n".join(lines) + "\n"


def userdict_text(rows: Iterable[list[Any]]) -> str:
    """``userdict.txt`` in jieba's ``word [freq]`` format."""
    return "".join(f"{w} {f}\n" if f is not None else f"{w}\n" for w, f in rows)


def import_corpus(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    force: bool = False,
    data: bytes | None = None,
) -> ImportReport:
    """Create the corpus directory ``target`` from the export ``source`` (or its ``data``)."""
    info, articles = read_export(source, data)
    root = Path(target).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise KscorpusError(f"{root} is not a directory; import into a directory", EXIT_USAGE)
    _check_empty(root, force)
    names = [a["file"] for a in articles]
    if len(set(names)) != len(names):
        raise CorpusError(f"{source}: two articles share a file name; file names must be unique")
    try:  # None: the export has no such file, so an old one must go (it would change the corpus)
        files: dict[str, bytes | None] = {a["file"]: file_bytes(a) for a in articles}
        files[USERDICT] = userdict_text(info["userdict"]).encode() if info["userdict"] else None
        files[GLOSSARY] = None if info["glossary"] is None else info["glossary"].encode()
        files[MANIFEST] = manifest_text(articles).encode()  # last: it names the others
    except UnicodeEncodeError as e:
        raise CorpusError(f"{source}: text that is not valid Unicode ({e.reason})") from None
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{root.name}.import-", dir=root.parent))
    except OSError as e:
        raise KscorpusError(f"cannot create {root}: {e.strerror}", EXIT_USAGE) from None
    try:
        for name, data in files.items():
            if data is not None:
                _write(stage / name, data)
        try:
            load_corpus(stage)
        except CorpusError as e:
            msg = str(e).replace(str(stage), str(root))
            raise CorpusError(f"{source} does not make a valid corpus: {msg}") from None
        root.mkdir(exist_ok=True)
        with writing(root):
            _check_empty(root, force)  # again: another writer may have been first
            for name, data in files.items():
                if data is None:
                    (root / name).unlink(missing_ok=True)
                else:
                    os.replace(stage / name, root / name)
            fsync_dir(root)
    except OSError as e:
        raise KscorpusError(f"cannot write {root}: {e.strerror or e}", EXIT_USAGE) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return ImportReport(root, len(articles), tuple(n for n, d in files.items() if d is not None))


def _check_empty(root: Path, force: bool) -> None:
    if force or not root.is_dir():
        return
    if any(p.name != LOCK_FILE for p in root.iterdir()):
        raise KscorpusError(
            f"{root} is not empty; import into a new or empty directory, or pass --force to "
            "replace the corpus files in it",
            EXIT_USAGE,
        )


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# ---------------------------------------------------------------------------------------------
# TMX: a translation pair added to a corpus


@dataclass(frozen=True)
class TmxImported:
    """One pair a TMX import added: the original first, then its translation."""

    original: Article
    translation: Article
    units: int  # translation units read for it
    paragraphs: dict[str, int]  # paragraphs written, by language

    def to_json(self) -> dict[str, Any]:
        return {
            "original": self.original.to_json(),
            "translation": self.translation.to_json(),
            "units": self.units,
            "paragraphs": self.paragraphs,
        }


def import_tmx(
    source: str | os.PathLike[str], corpus_root: str | os.PathLike[str], data: bytes | None = None
) -> list[TmxImported]:
    """Add the translation pairs of a TMX file to the corpus at ``corpus_root``: for each pair,
    the original as a new article and its translation as another, ``translation_of`` the first
    (``data``: the file's bytes, already read).

    The whole file is read and checked first, and all pairs are added under the corpus lock as
    one change: if one side is refused (its text is already in the corpus, say), the articles
    added before it are taken out again and the manifest is restored, so nothing is half-added.
    The caller updates the index (under the same lock, to make it one transaction)."""
    from kscorpus.exchange.tmx import read_tmx

    pairs = read_tmx(source, data)
    root = Path(corpus_root)
    with writing(root):
        manifest = root / MANIFEST
        try:
            before = manifest.read_bytes() if manifest.is_file() else None
        except OSError as e:
            raise CorpusError(f"cannot read {manifest}: {e.strerror}") from None
        added: list[Article] = []
        try:
            return _add_pairs(source, root, pairs, added)
        except BaseException:  # a refusal, a full disk, Ctrl-C: no pair stays half-imported
            if added:  # else nothing was written
                _take_back(root, before, added)
            raise


def _add_pairs(
    source: str | os.PathLike[str], root: Path, pairs: list[TmxPair], added: list[Article]
) -> list[TmxImported]:
    from kscorpus.corpus.manage import add_articles  # it imports this module
    from kscorpus.exchange.tmx import write_pair_files

    done = []
    with tempfile.TemporaryDirectory(prefix="kscorpus-tmx-") as tmp:
        for i, pair in enumerate(pairs, 1):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            files = dict(zip(("zh", "en"), write_pair_files(pair, folder)))
            order = ("zh", "en") if pair.source == "zh" else ("en", "zh")
            linked: str | None = None
            for lang in order:
                side = getattr(pair, lang)
                report = add_articles(
                    root,
                    [files[lang]],
                    lang=lang,
                    title=side.title,
                    date=side.date,
                    translation_of=linked,
                )
                if report.refused:
                    where = f"pair {i}" if len(pairs) > 1 else "the pair"
                    was = f" ({side.article} in the file)" if side.article else ""
                    raise CorpusError(
                        f"{source}: {where}: the {LANG_NAMES[lang]} side{was} cannot be added: "
                        f"{report.refused[0].error}; nothing was imported"
                    )
                added.append(report.added[0].article)
                linked = linked or report.added[0].article.id
            original, translation = added[-2:]
            counts = {"zh": len(pair.zh.paragraphs), "en": len(pair.en.paragraphs)}
            done.append(TmxImported(original, translation, pair.units, counts))
    return done


def _take_back(root: Path, before: bytes | None, added: list[Article]) -> None:
    """Undo a partial TMX import: the manifest as it was, the copied article files removed."""
    from kscorpus.atomic import write_atomic

    try:
        if before is None:
            (root / MANIFEST).unlink(missing_ok=True)
        else:
            write_atomic(root / MANIFEST, before)
        for a in added:
            (root / a.file).unlink(missing_ok=True)
    except OSError as e:
        raise CorpusError(
            f"an import failed and could not be undone ({e.strerror}); check {root / MANIFEST}"
        ) from None
