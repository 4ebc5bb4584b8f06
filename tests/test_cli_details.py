"""Issue 20, "small things a new user met", through the CLI runner: --version and -h, whole
summaries in ``kscorpus --help``, one meaning for -n, --json on every command (export too),
one form for messages, stop words out of ``stats``, and ``show --lang both``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def summary(name: str) -> str:
    """A command's summary as its docstring gives it: the first paragraph, on one line."""
    info = next(c for c in app.registered_commands if (c.name or c.callback.__name__) == name)
    return " ".join(info.callback.__doc__.split("\n\n")[0].split())


@pytest.fixture()
def run(index_dir):
    def invoke(*args: str, code: int = 0):
        r = runner.invoke(app, [*args, "--index", str(index_dir)])
        assert r.exit_code == code, r.output
        return r

    return invoke


# 1. --version, -h


def test_version_prints_the_version_of_pyproject():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0, r.output
    assert r.stdout == f"kscorpus {version}\n" and r.stderr == ""


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_h_is_help_on_the_app_and_every_command(command):
    short = runner.invoke(app, [*command, "-h"])
    long = runner.invoke(app, [*command, "--help"])
    assert short.exit_code == long.exit_code == 0, short.output
    assert short.stdout.startswith(f"Usage: kscorpus {' '.join(command)}".rstrip())
    assert short.stdout == long.stdout
    assert "-h, --help" in short.stdout


# 2. whole summaries


@pytest.mark.parametrize("columns", ["80", "200"])
def test_help_shows_every_summary_whole(columns):
    r = runner.invoke(app, ["--help"], env={"COLUMNS": columns})
    assert r.exit_code == 0, r.output
    listed = r.stdout.split("Commands:\n", 1)[1].splitlines()
    assert not [line for line in listed if line.rstrip().endswith("...")]
    assert len(listed) == len(COMMANDS)  # one line each: nothing wrapped at 80 columns
    for line, name in zip(listed, COMMANDS):
        assert re.fullmatch(rf"  {name} +(.*)", line)[1] == summary(name)
        assert len(line) <= 78


def test_a_narrow_terminal_wraps_summaries_instead_of_cutting_them():
    r = runner.invoke(app, ["--help"], env={"COLUMNS": "56"})
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split("Commands:\n", 1)[1].split())
    assert "..." not in text
    for name in COMMANDS:
        assert f"{name} {summary(name)}" in text


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_help_has_the_summary_then_the_detail(name):
    r = runner.invoke(app, [name, "-h"], env={"COLUMNS": "200"})
    assert summary(name) in " ".join(r.stdout.split())
    assert summary(name).endswith(".") and len(summary(name)) <= 64  # whole at 80 columns


# 3. one meaning for -n


LIMITED = [
    (["keywords", "003"], "terms", True),
    (["keywords", "--corpus-wide"], "terms", True),
    (["similar", "000"], "similar", True),
    (["search", "电商"], "hits", False),  # --top never was an option of search or kwic
    (["kwic", "电商"], "lines", False),
]


@pytest.mark.parametrize(
    ("args", "key", "option"),
    [
        (args, key, option)
        for args, key, had_top in LIMITED
        for option in ["-n", "--limit", *["--top"] * had_top]
    ],
)
def test_n_is_limit_everywhere_and_top_still_works(run, args, key, option):
    data = json.loads(run(*args, option, "2", "--json").stdout)
    assert len(data[key]) == 2
    wider = json.loads(run(*args, option, "3", "--json").stdout)
    assert len(wider[key]) == 3 and wider[key][:2] == data[key]


@pytest.mark.parametrize("name", ["search", "kwic", "keywords", "similar"])
def test_help_names_limit_and_hides_top(name):
    r = runner.invoke(app, [name, "-h"])
    assert "-n, --limit" in r.stdout
    assert "--top" not in r.stdout


def test_bad_top_is_a_usage_error_naming_top(run):
    r = run("keywords", "000", "--top", "0", code=2)
    assert "--top" in r.stderr and len(r.stderr.splitlines()) == 1


# 4. --json wherever output is data


def test_export_json_is_the_export_as_json(run):
    as_json = run("export", "--json")
    assert as_json.stdout == run("export", "-f", "json").stdout
    assert json.loads(as_json.stdout)["articles"]


def test_export_out_json_is_a_summary_of_what_was_written(run, tmp_path):
    out = tmp_path / "e.csv"
    r = run("export", "-f", "csv", "--ids", "000,001", "--out", str(out), "--json")
    assert json.loads(r.stdout) == {
        "path": str(out.resolve()),
        "format": "csv",
        "articles": 2,
        "mapping": None,
    }
    assert out.read_text("utf-8").startswith("id,")
    assert r.stderr.startswith("kscorpus: exported 2 articles as csv to ")


def test_export_json_with_another_format_and_no_out_is_refused(run):
    r = run("export", "--json", "-f", "csv", code=2)
    assert r.stdout == ""
    assert r.stderr.startswith("kscorpus: error: --json without --out writes the export as JSON")
    assert len(r.stderr.splitlines()) == 1


def test_every_command_has_json_whose_stdout_is_json_alone(index_dir, corpus_copy, tmp_path):
    ix = ["--index", str(index_dir)]
    own = ["--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    (tmp_path / "new.txt").write_text("A new article about Qwertzy merchants.\n", "utf-8")
    export = tmp_path / "e.jsonl"
    export.write_text(runner.invoke(app, ["export", *ix]).stdout, "utf-8")
    runs = {
        "search": ["search", "电商", *ix],
        "show": ["show", "000", *ix],
        "list": ["list", *ix],
        "doctor": ["doctor", *ix],
        "ingest": ["ingest", *own],
        "init": ["init", str(tmp_path / "fresh")],
        "add": ["add", str(tmp_path / "new.txt"), *own],
        "remove": ["remove", "005", *own],
        "pairs": ["pairs", *own],
        "link": ["link", "000", "001", *own],
        "unlink": ["unlink", "000", *own],
        "kwic": ["kwic", "电商", *ix],
        "keywords": ["keywords", "003", *ix],
        "similar": ["similar", "000", *ix],
        "dispersion": ["dispersion", "电商", *ix],
        "trend": ["trend", "电商", *ix],
        "stats": ["stats", *ix],
        "export": ["export", *ix],
        "import": ["import", str(export), "--into", str(tmp_path / "imported")],
        "serve": None,  # runs until stopped: tests/test_web.py reads its --json line
        "collocates": ["collocates", "直播", *ix],
        "ngrams": ["ngrams", *ix],
        "keyness": ["keyness", "--ids", "004", *ix],
    }
    assert sorted(runs) == sorted(COMMANDS)  # a new command needs a line here
    for name in COMMANDS:  # in --help order: add (005) before remove
        if runs[name] is not None:
            r = runner.invoke(app, [*runs[name], "--json"])
            assert r.exit_code == 0, (name, r.output)
            json.loads(r.stdout)  # stdout is one JSON document and nothing else
        assert "--json" in runner.invoke(app, [name, "-h"]).stdout


# 5. one form for messages


def notices_are_prefixed(stderr: str) -> bool:
    """Every line is ``kscorpus: …``, or an indented line continuing the one before."""
    lines = stderr.splitlines()
    return (
        bool(lines)
        and lines[0].startswith("kscorpus: ")
        and all(line.startswith(("kscorpus: ", "  ")) for line in lines)
    )


@pytest.mark.parametrize(
    "args",
    [
        ["search", "电商"],
        ["search", "zyxwvut"],
        ["search", "电商", "-n", "1", "--timings"],
        ["kwic", "电商", "-n", "1"],
        ["kwic", "zyxwvut"],
        ["stats"],
        ["export", "--query", "zyxwvut"],
    ],
)
def test_notices_start_with_kscorpus(run, args):
    r = run(*args)
    assert notices_are_prefixed(r.stderr), r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "-n", "0"], "invalid value for '--limit' / '-n': 0 is not in the range"),
        (["search"], "missing argument 'QUERY...'"),
        (["search", "x", "--no-such-option"], "no such option: --no-such-option"),
        (["serch", "x"], "no such command 'serch'"),
        (["kwic", "x", "--sort", "up"], "invalid value for '--sort'"),
        (["export", "-f", "xml"], "invalid value for '--format' / '-f'"),
        (["show", "999"], "no article with id '999'"),
    ],
)
def test_errors_are_one_line_kscorpus_error(index_dir, args, message):
    r = runner.invoke(app, [*args, "--index", str(index_dir)])
    assert r.exit_code in (2, 3), r.output
    assert r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"kscorpus: error: {message}"), line


def test_a_usage_error_says_where_the_help_is():
    r = runner.invoke(app, ["kwic", "x", "--width", "0"])
    assert r.stderr.rstrip().endswith("(see 'kscorpus kwic -h')")


def test_ingest_notices_are_prefixed(corpus_copy, tmp_path):
    r = runner.invoke(app, ["ingest", "--corpus", str(corpus_copy), "--index", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert notices_are_prefixed(r.stderr), r.stderr


# 6. stop words out of stats


def test_stats_top_terms_leave_out_stop_words(run):
    from kscorpus.cli.data import TOP_TERMS

    top = [t["term"] for t in json.loads(run("stats", "--json").stdout)["top_terms"]]
    assert len(top) == TOP_TERMS  # asked for more, so the list is still full
    assert not {"的", "是", "了", "在", "和", "e"} & set(top)
    assert {"快手", "电商", "品牌", "直播", "kuaishou", "brand"} <= set(top)
    table = run("stats").stdout
    assert "快手" in table and not re.search(r"^的\s", table, re.M)


def test_stop_word_lists():
    from kscorpus.study.stopwords import CHINESE_STOP_WORDS, is_stop_word

    assert {"的", "了", "是", "在", "和", "一个", "我们", "这个"} <= CHINESE_STOP_WORDS
    assert is_stop_word("的") and is_stop_word("the") and is_stop_word("e")
    assert not any(map(is_stop_word, ["快手", "电商", "年", "gmv", "brand"]))


# 7. show --lang both


def test_show_lang_both_is_the_side_by_side_view(run):
    both = json.loads(run("show", "000", "--lang", "both", "--json").stdout)
    assert both == json.loads(run("show", "000", "--side-by-side", "--json").stdout)
    assert both["zh"]["id"] == "000" and both["en"]["id"] == "001" and both["segments"]


def test_show_lang_error_lists_every_accepted_value(run):
    r = run("show", "000", "--lang", "fr", code=2)
    assert r.stderr.strip() == "kscorpus: error: --lang must be one of zh, en, both, not 'fr'"
    assert "both" in runner.invoke(app, ["show", "-h"]).stdout
