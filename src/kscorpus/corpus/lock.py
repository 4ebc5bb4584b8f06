"""One writer at a time per corpus directory.

``add``, ``remove``, ``ingest``, ``import`` and ``init`` change a corpus: they pick the next id,
copy files in and rewrite the manifest. Two of them at once would pick the same id and one
manifest would overwrite the other, so each holds ``writing(corpus_root)`` for its whole
transaction: an exclusive ``fcntl.flock`` on ``.kscorpus.lock`` in the corpus directory.
Readers (search, list, show, export) never take it, and neither does the index refresh a
search makes: the index has its own lock.

A second writer waits (saying so once on stderr) up to ``KSCORPUS_LOCK_TIMEOUT`` seconds
(default 300), then gives up with a one-line error. The lock is reentrant within a process
(a depth count per directory: ``flock`` on a second descriptor of the same file would block
against the process's own lock), and the lock file is removed when the outermost holder
releases it, so a corpus directory is left as it was.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from kscorpus.errors import EXIT_USAGE, CorpusError, KscorpusError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock (use the filelock package there)
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".kscorpus.lock"
TIMEOUT_ENV = "KSCORPUS_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
F = TypeVar("F", bound=Callable[..., Any])


class CorpusLockedError(CorpusError):
    """Another writer held the corpus for longer than we were willing to wait."""


class _Held:
    def __init__(self) -> None:
        self.thread = threading.RLock()  # other threads of this process wait here
        self.fd: int | None = None
        self.depth = 0


_table = threading.Lock()
_held: dict[str, _Held] = {}


def _forget_after_fork() -> None:  # a child process holds nothing, whatever its parent held
    global _table
    _table = threading.Lock()
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def timeout_from_env() -> float:
    """``$KSCORPUS_LOCK_TIMEOUT`` in seconds (default 300); a bad value is a usage error."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise KscorpusError(
            f"{TIMEOUT_ENV}={raw!r} must be a number of seconds (0 or more)", EXIT_USAGE
        )
    return value


def holds(corpus_root: str | os.PathLike[str]) -> bool:
    """Whether this process holds the writer's lock on ``corpus_root``."""
    held = _held.get(os.path.realpath(corpus_root))
    return held is not None and held.depth > 0


@contextlib.contextmanager
def writing(
    corpus_root: str | os.PathLike[str],
    *,
    timeout: float | None = None,
    notify: Callable[[str], None] | None = None,
    optional: bool = False,
) -> Iterator[None]:
    """Hold the corpus's writer lock for the ``with`` block (reentrant in this process).

    ``timeout``: seconds to wait for another writer (default: ``$KSCORPUS_LOCK_TIMEOUT`` or
    300); ``notify``: where the one "waiting for …" line goes (default: stderr); ``optional``:
    a corpus directory this process cannot write to is used without the lock (``ingest`` of a
    read-only corpus writes only its index), instead of being an error."""
    root = Path(corpus_root)
    key = os.path.realpath(root)
    wait = timeout_from_env() if timeout is None else timeout
    with _table:
        held = _held.setdefault(key, _Held())
    if not held.thread.acquire(timeout=max(wait, 0.001)):
        raise CorpusLockedError(
            f"another thread of this process is still writing {root} after {wait:g} s"
        )
    try:
        if held.depth == 0:
            held.fd = _acquire(root, wait, notify or _to_stderr, optional)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                _release(root, held.fd)
                held.fd = None
    finally:
        held.thread.release()


def writes_corpus(fn: F) -> F:
    """A CLI command that writes its ``--corpus`` (keyword ``corpus_dir``) holds the lock for
    its whole body; a corpus it cannot write to is used without it (see ``optional``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kscorpus.corpus.manifest import resolve_corpus_dir

        with writing(resolve_corpus_dir(kwargs.get("corpus_dir")), optional=True):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _acquire(root: Path, wait: float, notify: Callable[[str], None], optional: bool) -> int | None:
    if fcntl is None:  # pragma: no cover
        return None
    path = root / LOCK_FILE
    if not os.access(root, os.W_OK):
        if optional:
            return None
        raise CorpusError(f"cannot write to the corpus directory {root}: permission denied")
    deadline = time.monotonic() + wait
    started = time.monotonic()
    told = False
    pause = 0.02
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            if optional:
                return None
            raise CorpusError(
                f"cannot write to the corpus directory {root}: cannot create {path}: {e.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = _holder(path)
            now = time.monotonic()
            if not told and (pid or now - started > 0.5):
                who = f" (pid {pid})" if pid else ""
                notify(f"kscorpus: waiting for another kscorpus writer{who} on {root}")
                told = True
            if now >= deadline:
                who = f" (pid {pid})" if pid else ""
                raise CorpusLockedError(
                    f"another kscorpus writer{who} still holds {root} after {wait:g} s; try "
                    f"again when it has finished (or set {TIMEOUT_ENV} to wait longer)"
                ) from None
            time.sleep(min(pause, max(deadline - now, 0)))
            pause = min(pause * 1.5, 0.25)
            continue
        except BaseException:
            os.close(fd)
            raise
        # The holder before us may have removed the file as it let go: then our lock is on a
        # file nobody else will lock, and we must lock the one now at that path instead.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        return fd


def _release(root: Path, fd: int) -> None:
    """Remove the lock file while still holding it (waiters check they locked the file at the
    path), then let go."""
    try:
        with contextlib.suppress(OSError):
            os.unlink(root / LOCK_FILE)
    finally:
        os.close(fd)


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _to_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
