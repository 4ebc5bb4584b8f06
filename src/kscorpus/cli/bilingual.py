"""``kscorpus pairs``, ``link`` and ``unlink``: translation pairs, proposed and declared.

``pairs`` reads what the last ingest found (``bilingual.pairs``); ``link`` and ``unlink`` write
``translation_of`` in the manifest (``corpus.manage``) under the corpus's writer lock and update
the index in the same transaction, which realigns the pair."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kscorpus.bilingual.pairs import PROPOSE
from kscorpus.cli.common import (
    CorpusOpt,
    DebugOpt,
    IndexOpt,
    JsonOpt,
    _err,
    _open,
    _out,
    _print_json,
    app,
    handled,
)


@app.command()
@handled
def pairs(
    linked: Annotated[
        bool, typer.Option("--linked", help="List the declared pairs (translation_of) instead.")
    ] = False,
    every: Annotated[
        bool,
        typer.Option("--all", help="Also list runner-up candidates of articles already proposed."),
    ] = False,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List proposed translation pairs, or the declared ones.

    Ingest compares unlinked Chinese and English articles (dictionary words, numbers, names,
    length) and proposes the pairs that look like translations, each article in one pair at
    most. The score is in [0, 1]; 'words', 'anchors' and 'length' are what it is made of.
    Confirm a proposal with 'kscorpus link ZH EN'."""
    handle = _open(corpus_dir, index_dir)
    titles = {a["id"]: a["title"] for a in handle.articles_meta()}
    if linked:
        rows = [_linked_row(handle, zh, en) for zh, en in _declared(handle.articles_meta())]
    else:
        best = {(p["zh"], p["en"]) for p in handle.meta.get("proposed_pairs", [])}
        found = handle.pair_candidates() if every else handle.meta["proposed_pairs"]
        rows = [
            p | {"status": "proposed" if (p["zh"], p["en"]) in best else "candidate"}
            for p in sorted(found, key=lambda p: -p["score"])
        ]
    rows = [
        r | {"zh_title": titles.get(r["zh"], ""), "en_title": titles.get(r["en"], "")} for r in rows
    ]
    if as_json:
        _print_json({"pairs": rows})
        return
    err = _err()
    if not rows:
        err.print(
            "kscorpus: no declared pairs; 'kscorpus link ZH EN' declares one"
            if linked
            else "kscorpus: no proposed pairs (every article is linked, or none looks like "
            "another's translation)",
            markup=False,
        )
        return
    _table(rows, linked)
    if not linked:
        err.print(
            f"kscorpus: confirm a pair with 'kscorpus link {rows[0]['zh']} {rows[0]['en']}'",
            markup=False,
        )


@app.command()
@handled
def link(
    first: Annotated[str, typer.Argument(metavar="ZH", help="The Chinese article's id.")],
    second: Annotated[str, typer.Argument(metavar="EN", help="The English article's id.")],
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Declare two articles a translation pair and align them.

    Writes translation_of in both manifest entries (either order of ids works) and updates the
    index; 'kscorpus show ZH --side-by-side' then shows the alignment. An article already
    paired with another is refused: 'kscorpus unlink ID' first."""
    from kscorpus.cli.corpus import _update_index, _writable_corpus
    from kscorpus.corpus.lock import writing
    from kscorpus.corpus.manage import link_articles

    root = _writable_corpus(corpus_dir)
    with writing(root):  # one transaction: the manifest and the index update
        res = link_articles(root, first, second)
        _update_index(root, index_dir)
    handle = _open(root, index_dir)
    row = _linked_row(handle, res.zh.id, res.en.id)
    score = _score(handle, res.zh.id, res.en.id)
    said = "linked" if res.changed else "already linked:"
    err = _err()
    err.print(
        f"kscorpus: {said} {res.zh.id} (zh) ↔ {res.en.id} (en), {row['links']} aligned "
        f"segments, mean confidence {row['confidence']}; "
        f"'kscorpus show {res.zh.id} --side-by-side' shows them",
        markup=False,
    )
    if score is not None and score < PROPOSE:
        err.print(
            f"kscorpus: warning: {res.zh.id} and {res.en.id} do not look like translations of "
            f"each other (pair score {score} < {PROPOSE}); 'kscorpus unlink {res.zh.id}' "
            "undoes the link",
            markup=False,
        )
    if as_json:
        _print_json(row | {"score": score, "changed": res.changed})


@app.command()
@handled
def unlink(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Either article of the pair.")],
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Withdraw a translation pair (translation_of in the manifest).

    translation_of goes from both manifest entries; the two articles stay in the corpus and
    the index forgets their alignment. A later ingest may propose them again ('kscorpus
    pairs')."""
    from kscorpus.cli.corpus import _update_index, _writable_corpus
    from kscorpus.corpus.lock import writing
    from kscorpus.corpus.manage import unlink_article

    root = _writable_corpus(corpus_dir)
    with writing(root):
        res = unlink_article(root, article_id)
        _update_index(root, index_dir)
    _err().print(f"kscorpus: unlinked {res.zh.id} (zh) ↔ {res.en.id} (en)", markup=False)
    if as_json:
        _print_json({"zh": res.zh.id, "en": res.en.id, "changed": res.changed})


def _declared(articles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The manifest's pairs as (zh, en), each once, in manifest order."""
    lang = {a["id"]: a["lang"] for a in articles}
    out: list[tuple[str, str]] = []
    for a in articles:
        other = a.get("translation_of")
        if other in lang and lang[other] != a["lang"]:
            pair = (a["id"], other) if a["lang"] == "zh" else (other, a["id"])
            if pair not in out:
                out.append(pair)
    return out


def _score(handle: Any, zh: str, en: str) -> float | None:
    """The pair score of two indexed articles (None if either cannot be read), as pair
    detection would give it."""
    from kscorpus.bilingual.align import anchors_en, anchors_zh
    from kscorpus.bilingual.pairs import pair_score
    from kscorpus.bilingual.wordmatch import general

    docs = handle.document(zh), handle.document(en)
    if None in docs:
        return None
    lexicon = general()
    glossary = handle.glossary()
    glossary = glossary.with_lexicon(lexicon) if lexicon is not None else glossary
    found = pair_score(anchors_zh(docs[0].text, glossary), anchors_en(docs[1].text, glossary))
    return round(found.score, 3)


def _linked_row(handle: Any, zh: str, en: str) -> dict[str, Any]:
    """A declared pair with the size and mean confidence of its alignment."""
    segments = handle.segments(zh, en)
    both = [s["confidence"] for s in segments if s["zh_pnos"] and s["en_pnos"]]
    mean = round(sum(both) / len(both), 3) if both else None
    return {"zh": zh, "en": en, "status": "linked", "links": len(segments), "confidence": mean}


def _table(rows: list[dict[str, Any]], linked: bool) -> None:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    numbers = ("links", "confidence") if linked else ("score", "words", "anchors", "length")
    for col in ("zh", "en", *numbers):
        table.add_column(col, justify="left" if col in ("zh", "en") else "right", no_wrap=True)
    table.add_column("titles")
    for r in rows:
        mark = "" if r["status"] != "candidate" else " (runner-up)"
        cells = ["" if r.get(c) is None else str(r[c]) for c in numbers]
        table.add_row(r["zh"], r["en"], *cells, f"{r['zh_title']} | {r['en_title']}{mark}")
    _out().print(table)
