"""Rich rendering for people; the library's ``to_json`` forms are what scripts get.

Highlights are styled on a colour terminal and bracketed 【like this】 when colour is off or the
output is piped, so a match stays visible in plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from kscorpus.ingest.pipeline import Document
    from kscorpus.query.highlight import Snippet
    from kscorpus.query.search import Results

HIGHLIGHT = "bold black on yellow"


def plain(console: Console) -> bool:
    return not console.is_terminal or console.no_color


def snippet_text(snip: Snippet, console: Console) -> Text:
    from rich.text import Text

    before, after = snip.cut
    out = Text("…" if before else "")
    pos = 0
    for s, e in snip.highlights:
        out.append(snip.text[pos:s])
        if plain(console):
            out.append(f"【{snip.text[s:e]}】")
        else:
            out.append(snip.text[s:e], style=HIGHLIGHT)
        pos = e
    out.append(snip.text[pos:])
    if after:
        out.append("…")
    return out


def results(res: Results, console: Console, original: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    from kscorpus.ingest.convert import to_simplified

    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("title / best passage", ratio=1, overflow="fold")
    for h in res.hits:
        cell = Text(to_simplified(h.title) if h.script == "Hant" else h.title, style="bold")
        where = f"  ¶{h.passage + 1}" if h.passage is not None else ""
        cell.append(where, style="dim")
        cell.append("\n")
        snip = h.original if original and h.original else h.snippet
        cell.append_text(snippet_text(snip, console))
        if h.via == "alignment":
            cell.append("\n(found through its translation's aligned passage)", style="dim italic")
        if h.parallel and not h.parallel["pnos"]:  # as kwic --parallel says it
            cell.append(f"\n↳ {h.parallel['id']}: not translated", style="dim")
        elif h.parallel:
            p = h.parallel
            where = ",".join(f"¶{n + 1}" for n in p["pnos"])
            cell.append(f"\n↳ {p['id']} {where} ({p['confidence']:.2f}): ", style="cyan")
            cell.append(_clip(p["text"], 240), style="cyan")
        table.add_row(str(h.rank), h.id, h.lang, f"{h.score:.2f}", cell)
    console.print(table)


def document(doc: Document, console: Console, original: bool, via: str | None) -> None:
    from rich.rule import Rule
    from rich.text import Text

    a = doc.article
    facts = [a.lang, a.script, a.date, a.event, a.place, a.publisher]
    head = Text(f"{a.id}  ", style="bold")
    head.append(a.title, style="bold")
    console.print(head)
    meta = "  ·  ".join(f for f in facts if f)
    if a.translation_of:
        meta += f"  ·  translation: {a.translation_of}"
    console.print(Text(meta, style="dim"))
    if via:
        console.print(Text(f"(the {a.lang} version of {via})", style="dim"))
    view = "original text, as in the corpus file" if original else "cleaned text"
    console.print(Rule(view, style="dim"))
    if original:
        console.print(Text(doc.original.rstrip("\n")), highlight=False)
    else:
        for i, (s, e) in enumerate(doc.paragraphs):
            if i:
                console.print()
            console.print(Text(doc.text[s:e]), highlight=False)


def corpus_table(rows: list[dict[str, Any]], console: Console) -> None:
    """One row an article; the translation column names the other side of a pair whichever
    side the manifest links it from."""
    from rich.table import Table

    from kscorpus.bilingual.counterparts import counterpart_id

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col, just in [
        ("id", "left"),
        ("lang", "left"),
        ("script", "left"),
        ("date", "left"),
        ("chars", "right"),
        ("translation", "left"),
        ("title", "left"),
    ]:
        table.add_column(col, justify=just, no_wrap=col != "title")  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            r["id"],
            r["lang"],
            r["script"],
            r.get("date") or "",
            f"{r['chars']:,}",
            counterpart_id(rows, r["id"], "en" if r["lang"] == "zh" else "zh") or "",
            r["title"],
        )
    console.print(table)


def doctor(docs: list[Document], console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    for doc in docs:
        a = doc.article
        head = Text(f"{a.id}  {a.title}", style="bold")
        n, m = len(doc.repairs), len(doc.suspects)
        head.append(f"   {n} repair{'s' * (n != 1)}, {m} suspect span{'s' * (m != 1)}", "dim")
        console.print(head)
        if not (doc.repairs or doc.suspects):
            continue
        table = Table(box=None, header_style="bold", pad_edge=False, expand=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("line:col", justify="right", no_wrap=True)
        table.add_column("before → after", ratio=1, overflow="fold")
        table.add_column("note", ratio=1, overflow="fold", style="dim")
        for c in (*doc.repairs, *doc.suspects):
            line = doc.original.count("\n", 0, c.start) + 1
            col = c.start - (doc.original.rfind("\n", 0, c.start) + 1) + 1
            change = Text(repr(c.before)[1:-1], style="red")
            if c.kind != "suspect":
                change.append(" → ")
                change.append(repr(c.after)[1:-1] or "(removed)", style="green")
            table.add_row(c.kind, f"{line}:{col}", change, c.note)
        console.print(table)
        console.print()


def _clip(text: str, width: int) -> str:
    """At most ``width`` terminal cells of ``text``, with … when cut."""
    from kscorpus.query.highlight import cells

    out, used = [], 0
    for ch in " ".join(text.split()):
        used += cells(ch)
        if used > width:
            return "".join(out) + "…"
        out.append(ch)
    return "".join(out)


def side_by_side(
    zh: Document, en: Document, segments: list[dict[str, Any]], console: Console
) -> None:
    """Two aligned columns, Chinese | English, one row per aligned segment."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False, expand=True, show_lines=True)
    table.add_column("#", justify="right", no_wrap=True, style="dim")
    table.add_column(f"{zh.article.id} {zh.article.title}", ratio=1, overflow="fold")
    table.add_column(f"{en.article.id} {en.article.title}", ratio=1, overflow="fold")
    for g in segments:
        mark = Text(f"{g['n'] + 1}")
        if g["confidence"] < 0.8:
            mark.append(f"\n{g['confidence']:.2f}", style="yellow")
        table.add_row(mark, g["zh"] or Text("—", style="dim"), g["en"] or Text("—", style="dim"))
    console.print(table)


def facets(counts: dict[str, dict[str, int]], console: Console) -> None:
    """Facet counts side by side: year, language, event."""
    from rich.columns import Columns
    from rich.table import Table

    tables = []
    for name, rows in counts.items():
        t = Table(box=None, header_style="bold", pad_edge=False)
        t.add_column(name)
        t.add_column("articles", justify="right")
        for key, n in rows.items():
            t.add_row(key, str(n))
        tables.append(t)
    console.print()
    console.print(Columns(tables, padding=(0, 4)))
