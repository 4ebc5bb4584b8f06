"""Growing the corpus: add (encodings, detection, duplicates, incremental index) and remove."""

import json

import pytest
from typer.testing import CliRunner

from kscorpus.cli import app
from kscorpus.corpus import load_corpus
from kscorpus.manage import detect
from kscorpus.normalize import decode

runner = CliRunner()
TRAD = (
    "快手電商服務商大會在杭州召開,會上介紹了最新服務生態。\n隨著直播電商的發展,信任越來越重要。\n"
)
ENGLISH = "Kuaishou opened a new Qwertzy programme for merchants.\nIt was announced in Beijing.\n"


@pytest.mark.parametrize(
    ("aid", "expected"),
    [
        ("000", ("zh", "Hans")),
        ("001", ("en", "Latn")),
        ("002", ("zh", "Hant")),
        ("003", ("zh", "Hans")),
        ("004", ("zh", "Hant")),
    ],
)
def test_detects_language_and_script_of_the_corpus(corpus, aid, expected):
    text, _ = decode(corpus.read_bytes(corpus.get(aid)), aid)
    assert detect(text) == expected


def cli(*args, corpus, index):
    return runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])


def test_add_search_and_remove(tmp_path, corpus_copy):
    index = tmp_path / "ix"
    (tmp_path / "gbk.txt").write_bytes(TRAD.encode("gb18030"))
    (tmp_path / "en.txt").write_bytes(b"\xef\xbb\xbf" + ENGLISH.replace("\n", "\r\n").encode())
    r = cli(
        "add",
        str(tmp_path / "gbk.txt"),
        str(tmp_path / "en.txt"),
        "--json",
        corpus=corpus_copy,
        index=index,
    )
    assert r.exit_code == 0, r.output
    added = json.loads(r.stdout)["added"]
    assert [(a["id"], a["lang"], a["script"]) for a in added] == [
        ("005", "zh", "Hant"),
        ("006", "en", "Latn"),
    ]
    assert "decoded as GB18030" in r.stderr and "converted to UTF-8" in r.stderr
    c = load_corpus(corpus_copy)
    assert c.path(c.get("005")).read_text(encoding="utf-8") == TRAD  # stored as UTF-8
    assert c.path(c.get("006")).read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 kept as is
    assert added[1]["title"] == "Kuaishou opened a new Qwertzy programme for merchants."
    hits = json.loads(
        cli("search", "信任越来越重要", "--json", corpus=corpus_copy, index=index).stdout
    )["hits"]
    assert hits[0]["id"] == "005"
    r = cli("ingest", corpus=corpus_copy, index=index)
    assert "nothing to do" in r.stderr
    # the same text again, in another encoding, is refused naming the article it duplicates
    (tmp_path / "utf8.txt").write_text(TRAD, encoding="utf-8")
    r = cli("add", str(tmp_path / "utf8.txt"), corpus=corpus_copy, index=index)
    assert r.exit_code == 4 and "already in the corpus as 005" in r.stderr
    # remove undoes the add; the file is kept aside, not lost
    r = cli("remove", "005", corpus=corpus_copy, index=index)
    assert r.exit_code == 0 and (corpus_copy / ".removed").is_dir()
    assert load_corpus(corpus_copy).get("005") is None
    hits = json.loads(
        cli("search", "信任越来越重要", "--json", corpus=corpus_copy, index=index).stdout
    )["hits"]
    assert "005" not in [h["id"] for h in hits]


def test_add_with_metadata_and_a_bad_link_leaves_nothing_behind(tmp_path, corpus_copy):
    index = tmp_path / "ix"
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    before = (corpus_copy / "manifest.toml").read_bytes()
    files = sorted(p.name for p in corpus_copy.iterdir())
    r = cli(
        "add", str(tmp_path / "en.txt"), "--translation-of", "999", corpus=corpus_copy, index=index
    )
    assert r.exit_code == 4 and "unknown id 999" in r.stderr
    assert (corpus_copy / "manifest.toml").read_bytes() == before
    assert sorted(p.name for p in corpus_copy.iterdir()) == files
    r = cli(
        "add",
        str(tmp_path / "en.txt"),
        "--title",
        "Qwertzy",
        "--date",
        "2023-01-02",
        "--translation-of",
        "003",
        corpus=corpus_copy,
        index=index,
    )
    assert r.exit_code == 0, r.output
    a = load_corpus(corpus_copy).get("005")
    assert (a.title, a.date, a.translation_of) == ("Qwertzy", "2023-01-02", "003")
    r = cli("show", "003", "--lang", "en", "--json", corpus=corpus_copy, index=index)
    assert json.loads(r.stdout)["id"] == "005"


def test_remove_refuses_a_linked_article_and_unknown_ids(tmp_path, corpus_copy):
    r = cli("remove", "001", corpus=corpus_copy, index=tmp_path / "ix")
    assert r.exit_code == 4 and "000 names 001 as translation_of" in r.stderr
    r = cli("remove", "999", corpus=corpus_copy, index=tmp_path / "ix")
    assert r.exit_code == 3 and "no article with id '999'" in r.stderr
