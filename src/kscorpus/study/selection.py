"""The part of a corpus a study command counts: articles chosen by the metadata filters and
``--ids``, as a set of ids (None: every article, which lets a scan skip the test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kscorpus.errors import EXIT_USAGE, KscorpusError, NotFoundError
from kscorpus.query.filters import Filters


def parse_ids(ids: str | None) -> list[str] | None:
    """``000,003`` → ``["000", "003"]`` (None when not given)."""
    if ids is None:
        return None
    wanted = [i.strip() for i in ids.split(",") if i.strip()]
    if not wanted:
        raise KscorpusError("--ids needs article ids, e.g. --ids 000,003", EXIT_USAGE)
    return wanted


def select(
    handle: Any, filters: Filters | None = None, ids: list[str] | None = None
) -> set[str] | None:
    """The ids of the articles admitted by ``filters`` and listed in ``ids`` (None: all)."""
    if ids is None and (filters is None or not filters.active()):
        return None
    articles = handle.articles_meta()
    if ids is not None:
        known = {a["id"] for a in articles}
        unknown = [i for i in ids if i not in known]
        if unknown:
            shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
            raise NotFoundError(f"--ids: no article with id {shown}; 'kscorpus list' shows them")
        articles = [a for a in articles if a["id"] in set(ids)]
    return {a["id"] for a in articles if filters is None or filters.admits(a)}


def describe(filters: Filters | None, ids: list[str] | None) -> dict[str, Any]:
    """The selection as JSON (what was asked, for a script to record)."""
    out: dict[str, Any] = {
        k: v for k, v in (filters.__dict__ if filters else {}).items() if v is not None
    }
    if ids is not None:
        out["ids"] = ids
    return out


def whole(filters: Filters | None, ids: list[str] | None) -> bool:
    """Whether the selection is every article, or every article of one language: what the
    per-segment word tables (``index.wordfreq``) count without a pass."""
    return ids is None and not narrows(filters)


def narrows(filters: Filters | None) -> bool:
    """Whether ``filters`` choose a part beyond a language."""
    return filters is not None and any(
        v is not None for k, v in filters.__dict__.items() if k != "lang"
    )


def years(filters: Filters | None, ids: list[str] | None) -> Callable[[str], bool] | None:
    """The selection as a test of an article's year (``""``: undated) where it is one: no
    ``--ids`` and no filter but the language and ``--since``/``--until`` of whole years (the
    per-segment word tables count by year); None where it is not."""
    f = filters or Filters()
    if ids is not None or any(
        v is not None for k, v in f.__dict__.items() if k not in ("lang", "since", "until")
    ):
        return None
    since, until = f.since, f.until
    if any(v is not None and len(v) != 4 for v in (since, until)):
        return None
    if since is None and until is None:
        return lambda year: True
    return lambda year: (
        bool(year) and (since is None or year >= since) and (until is None or year <= until)
    )
