"""Each fix on its own: what it must change, and the look-alikes it must leave alone."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.ingest.fixes import (
    LOST,
    badness,
    fix_gbk_shift,
    is_pinyin_syllable,
    remove_debris,
    remove_repeats,
    strip_pinyin,
)
from kscorpus.ingest.offsets import Edit, apply_edits


def apply(text: str, fixes: list) -> str:
    return apply_edits(text, [Edit(f.start, f.end, f.after) for f in fixes])[0]


def shift_gbk(text: str) -> str:
    """Damage ``text`` as the articles were: GBK read one byte late, then width-normalized."""
    raw = text.encode("gbk")[1:]
    shown = "?" + raw.decode("gbk", errors="replace").replace("\ufffd", "?")
    return "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in shown)


# --- pinyin ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["huì", "zhèn", "jīng", "yíng", "zhǎng", "lǜ", "lv", "nüe", "er", "ang", "hao3", "ma5", "qū"],
)
def test_valid_syllables(word):
    assert is_pinyin_syllable(word)


@pytest.mark.parametrize("word", ["KA", "gmv", "roi", "app", "new", "zho", "bong", "qa", "hǎo3"])
def test_invalid_syllables(word):
    assert not is_pinyin_syllable(word)


def test_pinyin_readings_after_han_are_stripped():
    text = "2024快手電商引力大會(huì)在浙江烏鎮（zhèn）召開,全域經(jīng)營(yíng)。好(hao3)"
    assert apply(text, strip_pinyin(text)) == "2024快手電商引力大會在浙江烏鎮召開,全域經營。好"


@pytest.mark.parametrize(
    "text",
    [
        "看ROI(投资回报率)是看T+O(当天)",
        "李叢杉(來源:快手)",
        "快手电商KA(KA)品牌",
        "增长了8倍(GMV)",
        "品牌(ka)运营",  # a valid syllable, but unmarked with no marked readings around
        "the price (jià) of",  # not after a Han character
    ],
)
def test_ordinary_brackets_stay(text):
    assert strip_pinyin(text) == []


def test_reading_of_a_character_lost_to_mojibake_goes():
    text = f"我們{LOST}(duì)新商家"
    assert apply(text, strip_pinyin(text)) == f"我們{LOST}新商家"


def test_readings_in_a_row_all_go():
    text = "烏鎮(yàn)(zhèn)召開"
    assert apply(text, strip_pinyin(text)) == "烏鎮召開"
    assert strip_pinyin("品牌(ka)(kǎ)") == []  # the second follows a bracket that stays


def test_unmarked_syllable_counts_among_marked_readings():
    text = "全域經(jīng)營(yíng)方法論(lun)為快手電商(shāng)"
    assert apply(text, strip_pinyin(text)) == "全域經營方法論為快手電商"


# --- GBK one byte out of step -----------------------------------------------------------------


def test_readme_worked_example():
    # 。“目前我們對 as GBK: a1 a3 | a1 b0 | c4 bf | c7 b0 | ce d2 | 82 83 | 8c a6
    assert "。“目前我們對".encode("gbk").hex(" ") == "a1 a3 a1 b0 c4 bf c7 b0 ce d2 82 83 8c a6"
    shown = shift_gbk("。“目前我們對")
    assert shown == "?!澳壳拔覀儗?"
    text = f"流量支持{shown}新商家"
    [fix] = fix_gbk_shift(text)
    assert apply(text, [fix]) == f"流量支持{LOST}“目前我們{LOST}新商家"


def test_trail_byte_shown_as_letter():
    shown = shift_gbk("。”孔慧說")
    assert shown == "?!笨谆壅f"  # f is 說's second byte, 0x66
    assert apply(f"沉淀{shown}(shuō)", fix_gbk_shift(f"沉淀{shown}(shuō)")) == (
        f"沉淀{LOST}”孔慧說(shuō)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "体验-价格比和传统的性价比有什么区别?晓谷表示,传统意义上的性能仅指商品本身",
        "服務商應該如何服務品牌?\n再模式上,李叢杉表示",
        "结果?!",
        "Really? Yes.",
        "快手???真的吗",
        f"{LOST}“目前我們{LOST}新商家",  # an earlier repair, seen again
    ],
)
def test_good_text_after_question_mark_is_not_re_decoded(text):
    assert fix_gbk_shift(text) == []


def test_badness_separates_mojibake_from_text():
    assert badness("孔慧指出,過去一年,快手電商為新商家提供了覆蓋") < 0.15
    assert badness("Kuaishou e-commerce held the conference.") == 0.0
    assert badness("?!毙湃稳匀皇窃诳焓殖山坏幕?") > 0.4
    assert badness("”信任仍然是在快手成交的") < 0.15
    assert badness("") == 0.0


# --- debris -----------------------------------------------------------------------------------


def test_byline_contact_tag_and_navigation_lines_go():
    text = (
        "Title line.\n\n2024/06/2916:12:33 hotcomm 1117\n\nBody text ends here?/p>\n\n"
        "- QQ:61149512\n\nhotcomm Category Latest News"
    )
    assert apply(text, remove_debris(text)) == "Title line.\n\nBody text ends here"


@pytest.mark.parametrize(
    "text",
    [
        "2021年7月22日,快手电商服务商大会在杭州召开,会上介绍了最新服务生态。",
        "作者:百合\n編輯:tuya\n出品:財經涂鴉",
        "The next step is the category of brands.\nNext year, more.",
        "In 2021 the 10:30 session on 2021/07/22 was moved to the main hall of the venue.",
        "p < q and q > p, and a<b or c>d; the /p> ending and ?/x> too",
    ],
)
def test_text_that_merely_mentions_debris_stays(text):
    assert remove_debris(text) == []


def test_inline_tags_go_but_not_the_text_around_them():
    text = "一段<b>加粗</b>的文字<br/>\n<p class='x'>\n下一段"
    assert apply(text, remove_debris(text)) == "一段加粗的文字\n下一段"


# --- repeats ----------------------------------------------------------------------------------


def test_truncated_and_repeated_teasers_go():
    para = "On May 13, Kuaishou E-commerce held the 2022 conference in Beijing."
    text = f"{para[:40]}\n\n{para}\n\nMore.\n\n{para[:44]}\n\nEnd."
    assert apply(text, remove_repeats(text)) == f"{para}\n\nMore.\n\nEnd."


def test_labelled_teaser_running_into_two_paragraphs_goes():
    first, second = (
        "5月13日,快手电商在北京召开2022年引力大会。",
        "会上,快手电商总结了过去一年的阶段性成就。",
    )
    text = f"标题\n\n核心提示{first}{second[:8]}\n\n{first}\n\n{second}"
    assert apply(text, remove_repeats(text)) == f"标题\n\n{first}\n\n{second}"


def test_short_repeated_headings_stay():
    text = "快手电商\n\n快手电商在北京举办了引力大会。\n\n快手电商\n\n第二段。"
    assert remove_repeats(text) == []


def test_back_to_back_repeat_keeps_one_copy():
    para = "This paragraph about the Gravity Conference is repeated back to back."
    text = f"Title\n\n{para}\n\n{para}\n\nEnd."
    assert apply(text, remove_repeats(text)) == f"Title\n\n{para}\n\nEnd."
    [fix] = remove_repeats(text)
    assert text[fix.start : fix.end] == f"{para}\n\n"  # the first copy goes, the last stays


def test_triple_repeat_keeps_the_last_copy():
    para = "快手电商在北京召开2022年引力大会,主题为新市场电商信任铸就新红利。"
    text = f"{para}\n\n{para}\n\n{para}"
    fixes = remove_repeats(text)
    assert apply(text, fixes) == para
    assert [text[f.start : f.end] for f in fixes] == [f"{para}\n\n"] * 2
    assert all("later" in f.note for f in fixes)


def test_teaser_followed_by_its_full_paragraph_keeps_the_paragraph():
    para = "On May 13, Kuaishou E-commerce held the 2022 conference in Beijing."
    text = f"{para[:30]}\n\n{para}\n\nEnd."
    assert apply(text, remove_repeats(text)) == f"{para}\n\nEnd."
    text = f"核心提示{para[:30]}\n\n{para}\n\n{para}"  # labelled teaser, then two copies
    assert apply(text, remove_repeats(text)) == para


def test_separated_repeat_keeps_the_last_copy():
    para = "快手电商在北京召开2022年引力大会,主题为新市场电商信任铸就新红利。"
    text = f"{para}\n\n中间一段。\n\n{para}"
    assert apply(text, remove_repeats(text)) == f"中间一段。\n\n{para}"


_WORDS = st.sampled_from(["ab", "cd", "ef", "快手", "电商", "信任", "2022", "x"])
_BASE = st.lists(_WORDS, min_size=8, max_size=20).map(" ".join)


@st.composite
def _repeated_paragraphs(draw):
    """Paragraphs drawn from a few distinct ones (each opened by its own marker), with whole
    repeats, truncated copies, and teasers (optionally labelled) of what follows them."""
    drawn = draw(st.lists(_BASE, min_size=1, max_size=4))
    bases = [f"{chr(0x41 + i)} {b}" for i, b in enumerate(drawn)]
    plan = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["whole", "whole", "copy", "teaser"]),
                st.integers(0, len(bases) - 1),
                st.integers(5, 80),  # where a copy or teaser is cut
                st.sampled_from(["", "核心", "导读:", "核心提示"]),
                st.sampled_from(["", " "]),
            ),
            min_size=1,
            max_size=10,
        )
    )
    items: list[tuple[str, str]] = []  # (kind, text), built from the end
    for kind, b, cut, label, joiner in reversed(plan):
        if kind == "teaser" and items:
            ahead = joiner.join(t for _, t in items)
            items.insert(0, ("teaser", label + ahead[:cut].strip()))
        elif kind == "copy":
            items.insert(0, ("copy", bases[b][:cut].strip()))
        else:
            items.insert(0, ("whole", bases[b]))
    return items


@settings(max_examples=400, deadline=None)
@given(_repeated_paragraphs())
def test_cleaning_never_loses_a_paragraph(items):
    text = "\n\n".join(t for _, t in items)
    cleaned = apply(text, remove_repeats(text))
    lines = [line for line in cleaned.split("\n") if line.strip()]
    for kind, t in items:
        if kind == "teaser":  # its label (8 characters at most) may go, not the rest
            joined = [j.join(lines) for j in ("", " ")]
            assert any(t[k:] in j for k in range(9) for j in joined), (t, cleaned)
        else:  # in one paragraph: itself or a longer one that contains it
            assert any(t in line for line in lines), (t, cleaned)
    long = [line for line in lines if len(line) >= 20]
    assert len(long) == len(set(long)), cleaned  # of identical paragraphs one copy stays
