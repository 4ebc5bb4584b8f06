"""Writing cleaned articles into Whoosh segments, on every core.

Whoosh's writer is pure Python and most of ingest time, so a build of many articles splits them
into contiguous shards, one per core: a forked worker cleans, segments and writes its shard into
a segment of its own in the new generation, and the parent names every segment in one commit.
Shards follow corpus order, so document numbers (and ties in ranking) are those of a build in
one process. Workers inherit jieba loaded by the parent, which saves each its load (reference
counting then copies most of the dictionary's pages into each worker: measured, loading jieba
after the fork takes the same memory in all). Where fork is unsafe (not Linux, or other threads
running) the build stays in one process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import sub
from typing import Any

from kscorpus.corpus.manifest import Article, Corpus
from kscorpus.errors import CorpusError, IndexUnavailable
from kscorpus.index.freshness import can_fork
from kscorpus.index.whoosh_fast import Writer
from kscorpus.ingest.convert import to_simplified
from kscorpus.ingest.pipeline import Document, document_to_json, prepare

MIN_SHARD = 64  # articles per worker below which forking costs more than it saves
PART = 200  # articles a worker reports at a time: its results never pile up
# Articles per segment a worker writes. The posting pool spills to disk, but the term index of
# a segment is held in memory until the segment is written; every segment adds lookups to
# every search, so segments are large: smaller ones made searches of a large corpus slower.
SEGMENT = 250 * PART
PR_SET_PDEATHSIG = 1  # Linux prctl: a signal for the worker when its parent dies
# A writer's posting pool, in MB as ``postings.TermPool`` estimates it, before it spills to disk.
# Three times as large a pool saved no CPU time (1,000 articles, character fields on).
LIMIT_MB = 12
Progress = Callable[[int, int, str], None]
# an article's counts, in ``Written``; "lengths": its exact field lengths in the articles and
# the passages index (``LENGTHS``), from which a build sums the live statistics of ``scoring``
COUNTS = ("chars", "passages", "tokens", "sha256", "lengths")
# the scored fields, in ``lengths`` order
LENGTHS = ("title", "text", "event", "publisher", "title_chars", "text_chars")


@dataclass(frozen=True)
class Plan:
    """What indexing one article needs besides the article (shared by every shard)."""

    corpus: Corpus
    paired: set[str]  # articles of a confirmed translation pair: keep their paragraphs
    candidates: set[str]  # articles that may be proposed as a pair: keep their anchors
    glossary: Any


@dataclass
class Written:
    """What writing some articles produced, beside their postings."""

    # per article: (chars, passages, tokens, sha256, lengths), named by COUNTS; tuples, as the
    # parent holds them for every article until the build ends (a dict takes three times the room)
    counts: dict[str, tuple[int, int, int, str, tuple[int, ...]]] = field(default_factory=dict)
    repairs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kinds, one per repair
    paras: dict[str, list[str]] = field(default_factory=dict)
    anchors: dict[str, frozenset[Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    segments: tuple[list[Any], list[Any]] = field(default_factory=lambda: ([], []))
    jobs: int = 1

    def update(self, other: Written, canon: dict[Any, Any]) -> None:
        """Add ``other``; anchors and repair kinds equal across articles become one object
        (``canon``), as a large corpus repeats the same numbers and terms in thousands of
        articles."""
        for name in ("counts", "paras", "skipped"):
            getattr(self, name).update(getattr(other, name))
        for name in ("repairs", "anchors"):  # tuples: far smaller than frozensets
            mine = getattr(self, name)
            for aid, found in getattr(other, name).items():
                mine[aid] = tuple(canon.setdefault(x, x) for x in found)


def write_articles(
    plan: Plan,
    articles: Sequence[Article],
    aw: Any,
    pw: Any,
    jobs: int | None = None,
    progress: Progress | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> Written:
    """Clean and index ``articles`` into the writers of the articles and passages indexes;
    with more than one job, workers write extra segments, returned in ``segments``.
    ``meanwhile`` runs in this process while the workers write."""
    n = _jobs(jobs, len(articles))
    if n <= 1:
        total = len(articles)
        with _few_collections():
            out = _write(
                plan, articles, aw, pw, lambda i, aid: progress and progress(i, total, aid)
            )
        if meanwhile:
            meanwhile()
        return out
    return _write_parallel(plan, articles, aw, pw, n, progress, meanwhile)


def _jobs(jobs: int | None, count: int) -> int:
    if not can_fork():
        return 1
    if jobs is None:
        return max(1, min(len(os.sched_getaffinity(0)), count // MIN_SHARD))
    return max(1, min(jobs, count))


def _write(
    plan: Plan, articles: Sequence[Article], aw: Any, pw: Any, tick: Callable[[int, str], Any]
) -> Written:
    from kscorpus.index.analysis import count_tokens

    out = Written()
    for i, article in enumerate(articles):
        tick(i, article.id)
        try:
            doc = prepare(plan.corpus, article)
        except CorpusError as e:  # one unreadable article does not stop the others
            out.skipped[article.id] = str(e)
            continue
        out.repairs[article.id] = tuple(r.kind for r in doc.repairs)
        tokens = count_tokens(doc.text, plan.corpus.userdict)  # lines cached for _add
        before = [w.lengths.get(name, 0) for w in (aw, pw) for name in LENGTHS]
        _add(aw, pw, doc)
        after = [w.lengths.get(name, 0) for w in (aw, pw) for name in LENGTHS]
        lengths = tuple(map(sub, after, before))
        out.counts[article.id] = (len(doc.text), len(doc.paragraphs), tokens, doc.sha256, lengths)
        if article.id in plan.paired:
            out.paras[article.id] = [doc.paragraph_text(i) for i in range(len(doc.paragraphs))]
        if article.id in plan.candidates:
            out.anchors[article.id] = anchors(doc.text, article.lang, plan.glossary)
    tick(len(articles), "")
    return out


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """The cyclic garbage collector run far less often while writing: the posting pool holds
    millions of objects that each full collection walks again, and writing makes few
    reference cycles (in a one-process build of 1,000 articles the collector took 1-2 of
    15 CPU seconds)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _shards(plan: Plan, articles: Sequence[Article], n: int) -> list[list[Article]]:
    """``n`` contiguous runs of ``articles`` of about equal bytes."""
    sizes = []
    for a in articles:
        try:
            sizes.append(plan.corpus.path(a).stat().st_size + 1)
        except OSError:
            sizes.append(1)
    total, run, out = sum(sizes), 0, [[] for _ in range(n)]  # type: list[list[Article]]
    for a, size in zip(articles, sizes):
        out[min(n - 1, run * n // total)].append(a)
        run += size
    return [s for s in out if s]


def _write_parallel(
    plan: Plan,
    articles: Sequence[Article],
    aw: Any,
    pw: Any,
    n: int,
    progress: Progress | None,
    meanwhile: Callable[[], Any] | None,
) -> Written:
    from kscorpus.ingest.segment import release_jieba, segmenter

    segmenter(plan.corpus.userdict)  # load jieba once, inherited by the workers
    shards = _shards(plan, articles, n)
    ctx = multiprocessing.get_context("fork")
    done = ctx.Array("i", len(shards), lock=False)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=_worker,
            args=(plan, shard, aw, pw, k, done, results, os.getpid()),
            daemon=True,
        )
        for k, shard in enumerate(shards)
    ]
    out, canon = Written(), {}  # type: ignore[var-annotated]
    segments: dict[int, tuple[Any, Any]] = {}
    with _Parked(aw.storage.folder) as parked:
        try:
            gc.freeze()  # the workers' collector then never writes to (so copies) what they inherit
            for w in workers:
                w.start()
            gc.unfreeze()
            if meanwhile:
                meanwhile()
            release_jieba()  # the workers have theirs
            while len(segments) < len(workers):
                if progress:
                    progress(sum(done), len(articles), f"{len(workers)} jobs")
                try:
                    k, kind, payload = results.get(timeout=0.2)
                except queue.Empty:
                    code = next((w.exitcode for w in workers if w.exitcode not in (None, 0)), 0)
                    if code:
                        raise IndexUnavailable(
                            f"an ingest worker stopped unexpectedly (exit code {code}; out of "
                            "memory?); the previous index is intact; retry with --jobs 1"
                        ) from None
                    continue
                if kind == "part":
                    parked.put(payload.anchors)
                    payload.anchors = {}
                    out.update(payload, canon)
                elif kind == "done":
                    segments[k] = payload
                elif kind == "oserror":
                    raise OSError(*payload)
                else:
                    raise RuntimeError(f"an ingest worker failed:\n{payload}")
        finally:
            for w in workers:
                if w.is_alive():
                    w.terminate()
                w.join()
        for anchors in parked.take():
            out.update(Written(anchors=anchors), canon)
    order = sorted(segments)
    out.segments = (
        [s for k in order for s in segments[k][0]],
        [s for k in order for s in segments[k][1]],
    )
    out.jobs = len(workers)
    return out


class _Parked:
    """The anchors workers send, kept in a file without a name until the workers are done: at
    100,000 articles they take 300 MB (each article's dictionary words, one string), which
    the parent held beside the workers' own peak at the end of their segments."""

    def __init__(self, folder: str) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed on exit)

    def __enter__(self) -> _Parked:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def put(self, anchors: dict[str, frozenset[Any]]) -> None:
        record = pickle.dumps(anchors, pickle.HIGHEST_PROTOCOL)
        self._file.write(len(record).to_bytes(8, "little") + record)

    def take(self) -> Iterator[dict[str, frozenset[Any]]]:
        """Everything put, in order."""
        f = self._file
        f.seek(0)
        while size := int.from_bytes(f.read(8), "little"):
            yield pickle.loads(f.read(size))


def _worker(
    plan: Plan,
    shard: list[Article],
    aw: Any,
    pw: Any,
    k: int,
    done: Any,
    results: Any,
    parent: int,
) -> None:
    """Write ``shard`` into new segments of the parent's indexes (runs in a forked process:
    Ctrl-C is the parent's to handle, and the worker dies with its parent)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # died before prctl
        os._exit(1)

    def writers() -> tuple[Any, Any]:
        return tuple(  # type: ignore[return-value]
            Writer(w.storage.open_index(w.indexname), _lk=False, limitmb=LIMIT_MB) for w in (aw, pw)
        )

    try:
        with _few_collections():
            a, p = writers()
            segments: tuple[list[Any], list[Any]] = ([], [])
            for start in range(0, len(shard), PART):
                if start and start % SEGMENT == 0:  # a full segment: write it, start the next
                    segments[0].append(a.finish_segment())
                    segments[1].append(p.finish_segment())
                    a, p = writers()

                def tick(i: int, _: str, start: int = start) -> None:
                    done[k] = start + i

                results.put((k, "part", _write(plan, shard[start : start + PART], a, p, tick)))
            segments[0].append(a.finish_segment())
            segments[1].append(p.finish_segment())
        results.put((k, "done", segments))
    except OSError as e:
        results.put((k, "oserror", (e.errno, e.strerror or str(e))))
    except BaseException:
        results.put((k, "error", traceback.format_exc()))


def _add(aw: Any, pw: Any, doc: Document) -> None:
    import json

    from kscorpus.index import kwicwords, paragraphs, wordseq

    a = doc.article
    simplify = to_simplified if a.script == "Hant" else str
    common = {
        "id": a.id,
        "lang": a.lang,
        "script": a.script,
        "title": simplify(a.title),  # indexed like the text: Simplified
        "_stored_title": a.title,  # stored as the manifest has it: what a hit shows
        "event": a.event,
        "publisher": simplify(a.publisher),
        "date": a.date,
    }
    aw.add_document(
        **common,
        title_chars=common["title"],  # folded character by character
        text=doc.text,
        text_chars=doc.text,
        doc=json.dumps(document_to_json(doc), ensure_ascii=False),
        paragraphs=paragraphs.encode(doc.paragraphs),
    )
    for pno, (s, e) in enumerate(doc.paragraphs):
        pw.add_document(
            **common,
            key=f"{a.id}#{pno}",
            pno=pno,
            text=doc.text[s:e],
            start=s,
            words=wordseq.encode(pw, doc.text[s:e]),
            kwic=kwicwords.extra(pw, doc.text[s:e]) or None,
        )


def anchors(text: str, lang: str, glossary: Any) -> frozenset[Any]:
    """What a translation keeps of ``text`` (numbers, names, glossary terms)."""
    from kscorpus.bilingual.align import anchors_en, anchors_zh

    return (anchors_zh if lang == "zh" else anchors_en)(text, glossary)
