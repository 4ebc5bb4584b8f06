"""The Whoosh index on disk: two indexes (articles, passages) in one generation directory.

Builds are atomic: a new generation is written into a temporary directory under a lock, renamed
into place, and only then named in ``CURRENT`` (itself replaced atomically). A reader therefore
always sees a complete index, an interrupted build leaves the previous one untouched, and the
next build clears the leftovers.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kscorpus import __version__
from kscorpus.atomic import write_atomic
from kscorpus.corpus.manifest import GLOSSARY, Article, Corpus, load_corpus
from kscorpus.errors import CorpusError, IndexUnavailable, KscorpusError, LockedError
from kscorpus.index import freshness
from kscorpus.index.freshness import (
    CURRENT,
    FILES,
    META,
    STARTED,
    check_async,
    file_list,
    listed_fingerprint,
    read_file_list,
)
from kscorpus.index.reader_pins import Pin, pin, remove_unpinned
from kscorpus.ingest.convert import convertible_chars
from kscorpus.ingest.fastseg import DICT_FILE, FastSegmenter, compile_dictionary
from kscorpus.ingest.segment import compiled_for_indexing, jieba_tokenizer, use_compiled

if TYPE_CHECKING:
    from kscorpus.ingest.pipeline import Document

SCHEMA_VERSION = 13  # 6: live statistics in meta.json; 7: the analyzer moved to index.analysis;
# 8: an id column for ties; 9: character fields (title_chars, text_chars) beside the word fields;
# 10: no character fields in the passages index; 11: the passages' word sequences (index.wordseq);
# 12: where each article's paragraphs start (index.paragraphs); 13: the passages' kwic words that
# are no terms of their own (index.kwicwords)
ARTICLES = "articles.json"  # per-article summaries: read only by commands that need them
LOCK = ".lock"
CONVERTIBLE = "convertible.txt"
ANCHORS = "anchors.json"  # of pair candidates, so an incremental ingest need not recompute
PAIRS = "pairs.json"  # every candidate pair scored above the threshold (``bilingual.pairs``)
ANCHORS_VERSION = b"anchors 3"  # 3: dictionary words (one string) and lengths, for pair detection
MANIFEST_CACHE = ".manifest.json"  # the corpus manifest as last parsed (see ``load_corpus``)
# Articles to index up to which an update segments with the previous generation's compiled
# dictionary instead of loading jieba's (see ``segment.compiled_for_indexing``).
FEW = 16

Progress = Callable[[int, int, str], None]


def resolve_index_dir(index: str | os.PathLike[str] | None, corpus_root: Path) -> Path:
    """``--index``, then ``$KSCORPUS_INDEX``, then an ``index/`` directory beside the corpus
    directory if one exists (the project layout), else a per-corpus cache directory."""
    return Path(freshness.index_dir(index, str(corpus_root)))


def _schemas(userdict: tuple[tuple[str, int | None], ...]) -> tuple[Any, Any, Any]:
    from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

    from kscorpus.index.analysis import BilingualAnalyzer, WordPositions
    from kscorpus.index.hanchars import CharPositions, HanCharAnalyzer
    from kscorpus.index.kwicwords import field as kwic_words
    from kscorpus.index.paragraphs import column_field as paragraph_starts
    from kscorpus.index.wordseq import column_field

    an = BilingualAnalyzer(userdict)

    def chars() -> Any:
        """Han characters and bigrams, positions = character offsets (``index.hanchars``)."""
        f = TEXT(analyzer=HanCharAnalyzer(), phrase=True)
        f.format = CharPositions(field_boost=f.format.field_boost)
        return f

    def text(stored: bool = False) -> Any:
        f = TEXT(analyzer=an, phrase=True, stored=stored, multitoken_query="and")
        f.format = WordPositions(field_boost=f.format.field_boost)
        return f

    common = {
        "id": ID(stored=True, sortable=True),  # a column: ties rank by id without stored fields
        "lang": ID(stored=True),
        "script": ID(stored=True),
        "title": text(stored=True),
        "event": text(),
        "publisher": text(),
        "date": ID(stored=True),
    }
    # character fields in the articles index only: passages are found by their words, and by
    # characters through their article (``query.search._char_passages``), at half the cost
    articles = Schema(
        **common,
        title_chars=chars(),
        text=text(),
        text_chars=chars(),
        doc=STORED,
        paragraphs=paragraph_starts(),  # where the character positions' paragraphs start
    )
    passages = Schema(
        **common,
        # read back, never searched, so only stored: indexed, the key would add a term for
        # every passage and the number a posting, all held in memory by the segment writer
        key=STORED,
        pno=STORED,
        text=text(stored=True),
        start=STORED,
        words=column_field(),  # the paragraph's terms in order (index.wordseq)
        kwic=kwic_words(),  # kwic's words that are no terms of their own (index.kwicwords)
    )
    aligned = Schema(
        key=ID(stored=True, unique=True),
        zh_id=ID(stored=True),
        en_id=ID(stored=True),
        n=NUMERIC(stored=True),
        zh=text(stored=True),
        en=text(stored=True),
        zh_pnos=STORED,
        en_pnos=STORED,
        confidence=STORED,
    )
    return articles, passages, aligned


@dataclass
class IndexHandle:
    """An open, complete index generation."""

    root: Path
    path: Path
    meta: dict[str, Any]
    articles: Any
    passages: Any
    aligned: Any
    _searchers: dict[str, Any] = field(default_factory=dict, repr=False)
    _articles_meta: list[dict[str, Any]] | None = field(default=None, repr=False)
    _pin: Pin | None = field(default=None, repr=False)
    _convertible: frozenset[str] | bool | None = field(default=False, repr=False)

    def close(self) -> None:
        """Let a build remove this generation once it is replaced (see ``pins``)."""
        for s in self._searchers.values():
            s.close()
        self._searchers.clear()
        if self._pin:
            self._pin.release()

    def document(self, article_id: str) -> Document | None:
        from kscorpus.ingest.pipeline import (
            document_from_json,  # the cleaning pipeline: not on a search's path
        )

        fields = self.searcher("articles").document(id=article_id)
        return document_from_json(json.loads(fields["doc"])) if fields else None

    def searcher(self, name: str) -> Any:
        """One BM25F searcher (``scoring.BM25``, with the live statistics the build recorded)
        per index for the handle's life: opening one reads every segment file, which is most
        of what a search costs on a small corpus."""
        if name not in self._searchers:
            from kscorpus.query.scoring import BM25

            stats = self.meta.get("stats", {}).get(name)
            self._searchers[name] = getattr(self, name).searcher(weighting=BM25(stats))
        return self._searchers[name]

    def segments(self, zh_id: str, en_id: str) -> list[dict[str, Any]]:
        """The aligned segments of a translation pair, in order (empty if not a pair)."""
        s = self.searcher("aligned")
        found = [dict(f) for f in s.documents(zh_id=zh_id) if f["en_id"] == en_id]
        return sorted(found, key=lambda f: f["n"])

    def glossary(self) -> Any:
        """The glossary the index was built with (kept in the generation directory)."""
        from kscorpus.bilingual.align import Glossary, load_glossary

        path = self.path / GLOSSARY
        try:
            return load_glossary(path) if path.is_file() else Glossary(())
        except CorpusError as e:  # it was valid when the build copied it
            raise damaged(self.path, str(e)) from None

    def convertible(self) -> frozenset[str] | None:
        """Characters OpenCC would change (None if unknown or damaged: then every query is
        converted, which gives the same answers). Read once: a search asks three times."""
        if self._convertible is False:
            try:
                chars = (self.path / CONVERTIBLE).read_text(encoding="utf-8")
                self._convertible = frozenset(chars) or None
            except (OSError, UnicodeDecodeError):
                self._convertible = None
        return self._convertible  # type: ignore[return-value]

    def articles_meta(self) -> list[dict[str, Any]]:
        """Every article's manifest entry and counts, in manifest order. Read on first use, not
        by open_index: it grows with the corpus and a plain search never needs it."""
        if self._articles_meta is None:
            try:
                self._articles_meta = json.loads((self.path / ARTICLES).read_text("utf-8"))
            except (OSError, ValueError) as e:
                raise damaged(self.path, f"cannot read {ARTICLES}: {e}") from None
        return self._articles_meta

    def pair_candidates(self) -> list[dict[str, Any]]:
        """Every candidate translation pair the build scored above the threshold (the
        proposals are the best of them, in ``meta``); read only by who asks."""
        try:
            return json.loads((self.path / PAIRS).read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as e:
            raise damaged(self.path, f"cannot read {PAIRS}: {e}") from None

    def article_ids(self) -> list[str]:
        return [a["id"] for a in self.articles_meta()]


@dataclass(frozen=True)
class BuildReport:
    path: Path
    articles: int
    passages: int
    tokens: int
    repairs: dict[str, tuple[str, ...]]
    proposed_pairs: list[dict[str, Any]]
    skipped: dict[str, str]  # article id → why it could not be read
    seconds: float
    updated: int = 0  # articles cleaned and indexed by this run
    removed: int = 0
    jobs: int = 1  # processes that wrote them


def status(corpus_root: Path, root: Path, check_files: bool = True) -> str:
    """``missing``, ``stale`` (the corpus changed, or another kscorpus built it) or ``current``.

    Uses the file list recorded at ingest, so a search does not parse the manifest; without
    ``check_files``, only who built the index for which corpus."""
    gen, meta = _current(root)
    if gen is None or meta is None:
        return "missing"
    if (meta.get("schema"), meta.get("kscorpus"), meta.get("corpus")) != (
        SCHEMA_VERSION,
        __version__,
        str(corpus_root),
    ):
        return "stale"
    if not check_files:
        return "current"
    listed = read_file_list(gen)
    if listed is None or meta.get("fingerprint") != listed_fingerprint(corpus_root, listed):
        return "stale"
    return "current"


def _current(root: Path) -> tuple[Path | None, dict[str, Any] | None]:
    """``freshness.current`` with the generation as a ``Path``."""
    gen, meta = freshness.current(root)
    return (None if gen is None else Path(gen)), meta


def _pinned(root: Path) -> tuple[Path | None, dict[str, Any] | None, Pin | None]:
    """``_current``, pinned so that no build removes it while it is open."""
    for _ in range(10):
        gen, meta = _current(root)
        if gen is None or meta is None:
            return gen, meta, None
        held = pin(gen)
        if held:
            return gen, meta, held
        time.sleep(0.01)  # a build is removing it: CURRENT names a newer one by now
    return gen, meta, None


def ensure_index(
    corpus_root: Path,
    root: Path,
    notify: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> IndexHandle:
    """Open the index, building it first if it is missing or older than the corpus (only then
    is the manifest read)."""
    state = status(corpus_root, root)
    if state != "current":
        if notify:
            why = (
                "no index yet"
                if state == "missing"
                else "the corpus or kscorpus changed since the last ingest"
            )
            notify(f"building the index in {root} ({why})")
        try:
            report = build(load_corpus(corpus_root, cache=root / MANIFEST_CACHE), root, progress)
        except Exception as e:  # a failed update never takes reads down
            if state == "missing" or _current(root)[0] is None:
                raise
            if notify:
                what = str(e) if isinstance(e, KscorpusError) else f"{type(e).__name__}: {e}"
                notify(
                    f"could not update the index ({what.splitlines()[0][:300]}); answering "
                    "from the previous index; 'kscorpus ingest' retries"
                )
            return open_index(root)
        if notify:
            for aid, why in report.skipped.items():
                notify(f"skipped article {aid}: {why}")
    return open_index(root)


def open_checked(
    corpus_root: Path,
    root: Path,
    notify: Callable[[str], None] | None = None,
) -> tuple[IndexHandle, Callable[[], bool]]:
    """``ensure_index`` for a caller that can answer again: the index is opened at once, while
    a forked process checks that no corpus file changed since ingest (one stat per file, which
    on a large corpus takes as long as the search); ``current()`` then says whether the answer
    stands. Small corpora, or where forking is unsafe, are checked first as ``ensure_index``
    does."""
    key = (str(corpus_root), str(root))
    started = STARTED.pop(key) if key in STARTED else check_async(*key)
    if started is None:
        return ensure_index(corpus_root, root, notify), lambda: True
    gen, meta, pending = started
    try:
        handle = open_index(root)
    except IndexUnavailable:
        pending()
        return ensure_index(corpus_root, root, notify), lambda: True
    return (
        handle,
        lambda: (
            pending() == meta.get("fingerprint")
            and handle.path == Path(gen)  # else an ingest replaced it meanwhile: answer again
            and status(corpus_root, root, check_files=False) == "current"
        ),
    )


def damaged(gen: Path, why: str) -> IndexUnavailable:
    """The error for a generation whose files cannot be read: what, where and what to run."""
    return IndexUnavailable(
        f"index in {gen} is damaged ({why[:200]}); "
        "run 'kscorpus ingest --rebuild' to rebuild it from the corpus"
    )


def open_index(root: Path) -> IndexHandle:
    """Open the current generation (read without mmap, see ``_open_indexes``); a clear error
    if there is none or it is damaged. The generation stays pinned until ``close``."""
    path, meta, held = _pinned(root)
    if path is None or meta is None:
        raise IndexUnavailable(f"no index in {root}; run 'kscorpus ingest' to build it")
    if meta.get("schema") != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"index in {root} was built by kscorpus {meta.get('kscorpus', '?')} with another "
            "format; run 'kscorpus ingest' to rebuild it"
        )
    try:
        handle = IndexHandle(root, path, meta, *_open_indexes(path), _pin=held)
        for name in ("articles", "passages", "aligned"):
            r = handle.searcher(name).reader()  # touches every segment file: finds deleted or
            if r.doc_count():  # cut ones (and the searchers serve the searches that follow)
                r.stored_fields(0)
        FastSegmenter(path).get("电商")
    except Exception as e:  # whoosh raises many kinds on damaged files
        raise damaged(path, f"{type(e).__name__}: {e}") from None
    use_compiled(handle.articles.schema["text"].analyzer.userdict, path)
    return handle


NAMES = ("articles", "passages", "aligned")


def _storage(path: Path) -> Any:
    """A generation's files, read and written without mmap: Whoosh copies each memory-mapped
    segment file a reader opens into memory, most of the index (a build's own readers too,
    such as the one counting the new segments' word tables)."""
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(str(path), supports_mmap=False)


def _open_indexes(path: Path) -> tuple[Any, Any, Any]:
    """The articles, passages and aligned indexes of a generation (``_storage``)."""
    storage = _storage(path)
    return tuple(storage.open_index(n) for n in NAMES)  # type: ignore[return-value]


def build(
    corpus: Corpus,
    root: Path,
    progress: Progress | None = None,
    rebuild: bool = False,
    jobs: int | None = None,
    wait: float = 0.0,
) -> BuildReport:
    """Write a new index generation and switch to it atomically.

    Incremental unless ``rebuild``: when the current generation was built by this kscorpus with
    the same user dictionary and glossary, its files are hard-linked into the new generation and
    only articles whose bytes or manifest entry changed are cleaned and indexed again (content
    hashes, not times); nothing changed means nothing is written. ``jobs`` processes write
    (default: one per core when there are enough articles; see ``writing``). ``wait``: seconds
    to wait for another process updating the index (a search's refresh, say) to finish.
    """

    from kscorpus.bilingual.pairs import one_to_one
    from kscorpus.index import wordfreq
    from kscorpus.index.whoosh_fast import Writer, commit
    from kscorpus.index.writing import COUNTS, LIMIT_MB, Plan, write_articles
    from kscorpus.index.writing import anchors as writing_anchors

    t0 = time.perf_counter()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexUnavailable(f"cannot create index directory {root}: {e.strerror}") from None
    with _lock(root, wait):
        old = None if rebuild else _reusable(corpus, root)
        # hashed one file at a time (a large corpus is never held in memory), and only to
        # compare with an index being updated: a full build's workers hash what they read
        hashes = {a.id: h for a in corpus.articles if old and (h := _hash_or_none(corpus, a))}
        before = {a["id"]: a for a in old.articles_meta()} if old else {}
        by_id = {a.id: a for a in corpus.articles}  # manifest entries made on demand: all of
        # a large corpus's at once, as JSON, would take much memory
        kept = {
            i
            for i, a in before.items()
            if i in hashes and a.get("sha256") == hashes[i] and _entry(a) == by_id[i].to_json()
        }
        todo = [a for a in corpus.articles if a.id not in kept]
        gone = set(before) - kept
        if old and not todo and not gone:
            if status(corpus.root, root) != "current":  # files touched, not changed
                _write_meta(old.path, corpus, old.meta)
            return BuildReport(
                old.path,
                len(kept),
                old.meta["passages"],
                old.meta["tokens"],
                {},
                old.meta["proposed_pairs"],
                {},
                time.perf_counter() - t0,
                updated=0,
                removed=0,
            )
        gen = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        tmp = root / f".tmp-{gen}"
        try:
            tmp.mkdir()
            if old:
                for f in old.path.iterdir():
                    # not a reader's file being written (kept counts, index.cachefile)
                    if not f.name.endswith("WRITELOCK") and f.name != META and f.name[0] != ".":
                        _link(f, tmp / f.name)
                a_ix, p_ix, l_ix = _open_indexes(tmp)
            else:
                a_ix, p_ix, l_ix = (
                    _storage(tmp).create_index(sc, indexname=n)
                    for sc, n in zip(_schemas(corpus.userdict), NAMES)
                )
            paired = {i for pair in corpus.pairs() for i in pair}
            candidates = _candidates(corpus)
            stored = _load_anchors(old.path) if old else {}
            # the general lexicon is loaded only for articles whose words are compared
            bilingual = {a.id for a in todo} | (candidates - set(stored))
            glossary = _glossary(corpus, bool(bilingual & (candidates | paired)))
            aw, pw = (Writer(ix, limitmb=LIMIT_MB) for ix in (a_ix, p_ix))
            for aid in gone:
                aw.delete_by_term("id", aid)
                pw.delete_by_term("id", aid)
            plan = Plan(corpus, paired, candidates, glossary)
            compile_ = None if old else functools.partial(_compile, corpus, tmp)
            few = old is not None and len(todo) <= FEW and (old.path / DICT_FILE).is_file()
            with (
                compiled_for_indexing(corpus.userdict, old.path)
                if few
                else contextlib.nullcontext()
            ):
                written = write_articles(plan, todo, aw, pw, jobs, progress, compile_)
            if progress:
                progress(len(todo), len(todo), "writing")
            commit(aw, written.segments[0])
            commit(pw, written.segments[1])
            wordfreq.prepare(p_ix, tmp)  # each new segment's word table (collocates, keyness)
            paras, anchors, skipped = written.paras, written.anchors, written.skipped
            summaries = {i: before[i] for i in kept} | {
                i: by_id[i].to_json() | dict(zip(COUNTS, counts))
                for i, counts in written.counts.items()
            }
            for aid in paired & kept - set(paras):  # unchanged side of a pair to realign
                paras[aid] = _paragraphs(old, aid)
            for aid in candidates & kept - set(anchors):
                anchors[aid] = stored.get(aid) or writing_anchors(
                    _text(old, aid), before[aid]["lang"], glossary
                )
            write_atomic(tmp / ANCHORS, _anchors_json(anchors))
            if (corpus.root / GLOSSARY).is_file() and not old:
                shutil.copyfile(corpus.root / GLOSSARY, tmp / GLOSSARY)
            _add_alignments(l_ix, corpus.pairs(), paras, glossary, keep=kept)
            reuse = None
            if old:  # pairs of an article whose text or candidacy changed are found anew
                moved = {a.id for a in todo} | gone | (candidates ^ set(stored))
                reuse = (old.pair_candidates(), moved)
            found = _propose_pairs(corpus, anchors, reuse)
            proposals = one_to_one(found)
            write_atomic(tmp / PAIRS, json.dumps(found, ensure_ascii=False))
            ordered = [summaries[a.id] for a in corpus.articles if a.id in summaries]
            meta = {
                "articles": len(ordered),
                "passages": sum(a["passages"] for a in ordered),
                "tokens": sum(a["tokens"] for a in ordered),
                "stats": _live_stats(ordered),
                "proposed_pairs": proposals,
                "skipped": skipped,
            }
            _write_meta(tmp, corpus, meta, ordered)
            os.rename(tmp, root / gen)
            write_atomic(root / CURRENT, gen + "\n")
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexUnavailable(
                f"cannot write index in {root}: {e.strerror or e}; the previous index is intact"
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if old:
            old.close()  # else our own pin keeps it
        _collect_garbage(root, keep=gen)
    return BuildReport(
        root / gen,
        len(ordered),
        meta["passages"],
        meta["tokens"],
        written.repairs,
        proposals,
        skipped,
        time.perf_counter() - t0,
        updated=len(todo) - len(skipped),
        removed=len(gone - set(hashes)),
        jobs=written.jobs,
    )


def _live_stats(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Collection statistics of the live documents, for ``scoring.BM25``: documents and total
    field lengths of each index, summed from every article's exact lengths. Whoosh's own count
    documents deleted since their segment was written, and a merge sums rounded lengths: an
    incremental index would rank otherwise than a fresh build of the same corpus."""
    from kscorpus.index.writing import LENGTHS

    n = len(LENGTHS)
    totals = [sum(col) for col in zip(*(a["lengths"] for a in summaries))] or [0] * 2 * n
    return {
        "articles": {"docs": len(summaries), "lengths": dict(zip(LENGTHS, totals[:n]))},
        "passages": {
            "docs": sum(a["passages"] for a in summaries),
            "lengths": dict(zip(LENGTHS, totals[n:])),
        },
    }


def _compile(corpus: Corpus, path: Path) -> None:
    """What a query needs instead of loading jieba and OpenCC: the segmentation dictionary,
    compiled, and the characters OpenCC would change."""
    from kscorpus.ingest.jieba_fast import prefix_dictionary

    tk = jieba_tokenizer(corpus.userdict)
    compile_dictionary(*prefix_dictionary(tk), path)
    (path / CONVERTIBLE).write_text(convertible_chars(), encoding="utf-8")


def _write_meta(
    gen: Path,
    corpus: Corpus,
    meta: dict[str, Any],
    articles: list[dict[str, Any]] | None = None,
) -> None:
    """The generation's metadata, split by who reads it: ``meta.json`` (counts and the corpus
    state it reflects) and ``files.lst`` on every search, ``articles.json`` (the per-article
    summaries, when given) only by commands that list, filter or count articles."""
    if articles is not None:
        write_atomic(gen / ARTICLES, json.dumps(articles, ensure_ascii=False))
    listed = file_list(corpus.files())
    write_atomic(gen / FILES, listed)
    state = {
        "schema": SCHEMA_VERSION,
        "kscorpus": __version__,
        "fingerprint": listed_fingerprint(corpus.root, listed),
        "corpus": str(corpus.root),
        "settings": _settings(corpus),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_atomic(gen / META, json.dumps(meta | state, ensure_ascii=False, indent=1))


def _settings(corpus: Corpus) -> str:
    """What every article's indexing depends on: a change means a full rebuild."""
    h = hashlib.sha256(repr(corpus.userdict).encode() + ANCHORS_VERSION)
    path = corpus.root / GLOSSARY
    h.update(path.read_bytes() if path.is_file() else b"")
    return h.hexdigest()


def _reusable(corpus: Corpus, root: Path) -> IndexHandle | None:
    """The current generation, if an incremental update of it gives the same index."""
    _, meta = _current(root)
    if not meta or (meta.get("schema"), meta.get("kscorpus"), meta.get("settings")) != (
        SCHEMA_VERSION,
        __version__,
        _settings(corpus),
    ):
        return None
    try:
        handle = open_index(root)
        handle.articles_meta()  # the incremental update starts from it
        return handle
    except IndexUnavailable:
        return None  # damaged: rebuild


def _entry(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: summary.get(k) for k in Article.__dataclass_fields__}


def _hash_or_none(corpus: Corpus, article: Article) -> str | None:
    try:
        return hashlib.sha256(corpus.read_bytes(article)).hexdigest()
    except CorpusError:
        return None


def _link(src: Path, dest: Path) -> None:
    """Whoosh never rewrites a segment file, so generations can share them."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _paragraphs(old: IndexHandle | None, aid: str) -> list[str]:
    doc = old.document(aid) if old else None
    return [doc.paragraph_text(i) for i in range(len(doc.paragraphs))] if doc else []


def _anchors_json(anchors: dict[str, Any]) -> Iterator[str]:
    """``anchors.json`` in pieces, for ``write_atomic``: each article's anchors as lists, in
    the order of their lists' reprs (a stable file). Made a thousand articles at a time and
    without keeping the reprs: at 100,000 articles the file is 300 MB, and the whole string,
    its bytes and the reprs of every article's own anchor (its dictionary words) came to more
    than a gigabyte beside the anchors themselves."""
    dumps = json.dumps
    items = iter(anchors.items())
    yield "{"
    sep = ""
    while batch := list(itertools.islice(items, 1000)):
        parts = []
        for i, found in batch:
            rows = sorted((repr(as_list := list(x)), as_list) for x in found)
            parts.append(f"{sep}{dumps(i)}: {dumps([x for _, x in rows])}")
            sep = ", "
        yield "".join(parts)
    yield "}"


def _load_anchors(path: Path) -> dict[str, tuple[Any, ...]]:
    """Anchors saved by the previous build (JSON turned tuples into lists: turn them back)."""
    try:
        data = json.loads((path / ANCHORS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

    def tup(v: Any) -> Any:
        return tuple(tup(x) for x in v) if isinstance(v, list) else v

    return {i: tuple(tup(a) for a in rows) for i, rows in data.items()}


def _text(old: IndexHandle | None, aid: str) -> str:
    doc = old.document(aid) if old else None
    return doc.text if doc else ""


def _glossary(corpus: Corpus, with_lexicon: bool) -> Any:
    """The corpus glossary, knowing the general lexicon's words too when asked (and
    installed): what alignment and pair detection match words with."""
    from kscorpus.bilingual.wordmatch import general

    glossary = corpus.glossary()
    lexicon = general() if with_lexicon else None
    return glossary.with_lexicon(lexicon) if lexicon is not None else glossary


def _candidates(corpus: Corpus) -> set[str]:
    """Unlinked articles, when both languages have one: candidates for a proposed pair."""
    linked = {i for pair in corpus.pairs() for i in pair}
    free = [a for a in corpus.articles if a.id not in linked]
    if {a.lang for a in free} != {"zh", "en"}:
        return set()
    return {a.id for a in free}


def _add_alignments(
    ix: Any,
    pairs: list[tuple[str, str]],
    paras: dict[str, list[str]],
    glossary: Any,
    keep: set[str],
) -> None:
    """One record per link: Chinese and English side by side, with the link's confidence.
    Pairs of two unchanged articles (``keep``) keep their stored links."""
    from kscorpus.bilingual.align import align

    w = ix.writer()
    with ix.searcher() as s:
        stored = {(f["zh_id"], f["en_id"]) for f in s.all_stored_fields()}
    for zh_id, en_id in stored:
        if (zh_id, en_id) not in pairs or not {zh_id, en_id} <= keep:
            w.delete_by_term("zh_id", zh_id)
    for zh_id, en_id in pairs:
        if {zh_id, en_id} <= keep and (zh_id, en_id) in stored:
            continue
        if not paras.get(zh_id) or not paras.get(en_id):
            continue  # one side could not be read
        zh, en = paras[zh_id], paras[en_id]
        for n, link in enumerate(align(zh, en, glossary)):
            w.add_document(
                key=f"{zh_id}-{en_id}#{n}",
                zh_id=zh_id,
                en_id=en_id,
                n=n,
                zh="\n".join(zh[i] for i in link.zh),
                en="\n".join(en[i] for i in link.en),
                zh_pnos=list(link.zh),
                en_pnos=list(link.en),
                confidence=round(link.confidence, 4),
            )
    w.commit()


def _propose_pairs(
    corpus: Corpus,
    anchors: dict[str, frozenset[Any]],
    reuse: tuple[list[dict[str, Any]], set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Unlinked zh/en articles whose anchors look like a translation's (``bilingual.pairs``),
    every candidate at or above the threshold, in corpus order; articles of different events
    never pair. ``reuse``: the previous build's candidates and the articles changed since, whose
    pairs are found anew (the others' are kept)."""
    from kscorpus.bilingual.pairs import Detector

    events = {a.id: a.event for a in corpus.articles}
    zh = {a.id: anchors[a.id] for a in corpus.articles if a.id in anchors and a.lang == "zh"}
    en = {a.id: anchors[a.id] for a in corpus.articles if a.id in anchors and a.lang == "en"}

    def compatible(z: str, e: str) -> bool:
        return not events[z] or not events[e] or events[z] == events[e]

    if reuse is None:
        return Detector(zh, en, compatible).pairs()
    previous, changed = reuse
    found = [
        p for p in previous if p["zh"] in zh and p["en"] in en and not {p["zh"], p["en"]} & changed
    ]
    if changed & (zh.keys() | en.keys()):  # else no candidate changed: nothing to look for
        found += Detector(zh, en, compatible).pairs(changed)
    order = {i: n for n, i in enumerate((*zh, *en))}
    return sorted(found, key=lambda p: (order[p["zh"]], order[p["en"]]))


def _collect_garbage(root: Path, keep: str) -> None:
    """Remove older generations no reader has open, and leftovers of interrupted builds (we
    hold the lock)."""
    for p in root.iterdir():
        if p.name != keep and (p.name.startswith("gen-") or p.name.startswith(".tmp-")):
            remove_unpinned(p)


@contextlib.contextmanager
def _lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """One writer at a time: an exclusive lock file holding the writer's pid, waited for up to
    ``wait`` seconds; a lock whose process is gone is stale and taken over."""
    path = root / LOCK
    deadline = time.monotonic() + wait
    stale = 0
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            pid = _lock_pid(path)
            if pid is not None and _alive(pid):
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise LockedError(
                    f"another kscorpus ingest (pid {pid}) is writing {root}; wait for it to finish"
                ) from None
            stale += 1
            if stale > 2:
                raise IndexUnavailable(
                    f"cannot take the index lock {path}; remove it if no ingest is running"
                ) from None
            path.unlink(missing_ok=True)
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        path.unlink(missing_ok=True)


def _lock_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
