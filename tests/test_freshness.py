"""The freshness check shared with a helper process (``freshness.shared_fingerprint``): the same
fingerprint as one process computes alone, whichever process stats which files, and no wait for
a helper the caller never frees."""

from __future__ import annotations

import os
import time

import pytest

from kscorpus.index import freshness
from kscorpus.index.freshness import file_list, listed_fingerprint, shared_fingerprint

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is a forked process")


@pytest.fixture()
def corpus(tmp_path, monkeypatch):
    """300 files of different sizes, every seventh one missing, in chunks of 16."""
    monkeypatch.setattr(freshness, "CHUNK", 16)
    names = [f"{i:03d}.txt" for i in range(300)]
    for i, name in enumerate(names):
        if i % 7:
            (tmp_path / name).write_text("字" * i, encoding="utf-8")
    return tmp_path, file_list([*names, "sub/missing.txt"])


@pytest.fixture()
def idle():
    """The caller's end of the pipe (``w``) and the check's (``r``)."""
    r, w = os.pipe()
    ends = {"r": r, "w": w}
    yield ends
    for fd in ends.values():
        if fd is not None:
            os.close(fd)


@pytest.fixture()
def who(tmp_path, monkeypatch):
    """Which process stats which names: each chunk is logged as ``pid name…`` to a file both
    processes append to. With ``who.wait``, this process waits for the helper's first chunk
    before taking its own, so that both take some."""
    log = tmp_path / "who.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    me = str(os.getpid()).encode()
    real = freshness._stats

    def lines() -> list[list[bytes]]:
        return [line.split() for line in log.read_bytes().splitlines()]

    def logged(dir_fd, names):
        deadline = time.monotonic() + 60  # a loaded machine may start the helper late
        while lines.wait and os.getpid() == int(me) and time.monotonic() < deadline:
            if any(line[0] != me for line in lines()):
                break
            time.sleep(0.001)
        os.write(fd, b" ".join([str(os.getpid()).encode(), *names]) + b"\n")
        return real(dir_fd, names)

    lines.wait = False
    lines.me = me
    monkeypatch.setattr(freshness, "_stats", logged)
    yield lines
    os.close(fd)


def test_a_busy_caller_leaves_the_check_to_one_process(corpus, idle, who):
    root, listed = corpus
    assert shared_fingerprint(root, listed, idle["r"]) == listed_fingerprint(root, listed)
    assert {line[0] for line in who()} == {who.me}  # the helper, never freed, did nothing


def test_a_waiting_caller_shares_the_check_with_a_helper(corpus, idle, who):
    root, listed = corpus
    alone = listed_fingerprint(root, listed)
    who.wait = True
    os.close(idle.pop("w"))  # the caller waits
    assert shared_fingerprint(root, listed, idle["r"]) == alone
    chunks = who()[1:]  # after listed_fingerprint's one
    # the helper took part (the caller, waiting for it, may find every chunk taken)…
    assert {line[0] for line in chunks} - {who.me}
    statted = [name for line in chunks for name in line[1:]]
    assert set(statted) == set(listed.split(b"\0"))  # …and no name was left out


@pytest.mark.parametrize("listed", [b"", b"a.txt", file_list(["a.txt", "b.txt"])])
def test_small_and_missing_lists_agree(tmp_path, idle, listed):
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    for root in (tmp_path, tmp_path / "missing"):
        assert shared_fingerprint(root, listed, idle["r"]) == listed_fingerprint(root, listed)


def test_an_edit_changes_the_shared_fingerprint(corpus, idle):
    root, listed = corpus
    os.close(idle.pop("w"))
    before = shared_fingerprint(root, listed, idle["r"])
    path = root / "150.txt"
    os.utime(path, ns=(1, path.stat().st_mtime_ns + 1))  # same size, one nanosecond later
    assert shared_fingerprint(root, listed, idle["r"]) != before
