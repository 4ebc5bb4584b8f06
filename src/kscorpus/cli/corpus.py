"""``kscorpus init``, ``add`` and ``remove``: start, grow or shrink a corpus, then update the
index incrementally (only what changed is processed).

``add`` and ``remove`` hold the corpus's writer lock (``corpus_lock.writing``) across the change
and the index update: a second writer waits for the first to finish."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kscorpus.cli.common import (
    CorpusOpt,
    DebugOpt,
    IndexOpt,
    JsonOpt,
    _err,
    _print_json,
    app,
    handled,
)
from kscorpus.errors import EXIT_CORPUS, EXIT_USAGE, KscorpusError


def _update_index(corpus_dir: Path | None, index_dir: Path | None) -> Any:
    from kscorpus.corpus.lock import timeout_from_env
    from kscorpus.corpus.manifest import load_corpus
    from kscorpus.index.store import build, resolve_index_dir

    corpus = load_corpus(corpus_dir)
    return build(corpus, resolve_index_dir(index_dir, corpus.root), wait=timeout_from_env())


def _writable_corpus(corpus_dir: Path | None) -> Path:
    from kscorpus.corpus.manifest import bundled_corpus_dir, resolve_corpus_dir
    from kscorpus.errors import CorpusError

    root = resolve_corpus_dir(corpus_dir)
    if root == bundled_corpus_dir() and "site-packages" in root.parts:
        raise CorpusError(
            "the bundled corpus is part of the installed package; make your own corpus "
            "directory ('kscorpus init DIR') and pass --corpus DIR"
        )
    return root


@app.command()
@handled
def init(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="The corpus directory (created if missing).")
    ],
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Start an empty corpus in DIR.

    DIR gets a manifest.toml (with comments explaining its format) that
    'kscorpus add FILE --corpus DIR' fills."""
    from kscorpus.corpus.manage import init_corpus

    report = init_corpus(directory)
    root = report.root.resolve()
    err = _err()
    if report.created:
        err.print(
            f"kscorpus: started an empty corpus in {root} ({report.manifest.name})", markup=False
        )
    else:
        err.print(f"kscorpus: {root} already holds an empty corpus; nothing to do", markup=False)
    if report.unlisted:
        n = len(report.unlisted)
        err.print(
            f"  {n} file{'s' if n != 1 else ''} in it {'are' if n != 1 else 'is'} not in the "
            f"manifest ({', '.join(report.unlisted[:3])}{', …' if n > 3 else ''}); add them "
            f"with 'kscorpus add FILE... --corpus {root}'",
            markup=False,
        )
    else:
        err.print(f"  add articles with 'kscorpus add FILE... --corpus {root}'", markup=False)
    if as_json:
        _print_json(
            {
                "corpus": str(root),
                "manifest": str(report.manifest.resolve()),
                "created": report.created,
                "unlisted": report.unlisted,
            }
        )


@app.command()
@handled
def add(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Article text files.")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh or en (default: detected from the text).")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Title (default: the first line).")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="YYYY[-MM[-DD]].")] = None,
    translation_of: Annotated[
        str | None,
        typer.Option("--translation-of", metavar="ID", help="The article this one translates."),
    ] = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Add article files to the corpus and update the index.

    Each file is copied into the corpus under the next free id (UTF-8, GB18030 or Big5;
    language and script detected) and gets a manifest entry; the index is updated once.
    Every file is reported, added or refused; any refusal makes the exit code 4."""
    from kscorpus.corpus.lock import writing
    from kscorpus.corpus.manage import Refused, add_articles, option_problem
    from kscorpus.corpus.manifest import load_corpus

    bad = option_problem(lang, date)
    if bad:
        raise KscorpusError(f"--{bad[0]} {bad[1]}", EXIT_USAGE)
    root = _writable_corpus(corpus_dir)
    err = _err()
    with writing(root):  # one transaction: the files, the manifest and the index update
        res = add_articles(
            root, files, lang=lang, title=title, date=date, translation_of=translation_of
        )
        if res.started:
            err.print(
                f"kscorpus: {root} had no manifest.toml; started a corpus there", markup=False
            )
        for done in res.results:
            if isinstance(done, Refused):
                err.print(f"kscorpus: refused {done.file}: {done.error}", markup=False)
                continue
            a = done.article
            err.print(
                f"kscorpus: added {done.source} as {a.id} ({a.lang}, {a.script}): {a.title}",
                markup=False,
            )
            for note in done.detected:
                err.print(f"  {note}", markup=False)
        if res.added:
            report = _update_index(root, index_dir)
            updated, articles = report.updated, report.articles
            err.print(
                f"kscorpus: indexed {updated} new or changed article(s); the index holds "
                f"{articles} articles",
                markup=False,
            )
            if report.proposed_pairs:
                n = len(report.proposed_pairs)
                err.print(
                    f"kscorpus: {n} proposed translation pair{'s' * (n != 1)} in the corpus; "
                    "'kscorpus pairs' lists them",
                    markup=False,
                )
        else:
            updated, articles = 0, len(load_corpus(root).articles)
    if as_json:
        _print_json(
            {
                "added": [
                    d.article.to_json() | {"source": d.source, "detected": d.detected}
                    for d in res.added
                ],
                "refused": [r.to_json() for r in res.refused],
                "updated": updated,
                "articles": articles,
            }
        )
    if res.refused:
        n, total = len(res.refused), len(res.added) + len(res.refused)
        err.print(
            f"kscorpus: error: {n} of {total} file(s) refused (see above)"
            + (f"; the other {len(res.added)} added" if res.added else ""),
            markup=False,
        )
        raise typer.Exit(EXIT_CORPUS)


@app.command()
@handled
def remove(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article to remove.")],
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Remove an article from the corpus and the index.

    Its manifest entry goes and its file moves to .removed/ in the corpus."""
    from kscorpus.corpus.lock import writing
    from kscorpus.corpus.manage import REMOVED, remove_article

    root = _writable_corpus(corpus_dir)
    err = _err()
    with writing(root):
        a = remove_article(root, article_id)
        err.print(
            f"kscorpus: removed {a.id} ({a.title}); its file is in {root / REMOVED}", markup=False
        )
        report = _update_index(root, index_dir)
    err.print(f"kscorpus: the index holds {report.articles} articles", markup=False)
    if as_json:
        _print_json({"removed": a.to_json(), "articles": report.articles})
