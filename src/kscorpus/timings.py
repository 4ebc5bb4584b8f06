"""Where a command's time went (``kscorpus search --timings``).

Phases are measured as they run and add up; a module imported lazily inside a phase counts in
that phase, which is why the CLI imports what a search needs in a phase of its own first.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

LOADED = time.perf_counter()  # when kscorpus was first imported


def process_age() -> float | None:
    """Seconds since this process started (Linux, 10 ms resolution), else None."""
    try:
        with open("/proc/self/stat", "rb") as f:
            start_ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


class Timings:
    """Named phases in the order they first ran, in seconds."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t

    def add(self, name: str, seconds: float) -> None:
        self.phases[name] = self.phases.get(name, 0.0) + seconds

    def line(self) -> str:
        """``startup 20 ms · imports 180 ms · … · total 250 ms``."""
        parts = [f"{name} {s * 1000:.0f} ms" for name, s in self.phases.items()]
        return " · ".join([*parts, f"total {sum(self.phases.values()) * 1000:.0f} ms"])


def phase(timings: Timings | None, name: str) -> contextlib.AbstractContextManager[None]:
    """``timings.phase(name)``, or nothing when no one is timing."""
    return timings.phase(name) if timings else contextlib.nullcontext()
