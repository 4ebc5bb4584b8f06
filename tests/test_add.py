"""Growing the corpus: add (encodings, detection, duplicates, incremental index) and remove."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.corpus.manage import detect
from kscorpus.corpus.manifest import load_corpus
from kscorpus.ingest.normalize import decode

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


def test_add_reports_every_file_adds_what_it_can_and_updates_the_index_once(
    tmp_path, corpus_copy, monkeypatch
):
    import kscorpus.cli.corpus as cli_corpus

    builds = []
    real = cli_corpus._update_index
    monkeypatch.setattr(cli_corpus, "_update_index", lambda *a: builds.append(a) or real(*a))
    index = tmp_path / "ix"
    assert cli("ingest", corpus=corpus_copy, index=index).exit_code == 0
    files = {
        "b.txt": ENGLISH,
        "a.txt": (corpus_copy / "003_1ef78f48ecd6acd2.txt").read_text("utf-8"),  # in the corpus
        "c.txt": TRAD,
        "c-again.txt": TRAD.replace("\n", "\r\n"),  # the same as c.txt, once normalized
        "blank.txt": "\u3000\u00a0 \u2003\n\u200b\ufeff\t\n",  # ideographic, no-break, em …
        "d.txt": "A second new article, about Zxqvian merchants.\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [str(tmp_path / n) for n in [*files, "missing.txt"]]
    r = cli("add", *args, "--json", corpus=corpus_copy, index=index)
    assert r.exit_code == 4, r.output
    assert len(builds) == 1
    out = json.loads(r.stdout)
    assert [(a["source"], a["id"]) for a in out["added"]] == [
        (args[0], "005"),
        (args[2], "006"),
        (args[5], "007"),
    ]
    refused = {Path(x["file"]).name: x["error"] for x in out["refused"]}
    assert list(refused) == ["a.txt", "c-again.txt", "blank.txt", "missing.txt"]
    assert refused["a.txt"] == "the same text is already in the corpus as 003"
    assert refused["c-again.txt"] == f"the same text as {args[2]}, added just before as 006"
    assert "empty" in refused["blank.txt"]
    assert "No such file" in refused["missing.txt"]
    assert (out["updated"], out["articles"]) == (3, 8)
    # stderr: one line per file, in the order given, then the summary
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("kscorpus: ")]
    assert [ln.split()[1] for ln in lines[:7]] == [
        "added",
        "refused",
        "added",
        "refused",
        "refused",
        "added",
        "refused",
    ]
    assert lines[-1] == "kscorpus: error: 4 of 7 file(s) refused (see above); the other 3 added"
    assert [a.id for a in load_corpus(corpus_copy).articles][-3:] == ["005", "006", "007"]
    # the index is up to date: nothing for ingest to do, and the new articles are found
    assert "nothing to do" in cli("ingest", corpus=corpus_copy, index=index).stderr
    hits = json.loads(cli("search", "Zxqvian", "--json", corpus=corpus_copy, index=index).stdout)
    assert [h["id"] for h in hits["hits"]] == ["007"]


def test_add_when_every_file_is_refused_changes_nothing(tmp_path, corpus_copy):
    before = sorted(p.name for p in corpus_copy.iterdir())
    manifest = (corpus_copy / "manifest.toml").read_bytes()
    (tmp_path / "blank.txt").write_text("\u3000\n\u00a0\n", encoding="utf-8")
    (tmp_path / "e.txt").write_bytes(b"")
    r = cli(
        "add",
        str(tmp_path / "blank.txt"),
        str(tmp_path / "e.txt"),
        "--json",
        corpus=corpus_copy,
        index=tmp_path / "ix",
    )
    assert r.exit_code == 4
    out = json.loads(r.stdout)
    assert out["added"] == [] and len(out["refused"]) == 2 and out["articles"] == 5
    assert not (tmp_path / "ix").exists()  # no index update for nothing
    assert sorted(p.name for p in corpus_copy.iterdir()) == before
    assert (corpus_copy / "manifest.toml").read_bytes() == manifest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "--lang 'fr' must be one of zh, en"),
        (["--date", "2021-02-30"], "--date '2021-02-30' is not a day of the calendar"),
        (["--date", "2021-13"], "--date '2021-13' has no month 13"),
        (["--date", "21-1-1"], "--date '21-1-1' must be YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_add_refuses_bad_options_up_front(tmp_path, corpus_copy, args, message):
    manifest = (corpus_copy / "manifest.toml").read_bytes()
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    r = cli("add", str(tmp_path / "en.txt"), *args, corpus=corpus_copy, index=tmp_path / "ix")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kscorpus: error: {message}")
    assert "manifest.toml" not in r.stderr
    assert (corpus_copy / "manifest.toml").read_bytes() == manifest


def test_the_library_refuses_bad_options_too(corpus_copy, tmp_path):
    from kscorpus.corpus.manage import add_articles
    from kscorpus.errors import KscorpusError

    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    with pytest.raises(KscorpusError, match="lang 'fr' must be") as e:
        add_articles(corpus_copy, [tmp_path / "en.txt"], lang="fr")
    assert e.value.code == 2
    report = add_articles(corpus_copy, [tmp_path / "en.txt"], date="2024-02-29")  # leap day
    assert report.added[0].article.date == "2024-02-29" and not report.refused
