"""The corpus directory: manifest validation and the bundled articles."""

import hashlib
import os
from pathlib import Path

import pytest

from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import CorpusError
from kscorpus.index.freshness import fingerprint

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "articles"


def test_bundled_manifest(corpus):
    assert [a.id for a in corpus.articles] == ["000", "001", "002", "003", "004"]
    by = {a.id: a for a in corpus.articles}
    assert (by["000"].lang, by["001"].lang) == ("zh", "en")
    assert by["000"].translation_of == "001" and by["001"].translation_of == "000"
    assert {by[i].script for i in ("002", "004")} == {"Hant"}
    assert by["003"].event == by["000"].event


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared articles not beside the checkout")
def test_articles_are_byte_identical_to_the_sources(corpus):
    for a in corpus.articles:
        src = SHARED / a.file
        assert (
            hashlib.sha256(corpus.path(a).read_bytes()).digest()
            == hashlib.sha256(src.read_bytes()).digest()
        )


def test_userdict_loaded(corpus):
    words = {w for w, _ in corpus.userdict}
    assert {"信任电商", "快品牌", "磁力引擎", "引力大会", "体验-价格比"} <= words


def write(dirpath, manifest):
    (dirpath / "manifest.toml").write_text(manifest, encoding="utf-8")
    (dirpath / "a.txt").write_text("快手电商", encoding="utf-8")
    return dirpath


ENTRY = (
    '[[article]]\nid = "{id}"\nfile = "a.txt"\nlang = "{lang}"\nscript = "{script}"\ntitle = "t"\n'
)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("[[article]]\nid = 1\n", "field 'id' must be a string"),
        ('[[article]]\nid = "1"\n', "missing or empty field 'file'"),
        ("not toml [", "invalid TOML"),
        (ENTRY.format(id="x", lang="fr", script="Latn"), "lang 'fr' must be one of zh, en"),
        (ENTRY.format(id="x", lang="zh", script="Latn"), "does not fit lang"),
        (ENTRY.format(id="x", lang="zh", script="Hans") * 2, "duplicate id 'x'"),
        (ENTRY.format(id="x", lang="zh", script="Hans") + 'colour = "red"\n', "unknown field"),
        (ENTRY.format(id="x", lang="zh", script="Hans") + 'translation_of = "y"\n', "unknown id"),
    ],
)
def test_bad_manifests_name_the_problem(tmp_path, manifest, message):
    write(tmp_path, manifest)
    with pytest.raises(CorpusError, match=message) as e:
        load_corpus(tmp_path)
    assert str(tmp_path / "manifest.toml") in str(e.value)


def test_error_names_the_line(tmp_path):
    write(
        tmp_path,
        ENTRY.format(id="a", lang="zh", script="Hans")
        + "\n"
        + ENTRY.format(id="b", lang="xx", script="Hans"),
    )
    with pytest.raises(CorpusError, match=r"manifest.toml:8: lang"):
        load_corpus(tmp_path)


def test_missing_directory_and_manifest(tmp_path):
    with pytest.raises(CorpusError, match="corpus directory not found"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match=r"no manifest\.toml"):
        load_corpus(tmp_path)


def test_fingerprint_sees_every_edit_addition_and_removal(tmp_path):
    files = ["manifest.toml", "userdict.txt", "glossary.tsv", "a.txt"]
    write(tmp_path, "[[article]]\n")
    seen = {fingerprint(tmp_path, files)}
    # same size, new mtime: an in-place edit
    os.utime(tmp_path / "a.txt", ns=(1, (tmp_path / "a.txt").stat().st_mtime_ns + 1))
    seen.add(fingerprint(tmp_path, files))
    (tmp_path / "glossary.tsv").write_text("电商\te-commerce\n", encoding="utf-8")  # added
    seen.add(fingerprint(tmp_path, files))
    (tmp_path / "a.txt").unlink()  # removed
    seen.add(fingerprint(tmp_path, files))
    seen.add(fingerprint(tmp_path, files[:-1]))  # the list itself (from the manifest) changed
    assert len(seen) == 5
    assert fingerprint(tmp_path, files) == fingerprint(tmp_path, files)


def test_a_parsed_manifest_is_read_back_from_the_cache(corpus_copy, tmp_path, monkeypatch):
    """The cache spares parsing TOML again (a fifth of an incremental ingest at 10,000
    articles): the same corpus comes back without parsing, and a changed manifest is parsed."""
    import json

    import kscorpus.corpus.manifest as kcorpus

    cache = tmp_path / "manifest-cache.json"
    first = load_corpus(corpus_copy, cache=cache)
    assert json.loads(cache.read_bytes())["entries"][0]["id"] == "000"

    def no_parsing(raw, manifest):
        raise AssertionError("parsed again")

    monkeypatch.setattr(kcorpus, "_parse_manifest", no_parsing)
    assert load_corpus(corpus_copy, cache=cache) == first
    manifest = corpus_copy / "manifest.toml"
    manifest.write_text(manifest.read_text("utf-8").replace("Kuaishou", "KS", 1), "utf-8")
    with pytest.raises(AssertionError, match="parsed again"):
        load_corpus(corpus_copy, cache=cache)
    monkeypatch.undo()
    assert load_corpus(corpus_copy, cache=cache) != first


def test_a_damaged_or_unwritable_cache_only_costs_a_parse(corpus_copy, tmp_path):
    want = load_corpus(corpus_copy)
    cache = tmp_path / "manifest-cache.json"
    cache.write_bytes(b'{"sha256": "\xff')
    assert load_corpus(corpus_copy, cache=cache) == want
    (tmp_path / "file").write_text("")
    assert load_corpus(corpus_copy, cache=tmp_path / "file" / "cache.json") == want


def test_cached_entries_are_validated_like_parsed_ones(corpus_copy, tmp_path):
    import json

    cache = tmp_path / "manifest-cache.json"
    load_corpus(corpus_copy, cache=cache)
    data = json.loads(cache.read_bytes())
    data["entries"][1]["lang"] = "fr"
    cache.write_text(json.dumps(data), "utf-8")
    with pytest.raises(CorpusError, match="lang 'fr'"):
        load_corpus(corpus_copy, cache=cache)
