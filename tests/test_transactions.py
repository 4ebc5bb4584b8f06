"""One writer at a time per corpus: the writer's lock (queueing, timeout, reentrancy, threads),
concurrent ``add`` processes, and writers that cannot write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kscorpus.cli.data  # noqa: F401  (registers import)
from kscorpus.cli.app import app
from kscorpus.corpus import lock as corpus_lock
from kscorpus.corpus.lock import LOCK_FILE, CorpusLockedError, writing
from kscorpus.corpus.manage import add_articles, remove_article
from kscorpus.corpus.manifest import load_corpus

runner = CliRunner()
SRC = str(Path(__file__).resolve().parent.parent / "src")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


@contextmanager
def held_elsewhere(root: Path):
    """Another process holding ``root``'s writer lock; yields its pid."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from kscorpus.corpus.lock import writing
        with writing({str(root)!r}):
            print("held", flush=True)
            sys.stdin.readline()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_env(),
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc.pid
    finally:
        proc.stdin.close()  # lets it go
        proc.wait(timeout=10)


def _article(n: int) -> str:
    return f"Report {n}: the Qwertzy merchants of district {n} met on day {n * 7}.\n"


# ---------------------------------------------------------------------------------------------
# The lock


def test_nested_use_in_one_process_does_not_deadlock(tmp_path):
    with writing(tmp_path, timeout=1):
        assert corpus_lock.holds(tmp_path) and (tmp_path / LOCK_FILE).exists()
        # the same directory, spelled differently, then as before
        with writing(tmp_path / ".", timeout=1), writing(tmp_path, timeout=1):
            pass
        assert corpus_lock.holds(tmp_path)
    assert not corpus_lock.holds(tmp_path)
    assert not (tmp_path / LOCK_FILE).exists()  # the directory is left as it was


def test_a_second_process_waits_says_so_once_then_gives_up(tmp_path):
    told = []
    with held_elsewhere(tmp_path) as pid:
        start = time.monotonic()
        with (
            pytest.raises(CorpusLockedError) as e,
            writing(tmp_path, timeout=0.6, notify=told.append),
        ):
            pass
        waited = time.monotonic() - start
    assert 0.6 <= waited < 3
    assert told == [f"kscorpus: waiting for another kscorpus writer (pid {pid}) on {tmp_path}"]
    assert f"(pid {pid}) still holds {tmp_path} after 0.6 s" in str(e.value)
    assert e.value.code == 4
    with writing(tmp_path, timeout=0):  # free again
        pass


def test_a_writer_queued_behind_a_process_gets_the_lock_after_it(tmp_path):
    """A queued writer waits, then has the lock once the other process lets go."""
    code = textwrap.dedent(
        f"""
        import time
        from kscorpus.corpus.lock import writing
        with writing({str(tmp_path)!r}):
            print("held", flush=True)
            time.sleep(0.8)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, env=_env(), text=True
    )
    assert proc.stdout.readline().strip() == "held"
    told = []
    start = time.monotonic()
    with writing(tmp_path, timeout=10, notify=told.append):
        waited = time.monotonic() - start
    proc.wait(timeout=10)
    assert 0.3 < waited < 5 and len(told) == 1 and f"(pid {proc.pid})" in told[0]


def test_a_left_over_lock_file_does_not_block(tmp_path):
    (tmp_path / LOCK_FILE).write_text("999999\n")  # a writer killed before it could clean up
    with writing(tmp_path, timeout=0):
        pass


def test_other_threads_wait_for_the_thread_that_holds_it(tmp_path):
    inside = threading.Event()
    out = threading.Event()
    errors = []

    def holder():
        with writing(tmp_path, timeout=1):
            inside.set()
            out.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(5)
    try:
        with writing(tmp_path, timeout=0.2):
            errors.append("entered while another thread held it")
    except CorpusLockedError:
        pass
    out.set()
    t.join()
    assert errors == []
    with writing(tmp_path, timeout=1):
        pass


def test_a_bad_timeout_setting_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KSCORPUS_LOCK_TIMEOUT", "soon")
    r = runner.invoke(app, ["remove", "000", "--corpus", str(tmp_path)])
    assert r.exit_code == 2 and "KSCORPUS_LOCK_TIMEOUT='soon'" in r.stderr


# ---------------------------------------------------------------------------------------------
# Writers and readers through the CLI while another process holds the lock


def test_writers_time_out_with_one_line_and_readers_never_wait(tmp_path, corpus_copy, monkeypatch):
    index = tmp_path / "ix"
    common = ["--corpus", str(corpus_copy), "--index", str(index)]
    (tmp_path / "n.txt").write_text(_article(1), encoding="utf-8")
    monkeypatch.setenv("KSCORPUS_LOCK_TIMEOUT", "0.3")
    assert runner.invoke(app, ["ingest", *common]).exit_code == 0
    manifest = (corpus_copy / "manifest.toml").read_bytes()
    with held_elsewhere(corpus_copy) as pid:
        for args in (
            ["add", str(tmp_path / "n.txt"), *common],
            ["remove", "003", *common],
            ["ingest", *common],
        ):
            r = runner.invoke(app, args)
            assert r.exit_code == 4, (args, r.output)
            assert r.stderr.splitlines() == [
                f"kscorpus: waiting for another kscorpus writer (pid {pid}) on {corpus_copy}",
                f"kscorpus: error: another kscorpus writer (pid {pid}) still holds {corpus_copy} "
                "after 0.3 s; try again when it has finished (or set KSCORPUS_LOCK_TIMEOUT to "
                "wait longer)",
            ]
        assert (corpus_copy / "manifest.toml").read_bytes() == manifest
        # a search whose corpus changed refreshes the index: not a corpus writer, no waiting
        art = corpus_copy / "003_1ef78f48ecd6acd2.txt"
        art.write_text(art.read_text("utf-8") + "\nZxqvian merchants met.\n", "utf-8")
        r = runner.invoke(app, ["search", "Zxqvian", "--json", *common])
        assert r.exit_code == 0, r.output
        assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["003"]
        assert "waiting" not in r.stderr
        r = runner.invoke(app, ["list", "--json", *common])
        assert r.exit_code == 0 and len(json.loads(r.stdout)) == 5


def test_import_waits_for_the_target_corpus(tmp_path, monkeypatch, index_dir):
    exported = runner.invoke(app, ["export", "--index", str(index_dir)]).stdout
    (tmp_path / "e.jsonl").write_text(exported, encoding="utf-8")
    target = tmp_path / "t"
    target.mkdir()
    monkeypatch.setenv("KSCORPUS_LOCK_TIMEOUT", "0.2")
    with held_elsewhere(target):
        r = runner.invoke(app, ["import", str(tmp_path / "e.jsonl"), "--into", str(target)])
        assert r.exit_code == 4 and "still holds" in r.stderr
        assert sorted(p.name for p in target.iterdir()) == [LOCK_FILE]
    r = runner.invoke(app, ["import", str(tmp_path / "e.jsonl"), "--into", str(target)])
    assert r.exit_code == 0, r.output
    assert len(load_corpus(target).articles) == 5 and not (target / LOCK_FILE).exists()


# ---------------------------------------------------------------------------------------------
# Concurrent writers: nothing lost, no id taken twice, no orphaned file


def _check_consistent(root: Path, expected: int) -> list[str]:
    corpus = load_corpus(root)
    ids = [a.id for a in corpus.articles]
    assert len(ids) == len(set(ids)) == expected
    files = {p.name for p in root.iterdir() if not p.name.startswith(".")}
    named = {a.file for a in corpus.articles} | {"manifest.toml", "userdict.txt", "glossary.tsv"}
    assert files == named & files and {a.file for a in corpus.articles} <= files  # no orphans
    titles = [a.title for a in corpus.articles]
    assert len(titles) == len(set(titles))  # every article once
    return ids


def test_six_add_processes_at_once_lose_nothing(tmp_path, corpus_copy):
    index = tmp_path / "ix"
    sources = []
    for n in range(6):
        sources.append(tmp_path / f"a{n}.txt")
        sources[-1].write_text(_article(n), encoding="utf-8")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kscorpus",
                "add",
                str(src),
                "--corpus",
                str(corpus_copy),
                "--index",
                str(index),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(KSCORPUS_LOCK_TIMEOUT="120"),
            text=True,
        )
        for src in sources
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [e for _, e in outs]
    reported = [json.loads(o)["added"][0] for o, _ in outs]
    assert sorted(a["id"] for a in reported) == [f"{n:03}" for n in range(5, 11)]
    assert sum("waiting for another kscorpus writer" in e for _, e in outs) >= 1
    ids = _check_consistent(corpus_copy, 11)
    by_id = {a.id: a for a in load_corpus(corpus_copy).articles}
    for a in reported:  # what each command reported is what the manifest holds
        assert by_id[a["id"]].title == a["title"] and by_id[a["id"]].file == a["file"]
    listed = runner.invoke(
        app, ["list", "--json", "--corpus", str(corpus_copy), "--index", str(index)]
    )
    assert [r["id"] for r in json.loads(listed.stdout)] == ids
    assert not (corpus_copy / LOCK_FILE).exists()


def _library_writer(args: tuple[str, list[str]]) -> list[str]:
    root, paths = args
    report = add_articles(root, paths)
    return [a.article.id for a in report.added]


def test_library_writers_in_parallel_processes_are_safe_too(tmp_path):
    import multiprocessing

    root = tmp_path / "c"
    root.mkdir()
    jobs = []
    for w in range(8):
        paths = []
        for k in range(3):
            p = tmp_path / f"w{w}-{k}.txt"
            p.write_text(_article(100 * w + k), encoding="utf-8")
            paths.append(str(p))
        jobs.append((str(root), paths))
    with multiprocessing.get_context("fork").Pool(8) as pool:
        got = pool.map(_library_writer, jobs)
    assert sorted(i for ids in got for i in ids) == [f"{n:03}" for n in range(24)]
    ids = _check_consistent(root, 24)
    removed = remove_article(root, ids[3])
    assert removed.id == ids[3] and len(load_corpus(root).articles) == 23


# ---------------------------------------------------------------------------------------------
# A corpus that cannot be written to


def test_add_and_remove_on_a_read_only_corpus_name_the_directory(
    tmp_path, corpus_copy, monkeypatch
):
    real = os.access
    monkeypatch.setattr(
        corpus_lock.os,
        "access",
        lambda p, mode, **kw: (
            False if Path(p) == corpus_copy and mode & os.W_OK else real(p, mode, **kw)
        ),
    )
    (tmp_path / "n.txt").write_text(_article(1), encoding="utf-8")
    common = ["--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    message = (
        f"kscorpus: error: cannot write to the corpus directory {corpus_copy}: permission denied"
    )
    for args in (["add", str(tmp_path / "n.txt"), *common], ["remove", "003", *common]):
        r = runner.invoke(app, args)
        assert r.exit_code == 4 and r.stderr.splitlines() == [message], r.output
    # ingest of a corpus it cannot write still works: it writes the index only
    assert runner.invoke(app, ["ingest", *common]).exit_code == 0


def test_a_write_that_fails_midway_leaves_nothing_half_added(tmp_path, corpus_copy, monkeypatch):
    import kscorpus.corpus.manage as manage

    real = manage.write_atomic

    def refusing(path, data, **kw):
        if Path(path).name == "manifest.toml":
            raise PermissionError(13, "Permission denied")
        real(path, data, **kw)

    monkeypatch.setattr(manage, "write_atomic", refusing)
    before = sorted(p.name for p in corpus_copy.iterdir())
    for n in range(2):
        (tmp_path / f"n{n}.txt").write_text(_article(n), encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "add",
            str(tmp_path / "n0.txt"),
            str(tmp_path / "n1.txt"),
            "--corpus",
            str(corpus_copy),
            "--index",
            str(tmp_path / "ix"),
        ],
    )
    assert r.exit_code == 4
    assert r.stderr.splitlines() == [
        f"kscorpus: error: cannot write {corpus_copy / 'manifest.toml'}: Permission denied"
    ]
    assert sorted(p.name for p in corpus_copy.iterdir()) == before
    r = runner.invoke(
        app, ["remove", "003", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    )
    assert r.exit_code == 4 and "cannot write" in r.stderr and "unexpected" not in r.stderr
    assert load_corpus(corpus_copy).get("003") is not None
