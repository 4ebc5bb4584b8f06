"""The corpus-statistics commands ``collocates``, ``ngrams`` and ``keyness``, registered on
``cli.app`` when this module is imported. The work is in ``study.collocates``, ``study.ngrams``
and ``study.keyness``, the drawing in ``charts``; this is options, JSON, tables and the
SVG charts (``--svg``)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kscorpus.charts.figures import (
    MEASURE_NAMES,
    collocates_svg,
    keyness_svg,
    ngrams_svg,
)
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

if TYPE_CHECKING:
    from kscorpus.study.collocates import Collocation

IdsOpt = Annotated[
    str | None,
    typer.Option("--ids", metavar="IDS", help="Only these articles, comma-separated: 000,003."),
]
StopOpt = Annotated[
    bool,
    typer.Option(
        "--stop-words", help="Keep stop words (的, 了, 是 …; English ones are never indexed)."
    ),
]


def _svg(chart: str) -> Any:
    """``--svg FILE``, its help saying what the chart draws."""
    return typer.Option(
        "--svg",
        metavar="FILE",
        help=f"Also write a chart of {chart} to FILE as SVG, for a browser (written "
        "atomically; an empty result is a chart that says so).",
    )


_NOT_A_WORD = (
    "kscorpus: {term!r} is not a word of these articles as jieba cuts them in context (it may be "
    "inside a longer word: 'kscorpus kwic {term}' finds it as a string)"
)


class Measure(str, Enum):
    logdice = "logdice"
    ll = "ll"
    mi = "mi"
    mi3 = "mi3"
    t = "t"
    logratio = "logratio"


class Side(str, Enum):
    both = "both"
    left = "left"
    right = "right"


@app.command()
@handled
def collocates(
    term: Annotated[
        list[str],
        typer.Argument(
            metavar="TERM...",
            help="A word or words of the corpus (several arguments are joined with spaces).",
        ),
    ],
    window: Annotated[
        tuple[int, int],
        typer.Option(
            "--window",
            "-w",
            metavar="L R",
            help="Words to the left and right of the term, inside its paragraph.",
        ),
    ] = (5, 5),
    measure: Annotated[
        Measure,
        typer.Option(
            "--measure",
            "-m",
            help="logdice (Sketch Engine's), ll (log-likelihood G²), mi, mi3, t (T-score) or "
            "logratio.",
        ),
    ] = Measure.logdice,
    min_freq: Annotated[
        int, typer.Option("--min-freq", min=1, help="Least co-occurrences (f_xy) shown.")
    ] = 2,
    by: Annotated[
        Side, typer.Option("--by", help="Count words on both sides, or the left or right only.")
    ] = Side.both,
    stop_words: StopOpt = False,
    cross: Annotated[
        bool,
        typer.Option(
            "--cross",
            help="Also the collocates of the term's glossary translations in the aligned "
            "paragraphs of the other language.",
        ),
    ] = False,
    limit: Annotated[int, limit_opt("Collocates to show.", "--top")] = 20,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Articles in zh or en. Default: zh for a Chinese term, en for any other.",
        ),
    ] = None,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    ids: IdsOpt = None,
    svg: Annotated[Path | None, _svg("the collocates (bars of the score, f_xy beside)")] = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Words that occur near a term, ranked by an association measure.

    logDice by default. A word counts once however many of the term's windows hold it; f_xy
    is how often it is in them, f_y its frequency in the articles chosen. Words are counted
    as indexed: jieba words, English stems."""
    from kscorpus.study.collocates import collocates as run
    from kscorpus.study.selection import parse_ids

    meta_filters = filters(lang, script, since, until, event, publisher)
    res = run(
        _open(corpus_dir, index_dir),
        " ".join(term),
        window=window,
        measure=measure.value,
        min_freq=min_freq,
        by=by.value,
        stop_words=stop_words,
        top=limit,
        lang=lang,
        filters=meta_filters,
        ids=parse_ids(ids),
        cross=cross,
    )
    if svg is not None:
        write_svg(svg, collocates_svg(res))
    if as_json:
        _print_json(res.to_json())
        return
    _render_collocation(res)
    if not res.f_x and lang is None and res.lang:
        other = "zh" if res.lang == "en" else "en"
        _err().print(
            f"kscorpus: {res.term!r} was looked for in the {res.lang} articles; "
            f"--lang {other} looks in the others",
            markup=False,
        )
    for found in res.cross:
        _out().print(f"\n↳ {found.term} in the aligned paragraphs", style="cyan")
        _render_collocation(found)


def _render_collocation(res: Collocation) -> None:
    from rich.table import Table

    name = MEASURE_NAMES[res.measure]
    where = f"{res.tokens:,} tokens" + (f" of {res.lang} articles" if res.lang else "")
    left, right = res.window
    _err().print(
        f"kscorpus: {res.term!r} occurs {res.f_x:,} time{'s' if res.f_x != 1 else ''} in "
        f"{where}; window {left} {right} ({res.by}), by {name}",
        markup=False,
    )
    if not res.f_x:
        _err().print(_NOT_A_WORD.format(term=res.term), markup=False)
        return
    if not res.collocates:
        _err().print("kscorpus: no collocates (try --min-freq 1 or a wider --window)")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("collocate", no_wrap=True)
    for col in (name, "f_xy", "left", "right", "f_y"):
        table.add_column(col, justify="right", no_wrap=True)
    for i, c in enumerate(res.collocates, 1):
        table.add_row(
            str(i),
            c.text or c.term,
            f"{c.score:.2f}",
            str(c.f_xy),
            str(c.left),
            str(c.right),
            str(c.f_y),
        )
    _out().print(table)


@app.command()
@handled
def ngrams(
    size: Annotated[
        int, typer.Option("--size", "-n", min=2, max=5, help="Words in each n-gram: 2 to 5.")
    ] = 2,
    around: Annotated[
        str | None,
        typer.Option(
            "--around",
            metavar="TERM",
            help="Only the n-grams holding this term (AntConc's clusters).",
        ),
    ] = None,
    min_freq: Annotated[int, typer.Option("--min-freq", min=1, help="Least frequency shown.")] = 2,
    min_range: Annotated[
        int, typer.Option("--min-range", min=1, help="Least number of articles holding one.")
    ] = 1,
    stop_words: Annotated[
        bool,
        typer.Option(
            "--stop-words",
            help="Keep n-grams that begin or end with a stop word (的, 了, 是 …).",
        ),
    ] = False,
    limit: Annotated[int, limit_opt("N-grams to show.", "--top", short=False)] = 20,
    lang: LangOpt = None,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    ids: IdsOpt = None,
    svg: Annotated[Path | None, _svg("the n-grams (bars of frequency, range beside)")] = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The commonest word n-grams, or the clusters around a term.

    N-grams stay inside a paragraph; range is how many articles hold one. Chinese words are
    shown joined, English stems as the words they commonly stand for."""
    from rich.table import Table

    from kscorpus.study.ngrams import ngrams as run
    from kscorpus.study.selection import parse_ids

    meta_filters = filters(lang, script, since, until, event, publisher)
    res = run(
        _open(corpus_dir, index_dir),
        n=size,
        around=around,
        min_freq=min_freq,
        min_range=min_range,
        top=limit,
        stop_words=stop_words,
        filters=meta_filters,
        ids=parse_ids(ids),
    )
    if svg is not None:
        write_svg(svg, ngrams_svg(res))
    if as_json:
        _print_json(res.to_json())
        return
    what = f"{res.n}-word clusters around {res.around!r}" if res.around else f"{res.n}-grams"
    _err().print(
        f"kscorpus: {len(res.ngrams)} of {res.distinct:,} {what} in {res.tokens:,} tokens of "
        f"{res.articles:,} article{'s' if res.articles != 1 else ''}",
        markup=False,
    )
    if not res.ngrams:
        if res.around:
            _err().print(_NOT_A_WORD.format(term=res.around), markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("n-gram", no_wrap=True)
    table.add_column("freq", justify="right", no_wrap=True)
    table.add_column("range", justify="right", no_wrap=True)
    for i, g in enumerate(res.ngrams, 1):
        table.add_row(str(i), g.text, str(g.freq), str(g.range))
    _out().print(table)


@app.command()
@handled
def keyness(
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            metavar="DIR",
            help="Compare with this corpus directory instead of the rest of the corpus.",
        ),
    ] = None,
    negative: Annotated[
        bool,
        typer.Option("--negative", help="The words the part uses less than the reference."),
    ] = False,
    min_freq: Annotated[
        int,
        typer.Option(
            "--min-freq", min=1, help="Least frequency in the part (the reference: --negative)."
        ),
    ] = 3,
    min_ll: Annotated[
        float,
        typer.Option(
            "--min-ll",
            min=0,
            help="Least log-likelihood shown: 3.84 is p < 0.05, 6.63 p < 0.01, 15.13 p < 0.0001.",
        ),
    ] = 3.84,
    stop_words: StopOpt = False,
    limit: Annotated[int, limit_opt("Words to show.", "--top")] = 30,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Only articles in zh or en, on both sides of the comparison."),
    ] = None,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    ids: IdsOpt = None,
    svg: Annotated[
        Path | None, _svg("the words (bars of log ratio either side of 0, LL beside)")
    ] = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Words key to a part of the corpus, against the rest or a corpus.

    The rest of the corpus, or another one (--reference). Choose the part with --since,
    --until, --event, --publisher, --script or --ids. Ranked by log-likelihood
    (significance); log ratio is the effect size (1 = twice as frequent)."""
    from rich.table import Table

    from kscorpus.study.keyness import keyness as run
    from kscorpus.study.selection import parse_ids

    meta_filters = filters(lang, script, since, until, event, publisher)
    wanted = parse_ids(ids)
    handle = _open(corpus_dir, index_dir)
    ref = None
    if reference is not None:
        _check_reference(reference)
        ref = _open(reference, None)
    res = run(
        handle,
        meta_filters,
        wanted,
        reference=ref,
        reference_name=str(reference) if reference is not None else "",
        top=limit,
        min_freq=min_freq,
        min_ll=min_ll,
        negative=negative,
        stop_words=stop_words,
    )
    if svg is not None:
        write_svg(svg, keyness_svg(res, min_ll))
    if as_json:
        _print_json(res.to_json())
        return
    how = "less" if res.negative else "more"
    _err().print(
        f"kscorpus: words the part ({res.tokens:,} tokens) uses {how} than the "
        f"{res.reference} ({res.ref_tokens:,} tokens); LL ≥ {min_ll:g}",
        markup=False,
    )
    if not res.words:
        _err().print("kscorpus: no key words (try --min-freq 1 or --min-ll 0)", markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("word", no_wrap=True)
    for col in ("freq", "per M", "ref freq", "ref per M", "LL", "log ratio"):
        table.add_column(col, justify="right", no_wrap=True)
    for i, w in enumerate(res.words, 1):
        table.add_row(
            str(i),
            w.text,
            str(w.freq),
            f"{w.per_million:,.1f}",
            str(w.ref_freq),
            f"{w.ref_per_million:,.1f}",
            f"{w.ll:.2f}",
            f"{w.log_ratio:+.2f}",
        )
    _out().print(table)


def _check_reference(path: Path) -> None:
    """A clear error for a --reference that is no corpus directory."""
    from kscorpus.errors import CorpusError

    if not path.is_dir():
        raise CorpusError(f"--reference {path}: no such directory; give a corpus directory")
    if not (path / "manifest.toml").is_file():
        raise CorpusError(
            f"--reference {path}: no manifest.toml there; give a corpus directory "
            "(see 'kscorpus init')"
        )
