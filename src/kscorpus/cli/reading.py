"""The commands that index and read: ``ingest``, ``search``, ``show``, ``list``, ``doctor``."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from kscorpus.cli.common import (
    MAX_REPAIR_LINES,
    CorpusOpt,
    DebugOpt,
    EventOpt,
    IndexOpt,
    JsonOpt,
    PublisherOpt,
    ScriptOpt,
    SinceOpt,
    UntilOpt,
    _counted,
    _err,
    _open,
    _open_checked,
    _out,
    _print_json,
    app,
    filters,
    handled,
    limit_opt,
)
from kscorpus.corpus.lock import timeout_from_env, writes_corpus
from kscorpus.errors import EXIT_CORPUS, QueryError
from kscorpus.timings import phase


@app.command()
@handled
@writes_corpus  # a corpus writer: waits for add, remove, import (never for a search)
def ingest(
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Rebuild every article from the corpus, not reusing the current index (use it "
            "on a damaged index). Without it, only new or changed articles are processed.",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes that clean and index articles (default: one per core once there "
            "are a few hundred articles to index).",
        ),
    ] = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Clean new and changed articles and update the index.

    Only new or changed articles are processed (all of them with --rebuild); the new index
    replaces the old one atomically, so a search never sees half an update."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from kscorpus.corpus.manifest import load_corpus, resolve_corpus_dir
    from kscorpus.index.store import MANIFEST_CACHE, build, resolve_index_dir

    corpus_root = resolve_corpus_dir(corpus_dir)
    root = resolve_index_dir(index_dir, corpus_root)
    corpus = load_corpus(corpus_root, cache=root / MANIFEST_CACHE)
    err = _err()
    with Progress(
        TextColumn("ingest {task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        auto_refresh=False,  # no refresh thread: ingest forks its workers
        disable=not err.is_terminal,  # piped or logged, it would leave an empty line
    ) as bar:
        task = bar.add_task("", total=None)
        shown = [0.0]

        def progress(done: int, total: int, what: str) -> None:
            now = time.monotonic()
            bar.update(task, completed=done, total=total, description=what)
            if now - shown[0] > 0.1:
                shown[0] = now
                bar.refresh()

        report = build(corpus, root, progress, rebuild=rebuild, jobs=jobs, wait=timeout_from_env())
    proposed = report.proposed_pairs
    if len(proposed) > MAX_REPAIR_LINES:  # one line, not one per pair
        err.print(
            f"kscorpus: {len(proposed):,} proposed translation pairs ('kscorpus pairs' lists "
            "them; 'kscorpus link ZH EN' confirms one)",
            markup=False,
        )
    else:
        for p in proposed:
            err.print(
                f"kscorpus: proposed translation pair: {p['zh']} ↔ {p['en']} "
                f"(score {p['score']}); confirm with 'kscorpus link {p['zh']} {p['en']}'",
                markup=False,
            )
    repaired = {aid: kinds for aid, kinds in report.repairs.items() if kinds}
    if len(repaired) > MAX_REPAIR_LINES:  # one line, not one per article
        every = [k for kinds in repaired.values() for k in kinds]
        err.print(
            f"kscorpus: repaired {_counted(every)} in {len(repaired)} articles "
            "('kscorpus doctor ID' shows each)",
            markup=False,
        )
    else:
        for aid, kinds in repaired.items():
            err.print(f"kscorpus: {aid}: repaired {_counted(kinds)}", markup=False)
    summary = {
        "index": str(report.path),
        "articles": report.articles,
        "passages": report.passages,
        "tokens": report.tokens,
        "updated": report.updated,
        "removed": report.removed,
        "proposed_pairs": report.proposed_pairs,
        "skipped": report.skipped,
        "seconds": round(report.seconds, 2),
        "jobs": report.jobs,
    }
    for aid, why in report.skipped.items():
        err.print(f"kscorpus: skipped {aid}: {why}", markup=False)
    if as_json:
        _print_json(summary)
    if report.updated or report.removed or report.skipped:
        err.print(
            f"kscorpus: indexed {report.updated} new or changed article(s)"
            + (f", removed {report.removed}" if report.removed else "")
            + f"; the index holds {report.articles} articles, {report.passages} passages, "
            f"{report.tokens:,} tokens ({report.seconds:.1f} s"
            + (f", {report.jobs} processes" if report.jobs > 1 else "")
            + f") → {root}",
            markup=False,
        )
    else:
        err.print(
            f"kscorpus: the index is up to date ({report.articles} articles); nothing to do "
            f"({report.seconds:.1f} s) → {root}",
            markup=False,
        )
    if report.skipped:
        err.print(
            f"kscorpus: error: {len(report.skipped)} article(s) could not be read and are not "
            "in the index (see above)",
            markup=False,
        )
        raise typer.Exit(EXIT_CORPUS)


@app.command()
@handled
def search(
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY...",
            help='Words, "phrases", AND/OR/NOT, field:value '
            "(id, lang, script, title, event, publisher, date). Several arguments are joined "
            "with spaces.",
        ),
    ],
    limit: Annotated[int, limit_opt("Hits to show.")] = 10,
    lang: Annotated[str | None, typer.Option("--lang", help="Only articles in zh or en.")] = None,
    passages: Annotated[
        bool, typer.Option("--passages", help="Rank passages, not articles.")
    ] = False,
    original: Annotated[
        bool, typer.Option("--original", help="Show snippets as the original text has them.")
    ] = False,
    parallel: Annotated[
        bool,
        typer.Option("--parallel", help="Under each hit, the aligned passage of its translation."),
    ] = False,
    cross: Annotated[
        bool,
        typer.Option(
            "--cross",
            help="Cross-language: also search the translations of the query's words (the "
            "glossary's, else CC-CEDICT's; each word's translations count as one word) and the "
            "aligned segments of translation pairs.",
        ),
    ] = False,
    facets: Annotated[
        bool, typer.Option("--facets", help="Count the matching articles by year, language, event.")
    ] = False,
    timings: Annotated[
        bool,
        typer.Option(
            "--timings",
            help="Print on stderr where the time went: start-up, imports, index, parse, "
            "search, highlight, check (the wait for a large corpus's check for changed "
            "files), render.",
        ),
    ] = False,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Rank articles or passages for a query in Chinese or English.

    Traditional and simplified Chinese match each other; English words match any ending.
    --cross also searches the translations of the query's terms."""
    clock = _clock() if timings else None
    meta_filters = filters(lang, script, since, until, event, publisher)  # before any index work
    with phase(clock, "imports"):
        from kscorpus.query.search import search as run
    with phase(clock, "index"):
        handle, current = _open_checked(corpus_dir, index_dir)

    def answer(handle: Any) -> Any:
        return run(
            handle,
            " ".join(query),
            limit=limit,
            lang=lang,
            passages=passages,
            original=original,
            parallel=parallel,
            cross=cross,
            filters=meta_filters,
            facets=facets,
            timings=clock,
        )

    res = answer(handle)
    with phase(clock, "check"):  # waits for the check of the corpus files, if still running
        fresh = current()
    if not fresh:  # the corpus changed: refresh the index and answer from it
        handle.close()
        res = answer(_open(corpus_dir, index_dir))
    with phase(clock, "render"):
        _show_results(res, as_json, passages, original)
    if clock:
        _err().print(f"kscorpus: timings: {clock.line()}", markup=False)


def _clock() -> Any:
    """Timings of this command so far: the interpreter's start-up (Linux) and the imports up
    to now, then whatever the command adds."""
    from kscorpus.timings import LOADED, Timings, process_age

    clock = Timings()
    now = time.perf_counter()
    age = process_age()
    if age is not None:
        clock.add("start-up", max(0.0, age - (now - LOADED)))
    clock.add("imports", now - LOADED)
    with clock.phase("imports"):  # what every search needs, which would load lazily
        import whoosh.index
        import whoosh.qparser
        import whoosh.scoring  # noqa: F401
    return clock


def _show_results(res: Any, as_json: bool, passages: bool, original: bool) -> None:
    if as_json:
        _print_json(res.to_json())
        return
    unit = "passage" if passages else "article"
    if not res.hits:
        _err().print(f"kscorpus: no {unit}s match {res.normalized!r}", markup=False)
        return
    from kscorpus.cli import render

    render.results(res, _out(), original)
    if res.facets:
        render.facets(res.facets, _out())
    shown = f"top {len(res.hits)} of " if res.total > len(res.hits) else ""
    verb = f"{unit}s match" if res.total != 1 else f"{unit} matches"
    _err().print(f"kscorpus: {shown}{res.total} {verb} {res.normalized!r}", markup=False)


SHOW_LANGS = ("zh", "en", "both")


def _check_lang(lang: str | None) -> None:
    """``show --lang`` takes ``both`` besides the languages the filters take."""
    if lang is not None and lang not in SHOW_LANGS:
        raise QueryError(f"--lang must be one of {', '.join(SHOW_LANGS)}, not {lang!r}")


@app.command()
@handled
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Article id, e.g. 003.")],
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="zh or en: the article's version in that language; both: side by side.",
        ),
    ] = None,
    original: Annotated[
        bool,
        typer.Option(
            "--original",
            help="The original text, exactly as in the corpus file (before any cleaning).",
        ),
    ] = False,
    side_by_side: Annotated[
        bool,
        typer.Option(
            "--side-by-side",
            help="A translation pair in two aligned columns, Chinese | English (= --lang both).",
        ),
    ] = False,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Print an article, or its counterpart in the other language."""
    from kscorpus.bilingual.counterparts import aligned_pair, find_version

    _check_lang(lang)
    if lang == "both":
        side_by_side, lang = True, None
    handle = _open(corpus_dir, index_dir)
    if side_by_side:
        zh, en, segments = aligned_pair(handle, article_id)
        if as_json:
            _print_json(pair_json(zh, en, segments))
            return
        from kscorpus.cli import render

        render.side_by_side(zh, en, segments, _out())
        return
    doc, via = find_version(handle, article_id, lang)
    if as_json:
        _print_json(show_json(doc, original, via))
        return
    from kscorpus.cli import render

    render.document(doc, _out(), original, via)


def pair_json(zh: Any, en: Any, segments: list[dict[str, Any]]) -> dict[str, Any]:
    """``show --side-by-side --json`` (and the web reader's pair view): both articles' manifest
    fields and the aligned segments with their text."""
    from kscorpus.exchange.export import segment_json

    return {
        "zh": zh.article.to_json(),
        "en": en.article.to_json(),
        "segments": [segment_json(g) | {"zh_text": g["zh"], "en_text": g["en"]} for g in segments],
    }


def show_json(doc: Any, original: bool, via: str | None) -> dict[str, Any]:
    """``show --json`` (and the web reader's article view): manifest fields, the cleaned or
    original text, its paragraphs and repairs."""
    data = doc.article.to_json()
    data["requested"] = via or doc.article.id
    data["view"] = "original" if original else "cleaned"
    data["text"] = doc.original if original else doc.text
    data["paragraphs"] = [
        {"pno": i, "start": s, "end": e, "text": doc.text[s:e]}
        for i, (s, e) in enumerate(doc.paragraphs)
    ]
    data["repairs"] = [r.to_json() for r in doc.repairs]
    return data


@app.command(name="list")
@handled
def list_(
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the articles with their language, date, size and title.

    One row per article: id, language, script, date, size in characters, the article it
    translates, title."""
    handle = _open(corpus_dir, index_dir)
    rows = handle.articles_meta()
    if as_json:  # the field lengths are the index's business (scoring statistics)
        _print_json([{k: v for k, v in r.items() if k != "lengths"} for r in rows])
        return
    from kscorpus.cli import render

    render.corpus_table(rows, _out())


@app.command()
@handled
def doctor(
    article_ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="Articles (default: all).")
    ] = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Report each article's repairs and what still looks broken.

    Every repair the cleaning made (mojibake, pinyin, debris…), with its place in the original
    file, and the spans that still look suspect."""
    from kscorpus.bilingual.counterparts import find_version

    handle = _open(corpus_dir, index_dir)
    docs = [find_version(handle, i)[0] for i in (article_ids or handle.article_ids())]
    if as_json:
        _print_json(
            [
                {
                    "id": d.article.id,
                    "repairs": [r.to_json() for r in d.repairs],
                    "suspects": [s.to_json() for s in d.suspects],
                }
                for d in docs
            ]
        )
        return
    from kscorpus.cli import render

    render.doctor(docs, _out())
