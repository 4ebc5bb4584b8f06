"""The data commands ``export``, ``import`` and ``stats``, registered on ``cli.app`` when this
module is imported. Data goes to stdout (or ``--out``) and nothing else does."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

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
    UntilOpt,
    _err,
    _open,
    _print_json,
    app,
    filters,
    handled,
)
from kscorpus.errors import EXIT_USAGE, KscorpusError

TOP_TERMS = 20


class Format(str, Enum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    opensearch_bulk = "opensearch-bulk"
    tmx = "tmx"
    bitext = "bitext"


PAIR_FORMATS = (Format.tmx, Format.bitext)  # formats of aligned links, not of articles


@app.command()
@handled
def export(
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="jsonl (one record per line; what import reads; the default), json, csv, "
            "opensearch-bulk (NDJSON for the _bulk API), or for translation pairs tmx (TMX 1.4b, "
            "one unit per aligned paragraph link) or bitext (JSONL, one object per link).",
            show_default=False,
        ),
    ] = None,
    ids: Annotated[
        str | None,
        typer.Option("--ids", metavar="IDS", help="Only these articles, comma-separated: 000,003."),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query", "-q", metavar="QUERY", help="Only the articles matching this query."
        ),
    ] = None,
    tokens: Annotated[
        bool, typer.Option("--tokens", help="Add each paragraph's indexed terms.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            metavar="FILE",
            help="opensearch-bulk: also write the index mapping to FILE.",
        ),
    ] = None,
    index_name: Annotated[
        str,
        typer.Option(
            "--index-name", metavar="NAME", help="opensearch-bulk: the index to load into."
        ),
    ] = "kscorpus",
    min_confidence: Annotated[
        float,
        typer.Option(
            "--min-confidence",
            metavar="P",
            min=0.0,
            max=1.0,
            help="tmx, bitext: only links aligned with at least this confidence (0-1).",
        ),
    ] = 0.0,
    lang: Annotated[str | None, typer.Option("--lang", help="Only articles in zh or en.")] = None,
    script: ScriptOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    event: EventOpt = None,
    publisher: PublisherOpt = None,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Stdout is JSON alone: the export as one JSON document (= --format json), or "
            "with --out FILE a summary of what was written.",
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Export articles with their text, repairs and alignment.

    To stdout, or to --out FILE (written atomically), as jsonl (the default), json, csv or
    opensearch-bulk; tmx and bitext write the aligned paragraphs of the translation pairs
    that hold a selected article. With --json, stdout is JSON alone, as for every command:
    without --out, the export itself as one JSON document (--json is --format json); with
    --out FILE, a summary of what was written: {"path", "format", "articles", "mapping"}
    (and "pairs", "links" for tmx and bitext)."""
    import json

    from kscorpus.corpus.manifest import load_corpus
    from kscorpus.exchange import export as ex

    if as_json and out is None:
        if fmt not in (None, Format.json):
            raise KscorpusError(
                f"--json without --out writes the export as JSON, not {fmt.value}; "
                f"give --out FILE to write {fmt.value} and get a JSON summary",
                EXIT_USAGE,
            )
        fmt = Format.json
    fmt = fmt or Format.jsonl
    if mapping is not None and fmt is not Format.opensearch_bulk:
        raise KscorpusError("--mapping goes with --format opensearch-bulk", EXIT_USAGE)
    if fmt in PAIR_FORMATS and tokens:
        raise KscorpusError(f"--tokens goes with article formats, not {fmt.value}", EXIT_USAGE)
    if min_confidence and fmt not in PAIR_FORMATS:
        raise KscorpusError("--min-confidence goes with --format tmx or bitext", EXIT_USAGE)
    meta_filters = filters(lang, script, since, until, event, publisher)  # before any index work
    handle = _open(corpus_dir, index_dir)
    corpus = load_corpus(corpus_dir)
    chosen = ex.select(handle, ids, query)
    if meta_filters.active():
        admitted = set(meta_filters.ids(handle.articles_meta()))
        chosen = [i for i in chosen if i in admitted]
    if ids is None and query is None and not meta_filters.active():
        for aid, why in handle.meta.get("skipped", {}).items():
            _say(f"article {aid} is not exported: the index could not read it ({why})")
    if not chosen:
        why = "the corpus has none" if not corpus.articles else "no article matches the selection"
        _say(f"the export holds no articles: {why}")
    if fmt in PAIR_FORMATS:
        _export_pairs(handle, chosen, fmt, min_confidence, out, as_json)
        return
    exporter = ex.Exporter(handle, corpus, tokens)
    chunks = ex.render(
        fmt.value,
        ex.corpus_info(corpus, len(chosen)),
        map(exporter.record, chosen),
        tokens,
        index_name,
    )
    if mapping is not None:
        ex.write_atomic(mapping, [json.dumps(ex.mapping(), ensure_ascii=False, indent=2) + "\n"])
        _say(f"wrote the index mapping to {mapping}")
    if out is None:
        _to_stdout(chunks)
        return
    ex.write_atomic(out, chunks)
    _say(f"exported {len(chosen)} articles as {fmt.value} to {out}")
    if as_json:
        _print_json(
            {
                "path": str(out.resolve()),
                "format": fmt.value,
                "articles": len(chosen),
                "mapping": str(mapping.resolve()) if mapping is not None else None,
            }
        )


def _export_pairs(
    handle: Any,
    chosen: list[str],
    fmt: Format,
    min_confidence: float,
    out: Path | None,
    as_json: bool,
) -> None:
    """tmx and bitext: the aligned links of the pairs holding a chosen article."""
    from kscorpus.exchange import bitext, tmx
    from kscorpus.exchange.export import write_atomic

    sel = bitext.select_pairs(handle, chosen, min_confidence)
    if sel.unpaired and chosen:
        n = len(sel.unpaired)
        some = ", ".join(sel.unpaired[:5]) + (", …" if n > 5 else "")
        _say(
            f"{n} selected article{'s have' if n != 1 else ' has'} no linked translation and "
            f"{'are' if n != 1 else 'is'} not in the {fmt.value} export: {some}"
        )
    if chosen and not sel.pairs:
        _say(
            "the export holds no translation pairs; link a translation with 'kscorpus add FILE "
            "--translation-of ID' or translation_of in manifest.toml"
        )
    writer = tmx.TmxWriter()
    chunks = writer.render(sel.pairs) if fmt is Format.tmx else bitext.render_jsonl(sel.pairs)
    if out is None:
        _to_stdout(chunks)
    else:
        write_atomic(out, chunks)
    links = sum(len(p.links) for p in sel.pairs)
    if writer.replaced:
        total = sum(writer.replaced.values())
        _say(
            f"{total} character(s) XML cannot hold (control characters) written as U+FFFD, "
            f"in article(s) {', '.join(sorted(writer.replaced))}"
        )
    if out is None:
        return
    n = len(sel.pairs)
    _say(
        f"exported {n} translation pair{'s' if n != 1 else ''} ({links} links) as {fmt.value} "
        f"to {out}"
    )
    if as_json:
        _print_json(
            {
                "path": str(out.resolve()),
                "format": fmt.value,
                "articles": 2 * len(sel.pairs),
                "mapping": None,
                "pairs": len(sel.pairs),
                "links": links,
            }
        )


def _to_stdout(chunks: Any) -> None:
    from kscorpus.exchange.export import write_stdout

    write_stdout(chunks)  # a closed pipe (| head) ends as for every command (handled)


@app.command(name="import")
@handled
def import_(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A JSONL or JSON export, or a TMX file; - reads stdin."
        ),
    ],
    into: Annotated[
        Path | None,
        typer.Option(
            "--into",
            metavar="DIR",
            help="Export: the corpus directory to create.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Export: replace the corpus files of a non-empty directory."),
    ] = False,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Recreate a corpus from an export, or add a TMX file's pairs.

    An export (JSONL or JSON): the articles, the manifest, the dictionary and the glossary,
    written into a new directory, --into DIR. A TMX file (from kscorpus or any translation
    tool): each translation pair in it becomes two new articles of the corpus (--corpus DIR),
    the original and its translation linked by translation_of; the index is updated."""
    import sys

    from kscorpus.exchange.tmx import looks_like_tmx

    data = sys.stdin.buffer.read() if str(source) == "-" else None
    if source.suffix.lower() == ".tmx" or looks_like_tmx(
        data if data is not None else _head(source)
    ):
        if into is not None or force:
            raise KscorpusError(
                f"{source} is TMX: it adds a translation pair to a corpus, given with "
                "--corpus DIR, not --into/--force (those recreate a corpus from an export)",
                EXIT_USAGE,
            )
        _import_tmx(source, data, corpus_dir, index_dir, as_json)
        return
    if into is None:
        raise KscorpusError(
            f"importing the export {source} needs --into DIR, the corpus directory to create",
            EXIT_USAGE,
        )
    given = [f"--{n}" for n in ("corpus", "index") if _on_command_line(ctx, f"{n}_dir")]
    if given:  # KSCORPUS_CORPUS and KSCORPUS_INDEX in the environment are no mistake
        raise KscorpusError(
            f"{' and '.join(given)} go{'es' if len(given) == 1 else ''} with a TMX import; "
            "an export is imported --into DIR",
            EXIT_USAGE,
        )
    from kscorpus.exchange.importer import import_corpus

    report = import_corpus(source, into, force, data)
    if as_json:
        _print_json(
            {"corpus": str(report.root), "articles": report.articles, "files": report.files}
        )
    _say(
        f"imported {report.articles} articles into {report.root}; "
        f"search it with --corpus {report.root}"
    )


def _on_command_line(ctx: typer.Context, name: str) -> bool:
    """Whether option ``name`` was given on the command line (not from the environment)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _head(source: Path) -> bytes:
    """The first bytes of ``source`` (empty if it cannot be read: the import says why)."""
    try:
        with open(source, "rb") as f:
            return f.read(256)
    except OSError:
        return b""


def _import_tmx(
    source: Path,
    data: bytes | None,
    corpus_dir: Path | None,
    index_dir: Path | None,
    as_json: bool,
) -> None:
    from kscorpus.cli.corpus import _update_index, _writable_corpus
    from kscorpus.corpus.lock import writing
    from kscorpus.exchange.importer import import_tmx

    if corpus_dir is None:  # never into the bundled sample by default
        raise KscorpusError(
            f"importing {source} adds its translation pairs to a corpus: say which with "
            "--corpus DIR (or KSCORPUS_CORPUS); 'kscorpus init DIR' starts one",
            EXIT_USAGE,
        )
    root = _writable_corpus(corpus_dir)
    with writing(root):  # one transaction: the articles, the manifest and the index update
        done = import_tmx(source, root, data)
        for i, d in enumerate(done, 1):
            o, t = d.original, d.translation
            _say(
                f"imported pair {i} of {source} ({d.units} units): {o.id} ({o.lang}, "
                f"{d.paragraphs[o.lang]} paragraphs) {o.title}"
            )
            _say(
                f"  and its translation {t.id} ({t.lang}, {d.paragraphs[t.lang]} paragraphs) "
                f"{t.title}"
            )
        report = _update_index(root, index_dir)
        _say(
            f"indexed {report.updated} new or changed article(s); the index holds "
            f"{report.articles} articles"
        )
    if as_json:
        _print_json(
            {
                "corpus": str(root),
                "pairs": [d.to_json() for d in done],
                "updated": report.updated,
                "articles": report.articles,
            }
        )


@app.command()
@handled
def stats(
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Corpus statistics: counts, sizes and the commonest terms.

    Articles by language, script and year; characters, tokens, distinct terms, the index's
    size; the commonest terms, leaving out stop words (的, 是, the…)."""
    data = corpus_stats(_open(corpus_dir, index_dir))
    if as_json:
        _print_json(data)
        return
    _render_stats(data)


def corpus_stats(handle: Any) -> dict[str, Any]:
    """Counts from the index: its metadata and the article index's ``text`` field."""
    from collections import Counter

    from kscorpus.bilingual.counterparts import counterpart_id

    arts = handle.articles_meta()

    def count(key: str) -> dict[str, int]:
        return dict(sorted(Counter(a[key] or "unknown" for a in arts).items()))

    pairs = {
        frozenset((a["id"], other))
        for a in arts
        if (other := counterpart_id(arts, a["id"], "en" if a["lang"] == "zh" else "zh"))
    }
    from kscorpus.study.stopwords import CHINESE_STOP_WORDS, is_stop_word

    # stop words left out; asked for as many more as could be left out (the list stays full)
    ask = TOP_TERMS + len(CHINESE_STOP_WORDS) + 36  # 36: single Latin letters and digits
    with handle.articles.reader() as r:
        terms = sum(1 for _ in r.lexicon("text"))
        common = ((int(n), t.decode("utf-8"), t) for n, t in r.most_frequent_terms("text", ask))
        top = [
            {"term": term, "count": n, "articles": r.doc_frequency("text", t)}
            for n, term, t in common
            if not is_stop_word(term)
        ][:TOP_TERMS]
    size = sum(p.stat().st_size for p in handle.path.rglob("*") if p.is_file())
    return {
        "articles": len(arts),
        "pairs": len(pairs),
        "passages": handle.meta["passages"],
        "by_lang": count("lang"),
        "by_script": count("script"),
        "by_year": dict(sorted(Counter((a["date"] or "unknown")[:4] for a in arts).items())),
        "chars": sum(a["chars"] for a in arts),
        "tokens": handle.meta["tokens"],
        "terms": terms,
        "top_terms": top,
        "index": {"path": str(handle.path), "bytes": size},
    }


def _render_stats(data: dict[str, Any]) -> None:
    from rich.table import Table

    from kscorpus.cli.common import _out

    out = _out()
    summary = Table(box=None, show_header=False, pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    for label, value in [
        ("articles", data["articles"]),
        ("translation pairs", data["pairs"]),
        ("passages", data["passages"]),
        ("characters", data["chars"]),
        ("tokens", data["tokens"]),
        ("distinct terms", data["terms"]),
        ("index size", f"{data['index']['bytes'] / 1e6:.1f} MB"),
    ]:
        summary.add_row(label, f"{value:,}" if isinstance(value, int) else value)
    out.print(summary)
    for key, title in (("by_lang", "language"), ("by_script", "script"), ("by_year", "year")):
        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column(title)
        table.add_column("articles", justify="right")
        for name, n in data[key].items():
            table.add_row(name, str(n))
        out.print()
        out.print(table)
    top = Table(box=None, header_style="bold", pad_edge=False, title_justify="left")
    top.add_column("term")
    top.add_column("count", justify="right")
    top.add_column("articles", justify="right")
    for row in data["top_terms"]:
        top.add_row(row["term"], f"{row['count']:,}", str(row["articles"]))
    out.print()
    out.print(top)
    _say(f"index: {data['index']['path']}")


def _say(message: str) -> None:
    """A notice for people, on stderr."""
    _err().print(f"kscorpus: {message}", markup=False)
