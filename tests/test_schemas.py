"""The JSON schemas in schemas/ validate the real output of every --json command and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from typer.testing import CliRunner

import kscorpus.cli.data  # noqa: F401  (registers export, import and stats on the app)
from kscorpus.cli.app import app

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
runner = CliRunner()


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}


@pytest.fixture(scope="module")
def validate(schemas):
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )

    def check(name: str, data: object) -> list[str]:
        validator = Draft202012Validator(schemas[name], registry=registry)
        return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]

    return check


@pytest.fixture()
def run(index_dir):
    def invoke(*args: str) -> str:
        r = runner.invoke(app, [*args, "--index", str(index_dir)])
        assert r.exit_code == 0, r.output
        return r.stdout

    return invoke


def test_schemas_are_valid_draft_2020_12(schemas):
    assert {
        "search",
        "show",
        "list",
        "stats",
        "export",
        "export-article",
        "export-corpus",
        "add",
        "remove",
        "init",
        "export-summary",
        "doctor",
        "ingest",
    } <= {n.removesuffix(".schema.json") for n in schemas}
    for name, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == name
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("schema", "args"),
    [
        ("search", ["search", "信任電商"]),
        ("search", ["search", "快品牌", "--original", "-n", "2"]),
        ("search", ["search", "磁力引擎", "--passages"]),
        ("search", ["search", "Kuaishou", "--lang", "en"]),
        ("search", ["search", "zyxwvut"]),
        ("search", ["search", "体验-价格比", "--parallel"]),
        ("search", ["search", "电商", "--facets", "--script", "Hant"]),
        ("search", ["search", "Magnetic Engine", "--cross", "--parallel"]),
        ("show-pair", ["show", "000", "--side-by-side"]),
        ("show", ["show", "000"]),
        ("show", ["show", "004", "--original"]),
        ("show", ["show", "000", "--lang", "en"]),
        ("list", ["list"]),
        ("stats", ["stats"]),
        ("doctor", ["doctor"]),
        ("doctor", ["doctor", "004", "002"]),
        ("collocates", ["collocates", "直播"]),
        ("collocates", ["collocates", "信任电商", "--cross", "--min-freq", "1"]),
        ("collocates", ["collocates", "trust", "--measure", "ll", "--by", "left"]),
        ("ngrams", ["ngrams", "-n", "3"]),
        ("ngrams", ["ngrams", "--around", "直播", "-n", "3", "--lang", "zh"]),
        ("keyness", ["keyness", "--ids", "004"]),
        ("keyness", ["keyness", "--since", "2022", "--negative", "--min-freq", "1"]),
    ],
)
def test_command_json_matches_its_schema(validate, run, schema, args):
    assert validate(f"{schema}.schema.json", json.loads(run(*args, "--json"))) == []


@pytest.mark.parametrize("tokens", [[], ["--tokens"]])
def test_every_export_record_matches(validate, run, tokens):
    first, *articles = run("export", *tokens).splitlines()
    assert validate("export-corpus.schema.json", json.loads(first)) == []
    assert len(articles) == 5
    for line in articles:
        assert validate("export-article.schema.json", json.loads(line)) == []
    assert validate("export.schema.json", json.loads(run("export", "-f", "json", *tokens))) == []


def test_export_json_matches(validate, run, tmp_path):
    """export --json: the export itself (export.schema.json), or with --out a summary."""
    assert validate("export.schema.json", json.loads(run("export", "--json"))) == []
    for args in (["-f", "csv"], ["-f", "opensearch-bulk", "--mapping", str(tmp_path / "m")]):
        out = json.loads(run("export", *args, "--out", str(tmp_path / "e"), "--json"))
        assert validate("export-summary.schema.json", out) == []
        assert validate("export-summary.schema.json", out | {"bytes": 1})  # closed


def test_ingest_json_matches(validate, tmp_path, corpus_copy):
    """ingest's --json with a proposed pair (no translation_of declared) and a skipped article
    (an empty file: exit 4), then again with nothing to do."""
    import re

    manifest = corpus_copy / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r'translation_of = "\d+"\n', "", text), encoding="utf-8")
    next(corpus_copy.glob("002_*.txt")).write_text("\n", encoding="utf-8")
    args = ["ingest", "--json", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    r = runner.invoke(app, args)
    assert r.exit_code == 4, r.output
    first = json.loads(r.stdout)
    assert first["proposed_pairs"] and first["skipped"]
    assert validate("ingest.schema.json", first) == []
    assert validate("ingest.schema.json", first | {"extra": 1})  # closed
    again = runner.invoke(app, args)
    assert validate("ingest.schema.json", json.loads(again.stdout)) == []


def test_import_json_matches(validate, run, tmp_path):
    (tmp_path / "e.jsonl").write_text(run("export"), encoding="utf-8")
    r = runner.invoke(app, ["import", str(tmp_path / "e.jsonl"), "--into", str(tmp_path / "c")])
    out = runner.invoke(
        app,
        ["import", str(tmp_path / "e.jsonl"), "--into", str(tmp_path / "c"), "--force", "--json"],
    )
    assert r.exit_code == out.exit_code == 0
    assert validate("import.schema.json", json.loads(out.stdout)) == []


def test_init_add_and_remove_json_match(validate, tmp_path, corpus_copy):
    """add's --json when some files are refused too (exit 4), remove's and init's."""
    (tmp_path / "new.txt").write_text("A new article about Qwertzy merchants.\n", "utf-8")
    dup = next(corpus_copy.glob("000_*.txt"))
    common = ["--corpus", str(corpus_copy), "--index", str(tmp_path / "ix"), "--json"]
    r = runner.invoke(app, ["add", str(tmp_path / "new.txt"), str(dup), *common])
    assert r.exit_code == 4, r.output
    added = json.loads(r.stdout)
    assert len(added["added"]) == len(added["refused"]) == 1
    assert validate("add.schema.json", added) == []
    assert validate("add.schema.json", added | {"skipped": []})  # closed
    r = runner.invoke(app, ["remove", added["added"][0]["id"], *common])
    assert r.exit_code == 0, r.output
    assert validate("remove.schema.json", json.loads(r.stdout)) == []
    r = runner.invoke(app, ["init", str(tmp_path / "fresh"), "--json"])
    assert r.exit_code == 0, r.output
    assert validate("init.schema.json", json.loads(r.stdout)) == []


def test_schemas_reject_what_the_commands_never_write(validate, run):
    """additionalProperties / unevaluatedProperties keep the schemas honest: an added or
    misspelled field fails validation until the schema describes it."""
    hit = json.loads(run("search", "快品牌", "--json"))
    hit["hits"][0]["snippet"]["extra"] = 1
    shown = json.loads(run("show", "000", "--json")) | {"segments": []}
    listed = json.loads(run("list", "--json"))
    listed[0]["title_zh"] = "x"
    record = json.loads(run("export").splitlines()[1])
    record["paragraphs"][0]["tokens"] = []
    for name, data in [
        ("search", hit),
        ("show", shown),
        ("list", listed),
        ("export-article", record),
    ]:
        assert validate(f"{name}.schema.json", data), name
