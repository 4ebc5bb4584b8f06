"""Issue 7: bad input, interrupted and concurrent ingest, a damaged index: nothing lost, no
tracebacks, one clear line and a documented exit code each time."""

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kscorpus.index.store as kindex
from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import IndexUnavailable, QueryError
from kscorpus.index.analysis import tokens
from kscorpus.index.store import build, open_index
from kscorpus.ingest.normalize import normalize
from kscorpus.query.search import search

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
GOOD = "003_1ef78f48ecd6acd2.txt"
TEXT = (ROOT / "corpus" / GOOD).read_text(encoding="utf-8")
KSCORPUS = [sys.executable, "-c", "from kscorpus.cli.app import main; main()"]


def make_corpus(tmp_path: Path, bad: bytes | None, name: str = "bad.txt") -> Path:
    """A corpus of one good article (003) and one article with the given bytes."""
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(ROOT / "corpus" / GOOD, d / GOOD)
    entries = [("a", GOOD, "zh", "Hans")]
    if bad is not None:
        (d / name).write_bytes(bad)
        entries.append(("b", name, "zh", "Hant"))
    (d / "manifest.toml").write_text(
        "".join(
            f'[[article]]\nid = "{i}"\nfile = "{f}"\nlang = "{lang}"\nscript = "{sc}"\n'
            f'title = "t{i}"\n\n'
            for i, f, lang, sc in entries
        ),
        encoding="utf-8",
    )
    return d


def cli(*args, corpus, index):
    return runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])


TRAD = (
    "快手電商服務商大會在杭州召開,會上介紹了最新服務生態。\n隨著直播電商的發展,信任越來越重要。\n"
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty or only white space"),
        (b" \n\t\r\n  ", "empty or only white space"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ],
)
def test_unreadable_files_are_skipped_with_exit_4(tmp_path, data, message):
    corpus = make_corpus(tmp_path, data)
    r = cli("ingest", corpus=corpus, index=tmp_path / "ix")
    assert r.exit_code == 4
    assert "skipped b:" in r.stderr and message in r.stderr
    assert "Traceback" not in r.output
    # the rest of the corpus is searchable, and the skipped article is explained
    assert (
        json.loads(cli("list", "--json", corpus=corpus, index=tmp_path / "ix").stdout)[0]["id"]
        == "a"
    )
    r = cli("show", "b", corpus=corpus, index=tmp_path / "ix")
    assert r.exit_code == 3 and message in r.stderr


def test_missing_file_is_skipped(tmp_path):
    corpus = make_corpus(tmp_path, b"x")
    (corpus / "bad.txt").unlink()
    r = cli("ingest", corpus=corpus, index=tmp_path / "ix")
    assert r.exit_code == 4 and "cannot read article b" in r.stderr


def test_oversized_article_is_refused(tmp_path):
    big = ("快手电商。" * 1_000_000 + "\n").encode() * 4  # 60 MB
    corpus = make_corpus(tmp_path, big)
    r = cli("ingest", corpus=corpus, index=tmp_path / "ix")
    assert r.exit_code == 4 and "MB limit for one article" in r.stderr


@pytest.mark.parametrize(("encoding", "label"), [("gb18030", "GB18030"), ("big5", "BIG5")])
def test_legacy_encodings_are_detected_and_reported(tmp_path, encoding, label):
    corpus = make_corpus(tmp_path, TRAD.encode(encoding))
    r = cli("ingest", corpus=corpus, index=tmp_path / "ix")
    assert r.exit_code == 0, r.output
    text = json.loads(cli("show", "b", "--json", corpus=corpus, index=tmp_path / "ix").stdout)
    assert "快手电商服务商大会" in text["text"]
    doctor = json.loads(cli("doctor", "b", "--json", corpus=corpus, index=tmp_path / "ix").stdout)
    notes = [x["note"] for x in doctor[0]["repairs"] if x["kind"] == "decode"]
    assert notes and f"decoded as {label}" in notes[0]


def test_invalid_utf8_bytes_are_replaced_and_reported(tmp_path):
    data = TRAD.encode() + b"\xff\xfe broken \xc3(\n" + TRAD.encode()
    corpus = make_corpus(tmp_path, data)
    assert cli("ingest", corpus=corpus, index=tmp_path / "ix").exit_code == 0
    show = json.loads(cli("show", "b", "--json", corpus=corpus, index=tmp_path / "ix").stdout)
    assert "\ufffd" in show["text"] and "信任越来越重要" in show["text"]
    doctor = json.loads(cli("doctor", "b", "--json", corpus=corpus, index=tmp_path / "ix").stdout)
    assert any("invalid UTF-8" in x["note"] for x in doctor[0]["repairs"])


def test_bad_manifests_exit_4_naming_file_and_line(tmp_path):
    corpus = make_corpus(tmp_path, None)
    (corpus / "manifest.toml").write_text('[[article]]\nid = "a"\nfile = \n', encoding="utf-8")
    r = cli("ingest", corpus=corpus, index=tmp_path / "ix")
    assert r.exit_code == 4
    assert "manifest.toml: invalid TOML" in r.stderr and "line 3" in r.stderr


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ("", 2, "empty query"),
        ("。。！", 2, "no searchable words"),
        ('"信任电商', 2, "the quote at character 1"),
        ("(信任电商", 2, "'(' at character 1"),
        ("信任电商)", 2, "unmatched ')' at character 5"),
        ("colour:red", 2, "unknown field"),
        ("信任电商" * 2500, 2, "the limit is 1,000"),
        ("*", 0, "5 articles match"),
        ("\x00\x01信任电商\x07", 0, "3 articles match"),
        ("信任電商 trust 😀 ǅ", 0, "match"),
    ],
)
def test_bad_queries(index_dir, query, code, message):
    r = runner.invoke(app, ["search", query, "--index", str(index_dir)])
    assert r.exit_code == code, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output


def test_unexpected_errors_print_one_line_and_no_log_file(index_dir, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("kscorpus.query.search.search", boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where a log file would go
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    r = runner.invoke(app, ["search", "x", "--index", str(index_dir)])
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert line == (
        "kscorpus: error: unexpected error: RuntimeError('kaboom') "
        "(rerun with --debug to see the traceback)"
    )
    assert list(tmp_path.iterdir()) == []  # no kscorpus-*.log per failed command
    r = runner.invoke(app, ["search", "x", "--index", str(index_dir), "--debug"])
    assert isinstance(r.exception, RuntimeError)


@pytest.fixture()
def built(tmp_path, corpus_copy):
    """A corpus copy and a complete index of it, with the hits of a reference query."""
    index = tmp_path / "ix"
    c = load_corpus(corpus_copy)
    build(c, index)
    before = [h.id for h in search(open_index(index), "信任电商").hits]
    return corpus_copy, index, before


def run_ingest(corpus, index, jobs="1"):
    """A real, full ingest in another process (``--rebuild``: every article is written)."""
    return subprocess.Popen(
        [
            *KSCORPUS,
            "ingest",
            "--rebuild",
            "-j",
            jobs,
            "--corpus",
            str(corpus),
            "--index",
            str(index),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def still_whole(index, before):
    handle = open_index(index)
    assert [h.id for h in search(handle, "信任电商").hits] == before
    assert len(handle.article_ids()) == 5


def ingests_running(index):
    """Processes (forked workers included) whose command line names ``index``."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if str(index).encode() in (proc / "cmdline").read_bytes():
                found.append(proc.name)
    return found


def building(index: Path) -> list[str]:
    """The temporary generation directories an ingest is writing (``.tmp-gen-*``)."""
    return [x.name for x in index.iterdir() if x.name.startswith(".tmp-gen-")]


@pytest.mark.parametrize(
    ("delay", "jobs"), [(0.0, "1"), (0.2, "1"), (0.5, "1"), (0.0, "2"), (0.2, "2"), (0.5, "2")]
)
def test_kill_9_during_ingest_leaves_the_previous_index(built, delay, jobs):
    """The kill lands while the ingest writes its new generation (``delay`` seconds after its
    temporary directory appears, well inside the second or so it takes); a kill after the
    ingest finished would prove nothing, so the test checks that it did not."""
    corpus, index, before = built
    art = corpus / GOOD
    art.write_text(art.read_text(encoding="utf-8") + "\n追加一段。\n", encoding="utf-8")
    assert building(index) == []
    p = run_ingest(corpus, index, jobs)
    deadline = time.monotonic() + 60
    while not building(index) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    assert building(index), "the ingest never started writing a generation"
    time.sleep(delay)
    assert p.poll() is None, "the ingest finished before the kill"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert building(index), "the kill landed after the ingest had swapped generations"
    for _ in range(50):  # workers die with their parent
        if not ingests_running(index):
            break
        time.sleep(0.1)
    assert not ingests_running(index)
    still_whole(index, before)
    # the next ingest recovers by itself: stale lock taken over, leftovers cleared
    r = cli("ingest", corpus=corpus, index=index)
    assert r.exit_code == 0, r.output
    names = [x.name for x in index.iterdir()]
    assert not [n for n in names if n.startswith(".tmp-")] and ".lock" not in names
    assert len([n for n in names if n.startswith("gen-")]) == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_ingest_cleans_up(built, jobs):
    corpus, index, before = built
    (corpus / GOOD).touch()
    p = run_ingest(corpus, index, jobs)
    deadline = time.monotonic() + 60
    while not building(index) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    assert building(index) and p.poll() is None  # interrupted while writing a generation
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not [x for x in index.iterdir() if x.name.startswith(".tmp-") or x.name == ".lock"]
    assert not ingests_running(index)
    still_whole(index, before)


def test_two_ingests_at_once_one_waits_then_refuses_and_searches_keep_answering(built, monkeypatch):
    corpus, index, before = built
    (corpus / GOOD).touch()
    (index / ".lock").write_text(str(os.getpid()))  # a live ingest holds the lock
    monkeypatch.setenv("KSCORPUS_LOCK_TIMEOUT", "0.5")
    t0 = time.monotonic()
    r = cli("ingest", corpus=corpus, index=index)
    assert r.exit_code == 5 and time.monotonic() - t0 >= 0.5  # waited its turn first
    assert f"another kscorpus ingest (pid {os.getpid()})" in r.stderr
    # a search on the (now stale) index answers from the last complete one
    r = cli("search", "信任电商", "--json", corpus=corpus, index=index)
    assert r.exit_code == 0 and [h["id"] for h in json.loads(r.stdout)["hits"]] == before
    assert "answering from the previous index" in r.stderr
    (index / ".lock").unlink()


def test_stale_lock_of_a_dead_process_is_taken_over(built):
    corpus, index, _ = built
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index / ".lock").write_text(str(dead.pid))
    assert cli("ingest", corpus=corpus, index=index).exit_code == 0


def test_searches_during_a_real_ingest_answer(built):
    corpus, index, before = built
    (corpus / GOOD).touch()
    p = run_ingest(corpus, index)
    answers = []
    while p.poll() is None:
        answers.append([h.id for h in search(open_index(index), "信任电商").hits])
        time.sleep(0.1)
    assert p.returncode == 0
    assert answers and all(a == before for a in answers)


def generations(index):
    return sorted(x.name for x in index.iterdir() if x.name.startswith("gen-"))


def test_an_open_handle_keeps_its_generation_through_an_ingest(built):
    corpus, index, before = built
    handle = open_index(index)
    (corpus / GOOD).touch()
    assert cli("ingest", "--rebuild", corpus=corpus, index=index).exit_code == 0
    assert len(generations(index)) == 2  # the replaced one is pinned by the handle
    assert handle.path.name in generations(index)
    assert [h.id for h in search(handle, "信任电商").hits] == before
    assert len(handle.article_ids()) == 5  # read lazily, after the switch
    handle.close()
    assert cli("ingest", "--rebuild", corpus=corpus, index=index).exit_code == 0
    assert generations(index) == [(index / "CURRENT").read_text().strip()]


def test_a_reader_that_loses_the_race_to_a_build_opens_the_new_generation(built, monkeypatch):
    """CURRENT read, then a build publishes and removes that generation before the reader
    pins it: the reader reads CURRENT again (this failed in CI as a damaged index)."""
    corpus, index, before = built
    old = (index / "CURRENT").read_text().strip()
    real = kindex.pin
    raced = []

    def late(gen):
        if not raced:
            raced.append(gen.name)
            build(load_corpus(corpus), index, rebuild=True)
        return real(gen)

    monkeypatch.setattr(kindex, "pin", late)
    handle = open_index(index)
    assert raced == [old] and not (index / old).exists()
    assert handle.path.name != old and [h.id for h in search(handle, "信任电商").hits] == before


@pytest.mark.parametrize("damage", ["truncate", "delete"])
@pytest.mark.parametrize("name", ["articles", "passages", "segdict.bin"])
def test_damaged_index_is_explained_and_rebuilt_on_request(built, damage, name):
    corpus, index, before = built
    gen = index / (index / "CURRENT").read_text().strip()
    target = next(
        p for p in gen.iterdir() if p.name.startswith(name) and p.suffix in (".seg", ".bin")
    )
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    else:
        target.unlink()
    r = cli("search", "信任电商", corpus=corpus, index=index)
    assert r.exit_code == 5
    assert "is damaged" in r.stderr and "kscorpus ingest --rebuild" in r.stderr
    assert "Traceback" not in r.output
    assert cli("ingest", "--rebuild", corpus=corpus, index=index).exit_code == 0
    still_whole(index, before)


def test_index_from_another_format_is_rebuilt(built):
    corpus, index, _ = built
    gen = index / (index / "CURRENT").read_text().strip()
    meta = json.loads((gen / "meta.json").read_text())
    meta["schema"] = 0
    (gen / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexUnavailable, match="another format"):
        open_index(index)
    r = cli("search", "信任电商", corpus=corpus, index=index)
    assert r.exit_code == 0 and "changed since the last ingest" in r.stderr


def test_full_disk_keeps_the_previous_index(built, monkeypatch):
    corpus, index, before = built

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kindex, "compile_dictionary", full)
    with pytest.raises(
        IndexUnavailable, match=r"No space left on device.*previous index is intact"
    ):
        build(load_corpus(corpus), index, rebuild=True)
    assert not [x for x in index.iterdir() if x.name.startswith(".tmp-") or x.name == ".lock"]
    still_whole(index, before)


def test_unwritable_index_directory(built, monkeypatch):
    corpus, index, before = built

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(kindex.Path, "mkdir", denied)
    r = cli("ingest", corpus=corpus, index=index)
    assert r.exit_code == 5 and "Permission denied" in r.stderr
    monkeypatch.undo()
    still_whole(index, before)


UNICODE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(UNICODE)
def test_fuzz_normalizer_and_segmenter(text):
    out, m = normalize(text)
    assert len(m) == len(out)
    for term, pos, s, e in tokens(out):
        assert 0 <= s <= e <= len(out) and pos >= 0 and term


QUERY_SYNTAX = st.sampled_from(['"', "(", ")", ":", "*", "AND", "OR", "NOT", "title:", " "])


@settings(max_examples=150, deadline=None)
@given(st.lists(UNICODE | QUERY_SYNTAX | st.sampled_from(["信任电商", "Kuaishou"])).map("".join))
def test_fuzz_query_parser(index_dir, handle, text):
    """Any query either answers (valid JSON, total at least the hits shown, at most the limit)
    or is a QueryError: exit 2 with one line on stderr. Never another exception."""
    try:
        res = search(handle, text, limit=3)
    except QueryError as e:
        refused = str(e)
    else:
        refused = None
        assert len(res.hits) <= 3 and res.total >= len(res.hits) >= 0
    r = runner.invoke(app, ["search", "--json", "-n", "3", "--index", str(index_dir), "--", text])
    if refused is not None:
        assert r.exit_code == 2, r.output
        assert r.stdout == "" and r.stderr == f"kscorpus: error: {refused}\n"
        return
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["total"] == res.total and len(data["hits"]) == len(res.hits) <= 3
    assert data["total"] >= len(data["hits"])
    assert [h["rank"] for h in data["hits"]] == list(range(1, len(data["hits"]) + 1))


@pytest.mark.parametrize(
    "env",
    [
        {"NO_COLOR": "1"},
        {"LANG": "C", "LC_ALL": "C"},
        {"PYTHONIOENCODING": "ascii"},
        {"TERM": "xterm-256color"},
    ],
)
def test_plain_output_in_any_locale(index_dir, env):
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    r = subprocess.run(
        [*KSCORPUS, "search", "信任电商", "--index", str(index_dir)],
        capture_output=True,
        env={**base, **env},
    )
    out = r.stdout.decode("utf-8")
    assert r.returncode == 0, r.stderr
    assert "\x1b[" not in out and "【信任电商】" in out
    assert "Traceback" not in r.stderr.decode("utf-8")


def test_an_add_waits_for_an_index_update_in_progress(built, tmp_path):
    """A search refreshing the index holds its lock: an ``add`` waits for it, then indexes."""
    corpus, index, _ = built
    (index / ".lock").write_text(str(os.getpid()))
    threading.Timer(0.5, (index / ".lock").unlink).start()
    new = tmp_path / "new.txt"
    new.write_text("Waiting article\n\nA marker word qwzxv in English.\n", encoding="utf-8")
    t0 = time.monotonic()
    r = cli("add", str(new), corpus=corpus, index=index)
    assert r.exit_code == 0, r.output
    assert time.monotonic() - t0 >= 0.5
    found = json.loads(cli("search", "qwzxv", "--json", corpus=corpus, index=index).stdout)
    assert found["total"] == 1 and "building" not in r.stderr
