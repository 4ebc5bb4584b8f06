"""Style is part of the suite: ruff must pass on the code and the tests."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


PATHS = [p for p in ("src", "tests", "bench") if (ROOT / p).is_dir()]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_check():
    r = ruff("check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format():
    r = ruff("format", "--check")
    assert r.returncode == 0, r.stdout + r.stderr
