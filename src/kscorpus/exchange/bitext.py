"""Bitext: the aligned paragraph links of translation pairs, as the index holds them.

Both translator formats start here: ``pairs`` finds the linked pairs of the selected articles
and reads their links once from the ``aligned`` index; ``render_jsonl`` writes one JSON object
per link for machine-translation work, and ``exchange.tmx`` writes the same links as TMX.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kscorpus.index.store import IndexHandle


@dataclass(frozen=True)
class AlignedPair:
    """A linked translation pair: both articles' manifest entries, which side is the original,
    and its aligned links in order (each ``{zh, en, zh_pnos, en_pnos, confidence, n}``; one
    side of a 1:0 or 0:1 link is empty)."""

    zh: dict[str, Any]
    en: dict[str, Any]
    source: str | None  # "zh" or "en": the side the other's translation_of names; None when
    # each names the other (the manifest does not say which is the original)
    links: list[dict[str, Any]]


@dataclass(frozen=True)
class Selection:
    """The pairs of the selected articles, and the selected articles that have none."""

    pairs: list[AlignedPair]
    unpaired: list[str]


def select_pairs(
    handle: IndexHandle, chosen: Iterable[str], min_confidence: float = 0.0
) -> Selection:
    """The pairs holding any chosen article, each once, in the manifest order of its first
    chosen article; only links of at least ``min_confidence``."""
    from kscorpus.bilingual.counterparts import counterpart_id

    arts = handle.articles_meta()
    by_id = {a["id"]: a for a in arts}
    seen: set[tuple[str, str]] = set()
    pairs: list[AlignedPair] = []
    unpaired: list[str] = []
    for aid in chosen:
        a = by_id[aid]
        other = counterpart_id(arts, aid, "en" if a["lang"] == "zh" else "zh")
        if other is None:
            unpaired.append(aid)
            continue
        zh_id, en_id = (aid, other) if a["lang"] == "zh" else (other, aid)
        if (zh_id, en_id) in seen:
            continue
        seen.add((zh_id, en_id))
        zh, en = by_id[zh_id], by_id[en_id]
        back, forth = zh.get("translation_of") == en_id, en.get("translation_of") == zh_id
        source = None if back == forth else "en" if back else "zh"  # linked both ways: unknown
        links = [
            {
                "n": g["n"],
                "zh": g["zh"],
                "en": g["en"],
                "zh_pnos": list(g["zh_pnos"]),
                "en_pnos": list(g["en_pnos"]),
                "confidence": g["confidence"],
            }
            for g in handle.segments(zh_id, en_id)
            if g["confidence"] >= min_confidence
        ]
        pairs.append(AlignedPair(zh, en, source, links))
    return Selection(pairs, unpaired)


def records(pairs: Iterable[AlignedPair]) -> Iterator[dict[str, Any]]:
    """One bitext record per link (``schemas/bitext.schema.json``)."""
    for p in pairs:
        for link in p.links:
            yield {
                "zh": link["zh"],
                "en": link["en"],
                "confidence": link["confidence"],
                "zh_id": p.zh["id"],
                "en_id": p.en["id"],
                "zh_pnos": link["zh_pnos"],
                "en_pnos": link["en_pnos"],
                "n": link["n"],
                "source_lang": p.source,
            }


def render_jsonl(pairs: Iterable[AlignedPair]) -> Iterator[str]:
    """The bitext as JSONL: one object per link, no header line, UTF-8 unescaped."""
    for rec in records(pairs):
        yield json.dumps(rec, ensure_ascii=False) + "\n"
