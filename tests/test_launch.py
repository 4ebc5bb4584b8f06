"""The console script (``cli/entry.py``): a search of a large corpus starts its check for changed
files before the CLI's imports, uses that one check, and leaves with the CLI's exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.cli.entry import search_roots
from kscorpus.corpus.manifest import load_corpus
from kscorpus.index.store import build

# FORK_CHECK lowered so the bundled corpus counts as large; forks and the modules already
# imported when the check starts are recorded
PROBE = """
import sys
import kscorpus.index.freshness as k
k.FORK_CHECK = 0
real_start, real_fork = k.start_check, k.fingerprint_async
def start_check(*a):
    late = ("kscorpus.cli.app", "kscorpus.index.store", "typer", "whoosh", "pathlib", "typing")
    print("early", *[m for m in late if m in sys.modules], file=sys.stderr)
    real_start(*a)
def fork(*a):
    print("fork", file=sys.stderr)
    return real_fork(*a)
k.start_check, k.fingerprint_async = start_check, fork
import kscorpus.cli.entry as launch
real_exit = launch._exit_now
def exit_now(code):
    unused = ("asyncio", "urllib.request", "ssl", "logging", "rich")  # rich: not for --json
    print("left", *[m for m in unused if m in sys.modules], file=sys.stderr)
    real_exit(code)
launch._exit_now = exit_now
sys.argv = ["kscorpus", *sys.argv[1:]]
launch.main()
"""

# What Whoosh's modules see of the libraries kscorpus's console script stands in for
STAND_INS = """
import sys, pathlib, tempfile
from kscorpus.cli.lean_imports import import_lean
import_lean()
print("loaded", *[m for m in ("asyncio", "urllib.request") if m in sys.modules])
import cached_property, whoosh.compat
async def coroutine(): pass
def function(): pass
print(cached_property.asyncio.iscoroutinefunction(coroutine))
print(cached_property.asyncio.iscoroutinefunction(function))
src = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
src.write_text("fetched")
dest, _ = whoosh.compat.urlretrieve(src.as_uri(), src.with_suffix(".copy"))
print(pathlib.Path(dest).read_text())
print(cached_property.asyncio.ensure_future.__module__)  # anything else: the real asyncio
import asyncio, urllib.request
print(asyncio.run.__module__, urllib.request.urlopen.__module__)
"""


@pytest.mark.parametrize(
    ("args", "roots"),
    [
        (["信任电商"], (None, None)),
        (["信任电商", "--corpus", "c", "--index", "i"], ("c", "i")),
        (["--corpus=c", "信任电商", "--json", "--index=i"], ("c", "i")),
        (["信任电商", "--", "--corpus", "c"], (None, None)),
        (["信任电商", "--help"], None),
        (["信任电商", "--corpus"], None),
    ],
)
def test_search_roots_are_read_as_click_reads_them(args, roots):
    assert search_roots(args) == roots


@pytest.fixture()
def built(tmp_path, corpus_copy):
    build(load_corpus(corpus_copy), tmp_path / "ix")
    return corpus_copy, tmp_path / "ix"


def probe(*args):
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, encoding="utf-8"
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the check runs in a forked process")
def test_a_search_checks_the_corpus_before_the_cli_imports(built):
    corpus, index = built
    r = probe("search", "信任电商", "--json", "--corpus", str(corpus), "--index", str(index))
    assert r.returncode == 0, r.stderr
    # one check, used, before those imports; none of the unused libraries loaded
    assert r.stderr.splitlines() == ["early", "fork", "left"]
    assert json.loads(r.stdout)["total"] == 3
    art = next(corpus.glob("003_*.txt"))  # a changed corpus still refreshes the answer
    art.write_text(art.read_text(encoding="utf-8") + "\n独一无二的新句子。\n", encoding="utf-8")
    r = probe("search", "独一无二", "--json", "--corpus", str(corpus), "--index", str(index))
    assert r.returncode == 0 and "building the index" in r.stderr
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["003"]


def test_a_search_leaves_with_the_clis_exit_code_and_output(built):
    corpus, index = built
    r = probe("search", "x", "--lang", "fr", "--corpus", str(corpus), "--index", str(index))
    assert r.returncode == 2 and "--lang must be zh or en" in r.stderr and r.stdout == ""
    r = probe("search", "--help")
    assert r.returncode == 0 and "Rank passages, not articles." in r.stdout
    assert "early" not in r.stderr


def test_the_console_script_stands_in_for_libraries_whoosh_loads_unused():
    r = subprocess.run(
        [sys.executable, "-c", STAND_INS], capture_output=True, text=True, encoding="utf-8"
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "loaded",  # neither asyncio nor urllib.request
        "True",
        "False",
        "fetched",  # whoosh.compat.urlretrieve works: it imports the real one when called
        "asyncio.tasks",
        "asyncio.runners urllib.request",
    ]


ARGS = st.lists(
    st.sampled_from(
        ["信任电商", "trust", "--corpus", "--index", "c1", "i1", "--corpus=c2", "--index=i2",
         "--json", "--cross", "-n", "3", "--limit=2", "--", "--passages"]
    ),
    max_size=8,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(args=ARGS)
def test_search_roots_agree_with_clicks_own_parse(args):
    """The console script's own reading of ``--corpus``/``--index`` (before Click is imported)
    against Click's parse of the same arguments, whenever the script starts a check."""
    import typer.main

    from kscorpus.cli.app import app

    roots = search_roots(args)
    if roots is None:
        return  # help, or a value missing: no early check, the CLI says what is wrong
    command = typer.main.get_command(app).commands["search"]  # type: ignore[attr-defined]
    env = {k: os.environ.pop(k) for k in ("KSCORPUS_CORPUS", "KSCORPUS_INDEX") if k in os.environ}
    try:
        ctx = command.make_context("search", list(args), resilient_parsing=True)
    finally:
        os.environ.update(env)
    parsed = tuple(
        None if p is None else str(p)
        for p in (ctx.params.get("corpus_dir"), ctx.params.get("index_dir"))
    )
    assert roots == parsed, args


def test_the_value_options_are_clicks():
    import typer.main

    from kscorpus.cli.app import app
    from kscorpus.cli.entry import SEARCH_VALUE_OPTIONS

    command = typer.main.get_command(app).commands["search"]  # type: ignore[attr-defined]
    takes_value = {
        o
        for p in command.params
        if p.param_type_name == "option" and not getattr(p, "is_flag", False)
        for o in p.opts
    }
    assert takes_value == SEARCH_VALUE_OPTIONS
