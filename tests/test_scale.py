"""What a search reads stays proportional to its hits, not to the corpus: meta.json stays small,
the per-article summaries are read only by the commands that need them."""

import json
import os

import pytest
from typer.testing import CliRunner

import kscorpus.index.store as kindex
from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.index import freshness
from kscorpus.index.freshness import fingerprint
from kscorpus.index.store import build, open_index
from kscorpus.query.search import _best_passages, parse, search

runner = CliRunner()


def generation(index):
    return index / (index / "CURRENT").read_text().strip()


def cli(*args, corpus, index):
    return runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])


@pytest.fixture()
def built(tmp_path, corpus_copy):
    index = tmp_path / "ix"
    build(load_corpus(corpus_copy), index)
    return corpus_copy, index


def test_meta_json_holds_counts_not_per_article_lists(index_dir, corpus):
    gen = generation(index_dir)
    meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
    assert set(meta) == {
        "schema",
        "kscorpus",
        "corpus",
        "fingerprint",
        "settings",
        "built",
        "articles",
        "passages",
        "tokens",
        "proposed_pairs",
        "skipped",
        "stats",  # two indexes' document counts and total field lengths: fixed size
    }
    assert meta["articles"] == len(corpus.articles)
    summaries = json.loads((gen / "articles.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in summaries] == [a.id for a in corpus.articles]
    assert meta["passages"] == sum(a["passages"] for a in summaries)
    assert (gen / "files.lst").read_text(encoding="utf-8").split("\0") == corpus.files()


def test_an_index_without_its_file_list_is_stale_and_an_ingest_restores_it(built):
    """An index from before ``files.lst`` (or one missing it) is rebuilt, not trusted."""
    corpus, index = built
    gen = generation(index)
    meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
    listed = (gen / "files.lst").read_text(encoding="utf-8").split("\0")
    assert meta["fingerprint"] == fingerprint(corpus.resolve(), listed)
    (gen / "files.lst").unlink()
    assert kindex.status(corpus, index) == "stale"
    r = cli("search", "信任电商", "--json", corpus=corpus, index=index)
    assert r.exit_code == 0 and "building the index" in r.stderr
    assert kindex.status(corpus, index) == "current"


def test_open_index_leaves_the_summaries_unread(index_dir, monkeypatch):
    handle = open_index(index_dir)
    assert handle._articles_meta is None
    assert handle.article_ids() == ["000", "001", "002", "003", "004"]
    monkeypatch.setattr(kindex, "ARTICLES", "gone.json")  # read once, then cached
    assert handle.articles_meta()[2]["script"] == "Hant"


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--json"],
        ["stats", "--json"],
        ["search", "电商", "--lang", "zh", "--json"],
        ["search", "电商", "--facets", "--json"],
        ["kwic", "电商", "--since", "2024", "--json"],
        ["export", "--format", "jsonl", "--lang", "en"],
        ["show", "000", "--lang", "en", "--json"],
    ],
)
def test_commands_that_need_the_summaries_read_them(built, args):
    corpus, index = built
    assert cli(*args, corpus=corpus, index=index).exit_code == 0
    (generation(index) / "articles.json").unlink()
    r = cli(*args, corpus=corpus, index=index)
    assert r.exit_code == 5 and "articles.json" in r.stderr and "ingest --rebuild" in r.stderr


def test_lost_summaries_make_an_ingest_rebuild(built):
    corpus, index = built
    (generation(index) / "articles.json").write_text("[{", encoding="utf-8")
    r = cli("ingest", "--json", corpus=corpus, index=index)
    assert r.exit_code == 0 and json.loads(r.stdout)["updated"] == 5
    assert len(open_index(index).articles_meta()) == 5


def test_unchanged_ingest_keeps_the_summaries(built):
    corpus, index = built
    before = (generation(index) / "articles.json").read_bytes()
    (corpus / "003_1ef78f48ecd6acd2.txt").touch()
    assert kindex.status(corpus, index) == "stale"
    r = cli("ingest", "--json", corpus=corpus, index=index)
    assert r.exit_code == 0 and json.loads(r.stdout)["updated"] == 0
    assert kindex.status(corpus, index) == "current"
    assert (generation(index) / "articles.json").read_bytes() == before


@pytest.mark.parametrize("extra", [[], ["--passages"], ["--original"], ["--limit", "1"]])
def test_a_plain_search_does_not_read_the_summaries(built, extra):
    corpus, index = built
    args = ["search", "信任电商", "--json", *extra]
    before = json.loads(cli(*args, corpus=corpus, index=index).stdout)
    (generation(index) / "articles.json").unlink()
    r = cli(*args, corpus=corpus, index=index)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == before


def test_hits_show_the_title_in_the_manifests_script(handle, corpus):
    titles = {a.id: a.title for a in corpus.articles}
    for passages in (False, True):
        hits = search(handle, "信任电商", passages=passages).hits
        assert {h.id: h.title for h in hits} == {h.id: titles[h.id] for h in hits}
    assert titles["004"] == "大搞信任電商、大搞品牌、大搞服務商"  # Traditional: stored as is
    assert search(handle, "title:大搞服務商").hits[0].id == "004"  # but indexed Simplified


@pytest.mark.parametrize(
    "query",
    ["信任电商", "电商", "快手 电商", '"信任电商"', "电商 OR brand", "电商 NOT 品牌", "trust", "*"],
)
def test_best_passages_are_those_a_filter_gives(handle, query):
    """Requiring the hits' ids instead of filtering by them changes neither the passage chosen
    nor its score; articles outside the given ids get none."""
    from whoosh import query as wq

    _, parsed = parse(query, handle.articles.schema, handle.convertible())
    s = handle.searcher("passages")
    for ids in (handle.article_ids(), ["000", "004"], ["001"]):
        filtered = s.search(parsed, limit=None, filter=wq.Or([wq.Term("id", i) for i in ids]))
        expected: dict = {}
        for f in filtered:
            expected.setdefault(f["id"], (f["pno"], f["text"], f["start"]))
        assert _best_passages(handle, parsed, ids) == expected
        assert set(expected) <= set(ids)
    assert _best_passages(handle, parsed, []) == {}


def test_opening_and_searching_copy_no_segment_file_into_memory(index_dir, monkeypatch):
    """Whoosh copies a memory-mapped segment file whole into a buffer when it opens it: the
    postings and stored fields of the whole corpus, on every search."""
    from whoosh.filedb import structfile

    copied = []
    init = structfile.BufferFile.__init__

    def record(self, buf, name=None, onclose=None):
        copied.append((name, len(buf)))
        init(self, buf, name, onclose)

    monkeypatch.setattr(structfile.BufferFile, "__init__", record)
    assert search(open_index(index_dir), "信任电商", passages=True).hits
    assert search(open_index(index_dir), "信任电商").hits
    assert not [n for n, size in copied if size > 4096], copied


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the check runs in a forked process")
def test_search_checks_a_large_corpus_beside_the_answer(built, monkeypatch):
    """Past ``FORK_CHECK`` files, a search answers from the index while a forked process
    stats the corpus; a changed corpus still gets a refreshed index and a fresh answer."""
    corpus, index = built
    monkeypatch.setattr(freshness, "FORK_CHECK", 0)
    monkeypatch.setattr(freshness, "can_fork", lambda: True)
    forks = []
    real = freshness.fingerprint_async
    monkeypatch.setattr(freshness, "fingerprint_async", lambda *a: forks.append(a) or real(*a))
    r = cli("search", "信任电商", "--json", corpus=corpus, index=index)
    assert r.exit_code == 0, r.output
    assert len(forks) == 1 and "building" not in r.stderr
    assert json.loads(r.stdout)["total"] >= 1
    art = next(corpus.glob("003_*.txt"))
    art.write_text(art.read_text(encoding="utf-8") + "\n独一无二的新句子。\n", encoding="utf-8")
    r = cli("search", "独一无二", "--json", corpus=corpus, index=index)
    assert r.exit_code == 0, r.output
    assert len(forks) == 2 and "building the index" in r.stderr
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["003"]
