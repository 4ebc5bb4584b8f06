"""Is the index current? Where the corpus and index are, the corpus files' fingerprint, and its
computation in a forked process beside a search.

A search of a large corpus checks every corpus file for changes, one ``stat`` each, which can
take longer than the imports and the search together. The console script starts that check
from here, before anything else is imported, so this module imports only ``os``, ``json`` and
``threading`` at load, not even ``typing`` (any import here delays the check, which the search
then waits for). Once the search has its answer, a helper process takes half of what is left
of the check. Paths are strings here; the callers wrap them in ``Path``.
"""

from __future__ import annotations

import json
import os
import sys
import threading

TYPE_CHECKING = False  # not ``typing``'s: importing it would delay the check
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Check = tuple[str, dict[str, Any], Callable[[], str]]

MANIFEST = "manifest.toml"
BUNDLED = "bundled"  # the sample corpus, inside an installed package
CURRENT = "CURRENT"
META = "meta.json"  # small: read by every command, every search
# The corpus files ingest read, for the staleness check: their names joined by NUL, in UTF-8,
# which is what the fingerprint hashes (quicker to read and split than JSON)
FILES = "files.lst"
FORK_CHECK = 5_000  # articles from which the freshness check runs beside the search


def can_fork() -> bool:
    """Whether this process may fork workers or helpers: Linux only (the workers rely on its
    fork and prctl), and only with no other thread running: a thread holding a lock at the
    fork leaves the child deadlocked on it."""
    return sys.platform == "linux" and threading.active_count() == 1


def corpus_dir(corpus: str | os.PathLike[str] | None = None) -> str:
    """``--corpus``, then ``$KSCORPUS_CORPUS``, then the bundled corpus (not checked to exist)."""
    chosen = corpus or os.environ.get("KSCORPUS_CORPUS")
    return os.path.realpath(os.path.expanduser(chosen)) if chosen else bundled_corpus_dir()


def bundled_corpus_dir() -> str:
    """The corpus shipped with kscorpus: inside the installed package, or the source checkout's."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    packaged = os.path.join(package, BUNDLED)
    if os.path.isfile(os.path.join(packaged, MANIFEST)):
        return packaged
    return os.path.join(os.path.dirname(os.path.dirname(package)), "corpus")  # src/kscorpus


def index_dir(index: str | os.PathLike[str] | None, corpus_root: str) -> str:
    """``--index``, then ``$KSCORPUS_INDEX``, then an ``index/`` directory beside the corpus
    directory if one exists (the project layout), else a per-corpus cache directory."""
    chosen = index or os.environ.get("KSCORPUS_INDEX")
    if chosen:
        return os.path.realpath(os.path.expanduser(chosen))
    sibling = os.path.join(os.path.dirname(corpus_root), "index")
    package = os.path.isfile(os.path.join(sibling, "__init__.py"))  # kscorpus's own code, where
    if os.path.isdir(sibling) and os.access(sibling, os.W_OK) and not package:  # it is installed
        return sibling
    import hashlib

    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    cache = base or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(corpus_root.encode()).hexdigest()[:12]
    return os.path.join(cache, "kscorpus", f"{os.path.basename(corpus_root)}-{digest}")


def fingerprint(root: str | os.PathLike[str], files: list[str]) -> str:
    """A cheap signature of the files ingest reads (names, sizes, mtimes), compared with the one
    stored in the index to tell whether the index is out of date. Computed from the file list
    the index recorded, it needs no manifest parsing: a changed manifest changes it too."""
    return listed_fingerprint(root, file_list(files))


def file_list(files: list[str]) -> bytes:
    """The bytes of ``FILES`` for ``files``."""
    return "\0".join(files).encode()


def read_file_list(gen: str | os.PathLike[str]) -> bytes | None:
    try:
        with open(os.path.join(gen, FILES), "rb") as f:
            return f.read()
    except OSError:
        return None


def listed_fingerprint(root: str | os.PathLike[str], listed: bytes) -> str:
    """``fingerprint`` of the files ``FILES`` lists (its bytes). Every search computes it, so
    it is one ``stat`` per file and nothing more: relative to the open corpus directory (the
    kernel then walks one path component, not every one), names kept as bytes, and one hash
    of packed integers. An in-place edit changes only the file's own inode, so no
    directory-level shortcut would see it."""
    fd = _open_dir(root)
    try:
        stats = _stats(fd, _names(listed))
    finally:
        if fd is not None:
            os.close(fd)
    return _digest(listed, stats)


def _names(listed: bytes) -> list[bytes]:
    """The names ``FILES`` lists: none for an empty list (split, it would give one empty name)."""
    return listed.split(b"\0") if listed else []


def _open_dir(root: str | os.PathLike[str]) -> int | None:
    try:
        return os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None  # every file then counts as missing


def _stats(fd: int | None, names: list[bytes]) -> bytes:
    """Size and mtime in ns of each name, packed as int64 (lasts until 2262); -1, -1 for a
    file that is missing."""
    from array import array

    stats = array("q")
    for name in names:
        try:
            if fd is None:
                raise OSError
            st = os.stat(name, dir_fd=fd)
        except OSError:
            stats.extend((-1, -1))
        else:
            stats.extend((st.st_size, st.st_mtime_ns))
    return stats.tobytes()


def _digest(listed: bytes, stats: bytes) -> str:
    import hashlib

    h = hashlib.sha256(listed)
    h.update(stats)
    return h.hexdigest()


CHUNK = 512  # names taken at a time by the check and its helper


def shared_fingerprint(root: str | os.PathLike[str], listed: bytes, idle: int) -> str:
    """``listed_fingerprint``, shared with a helper process once the caller has nothing left
    to do but wait (``idle`` reads end-of-file): the caller's core is then free, and on a large
    corpus the stats take longer than the search beside them. This process takes chunks of
    names from the front, the helper from the back, each publishing how far it has finished
    in shared memory; each stops where the other has finished, so no name is missed (a
    stale reading only makes both stat a chunk). Unneeded, the helper is killed."""
    import mmap
    import signal

    n = listed.count(b"\0") + 1 if listed else 0
    shared = mmap.mmap(-1, 16 + 16 * n)  # anonymous, shared with the fork
    ends = memoryview(shared)[:16].cast("q")  # [0]: names before it are done; [1]: from it
    ends[1] = n
    fd = _open_dir(root)

    def fill(names: list[bytes], lo: int, hi: int) -> None:  # names [lo, hi) into their slots
        shared[16 + 16 * lo : 16 + 16 * hi] = _stats(fd, names[lo:hi])

    try:
        helper = os.fork()
    except OSError:  # no helper: this process does it all
        helper = None
    if helper == 0:  # the helper: leave without cleanups, whatever happens
        try:
            os.read(idle, 1)
            names = _names(listed)
            hi = n
            while (lo := max(hi - CHUNK, ends[0])) < hi:
                fill(names, lo, hi)
                ends[1] = hi = lo
        finally:
            os._exit(0)
    # split after the fork: names shared with the helper would be copied page by page as
    # either process touched them (reference counts)
    names = _names(listed)
    try:
        lo = 0
        while lo < (hi := min(lo + CHUNK, ends[1])):
            fill(names, lo, hi)
            ends[0] = lo = hi
    finally:
        if helper:
            os.kill(helper, signal.SIGKILL)
            os.waitpid(helper, 0)
        if fd is not None:
            os.close(fd)
    ends.release()
    try:
        return _digest(listed, shared[16:])
    finally:
        shared.close()


def read_json(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def current(root: str | os.PathLike[str]) -> tuple[str | None, dict[str, Any] | None]:
    """The directory of the generation ``CURRENT`` names and its meta.json (None where there
    is none or it is unreadable). Read again if a build replaced it meanwhile."""
    gen = None
    for _ in range(3):
        try:
            with open(os.path.join(root, CURRENT), encoding="utf-8") as f:
                named = os.path.join(root, f.read().strip())
        except OSError:
            return None, None
        if named == gen:
            break
        gen, meta = named, read_json(os.path.join(named, META))
        if meta is not None:
            return gen, meta
    return gen, None


STARTED: dict[tuple[str, str], Check | None] = {}


def start_check(corpus_root: str, root: str) -> None:
    """Start the check of the corpus for ``index.open_checked`` now. The console script calls
    this before it imports anything else, so that even on a large corpus the check is done by
    the time the answer is."""
    STARTED[(corpus_root, root)] = check_async(corpus_root, root)


def check_async(corpus_root: str, root: str) -> Check | None:
    """The current generation, its meta and its files' fingerprint being computed; None for a
    small corpus or where forking is unsafe."""
    gen, meta = current(root)
    if (
        gen is None
        or meta is None
        or meta.get("articles", 0) < FORK_CHECK
        or not can_fork()
        or meta.get("corpus") != corpus_root
    ):
        return None
    return gen, meta, fingerprint_async(corpus_root, gen)


def fingerprint_async(corpus_root: str, gen: str) -> Callable[[], str]:
    """``fingerprint`` of the files generation ``gen`` recorded, computed by a forked child on
    another core (reading the list too; see ``shared_fingerprint`` for its helper); call the
    result to wait, which frees this process's core for the helper."""
    r, w = os.pipe()
    idle_r, idle_w = os.pipe()  # closed by this process when it only waits for the answer
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, then leave without cleanups
        code = 1
        try:
            os.close(r)
            os.close(idle_w)
            listed = read_file_list(gen)
            if listed is not None:  # else no answer: the index counts as stale
                os.write(w, shared_fingerprint(corpus_root, listed, idle_r).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    os.close(idle_r)

    def result() -> str:
        os.close(idle_w)  # this process only waits now: the check may take its core
        with os.fdopen(r, "rb") as f:
            data = f.read()
        os.waitpid(pid, 0)
        return data.decode("ascii", "replace")

    return result
