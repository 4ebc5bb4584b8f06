"""TMX 1.4b, the translation-memory exchange format: written from the aligned links of
translation pairs, and read back (from kscorpus or any other tool) as paragraphs of a pair.

Writing: one ``<tu>`` per aligned link, a ``zh-CN`` and an ``en`` ``<tuv>`` (only one where the
link is 1:0 or 0:1), the link's confidence and the articles' ids, paragraph numbers, titles and
dates as ``x-kscorpus-`` props. The text is kscorpus's cleaned text (Simplified Chinese, so
``zh-CN``). XML 1.0 cannot carry most control characters, even escaped: they are written as
U+FFFD and counted (``TmxWriter.replaced``) so the caller can say so.

Reading: ``read_tmx`` parses the file incrementally (a translation memory may be large) and
groups its units into pairs by their ``x-kscorpus-pair`` prop, or takes the whole file as one
pair when they have none (a memory from another tool). Inline markup in ``<seg>`` is handled as
the standard defines it: ``<bpt>``, ``<ept>``, ``<ph>``, ``<it>`` and ``<ut>`` hold the original
format's codes (``<b>``, ``{1}``), not text, and are dropped; ``<hi>`` is text and is kept.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET

from kscorpus import __version__
from kscorpus.dates import date_problem
from kscorpus.errors import CorpusError
from kscorpus.exchange.bitext import AlignedPair
from kscorpus.ingest.normalize import normalize
from kscorpus.ingest.normalize import paragraphs as split_paragraphs

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANG_TAGS = {"zh": "zh-CN", "en": "en"}
PROP = "x-kscorpus-"
CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})  # native codes, not text
# what XML 1.0 allows (production [2] Char); everything else cannot appear even as &#N;
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;"}
    | {"\t": "&#9;"}
)


# ---------------------------------------------------------------------------------------------
# Writing


class TmxWriter:
    """Writes pairs as one TMX document, a unit at a time; ``replaced`` counts, per article,
    the characters XML could not carry."""

    def __init__(self) -> None:
        self.replaced: Counter[str] = Counter()

    def render(self, pairs: list[AlignedPair]) -> Iterator[str]:
        """The document as text chunks: header, then one chunk per pair."""
        sources = {p.source for p in pairs}
        only = sources.pop() if len(sources) == 1 else None
        srclang = LANG_TAGS[only] if only else "*all*"  # the standard's "any language"
        header = {
            "creationtool": "kscorpus",
            "creationtoolversion": __version__,
            "segtype": "paragraph",
            "o-tmf": "kscorpus",
            "adminlang": "en",
            "srclang": srclang,
            "datatype": "plaintext",
        }
        yield (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            '<tmx version="1.4">\n'
            f"  <header {_attrs(header)}/>\n"
            "  <body>\n"
        )
        for pair in pairs:
            yield "".join(self._unit(pair, link) for link in pair.links)
        yield "  </body>\n</tmx>\n"

    def _unit(self, pair: AlignedPair, link: dict[str, Any]) -> str:
        tuid = f"{pair.zh['id']}-{pair.en['id']}#{link['n']}"
        attrs = {"tuid": tuid} | ({"srclang": LANG_TAGS[pair.source]} if pair.source else {})
        out = [f"    <tu {_attrs(attrs)}>\n"]
        out.append(_prop("pair", f"{pair.zh['id']} {pair.en['id']}", 6))
        out.append(_prop("confidence", repr(link["confidence"]), 6))
        for lang, article in (("zh", pair.zh), ("en", pair.en)):
            pnos = link[f"{lang}_pnos"]
            if not pnos:
                continue  # a paragraph the other side does not translate
            out.append(f"      <tuv {_attrs({'xml:lang': LANG_TAGS[lang]})}>\n")
            out.append(_prop("article", article["id"], 8))
            out.append(_prop("paragraphs", " ".join(map(str, pnos)), 8))
            title = self._text(article["title"], article["id"])
            out.append(f'        <prop type="{PROP}title">{title}</prop>\n')
            if article.get("date"):
                out.append(_prop("date", article["date"], 8))
            out.append(f"        <seg>{self._text(link[lang], article['id'])}</seg>\n")
            out.append("      </tuv>\n")
        out.append("    </tu>\n")
        return "".join(out)

    def _text(self, text: str, article_id: str) -> str:
        clean, n = _NOT_XML.subn("\ufffd", text)
        if n:
            self.replaced[article_id] += n
        return clean.translate(_TEXT_ESCAPES)


def _prop(key: str, value: str, indent: int) -> str:
    """A prop of a value without control characters (ids, numbers, dates: checked on load)."""
    return f'{" " * indent}<prop type="{PROP}{key}">{value.translate(_TEXT_ESCAPES)}</prop>\n'


def _attrs(values: dict[str, str]) -> str:
    return " ".join(
        f'{k}="{_NOT_XML.sub(chr(0xFFFD), v).translate(_ATTR_ESCAPES)}"' for k, v in values.items()
    )


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class TmxSide:
    """One language of a pair read from TMX: its paragraphs in order, and what the props say."""

    paragraphs: list[str] = field(default_factory=list)
    article: str | None = None  # the x-kscorpus-article prop: the id it had where it was written
    title: str | None = None
    date: str | None = None


@dataclass
class TmxPair:
    """A translation pair read from TMX. ``source`` is the language translated from."""

    zh: TmxSide
    en: TmxSide
    source: str
    units: int


@dataclass
class _Segment:
    order: tuple[int, int]  # (first paragraph number, or -1; unit number): reading order
    text: str


@dataclass
class _Group:
    """The units of one pair as they are read."""

    segments: dict[str, list[_Segment]] = field(default_factory=lambda: {"zh": [], "en": []})
    props: dict[tuple[str, str], str] = field(default_factory=dict)  # (lang, name) → first value
    sources: Counter[str] = field(default_factory=Counter)  # each unit's original language
    units: int = 0


def read_tmx(source: str | os.PathLike[str], data: bytes | None = None) -> list[TmxPair]:
    """The translation pairs in a TMX file (``-``: standard input; ``data``: its bytes, already
    read). CorpusError names the file and line of anything that is not usable TMX."""
    where = str(source)
    try:
        if data is not None:
            return _read(io.BytesIO(data), where)
        if where == "-":
            return _read(sys.stdin.buffer, where)
        with open(source, "rb") as f:
            return _read(f, where)
    except OSError as e:
        raise CorpusError(f"cannot read {where}: {e.strerror}") from None


def looks_like_tmx(head: bytes) -> bool:
    """Whether a file starting with ``head`` is XML (TMX) rather than a JSON export."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    text = head.replace(b"\x00", b"").lstrip()
    return text.startswith(b"<")


def _read(stream: IO[bytes], where: str) -> list[TmxPair]:
    groups: dict[tuple[str | None, str | None], _Group] = {}
    header_src: str | None = None
    body: ET.Element | None = None
    n = 0
    try:
        events = ET.iterparse(stream, events=("start", "end"))
        _, root = next(events)
        if root.tag != "tmx":
            raise CorpusError(f"{where}: not a TMX file (its root element is <{root.tag}>)")
        for event, elem in events:
            if event == "start":
                if elem.tag == "body":
                    body = elem
                continue
            if elem.tag == "header":
                header_src = _lang(elem.get("srclang"))
            elif elem.tag == "tu":
                n += 1
                _add_unit(groups, elem, n, header_src)
                (body if body is not None else elem).clear()  # keep memory flat
    except ET.ParseError as e:
        line, col = e.position  # expat counts columns from 0
        raise CorpusError(
            f"{where}:{line}:{col + 1}: not a usable TMX file: XML error: {_reason(e)}"
        ) from None
    except StopIteration:
        raise CorpusError(f"{where}: empty file; not a TMX file") from None
    if not groups:
        raise CorpusError(f"{where}: no translation units (<tu>) with Chinese and English text")
    return [_pair(g, where) for g in groups.values()]


def _reason(e: ET.ParseError) -> str:
    return str(e).split(":")[0]


def _lang(tag: str | None) -> str | None:
    """``zh`` or ``en`` for a language tag (zh-CN, zh_TW, ZH-Hans, en-US…), else None."""
    primary = re.split("[-_]", (tag or "").strip().lower())[0]
    return primary if primary in LANG_TAGS else None


def _add_unit(
    groups: dict[tuple[str | None, str | None], _Group],
    tu: ET.Element,
    n: int,
    header_src: str | None,
) -> None:
    sides: dict[str, tuple[dict[str, str], str]] = {}
    for tuv in tu.findall("tuv"):
        lang = _lang(tuv.get(XML_LANG) or tuv.get("lang"))
        seg = tuv.find("seg")
        if lang is None or lang in sides or seg is None:
            continue  # another language, a second variant, or no text
        sides[lang] = (_props(tuv), seg_text(seg))
    if not sides:
        return
    # units written by kscorpus name their pair; all others make one pair together
    ids = _props(tu).get("pair", "").split()
    key = (ids[0], ids[1]) if len(ids) == 2 else (None, None)
    group = groups.setdefault(key, _Group())
    group.units += 1
    group.sources[_lang(tu.get("srclang")) or header_src or "zh"] += 1
    for lang, (props, text) in sides.items():
        pnos = [int(x) for x in props.get("paragraphs", "").split() if x.isascii() and x.isdigit()]
        group.segments[lang].append(_Segment((pnos[0] if pnos else -1, n), text))
        for k in ("article", "title", "date"):
            if props.get(k):
                group.props.setdefault((lang, k), props[k])


def _props(elem: ET.Element) -> dict[str, str]:
    """The ``x-kscorpus-`` props directly in ``elem``, by name without the prefix."""
    return {
        p.get("type", "").removeprefix(PROP): p.text or ""
        for p in elem.findall("prop")
        if p.get("type", "").startswith(PROP)
    }


def seg_text(seg: ET.Element) -> str:
    """The text of a ``<seg>`` (or ``<hi>``): native codes in ``<bpt>``, ``<ept>``, ``<ph>``,
    ``<it>`` and ``<ut>`` left out, ``<hi>`` and other markup kept as the text it holds."""
    parts = [seg.text or ""]
    for child in seg:
        if child.tag not in CODES:
            parts.append(seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _pair(group: _Group, where: str) -> TmxPair:
    sides = {}
    for lang in ("zh", "en"):
        segs = group.segments[lang]
        if all(s.order[0] >= 0 for s in segs):  # kscorpus's paragraph numbers give the order
            segs = sorted(segs, key=lambda s: s.order)
        texts = [normalize(s.text)[0] for s in segs]  # line ends and NFC, as ingest reads
        paragraphs = [t[a:b] for t in texts for a, b in split_paragraphs(t)]
        props = group.props
        title = " ".join(props.get((lang, "title"), "").split()) or None  # one line
        date = props.get((lang, "date"))
        if date and date_problem(date):
            raise CorpusError(
                f"{where}: x-kscorpus-date {date!r} ({lang}): {date_problem(date)}; fix or "
                "remove that prop"
            )
        sides[lang] = TmxSide(paragraphs, props.get((lang, "article")), title, date)
    for lang, name in (("zh", "Chinese (zh)"), ("en", "English (en)")):
        if not sides[lang].paragraphs:
            other = "en" if lang == "zh" else "zh"
            which = f" of article {sides[other].article}" if sides[other].article else ""
            raise CorpusError(
                f"{where}: the pair{which} has no {name} text; a TMX import needs segments "
                "in both languages (xml:lang zh-… and en-…)"
            )
    source = group.sources.most_common(1)[0][0]
    return TmxPair(sides["zh"], sides["en"], source, group.units)


def paragraphs_file(paragraphs: Iterable[str]) -> bytes:
    """An article file holding these paragraphs, one a line (how kscorpus reads paragraphs)."""
    return ("\n".join(paragraphs) + "\n").encode("utf-8")


def write_pair_files(pair: TmxPair, directory: Path) -> tuple[Path, Path]:
    """Both sides of ``pair`` as article files in ``directory`` (Chinese, English)."""
    paths = (directory / "zh.txt", directory / "en.txt")
    for path, side in zip(paths, (pair.zh, pair.en)):
        path.write_bytes(paragraphs_file(side.paragraphs))
    return paths
