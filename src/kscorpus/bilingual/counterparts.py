"""Language versions of an article: its translation, or a clear answer why there is none."""

from __future__ import annotations

from typing import Any

from kscorpus.errors import NotFoundError
from kscorpus.index.store import IndexHandle
from kscorpus.ingest.pipeline import Document

LANG_NAMES = {"zh": "Chinese", "en": "English"}


def counterpart_id(articles: list[dict[str, Any]], article_id: str, lang: str) -> str | None:
    """The id of ``article_id``'s translation in ``lang`` (links work in either direction)."""
    by_id, linked_from = _links(articles)
    linked = [by_id[article_id].get("translation_of"), *linked_from.get(article_id, ())]
    return next((i for i in linked if i and i in by_id and by_id[i]["lang"] == lang), None)


_LINKS: list[Any] = [None, None]  # the article list last indexed, and its index


def _links(articles: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Articles by id, and who names each as ``translation_of``: built once per article list,
    so exporting every article of a large corpus stays linear."""
    if _LINKS[0] is not articles:
        linked_from: dict[str, list[str]] = {}
        for b in articles:
            if b.get("translation_of"):
                linked_from.setdefault(b["translation_of"], []).append(b["id"])
        _LINKS[:] = [articles, ({a["id"]: a for a in articles}, linked_from)]
    return _LINKS[1]  # type: ignore[no-any-return]


def find_version(
    handle: IndexHandle, article_id: str, lang: str | None = None
) -> tuple[Document, str | None]:
    """The document to show for ``article_id`` in ``lang``, and the id asked for when it is a
    translation. Raises NotFoundError naming what exists instead."""
    articles = handle.articles_meta()
    by_id = {a["id"]: a for a in articles}
    if article_id not in by_id:
        skipped = handle.meta.get("skipped", {})
        if article_id in skipped:
            raise NotFoundError(f"article {article_id} is not in the index: {skipped[article_id]}")
        known = ", ".join(sorted(by_id)) or "none"
        raise NotFoundError(f"no article with id {article_id!r}; known ids: {known}")
    a = by_id[article_id]
    target, via = article_id, None
    if lang and lang != a["lang"]:
        other = counterpart_id(articles, article_id, lang)
        if other is None:
            same_event = [
                b["id"]
                for b in articles
                if b["lang"] == lang and a.get("event") and b.get("event") == a["event"]
            ]
            hint = (
                f"; {', '.join(same_event)} {'is' if len(same_event) == 1 else 'are'} "
                f"the {LANG_NAMES[lang]} report on the same event ({a['event']})"
                if same_event
                else ""
            )
            raise NotFoundError(
                f"{article_id} is {LANG_NAMES[a['lang']]} only: it has no "
                f"{LANG_NAMES[lang]} version{hint}"
            )
        target, via = other, article_id
    doc = handle.document(target)
    if doc is None:
        raise NotFoundError(
            f"article {target} is in the manifest but not in the index; run 'kscorpus ingest'"
        )
    return doc, via


def aligned_pair(
    handle: IndexHandle, article_id: str
) -> tuple[Document, Document, list[dict[str, Any]]]:
    """Both sides of ``article_id``'s translation pair (Chinese first) and their aligned
    segments; NotFoundError when the article has no translation."""
    articles = handle.articles_meta()
    by_id = {a["id"]: a for a in articles}
    if article_id not in by_id:
        find_version(handle, article_id)  # raises the unknown-id error
    lang = by_id[article_id]["lang"]
    other = counterpart_id(articles, article_id, "en" if lang == "zh" else "zh")
    if other is None:
        find_version(handle, article_id, "en" if lang == "zh" else "zh")  # explains why not
    zh_id, en_id = (article_id, other) if lang == "zh" else (other, article_id)
    zh, _ = find_version(handle, zh_id)
    en, _ = find_version(handle, en_id)
    return zh, en, handle.segments(zh_id, en_id)


def aligned_passage(
    handle: IndexHandle, article_id: str, lang: str, pno: int
) -> dict[str, Any] | None:
    """The other side of the aligned segment holding paragraph ``pno`` of a paired article:
    ``{id, lang, pnos, text, confidence}`` (empty ``pnos`` where the translation skips it), or
    None when the article has no translation."""
    far = "en" if lang == "zh" else "zh"
    other = counterpart_id(handle.articles_meta(), article_id, far)
    if other is None:
        return None
    pair = (article_id, other) if lang == "zh" else (other, article_id)
    seg = next((g for g in handle.segments(*pair) if pno in g[f"{lang}_pnos"]), None)
    if seg is None:
        return None
    return {
        "id": other,
        "lang": far,
        "pnos": seg[f"{far}_pnos"],
        "text": seg[far],
        "confidence": seg["confidence"],
    }
