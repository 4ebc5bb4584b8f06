"""A damaged index file gives the damaged-index message (exit 5) or a silent rebuild, never a
traceback or a wrong answer; a failed update leaves the last good generation answering."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.index.store import build

runner = CliRunner()
COMMANDS = [
    ["search", "信任電商", "--json"],
    ["search", "trust", "--cross", "--json"],
    ["list", "--json"],
    ["show", "000", "--json"],
    ["kwic", "电商", "--json"],
]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("damage")
    corpus = root / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", corpus)
    build(load_corpus(corpus), root / "ix")
    return corpus, root / "ix"


def generation_files(index: Path) -> list[str]:
    gen = index / (index / "CURRENT").read_text().strip()
    return sorted(p.name for p in gen.iterdir() if not p.name.endswith("WRITELOCK"))


def answers(corpus: Path, index: Path) -> list[tuple[int, str]]:
    out = []
    for args in COMMANDS:
        r = runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])
        out.append((r.exit_code, r.stdout))
    return out


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "empty":
        data = bytearray()
    elif how == "cut":
        data = data[: len(data) // 2]
    else:  # garbled: every seventh byte flipped
        for i in range(0, len(data), 7):
            data[i] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["empty", "cut", "garbled"])
def test_every_damaged_file_is_reported_or_rebuilt(good, tmp_path, how):
    corpus, clean = good
    expected = answers(corpus, clean)
    assert all(code == 0 for code, _ in expected)
    names = generation_files(clean)
    assert {"meta.json", "articles.json", "files.lst", "convertible.txt", "segdict.bin"} <= set(
        names
    )
    for name in names:
        index = tmp_path / f"ix-{name}"
        shutil.copytree(clean, index)
        damage(index / (index / "CURRENT").read_text().strip() / name, how)
        for args, want in zip(COMMANDS, expected):
            r = runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])
            where = f"{name} {how}: {' '.join(args)}"
            assert r.exception is None or isinstance(r.exception, SystemExit), where
            lines = r.stderr.strip().splitlines()
            assert all(len(line) < 400 for line in lines), where
            if r.exit_code == 0:
                assert r.stdout == want[1], where  # a right answer, or none
            else:
                assert r.exit_code == 5, where
                assert "damaged" in lines[-1] and "kscorpus ingest --rebuild" in lines[-1], where


def test_a_failed_update_answers_from_the_last_good_index(good, tmp_path):
    corpus, clean = good
    mine, index = tmp_path / "corpus", tmp_path / "ix"
    shutil.copytree(corpus, mine)
    shutil.copytree(clean, index)
    before = json.loads(
        runner.invoke(
            app, ["search", "信任电商", "--json", "--corpus", str(mine), "--index", str(index)]
        ).stdout
    )
    manifest = mine / "manifest.toml"
    good_manifest = manifest.read_text(encoding="utf-8")
    manifest.write_text(good_manifest + '\n[[article]]\nid = "zz"\n', encoding="utf-8")
    for _ in range(2):  # every read answers; each retries the update
        r = runner.invoke(
            app, ["search", "信任电商", "--json", "--corpus", str(mine), "--index", str(index)]
        )
        assert r.exit_code == 0
        assert json.loads(r.stdout)["hits"] == before["hits"]
        assert "could not update the index" in r.stderr and "manifest.toml" in r.stderr
        assert "kscorpus ingest" in r.stderr
    r = runner.invoke(app, ["ingest", "--corpus", str(mine), "--index", str(index)])
    assert r.exit_code == 4  # the ingest itself says what is wrong
    manifest.write_text(good_manifest, encoding="utf-8")
    r = runner.invoke(
        app, ["search", "信任电商", "--json", "--corpus", str(mine), "--index", str(index)]
    )
    assert r.exit_code == 0 and "could not update" not in r.stderr
