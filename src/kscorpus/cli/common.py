"""What every ``kscorpus`` command shares: the Typer app, the option types, error handling
(one line on stderr and a documented exit code, never a traceback), opening the index and
writing JSON to stdout."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from kscorpus.errors import KscorpusError

warnings.filterwarnings("ignore", category=SyntaxWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(jieba|whoosh)")

# Click's usage errors (a bad option value, a missing argument), of the Click inside Typer
_UsageError: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _one_line(e: Any) -> None:
    """Show a Click usage error as every kscorpus error is shown: one line on stderr,
    ``kscorpus: error: …``, with where to read the command's help."""
    message = " ".join(e.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:] if message[1:2].islower() else message
    hint = f" (see '{e.ctx.command_path} -h')" if e.ctx is not None else ""
    _err().print(f"kscorpus: error: {message}{hint}", markup=False)


def _reword(e: Any) -> None:
    if type(e).__name__ != "NoArgsIsHelpError":  # that one shows the help: keep it
        e.show = lambda file=None: _one_line(e)


class Group(TyperGroup):
    """The ``kscorpus`` group: usage errors in one line (see ``_one_line``)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except _UsageError as e:
            _reword(e)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError as e:
            _reword(e)
            raise


app = typer.Typer(
    name="kscorpus",
    cls=Group,
    help="Search and read a bilingual (Chinese/English) corpus of news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        envvar="KSCORPUS_CORPUS",
        help="Corpus directory (articles + manifest.toml). Default: the bundled corpus.",
        show_default=False,
    ),
]
IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        envvar="KSCORPUS_INDEX",
        help="Index directory. Default: index/ "
        "beside the corpus if it exists, else a per-corpus cache directory.",
        show_default=False,
    ),
]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Only articles in zh or en.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON to stdout (for scripts).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")]
ScriptOpt = Annotated[
    str | None, typer.Option("--script", help="Only articles in this script: Hans, Hant, Latn.")
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since", metavar="DATE", help="Only articles dated DATE (YYYY[-MM[-DD]]) or later."
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Only articles dated DATE or earlier."),
]
EventOpt = Annotated[
    str | None, typer.Option("--event", help="Only articles whose event contains this text.")
]
PublisherOpt = Annotated[
    str | None,
    typer.Option("--publisher", help="Only articles whose publisher contains this text."),
]
TopOpt = Annotated[
    int | None,
    typer.Option("--top", min=1, hidden=True, help="The old name of --limit (still works)."),
]
F = TypeVar("F", bound=Callable[..., Any])


def limit_opt(what: str, *aliases: str, short: bool = True) -> Any:
    """``-n/--limit``: how many results a command shows (``--top`` was its name in some);
    without ``short`` where ``-n`` means something else (the size of ``ngrams``)."""
    return typer.Option("--limit", *(("-n",) if short else ()), *aliases, min=1, help=what)


def write_svg(path: Path, svg: str) -> None:
    """Write a chart to ``path`` atomically (``--svg``); a failure is a usage error naming the
    file."""
    from kscorpus.exchange.export import write_atomic

    write_atomic(path, [svg])
    _err().print(f"kscorpus: wrote the plot to {path}", markup=False)


def limit_or_top(limit: int, top: int | None) -> int:
    """The number of results asked for, by ``--limit`` or its old name ``--top``."""
    return limit if top is None else top


def filters(
    lang: str | None = None,
    script: str | None = None,
    since: str | None = None,
    until: str | None = None,
    event: str | None = None,
    publisher: str | None = None,
) -> Any:
    """The metadata filters of the options (validated: a bad value is a usage error)."""
    from kscorpus.query.filters import Filters

    return Filters(lang, script, since, until, event, publisher)


def _err() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Any:
    """The console for stdout. A closed stdout raises BrokenPipeError from it, for
    ``handled`` to turn into the one exit status of a closed pipe (rich's own handling exits
    with 1, like an unexpected error)."""
    from rich.console import Console

    class Out(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "stdout is closed")

    return Out(highlight=False)


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell shows for any tool whose reader left


def _stdout_closed() -> None:
    """The reader of stdout went away (``| head``). That is not an error, so no message; the
    status says the output was cut short, as a shell shows for ``cat`` or ``git`` (ended by
    SIGPIPE). Anything still buffered goes to /dev/null, so Python says nothing at exit."""
    with contextlib.suppress(OSError, ValueError):  # ValueError: no descriptor (a test's)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def handled(fn: F) -> F:
    """Turn errors into one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
            return result
        except KscorpusError as e:
            _err().print(f"kscorpus: error: {e}", markup=False)
            raise typer.Exit(e.code) from None
        except KeyboardInterrupt:
            _err().print("kscorpus: interrupted", markup=False)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as e:
            if isinstance(e, BrokenPipeError):
                _stdout_closed()
                raise typer.Exit(EXIT_BROKEN_PIPE) from None
            if kwargs.get("debug"):
                raise
            _err().print(
                f"kscorpus: error: unexpected error: {e!r} "
                "(rerun with --debug to see the traceback)",
                markup=False,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _roots(corpus_dir: Path | None, index_dir: Path | None) -> tuple[Path, Path]:
    from kscorpus.corpus.manifest import resolve_corpus_dir
    from kscorpus.index.store import resolve_index_dir

    corpus_root = resolve_corpus_dir(corpus_dir)
    return corpus_root, resolve_index_dir(index_dir, corpus_root)


def _open(corpus_dir: Path | None, index_dir: Path | None) -> Any:
    """Open the corpus's index, building or refreshing it first if needed."""
    from kscorpus.index.store import ensure_index

    return ensure_index(*_roots(corpus_dir, index_dir), notify=_notify)


def _open_checked(corpus_dir: Path | None, index_dir: Path | None) -> Any:
    """``_open`` that checks a large corpus for changes while the caller answers."""
    from kscorpus.index.store import open_checked

    return open_checked(*_roots(corpus_dir, index_dir), notify=_notify)


def _notify(message: str) -> None:
    _err().print(f"kscorpus: {message}", markup=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


MAX_REPAIR_LINES = 20


def _counted(kinds: list[str]) -> str:
    """``["pinyin", "pinyin", "debris"]`` → ``2 pinyin, 1 debris``."""
    return ", ".join(f"{kinds.count(k):,} {k}" for k in dict.fromkeys(kinds))
