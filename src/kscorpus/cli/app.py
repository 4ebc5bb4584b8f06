"""The ``kscorpus`` command: a thin Typer shell over the library.

Everything a script reads (``--json``) goes to stdout alone; progress, notices and errors go to
stderr. Errors are one line and a documented exit code, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import sys

from kscorpus.cli import corpus, data, reading, study  # noqa: F401  (they register commands)
from kscorpus.cli.common import EXIT_BROKEN_PIPE, _stdout_closed, app

__all__ = ["app", "main"]

# the order ``kscorpus --help`` lists them in: reading first, then growing, then studying
ORDER = [
    "search", "show", "list", "doctor", "ingest", "init", "add", "remove",
    "kwic", "keywords", "similar", "stats", "export", "import",
]  # fmt: skip
app.registered_commands.sort(key=lambda c: ORDER.index(c.name or c.callback.__name__))


def main() -> None:
    """Console-script entry point. Output is UTF-8 whatever the locale (LANG=C, a pipe with
    PYTHONIOENCODING=ascii): Chinese text must never fail to print."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # absent on a StringIO
        if reconfigure and (stream.encoding or "").lower().replace("-", "") != "utf8":
            reconfigure(encoding="utf-8")
    try:
        app()
    finally:  # output outside a command (help, usage) meets a closed pipe the same way
        # (Typer's own handling wraps stdout in a PacifyFlushWrapper and exits with 1.)
        try:
            sys.stdout.flush()
            closed = type(sys.stdout).__name__ == "PacifyFlushWrapper"
        except BrokenPipeError:
            closed = True
        if closed:
            _stdout_closed()
            sys.exit(EXIT_BROKEN_PIPE)
