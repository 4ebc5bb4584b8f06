from kscorpus.normalize import normalize, paragraphs


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
