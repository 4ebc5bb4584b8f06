"""The web reader's access to the corpus: one open index shared by every request, refreshed when
the corpus or the index changes, and the JSON of each page built by the library code the CLI's
``--json`` uses (so a page and its command cannot disagree).

Whoosh's searchers are not meant for concurrent use, so requests take turns on the handle (a
search takes milliseconds; the server's threads only wait for one another there).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kscorpus.index.store import IndexHandle

PER_PAGE = 10
MAX_RESULTS = 1000  # paging stops here: deeper than any reader goes, and bounded work a request


@dataclass
class Reader:
    """The corpus at ``corpus_root``, indexed in ``index_root``. ``check_every`` seconds at
    most between two checks that the index is current (a check stats every corpus file)."""

    corpus_root: Path
    index_root: Path
    notify: Callable[[str], None] | None = None
    check_every: float = 2.0
    _handle: IndexHandle | None = field(default=None, repr=False)
    _checked: float = field(default=float("-inf"), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def handle(self) -> Iterator[IndexHandle]:
        """The current index, for one request at a time: rebuilt first if the corpus changed
        (as every reading command does), reopened if another process built a new one."""
        from kscorpus.index.freshness import current
        from kscorpus.index.store import ensure_index, status

        with self._lock:
            now = time.monotonic()
            if self._handle is None or now - self._checked >= self.check_every:
                gen, _ = current(self.index_root)
                stale = self._handle is None or status(self.corpus_root, self.index_root) != (
                    "current"
                )
                if stale or gen is None or Path(gen) != self._handle.path:  # type: ignore[union-attr]
                    self.close_handle()
                    self._handle = ensure_index(self.corpus_root, self.index_root, self.notify)
                self._checked = time.monotonic()
            assert self._handle is not None
            yield self._handle

    def close_handle(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def article_list(handle: IndexHandle) -> list[dict[str, Any]]:
    """``list --json``: every article's manifest fields and counts."""
    return [{k: v for k, v in r.items() if k != "lengths"} for r in handle.articles_meta()]


def counterparts(handle: IndexHandle, ids: list[str]) -> dict[str, str | None]:
    """The id of each article's translation (None if it has none)."""
    from kscorpus.bilingual.counterparts import counterpart_id

    articles = handle.articles_meta()
    lang = {a["id"]: a["lang"] for a in articles}
    far = {"zh": "en", "en": "zh"}
    return {i: counterpart_id(articles, i, far[lang[i]]) for i in ids}


def query_terms(handle: IndexHandle, q: str, cross: bool) -> tuple[str, ...]:
    """The words a query looks for, as ``search`` highlights them (its ``terms``)."""
    from kscorpus.query.search import search

    return search(handle, q, limit=1, cross=cross).terms


def page_of(hits: list[Any], page: int) -> list[Any]:
    """The hits of page ``page`` (from 1) of a result list ranked ``PER_PAGE * page`` deep."""
    return hits[(page - 1) * PER_PAGE : page * PER_PAGE]
