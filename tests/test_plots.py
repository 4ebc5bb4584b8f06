"""dispersion and trend: their statistics against hand-worked and published values, their counts
against kwic and a brute force over the cleaned text, the charts (terminal and SVG), and the
commands through the CLI runner."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from rich.console import Console
from typer.testing import CliRunner

from kscorpus.charts import Series, Strip, terminal
from kscorpus.charts import svg as charts_svg
from kscorpus.cli.app import app
from kscorpus.cli.plots import _print_lines
from kscorpus.corpus.manifest import load_corpus
from kscorpus.errors import QueryError
from kscorpus.index.analysis import count_tokens
from kscorpus.index.store import build, open_index
from kscorpus.query.filters import Filters
from kscorpus.study.dispersion import dispersion, gries_dp, juilland_d
from kscorpus.study.kwic import kwic
from kscorpus.study.occurrences import find
from kscorpus.study.trend import trend

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SVG = "{http://www.w3.org/2000/svg}"
runner = CliRunner()

# A corpus of the user's own, about something else, written for these tests: dates over three
# years (months apart, one year only, one undated), Traditional text, a term jieba cuts apart
# (假一赔九 inside 如假一赔九), overlapping repeats (哈哈哈), English words with stop words and
# inside an address.
ARTICLES = [
    ("a1", "zh", "Hans", "2019-03-02", "咖啡馆开张",
     "咖啡馆开张了。哈哈哈，咖啡很香。\n如假一赔九，咖啡馆老板说。"),
    ("a2", "zh", "Hant", "2019-11", "咖啡與茶", "咖啡館的咖啡與茶。\n我們喝咖啡，也喝茶。咖啡！"),
    ("a3", "en", "Latn", "2021-01-15", "Coffee shops",
     "Coffee shops open early. The coffee is hot.\nA shop of the coffee trade sells coffee beans. "
     "See www.coffee.com."),
    ("a4", "zh", "Hans", "2021", "茶馆", "茶馆没有咖啡。哈哈。\n茶，茶，茶。"),
    ("a5", "zh", "Hans", None, "无日期", "这里提到咖啡一次，咖啡馆一次。"),
    ("a6", "zh", "Hans", "2021-02-01", "长文", "茶" * 40 + "咖啡" + "茶" * 40 + "\n" + "哈" * 7),
]  # fmt: skip


def _manifest(rows: list[tuple]) -> str:
    out = []
    for aid, lang, script, date, title, _ in rows:
        out.append("[[article]]")
        out += [f'id = "{aid}"', f'file = "{aid}.txt"', f'lang = "{lang}"']
        out += [f'script = "{script}"', f'title = "{title}"']
        if date:
            out.append(f'date = "{date}"')
        out.append("")
    return "\n".join(out)


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("own")
    corpus = root / "coffee"
    corpus.mkdir()
    for aid, *_, text in ARTICLES:
        (corpus / f"{aid}.txt").write_text(text + "\n", encoding="utf-8")
    (corpus / "manifest.toml").write_text(_manifest(ARTICLES), encoding="utf-8")
    build(load_corpus(corpus), root / "ix")
    return corpus, root / "ix"


@pytest.fixture(scope="module")
def own_handle(own):
    return open_index(own[1])


def cli(*args: str, index: Path, corpus: Path | None = None, code: int = 0, env=None):
    extra = ["--index", str(index)] + (["--corpus", str(corpus)] if corpus else [])
    r = runner.invoke(app, [*args, *extra], env=env)
    assert r.exit_code == code, r.output
    return r


# ------------------------------------------------------------------------------------------
# The statistics, against values worked out by hand and published ones


def test_juilland_d_of_gries_2008_example_corpus():
    """Gries (2008: 406), the corpus of 50 tokens in five parts of ten: 'a' occurs 1, 2, 3, 4
    and 5 times. By hand: mean 3, population sd √2, V = √2/3, D = 1 − V/√4 = 0.76430."""
    corpus = "b a m n i b e u p k | b a s a t b e w q n | b c a g a b e s t a | b a g h a b e a a t | b a h a a b e a x a"  # noqa: E501
    parts = [p.split() for p in corpus.split("|")]
    freqs = [p.count("a") for p in parts]
    assert freqs == [1, 2, 3, 4, 5]
    d = juilland_d(freqs, [len(p) for p in parts])
    assert d == pytest.approx(1 - (math.sqrt(2) / 3) / 2)
    assert round(d, 4) == 0.7643
    # DP by hand: shares 1/15 … 5/15 against 1/5 each: (2+1+0+1+2)/15 / 2 = 0.2
    assert gries_dp(freqs, [10] * 5) == pytest.approx(0.2)


def test_juilland_d_of_carrolls_published_example():
    """Carroll (1970), "An alternative to Juilland's usage coefficient", p. 14: frequencies
    0, 4, 3, 2, 1 in five equal parts give D = 0.6464."""
    assert round(juilland_d([0, 4, 3, 2, 1]), 4) == 0.6464


def test_juilland_d_bounds_and_unequal_parts():
    assert juilland_d([3, 3, 3]) == pytest.approx(1.0)
    assert juilland_d([0, 0, 9]) == pytest.approx(0.0, abs=1e-12)  # all in one part
    assert juilland_d([2, 4], [100, 200]) == pytest.approx(1.0)  # the same rate in both
    # rates 0.01 and 0.03: mean 0.02, sd 0.01, V 0.5, D = 1 − 0.5/1
    assert juilland_d([1, 6], [100, 200]) == pytest.approx(0.5)
    assert juilland_d([5]) is None  # one part: undefined
    assert juilland_d([0, 0]) is None  # no occurrence: undefined
    with pytest.raises(ValueError):
        juilland_d([1, 2], [1])


def test_dp_by_hand_and_lijffijt_gries_2012():
    """Lijffijt & Gries (2012: 148) correct DP's normalization with 2, 1, 0 in three equal
    parts as the example: DP = (1/3 + 0 + 1/3) / 2 = 1/3, normalized DP/(1 − 1/3) = 0.5."""
    dp = gries_dp([2, 1, 0], [1, 1, 1])
    assert dp == pytest.approx(1 / 3)
    assert dp / (1 - 1 / 3) == pytest.approx(0.5)
    assert gries_dp([1, 0], [1, 3]) == pytest.approx(0.75)  # |1 − .25| + |0 − .75|, halved
    assert gries_dp([1, 3], [1, 3]) == pytest.approx(0.0)
    assert gries_dp([0, 0], [1, 1]) is None


# ------------------------------------------------------------------------------------------
# The occurrences are kwic's; trend counts are a brute force's


def _kwic_spans(handle, term: str, filters: Filters | None = None) -> list[tuple[str, int, int]]:
    return sorted((ln.id, ln.start, ln.end) for ln in kwic(handle, term, filters=filters).lines)


def _spans(occ) -> list[tuple[str, int, int]]:
    return sorted((aid, s, e) for aid, spans in occ.spans.items() for s, e in spans)


@pytest.mark.parametrize(
    "term",
    ["快品牌", "信任電商", "假一赔九", "电商", "手电", "快", "引力大会", "e-commerce", "GMV",
     "2022年", "brand", "service providers", "the", "ROI(投资回报率)", "zyxwvut", "磁力引擎"],
)  # fmt: skip
def test_hits_are_kwics_occurrences_on_the_bundled_corpus(handle, term):
    occ = find(handle, term)
    assert _spans(occ) == _kwic_spans(handle, term)
    assert occ.method == (
        "characters" if re.fullmatch(r"[\u4e00-\u9fff]+", occ.normalized) else "text"
    )


def test_hits_leave_out_a_deleted_article(updated_index):
    h = open_index(updated_index)
    try:
        for term in ("信任电商", "快手主播", "e-commerce"):
            assert _spans(find(h, term)) == _kwic_spans(h, term)
    finally:
        h.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(term=st.text(alphabet="咖啡馆茶哈假一赔九如館與", min_size=1, max_size=4))
def test_hits_are_kwics_occurrences_for_any_han_string(own_handle, term):
    """Any string of these characters, a word or not, overlapping itself or not (哈哈 in
    哈哈哈哈哈哈哈), Traditional or not, is found where kwic finds it."""
    assert _spans(find(own_handle, term)) == _kwic_spans(own_handle, term)


def test_hits_of_english_and_mixed_terms_in_a_users_corpus(own_handle):
    for term in ("coffee", "Coffee shops", "the coffee", "shop", "coffee beans", "咖啡 coffee"):
        assert _spans(find(own_handle, term)) == _kwic_spans(own_handle, term), term


def test_dispersion_by_hand_on_a_users_corpus(own_handle):
    """哈哈 in a1 (哈哈哈: once), a4 (哈哈: once), a6 (7 × 哈: three times, as re.finditer)."""
    d = dispersion(own_handle, "哈哈", Filters(lang="zh"))
    assert [(a.id, len(a.spans)) for a in d.articles] == [("a1", 1), ("a4", 1), ("a6", 3)]
    assert (d.total, d.range, d.parts) == (5, 3, 5)
    metas = {a["id"]: a for a in own_handle.articles_meta()}
    ids = ["a1", "a2", "a4", "a5", "a6"]
    freqs, sizes = [1, 0, 1, 0, 3], [metas[i]["tokens"] for i in ids]
    rates = [f / s for f, s in zip(freqs, sizes)]
    mean = sum(rates) / 5
    sd = math.sqrt(sum((r - mean) ** 2 for r in rates) / 5)
    assert d.juilland_d == pytest.approx(1 - sd / mean / 2)
    a6 = d.articles[2]
    text = own_handle.document("a6").text
    assert [text[s:e] for s, e in a6.spans] == ["哈哈"] * 3
    assert a6.positions == [s / len(text) for s, _ in a6.spans]


def _brute_count(text: str, term: str) -> int:
    """Occurrences of ``term`` by plain str.count (non-overlapping, left to right), or for an
    English word, whole words compared lower-cased (no stemming in these tests' terms)."""
    if re.search(r"[\u4e00-\u9fff]", term):
        return text.count(term)
    return len(re.findall(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE))


def test_trend_counts_and_rates_against_a_brute_force(own, own_handle):
    terms = ["咖啡", "茶", "coffee"]
    corpus = load_corpus(own[0])
    texts = {a: own_handle.document(a).text for a in own_handle.article_ids()}
    # the denominators recomputed by segmenting the cleaned text again (the index stores them)
    tokens = {a: count_tokens(t, corpus.userdict) for a, t in texts.items()}
    dates = {aid: date for aid, _, _, date, _, _ in ARTICLES}
    for by, width in (("year", 4), ("month", 7)):
        res = trend(own_handle, terms, by=by)
        got = {p.period: p for p in res.periods}
        for period, p in got.items():
            ids = [
                a
                for a in texts
                if dates[a] and len(dates[a]) >= width and dates[a][:width] == period
            ]
            assert p.articles == len(ids)
            assert p.tokens == sum(tokens[a] for a in ids)
            for k, term in enumerate(terms):
                n = sum(_brute_count(texts[a], term) for a in ids)
                assert p.counts[k] == n, (by, period, term)
                assert p.per_million[k] == (pytest.approx(n / p.tokens * 1e6) if ids else None)
        apart = {p.period: p.articles for p in res.apart}
        assert apart == ({"no date": 1} if by == "year" else {"no date": 1, "year only": 1})
    years = [p.period for p in trend(own_handle, ["茶"]).periods]
    assert years == ["2019", "2020", "2021"]  # 2020 has no article and is still a period
    months = [p.period for p in trend(own_handle, ["茶"], by="month").periods]
    assert months[0] == "2019-03" and months[-1] == "2021-02" and len(months) == 24


def test_trend_rejects_bad_input(own_handle):
    with pytest.raises(QueryError, match="--by"):
        trend(own_handle, ["茶"], by="week")
    with pytest.raises(QueryError, match="same term"):
        trend(own_handle, ["咖啡", "咖啡"])
    with pytest.raises(QueryError, match="at most"):
        trend(own_handle, [str(i) for i in range(8)])
    with pytest.raises(QueryError, match="empty"):
        find(own_handle, "  ")


# ------------------------------------------------------------------------------------------
# The charts


def test_strip_ticks_fall_in_the_half_cell_of_their_position():
    # width 10 → 20 half-cells: 0 → cell 0 left, 0.26 → half 5 (cell 2 right), 0.999 → last
    (row, scale) = terminal.strips([Strip("x", (0.0, 0.26, 0.999), "3")], width=10)
    track = terminal.plain(row).split("│")[1]
    assert track == "▌─▐──────▐"
    assert terminal.plain(row).endswith(" 3") and "start" in terminal.plain(scale)


def test_bars_are_proportional_to_an_eighth_of_a_cell():
    rows = terminal.bars(["a", "b", "c", "d"], [8.0, 4.0, 1.0, None], width=4)
    bars = [terminal.plain(r).split("│")[1] for r in rows]
    assert bars[0].startswith("████ ") and bars[1].startswith("██ ")
    assert bars[2].startswith("▌ ")  # 1/8 of 4 cells = half a cell
    assert "no articles" in bars[3]


def test_line_chart_has_a_marker_per_value_and_a_gap_for_none():
    rows = terminal.lines(["1", "2", "3"], [Series("s", (0.0, None, 10.0))], height=5, width=30)
    text = "\n".join(terminal.plain(r) for r in rows)
    assert text.count("●") == 3  # two values, and the legend
    assert "·" not in text  # no line across the gap
    top_row, bottom_row = terminal.plain(rows[0]), terminal.plain(rows[4])
    assert top_row.strip().startswith("10") and top_row.rstrip().endswith("●")
    assert "●" in bottom_row


def _svg_root(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))  # well-formed, or this raises


def test_svg_escapes_text_and_draws_one_bar_per_period_with_articles():
    doc = charts_svg.bars_svg(
        ["2020", "<b>", "2022"], [3.0, None, 0.0], "<script>alert(1)</script>", "per million"
    )
    root = _svg_root(doc)
    assert "<script" not in doc and root.find(f".//{SVG}script") is None
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"
    rects = root.findall(f".//{SVG}rect")
    assert len([r for r in rects if r.get("class") == "bar"]) == 2
    assert len([r for r in rects if r.get("class") == "gap"]) == 1


def test_svg_strips_and_lines_are_well_formed():
    root = _svg_root(charts_svg.strips_svg([Strip("甲 & <乙>", (0.1, 0.5), "2")], "t"))
    assert len([e for e in root.iter(f"{SVG}line") if e.get("class") == "hit"]) == 2
    root = _svg_root(
        charts_svg.lines_svg(
            ["a", "b", "c"], [Series("x", (1, 2, None)), Series("y", (None, 1, 2))], "t", "u"
        )
    )
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}circle")) == 4


def test_terminal_lines_are_plain_without_colour():
    lines = terminal.bars(["a"], [1.0], width=5)
    for console, coloured in (
        (Console(file=io.StringIO(), force_terminal=True, color_system="truecolor"), True),
        (Console(file=io.StringIO(), force_terminal=True, no_color=True), False),
        (Console(file=io.StringIO(), force_terminal=False), False),
    ):
        _print_lines(lines, console)
        out = console.file.getvalue()
        assert ("\x1b[" in out) is coloured
        assert "█████" in out


# ------------------------------------------------------------------------------------------
# Through the CLI


def test_dispersion_cli_on_the_bundled_corpus(index_dir):
    out = cli("dispersion", "快品牌", "--lang", "zh", index=index_dir).stdout
    head, *rows = out.splitlines()
    assert head.startswith("快品牌: 8 hits in 2 of 4 articles") and "Juilland's D" in head
    assert rows[0].startswith("000 ") and rows[0].rstrip().endswith("│ 6")
    assert rows[1].startswith("003 ") and rows[1].rstrip().endswith("│ 2")
    assert "\x1b[" not in out  # piped: plain


def test_colour_only_on_a_terminal_without_no_color(index_dir):
    coloured = cli("trend", "快品牌", index=index_dir, env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert "\x1b[" in coloured.stdout
    plain = cli("trend", "快品牌", index=index_dir, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout and "█" in plain.stdout


def test_dispersion_json_offsets_are_the_cleaned_texts(index_dir, handle):
    data = json.loads(cli("dispersion", "信任電商", "--json", index=index_dir).stdout)
    assert data["normalized"] == "信任电商" and data["total"] == 9
    for a in data["articles"]:
        text = handle.document(a["id"]).text
        assert [text[h["start"] : h["end"]] for h in a["hits"]] == ["信任电商"] * a["count"]


def test_trend_cli_one_term_bars_several_lines_and_csv(own):
    corpus, ix = own
    out = cli("trend", "咖啡", index=ix, corpus=corpus)
    assert [ln.split()[0] for ln in out.stdout.splitlines()[1:]] == ["2019", "2020", "2021"]
    assert "1 article without a date counted apart" in out.stderr
    many = cli("trend", "咖啡", "茶", "--by", "month", index=ix, corpus=corpus).stdout
    assert "● 咖啡" in many and "■ 茶" in many
    data = json.loads(cli("trend", "咖啡", "茶", "--json", index=ix, corpus=corpus).stdout)
    rows = list(
        csv.DictReader(
            io.StringIO(cli("trend", "咖啡", "茶", "--csv", index=ix, corpus=corpus).stdout)
        )
    )
    assert [r["period"] for r in rows] == [p["period"] for p in data["periods"]]
    for r, p in zip(rows, data["periods"]):
        assert int(r["咖啡"]) == p["counts"]["咖啡"] and int(r["tokens"]) == p["tokens"]
        rate = p["per_million"]["茶"]
        assert r["茶 per million"] == ("" if rate is None else f"{rate:.2f}")


def test_svg_files_through_the_cli(own, tmp_path):
    corpus, ix = own
    cli("trend", "咖啡", "--svg", str(tmp_path / "t.svg"), index=ix, corpus=corpus)
    root = _svg_root((tmp_path / "t.svg").read_text(encoding="utf-8"))
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]) == 2  # 2019, 2021
    r = cli("dispersion", "<script>", "--svg", str(tmp_path / "d.svg"), index=ix, corpus=corpus)
    doc = (tmp_path / "d.svg").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in doc and "<script" not in doc
    _svg_root(doc)
    assert "no occurrences" in r.stderr
    cli("dispersion", "咖啡", "--svg", str(tmp_path / "d2.svg"), index=ix, corpus=corpus)
    root = _svg_root((tmp_path / "d2.svg").read_text(encoding="utf-8"))
    hits = sum(len(a.spans) for a in dispersion(open_index(ix), "咖啡").articles)
    assert len([e for e in root.iter(f"{SVG}line") if e.get("class") == "hit"]) == hits


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trend", "咖啡", "--by", "week"], "'week' is not one of"),
        (["trend", "咖啡", "--json", "--csv"], "--json or --csv"),
        (["trend", "a", "b", "c", "d", "e", "f", "g", "h"], "at most 7 terms"),
        (["dispersion", " "], "empty term"),
        (["dispersion", "咖啡", "--since", "2021-13"], "--since"),
        (["dispersion", "咖啡", "--svg", "/nonexistent/dir/d.svg"], "cannot write"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(own, args, message):
    corpus, ix = own
    r = cli(*args, index=ix, corpus=corpus, code=2)
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.output


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
        ("dispersion", ["dispersion", "快品牌"]),
        ("dispersion", ["dispersion", "e-commerce", "--lang", "en", "-n", "1"]),
        ("dispersion", ["dispersion", "zyxwvut"]),
        ("trend", ["trend", "快品牌"]),
        ("trend", ["trend", "快品牌", "信任电商", "trust", "--by", "month"]),
    ],
)
def test_json_matches_its_schema(validate, index_dir, schema, args):
    data = json.loads(cli(*args, "--json", index=index_dir).stdout)
    assert validate(f"{schema}.schema.json", data) == []


_VOCAB = ["provider", "providers", "Provider", "happy", "happiness", "the", "a", "GMV", "GMVs",
          "e", "commerce", "ecommerce", "s", "live", "streaming", "快手", "2022", "x_y",
          "Kuaishou", "\u212auaishou", "İnc", "inc", "𫝈", "㑮"]  # fmt: skip
_SEPS = [" ", "  ", "-", ". ", ", ", "/", "'", "’s ", "\n", "", "（", "·"]


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(_VOCAB), min_size=0, max_size=30),
    seps=st.lists(st.sampled_from(_SEPS), min_size=30, max_size=30),
    term=st.lists(
        st.sampled_from([*_VOCAB[:14], "e-commerce", "live streaming", "Kuaishou", "inc"]),
        min_size=1,
        max_size=3,
    ),
)
def test_the_fast_word_matcher_is_kwics(words, seps, term):
    """The matcher ``occurrences`` uses for terms of words finds what kwic's finds, on text
    of words that stem alike, stop words, glued and hyphenated forms, Han neighbours."""
    from kscorpus.study.kwic import _matcher
    from kscorpus.study.occurrences import _words_matcher

    text = "".join(w + s for w, s in zip(words, seps))
    wanted = " ".join(term)
    assert list(_words_matcher(wanted)(text)) == list(_matcher(wanted)(text))


def test_a_word_may_begin_with_any_character_that_lower_cases_to_its_first_letter():
    """The fast matcher scans only for the characters ``_initials`` gives: every one whose
    lower case begins with the key's first letter (the Kelvin sign K for k, İ for i). Beyond
    the Basic Multilingual Plane, which it does not scan, every such character is the
    letter's upper or title case (checked on every character)."""
    import sys

    from kscorpus.index.kwicwords import WORD
    from kscorpus.study.occurrences import _initials

    assert set(_initials("k")) == {"k", "K", "\u212a"}
    assert set(_initials("i")) == {"i", "I", "İ"}
    assert set(_initials("2")) == {"2"}
    for c in map(chr, range(0x10000, sys.maxunicode + 1)):
        low = c.lower()[:1]
        if low != c and WORD.fullmatch(c):
            assert c in (low.upper(), low.title()), hex(ord(c))


def test_han_next_to_a_word_is_no_part_of_it():
    """kwic's words stop at any Han character, a compatibility or supplementary ideograph
    too (𫝈, U+2B748, is the Simplified form of 㑮), so folding Han never moves a word's
    edge and GMV is found beside either."""
    from kscorpus.study.kwic import _matcher

    for text in ("GMV𫝈", "GMV㑮", "豈GMV"):  # 豈: U+F900, a compatibility ideograph
        start = text.index("G")
        assert list(_matcher("GMV")(text)) == [(start, start + 3)], text
