"""The plotting study commands ``dispersion`` and ``trend``, registered on ``cli.app`` when this
module is imported. The counting is in ``study``, the drawing in ``charts``; this is options,
JSON/CSV, colours and files."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kscorpus.charts.figures import dispersion_strips, dispersion_svg, dispersion_title, trend_svg
from kscorpus.cli.common import (
    CorpusOpt,
    DebugOpt,
    EventOpt,
    IndexOpt,
    JsonOpt,
    LangOpt,
    PublisherOpt,
    ScriptOpt,
    SinceOpt,
    UntilOpt,
    _err,
    _open,
    _out,
    _print_json,
    app,
    filters,
    handled,
    limit_opt,
    write_svg,
)
from kscorpus.errors import EXIT_USAGE, KscorpusError

if TYPE_CHECKING:
    from rich.console import Console

    from kscorpus.charts.terminal import Line
    from kscorpus.study.trend import Trend

SvgOpt = Annotated[
    Path | None,
    typer.Option(
        "--svg",
        metavar="FILE",
        help="Also write the plot to FILE as SVG (written atomically; a browser opens it).",
    ),
]
WidthOpt = Annotated[
    int | None,
    typer.Option(
        "--width",
        "-w",
        min=10,
        metavar="CELLS",
        help="Plot width in cells. Default: to fit the terminal.",
    ),
]
# Rich styles for the chart styles of ``charts.terminal`` (none when output is plain)
_STYLES = {
    "label": "",
    "track": "dim",
    "hit": "bold blue",
    "bar": "blue",
    "value": "",
    "axis": "dim",
    "muted": "dim",
}
_SERIES = ("blue", "dark_orange", "green", "magenta", "yellow", "cyan")


def _print_lines(lines: list[Line], console: Console) -> None:
    """Chart lines on ``console``: styled on a colour terminal, plain text otherwise (a pipe,
    ``NO_COLOR``), where the characters alone carry the chart."""
    from rich.text import Text

    from kscorpus.cli.render import plain

    bare = plain(console)
    for line in lines:
        text = Text(no_wrap=True, overflow="ignore")
        for piece, style in line:
            if bare or style is None:
                text.append(piece)
            elif style.startswith("series-"):
                text.append(piece, style=_SERIES[int(style[7:]) % len(_SERIES)])
            else:
                text.append(piece, style=_STYLES.get(style, ""))
        console.print(text, soft_wrap=True)


def _plot_width(console: Console, asked: int | None, used: int) -> int:
    """``asked``, else what is left of the terminal's width after ``used`` cells (at least
    20; 60 when the width is unknown, as in a pipe)."""
    if asked is not None:
        return asked
    if not console.is_terminal:
        return 60
    return max(console.width - used, 20)


@app.command()
@handled
def dispersion(
    term: Annotated[
        list[str],
        typer.Argument(
            metavar="TERM...",
            help="What kwic looks for: a Chinese string (as a substring) or English words "
            "(whole words, any case, any ending). Several arguments are joined with spaces.",
        ),
    ],
    limit: Annotated[int, limit_opt("Articles to draw (the statistics count them all).")] = 40,
    width: WidthOpt = None,
    lang: LangOpt = None,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    svg: SvgOpt = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Where a term falls in each article, and how evenly it spreads.

    One row per article holding the term (AntConc's concordance plot): the article from start
    to end, a tick at each occurrence (the occurrences kwic shows). Above them: the hits, the
    range (articles holding the term), the rate per million tokens, and Juilland's D (1 even,
    0 all in one article) and Gries's DP (0 even) over the articles searched, each article
    weighed by its size. --json gives every hit's character offsets in the cleaned text."""
    from kscorpus.study.dispersion import dispersion as run

    meta_filters = filters(lang, script, since, until, event, publisher)
    res = run(_open(corpus_dir, index_dir), " ".join(term), filters=meta_filters, limit=limit)
    if svg is not None:
        write_svg(svg, dispersion_svg(res))
    if as_json:
        _print_json(res.to_json())
        return
    if not res.total:
        _err().print(
            f"kscorpus: no occurrences of {res.normalized!r} in {res.parts:,} articles",
            markup=False,
        )
        return
    from kscorpus.charts.terminal import MAX_LABEL, cells, strips

    console = _out()
    console.print(dispersion_title(res), markup=False, highlight=False, soft_wrap=True)
    rows = dispersion_strips(res)
    lead = min(max(cells(r.label) for r in rows), MAX_LABEL)
    note = max(len(r.note) for r in rows)
    _print_lines(strips(rows, _plot_width(console, width, lead + note + 5)), console)
    shown = len(res.articles)
    if shown < res.range:
        _err().print(
            f"kscorpus: drew {shown} of the {res.range:,} articles holding "
            f"{res.normalized!r} (-n to draw more)",
            markup=False,
        )


class By(str, Enum):
    year = "year"
    month = "month"


@app.command()
@handled
def trend(
    terms: Annotated[
        list[str],
        typer.Argument(
            metavar="TERM...",
            help="One or more terms (up to 7), each as kwic takes it; quote a term of "
            "several English words ('live streaming').",
        ),
    ],
    by: Annotated[By, typer.Option("--by", help="Periods of a year or of a month.")] = By.year,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="Write CSV to stdout (a row per period, for a spreadsheet)."),
    ] = False,
    width: WidthOpt = None,
    lang: LangOpt = None,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    svg: SvgOpt = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """How often terms occur per million tokens, by year or month.

    A period's rate is its occurrences (those kwic shows) over the tokens of all its articles,
    so a period of few articles does not look big. One term is drawn as bars, several as
    lines. Articles without a date (and, --by month, those dated by year only) are counted
    apart and said so. --json and --csv give the counts, tokens and rates."""
    from kscorpus.study.trend import trend as run

    if as_json and as_csv:
        raise KscorpusError("give --json or --csv, not both", EXIT_USAGE)
    meta_filters = filters(lang, script, since, until, event, publisher)
    res = run(_open(corpus_dir, index_dir), terms, by=by.value, filters=meta_filters)
    if svg is not None:
        write_svg(svg, trend_svg(res))
    if as_json:
        _print_json(res.to_json())
    elif as_csv:
        sys.stdout.write(res.to_csv())
    else:
        _render_trend(res, width)
    for p in res.apart:
        what = "without a date" if p.period == "no date" else "dated by year only"
        counts = ", ".join(f"{t} {c:,}" for t, c in zip(res.normalized, p.counts))
        _err().print(
            f"kscorpus: {p.articles:,} article{'s' if p.articles != 1 else ''} {what} "
            f"counted apart ({counts})",
            markup=False,
        )


def _render_trend(res: Trend, width: int | None) -> None:
    from kscorpus.charts.model import Series
    from kscorpus.charts.terminal import bars, lines

    console = _out()
    if not res.periods:
        _err().print("kscorpus: no dated articles to draw", markup=False)
        return
    labels = [p.period for p in res.periods]
    console.print(
        f"{', '.join(res.normalized)}: occurrences per million tokens, by {res.by}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if len(res.terms) == 1:
        notes = [
            f"{p.counts[0]:,} in {p.articles:,} article{'s' if p.articles != 1 else ''}"
            if p.articles
            else ""
            for p in res.periods
        ]
        plot_w = _plot_width(console, width, len(labels[0]) + 40)
        _print_lines(bars(labels, [p.per_million[0] for p in res.periods], plot_w, notes=notes),
                     console)  # fmt: skip
        return
    series = [
        Series(t, tuple(p.per_million[k] for p in res.periods))
        for k, t in enumerate(res.normalized)
    ]
    _print_lines(lines(labels, series, width=_plot_width(console, width, 12)), console)
