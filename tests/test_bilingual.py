"""Translation pairs through the CLI: side-by-side view, parallel hits, cross-language search,
pair proposals."""

import json
import re

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app

runner = CliRunner()


@pytest.fixture()
def run(index_dir):
    def invoke(*args, env=None):
        return runner.invoke(app, [*args, "--index", str(index_dir)], env=env)

    return invoke


def ids(r):
    return [h["id"] for h in json.loads(r.stdout)["hits"]]


def test_side_by_side_json_covers_both_articles_once(run):
    data = json.loads(run("show", "000", "--side-by-side", "--json").stdout)
    assert (data["zh"]["id"], data["en"]["id"]) == ("000", "001")
    segs = data["segments"]
    zh = [p for g in segs for p in g["zh"]]
    en = [p for g in segs for p in g["en"]]
    assert zh == sorted(set(zh)) and en == sorted(set(en))  # in order, each once
    assert zh == list(range(len(zh))) and en == list(range(len(en)))  # every paragraph
    assert all(0 <= g["confidence"] <= 1 for g in segs)
    ratio = next(g for g in segs if re.search("体验-?价格比", g["zh_text"]))
    assert "experience" in ratio["en_text"]
    assert (
        run("show", "001", "--lang", "both", "--json").stdout
        == run("show", "000", "--side-by-side", "--json").stdout
    )


@pytest.mark.parametrize("width", [80, 160])
def test_side_by_side_fits_the_terminal(run, width):
    r = run("show", "000", "--side-by-side", env={"COLUMNS": str(width)})
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    from kscorpus.query.highlight import cells

    assert max(cells(line) for line in lines) <= width
    assert any("5月13日" in line and "On May 13" in line for line in lines)


def test_side_by_side_without_a_translation_explains(run):
    r = run("show", "003", "--side-by-side")
    assert r.exit_code == 3
    assert "003 is Chinese only" in r.stderr and "001" in r.stderr


def test_parallel_shows_the_aligned_passage_both_ways(run):
    zh = json.loads(run("search", "体验-价格比", "--parallel", "--json").stdout)["hits"]
    hit = next(h for h in zh if h["id"] == "000")
    assert hit["parallel"]["id"] == "001"
    assert "experience-price ratio" in hit["parallel"]["text"]
    assert all("parallel" not in h for h in zh if h["id"] == "003")  # no translation
    en = json.loads(run("search", "experience-price ratio", "--parallel", "--json").stdout)
    hit = en["hits"][0]
    assert hit["id"] == "001" and hit["parallel"]["id"] == "000"
    assert re.search("体验-?价格比", hit["parallel"]["text"])
    r = run("search", "体验-价格比", "--parallel")
    assert "↳ 001" in r.stdout


def test_cross_language_search(run):
    assert ids(run("search", "Magnetic Engine", "--json")) == ["001"]
    cross = ids(run("search", "Magnetic Engine", "--cross", "--json"))
    assert cross[0] == "003" and set(cross) == {"000", "001", "003"}
    trust = ids(run("search", "trust e-commerce", "--cross", "--json"))
    assert {"000", "003", "004"} <= set(trust)
    assert "002" not in trust  # "e-commerce" alone does not drag in every 电商


def test_ingest_proposes_an_undeclared_pair(tmp_path, corpus_copy):
    manifest = corpus_copy / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r'translation_of = "\d+"\n', "", text), encoding="utf-8")
    r = runner.invoke(
        app, ["ingest", "--json", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    )
    assert r.exit_code == 0, r.output
    proposals = json.loads(r.stdout)["proposed_pairs"]
    assert [(p["zh"], p["en"]) for p in proposals] == [("000", "001")]
    assert "proposed translation pair: 000 ↔ 001" in r.stderr
    # an incremental ingest keeps the proposal (from the anchors saved with the index)
    art = corpus_copy / "003_1ef78f48ecd6acd2.txt"
    art.write_text(art.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    r = runner.invoke(
        app, ["ingest", "--json", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")]
    )
    again = json.loads(r.stdout)
    assert again["updated"] == 1 and again["proposed_pairs"] == proposals


def test_incremental_ingest_proposes_pairs_like_a_rebuild(tmp_path, corpus_copy, monkeypatch):
    """Proposals are kept for pairs of unchanged articles and found anew for the changed ones:
    after edits, moves and removals, the same list as a full rebuild."""
    from kscorpus.bilingual.pairs import Detector
    from kscorpus.corpus.manifest import load_corpus
    from kscorpus.index.store import build

    manifest = corpus_copy / "manifest.toml"
    text = re.sub(r'translation_of = "\d+"\n', "", manifest.read_text(encoding="utf-8"))
    for n, event in enumerate(["E1", "E2", "E3"]):  # 000/001 copied into three more events
        for src, lang in (("000_90d88434d4b7c06b.txt", "zh"), ("001_f986e3ad0260667d.txt", "en")):
            aid = f"1{n}{lang == 'en':d}"
            (corpus_copy / f"{aid}.txt").write_bytes((corpus_copy / src).read_bytes())
            text += f'\n[[article]]\nid = "{aid}"\nfile = "{aid}.txt"\nlang = "{lang}"\n'
            text += f'script = "{"Hans" if lang == "zh" else "Latn"}"\ntitle = "{aid}"\n'
            text += f'event = "{event}"\n'
    manifest.write_text(text, encoding="utf-8")
    index = tmp_path / "ix"
    first = build(load_corpus(corpus_copy), index).proposed_pairs
    assert {(p["zh"], p["en"]) for p in first} >= {("000", "001"), ("100", "101"), ("120", "121")}

    calls = []
    real = Detector.pairs
    monkeypatch.setattr(
        Detector, "pairs", lambda self, among=None: calls.append(among) or real(self, among)
    )
    edits = [
        lambda: (corpus_copy / "110.txt").write_text("另一篇文章。\n", encoding="utf-8"),
        lambda: manifest.write_text(
            manifest.read_text(encoding="utf-8").replace('event = "E3"', 'event = "E1"', 1),
            encoding="utf-8",
        ),
        lambda: (corpus_copy / "101.txt").unlink(),
    ]
    for edit in edits:
        edit()
        calls.clear()
        report = build(load_corpus(corpus_copy), index)
        assert report.updated + report.removed >= 1
        assert all(c is not None and len(c) <= 2 for c in calls)  # never every article
        rebuilt = build(load_corpus(corpus_copy), tmp_path / "fresh", rebuild=True)
        assert report.proposed_pairs == rebuilt.proposed_pairs
