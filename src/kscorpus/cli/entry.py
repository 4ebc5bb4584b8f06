"""The ``kscorpus`` console script.

A search of a large corpus checks every corpus file for changes (one ``stat`` each, which can
take longer than the search itself) in a forked process beside the search. Started from here,
through ``freshness`` (which imports next to nothing), before the CLI imports typer, rich and
whoosh, the check runs beside them; started after them, a search waited for it. Two libraries
that Whoosh loads unused are left out (``lean_imports``), and a search leaves without the
interpreter's teardown.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    args = sys.argv[1:]
    searching = args[:1] == ["search"]
    if searching:
        _start_check(args[1:])
    from kscorpus.cli.lean_imports import import_lean

    import_lean()
    from kscorpus.cli.app import main as cli_main

    if not searching:
        cli_main()
        return
    try:
        cli_main()
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            _exit_now(e.code or 0)
        raise
    _exit_now(0)


def _exit_now(code: int) -> None:
    """Leave a search without the interpreter's teardown, which frees every object one by one
    and is slow after a search of a large corpus; the output is flushed first."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: the normal exit reports it
        return
    os._exit(code)


def _start_check(args: list[str]) -> None:
    roots = search_roots(args)
    if roots is None:
        return
    try:
        from kscorpus.index.freshness import corpus_dir, index_dir, start_check

        corpus_root = corpus_dir(roots[0])
        start_check(corpus_root, index_dir(roots[1], corpus_root))
    except Exception:  # the CLI reports what is wrong, in its own words
        return


# The options of ``kscorpus search`` that take a value (a test checks them against Click's).
SEARCH_VALUE_OPTIONS = frozenset(
    ("--corpus", "--index", "--event", "--lang", "--limit", "-n", "--publisher", "--script",
     "--since", "--until")
)  # fmt: skip


def search_roots(args: list[str]) -> tuple[str | None, str | None] | None:
    """The ``--corpus`` and ``--index`` values among a search's arguments, read as Click reads
    them (``--corpus DIR`` or ``--corpus=DIR``); None when help is asked or a value is missing."""
    found: dict[str, str | None] = {"--corpus": None, "--index": None}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        if arg in ("--help", "-h"):
            return None
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in SEARCH_VALUE_OPTIONS and not eq:  # its value is the next argument
            i += 1
            if i == len(args):
                return None
            value = args[i]
        if name in found:
            found[name] = value
        i += 1
    return found["--corpus"], found["--index"]
