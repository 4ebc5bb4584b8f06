"""Issue 3 through the CLI: repaired text is searchable and shown; the damage stays visible."""

import json

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app

runner = CliRunner()


@pytest.fixture()
def run(index_dir):
    def invoke(*args):
        return runner.invoke(app, [*args, "--index", str(index_dir)])

    return invoke


@pytest.mark.parametrize("query", ["经营", "引力大会", "孔慧说"])
def test_words_broken_by_damage_are_found_in_002(run, query):
    r = run("search", query, "--json")
    assert "002" in [h["id"] for h in json.loads(r.stdout)["hits"]]


def test_repaired_texts(run):
    t002 = json.loads(run("show", "002", "--json").stdout)["text"]
    assert "“目前我们" in t002 and "孔慧说" in t002
    assert "(jīng)" not in t002 and "QQ:" not in t002 and "?/p>" not in t002
    t004 = json.loads(run("show", "004", "--json").stdout)["text"]
    sentence = next(s for s in t004.split("。") if "李丛杉" in s)
    assert "快手电商" in sentence
    t001 = json.loads(run("show", "001", "--json").stdout)["text"]
    assert t001.count("On May 13, Kuaishou E-commerce held the 2022") == 1
    assert "hotcomm Category" not in t001


def test_original_still_shows_the_damage(run):
    original = json.loads(run("show", "002", "--original", "--json").stdout)["text"]
    assert "澳壳拔覀儗" in original and "會(huì)" in original


def test_doctor_lists_every_repair(run, corpus):
    data = {d["id"]: d for d in json.loads(run("doctor", "--json").stdout)}
    assert set(data) == {"000", "001", "002", "003", "004"}
    assert data["003"]["repairs"] == [] and data["003"]["suspects"] == []
    kinds = [r["kind"] for r in data["002"]["repairs"]]
    assert kinds.count("pinyin") > 200 and kinds.count("mojibake") == 8
    original = corpus.path(corpus.get("002")).read_text(encoding="utf-8")
    for r in data["002"]["repairs"]:
        assert original[r["start"] : r["end"]] == r["before"]
    moji = [r for r in data["002"]["repairs"] if r["kind"] == "mojibake"]
    assert any("孔慧說" in r["after"] for r in moji)
    table = run("doctor", "004").stdout
    assert "mojibake" in table and "快手電商" in table


def test_original_snippet_for_repaired_text(run):
    data = json.loads(run("search", "孔慧说", "--original", "--json").stdout)
    hit = data["hits"][0]
    o = hit["original"]
    assert "笨谆壅f" in o["text"] or "孔慧" in o["text"]
