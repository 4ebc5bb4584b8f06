"""The ``serve`` command: the web reader on a local port. Its web stack (Starlette, Jinja2,
uvicorn: the ``serve`` extra) is imported only when the command runs, so no other command
starts slower for it."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from kscorpus.cli.common import (
    CorpusOpt,
    DebugOpt,
    IndexOpt,
    _err,
    _notify,
    _roots,
    app,
    handled,
)
from kscorpus.errors import KscorpusError

EXTRA = "pip install 'kscorpus[serve]'"


@app.command()
@handled
def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. The default answers this machine only; any other "
            "address lets others on the network read the corpus (a warning says so).",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option("--port", "-p", min=0, max=65535, help="Port to listen on; 0: any free port."),
    ] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the reader in the web browser once it is up.")
    ] = False,
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Once listening, write one line of JSON to stdout: url, host, port, corpus, "
            "index, articles (for a script that started it with --port 0).",
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Read the corpus in a web browser: search, pairs, KWIC, plots.

    A local, read-only web server over the same index as the other commands (it notices a
    changed corpus as they do). Every page has a JSON twin: add ?format=json. Stop it with
    Ctrl-C. Needs the serve extra: pip install 'kscorpus[serve]'."""
    try:
        from kscorpus.web import server
        from kscorpus.web.reader import Reader
    except ImportError as e:
        raise KscorpusError(
            f"kscorpus serve needs the web packages of the serve extra ({e.name} is missing); "
            f"install them with: {EXTRA}"
        ) from None
    corpus_root, index_root = _roots(corpus_dir, index_dir)
    reader = Reader(corpus_root, index_root, notify=_notify)
    with reader.handle() as handle:  # build or refresh the index before announcing the URL
        articles = len(handle.article_ids())
    err = _err()
    if not server.is_loopback(host):
        err.print(
            f"kscorpus: warning: listening on {host}: anyone who can reach this machine can "
            "read the corpus (the server is read-only, with no password); use the default "
            "--host 127.0.0.1 to keep it to this machine",
            markup=False,
        )

    def ready(url: str) -> None:
        if as_json:
            port = int(url.rstrip("/").rsplit(":", 1)[1])
            line = {"url": url, "host": host, "port": port, "corpus": str(corpus_root)}
            line |= {"index": str(index_root), "articles": articles}
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        err.print(
            f"kscorpus: serving {articles} articles of {corpus_root} at {url} (Ctrl-C stops)",
            markup=False,
        )
        if open_browser:
            server.open_browser(url)

    try:
        server.serve(reader, host, port, ready)
    except KeyboardInterrupt:
        err.print("kscorpus: stopped", markup=False)
