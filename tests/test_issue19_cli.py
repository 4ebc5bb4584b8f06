"""Issue 19 through the CLI, on corpora made for each test: no paragraph lost to cleaning,
UTF-16/32 files read, whitespace-only files refused, and bad option values refused (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kscorpus.cli.app import app

runner = CliRunner()

ENTRY = """
[[article]]
id = "{id}"
file = "{file}"
lang = "{lang}"
script = "{script}"
title = "T{id}"
event = "E"
date = "2022-05-13"
place = "Beijing"
"""


def make_corpus(root: Path, articles: dict[str, tuple[str, bytes]]) -> Path:
    """A corpus directory of ``id -> (lang, file bytes)``."""
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for aid, (lang, data) in articles.items():
        name = f"{aid}_x.txt"
        (root / name).write_bytes(data)
        script = "Hans" if lang == "zh" else "Latn"
        entries.append(ENTRY.format(id=aid, file=name, lang=lang, script=script))
    (root / "manifest.toml").write_text("".join(entries), encoding="utf-8")
    return root


def cli(*args: str, corpus: Path) -> object:
    return runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(corpus / "ix")])


PARA = "This paragraph about the Gravity Conference is repeated back to back by the scraper."


@pytest.mark.parametrize("copies", [2, 3])
def test_back_to_back_repeats_keep_one_copy_in_show_and_search(tmp_path, copies):
    text = "\n\n".join(["Title line", *[PARA] * copies, "Closing paragraph."]) + "\n"
    corpus = make_corpus(tmp_path / "c", {"000": ("en", text.encode())})
    assert cli("ingest", corpus=corpus).exit_code == 0
    shown = json.loads(cli("show", "000", "--json", corpus=corpus).stdout)
    assert [p["text"] for p in shown["paragraphs"]] == ["Title line", PARA, "Closing paragraph."]
    found = json.loads(cli("search", "scraper", "--json", corpus=corpus).stdout)
    assert [h["id"] for h in found["hits"]] == ["000"]


def test_teaser_then_its_paragraph_keeps_the_paragraph(tmp_path):
    zh = "5月13日,快手电商在北京召开2022年引力大会,主题为新市场电商信任铸就新红利。"
    text = f"标题\n\n核心提示{zh[:25]}\n\n{zh}\n"
    corpus = make_corpus(tmp_path / "c", {"000": ("zh", text.encode())})
    assert cli("ingest", corpus=corpus).exit_code == 0
    shown = json.loads(cli("show", "000", "--json", corpus=corpus).stdout)
    assert [p["text"] for p in shown["paragraphs"]] == ["标题", zh]
    assert [r["kind"] for r in shown["repairs"]] == ["duplicate"]


ZH = "快手电商在北京举办引力大会。\r\n第二段说信任电商。\r\n"


@pytest.mark.parametrize(
    ("enc", "bom"),
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-32-be", b"\x00\x00\xfe\xff"),
    ],
)
def test_utf16_and_utf32_files_with_a_bom_are_ingested(tmp_path, enc, bom):
    corpus = make_corpus(tmp_path / "c", {"000": ("zh", bom + ZH.encode(enc))})
    r = cli("ingest", corpus=corpus)
    assert r.exit_code == 0, r.output
    shown = json.loads(cli("show", "000", "--json", corpus=corpus).stdout)
    assert [p["text"] for p in shown["paragraphs"]] == [
        "快手电商在北京举办引力大会。",
        "第二段说信任电商。",
    ]
    found = json.loads(cli("search", "信任电商", "--json", corpus=corpus).stdout)
    assert [h["id"] for h in found["hits"]] == ["000"]


def test_utf16_without_a_bom_is_refused_in_one_line(tmp_path):
    corpus = make_corpus(
        tmp_path / "c",
        {"000": ("zh", ZH.encode("utf-16-le")), "001": ("en", b"An English article.\n")},
    )
    r = cli("ingest", corpus=corpus)
    assert r.exit_code == 4
    [line] = [ln for ln in r.stderr.splitlines() if "000_x.txt" in ln]
    assert "UTF-16 (little-endian) text without a byte-order mark" in line
    assert line.endswith("save it as UTF-8") and "Traceback" not in r.output
    r = runner.invoke(app, ["add", str(corpus / "000_x.txt"), "--corpus", str(corpus)])
    assert r.exit_code == 4 and "Traceback" not in r.output
    [line] = [ln for ln in r.stderr.splitlines() if "000_x.txt" in ln]  # a line for the file
    assert line.endswith("save it as UTF-8")


@pytest.mark.parametrize("blank", ["\u3000\u3000\n", "\u00a0\n\u2028\n", "\u200b\ufeff\n", " \t"])
def test_files_of_only_white_space_count_as_empty(tmp_path, blank):
    corpus = make_corpus(
        tmp_path / "c",
        {"000": ("zh", blank.encode()), "001": ("en", b"An English article.\n")},
    )
    r = cli("ingest", corpus=corpus)
    assert r.exit_code == 4
    assert "skipped 000:" in r.stderr and "empty or only white space" in r.stderr
    assert cli("show", "000", corpus=corpus).exit_code == 3


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["search", "x", "-n", "0"], "--limit"),
        (["search", "x", "--limit", "-3"], "--limit"),
        (["search", "x", "--lang", "both"], "--lang must be zh or en"),
        (["search", "x", "--since", "2021-13"], "--since '2021-13'"),
        (["search", "x", "--script", "Cyrl"], "--script"),
        (["kwic", "电商", "--width", "0"], "--width"),
        (["kwic", "电商", "-w", "-5"], "--width"),
        (["kwic", "电商", "-n", "0"], "--limit"),
        (["kwic", "电商", "--sort", "up"], "--sort"),
        (["kwic", "电商", "--lang", "fr"], "--lang"),
        (["kwic", "电商", "--until", "2021-02-30"], "--until '2021-02-30'"),
        (["keywords", "000", "-n", "0"], "--limit"),
        (["keywords", "000", "--top", "-1"], "--top"),
        (["similar", "000", "-n", "0"], "--limit"),
        (["export", "--format", "xml"], "--format"),
        (["export", "--since", "2021-13-01"], "--since"),
        (["show", "000", "--lang", "fr"], "--lang must be one of zh, en, both, not 'fr'"),
    ],
)
def test_bad_option_values_exit_2_before_any_index_work(tmp_path, args, names):
    corpus = make_corpus(tmp_path / "c", {"000": ("en", b"An English article.\n")})
    r = cli(*args, corpus=corpus)
    assert r.exit_code == 2, r.output
    assert names in r.stderr and r.stdout == "" and "Traceback" not in r.output
    assert not (corpus / "ix").exists()  # refused before the index was built


def test_show_lang_accepts_each_value_it_names(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"000": ("en", b"An English article.\n")})
    assert cli("show", "000", "--lang", "en", corpus=corpus).exit_code == 0
    r = cli("show", "000", "--lang", "zh", corpus=corpus)
    assert r.exit_code == 3  # a valid value: no Chinese version, not a usage error
    r = cli("show", "000", "--lang", "both", corpus=corpus)
    assert r.exit_code == 3, r.output  # valid too: not a translation pair
