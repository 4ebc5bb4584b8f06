"""A closed stdout (``kscorpus CMD | head``) ends every command the same way: exit status 141
(128 + SIGPIPE, what a shell shows for any tool whose reader left), nothing on stderr, no
traceback and no "Exception ignored" from Python at exit. Real shell pipelines, real
processes."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

KSCORPUS = Path(sys.executable).with_name("kscorpus")
COMMANDS = [
    ["show", "000"],
    ["show", "000", "--json"],
    ["doctor"],
    ["kwic", "电商"],
    ["kwic", "电商", "--json"],
    ["stats"],
    ["stats", "--json"],
    ["search", "电商"],
    ["search", "电商", "--json"],
    ["list"],
    ["list", "--json"],
    ["export"],
    ["export", "--format", "csv"],
    ["keywords", "000"],
    ["similar", "000"],
    ["--help"],
]


def pipeline(shell: str, tmp_path: Path) -> tuple[int, str]:
    """Run ``shell`` with bash; the kscorpus process writes its status and stderr to files."""
    subprocess.run(["bash", "-c", shell], cwd=tmp_path, check=False, timeout=120)
    return int((tmp_path / "rc").read_text()), (tmp_path / "err").read_text(encoding="utf-8")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_pipe_exits_141_silently(index_dir, tmp_path, args):
    index = [] if args == ["--help"] else ["--index", str(index_dir)]
    cmd = shlex.join([str(KSCORPUS), *args, *index])
    # head has its 10 bytes and has left before kscorpus writes: the pipe is surely closed.
    rc, err = pipeline(f"{{ printf 0123456789; {cmd} 2>err; echo $? >rc; }} | head -c 10", tmp_path)
    assert (rc, err) == (141, "")


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["export", "--tokens", "--format", "json"],
        ["kwic", "的", "-w", "300", "-n", "9999"],
    ],
    ids=" ".join,
)
def test_head_of_an_output_longer_than_the_pipe(index_dir, tmp_path, args):
    """Over 64 KiB (what a Linux pipe holds): kscorpus is still writing when head leaves."""
    cmd = shlex.join([str(KSCORPUS), *args, "--index", str(index_dir)])
    rc, err = pipeline(f"{cmd} 2>err | head -c 10 >out; echo ${{PIPESTATUS[0]}} >rc", tmp_path)
    assert len((tmp_path / "out").read_bytes()) == 10
    assert (rc, err) == (141, "")


def test_a_whole_output_read_is_success(index_dir, tmp_path):
    cmd = shlex.join([str(KSCORPUS), "export", "--index", str(index_dir)])
    rc, err = pipeline(f"{cmd} 2>err | cat >out; echo ${{PIPESTATUS[0]}} >rc", tmp_path)
    assert rc == 0 and err == "" and len((tmp_path / "out").read_bytes()) > 100_000
