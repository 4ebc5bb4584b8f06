"""Derived data kept in a generation directory (word tables, n-gram counts): marshalled,
under a key naming what it was computed from and a checksum, written atomically. A file that
is missing, damaged or keyed otherwise reads as absent and is computed again; a directory that
cannot be written means computing each time."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from pathlib import Path
from typing import Any

_DIGEST = 16


def read(path: Path, key: Any) -> Any | None:
    """The value stored at ``path`` under ``key`` (None if absent, damaged or another key's)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[_DIGEST:]
    if hashlib.blake2b(body, digest_size=_DIGEST).digest() != data[:_DIGEST]:
        return None
    try:
        stored_key, value = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    return value if stored_key == key else None


def write(path: Path, key: Any, value: Any) -> None:
    """Store ``value`` (marshallable) under ``key``; silently not where ``path`` is not
    writable (the caller has the value and computes it again next time)."""
    from kscorpus.atomic import write_atomic

    body = marshal.dumps((key, value))
    with contextlib.suppress(OSError):
        write_atomic(path, [hashlib.blake2b(body, digest_size=_DIGEST).digest(), body])
