"""``--svg FILE`` on collocates, ngrams and keyness: the file parses, each bar's length is
proportional to the value the same run's ``--json`` gives (worked out here from the JSON, not
copied from a chart), bars come in the JSON's order on the side their sign says, labels are
the JSON's words (Chinese included) and text from the data is escaped. Through the CLI, on a
corpus made as a user makes one (``init`` then ``add``), about coffee and tea."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kscorpus.charts import Bar, Panel
from kscorpus.charts import svg as charts_svg
from kscorpus.cli.app import app

runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"

# (lang, date, text): coffee in 2020, tea in 2021, English in 2021, repeated phrases for n-grams
ARTICLES = [
    ("zh", "2020", "咖啡馆的咖啡很香。老板说咖啡便宜，咖啡豆新鲜。\n"
                   "我们喝咖啡，也喝茶。咖啡很香。"),
    ("zh", "2021", "茶馆的茶很香。老板说茶便宜，茶叶新鲜。\n"
                   "我们喝茶，也喝咖啡。茶很香，茶很香。"),
    ("en", "2021", "Coffee shops open early. The coffee is hot and fresh coffee beans are cheap.\n"
                   "Tea shops open late. Hot coffee, hot tea."),
    ("zh", "2022", "咖啡馆老板说，咖啡很香，茶也很香。"),
]  # fmt: skip


def _make(root: Path, name: str, articles: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    corpus, index = root / name, root / f"{name}-ix"
    r = runner.invoke(app, ["init", str(corpus)])
    assert r.exit_code == 0, r.output
    for i, (lang, date, text) in enumerate(articles):
        f = root / f"{name}-{i}.txt"
        f.write_text(text, encoding="utf-8")
        args = ["add", str(f), "--lang", lang, "--date", date, "--title", f"T{i}"]
        r = runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])
        assert r.exit_code == 0, r.output
    return corpus, index


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _make(tmp_path_factory.mktemp("svg"), "drinks", ARTICLES)


def run(own: tuple[Path, Path], *args: str, code: int = 0):
    corpus, index = own
    r = runner.invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)])
    assert r.exit_code == code, r.output
    return r


def chart(path: Path) -> ET.Element:
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))  # well-formed, or this raises


def json_and_chart(own, tmp_path: Path, *args: str) -> tuple[dict, ET.Element, str]:
    """One run with ``--json`` and ``--svg``: the JSON (stdout alone), the chart, stderr."""
    out = tmp_path / "chart.svg"
    r = run(own, *args, "--json", "--svg", str(out))
    assert f"kscorpus: wrote the plot to {out}" in r.stderr
    data = json.loads(r.stdout)
    plain = json.loads(run(own, *args, "--json").stdout)
    assert data == plain  # --svg changes nothing a script reads
    return data, chart(out), r.stderr


def rows(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]


def classes(e: ET.Element) -> set[str]:
    return set((e.get("class") or "").split())


def bar_of(row: ET.Element) -> ET.Element:
    (bar,) = [e for e in row.iter(f"{SVG}rect") if "bar" in classes(e)]
    return bar


def text_of(row: ET.Element, cls: str) -> str:
    (t,) = [e for e in row.iter(f"{SVG}text") if e.get("class") == cls]
    return t.text or ""


def zero_x(root: ET.Element) -> float:
    (line,) = [e for e in root.iter(f"{SVG}line") if e.get("class") == "zero"]
    return float(line.get("x1"))


def assert_proportional(widths: list[float], values: list[float]) -> None:
    """Each width is |value| times one scale (to the 0.01 px the SVG is written to)."""
    assert widths and len(widths) == len(values)
    scale = max(widths) / max(abs(v) for v in values)
    for w, v in zip(widths, values):
        assert w == pytest.approx(abs(v) * scale, abs=0.02)


def title(root: ET.Element) -> str:
    return root.find(f"{SVG}title").text or ""


# ---------------------------------------------------------------------------------------------
# collocates


def test_collocates_bars_are_the_scores_split_left_and_right(own, tmp_path):
    data, root, _ = json_and_chart(own, tmp_path, "collocates", "咖啡", "--min-freq", "1")
    found = data["collocates"]
    assert len(found) >= 4  # enough bars for proportions to mean something
    drawn = rows(root)
    assert [text_of(r, "label") for r in drawn] == [c["text"] for c in found]  # JSON's order
    assert_proportional([float(bar_of(r).get("width")) for r in drawn], [c["score"] for c in found])
    here = zero_x(root)
    for r, c in zip(drawn, found):
        bar = bar_of(r)
        x, w = float(bar.get("x")), float(bar.get("width"))
        assert x == pytest.approx(here, abs=0.02)  # positive logDice: from the zero line right
        note = text_of(r, "note")
        assert note == f"f_xy {c['f_xy']} ({c['left']} left, {c['right']} right)"
        parts = {
            e.get("class"): float(e.get("width"))
            for e in r.iter(f"{SVG}rect")
            if "part" in classes(e)
        }
        assert parts.get("part part-0", 0.0) == pytest.approx(w * c["left"] / c["f_xy"], abs=0.02)
        assert parts.get("part part-1", 0.0) == pytest.approx(w * c["right"] / c["f_xy"], abs=0.02)
    said = title(root)
    assert said.startswith("Collocates of 咖啡 by logDice · window 5 5 · zh articles")
    legend = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "legend"]
    assert legend == ["left of the term", "right of the term"]


def test_collocates_title_says_measure_window_side_and_selection(own, tmp_path):
    args = ("collocates", "咖啡", "-m", "mi", "-w", "2", "3", "--by", "right", "--min-freq", "1")
    data, root, _ = json_and_chart(own, tmp_path, *args, "--since", "2021", "--ids", "001,003")
    assert title(root) == (
        "Collocates of 咖啡 by MI · window 2 3, right only · zh articles, since 2021, "
        "articles 001, 003"
    )
    drawn = rows(root)
    assert not [e for e in root.iter(f"{SVG}rect") if "part" in classes(e)]  # one side: no split
    assert [text_of(r, "note") for r in drawn] == [f"f_xy {c['f_xy']}" for c in data["collocates"]]
    scores = [c["score"] for c in data["collocates"]]
    assert_proportional([float(bar_of(r).get("width")) for r in drawn], scores)
    here = zero_x(root)
    for r, v in zip(drawn, scores):  # MI may be negative: such a bar ends at the zero line
        bar = bar_of(r)
        end = float(bar.get("x")) + (float(bar.get("width")) if v < 0 else 0.0)
        assert end == pytest.approx(here, abs=0.02)


def test_cross_collocates_are_one_panel_per_translation_on_one_scale(index_dir, tmp_path):
    out = tmp_path / "cross.svg"
    args = ["collocates", "信任电商", "--cross", "--min-freq", "1", "-n", "5"]
    r = runner.invoke(app, [*args, "--index", str(index_dir), "--json", "--svg", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    root = chart(out)
    headings = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "heading"]
    assert headings[0] == "信任电商 in zh articles"
    assert [h.split(" in the aligned")[0] for h in headings[1:]] == [
        f"↳ {x['term']}" for x in data["cross"]
    ]
    everyone = data["collocates"] + [c for x in data["cross"] for c in x["collocates"]]
    drawn = rows(root)
    assert [text_of(r, "label") for r in drawn] == [c["text"] for c in everyone]
    assert_proportional(
        [float(bar_of(r).get("width")) for r in drawn], [c["score"] for c in everyone]
    )
    empty = [x for x in data["cross"] if not x["collocates"]]
    said = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "empty"]
    assert len(said) == len(empty)


def test_a_term_with_markup_characters_is_escaped(own, tmp_path):
    out = tmp_path / "esc.svg"
    r = run(own, "collocates", "<咖啡&茶>", "--min-freq", "1", "--svg", str(out))
    raw = out.read_text(encoding="utf-8")
    assert "&lt;咖啡&amp;茶&gt;" in raw and "<咖啡" not in raw
    assert title(chart(out)).startswith("Collocates of <咖啡&茶> by logDice")
    assert "wrote the plot" in r.stderr


# ---------------------------------------------------------------------------------------------
# ngrams


@pytest.mark.parametrize("extra", [("--lang", "zh"), ("--around", "咖啡", "-n", "3")])
def test_ngram_bars_are_frequencies_with_range_beside(own, tmp_path, extra):
    data, root, _ = json_and_chart(own, tmp_path, "ngrams", "--min-freq", "1", *extra)
    grams = data["ngrams"]
    assert len(grams) >= 3 and len({g["freq"] for g in grams}) > 1
    drawn = rows(root)
    assert [text_of(r, "label") for r in drawn] == [g["text"] for g in grams]
    assert [text_of(r, "note") for r in drawn] == [f"range {g['range']}" for g in grams]
    assert_proportional([float(bar_of(r).get("width")) for r in drawn], [g["freq"] for g in grams])
    if data["around"]:
        assert title(root) == "The commonest 3-word clusters around 咖啡 · all articles"
    else:
        assert title(root) == "The commonest 2-grams · zh articles"


# ---------------------------------------------------------------------------------------------
# keyness


@pytest.mark.parametrize("negative", [False, True])
def test_keyness_bars_diverge_by_the_sign_of_log_ratio(own, tmp_path, negative):
    args = ["keyness", "--since", "2021", "--lang", "zh", "--min-freq", "1", "--min-ll", "0"]
    data, root, _ = json_and_chart(own, tmp_path, *args, *(["--negative"] if negative else []))
    words = data["words"]
    assert words and all((w["log_ratio"] < 0) == negative for w in words)
    drawn = rows(root)
    assert [text_of(r, "label") for r in drawn] == [w["text"] for w in words]  # by LL, as listed
    assert [text_of(r, "note") for r in drawn] == [f"LL {w['ll']:.2f}" for w in words]
    ratios = [w["log_ratio"] for w in words]
    assert_proportional([float(bar_of(r).get("width")) for r in drawn], ratios)
    here = zero_x(root)
    for r, v in zip(drawn, ratios):
        bar = bar_of(r)
        x, w = float(bar.get("x")), float(bar.get("width"))
        if v > 0:  # used more in the part: right of the zero line, its label left of it
            assert "positive" in classes(bar) and x == pytest.approx(here, abs=0.02)
        else:  # used less: left of the zero line
            assert "negative" in classes(bar) and x + w == pytest.approx(here, abs=0.02)
    start = "Negative key words" if negative else "Key words"
    assert (
        title(root)
        == f"{start} of the part (zh articles, since 2021) against the rest of the corpus · LL ≥ 0"
    )


def test_keyness_against_a_reference_whose_name_needs_escaping(own, tmp_path):
    ref, _ = _make(tmp_path, "R&D <ref>", [("zh", "2020", "咖啡很苦。咖啡很贵。\n")])
    out = tmp_path / "k.svg"
    args = ["keyness", "--reference", str(ref), "--min-freq", "1", "--min-ll", "0", "--lang", "zh"]
    data = json.loads(run(own, *args, "--json", "--svg", str(out)).stdout)
    root = chart(out)
    assert title(root) == f"Key words of the part (zh articles) against the corpus {ref} · LL ≥ 0"
    assert "&lt;ref&gt;" in out.read_text(encoding="utf-8")
    assert len(rows(root)) == len(data["words"]) > 0


# ---------------------------------------------------------------------------------------------
# Nothing to draw, and files that cannot be written


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["collocates", "咖啡", "--min-freq", "99"], "no collocates"),
        (["collocates", "可可"], "is not a word of these articles"),
        (["ngrams", "--min-freq", "99"], "no 2-grams"),
        (["ngrams", "--around", "可可", "-n", "3"], "no 3-word clusters around 可可"),
        (["keyness", "--since", "2021", "--min-ll", "999"], "no key words with LL ≥ 999"),
    ],
)
def test_an_empty_result_is_a_chart_that_says_so(own, tmp_path, args, says):
    out = tmp_path / "empty.svg"
    r = run(own, *args, "--svg", str(out))
    root = chart(out)
    assert not rows(root) and not list(root.iter(f"{SVG}line"))  # no bars, no axis
    (empty,) = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "empty"]
    assert says in empty
    assert "wrote the plot" in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["collocates", "咖啡"],
        ["ngrams"],
        ["keyness", "--since", "2021"],
        ["collocates", "咖啡", "--json"],
    ],
)
@pytest.mark.parametrize("where", ["/nonexistent/dir/x.svg", "DIR"])
def test_an_unwritable_file_is_a_usage_error_naming_it(own, tmp_path, args, where):
    target = str(tmp_path) if where == "DIR" else where  # a directory cannot be replaced
    r = run(own, *args, "--svg", target, code=2)
    assert r.stderr.startswith(f"kscorpus: error: cannot write {target}")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output
    assert r.stdout == ""  # no half answer: the file is written before anything is printed


# ---------------------------------------------------------------------------------------------
# The drawers alone


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-3), min_size=1))
def test_value_axis_holds_zero_and_every_value_at_round_steps(values):
    step, lo, hi = charts_svg.value_axis(min(values), max(values))
    assert lo <= min(0.0, *values) and hi >= max(0.0, *values)
    for end in (lo, hi):
        assert end / step == pytest.approx(round(end / step), abs=1e-6)
    assert (hi - lo) / step <= 6  # about four steps, at most one more at each end


def test_negative_bars_go_left_and_parts_fill_their_bar():
    doc = charts_svg.hbars_svg(
        [Panel("", (Bar("甲", 4.0, parts=(1, 3)), Bar("乙 & <b>", -2.0, parts=(2, 0))))],
        "t",
        "u",
        part_names=("left", "right"),
    )
    root = ET.fromstring(doc.encode("utf-8"))
    first, second = rows(root)
    here = zero_x(root)
    a, b = bar_of(first), bar_of(second)
    assert float(a.get("x")) == pytest.approx(here, abs=0.01)
    assert float(b.get("x")) + float(b.get("width")) == pytest.approx(here, abs=0.01)
    assert float(a.get("width")) == pytest.approx(2 * float(b.get("width")), abs=0.02)
    parts = [float(e.get("width")) for e in first.iter(f"{SVG}rect") if "part" in classes(e)]
    assert parts == pytest.approx([float(a.get("width")) / 4, 3 * float(a.get("width")) / 4])
    assert len([e for e in second.iter(f"{SVG}rect") if "part" in classes(e)]) == 1  # 0: none
    assert text_of(second, "label") == "乙 & <b>"


def test_the_bench_script_runs(index_dir):
    """bench/lexis_svg.py end to end on the bundled corpus (no timing asserted)."""
    import subprocess
    import sys

    from conftest import ROOT

    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "lexis_svg.py"), "--index", str(index_dir),
         "--repeat", "1"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    table = [line.split("|")[1:-1] for line in r.stdout.splitlines()[2:]]
    assert [row[0].strip() for row in table][:2] == [
        "collocates 直播",
        "collocates 信任电商 --cross",
    ]
    assert len(table) == 5 and all(float(row[4]) > 0 for row in table)  # an SVG was drawn


_LABELS = st.text(st.sampled_from("咖啡茶ab <&>'\"é"), min_size=1, max_size=30)
_VALUES = st.floats(-1e5, 1e5, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-3)
_BARS = st.lists(
    st.builds(
        Bar,
        _LABELS,
        _VALUES,
        st.text(st.sampled_from("LL 0123.<&"), max_size=12),
        st.one_of(st.just(()), st.tuples(st.integers(0, 50), st.integers(0, 50))),
    ),
    max_size=12,
)


def _geometry(root: ET.Element) -> tuple[float, list[tuple[ET.Element, float, float]]]:
    """The document's width and each row's bar with its x and width."""
    out = []
    for r in rows(root):
        bar = bar_of(r)
        out.append((r, float(bar.get("x")), float(bar.get("width"))))
    return float(root.get("width")), out


@given(st.lists(_BARS, min_size=1, max_size=3))
def test_any_horizontal_bars_share_one_scale_from_zero_inside_the_chart(panels):
    """Every bar, of any panel, is |value| times one scale long, starts or ends at the zero
    line by its sign, lies inside the document, and its parts fill it in proportion."""
    doc = charts_svg.hbars_svg(
        [Panel(f"p{i}", tuple(bars)) for i, bars in enumerate(panels)], "t", "u", "s", ("l", "r")
    )
    root = ET.fromstring(doc.encode("utf-8"))
    bars = [b for p in panels for b in p]
    width, drawn = _geometry(root)
    for (r, _, _), b in zip(drawn, bars):  # the label whole, or cut with … (escaped either way)
        label = text_of(r, "label")
        assert label == b.label or (label.endswith("…") and b.label.startswith(label[:-1]))
    if not any(b.value for b in bars):
        return
    scale = max(w for _, _, w in drawn) / max(abs(b.value) for b in bars)
    here = zero_x(root)
    for (r, x, w), b in zip(drawn, bars):
        assert w == pytest.approx(abs(b.value) * scale, abs=0.02)
        assert (x if b.value >= 0 else x + w) == pytest.approx(here, abs=0.02)
        assert x >= 0 and x + w <= width + 0.01
        parts = [float(e.get("width")) for e in r.iter(f"{SVG}rect") if "part" in classes(e)]
        if sum(b.parts) > 0 and w > 0.01:
            assert sum(parts) == pytest.approx(w, abs=0.05)
            shown = [p for p in b.parts if p]
            assert parts == pytest.approx([w * p / sum(b.parts) for p in shown], abs=0.02)


@given(_BARS)
def test_any_diverging_bars_lie_on_the_side_of_their_sign(bars):
    doc = charts_svg.diverging_svg(bars, "t", "u", "s", ("less", "more"))
    root = ET.fromstring(doc.encode("utf-8"))
    width, drawn = _geometry(root)
    assert len(drawn) == len(bars)
    if not any(b.value for b in bars):
        return
    here = zero_x(root)
    assert here == pytest.approx(width / 2, abs=0.1)  # symmetric: zero in the middle
    scale = max(w for _, _, w in drawn) / max(abs(b.value) for b in bars)
    for (_, x, w), b in zip(drawn, bars):
        assert w == pytest.approx(abs(b.value) * scale, abs=0.02)
        assert (x if b.value >= 0 else x + w) == pytest.approx(here, abs=0.02)
        assert x >= 0 and x + w <= width + 0.01
