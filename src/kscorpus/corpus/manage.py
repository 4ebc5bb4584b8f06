"""Growing the corpus: ``init`` starts one, ``add`` copies articles in (detecting encoding,
language and script) and writes their manifest entries, ``remove`` undoes that; ``link`` and
``unlink`` declare or withdraw a translation pair (``translation_of`` on both entries).

Each is one transaction under the corpus's writer lock (``corpus_lock.writing``): ids are
allocated, files copied and the manifest rewritten (atomically, once) with no other writer in
between, so two ``add`` commands at once queue instead of taking the same id. The index is left
to the incremental ingest that follows (the CLI runs it under the same lock)."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kscorpus.atomic import write_atomic
from kscorpus.corpus.lock import writing
from kscorpus.corpus.manifest import (
    GLOSSARY,
    LANGS,
    MANIFEST,
    USERDICT,
    Article,
    Corpus,
    checked_entry,
    load_corpus,
)
from kscorpus.dates import date_problem
from kscorpus.errors import EXIT_USAGE, CorpusError, KscorpusError, NotFoundError
from kscorpus.exchange.importer import toml_string
from kscorpus.ingest.convert import to_simplified
from kscorpus.ingest.normalize import decode, is_blank, normalize
from kscorpus.ingest.segment import HAN

REMOVED = ".removed"  # where ``remove`` puts an article's file, so nothing is lost
_LATIN = re.compile(r"[A-Za-z]")
MANIFEST_HEADER = """\
# kscorpus corpus manifest: one [[article]] table per article file in this directory.
# 'kscorpus add FILE --corpus DIR' copies an article in and appends its entry here;
# 'kscorpus remove ID --corpus DIR' takes one out. You may also edit this file by hand.
#
# Fields (all strings; the first five are required):
#   id              article id, unique: "000", "001", ... (letters, digits, - and _)
#   file            file name in this directory
#   lang            "zh" or "en"
#   script          "Hans" (Simplified), "Hant" (Traditional) or "Latn"
#   title           headline, in the article's own language and script
#   event           the event reported; the identical string for the same event
#   date            YYYY-MM-DD (or YYYY-MM, or YYYY), a real calendar date
#   place           where the event took place
#   publisher       the outlet that published the article
#   translation_of  id of the article (in the other language) this one translates
#
# Example:
#   [[article]]
#   id = "000"
#   file = "000_90d88434d4b7c06b.txt"
#   lang = "zh"
#   script = "Hans"
#   title = "快手电商服务商大会在杭州召开"
#   date = "2023-03-21"
"""


@dataclass(frozen=True)
class Added:
    article: Article
    detected: list[str]  # what was guessed or converted, for the user to check
    source: str = ""  # the file it was copied from


@dataclass(frozen=True)
class Refused:
    file: str
    error: str  # why it was not added (one line, without the file name)

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "error": self.error}


@dataclass(frozen=True)
class AddReport:
    results: list[Added | Refused] = field(default_factory=list)  # one per file, in order
    started: bool = False  # the corpus directory had no manifest: this add wrote one

    @property
    def added(self) -> list[Added]:
        return [r for r in self.results if isinstance(r, Added)]

    @property
    def refused(self) -> list[Refused]:
        return [r for r in self.results if isinstance(r, Refused)]


@dataclass(frozen=True)
class InitReport:
    root: Path
    manifest: Path
    created: bool  # False: an empty corpus was already there
    unlisted: list[str]  # files in the directory that the manifest does not name


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


def option_problem(lang: str | None, date: str | None) -> tuple[str, str] | None:
    """``(option, why)`` for the first bad value among add's options, else None."""
    if lang is not None and lang not in LANGS:
        return "lang", f"{lang!r} must be one of {', '.join(LANGS)}"
    problem = date_problem(date) if date is not None else None
    if problem:
        return "date", f"{date!r} {problem}"
    return None


def init_corpus(corpus_root: str | os.PathLike[str]) -> InitReport:
    """Start an empty corpus in ``corpus_root`` (created if missing): a ``manifest.toml`` of
    comments only. A directory whose manifest already lists articles is refused."""
    root = Path(corpus_root).expanduser()
    if root.exists() and not root.is_dir():
        raise CorpusError(f"{root} is not a directory")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CorpusError(f"cannot create the corpus directory {root}: {e.strerror}") from None
    manifest = root / MANIFEST
    with writing(root):
        created = not manifest.exists()
        if created:
            _write(manifest, MANIFEST_HEADER.encode("utf-8"))
        else:
            n = len(load_corpus(root).articles)  # a damaged manifest is reported as such
            if n:
                raise CorpusError(
                    f"{root} already holds a corpus ({n} article{'s' if n != 1 else ''} in "
                    f"{manifest}); init starts an empty one: choose another directory"
                )
        named = {MANIFEST, USERDICT, GLOSSARY}
        unlisted = sorted(p.name for p in root.iterdir() if not _hidden(p.name, named))
    return InitReport(root, manifest, created, unlisted)


def add_articles(
    corpus_root: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]],
    lang: str | None = None,
    title: str | None = None,
    date: str | None = None,
    translation_of: str | None = None,
) -> AddReport:
    """Copy each file into the corpus under the next free id and write their manifest entries,
    all in one transaction under the corpus lock. A file that cannot be added (unreadable,
    empty, a duplicate of an article or of an earlier file, an entry that would not validate)
    is refused with the reason, and the others are added. A corpus that cannot be written to
    raises CorpusError and nothing is added."""
    bad = option_problem(lang, date)
    if bad:
        raise KscorpusError(f"{bad[0]} {bad[1]}", EXIT_USAGE)
    root = Path(corpus_root)
    paths = [Path(p) for p in paths]
    with writing(root):
        manifest = root / MANIFEST
        started = _start_if_new(root)
        corpus = load_corpus(root)
        try:
            before = manifest.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CorpusError(f"cannot read {manifest}: {e}") from None
        seen = _fingerprints(corpus)
        articles = corpus.articles
        results: list[Added | Refused] = []
        entries: list[str] = []
        staged: list[tuple[Path, bytes]] = []
        for path in paths:
            try:
                res, data, fp = _prepare(
                    path, corpus, articles, seen, lang, title, date, translation_of
                )
            except CorpusError as e:
                results.append(Refused(str(path), str(e).removeprefix(f"{path}: ")))
                continue
            a = res.article
            articles = (*articles, a)
            seen[fp] = (a.id, str(path))
            fields = [(k, v) for k, v in a.to_json().items() if v]
            entries.append(
                "\n[[article]]\n" + "".join(f"{k} = {toml_string(v)}\n" for k, v in fields)
            )
            staged.append((root / a.file, data))
            results.append(res)
        if staged:
            done: list[Path] = []
            try:
                for target, data in staged:
                    _write(target, data)
                    done.append(target)
                _write(manifest, (before.rstrip("\n") + "\n" + "".join(entries)).encode("utf-8"))
            except CorpusError:
                for target in done:  # nothing half-added
                    target.unlink(missing_ok=True)
                raise
    return AddReport(results, started)


def add_article(
    corpus_root: Path,
    path: Path,
    lang: str | None = None,
    title: str | None = None,
    date: str | None = None,
    translation_of: str | None = None,
) -> Added:
    """Add one file (see ``add_articles``); a refusal raises CorpusError."""
    report = add_articles(corpus_root, [path], lang, title, date, translation_of)
    if report.refused:
        raise CorpusError(f"{path}: {report.refused[0].error}; not added")
    return report.added[0]


def _prepare(
    path: Path,
    corpus: Corpus,
    articles: tuple[Article, ...],
    seen: dict[str, tuple[str, str | None]],
    lang: str | None,
    title: str | None,
    date: str | None,
    translation_of: str | None,
) -> tuple[Added, bytes, str]:
    """The article ``path`` would become (checked against ``articles``), the bytes to store
    and its fingerprint; CorpusError says why it cannot be added."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"cannot read it: {e.strerror}") from None
    if not data.strip():
        raise CorpusError("the file is empty")
    text, problems = decode(data, str(path))
    if _blank(text):
        raise CorpusError("the file is empty (nothing but white space)")
    detected = list(problems)
    fp = _fingerprint(text)
    if fp in seen:
        other, source = seen[fp]
        if source is not None:
            raise CorpusError(f"the same text as {source}, added just before as {other}")
        raise CorpusError(f"the same text is already in the corpus as {other}")
    guessed_lang, script = detect(text)
    if lang is None:
        lang = guessed_lang
        detected.append(f"language {lang} ({script}) detected from the text")
    elif lang != guessed_lang:
        script = "Latn" if lang == "en" else "Hans"
    elif lang == "zh":
        detected.append(f"script {script} detected from the text")
    new_id = _next_id(articles)
    name = f"{new_id}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
    if problems and "decoded as" in problems[0]:
        data = text.encode("utf-8")
        detected.append("converted to UTF-8 in the corpus (the source file is unchanged)")
    entry = Article(
        id=new_id,
        file=name,
        lang=lang,
        script=script,
        title=title or _first_line(text) or path.stem,
        date=date or "",
        translation_of=translation_of or "",
    )
    fields = {k: v for k, v in entry.to_json().items() if v}
    article = checked_entry(fields, f"the entry for {path}", corpus.root / MANIFEST, articles)
    return Added(article, detected, str(path)), data, fp


def remove_article(corpus_root: str | os.PathLike[str], article_id: str) -> Article:
    """Take an article out of the manifest; its file moves to ``.removed/`` in the corpus."""
    root = Path(corpus_root)
    manifest = root / MANIFEST
    with writing(root):
        corpus = load_corpus(root)
        article = corpus.get(article_id)
        if article is None:
            known = ", ".join(a.id for a in corpus.articles) or "none, the corpus is empty"
            raise NotFoundError(f"no article with id {article_id!r}; known ids: {known}")
        linked = [a.id for a in corpus.articles if a.translation_of == article_id]
        if linked:
            raise CorpusError(
                f"{', '.join(linked)} name{'s' if len(linked) == 1 else ''} {article_id} as "
                f"translation_of in {manifest}; remove that link first"
            )
        text = manifest.read_bytes().decode("utf-8")
        blocks = re.split(r"(?m)^(?=\[\[article\]\]\s*$)", text)
        pattern = re.compile(rf'(?m)^id\s*=\s*["\']{re.escape(article_id)}["\']\s*(#.*)?$')
        kept = [b for b in blocks if not (b.startswith("[[article]]") and pattern.search(b))]
        _write(manifest, "".join(kept).encode("utf-8"))
        src = root / article.file
        if src.exists():
            aside = root / REMOVED
            try:
                aside.mkdir(exist_ok=True)
                os.replace(src, aside / article.file)
            except OSError as e:  # the entry is gone already: the file stays where it was
                raise CorpusError(
                    f"removed {article_id} from {manifest}, but cannot move {src} to {aside}: "
                    f"{e.strerror}"
                ) from None
    return article


@dataclass(frozen=True)
class Linked:
    """A translation pair as ``link`` or ``unlink`` left it."""

    zh: Article
    en: Article
    changed: bool  # False: the manifest already said so, nothing was written


def link_articles(corpus_root: str | os.PathLike[str], first: str, second: str) -> Linked:
    """Declare two articles (one Chinese, one English, in either order) a translation pair:
    ``translation_of`` on both manifest entries, as the bundled corpus has it. An article
    already paired with a third one is refused: unlink it first."""
    root = Path(corpus_root)
    with writing(root):
        corpus = load_corpus(root)
        a, b = (_known(corpus, i) for i in (first, second))
        if a.id == b.id:
            raise KscorpusError(
                f"cannot link {a.id} with itself; give a zh and an en id", EXIT_USAGE
            )
        if a.lang == b.lang:
            raise KscorpusError(
                f"{a.id} and {b.id} are both '{a.lang}'; a translation pair is one zh and one "
                "en article",
                EXIT_USAGE,
            )
        zh, en = (a, b) if a.lang == "zh" else (b, a)
        for x, y in ((zh, en), (en, zh)):
            other = _partner(corpus, x.id)
            if other not in (None, y.id):
                raise CorpusError(
                    f"{x.id} is already linked with {other}; 'kscorpus unlink {x.id}' first"
                )
        if zh.translation_of == en.id and en.translation_of == zh.id:
            return Linked(zh, en, changed=False)
        after = _edit_links(corpus, {zh.id: en.id, en.id: zh.id})
        return Linked(after.get(zh.id) or zh, after.get(en.id) or en, changed=True)


def unlink_article(corpus_root: str | os.PathLike[str], article_id: str) -> Linked:
    """Withdraw the translation pair ``article_id`` belongs to: ``translation_of`` goes from
    both entries. An article without a pair is a NotFoundError."""
    root = Path(corpus_root)
    with writing(root):
        corpus = load_corpus(root)
        a = _known(corpus, article_id)
        other = _partner(corpus, a.id)
        if other is None:
            raise NotFoundError(f"{a.id} is not linked with a translation; nothing to unlink")
        b = corpus.get(other)
        assert b is not None  # load_corpus checked every translation_of
        zh, en = (a, b) if a.lang == "zh" else (b, a)
        # every entry of a pair with the article (a manifest edited by hand may hold two)
        ids = {i for pair in corpus.pairs() if a.id in pair for i in pair}
        _edit_links(corpus, dict.fromkeys(sorted(ids)))
        return Linked(zh, en, changed=True)


def _known(corpus: Corpus, article_id: str) -> Article:
    article = corpus.get(article_id)
    if article is None:
        raise NotFoundError(
            f"no article with id {article_id!r} in {corpus.root / MANIFEST} "
            "('kscorpus list' shows the ids)"
        )
    return article


def _partner(corpus: Corpus, article_id: str) -> str | None:
    """The article ``article_id`` is paired with, by its own ``translation_of`` or the
    other's."""
    for zh, en in corpus.pairs():
        if article_id in (zh, en):
            return en if article_id == zh else zh
    return None


_TRANSLATION_OF = re.compile(r"(?m)^[ \t]*translation_of[ \t]*=.*(?:\n|$)")


def _edit_links(corpus: Corpus, links: dict[str, str | None]) -> Corpus:
    """Set (or, for None, delete) ``translation_of`` in the entries of ``links``, in one
    atomic write of the manifest; the rest of the file, comments included, is kept. Returns
    the corpus as written; if it would not load, the manifest is put back and the error
    raised."""
    manifest = corpus.root / MANIFEST
    raw = manifest.read_bytes()
    blocks = re.split(r"(?m)^(?=\[\[article\]\]\s*$)", raw.decode("utf-8"))
    for aid, value in links.items():
        pattern = re.compile(rf'(?m)^id\s*=\s*["\']{re.escape(aid)}["\']\s*(#.*)?$')
        found = [
            n for n, b in enumerate(blocks) if b.startswith("[[article]]") and pattern.search(b)
        ]
        if len(found) != 1:
            raise CorpusError(
                f"cannot find the [[article]] table of {aid} in {manifest}; set its "
                "translation_of there by hand"
            )
        n = found[0]
        block = _TRANSLATION_OF.sub("", blocks[n])
        if value is not None:
            body = block.rstrip()
            tail = block[len(body) :]
            line = f"translation_of = {toml_string(value)}\n"
            block = f"{body}\n{line}{tail[1:] if tail.startswith(chr(10)) else tail}"
        blocks[n] = block
    _write(manifest, "".join(blocks).encode("utf-8"))
    try:
        return load_corpus(corpus.root)
    except CorpusError:
        _write(manifest, raw)
        raise


def _fingerprints(corpus: Corpus) -> dict[str, tuple[str, str | None]]:
    """The fingerprint of every readable article, as ``(id, None)``."""
    seen: dict[str, tuple[str, str | None]] = {}
    for a in corpus.articles:
        try:
            other, _ = decode(corpus.read_bytes(a), a.file)
        except CorpusError:
            continue
        seen.setdefault(_fingerprint(other), (a.id, None))
    return seen


def _next_id(articles: tuple[Article, ...]) -> str:
    numbers = [int(a.id) for a in articles if a.id.isdigit()]
    width = max((len(a.id) for a in articles if a.id.isdigit()), default=3)
    return str(max(numbers, default=-1) + 1).zfill(width)


def _first_line(text: str) -> str:
    """The title a file gives itself: its first line with something to read."""
    line = next((ln for ln in text.splitlines() if not is_blank(ln)), "")
    return line.strip().strip("\ufeff\u200b")[:100]


def _blank(text: str) -> bool:
    """Nothing but white space of any kind (ideographic space, no-break space …), invisible
    format characters (zero-width space, BOM) and control characters."""
    return all(c.isspace() or unicodedata.category(c) in ("Zs", "Cf", "Cc") for c in text)


def _hidden(name: str, named: set[str]) -> bool:
    return name.startswith(".") or name in named


def _start_if_new(root: Path) -> bool:
    """A corpus directory without a manifest that holds nothing else (an empty directory, or
    one made for it) gets an empty manifest; True if one was written."""
    if (root / MANIFEST).exists() or not root.is_dir():
        return False
    if any(not p.name.startswith(".") for p in root.iterdir()):
        return False  # files of some other kind: load_corpus says what is missing
    _write(root / MANIFEST, MANIFEST_HEADER.encode("utf-8"))
    return True


def _write(path: Path, data: bytes) -> None:
    """``write_atomic``, a failure reported as a CorpusError naming the file."""
    try:
        write_atomic(path, data)
    except OSError as e:
        raise CorpusError(f"cannot write {path}: {e.strerror or e}") from None
