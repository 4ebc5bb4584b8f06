"""Concordance, key terms and similar articles, through the library and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from typer.testing import CliRunner

import kscorpus.cli.study  # noqa: F401  (registers kwic, keywords and similar on the app)
from kscorpus.cli.app import app
from kscorpus.errors import NotFoundError, QueryError
from kscorpus.query.highlight import cells
from kscorpus.study.keywords import corpus_keywords, keywords
from kscorpus.study.kwic import kwic
from kscorpus.study.similar import similar

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
runner = CliRunner()


@pytest.fixture()
def run(index_dir):
    def invoke(*args: str, code: int = 0) -> str:
        r = runner.invoke(app, [*args, "--index", str(index_dir)])
        assert r.exit_code == code, r.output
        return r.stdout

    return invoke


def test_kwic_finds_each_occurrence_with_context_from_its_paragraph(handle):
    res = kwic(handle, "快品牌", width=12)
    assert res.total == len(res.lines) > 0
    for ln in res.lines:
        doc = handle.document(ln.id)
        ps, pe = doc.paragraphs[ln.pno]
        assert doc.text[ln.start : ln.end] == ln.match == "快品牌"
        assert doc.text[ln.start - len(ln.left) : ln.start] == ln.left  # reading order
        assert doc.text[ln.end : ln.end + len(ln.right)] == ln.right
        assert ps <= ln.start - len(ln.left) and ln.end + len(ln.right) <= pe
        assert cells(ln.left) <= 12 and cells(ln.right) <= 12


def test_kwic_traditional_term_finds_the_simplified_cleaned_text(handle):
    res = kwic(handle, "信任電商")
    assert res.normalized == "信任电商"
    assert "004" in {ln.id for ln in res.lines}


def test_kwic_english_matches_whole_words_by_stem_any_case(handle):
    matches = {ln.match for ln in kwic(handle, "provider", lang="en").lines}
    assert {"provider", "providers", "Provide"} <= matches
    assert all(m.lower().startswith("provid") for m in matches)
    assert kwic(handle, "rovide").total == 0  # not inside a word
    phrase = kwic(handle, "trust e-commerce")
    assert {ln.match.lower() for ln in phrase.lines} == {"trust e-commerce", "trusting e-commerce"}


def test_kwic_sort_orders(handle):
    by_left = kwic(handle, "电商", sort="left").lines
    keys = [ln.left[::-1].lower() for ln in by_left]
    assert keys == sorted(keys)
    by_right = kwic(handle, "电商", sort="right").lines
    assert [ln.right for ln in by_right] == sorted(ln.right for ln in by_right)
    by_pos = kwic(handle, "电商", limit=5).lines
    assert [(ln.id, ln.start) for ln in by_pos] == sorted((ln.id, ln.start) for ln in by_pos)
    assert len(by_pos) == 5 and kwic(handle, "电商", limit=5).total == len(by_left)


def test_kwic_rejects_an_empty_term_and_a_bad_sort(handle):
    with pytest.raises(QueryError):
        kwic(handle, "  ")
    with pytest.raises(QueryError):
        kwic(handle, "电商", sort="middle")


def test_kwic_cli_aligns_the_term_in_one_column(run):
    out = run("kwic", "快品牌", "--width", "14")
    rows = out.splitlines()
    assert len(rows) >= 5
    assert len({cells(row[: row.index("【快品牌】")]) for row in rows}) == 1


def test_kwic_parallel_shows_the_translation_under_000_lines(run, handle):
    data = json.loads(run("kwic", "快品牌", "--lang", "zh", "--parallel", "--json"))
    of_000 = [ln for ln in data["lines"] if ln["id"] == "000"]
    assert of_000 and all(ln["parallel"]["id"] == "001" for ln in of_000)
    assert "Kuai" in " ".join(ln["parallel"]["text"] for ln in of_000)
    assert all("parallel" not in ln for ln in data["lines"] if ln["id"] == "003")  # no pair
    out = run("kwic", "快品牌", "--parallel", "--width", "10")
    assert "↳ 001 ¶18 (1.00): Kuaishou particularly emphasized" in out


def test_keywords_of_003(handle, run):
    top = [t.term for t in keywords(handle, "003", top=10)]
    assert {"磁力引擎", "新市井"} <= set(top)
    assert "快手" not in top  # in every Chinese article
    data = json.loads(run("keywords", "003", "--top", "10", "--json"))
    assert [t["term"] for t in data["terms"]] == top and data["id"] == "003"


def test_keywords_of_english_show_stem_and_surface_form(handle):
    terms = {t.term: t for t in keywords(handle, "001", top=50)}
    assert terms["provid"].form in ("provider", "providers")
    assert all(len(t) > 1 and not t.isdigit() for t in terms)


def test_corpus_wide_keywords(handle, run):
    terms = corpus_keywords(handle, top=30)
    assert "磁力引擎" in {t.term for t in terms}
    assert [t.score for t in terms] == sorted((t.score for t in terms), reverse=True)
    assert json.loads(run("keywords", "--corpus-wide", "--json"))["id"] is None
    run("keywords", code=2)
    run("keywords", "003", "--corpus-wide", code=2)


def test_similar_000_is_its_translation_then_the_same_event(handle, run):
    found = similar(handle, "000")
    assert [(n.id, n.why) for n in found[:2]] == [("001", "translation"), ("003", "text")]
    assert [n.score for n in found] == sorted((n.score for n in found), reverse=True)
    assert "000" not in {n.id for n in found}
    out = run("similar", "000")
    assert out.index("001") < out.index("003") < out.index("002")


def test_similar_across_languages_goes_through_shared_concepts(handle):
    found = {n.id: n for n in similar(handle, "003")}
    assert found["001"].why == "concepts" and found["001"].score > 0


def test_unknown_id_exits_3_naming_the_known_ids(handle, index_dir):
    with pytest.raises(NotFoundError, match="000, 001"):
        similar(handle, "999")
    for cmd in ("keywords", "similar"):
        r = runner.invoke(app, [cmd, "999", "--index", str(index_dir)])
        assert r.exit_code == 3 and "known ids: 000" in r.stderr


@pytest.fixture(scope="module")
def validate():
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )

    def check(name: str, data: object) -> list[str]:
        Draft202012Validator.check_schema(schemas[name])
        validator = Draft202012Validator(schemas[name], registry=registry)
        return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]

    return check


@pytest.mark.parametrize(
    ("schema", "args"),
    [
        ("kwic", ["kwic", "信任電商"]),
        ("kwic", ["kwic", "快品牌", "--parallel", "--sort", "left"]),
        ("kwic", ["kwic", "service provider", "--lang", "en", "--parallel", "-n", "3"]),
        ("kwic", ["kwic", "zyxwvut"]),
        ("keywords", ["keywords", "001"]),
        ("keywords", ["keywords", "--corpus-wide", "--top", "5"]),
        ("similar", ["similar", "000"]),
        ("similar", ["similar", "001", "--top", "2"]),
    ],
)
def test_json_matches_its_schema(validate, run, schema, args):
    assert validate(f"{schema}.schema.json", json.loads(run(*args, "--json"))) == []
