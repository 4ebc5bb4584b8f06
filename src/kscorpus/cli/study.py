"""The study commands ``kwic``, ``keywords`` and ``similar``, registered on ``cli.app`` when this
module is imported. The work is in ``study``; this is options, JSON and tables."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from kscorpus.cli.common import (
    CorpusOpt,
    DebugOpt,
    EventOpt,
    IndexOpt,
    JsonOpt,
    PublisherOpt,
    ScriptOpt,
    SinceOpt,
    TopOpt,
    UntilOpt,
    _open,
    _print_json,
    app,
    filters,
    handled,
    limit_opt,
    limit_or_top,
)
from kscorpus.errors import EXIT_USAGE, KscorpusError

if TYPE_CHECKING:
    from rich.console import Console

    from kscorpus.study.keywords import KeyTerm
    from kscorpus.study.kwic import Concordance
    from kscorpus.study.similar import Neighbour


class Sort(str, Enum):
    position = "position"
    left = "left"
    right = "right"


@app.command()
@handled
def kwic(
    term: Annotated[
        list[str],
        typer.Argument(
            metavar="TERM...",
            help="A Chinese string (matched as a substring) or English words (whole words, "
            "any case, any ending). Several arguments are joined with spaces.",
        ),
    ],
    width: Annotated[
        int, typer.Option("--width", "-w", min=1, help="Context on each side, in cells.")
    ] = 30,
    lang: Annotated[str | None, typer.Option("--lang", help="Only articles in zh or en.")] = None,
    sort: Annotated[
        Sort,
        typer.Option(
            "--sort",
            help="position (article, then place), left (by the left context read backwards "
            "from the term) or right (by the right context).",
        ),
    ] = Sort.position,
    parallel: Annotated[
        bool,
        typer.Option("--parallel", help="Under each line, the aligned segment of its translation."),
    ] = False,
    limit: Annotated[int, limit_opt("Lines to show.")] = 100,
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
    """Keyword in context: each occurrence of a term, one per line.

    The lines are aligned on the term, with --width cells of context on each side."""
    from kscorpus.study.kwic import kwic as run

    meta_filters = filters(lang, script, since, until, event, publisher)  # before any index work
    res = run(
        _open(corpus_dir, index_dir),
        " ".join(term),
        width=width,
        sort=sort.value,
        parallel=parallel,
        limit=limit,
        filters=meta_filters,
    )
    if as_json:
        _print_json(res.to_json())
        return
    from kscorpus.cli.common import _err, _out

    if not res.lines:
        _err().print(f"kscorpus: no occurrences of {res.normalized!r}", markup=False)
        return
    _render_kwic(res, width, _out())
    shown = f"{len(res.lines)} of " if res.total > len(res.lines) else ""
    plural = "s" if res.total != 1 else ""
    _err().print(
        f"kscorpus: {shown}{res.total} occurrence{plural} of {res.normalized!r}", markup=False
    )


def _render_kwic(res: Concordance, width: int, console: Console) -> None:
    """One line per occurrence; the left context is padded to ``width`` cells so that every
    match starts in the same column (CJK characters take two cells)."""
    from rich.text import Text

    from kscorpus.cli.render import HIGHLIGHT, plain
    from kscorpus.query.highlight import cells

    where = [f"{ln.id} ¶{ln.pno + 1}" for ln in res.lines]
    lead = max(cells(w) for w in where)
    for ln, at in zip(res.lines, where):
        row = Text(at + " " * (lead - cells(at)) + "  ", style="dim")
        row.append(" " * (width - cells(ln.left)) + ln.left + " ", style="")
        row.append(f"【{ln.match}】" if plain(console) else ln.match, style=HIGHLIGHT)
        row.append(" " + ln.right)
        console.print(row, soft_wrap=True)
        if ln.parallel:
            p = ln.parallel
            if not p["pnos"]:  # a 1:0 link: the translation leaves this paragraph out
                console.print(" " * (lead + 2) + f"↳ {p['id']}: not translated", style="dim")
                continue
            pnos = ",".join(f"¶{n + 1}" for n in p["pnos"])
            row = Text(" " * (lead + 2) + f"↳ {p['id']} {pnos} ({p['confidence']:.2f}): ")
            room = max(console.width - cells(row.plain), 20)
            row.append(_clip(p["text"], room))
            console.print(row, style="cyan", soft_wrap=True)


def _clip(text: str, width: int) -> str:
    """At most ``width`` cells of ``text`` on one line, with … when cut."""
    from kscorpus.query.highlight import cells

    text = " ".join(text.split())
    if cells(text) <= width:
        return text
    out, used = [], 1
    for ch in text:
        used += cells(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


@app.command()
@handled
def keywords(
    article_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Article id, e.g. 003.")
    ] = None,
    corpus_wide: Annotated[
        bool,
        typer.Option("--corpus-wide", help="The key terms of the whole corpus instead."),
    ] = False,
    limit: Annotated[int, limit_opt("Terms to show.")] = 20,
    top: TopOpt = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Key terms of an article, or of the whole corpus (TF-IDF).

    An article's terms are scored by TF-IDF against the corpus's own document frequencies;
    --corpus-wide sums those scores over the articles."""
    from kscorpus.study.keywords import corpus_keywords
    from kscorpus.study.keywords import keywords as run

    if (article_id is None) == (not corpus_wide):
        raise KscorpusError("give an article ID or --corpus-wide (one of them)", EXIT_USAGE)
    handle = _open(corpus_dir, index_dir)
    n = limit_or_top(limit, top)
    terms = corpus_keywords(handle, n) if corpus_wide else run(handle, str(article_id), n)
    if as_json:
        _print_json({"id": article_id, "terms": [t.to_json() for t in terms]})
        return
    _render_terms(terms)


def _render_terms(terms: list[KeyTerm]) -> None:
    from rich.table import Table

    from kscorpus.cli.common import _out

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("term", no_wrap=True)
    table.add_column("form", no_wrap=True)
    for name in ("score", "tf", "df"):
        table.add_column(name, justify="right", no_wrap=True)
    for i, t in enumerate(terms, 1):
        form = t.form if t.form.lower() != t.term else ""
        table.add_row(str(i), t.term, form, f"{t.score:.2f}", str(t.tf), str(t.df))
    _out().print(table)


@app.command()
@handled
def similar(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Article id, e.g. 000.")],
    limit: Annotated[int, limit_opt("Articles to show.")] = 5,
    top: TopOpt = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The articles most like this one, in either language.

    Its translation first (linked, or found by shared concepts and numbers), then by shared
    terms and shared concepts: the glossary's and the dictionary's (CC-CEDICT), which reach
    across languages."""
    from kscorpus.study.similar import similar as run

    found = run(_open(corpus_dir, index_dir), article_id, limit_or_top(limit, top))
    if as_json:
        _print_json({"id": article_id, "similar": [n.to_json() for n in found]})
        return
    _render_similar(found)


def _render_similar(found: list[Neighbour]) -> None:
    from rich.table import Table

    from kscorpus.cli.common import _out

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why", no_wrap=True)
    table.add_column("title", overflow="fold")
    for i, n in enumerate(found, 1):
        table.add_row(str(i), n.id, n.lang, f"{n.score:.3f}", n.why, n.title)
    _out().print(table)
