"""Exchange formats for translators: TMX 1.4b and bitext out, TMX back in as a linked pair.

Oracles: the TMX 1.4b DTD (tests/data/tmx14.dtd, validated by lxml, a parser kscorpus does not
use), the paragraphs of the articles' cleaned text (``show --json``), hand-written TMX from
"another tool" with its expected text worked out by hand, and the XML 1.0 Char production
written out here from the standard.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from typer.testing import CliRunner

import kscorpus.cli.data  # noqa: F401  (registers export and import)
from kscorpus.cli.app import app
from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import CorpusError
from kscorpus.exchange.bitext import AlignedPair
from kscorpus.exchange.importer import import_tmx
from kscorpus.exchange.tmx import TmxWriter, read_tmx

etree = pytest.importorskip("lxml.etree")

runner = CliRunner()
DATA = Path(__file__).resolve().parent / "data"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HEADER_ATTRIBUTES = {  # the seven the DTD requires
    "creationtool",
    "creationtoolversion",
    "segtype",
    "o-tmf",
    "adminlang",
    "srclang",
    "datatype",
}

# Two translation pairs on something other than Kuaishou, written for these tests.
LIBRARY_ZH = (
    "市图书馆新馆周六开放\n"
    "新馆位于河东区,藏书超过120万册,是原馆的三倍。\n"
    "馆长王丽说,新馆每天开放到晚上10点。\n"
    "开馆第一天共有8,000名读者到访。\n"
)
LIBRARY_EN = (
    "City library opens its new building on Saturday\n"
    "The new building, in the Hedong district, holds more than 1.2 million books, three times "
    "as many as the old one.\n"
    "Wang Li, the director, said it will stay open until 10 pm every day.\n"
    "8,000 readers visited on the first day.\n"
)
RIVER_ZH = (
    "龙舟赛吸引两万名观众\n"
    "第十五届龙舟赛于6月3日在江边举行,共有24支队伍参赛。\n"
    "冠军队伍用时4分12秒。\n"
)
RIVER_EN = (
    "Dragon boat race draws 20,000 spectators\n"
    "The 15th dragon boat race was held on the riverside on June 3, with 24 teams taking part.\n"
    "The winning team finished in 4 minutes 12 seconds.\n"
)
# Text a scraper brings in: markup, entities, a CDATA end, quotes and control characters.
NASTY_ZH = (
    '标题:<script>alert("x&y")</script> 与 ]]> 以及 "引号" 和 \'单引号\'\n'
    "第二段有控制字符\x01在这里,还有\x0b竖直制表符。\n"
)
NASTY_EN = (
    'Title: <script>alert("x&y")</script> and ]]> and "quotes" and \'single\'\n'
    "The second paragraph has a control\x01character here, and a vertical\x0btab.\n"
)


def xml_char(c: str) -> bool:
    """XML 1.0 production [2]: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
    [#x10000-#x10FFFF]."""
    o = ord(c)
    return (
        o in (0x9, 0xA, 0xD)
        or 0x20 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        or 0x10000 <= o <= 0x10FFFF
    )


def kscorpus_paragraphs(text: str) -> list[str]:
    """The README's definition: paragraphs are the non-blank lines (ends: LF, CR, CRLF, U+2028,
    U+2029), trimmed of white space and format characters, in NFC."""

    def blank(c: str) -> bool:
        return c.isspace() or unicodedata.category(c) == "Cf"

    out = []
    for line in re.split("\r\n|[\n\r\u2028\u2029]", unicodedata.normalize("NFC", text)):
        while line and blank(line[0]):
            line = line[1:]
        while line and blank(line[-1]):
            line = line[:-1]
        if line:
            out.append(line)
    return out


def cli(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def make_corpus(root: Path, pairs: list[tuple[str, str]], tmp: Path) -> Path:
    """A corpus of translation pairs (Chinese added first, English as its translation)."""
    assert cli("init", str(root)).exit_code == 0
    for i, (zh, en) in enumerate(pairs):
        for lang, text in (("zh", zh), ("en", en)):
            f = tmp / f"src-{i}-{lang}.txt"
            f.write_text(text, encoding="utf-8")
            link = ["--translation-of", f"{2 * i:03d}"] if lang == "en" else []
            r = cli("add", str(f), "--lang", lang, *link, "--corpus", str(root), "--index",
                    str(root.parent / f"{root.name}-ix"))  # fmt: skip
            assert r.exit_code == 0, r.output
    return root


def index_of(root: Path) -> str:
    return str(root.parent / f"{root.name}-ix")


def export(root: Path, *args: str) -> str:
    r = cli("export", *args, "--corpus", str(root), "--index", index_of(root))
    assert r.exit_code == 0, r.output
    return r.stdout


def paragraphs(root: Path, aid: str) -> list[str]:
    """The oracle: an article's cleaned paragraphs, as ``show --json`` gives them."""
    r = cli("show", aid, "--json", "--corpus", str(root), "--index", index_of(root))
    assert r.exit_code == 0, r.output
    return [p["text"] for p in json.loads(r.stdout)["paragraphs"]]


def units(tmx: str) -> list[dict]:
    """Every <tu> as parsed by lxml: its props, and per language the props and seg text."""
    doc = etree.fromstring(tmx.encode("utf-8"))
    out = []
    for tu in doc.iter("tu"):
        unit = {"props": {p.get("type"): p.text for p in tu.findall("prop")}, "tuv": {}}
        for tuv in tu.findall("tuv"):
            props = {p.get("type"): p.text for p in tuv.findall("prop")}
            unit["tuv"][tuv.get(XML_LANG)] = props | {"seg": tuv.find("seg").text or ""}
        out.append(unit)
    return out


def validate(tmx: str) -> None:
    dtd = etree.DTD(str(DATA / "tmx14.dtd"))
    doc = etree.fromstring(tmx.encode("utf-8"))
    assert dtd.validate(doc), dtd.error_log.filter_from_errors()


@pytest.fixture(scope="module")
def validate_schema():
    """Errors of ``data`` against a schema of schemas/ (all loaded, for their references)."""
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    by_name = {s["$id"]: s for s in schemas}

    def check(name: str, data: object) -> list[str]:
        validator = Draft202012Validator(by_name[name], registry=registry)
        return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]

    return check


@pytest.fixture(scope="module")
def pairs_corpus(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("pairs")
    return make_corpus(tmp / "news", [(LIBRARY_ZH, LIBRARY_EN), (RIVER_ZH, RIVER_EN)], tmp)


# ---------------------------------------------------------------------------------------------
# TMX out


def test_tmx_of_the_bundled_corpus_validates_against_the_tmx_14b_dtd(index_dir):
    r = cli("export", "--format", "tmx", "--index", str(index_dir))
    assert r.exit_code == 0, r.output
    validate(r.stdout)
    doc = etree.fromstring(r.stdout.encode())
    header = doc.find("header")
    assert set(header.attrib) >= HEADER_ATTRIBUTES
    assert header.get("segtype") == "paragraph" and doc.get("version") == "1.4"
    assert header.get("srclang") == "*all*"  # 000 and 001 name each other: no original known
    assert all(tu.get("srclang") is None for tu in doc.iter("tu"))
    assert all(tuv.get(XML_LANG) in ("zh-CN", "en") for tuv in doc.iter("tuv"))
    assert "002, 003, 004" in r.stderr  # articles without a translation are named


def test_each_unit_holds_the_paragraphs_it_names(pairs_corpus):
    """Every paragraph of both articles is in exactly one unit, in order, and each seg is the
    article's paragraphs it names joined by a newline (oracle: show --json)."""
    tmx = export(pairs_corpus, "--format", "tmx")
    validate(tmx)
    found = units(tmx)
    assert {u["props"]["x-kscorpus-pair"] for u in found} == {"000 001", "002 003"}
    for pair in ("000 001", "002 003"):
        zh_id, en_id = pair.split()
        mine = [u for u in found if u["props"]["x-kscorpus-pair"] == pair]
        for tag, aid in (("zh-CN", zh_id), ("en", en_id)):
            paras = paragraphs(pairs_corpus, aid)
            seen: list[int] = []
            for u in mine:
                if tag not in u["tuv"]:
                    continue
                tuv = u["tuv"][tag]
                pnos = [int(x) for x in tuv["x-kscorpus-paragraphs"].split()]
                assert tuv["x-kscorpus-article"] == aid
                assert tuv["seg"] == "\n".join(paras[p] for p in pnos)
                seen += pnos
            assert seen == list(range(len(paras)))
        for u in mine:
            assert 0 <= float(u["props"]["x-kscorpus-confidence"]) <= 1
    titles = {u["tuv"]["en"]["x-kscorpus-title"] for u in found if "en" in u["tuv"]}
    assert titles == {LIBRARY_EN.split("\n")[0], RIVER_EN.split("\n")[0]}


def test_selection_ids_query_and_confidence(pairs_corpus):
    """--ids and --query pick pairs by either article; --min-confidence drops weaker links."""
    by_id = units(export(pairs_corpus, "--format", "tmx", "--ids", "003"))
    assert {u["props"]["x-kscorpus-pair"] for u in by_id} == {"002 003"}
    by_query = units(export(pairs_corpus, "--format", "tmx", "--query", "图书馆"))
    assert {u["props"]["x-kscorpus-pair"] for u in by_query} == {"000 001"}
    both = units(export(pairs_corpus, "--format", "tmx", "--ids", "000,001"))  # one pair, once
    assert [u["props"]["x-kscorpus-pair"] for u in both] == [
        u["props"]["x-kscorpus-pair"] for u in by_query
    ]
    english = units(export(pairs_corpus, "--format", "tmx", "--lang", "en"))
    assert [u["props"]["x-kscorpus-pair"] for u in english] == [
        u["props"]["x-kscorpus-pair"] for u in units(export(pairs_corpus, "--format", "tmx"))
    ]
    every = [json.loads(x) for x in export(pairs_corpus, "--format", "bitext").splitlines()]
    cut = sorted(r["confidence"] for r in every)[len(every) // 2]
    strong = export(pairs_corpus, "--format", "bitext", "--min-confidence", str(cut))
    assert [json.loads(x) for x in strong.splitlines()] == [
        r for r in every if r["confidence"] >= cut
    ]


def test_bitext_is_the_same_links_as_the_tmx(pairs_corpus, validate_schema):
    tmx = units(export(pairs_corpus, "--format", "tmx"))
    lines = [json.loads(x) for x in export(pairs_corpus, "--format", "bitext").splitlines()]
    assert len(lines) == len(tmx)
    for rec, u in zip(lines, tmx):
        assert validate_schema("bitext.schema.json", rec) == []
        assert u["props"]["x-kscorpus-pair"] == f"{rec['zh_id']} {rec['en_id']}"
        assert float(u["props"]["x-kscorpus-confidence"]) == rec["confidence"]
        for tag, lang in (("zh-CN", "zh"), ("en", "en")):
            assert u["tuv"].get(tag, {}).get("seg", "") == rec[lang]
            got = u["tuv"].get(tag, {}).get("x-kscorpus-paragraphs", "")
            assert got == " ".join(map(str, rec[f"{lang}_pnos"]))
        assert rec["source_lang"] == "zh"  # the English articles were added as translations
    assert validate_schema("bitext.schema.json", lines[0] | {"extra": 1})  # closed


def test_scraped_markup_and_control_characters_are_escaped(tmp_path):
    """<script>, &, ]]> and quotes come back as text through an XML parser; control
    characters XML 1.0 cannot hold become U+FFFD, and export says so."""
    root = make_corpus(tmp_path / "c", [(NASTY_ZH, NASTY_EN)], tmp_path)
    r = cli("export", "-f", "tmx", "--corpus", str(root), "--index", index_of(root))
    assert r.exit_code == 0, r.output
    validate(r.stdout)
    assert "U+FFFD" in r.stderr
    texts = [t for u in units(r.stdout) for tuv in u["tuv"].values() for t in [tuv["seg"]]]
    expected = [
        "".join(c if xml_char(c) else "\ufffd" for c in p)
        for aid in ("000", "001")
        for p in paragraphs(root, aid)
    ]
    assert sorted(texts) == sorted(expected)
    joined = "\n".join(texts)
    for s in ('<script>alert("x&y")</script>', "]]>", '"quotes"', "'single'", "\ufffd"):
        assert s in joined, s
    titles = {tuv["x-kscorpus-title"] for u in units(r.stdout) for tuv in u["tuv"].values()}
    assert 'Title: <script>alert("x&y")</script> and ]]> and "quotes" and \'single\'' in titles


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(), st.sampled_from(["zh", "en", None]))
def test_any_text_makes_valid_tmx_that_reads_back(zh, en, source):
    """Whatever the text, the TMX is valid and lxml reads back each seg as the text with the
    characters XML cannot hold as U+FFFD, each counted; kscorpus's reader gets the lines."""
    link = {"n": 0, "zh": zh, "en": en, "zh_pnos": [0], "en_pnos": [0], "confidence": 0.5}
    pair = AlignedPair({"id": "a", "title": "t"}, {"id": "b", "title": "t"}, source, [link])
    writer = TmxWriter()
    tmx = "".join(writer.render([pair]))
    validate(tmx)
    [u] = units(tmx)
    clean = {}
    for tag, lang, text in (("zh-CN", "zh", zh), ("en", "en", en)):
        clean[lang] = "".join(c if xml_char(c) else "\ufffd" for c in text)
        assert u["tuv"][tag]["seg"] == clean[lang]
    assert sum(writer.replaced.values()) == sum(not xml_char(c) for c in zh + en)
    lines = {k: kscorpus_paragraphs(v) for k, v in clean.items()}
    if lines["zh"] and lines["en"]:
        [back] = read_tmx("t.tmx", tmx.encode("utf-8"))
        assert (back.zh.paragraphs, back.en.paragraphs, back.source) == (
            lines["zh"],
            lines["en"],
            source or "zh",  # no srclang anywhere: Chinese is taken as the original
        )


# ---------------------------------------------------------------------------------------------
# TMX in


def test_round_trip_export_import_export_gives_the_same_pairs(tmp_path, pairs_corpus):
    """Into an empty corpus with the same glossary (none here): the imported articles have the
    original articles' paragraphs, are linked the same way round, and export the same units."""
    first = export(pairs_corpus, "--format", "tmx")
    src = tmp_path / "news.tmx"
    src.write_text(first, encoding="utf-8")
    copy = tmp_path / "copy"
    assert cli("init", str(copy)).exit_code == 0
    r = cli("import", str(src), "--corpus", str(copy), "--index", index_of(copy), "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert [(p["original"]["id"], p["translation"]["id"]) for p in report["pairs"]] == [
        ("000", "001"),
        ("002", "003"),
    ]
    for old in ("000", "001", "002", "003"):  # the same ids: both corpora were empty before
        assert paragraphs(copy, old) == paragraphs(pairs_corpus, old)
    manifest = {a.id: a for a in load_corpus(copy).articles}
    original = {a.id: a for a in load_corpus(pairs_corpus).articles}
    for aid, a in manifest.items():
        o = original[aid]
        assert (a.lang, a.title, a.translation_of) == (o.lang, o.title, o.translation_of)
    assert export(copy, "--format", "tmx") == first


def test_import_adds_to_a_corpus_under_new_ids(tmp_path, index_dir):
    """The bundled pair imported into a copy of the bundled corpus: a new pair, 005 ↔ 006,
    whose paragraphs are those of 000 and 001 (the TMX's text is already clean)."""
    tmx = cli("export", "-f", "tmx", "--index", str(index_dir)).stdout
    corpus = tmp_path / "c"
    shutil.copytree(CORPUS, corpus)
    # the cleaned text differs from the files (repairs), so it is no duplicate of 000/001
    r = runner.invoke(
        app,
        ["import", "-", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "--json"],
        input=tmx,
    )
    assert r.exit_code == 0, r.output
    [pair] = json.loads(r.stdout)["pairs"]
    # 000 and 001 name each other: no original is known, so Chinese is taken as it
    assert pair["original"]["lang"] == "zh" and pair["translation"]["translation_of"] == "005"
    assert (pair["original"]["id"], pair["translation"]["id"]) == ("005", "006")
    for new, old in (("005", "000"), ("006", "001")):
        got = runner.invoke(app, ["show", new, "--json", "--corpus", str(corpus),
                                  "--index", str(tmp_path / "ix")])  # fmt: skip
        want = runner.invoke(app, ["show", old, "--json", "--index", str(index_dir)])
        assert [p["text"] for p in json.loads(got.stdout)["paragraphs"]] == [
            p["text"] for p in json.loads(want.stdout)["paragraphs"]
        ]


FOREIGN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
    '<header creationtool="OtherTool" creationtoolversion="2" segtype="sentence" o-tmf="x"'
    ' adminlang="en-US" srclang="en-US" datatype="html"/>\n<body>\n'
    "<tu>\n"
    '  <tuv xml:lang="fr-FR"><seg>Bonjour le monde</seg></tuv>\n'
    '  <tuv xml:lang="en-US"><seg>Hello <bpt i="1">&lt;b&gt;</bpt>world'
    '<ept i="1">&lt;/b&gt;</ept>!</seg></tuv>\n'
    '  <tuv xml:lang="zh-TW"><seg>歡迎,<ph>&lt;br/&gt;</ph>這個世界!</seg></tuv>\n'
    "</tu>\n"
    "<tu>\n"
    '  <tuv lang="ZH-CN"><seg>第二句有<hi type="x-bold">重点</hi>和'
    '<it pos="begin">&lt;i&gt;</it>斜体。</seg></tuv>\n'
    '  <tuv lang="EN"><seg>The second sentence has <hi>emphasis</hi> and '
    '<it pos="begin">&lt;i&gt;</it>italics.</seg></tuv>\n'
    "</tu>\n"
    '<tu><tuv xml:lang="fr"><seg>Seulement en français</seg></tuv></tu>\n'
    "<tu>\n"
    '  <tuv xml:lang="en"><seg>  Two lines\n in one segment  </seg></tuv>\n'
    '  <tuv xml:lang="zh"><seg>一段里的两行</seg></tuv>\n'
    "</tu>\n"
    "</body>\n</tmx>\n"
)


def test_tmx_from_another_tool_is_one_pair(tmp_path):
    """srclang en-US makes English the original; tuvs in any order, deprecated ``lang``,
    other languages ignored; codes in <bpt>/<ept>/<ph>/<it> dropped, <hi> text kept; each
    line of a seg a paragraph (expected text worked out by hand)."""
    src = tmp_path / "other.tmx"
    src.write_text(FOREIGN, encoding="utf-8")
    [pair] = read_tmx(src)
    assert pair.source == "en" and pair.units == 3
    assert pair.en.paragraphs == [
        "Hello world!",
        "The second sentence has emphasis and italics.",
        "Two lines",
        "in one segment",
    ]
    assert pair.zh.paragraphs == ["歡迎,這個世界!", "第二句有重点和斜体。", "一段里的两行"]
    root = tmp_path / "c"
    assert cli("init", str(root)).exit_code == 0
    r = cli("import", str(src), "--corpus", str(root), "--index", index_of(root))
    assert r.exit_code == 0, r.output
    arts = {a.id: a for a in load_corpus(root).articles}
    assert arts["000"].lang == "en" and arts["001"].translation_of == "000"
    assert arts["001"].script == "Hant" and arts["000"].title == "Hello world!"
    assert paragraphs(root, "000") == pair.en.paragraphs
    show = cli("show", "001", "--lang", "en", "--corpus", str(root), "--index", index_of(root))
    assert show.exit_code == 0 and "Hello world!" in show.stdout  # linked as a pair


BOMB = (  # "billion laughs": eight levels of ten references, 10^8 characters
    '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a0 "aaaaaaaaaa">'
    + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 8))
    + ']><tmx><body><tu><tuv xml:lang="zh"><seg>&a7;</seg></tuv></tu></body></tmx>'
)
EXTERNAL = (  # an external entity must not be read
    '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]><tmx><body>'
    '<tu><tuv xml:lang="zh"><seg>&x;</seg></tuv><tuv xml:lang="en"><seg>a</seg></tuv></tu>'
    "</body></tmx>"
)


def bad_tmx_cases() -> list[tuple[str, str]]:
    return [
        (BOMB, "XML error: limit on input amplification factor"),
        (EXTERNAL, "XML error: undefined entity &x;"),
        ("<tmx><body><tu>", ":1:16: not a usable TMX file: XML error: no element found"),
        ('<?xml version="1.0"?><html><body/></html>', "its root element is <html>"),
        (
            FOREIGN.replace('xml:lang="zh-TW"', 'xml:lang="ja"')
            .replace('"ZH-CN"', '"ja"')
            .replace('xml:lang="zh"', 'xml:lang="ja"'),
            "no Chinese (zh) text",
        ),
        ('<tmx version="1.4"><header/><body/></tmx>', "no translation units"),
        (
            FOREIGN.replace(
                '<tuv xml:lang="en-US">',
                '<tuv xml:lang="en-US"><prop type="x-kscorpus-date">2022-13-01</prop>',
            ),
            "x-kscorpus-date '2022-13-01' (en): has no month 13",
        ),
    ]


@pytest.mark.parametrize(("text", "message"), bad_tmx_cases())
def test_bad_tmx_is_one_line_exit_4_and_changes_nothing(tmp_path, text, message):
    root = tmp_path / "c"
    assert cli("init", str(root)).exit_code == 0
    before = (root / "manifest.toml").read_bytes()
    src = tmp_path / "bad.tmx"
    src.write_text(text, encoding="utf-8")
    r = cli("import", str(src), "--corpus", str(root), "--index", index_of(root))
    assert r.exit_code == 4, r.output
    assert message in r.stderr and str(src) in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert (root / "manifest.toml").read_bytes() == before
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == ["manifest.toml"]


def test_a_refused_side_undoes_the_whole_import(tmp_path, pairs_corpus):
    """Importing a pair whose text is already there is refused whole: the manifest is as it
    was and no file is left behind, even when an earlier pair of the file was added."""
    root = tmp_path / "c"
    shutil.copytree(pairs_corpus, root)
    shutil.copytree(Path(index_of(pairs_corpus)), Path(index_of(root)))
    tmx = export(pairs_corpus, "--format", "tmx")
    # a first pair that is new, then the corpus's own pair 002/003 again
    fresh = tmx.replace("市图书馆", "区图书馆").replace("City library", "District library")
    src = tmp_path / "again.tmx"
    src.write_text(fresh, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    r = cli("import", str(src), "--corpus", str(root), "--index", index_of(root))
    assert r.exit_code == 4, r.output
    assert "pair 2" in r.stderr and "already in the corpus" in r.stderr
    assert "nothing was imported" in r.stderr
    after = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    assert after == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--into", "x"], "not --into"),
        (["--force"], "not --into/--force"),
        ([], "say which with --corpus DIR"),  # never into the bundled corpus by default
    ],
)
def test_tmx_import_options(tmp_path, monkeypatch, args, message):
    monkeypatch.delenv("KSCORPUS_CORPUS", raising=False)
    src = tmp_path / "a.tmx"
    src.write_text(FOREIGN, encoding="utf-8")
    r = cli("import", str(src), *args)
    assert r.exit_code == 2 and message in r.stderr


def test_an_export_still_needs_into(tmp_path, index_dir, monkeypatch):
    src = tmp_path / "e.jsonl"
    src.write_text(cli("export", "--index", str(index_dir)).stdout, encoding="utf-8")
    r = cli("import", str(src))
    assert r.exit_code == 2 and "needs --into DIR" in r.stderr
    r = cli("import", str(src), "--into", str(tmp_path / "x"), "--corpus", str(tmp_path))
    assert r.exit_code == 2 and "--corpus goes with a TMX import" in r.stderr
    monkeypatch.setenv("KSCORPUS_CORPUS", str(tmp_path / "elsewhere"))  # set in a shell
    monkeypatch.setenv("KSCORPUS_INDEX", str(tmp_path / "ix"))
    r = cli("import", str(src), "--into", str(tmp_path / "y"))
    assert r.exit_code == 0, r.output


def test_pair_options_go_with_pair_formats(index_dir):
    r = cli("export", "-f", "jsonl", "--min-confidence", "0.5", "--index", str(index_dir))
    assert r.exit_code == 2 and "--min-confidence goes with" in r.stderr
    r = cli("export", "-f", "tmx", "--tokens", "--index", str(index_dir))
    assert r.exit_code == 2 and "--tokens goes with article formats" in r.stderr


def test_json_outputs_match_their_schemas(tmp_path, pairs_corpus, validate_schema):
    out = tmp_path / "x.tmx"
    r = cli("export", "-f", "tmx", "--out", str(out), "--json", "--corpus", str(pairs_corpus),
            "--index", index_of(pairs_corpus))  # fmt: skip
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert validate_schema("export-summary.schema.json", summary) == []
    assert (summary["format"], summary["pairs"], summary["articles"]) == ("tmx", 2, 4)
    assert summary["links"] == len(units(out.read_text(encoding="utf-8")))
    root = tmp_path / "c"
    assert cli("init", str(root)).exit_code == 0
    r = cli("import", str(out), "--corpus", str(root), "--index", index_of(root), "--json")
    data = json.loads(r.stdout)
    assert validate_schema("import-tmx.schema.json", data) == []
    assert (data["updated"], data["articles"]) == (4, 4)
    assert validate_schema("import-tmx.schema.json", data | {"extra": 1})  # closed


# ---------------------------------------------------------------------------------------------
# Sequences of imports (library level: the corpus files, no index)

SENTENCES = [
    ("港口货运量增长{n}%。", "Port freight grew {n}%."),
    ("新桥将于{n}月通车。", "The new bridge opens in month {n}."),
    ("博物馆收到{n}件捐赠。", "The museum received {n} donations."),
    ("雨季提前了{n}天。", "The rainy season came {n} days early."),
]


def pair_tmx(specs: list[tuple[int, int, str]]) -> bytes:
    """A kscorpus TMX of one pair per spec (seed, paragraphs, original language); the same
    seed gives the same text, so importing it twice is a duplicate."""
    pairs = []
    for k, (seed, n, source) in enumerate(specs):
        rows = [SENTENCES[(seed + i) % len(SENTENCES)] for i in range(n)]
        zh = [z.format(n=seed * 10 + i) for i, (z, _) in enumerate(rows)]
        en = [e.format(n=seed * 10 + i) for i, (_, e) in enumerate(rows)]
        links = [
            {"n": i, "zh": z, "en": e, "zh_pnos": [i], "en_pnos": [i], "confidence": 1.0}
            for i, (z, e) in enumerate(zip(zh, en))
        ]
        ids = {"id": f"z{k}", "title": f"T{seed}"}, {"id": f"e{k}", "title": f"E{seed}"}
        pairs.append(AlignedPair(*ids, source, links))
    return "".join(TmxWriter().render(pairs)).encode("utf-8")


class TmxImportMachine(RuleBasedStateMachine):
    """The model: the pairs imported so far, by the texts of their two articles. After every
    import, refused or not, the corpus holds exactly the model's articles, each pair linked
    original ← translation, and a refused import has left every file as it was."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="kscorpus-tmx-state-"))
        self.root = self.tmp / "corpus"
        self.root.mkdir()
        self.model: list[tuple[str, list[str], list[str]]] = []  # (original lang, zh, en)
        self.seen: set[tuple[int, int]] = set()

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in self.root.iterdir() if p.is_file()}

    @rule(
        specs=st.lists(
            st.tuples(st.integers(0, 6), st.integers(1, 3), st.sampled_from(["zh", "en"])),
            min_size=1,
            max_size=3,
        )
    )
    def import_file(self, specs: list[tuple[int, int, str]]) -> None:
        src = self.tmp / "in.tmx"
        src.write_bytes(pair_tmx(specs))
        before = self.files()
        texts = [(seed, n) for seed, n, _ in specs]  # they decide the text
        duplicate = bool(set(texts) & self.seen) or len(set(texts)) < len(texts)
        try:
            done = import_tmx(src, self.root)
        except CorpusError as e:
            assert duplicate, e
            assert "already in the corpus" in str(e) or "added just before" in str(e)
            assert self.files() == before
            return
        assert not duplicate
        self.seen |= set(texts)
        for d, pair in zip(done, read_tmx(src)):
            self.model.append((d.original.lang, pair.zh.paragraphs, pair.en.paragraphs))

    @invariant()
    def corpus_is_the_model(self) -> None:
        if not (self.root / "manifest.toml").exists():
            assert not self.model
            return
        corpus = load_corpus(self.root)
        arts = corpus.articles
        assert len(arts) == 2 * len(self.model)
        for (source, zh, en), (a, b) in zip(self.model, zip(arts[::2], arts[1::2])):
            assert (a.lang, b.lang) == (source, "en" if source == "zh" else "zh")
            assert b.translation_of == a.id and not a.translation_of
            texts = {a.lang: a, b.lang: b}
            for lang, paras in (("zh", zh), ("en", en)):
                got = corpus.read_bytes(texts[lang]).decode("utf-8")
                assert kscorpus_paragraphs(got) == paras


TmxImportMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=6, deadline=None)
TestTmxImportMachine = TmxImportMachine.TestCase


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=300),
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=4),
    st.one_of(st.sampled_from(["zh", "ZH-tw", "zh_Hans", "zh-"]), st.text(max_size=8)),
)
def test_any_input_is_read_or_refused_in_one_line(data, props, lang):
    """Random bytes, and TMX with random props and language tags: pairs or a CorpusError,
    never another exception."""
    from xml.sax.saxutils import escape, quoteattr

    prop = "".join(f"<prop type={quoteattr(t)}>{escape(v)}</prop>" for t, v in props)
    tmx = (
        f'<tmx version="1.4"><header srclang={quoteattr(lang)}/><body>'
        f"<tu srclang={quoteattr(lang)}>"
        f"{prop}<tuv xml:lang={quoteattr(lang)}>{prop}<seg>a</seg></tuv>"
        f'<tuv xml:lang="en">{prop}<seg>b</seg></tuv></tu></body></tmx>'
    )
    for source in (data, tmx.encode("utf-8", "surrogatepass")):
        try:
            pairs = read_tmx("t.tmx", source)
        except CorpusError as e:
            assert "\n" not in str(e)
        else:
            assert all(p.zh.paragraphs and p.en.paragraphs for p in pairs)


NEWS = Path(__file__).resolve().parent / "data" / "news_pairs"


def test_news_pairs_outside_the_glossary_round_trip(tmp_path):
    """Real translation pairs on politics (Chinese in Traditional) and the environment (a
    translator's note), English the original: valid TMX, every paragraph in one unit,
    Traditional written as Simplified zh-CN, and export → import → export gives the same."""
    root = tmp_path / "news"
    assert cli("init", str(root)).exit_code == 0
    ix = ["--corpus", str(root), "--index", index_of(root)]
    for n, (en, zh) in enumerate((("03_en.txt", "03_zh.txt"), ("12_en.txt", "12_zh.txt"))):
        assert cli("add", str(NEWS / en), "--lang", "en", *ix).exit_code == 0
        r = cli("add", str(NEWS / zh), "--lang", "zh", "--translation-of", f"{2 * n:03d}", *ix)
        assert r.exit_code == 0, r.output
    tmx = export(root, "--format", "tmx")
    validate(tmx)
    doc = etree.fromstring(tmx.encode("utf-8"))
    assert doc.find("header").get("srclang") == "en"
    found = units(tmx)
    for en_id, zh_id in (("000", "001"), ("002", "003")):
        mine = [u for u in found if u["props"]["x-kscorpus-pair"] == f"{zh_id} {en_id}"]
        for tag, aid in (("zh-CN", zh_id), ("en", en_id)):
            paras = paragraphs(root, aid)
            segs = [u["tuv"][tag]["seg"] for u in mine if tag in u["tuv"]]
            assert "\n".join(segs) == "\n".join(paras)  # all of them, in order, once
    zh_segs = "".join(u["tuv"]["zh-CN"]["seg"] for u in found if "zh-CN" in u["tuv"])
    assert "芬兰政府" in zh_segs and "芬蘭" not in zh_segs  # the text is in Simplified
    src = tmp_path / "news.tmx"
    src.write_text(tmx, encoding="utf-8")
    copy = tmp_path / "copy"
    assert cli("init", str(copy)).exit_code == 0
    r = cli("import", str(src), "--corpus", str(copy), "--index", index_of(copy))
    assert r.exit_code == 0, r.output
    assert export(copy, "--format", "tmx") == tmx
