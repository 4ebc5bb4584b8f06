"""Whether this process may fork workers or helpers."""

from __future__ import annotations

import sys
import threading


def can_fork() -> bool:
    """Linux only (the workers rely on its fork and prctl), and only with no other thread
    running: a thread holding a lock at the fork leaves the child deadlocked on it."""
    return sys.platform == "linux" and threading.active_count() == 1
