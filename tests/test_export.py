"""Exports, the round trip back through import, the OpenSearch bulk format, and stats."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import kscorpus.cli.data  # noqa: F401  (registers export, import and stats on the app)
from kscorpus import __version__
from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.exchange.export import DATE_FORMAT, write_atomic
from kscorpus.exchange.importer import toml_string
from kscorpus.query.search import search

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

runner = CliRunner()
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def invoke(*args: str, index: Path, **kw: object):
    return runner.invoke(app, [*args, "--index", str(index)], **kw)


@pytest.fixture(scope="module")
def exported(index_dir: Path) -> str:
    """The whole bundled corpus as JSONL, with tokens."""
    r = invoke("export", "--tokens", index=index_dir)
    assert r.exit_code == 0, r.output
    assert r.stderr == ""
    return r.stdout


@pytest.fixture(scope="module")
def records(exported: str) -> list[dict]:
    return [json.loads(line) for line in exported.splitlines()]


# ---------------------------------------------------------------------------------------------
# The round trip


def test_export_import_ingest_export_is_identical(tmp_path, index_dir, corpus, exported):
    src = tmp_path / "export.jsonl"
    src.write_text(exported, encoding="utf-8")
    r = runner.invoke(app, ["import", str(src), "--into", str(tmp_path / "copy"), "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["articles"] == 5 and report["files"][-1] == "manifest.toml"
    again = invoke("export", "--tokens", "--corpus", str(tmp_path / "copy"), index=tmp_path / "ix")
    assert again.exit_code == 0, again.output
    assert again.stdout == exported  # every field of every record, the corpus record too
    for name in [*(a.file for a in corpus.articles), "glossary.tsv"]:  # byte for byte
        assert (tmp_path / "copy" / name).read_bytes() == (CORPUS / name).read_bytes(), name
    copy = load_corpus(tmp_path / "copy")
    assert (copy.articles, copy.userdict) == (corpus.articles, corpus.userdict)


def test_unusual_files_come_back_byte_for_byte(tmp_path, corpus_copy):
    """BOM and CRLF are kept in ``original``; a file that is not UTF-8 (GB18030 here, or UTF-8
    with an invalid byte) cannot be rebuilt from its decoded text, so its bytes come along."""
    names = {a.id: a.file for a in load_corpus(corpus_copy).articles}
    changed = {
        "003": b"\xef\xbb\xbf" + (corpus_copy / names["003"]).read_bytes().replace(b"\n", b"\r\n"),
        "004": (corpus_copy / names["004"]).read_text(encoding="utf-8").encode("gb18030"),
        "000": (corpus_copy / names["000"]).read_bytes().replace("。".encode(), b"\xff", 1),
    }
    for aid, data in changed.items():
        (corpus_copy / names[aid]).write_bytes(data)
    first = invoke("export", "--corpus", str(corpus_copy), index=tmp_path / "ix")
    recs = {r["id"]: r for r in map(json.loads, first.stdout.splitlines()[1:])}
    assert recs["003"]["original"].startswith("\ufeff") and "\r\n" in recs["003"]["original"]
    assert [i for i in recs if recs[i]["original_base64"]] == ["000", "004"]
    assert "電商" in recs["004"]["original"]  # read as GB18030, not as mojibake
    src = tmp_path / "e.jsonl"
    src.write_text(first.stdout, encoding="utf-8")
    assert runner.invoke(app, ["import", str(src), "--into", str(tmp_path / "c")]).exit_code == 0
    for aid, data in changed.items():
        assert (tmp_path / "c" / names[aid]).read_bytes() == data, aid
    again = invoke("export", "--corpus", str(tmp_path / "c"), index=tmp_path / "ix2")
    assert again.stdout == first.stdout


def test_an_unreadable_article_is_named_not_exported(tmp_path, corpus_copy):
    (corpus_copy / "002_b45add12e150dda2.txt").write_bytes(b"")
    r = invoke("export", "--corpus", str(corpus_copy), index=tmp_path / "ix")
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()[1:]] == ["000", "001", "003", "004"]
    assert "article 002 is not exported" in r.stderr and "empty" in r.stderr


def test_import_reads_json_exports_and_stdin(tmp_path, index_dir, exported):
    as_json = invoke("export", "--format", "json", "--tokens", index=index_dir).stdout
    (tmp_path / "e.json").write_text(as_json, encoding="utf-8")
    r = runner.invoke(app, ["import", str(tmp_path / "e.json"), "--into", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", "-", "--into", str(tmp_path / "b")], input=exported)
    assert r.exit_code == 0, r.output
    a, b = ({p.name: p.read_bytes() for p in (tmp_path / d).iterdir()} for d in "ab")
    assert a == b and len(a) == 5 + 3  # articles, manifest, user dictionary, glossary


def test_import_refuses_a_non_empty_directory_unless_forced(tmp_path, exported):
    src = tmp_path / "e.jsonl"
    src.write_text(exported, encoding="utf-8")
    target = tmp_path / "t"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "userdict.txt").write_text("旧词 5\n")
    r = runner.invoke(app, ["import", str(src), "--into", str(target)])
    assert r.exit_code == 2 and "--force" in r.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "userdict.txt"]
    # an export without a user dictionary must not keep the old one: it changes segmentation
    corpus_line, *rest = exported.splitlines(keepends=True)
    info = json.loads(corpus_line) | {"userdict": []}
    src.write_text(json.dumps(info, ensure_ascii=False) + "\n" + "".join(rest), encoding="utf-8")
    r = runner.invoke(app, ["import", str(src), "--into", str(target), "--force"])
    assert r.exit_code == 0, r.output
    assert (target / "notes.txt").read_text() == "mine"
    assert not (target / "userdict.txt").exists()
    assert not [p for p in tmp_path.iterdir() if ".import-" in p.name]  # staging removed


def _damaged(exported: str, n: int, **changes: object) -> str:
    lines = exported.splitlines()
    lines[n] = json.dumps(json.loads(lines[n]) | changes, ensure_ascii=False)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda e: _damaged(e, 1, original="edited"), "does not match its sha256"),
        (lambda e: "".join(e.splitlines(keepends=True)[:-1]), "the file is truncated"),
        (lambda e: _damaged(e, 2, file="../escape.txt"), "must be a plain article file name"),
        (lambda e: _damaged(e, 2, file="manifest.toml"), "must be a plain article file name"),
        (lambda e: _damaged(e, 2, id="000"), "duplicate id '000'"),
        (lambda e: "".join(e.splitlines(keepends=True)[1:]), "not a kscorpus export"),
        (lambda e: e.replace("\n", "\n{oops\n", 1), "not a JSON record"),
    ],
)
def test_import_rejects_damaged_exports_and_writes_nothing(tmp_path, exported, damage, message):
    src = tmp_path / "e.jsonl"
    src.write_text(damage(exported), encoding="utf-8")
    r = runner.invoke(app, ["import", str(src), "--into", str(tmp_path / "t")])
    assert r.exit_code == 4, r.output
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl"]


@given(st.text())
def test_toml_strings_round_trip(value):
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value


# ---------------------------------------------------------------------------------------------
# Records and formats


def test_records_are_self_consistent(records, handle):
    corpus, *articles = records
    assert corpus["kind"] == "corpus" and corpus["kscorpus"] == __version__
    assert corpus["articles"] == len(articles) == 5
    assert ["快手", 1000] in corpus["userdict"] and corpus["glossary"].startswith("#")
    by_id = {a["id"]: a for a in articles}
    with handle.articles.reader() as reader:
        lexicon = {t.decode() for t in reader.lexicon("text")}
    for a in articles:
        assert a["original"].encode("utf-8") == (CORPUS / a["file"]).read_bytes()
        assert hashlib.sha256(a["original"].encode("utf-8")).hexdigest() == a["sha256"]
        assert a["text"] == handle.document(a["id"]).text
        assert [p["pno"] for p in a["paragraphs"]] == list(range(len(a["paragraphs"])))
        for p in a["paragraphs"]:
            assert a["text"][p["start"] : p["end"]] == p["text"]
            assert 0 <= p["original_start"] < p["original_end"] <= len(a["original"])
        for change in a["repairs"] + a["suspects"]:
            assert a["original"][change["start"] : change["end"]] == change["before"]
        assert len(a["tokens"]) == len(a["paragraphs"])
        assert {t for para in a["tokens"] for t in para} <= lexicon
    assert by_id["004"]["repairs"], "004's mojibake repairs are exported"
    plain = by_id["003"]  # Simplified and never repaired: each original span is its paragraph
    assert not plain["repairs"] and all(
        plain["original"][p["original_start"] : p["original_end"]] == p["text"]
        for p in plain["paragraphs"]
    )
    assert "信任电商" in by_id["000"]["tokens"][5]  # a user-dictionary word stays whole


def test_translation_is_the_pair_and_its_alignment(records):
    by_id = {r["id"]: r for r in records[1:]}
    zh, en = by_id["000"], by_id["001"]
    assert zh["translation"]["id"] == "001" and en["translation"]["id"] == "000"
    segs = zh["translation"]["segments"]
    assert segs == en["translation"]["segments"]
    for side, art in (("zh", zh), ("en", en)):  # every paragraph once, in order
        assert [n for s in segs for n in s[side]] == list(range(len(art["paragraphs"])))
    assert all(0 <= s["confidence"] <= 1 for s in segs)
    assert [by_id[i]["translation"] for i in ("002", "003", "004")] == [None] * 3


def test_json_is_the_same_records_in_one_document(index_dir, records):
    r = invoke("export", "--format", "json", "--tokens", index=index_dir)
    data = json.loads(r.stdout)
    info = {k: v for k, v in records[0].items() if k not in ("kind", "kscorpus")}
    assert data == {"kscorpus": __version__, "corpus": info, "articles": records[1:]}
    assert r.stdout == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert "\\u" not in r.stdout


def test_csv_rows_carry_the_records(index_dir, records):
    r = invoke("export", "--format", "csv", index=index_dir)
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert [row["id"] for row in rows] == [a["id"] for a in records[1:]]
    for row, rec in zip(rows, records[1:]):
        rec = {k: v for k, v in rec.items() if k not in ("kind", "tokens")}
        assert list(row) == list(rec)
        for key, value in rec.items():
            cell = row[key]
            if isinstance(value, (list, dict)):
                assert json.loads(cell) == value, key
            else:
                assert cell == ("" if value is None else value), key


def test_selection_by_ids_and_query(index_dir, handle):
    def ids(*args: str) -> list[str]:
        r = invoke("export", *args, index=index_dir)
        assert r.exit_code == 0, r.output
        return [json.loads(line)["id"] for line in r.stdout.splitlines()[1:]]

    assert ids("--ids", "003, 000") == ["000", "003"]  # manifest order
    matching = sorted(h.id for h in search(handle, "信任电商", limit=10).hits)
    assert ids("--query", "信任电商") == matching == ["000", "003", "004"]
    assert ids("--query", "信任电商", "--ids", "000,001") == ["000"]
    none = invoke("export", "-q", "zyxwvut", index=index_dir)
    assert none.exit_code == 0 and json.loads(none.stdout)["articles"] == 0
    r = invoke("export", "--ids", "000,999", index=index_dir)
    assert r.exit_code == 3 and "999" in r.stderr and r.stdout == ""


def test_out_is_written_atomically(tmp_path, index_dir, exported):
    out = tmp_path / "e.jsonl"
    r = invoke("export", "--tokens", "--out", str(out), index=index_dir)
    assert r.exit_code == 0 and r.stdout == ""
    assert out.read_text(encoding="utf-8") == exported
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl"]

    def failing():
        yield "partial"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(out, failing())
    assert out.read_text(encoding="utf-8") == exported  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl"]
    r = invoke("export", "--out", str(tmp_path / "missing" / "e.jsonl"), index=index_dir)
    assert r.exit_code == 2 and "cannot write" in r.stderr


# ---------------------------------------------------------------------------------------------
# OpenSearch / Elasticsearch

_TYPES = {"keyword": str, "text": str, "integer": int}


@pytest.fixture(scope="module")
def bulk(tmp_path_factory, index_dir) -> tuple[list[str], dict]:
    d = tmp_path_factory.mktemp("bulk")
    r = invoke(
        "export",
        "-f",
        "opensearch-bulk",
        "--mapping",
        str(d / "m.json"),
        "--index-name",
        "ks",
        index=index_dir,
    )
    assert r.exit_code == 0, r.output
    return r.stdout.splitlines(), json.loads((d / "m.json").read_text(encoding="utf-8"))


def test_bulk_is_action_then_source_for_articles_and_passages(bulk, records):
    lines, _ = bulk
    assert len(lines) % 2 == 0
    pairs = [(json.loads(a), json.loads(s)) for a, s in zip(lines[::2], lines[1::2])]
    ids = [a["index"]["_id"] for a, _ in pairs]
    assert len(ids) == len(set(ids))
    expected = []
    for rec in records[1:]:
        expected += [rec["id"], *(f"{rec['id']}#{p['pno']}" for p in rec["paragraphs"])]
    assert ids == expected
    for action, source in pairs:
        assert action == {"index": {"_index": "ks", "_id": action["index"]["_id"]}}
        if source["kind"] == "passage":
            assert action["index"]["_id"] == f"{source['id']}#{source['pno']}"
        else:
            assert source["kind"] == "article" and action["index"]["_id"] == source["id"]


def test_bulk_sources_fit_the_mapping(bulk):
    lines, mapping = bulk
    assert mapping["mappings"]["dynamic"] == "strict"
    props = mapping["mappings"]["properties"]
    analyzer = mapping["settings"]["analysis"]["analyzer"]["kscorpus_zh"]
    assert analyzer == {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}
    date = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
    assert props["date"] == {"type": "date", "format": DATE_FORMAT}
    for line in lines[1::2]:
        source = json.loads(line)
        for field, value in source.items():
            assert field in props, field
            kind = props[field]["type"]
            assert date.match(value) if kind == "date" else isinstance(value, _TYPES[kind])
        zh = source["lang"] == "zh"
        assert ("text_zh_seg" in source) == zh and ("text_en" in source) != zh
        if zh:
            assert props["text_zh_seg"]["analyzer"] == "kscorpus_zh"
        else:
            assert props["text_en"]["analyzer"] == "english"


def test_bulk_holds_exactly_the_terms_kscorpus_indexes(bulk, handle):
    """Split on white space, the Chinese fields give the index's terms, occurrence for
    occurrence: a cluster searches the same words as kscorpus."""
    lines, _ = bulk
    counted: Counter[str] = Counter()
    english = []
    for line in lines[1::2]:
        source = json.loads(line)
        if source["kind"] != "article":
            continue
        if source["lang"] == "zh":
            counted.update(source["text_zh_seg"].split() + source["text_zh_sub"].split())
        else:
            english.append(source["id"])
    indexed: Counter[str] = Counter()
    with handle.articles.reader() as reader:
        zh = {n for n in range(reader.doc_count_all()) if reader.stored_fields(n)["lang"] == "zh"}
        for term, _ in reader.iter_field("text"):
            for docnum, weight in reader.postings("text", term).items_as("weight"):
                if docnum in zh:
                    indexed[term.decode("utf-8")] += int(weight)
    assert english == ["001"]
    assert counted == indexed


# ---------------------------------------------------------------------------------------------
# stats


def test_stats_counts_the_corpus_and_its_index(index_dir, handle):
    r = invoke("stats", "--json", index=index_dir)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["articles"] == 5 and data["pairs"] == 1
    assert data["by_lang"] == {"en": 1, "zh": 4}
    assert data["by_script"] == {"Hans": 2, "Hant": 2, "Latn": 1}
    assert data["by_year"] == {"2021": 1, "2022": 3, "2024": 1}
    assert data["chars"] == sum(len(handle.document(i).text) for i in handle.article_ids())
    with handle.articles.reader() as reader:
        assert data["tokens"] == handle.meta["tokens"] == reader.field_length("text")
        assert data["terms"] == len(list(reader.lexicon("text")))
    counts = [t["count"] for t in data["top_terms"]]
    assert len(counts) == 20 and counts == sorted(counts, reverse=True)
    assert {"快手", "电商"} <= {t["term"] for t in data["top_terms"]}
    assert data["index"]["bytes"] > 0 and Path(data["index"]["path"]) == handle.path
    table = invoke("stats", index=index_dir)
    assert "distinct terms" in table.stdout and "快手" in table.stdout
