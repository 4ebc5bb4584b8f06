"""Writing a file atomically: readers see the old file or the new one whole, never a part.
The one helper for it: the manifest, the index's metadata and exports all go through it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

_UMASK = os.umask(0o022)  # read once, at import: os.umask can only be read by setting it
os.umask(_UMASK)


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | str | Iterable[bytes | str],
    *,
    durable: bool = True,
) -> None:
    """Write ``data`` (bytes, text, or chunks of either: text as UTF-8) to ``path``: a
    temporary file beside it (unique, so two processes never share one), flushed and fsynced,
    then renamed over ``path``; with ``durable`` the directory is fsynced too, so the rename
    survives a crash. On error the temporary file is removed and the ``OSError`` raised;
    ``path`` is then as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in [data] if isinstance(data, (bytes, str)) else data:
                f.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; an ordinary file is wanted
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make renames in ``path`` durable (POSIX; a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
