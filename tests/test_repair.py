"""The repair stage on the real articles (every repair checked by eye) and on generated text."""

import re
import unicodedata
from functools import cache
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.ingest.fixes import HAN_CHAR, LOST
from kscorpus.ingest.offsets import Edit, apply_edits
from kscorpus.ingest.repair import Fixed, badness, fix_and_explain

CORPUS = Path(__file__).parent.parent / "corpus"
ARTICLES = ["000", "001", "002", "003", "004"]


@cache
def article(aid: str) -> str:
    [path] = CORPUS.glob(f"{aid}_*.txt")
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


@cache
def fixed(aid: str) -> Fixed:
    return fix_and_explain(article(aid))


def repairs(aid: str, kind: str) -> list[tuple[str, str]]:
    return [(r.before, r.after) for r in fixed(aid).repairs if r.kind == kind]


def check_accounting(text: str, result: Fixed) -> None:
    """Every input character is kept or inside exactly one repair, and the map agrees."""
    edits = [Edit(r.start, r.end, r.after) for r in result.repairs]
    assert apply_edits(text, edits) == (result.text, result.offsets)
    ends = [0]
    for r in result.repairs:
        assert ends[-1] <= r.start < r.end <= len(text)
        assert r.before == text[r.start : r.end]
        assert r.kind in {"mojibake", "pinyin", "debris", "duplicate"}
        ends.append(r.end)
    for s in result.suspects:
        assert s.text == text[s.start : s.end] and s.reason


# --- the five articles ------------------------------------------------------------------------

L = LOST


def test_002_mojibake_exactly():
    assert repairs("002", "mojibake") == [
        ("?!澳壳拔覀儗?duì)", f"{L}“目前我們{L}"),  # 。“目前我們對(duì): 。 and 對 lost
        ("?qū)崿F", f"{L}現"),  # 實現; qū) was a reading given to the mojibake 驅
        ("?!笨谆壅f", f"{L}”孔慧說"),
        ("?!毙湃稳匀皇窃诳焓殖山坏幕?", f"{L}”信任仍然是在快手成交的{L}"),  # 基… lost
        ("?!岸讨倍獭蹦J降谋举|", f"{L}“短直短”模式的本質"),  # J was full-width Ｊ
        ("?!笨谆壅f", f"{L}”孔慧說"),
        ("?yàn)槌叽a", f"{L}尺碼"),  # 為尺碼; yàn) was a reading given to the mojibake 驗
        ("?yàn)槌叽a", f"{L}尺碼"),
    ]


def test_004_mojibake_exactly():
    assert repairs("004", "mojibake") == [
        ("??焓值蒙鷳B", f"{L}快手得生態"),  # the second ? was a full-width ？
        ("?!笨焓蛛娚谭丈躺鷳B", f"{L}”快手電商{L}{L}商生態"),  # 服務: the pair fe 84 was dropped
    ]


def test_required_repairs_read_in_place():
    text = fixed("002").text
    assert f"流量支持{L}“目前我們{L}新商家" in text
    assert f"私域沉淀{L}”孔慧說,“未來" in text
    assert f"降低退貨率{L}”孔慧說。" in text
    [sentence] = [s for s in fixed("004").text.split("\n") if "運營負責人李叢杉表示" in s]
    assert "快手電商" in sentence


def test_002_pinyin_readings_all_go():
    pinyin = repairs("002", "pinyin")
    assert len(pinyin) == 237
    assert all(re.fullmatch(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", b) and not a for b, a in pinyin)
    text = fixed("002").text
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", text)
    assert text.count("經營") == 12 and "經(" not in text
    assert "浙江烏鎮召開" in text


def test_debris_goes():
    assert repairs("001", "debris") == [
        ("2024/06/2916:12:33 hotcomm 1117\n\n", ""),
        ("\n\nhotcomm Category Latest News", ""),
    ]
    assert repairs("002", "debris") == [("?/p>", ""), ("\n- QQ:61149512", "")]
    assert fixed("001").text.endswith("by building trustworthy e-commerce.")
    assert fixed("002").text.endswith("打消用戶購物顧慮。")


def test_001_repeated_teasers_go():
    teaser = "On May 13, Kuaishou E-commerce held the 2022"
    dups = repairs("001", "duplicate")
    assert len(dups) == 8
    assert dups[0][0].startswith(teaser) and dups[0][0].endswith("and released its\n\n")
    assert dups[1:] == [(f"{teaser}\n\n", "")] * 7
    text = fixed("001").text
    assert text.count(teaser) == 1 and text.startswith(f'{teaser} "Gravity Conference"')
    assert "\n\n\n" not in text
    assert all(p.strip() for p in text.split("\n\n"))


def test_000_loses_only_its_teaser():
    [(teaser, after)] = repairs("000", "duplicate")
    assert teaser.startswith("核心提示5月13日") and teaser.endswith("定位为新\n\n") and not after
    assert [r.kind for r in fixed("000").repairs] == ["duplicate"]
    assert fixed("000").text == article("000").replace(teaser, "", 1)


def test_003_is_clean_and_unchanged():
    assert fixed("003").text == article("003")
    assert fixed("003").repairs == () and fixed("003").suspects == ()


def test_suspects_point_at_what_is_still_broken():
    reasons = {(s.text, s.reason) for s in fixed("002").suspects}
    assert ("?!澳壳拔覀儗?duì)", "bytes lost to mojibake") in reasons
    assert ("?", "stray '?' in Han text") in reasons  # 結果?! once read 結果。”
    assert {s.reason for s in fixed("004").suspects} == {"bytes lost to mojibake"}
    assert fixed("000").suspects == () and fixed("001").suspects == ()


@pytest.mark.parametrize("aid", ARTICLES)
def test_every_character_accounted_for(aid):
    check_accounting(article(aid), fixed(aid))


@pytest.mark.parametrize("aid", ARTICLES)
def test_articles_repair_is_idempotent(aid):
    again = fix_and_explain(fixed(aid).text)
    assert again.text == fixed(aid).text and again.repairs == ()


@pytest.mark.parametrize("aid", ["002", "004"])
def test_badness_drops_where_mojibake_went(aid):
    assert badness(fixed(aid).text) < badness(article(aid)) - 0.002
    lines, fixed_lines = article(aid).split("\n"), fixed(aid).text.split("\n")
    hit = {article(aid).count("\n", 0, r.start) for r in fixed(aid).repairs if r.kind == "mojibake"}
    for i in hit:  # these articles lose no line before a mojibake line, so lines correspond
        assert badness(fixed_lines[i]) < badness(lines[i])


# --- generated text ---------------------------------------------------------------------------


def sentences(text: str, pattern: str) -> list[str]:
    found = {s.strip() for s in re.findall(pattern, text)}
    # No sentence may start another: that would be a genuine repeat.
    return sorted(s for s in found if not any(t != s and t.startswith(s) for t in found))


SIMPLIFIED = sentences(article("003"), r"[^。！？\n]+[。！？]")
TRADITIONAL = [opencc.OpenCC("s2t").convert(s) for s in SIMPLIFIED]
ENGLISH = sentences(article("001"), r"[A-Z][^.!?\n]{30,}[.!?]")
COMMON = sorted({c for c in article("003") + article("000") if HAN_CHAR.match(c)})
WORDS = ["the", "brand", "live", "room", "trust", "service", "growth", "price", "users", "fans"]


@st.composite
def paragraphs(draw: st.DrawFn, sentence: st.SearchStrategy[str]) -> str:
    """Distinct sentences, grouped into lines, lines separated by one or two line breaks."""
    parts = draw(st.lists(sentence, min_size=1, max_size=8, unique=True))
    seps = draw(st.lists(st.sampled_from(["", " ", "\n", "\n\n"]), min_size=len(parts)))
    return "".join(s + sep for s, sep in zip(parts, seps)).strip()


english_prose = st.lists(st.sampled_from(WORDS), min_size=3, max_size=12).map(
    lambda ws: " ".join(ws).capitalize() + "."
)
clean_text = st.one_of(
    paragraphs(st.sampled_from(SIMPLIFIED)),
    paragraphs(st.sampled_from(TRADITIONAL)),
    paragraphs(st.sampled_from(ENGLISH)),
    paragraphs(english_prose),
    st.text(st.sampled_from(COMMON), min_size=1, max_size=60),
)

# Good text must come out as it went in. Derandomized: a rare false positive found later would
# be a finding to study, not a reason for a red build on an unrelated change.
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True)


@PROPERTY
@given(clean_text)
def test_clean_text_passes_unchanged(text):
    result = fix_and_explain(text)
    assert result.text == text and result.repairs == ()


def narrow(text: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text)


def shift_gbk(text: str) -> str:
    """GBK read one byte late (a failing pair shows as ?), then width-normalized."""
    wide = "".join(chr(ord(c) + 0xFEE0) if c in ",:;!?()" else c for c in text)
    raw = wide.encode("gbk", errors="replace")[1:]
    return narrow("?" + raw.decode("gbk", errors="replace").replace(LOST, "?"))


@pytest.mark.parametrize(
    ("text", "cut", "expected"),
    [
        ("会上,快手电商发布最新定位“新市井电商”", 3, f"会上,{L}手电商发布最新定位“新市{L}电商”"),
        ("马宏彬表示,快手是新市井社区", 1, f"马{L}彬表示{L}快手是新市井社区"),
        ("據快手電商SKA品牌運營中心", 1, f"據{L}手電商SKA品牌運營中心"),  # 蘏: S was a trail
        ("基于这一定位,磁力引擎", 2, f"基于{L}一定位{L}磁力引擎"),
    ],
)
def test_fresh_mojibake_is_repaired(text, cut, expected):
    damaged = text[:cut] + shift_gbk(text[cut:])
    assert fix_and_explain(damaged).text == expected


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    """Real sentences with every kind of damage the repair knows, in random places."""
    parts = draw(st.lists(st.sampled_from(SIMPLIFIED + TRADITIONAL + ENGLISH), max_size=5))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(parts)))
        parts.insert(
            i,
            draw(
                st.sampled_from(
                    [
                        "2024/06/2916:12:33 hotcomm 1117",
                        "- QQ:61149512",
                        "?/p>",
                        parts[i - 1][:30] if parts else "?",
                        "會(huì)在浙江烏鎮(zhèn)",
                        "快(kuai)手(shǒu)",
                    ]
                )
            ),
        )
    text = draw(st.sampled_from(["\n", "\n\n"])).join(parts)
    if text and draw(st.booleans()):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, len(text)))
        text = text[:start] + shift_gbk(text[start:end]) + text[end:]
    if text and draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["?", LOST, "?!", "(yàn)", "\n"])) + text[at:]
    return text


@settings(max_examples=60, deadline=None)
@given(damaged_text())
def test_accounting_holds_on_damaged_text(text):
    check_accounting(text, fix_and_explain(text))


@settings(max_examples=60, deadline=None)
@given(damaged_text())
def test_repair_is_idempotent(text):
    once = fix_and_explain(text).text
    assert fix_and_explain(once).text == once


@PROPERTY
@given(st.sampled_from(SIMPLIFIED + TRADITIONAL), st.data())
def test_mojibake_repairs_never_guess(sentence, data):
    """What a repair puts back is the original text; U+FFFD only where bytes were lost (a
    dropped pair may take two)."""
    start = data.draw(st.sampled_from([i for i, c in enumerate(sentence) if HAN_CHAR.match(c)]))
    result = fix_and_explain(sentence[:start] + shift_gbk(sentence[start:]))
    if any(r.kind == "mojibake" for r in result.repairs):
        pattern = re.sub(
            f"{LOST}+", lambda m: f".{{1,{len(m[0])}}}", re.escape(narrow(result.text))
        )
        assert re.fullmatch(pattern, sentence, re.S)
