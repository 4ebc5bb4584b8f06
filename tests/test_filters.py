"""Metadata filters on search, kwic and export, and search facets."""

import json

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.errors import QueryError
from kscorpus.query.filters import Filters

runner = CliRunner()


@pytest.fixture()
def run(index_dir):
    def invoke(*args):
        r = runner.invoke(app, [*args, "--index", str(index_dir)])
        return r

    return invoke


def ids(r):
    return sorted(h["id"] for h in json.loads(r.stdout)["hits"])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ["000", "002", "003", "004"]),
        (["--script", "Hant"], ["002", "004"]),
        (["--since", "2022"], ["000", "002", "003"]),
        (["--until", "2022-05"], ["000", "003", "004"]),
        (["--since", "2022-01", "--until", "2022-12-31"], ["000", "003"]),
        (["--event", "service provider"], ["004"]),
        (["--event", "Gravity", "--script", "Hant"], ["002"]),
        (["--publisher", "财经"], ["004"]),
        (["--lang", "en"], []),
    ],
)
def test_search_filters(run, options, expected):
    assert ids(run("search", "电商", "--json", *options)) == expected


def test_facets_count_every_matching_article(run):
    data = json.loads(run("search", "电商", "--facets", "--json", "-n", "1").stdout)
    assert len(data["hits"]) == 1 and data["total"] == 4
    assert data["facets"]["year"] == {"2021": 1, "2022": 2, "2024": 1}
    assert data["facets"]["lang"] == {"zh": 4}
    assert sum(data["facets"]["event"].values()) == 4
    table = run("search", "快品牌", "--facets").stdout
    assert "year" in table and "event" in table and "2022" in table


def test_kwic_and_export_filters(run):
    lines = json.loads(run("kwic", "信任电商", "--script", "Hant", "--json").stdout)["lines"]
    assert lines and {ln["id"] for ln in lines} == {"004"}
    exported = run("export", "--since", "2022", "--script", "Hans").stdout.splitlines()
    assert [json.loads(x)["id"] for x in exported[1:]] == ["000", "003"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "22"], "--since '22' must be YYYY, YYYY-MM or YYYY-MM-DD"),
        (["--script", "Cyrl"], "--script must be one of"),
        (["--lang", "fr"], "--lang must be zh or en"),
    ],
)
def test_bad_filter_values(run, options, message):
    r = run("search", "电商", *options)
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.output


def test_filters_library():
    a = {"id": "x", "lang": "zh", "script": "Hans", "date": "2024", "event": None}
    assert Filters(since="2024-01").admits(a) is False  # a year alone is not in a month range
    assert Filters(since="2024").admits(a) and not Filters(event="x").admits(a)
    assert not Filters().active() and Filters(publisher="p").active()
    with pytest.raises(QueryError):
        Filters(until="2024/01")


@pytest.mark.parametrize("command", [["search", "电商"], ["kwic", "电商"], ["export"]])
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--until", "2021-02-30"], "--until '2021-02-30' is not a day of the calendar"),
        (["--since", "2021-13"], "--since '2021-13' has no month 13"),
        (["--since", "2021-00-10"], "--since '2021-00-10' has no month 00"),
        (["--until", "2023-02-29"], "(2023-02 has no day 29)"),
    ],
)
def test_dates_must_be_on_the_calendar(run, command, options, message):
    r = run(*command, *options)
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "Traceback" not in r.output
    [line] = r.stderr.splitlines()
    assert message in line and line.startswith("kscorpus: error: --")


def test_leap_day_is_a_date(run):
    r = run("search", "电商", "--since", "2020-02-29", "--json")
    assert r.exit_code == 0 and ids(r) == ids(run("search", "电商", "--json"))  # all are later
