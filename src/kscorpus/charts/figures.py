"""Study results drawn as SVG charts: what ``--svg`` writes and the web reader shows, from the
results of ``study`` (dispersion, trend, collocates, n-grams, keyness) through the drawers of
``charts.svg``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kscorpus.charts.model import Panel, Strip
    from kscorpus.study.collocates import Collocation
    from kscorpus.study.dispersion import Dispersion
    from kscorpus.study.keyness import Keyness
    from kscorpus.study.ngrams import NGrams
    from kscorpus.study.trend import Trend

MEASURE_NAMES = {
    "logdice": "logDice",
    "ll": "log-likelihood",
    "mi": "MI",
    "mi3": "MI3",
    "t": "T-score",
    "logratio": "log ratio",
}


def dispersion_svg(res: Dispersion) -> str:
    """The dispersion plot as SVG (``--svg``, and the web reader's page)."""
    from kscorpus.charts.svg import strips_svg

    return strips_svg(dispersion_strips(res), dispersion_title(res))


def dispersion_strips(res: Dispersion) -> list[Strip]:
    from kscorpus.charts.model import Strip

    return [
        Strip(f"{a.id} {a.title}", tuple(a.positions), f"{len(a.spans):,}") for a in res.articles
    ]


def dispersion_title(res: Dispersion) -> str:
    def num(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    rate = f"{res.total / res.tokens * 1e6:,.1f}" if res.tokens else "n/a"
    return (
        f"{res.normalized}: {res.total:,} hits in {res.range:,} of {res.parts:,} articles · "
        f"{rate} per million tokens · Juilland's D {num(res.juilland_d)} · DP {num(res.dp)}"
    )


def trend_svg(res: Trend) -> str:
    """The trend plot as SVG (``--svg``, and the web reader's page): bars for one term,
    lines for several."""
    from kscorpus.charts.model import Series
    from kscorpus.charts.svg import bars_svg, lines_svg

    labels = [p.period for p in res.periods]
    title = f"{', '.join(res.normalized)}: occurrences per million tokens, by {res.by}"
    if len(res.terms) == 1:
        return bars_svg(labels, [p.per_million[0] for p in res.periods], title, "per million")
    series = [
        Series(t, tuple(p.per_million[k] for p in res.periods))
        for k, t in enumerate(res.normalized)
    ]
    return lines_svg(labels, series, title, "per million")


_SELECTION = {
    "lang": "{} articles",
    "script": "script {}",
    "since": "since {}",
    "until": "until {}",
    "event": "event {}",
    "publisher": "publisher {}",
}


def selection_text(selection: dict[str, Any]) -> str:
    """A result's ``selection`` (``study.selection.describe``) in words, for a chart's title."""
    said = [_SELECTION[k].format(v) for k, v in selection.items() if k in _SELECTION]
    if selection.get("ids"):
        said.append("articles " + ", ".join(selection["ids"]))
    return ", ".join(said) or "all articles"


def _num(v: float) -> str:
    """A score or count as a chart shows it: two decimals at most, no trailing zeros."""
    text = f"{v:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def collocates_svg(res: Collocation) -> str:
    """The collocates as SVG: a bar per collocate of the measure's score, in the table's
    order, f_xy beside it; with ``--by both`` each bar is split in proportion to the counts
    left and right of the term. ``--cross`` adds a panel per translation, on the same scale."""
    from kscorpus.charts.svg import hbars_svg

    name = MEASURE_NAMES[res.measure]
    left, right = res.window
    side = "" if res.by == "both" else f", {res.by} only"
    title = (
        f"Collocates of {res.term} by {name} · window {left} {right}{side} · "
        f"{selection_text(res.selection)}"
    )
    subtitle = (
        f"{res.term} occurs {res.f_x:,} time{'s' if res.f_x != 1 else ''} in {res.tokens:,} "
        f"tokens. Bar: {name}; beside it: f_xy, the co-occurrences in the term's windows"
    )
    panels = [_collocates_panel(res, f"{res.term} in {res.lang} articles" if res.cross else "")]
    panels += [
        _collocates_panel(
            x, f"↳ {x.term} in the aligned paragraphs ({x.f_x:,} time{'s' if x.f_x != 1 else ''})"
        )
        for x in res.cross
    ]
    parts = ("left of the term", "right of the term") if res.by == "both" else ()
    return hbars_svg(panels, title, name, subtitle, parts, fmt=_num)


def _collocates_panel(res: Collocation, heading: str) -> Panel:
    from kscorpus.charts.model import Bar, Panel

    both = res.by == "both"
    bars = tuple(
        Bar(
            c.text or c.term,
            c.score,
            f"f_xy {c.f_xy:,}" + (f" ({c.left:,} left, {c.right:,} right)" if both else ""),
            (c.left, c.right) if both else (),
        )
        for c in res.collocates
    )
    if not res.f_x:
        empty = f"{res.term!r} is not a word of these articles as jieba cuts them in context"
    else:
        empty = "no collocates (try --min-freq 1 or a wider --window)"
    return Panel(heading, bars, empty)


def ngrams_svg(res: NGrams) -> str:
    """The n-grams as SVG: a bar per n-gram of its frequency, in the table's order, its range
    (articles holding it) beside it."""
    from kscorpus.charts.model import Bar, Panel
    from kscorpus.charts.svg import hbars_svg

    what = f"{res.n}-word clusters around {res.around}" if res.around else f"{res.n}-grams"
    title = f"The commonest {what} · {selection_text(res.selection)}"
    subtitle = (
        f"{len(res.ngrams)} of {res.distinct:,} in {res.tokens:,} tokens of {res.articles:,} "
        f"article{'s' if res.articles != 1 else ''}. Bar: frequency; beside it: range, the "
        "articles holding it"
    )
    bars = tuple(Bar(g.text, g.freq, f"range {g.range:,}") for g in res.ngrams)
    if res.around:
        empty = (
            f"no {what}: {res.around!r} may be no word of these articles as jieba cuts them "
            "(or try --min-freq 1)"
        )
    else:
        empty = f"no {what} (try --min-freq 1 or --min-range 1)"
    return hbars_svg([Panel("", bars, empty)], title, "frequency", subtitle, fmt=_num)


def keyness_svg(res: Keyness, min_ll: float) -> str:
    """The key words as SVG: diverging bars of log ratio in the table's order (by LL), words
    the part uses more to the right of zero, less (``--negative``) to the left, LL beside."""
    from kscorpus.charts.model import Bar
    from kscorpus.charts.svg import diverging_svg

    ref = res.reference if res.reference == "rest of the corpus" else f"corpus {res.reference}"
    title = (
        f"{'Negative key' if res.negative else 'Key'} words of the part "
        f"({selection_text(res.selection)}) against the {ref} · LL ≥ {min_ll:g}"
    )
    subtitle = (
        f"The part: {res.tokens:,} tokens; the reference: {res.ref_tokens:,} tokens. Bar: log "
        "ratio (1 = twice as frequent); beside it: log-likelihood"
    )
    bars = [Bar(w.text, w.log_ratio, f"LL {w.ll:,.2f}") for w in res.words]
    return diverging_svg(
        bars,
        title,
        "log ratio (log2 of the part's relative frequency over the reference's)",
        subtitle,
        sides=("used less in the part", "used more in the part"),
        empty=f"no key words with LL ≥ {min_ll:g} (try --min-freq 1 or --min-ll 0)",
        fmt=_num,
    )
