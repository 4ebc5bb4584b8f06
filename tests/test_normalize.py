"""Decoding and normalization: encodings, blank files, paragraphs, offsets."""

import pytest

from kscorpus.errors import CorpusError
from kscorpus.ingest.normalize import decode, is_blank, normalize, paragraphs


def test_bom_crlf_and_nfc_with_offsets():
    src = "\ufeffCafe\u0301\r\n信任电商\r第二段"
    text, m = normalize(src)
    assert text == "Café\n信任电商\n第二段"
    i = text.index("信任")
    assert src[slice(*m.span(i, i + 4))] == "信任电商"
    assert src[slice(*m.span(3, 4))] == "e\u0301"


def test_clean_text_is_unchanged():
    src = "快手电商\n\nKuaishou e-commerce.\n"
    text, m = normalize(src)
    assert text == src
    assert m.span(0, len(text)) == (0, len(src))


def test_paragraphs_are_trimmed_nonblank_lines():
    text = "  第一段 \n\n\n第二段\n   \nthird\n"
    assert [text[s:e] for s, e in paragraphs(text)] == ["第一段", "第二段", "third"]


# --- decoding --------------------------------------------------------------------------------

TEXT = "快手电商在北京举办引力大会。\r\nKuaishou 𠀀 e-commerce.\r\n"


@pytest.mark.parametrize(
    ("enc", "bom", "name"),
    [
        ("utf-16-le", b"\xff\xfe", "UTF-16 LE"),
        ("utf-16-be", b"\xfe\xff", "UTF-16 BE"),
        ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32 LE"),
        ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32 BE"),
    ],
)
def test_utf16_and_utf32_with_a_bom_are_decoded(enc, bom, name):
    text, problems = decode(bom + TEXT.encode(enc), "a.txt")
    assert text == "\ufeff" + TEXT  # the mark kept, as for UTF-8; normalize drops it
    assert problems == [f"not UTF-8: {name} with a byte-order mark; decoded as {name}"]
    assert normalize(text)[0] == TEXT.replace("\r\n", "\n")


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_refused_with_what_to_do(enc):
    with pytest.raises(CorpusError) as e:
        decode(TEXT.encode(enc), "dir/a.txt")
    message = str(e.value)
    assert message.startswith("dir/a.txt: UTF-16") and message.endswith("save it as UTF-8")
    assert "\n" not in message


def test_binary_is_still_binary():
    with pytest.raises(CorpusError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "a.png")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b" \r\n\t",
        "\u3000\u3000\n".encode(),
        "\u00a0\u2028\u2029\u200b\ufeff\u2060".encode(),
        b"\xff\xfe" + "\u3000 \n".encode("utf-16-le"),
        b"\xff\xfe",
        "\u3000".encode("gb18030") * 50,
    ],
)
def test_blank_files_of_any_kind_are_empty(data):
    with pytest.raises(CorpusError, match="empty or only white space"):
        decode(data, "a.txt")


def test_blank_lines_of_any_kind_are_not_paragraphs():
    text = "\u200b第一段\u3000\n\u200b\u3000\u00a0\n\ufeff\n second \u2060"
    assert [text[s:e] for s, e in paragraphs(text)] == ["第一段", "second"]
    assert is_blank("\u3000\u200b") and not is_blank("\u3000x")
