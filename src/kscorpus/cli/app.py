"""The ``kscorpus`` command: a thin Typer shell over the library.

Everything a script reads (``--json``) goes to stdout alone; progress, notices and errors go to
stderr. Errors are one line and a documented exit code, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kscorpus.cli import (  # noqa: F401  (they register commands)
    bilingual,
    corpus,
    data,
    lexis,
    plots,
    reading,
    study,
)
from kscorpus.cli import serve as _serve  # noqa: F401  (registers serve)
from kscorpus.cli.common import EXIT_BROKEN_PIPE, _stdout_closed, app

__all__ = ["app", "main"]

# the order ``kscorpus --help`` lists them in: reading first, then growing, then studying
ORDER = [
    "search", "show", "list", "doctor", "ingest", "init", "add", "remove",
    "pairs", "link", "unlink",
    "kwic", "keywords", "similar",
    "collocates", "ngrams", "keyness",
    "dispersion", "trend",
    "stats", "export", "import",
    "serve",
]  # fmt: skip
app.registered_commands.sort(key=lambda c: ORDER.index(c.name or c.callback.__name__))
for _command in app.registered_commands:
    # ``kscorpus --help`` shows each docstring's first paragraph whole, wrapped on a narrow
    # terminal, where Click would cut it to fit with "..."
    if _command.short_help is None and _command.callback is not None:
        _command.short_help = " ".join((_command.callback.__doc__ or "").split("\n\n")[0].split())


def _version(asked: bool) -> None:
    if asked:
        from kscorpus import __version__

        sys.stdout.write(f"kscorpus {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """The options of ``kscorpus`` itself (its help is the app's)."""


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
