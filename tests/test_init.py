"""Starting a corpus: ``kscorpus init``, ``add`` into a new directory, an empty corpus answering
as empty, and the manifest's date check."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

import kscorpus.cli.data  # noqa: F401  (registers export)
from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import CorpusError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

runner = CliRunner()
ARTICLE = "Qwertzy merchants met in Hangzhou.\nThey spoke about trust.\n"


def test_init_then_add_then_init_again(tmp_path):
    root = tmp_path / "deep" / "new"
    r = runner.invoke(app, ["init", str(root), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out == {
        "corpus": str(root.resolve()),
        "manifest": str((root / "manifest.toml").resolve()),
        "created": True,
        "unlisted": [],
    }
    text = (root / "manifest.toml").read_text("utf-8")
    assert text.startswith("# kscorpus corpus manifest") and "translation_of" in text
    assert tomllib.loads(text) == {}  # comments only
    assert load_corpus(root).articles == ()
    assert sorted(p.name for p in root.iterdir()) == ["manifest.toml"]  # no lock file left
    # init again: an empty corpus is already there, nothing to do
    r = runner.invoke(app, ["init", str(root), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["created"] is False
    assert (root / "manifest.toml").read_text("utf-8") == text
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    ix = tmp_path / "ix"
    r = runner.invoke(
        app, ["add", str(tmp_path / "a.txt"), "--corpus", str(root), "--index", str(ix)]
    )
    assert r.exit_code == 0, r.output
    assert "added" in r.stderr and " as 000 " in r.stderr
    corpus = load_corpus(root)
    assert [a.id for a in corpus.articles] == ["000"]
    assert (root / "manifest.toml").read_text("utf-8").startswith(text)  # header kept
    # a corpus with articles is not started again
    r = runner.invoke(app, ["init", str(root)])
    assert r.exit_code == 4
    assert r.stderr.splitlines() == [
        f"kscorpus: error: {root} already holds a corpus (1 article in {root / 'manifest.toml'}); "
        "init starts an empty one: choose another directory"
    ]


def test_init_names_files_the_manifest_does_not_list_and_refuses_a_file(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "old.txt").write_text(ARTICLE, encoding="utf-8")
    r = runner.invoke(app, ["init", str(tmp_path / "c"), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["unlisted"] == ["old.txt"]
    assert "not in the manifest" in r.stderr
    (tmp_path / "f").write_text("x")
    r = runner.invoke(app, ["init", str(tmp_path / "f")])
    assert r.exit_code == 4 and "is not a directory" in r.stderr


def test_add_into_an_empty_directory_starts_a_corpus_and_explains_otherwise(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    ix = ["--index", str(tmp_path / "ix")]
    r = runner.invoke(app, ["add", str(tmp_path / "a.txt"), "--corpus", str(empty), *ix])
    assert r.exit_code == 0, r.output
    assert "started a corpus there" in r.stderr
    assert [a.id for a in load_corpus(empty).articles] == ["000"]
    # a directory of other files is not silently made a corpus; a missing one is not created
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    r = runner.invoke(app, ["add", str(tmp_path / "a.txt"), "--corpus", str(other), *ix])
    assert r.exit_code == 4 and f"'kscorpus init {other}'" in r.stderr
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    r = runner.invoke(app, ["add", str(tmp_path / "a.txt"), "--corpus", str(tmp_path / "no"), *ix])
    assert r.exit_code == 4 and "kscorpus init DIR" in r.stderr
    assert not (tmp_path / "no").exists()


def test_an_empty_corpus_answers_as_empty(tmp_path):
    root = tmp_path / "c"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    common = ["--corpus", str(root), "--index", str(tmp_path / "ix")]
    r = runner.invoke(app, ["list", "--json", *common])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == []
    r = runner.invoke(app, ["search", "Qwertzy", "--json", *common])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["hits"] == [] and out["total"] == 0
    r = runner.invoke(app, ["export", *common])
    assert r.exit_code == 0, r.output
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(records) == 1 and records[0]["kind"] == "corpus" and records[0]["articles"] == 0
    r = runner.invoke(app, ["ingest", "--json", *common])
    assert r.exit_code == 0 and json.loads(r.stdout)["articles"] == 0
    r = runner.invoke(app, ["remove", "000", *common])
    assert r.exit_code == 3 and "the corpus is empty" in r.stderr


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2021-02-30", "is not a day of the calendar"),
        ("2021-13", "has no month 13"),
        ("2021-2-3", "must be YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_the_manifest_takes_calendar_dates_only(tmp_path, date, message):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        f'[[article]]\nid = "000"\nfile = "a.txt"\nlang = "en"\nscript = "Latn"\n'
        f'title = "A"\ndate = "{date}"\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=f"manifest.toml:1: date '{date}' {message}"):
        load_corpus(tmp_path)
    (tmp_path / "manifest.toml").write_text(
        '[[article]]\nid = "000"\nfile = "a.txt"\nlang = "en"\nscript = "Latn"\n'
        'title = "A"\ndate = "2024-02-29"\n',
        encoding="utf-8",
    )
    assert load_corpus(tmp_path).articles[0].date == "2024-02-29"
