"""Every command through Typer's CLI runner, as a user would type it."""

import json

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app

runner = CliRunner()


@pytest.fixture()
def run(index_dir):
    def invoke(*args, index=index_dir):
        return runner.invoke(app, [*args, "--index", str(index)])

    return invoke


def test_search_prints_ranked_highlighted_results(run):
    r = run("search", "信任电商")
    assert r.exit_code == 0, r.output
    rows = [line.split()[:2] for line in r.stdout.splitlines() if line[:3].strip().isdigit()]
    assert sorted(i for _, i in rows) == ["000", "003", "004"]
    assert [n for n, _ in rows] == ["1", "2", "3"]
    assert "【信任电商】" in r.stdout  # piped output marks highlights in plain text
    assert "3 articles match" in r.stderr
    assert "\x1b[" not in r.stdout


def test_search_json_is_clean_utf8_on_stdout(run):
    r = run("search", "信任電商", "--json")
    data = json.loads(r.stdout)
    assert data["normalized"] == "信任电商"
    assert sorted(h["id"] for h in data["hits"]) == ["000", "003", "004"]
    assert "\\u" not in r.stdout and "信任电商" in r.stdout
    hit = data["hits"][0]
    assert set(hit) == {
        "rank",
        "id",
        "lang",
        "script",
        "title",
        "date",
        "score",
        "pno",
        "snippet",
    }
    s, e = hit["snippet"]["highlights"][0]
    assert hit["snippet"]["text"][s:e] == "信任电商"


def test_search_options(run):
    assert (
        json.loads(run("search", "Kuaishou", "--json", "--lang", "en").stdout)["hits"][0]["id"]
        == "001"
    )
    data = json.loads(run("search", "电商", "--json", "--limit", "2").stdout)
    assert len(data["hits"]) == 2 and data["total"] == 4
    r = run("search", "磁力引擎", "--passages", "--json", "-n", "2")
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["003", "003"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("search", ""), 2, "empty query"),
        (("search", "x", "--lang", "fr"), 2, "--lang must be zh or en"),
        (("search", "nosuchfield:x"), 2, "unknown field"),
        (("show", "999"), 3, "no article with id '999'"),
    ],
)
def test_errors_are_one_line_without_traceback(run, args, code, message):
    r = run(*args)
    assert r.exit_code == code
    assert message in r.stderr
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_show_prints_cleaned_text(run):
    r = run("show", "004")
    assert r.exit_code == 0
    assert "大搞信任电商" in r.stdout and "大搞信任電商" not in r.stdout.split("───")[-1]


def test_show_original_is_the_file_text(run, corpus):
    r = run("show", "004", "--original", "--json")
    data = json.loads(r.stdout)
    assert data["view"] == "original"
    assert data["text"] == corpus.path(corpus.get("004")).read_text(encoding="utf-8")


def test_show_translation_both_ways(run):
    en = json.loads(run("show", "000", "--lang", "en", "--json").stdout)
    assert (en["id"], en["requested"], en["lang"]) == ("001", "000", "en")
    assert "Gravity Conference" in en["text"]
    zh = json.loads(run("show", "001", "--lang", "zh", "--json").stdout)
    assert (zh["id"], zh["requested"]) == ("000", "001")
    same = json.loads(run("show", "000", "--lang", "zh", "--json").stdout)
    assert same["id"] == same["requested"] == "000"


def test_show_without_english_version_names_the_alternative(run):
    r = run("show", "003", "--lang", "en")
    assert r.exit_code == 3
    assert "003 is Chinese only" in r.stderr
    assert "001 is the English report on the same event" in r.stderr
    assert r.stdout == ""


def test_list_table_and_json(run):
    r = run("list")
    assert r.exit_code == 0
    assert all(i in r.stdout for i in ("000", "001", "002", "003", "004"))
    rows = json.loads(run("list", "--json").stdout)
    assert [row["id"] for row in rows] == ["000", "001", "002", "003", "004"]
    assert rows[0]["translation_of"] == "001" and rows[3]["translation_of"] is None
    assert all(row["chars"] > 1000 for row in rows)


def test_first_use_builds_the_index_and_a_changed_corpus_rebuilds_it(tmp_path, corpus_copy):
    index = tmp_path / "ix"
    args = ["search", "磁力引擎", "--corpus", str(corpus_copy), "--index", str(index)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "no index yet" in r.stderr
    r = runner.invoke(app, args)
    assert "building" not in r.stderr
    art = corpus_copy / "003_1ef78f48ecd6acd2.txt"
    art.write_text(
        art.read_text(encoding="utf-8") + "\n新增段落:Zyxwvut 计划。\n", encoding="utf-8"
    )
    r = runner.invoke(
        app, ["search", "zyxwvut", "--json", "--corpus", str(corpus_copy), "--index", str(index)]
    )
    assert "changed since the last ingest" in r.stderr
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["003"]


def test_ingest_reports_a_summary(tmp_path, corpus_copy):
    r = runner.invoke(
        app, ["ingest", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix"), "--json"]
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["articles"] == 5 and summary["passages"] > 100 and summary["tokens"] > 5000
    assert summary["updated"] == 5
    assert "indexed 5 new or changed article(s)" in r.stderr
    assert "002: repaired" in r.stderr
    # a rebuild replaces the generation atomically and leaves a single one behind
    args = ["ingest", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    assert runner.invoke(app, [*args, "--rebuild"]).exit_code == 0
    gens = [p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith(("gen-", ".tmp-"))]
    assert len(gens) == 1


def ingest_json(corpus, index, *extra):
    r = runner.invoke(
        app, ["ingest", "--json", "--corpus", str(corpus), "--index", str(index), *extra]
    )
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r.stderr


def hits(corpus, index, query):
    r = runner.invoke(
        app, ["search", query, "--json", "--corpus", str(corpus), "--index", str(index)]
    )
    return [h["id"] for h in json.loads(r.stdout)["hits"]]


def test_incremental_ingest_processes_only_what_changed(tmp_path, corpus_copy):
    index = tmp_path / "ix"
    full, _ = ingest_json(corpus_copy, index)
    again, err = ingest_json(corpus_copy, index)
    assert again["updated"] == 0 and "nothing to do" in err
    # touching a file changes nothing: content hashes decide, not times
    art = corpus_copy / "003_1ef78f48ecd6acd2.txt"
    art.touch()
    assert ingest_json(corpus_copy, index)[0]["updated"] == 0
    # one changed article is re-processed; the others are reused as they were
    art.write_text(art.read_text(encoding="utf-8") + "\n新增段落:Qwertz 计划。\n", encoding="utf-8")
    one, err = ingest_json(corpus_copy, index)
    assert one["updated"] == 1 and one["articles"] == 5
    assert one["passages"] == full["passages"] + 1
    assert "003: repaired" not in err and hits(corpus_copy, index, "qwertz") == ["003"]
    assert sorted(hits(corpus_copy, index, "信任电商")) == ["000", "003", "004"]
    # a changed side of a translation pair is realigned
    zh = corpus_copy / "000_90d88434d4b7c06b.txt"
    zh.write_text(zh.read_text(encoding="utf-8") + "\n增加的结尾段落。\n", encoding="utf-8")
    assert ingest_json(corpus_copy, index)[0]["updated"] == 1
    pair = runner.invoke(
        app,
        [
            "show",
            "000",
            "--side-by-side",
            "--json",
            "--corpus",
            str(corpus_copy),
            "--index",
            str(index),
        ],
    )
    segs = json.loads(pair.stdout)["segments"]
    assert any("增加的结尾段落" in g["zh_text"] for g in segs)
    # an article removed from the manifest leaves the index
    manifest = corpus_copy / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index('[[article]]\nid = "002"')
    end = text.index("[[article]]", start + 1)
    manifest.write_text(text[:start] + text[end:], encoding="utf-8")
    gone, _ = ingest_json(corpus_copy, index)
    assert gone["removed"] == 1 and gone["articles"] == 4 and gone["updated"] == 0
    assert "002" not in hits(corpus_copy, index, "引力大会")
    # and the result is the index a rebuild gives
    rebuilt, _ = ingest_json(corpus_copy, tmp_path / "fresh", "--rebuild")
    assert (rebuilt["articles"], rebuilt["passages"], rebuilt["tokens"]) == (
        gone["articles"],
        gone["passages"],
        gone["tokens"],
    )


def test_corpus_errors_exit_4(tmp_path):
    r = runner.invoke(app, ["list", "--corpus", str(tmp_path / "missing")])
    assert r.exit_code == 4 and "corpus directory not found" in r.stderr


def test_list_names_a_translation_on_both_sides_of_a_one_way_link(tmp_path):
    corpus = tmp_path / "c"
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text("快手电商大会\n\n快手电商在北京召开大会。\n", encoding="utf-8")
    en.write_text("Kuaishou conference\n\nKuaishou held a conference in Beijing.\n", "utf-8")
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "ix")]
    assert runner.invoke(app, ["add", str(zh), *args]).exit_code == 0
    assert runner.invoke(app, ["add", str(en), "--translation-of", "000", *args]).exit_code == 0
    rows = [line.split() for line in runner.invoke(app, ["list", *args]).stdout.splitlines()]
    assert rows[1][:2] == ["000", "zh"] and "001" in rows[1]  # linked from 001's entry only
    assert rows[2][:2] == ["001", "en"] and "000" in rows[2]
