"""``kscorpus add`` and ``kscorpus remove``: grow or shrink the corpus, then update the index
incrementally (only what changed is processed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import CorpusOpt, DebugOpt, IndexOpt, JsonOpt, _err, _print_json, app, handled


def _update_index(corpus_dir: Path | None, index_dir: Path | None) -> Any:
    from .corpus import load_corpus
    from .index import build, resolve_index_dir

    corpus = load_corpus(corpus_dir)
    return build(corpus, resolve_index_dir(index_dir, corpus.root))


def _writable_corpus(corpus_dir: Path | None) -> Path:
    from .corpus import bundled_corpus_dir, resolve_corpus_dir
    from .errors import CorpusError

    root = resolve_corpus_dir(corpus_dir)
    if root == bundled_corpus_dir() and "site-packages" in root.parts:
        raise CorpusError(
            "the bundled corpus is part of the installed package; make your own corpus "
            "directory (see the README) and pass --corpus DIR"
        )
    return root


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
    """Add articles: copy each file into the corpus under the next free id (UTF-8, GB18030 or
    Big5; language and script detected), write its manifest entry, update the index."""
    from .manage import add_article

    root = _writable_corpus(corpus_dir)
    err = _err()
    added = []
    for f in files:
        res = add_article(root, f, lang=lang, title=title, date=date, translation_of=translation_of)
        a = res.article
        err.print(f"kscorpus: added {f} as {a.id} ({a.lang}, {a.script}): {a.title}", markup=False)
        for note in res.detected:
            err.print(f"  {note}", markup=False)
        added.append(a.to_json())
    report = _update_index(root, index_dir)
    err.print(
        f"kscorpus: indexed {report.updated} new or changed article(s); the index holds "
        f"{report.articles} articles",
        markup=False,
    )
    if as_json:
        _print_json({"added": added, "updated": report.updated, "articles": report.articles})


@app.command()
@handled
def remove(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article to remove.")],
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Remove an article: its manifest entry goes, its file moves to .removed/ in the corpus."""
    from .manage import REMOVED, remove_article

    root = _writable_corpus(corpus_dir)
    a = remove_article(root, article_id)
    report = _update_index(root, index_dir)
    _err().print(
        f"kscorpus: removed {a.id} ({a.title}); its file is in {root / REMOVED}; the index "
        f"holds {report.articles} articles",
        markup=False,
    )
    if as_json:
        _print_json({"removed": a.to_json(), "articles": report.articles})
