"""Pins: an open index generation is never removed under its reader.

A build publishes a new generation and then removes the older ones. A reader that read
``CURRENT`` just before the switch would otherwise find its generation's files gone while it
opens them (or, later, reads one lazily). So a reader holds a shared ``flock`` on the
generation's directory for as long as its handle is open, and a build removes only the
generations it can lock exclusively; a pinned one is left for the next build to collect.
Without ``fcntl`` (Windows) there are no pins and a build removes what it replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Pin:
    """A shared lock on one generation directory, released by ``release`` (or at exit)."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops its lock
            self._fd = None

    def __del__(self) -> None:
        self.release()


def pin(gen: Path) -> Pin | None:
    """Pin ``gen``; None if a build is removing it or has removed it (the caller reads
    ``CURRENT`` again: it names a newer generation by then)."""
    if fcntl is None:  # pragma: no cover - Windows
        return Pin(None) if gen.is_dir() else None
    try:
        fd = os.open(gen, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        st, here = os.fstat(fd), os.stat(gen)  # a build may have removed it before we locked
        if (st.st_dev, st.st_ino) == (here.st_dev, here.st_ino):
            return Pin(fd)
    except OSError:
        pass
    os.close(fd)
    return None


def remove_unpinned(path: Path) -> None:
    """Remove a replaced generation (or a leftover build directory) unless a reader pins it."""
    with _exclusive(path) as free:
        if free:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[bool]:
    if fcntl is None:  # pragma: no cover - Windows
        yield True
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        yield True  # not a directory we can open: nobody can pin it either
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
