"""The small fixes of the repair stage, each a function from text to the edits it would make.

Modelled on ftfy: every fix is one narrow, explainable transformation, and each must leave
correct text alone (a false positive damages a good article, which is worse than leaving a bad
one as it is). Decisions rest on signals that hold for any article, never on tables of one
corpus's damage: a pinyin syllable grammar, the byte structure of GBK, how common a character is
in jieba's dictionary, and the shape of scraped page debris.

Each fix returns ``Fix`` records located in the text it was given; ``repair`` composes them.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from itertools import islice, pairwise
from typing import NamedTuple

from kscorpus.ingest.convert import to_simplified


class Fix(NamedTuple):
    """Replace ``text[start:end]`` with ``after``; ``note`` says why, for the repair report."""

    start: int
    end: int
    after: str
    note: str


HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CHAR = re.compile(f"[{HAN}]")
LOST = "\ufffd"  # stands for bytes that were destroyed and cannot be recovered
HAN_OR_LOST = re.compile(f"[{HAN}{LOST}]")

# ---------------------------------------------------------------------------------------------
# How plausible characters are: jieba's dictionary, its single-character entries (frequency) and
# its two-character words (is this pair a word?). Read with two regexes over the file, at most
# once per process and only when a text needs them, as reading it is slow.


class _Lexicon(NamedTuple):
    freq: dict[str, int]  # single-character entries: character -> frequency
    words: frozenset[str]  # two-character words


@cache
def _lexicon() -> _Lexicon:
    """Read from jieba's dictionary file; empty (everything rare) if jieba is missing."""
    from kscorpus.ingest.jieba_fast import dictionary_file

    path = dictionary_file()
    if path is None:
        return _Lexicon({}, frozenset())
    data = path.read_text(encoding="utf-8")
    freq = {c: int(f) for c, f in re.findall(r"^(\S) (\d+)", data, re.M)}
    return _Lexicon(freq, frozenset(re.findall(r"^(\S\S) ", data, re.M)))


@cache
def commonness(char: str) -> float:
    """log10 of the character's dictionary frequency (0 = unknown, ~6 = 的); Traditional too."""
    freq = _lexicon().freq
    f = freq.get(char, 0)
    if HAN_CHAR.match(char):
        f = max(f, freq.get(to_simplified(char), 0))
    return math.log10(f + 1)


_PUNCT_OK = set("“”‘’。，、；：？！（）《》〈〉【】「」『』…—·～　")


@cache
def penalty(char: str) -> float:
    """How implausible one character is in running text, 0 (ordinary) to 1 (broken)."""
    if char == LOST:
        return 1.0
    if HAN_CHAR.match(char):
        # Frequency 3000+ is unremarkable, 30 or less is what mojibake is made of.
        return min(1.0, max(0.0, (3.5 - commonness(char)) / 2.0))
    if char.isascii() or char in _PUNCT_OK:
        return 0.0
    return 0.5


# ---------------------------------------------------------------------------------------------
# Pinyin ruby left inline: 會(huì). A syllable grammar (initials + finals) keeps abbreviations
# such as (KA) or (GMV) out; an unmarked syllable needs marked neighbours to count.

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PLAIN = "aaaaeeeeiiiioooouuuuüüüü"
_UNTONE = str.maketrans(_TONED, _PLAIN)

_OPEN = "a e ai ei ao ou an en ang eng ong"
_I = "i ia ie iao iu ian in iang ing iong"
_U = "u ua uo uai ui uan un uang"
_INITIAL_FINALS = {  # initials (single letters, or space-separated) -> the finals they take
    "": "a o e ai ei ao ou an en ang eng er",
    "bpm": "a o ai ei ao ou an en ang eng i ie iao iu ian in ing u e",
    "f": "a o ei ou an en ang eng u",
    "dt": f"{_OPEN} i ia ie iao iu ian in ing u uo ui uan un e",
    "nl": f"{_OPEN} {_I} {_U} ü üe",
    "gkh": f"{_OPEN} {_U}",
    "jqx": f"{_I} u ue uan un",
    "zh ch sh r": f"{_OPEN} i {_U}",
    "z c s": f"{_OPEN} i u uo ui uan un",
    "y": "a o e ao ou an ang ong i in ing u ue uan un",
    "w": "u a o ai ei an en ang eng",
}
_SYLLABLES = frozenset(
    ini + fin
    for inis, fins in _INITIAL_FINALS.items()
    for ini in (inis.split() if " " in inis else list(inis) or [""])
    for fin in fins.split()
)


def is_pinyin_syllable(word: str) -> bool:
    """One valid Hanyu Pinyin syllable: tone marks or a final tone digit allowed, ü or v."""
    if word and word[-1] in "12345":
        word = word[:-1]
        if any(c in _TONED for c in word):
            return False
    if not word or sum(c in _TONED for c in word) > 1:
        return False
    return word.translate(_UNTONE).replace("v", "ü") in _SYLLABLES


def _is_toned(word: str) -> bool:
    return any(c in _TONED for c in word) or word[-1] in "12345"


_RUBY = re.compile(f"[(（]([a-z{_TONED}ü]{{1,6}}[1-5]?)[)）]")
_RUBY_CONTEXT = 300  # characters either side in which unmarked readings find marked neighbours


def strip_pinyin(text: str) -> list[Fix]:
    """Remove bracketed pinyin readings that directly follow a Han character (or a lost one),
    or another such reading."""
    if "(" not in text and "（" not in text:
        return []
    found: list[re.Match[str]] = []
    end = -1
    for m in _RUBY.finditer(text):
        after_han = m.start() == end or (m.start() and HAN_OR_LOST.match(text, m.start() - 1))
        if after_han and is_pinyin_syllable(m[1]):
            found.append(m)
            end = m.end()
    toned = [m.start() for m in found if _is_toned(m[1])]
    fixes: list[Fix] = []
    for m in found:
        chained = not HAN_OR_LOST.match(text, m.start() - 1)
        if chained and not (fixes and fixes[-1].end == m.start()):
            continue  # follows a reading that stays
        if _is_toned(m[1]):
            note = "pinyin reading"
        else:
            at = m.start()
            near = bisect_right(toned, at + _RUBY_CONTEXT) - bisect_left(toned, at - _RUBY_CONTEXT)
            if near < 2:
                continue
            note = f"unmarked pinyin reading among {near} marked ones"
        fixes.append(Fix(m.start(), m.end(), "", note))
    return fixes


# ---------------------------------------------------------------------------------------------
# GBK read one byte out of step. Text was encoded as GBK and decoded starting one byte late:
# each shown character is (trail byte of one real character, lead byte of the next). The byte
# lost at the start shows as ``?`` (or U+FFFD); the span ends where the decoder falls back in
# step: at a trail byte 0x40-0x7E (shown as an ASCII letter, or taking the next ASCII byte as
# its trail), or at a lone last byte, shown as ``?``. Full-width punctuation produced inside a
# span may since have been narrowed to ASCII (！ to !). Re-encoding the shown characters and
# pairing the bytes one step earlier recovers every character but those whose halves were
# lost; those become U+FFFD. A reading is kept only when it is clearly more plausible.

_MAX_SPAN = 160
_ORPHAN_RUBY = re.compile(f"([a-z{_TONED}ü]{{1,6}})[)）]")
_DROP = 0.3  # cost of each U+FFFD that stands for a pair the decoder dropped
_MAX_AFTER = 0.55  # a repair's recovered characters must cost at most this on average ...
_MIN_GAIN = 0.25  # ... and the text must lose this much cost per shown character, and 1.5


def _gbk_pair(char: str) -> bytes | None:
    """The two GBK bytes of ``char``; ASCII stands for its full-width form (! for ！)."""
    if "!" <= char <= "~":
        char = chr(ord(char) + 0xFEE0)
    try:
        raw = char.encode("gbk")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


@lru_cache(maxsize=65536)
def _gbk_char(lead: int, trail: int) -> str | None:
    """The character GBK assigns to these two bytes, or None."""
    if lead < 0x81:
        return None
    try:
        c = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return c if len(c) == 1 and not "\ue000" <= c <= "\uf8ff" else None


def _orphan_ruby(text: str, i: int) -> int:
    """End of a pinyin reading at ``i`` whose "(" went with a lost byte, or 0."""
    m = _ORPHAN_RUBY.match(text, i)
    return m.end() if m and _is_toned(m[1]) and is_pinyin_syllable(m[1]) else 0


def _costs(text: str) -> list[float]:
    """Per-character implausibility in context. A Han character that forms no dictionary word
    with a neighbour costs more unless it is a common word by itself (的, 是): in ordinary
    text about a quarter of Han characters are so isolated, in mojibake three quarters.
    ASCII letters glued into a span count half, ``?`` and U+FFFD in full."""
    simple = to_simplified(text)
    if len(simple) != len(text):
        simple = "".join(to_simplified(c) for c in text)
    words = _lexicon().words
    costs = []
    for i, c in enumerate(text):
        if c.isascii():
            costs.append(1.0 if c == "?" else 0.5 if c.isalnum() else 0.0)
            continue
        cost = penalty(c)
        if HAN_CHAR.match(c) and not (
            simple[i : i + 2] in words or (i and simple[i - 1 : i + 1] in words)
        ):
            cost += 0.5 * min(1.0, max(0.0, (5.5 - commonness(c)) / 1.5))
        costs.append(min(1.0, cost))
    return costs


_STRAY_QMARK = re.compile(f"(?<=[{HAN}])\\?+(?=[{HAN}?!{LOST}])")


def badness(text: str) -> float:
    """How broken ``text`` looks: mean implausibility per non-space character, from rare Han
    characters, Han characters that form no word with their neighbours, U+FFFD, and ``?``
    wedged into Han text. Clean prose scores about 0.1 or less, mojibake 0.4 and more."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    total = sum(c for c, ch in zip(_costs(text), text) if not ch.isascii())
    total += sum(len(m[0]) for m in _STRAY_QMARK.finditer(text))
    return min(1.0, total / len(chars))


class _Reading(NamedTuple):
    """One way to read ``text[start:end]`` as shifted GBK."""

    start: int
    end: int
    after: str
    shown: int  # how many characters the span shows (markers and stray readings aside)
    before_cost: float  # of the shown characters
    after_cost: float  # of the recovered ones (and dropped pairs)
    dropped: bool


def _readings_at(text: str, anchor: int) -> Iterator[_Reading]:
    """Every plausible reading of the text after a lost-byte marker as a shifted GBK span.

    Walks the shown characters once, pairing their bytes one step earlier as it goes; every
    place where a span could end yields a reading. An invalid pair ends the walk: no longer
    span can contain it.
    """
    j = _orphan_ruby(text, anchor + 1) or anchor + 1  # a reading of a mojibake character
    fixed = [LOST]
    pending = -1  # the last shown character's trail byte, not yet paired
    for k in range(j, min(len(text), j + _MAX_SPAN)):
        c = text[k]
        if pending >= 0x81 and c in "?" + LOST:  # lone lead byte, its trail lost
            end = _orphan_ruby(text, k + 1) or k + 1
            yield from _reading(text, anchor, j, k, end, [*fixed, LOST])
        if pending >= 0 and "@" <= c <= "~" and (last := _gbk_char(pending, ord(c))):
            yield from _reading(text, anchor, j, k + 1, k + 1, [*fixed, last])
        pair = None if c.isspace() else _gbk_pair(c)
        if pair is None:
            return
        if pending >= 0:
            ch = _gbk_char(pending, pair[0])
            if ch is None:
                return
            fixed.append(ch)
        elif not (0x40 <= pair[0] <= 0x7E or 0x80 <= pair[0] <= 0xFE):
            return
        pending = pair[1]
        if chr(pending).isalpha() and pending < 0x80:  # the next ASCII letter taken as trail
            yield from _reading(text, anchor, j, k + 1, k + 1, [*fixed, chr(pending)])
            return


def _reading(
    text: str, anchor: int, j: int, body_end: int, end: int, fixed: list[str]
) -> Iterator[_Reading]:
    body = text[j:body_end]
    recovered = [c for c in fixed if c != LOST and not c.isascii()]
    # Cheap, sound pre-check (context only adds cost): most walks over good text end here.
    if not recovered or not HAN_CHAR.search(body) or not any(map(HAN_CHAR.match, recovered)):
        return
    if sum(min(penalty(c), 2 * _DROP) for c in recovered) > _MAX_AFTER * len(recovered):
        return
    if max(penalty(recovered[0]), penalty(recovered[-1])) > 2 * _DROP:
        return  # the characters at the ends have one neighbour to vouch for them, not two
    # A decoder that silently drops an invalid pair leaves the realigned character at that
    # point made of two different characters' halves. A rare character that forms no word
    # with its recovered neighbours is read as that, once per span at most: more would excuse
    # a reading that runs on into good text.
    text_fixed = "".join(fixed)
    costs = _costs(text_fixed)
    odd = [
        (penalty(c), i)
        for i, c in enumerate(fixed[1:-1], 1)
        if penalty(c) > 2 * _DROP
        and LOST not in (fixed[i - 1], fixed[i + 1])
        and not _forms_word(text_fixed, i)
    ]
    drop = max(odd)[1] if odd else -1
    cost = sum(cost for i, cost in enumerate(costs) if fixed[i] != LOST and i != drop)
    if drop >= 0:
        fixed[drop] = LOST * 2
        cost += 2 * _DROP
    if cost <= _MAX_AFTER * len(recovered):
        shown = len(body)
        yield _Reading(anchor, end, "".join(fixed), shown, sum(_costs(body)), cost, drop >= 0)


def _forms_word(text: str, i: int) -> bool:
    """Does ``text[i]`` form a two-character dictionary word with a neighbour?"""
    around = to_simplified(text[max(0, i - 1) : i + 2])
    words = _lexicon().words
    return any(around[k : k + 2] in words for k in range(len(around) - 1))


def _best_reading(text: str, anchor: int) -> tuple[_Reading, float] | None:
    """The reading that leaves the least implausible text, if it is clearly better than none.

    Readings of one anchor end at different places, so each is judged on the same window:
    from the anchor to the furthest end, with what a shorter reading leaves behind included.
    Lost-byte markers weigh the same as U+FFFD, so a reading that explains more of them wins.
    """
    readings = list(_readings_at(text, anchor))
    if not readings:
        return None
    stop = max(r.end for r in readings)

    def cost(r: _Reading) -> float:
        lost = r.after.count(LOST) - (2 if r.dropped else 0)
        return r.after_cost + lost + sum(_costs(text[r.end : stop]))

    best = min(readings, key=cost)
    gain = sum(_costs(text[anchor:stop])) - cost(best)
    return (best, gain) if gain >= max(1.5, _MIN_GAIN * best.shown) else None


def fix_gbk_shift(text: str) -> list[Fix]:
    """Re-decode spans of GBK that were read one byte late, where that clearly reads better."""
    if "?" not in text and LOST not in text:
        return []
    found = [b for m in re.finditer(f"[?{LOST}]", text) if (b := _best_reading(text, m.start()))]
    chosen: list[_Reading] = []
    for r, _gain in sorted(found, key=lambda x: -x[1]):
        if all(r.end <= o.start or o.end <= r.start for o in chosen):
            chosen.append(r)
    fixes = []
    for r in sorted(chosen):
        note = f"GBK read one byte out of step; implausibility {r.before_cost:.1f}"
        note += f" -> {r.after_cost:.1f}"
        if r.dropped:
            note += "; a pair the decoder dropped"
        fixes.append(Fix(r.start, r.end, r.after, note))
    return fixes


# ---------------------------------------------------------------------------------------------
# Scraping debris. Whole lines go with the newlines around them, so paragraph spacing stays as
# it was; each rule asks for the whole line to look like debris, never just part of it.

_TAGS = "p|br|div|span|a|b|i|u|em|strong|font|li|ul|ol|h[1-6]|td|tr|th|table|section|img|hr"
_ATTR = r"""\s+[\w:-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s"'<>]+)"""
# A closing tag whose "<" became "?" (a lost byte) is as much a remnant as an intact one.
_HTML = re.compile(f"(?:<|\\?)/(?:{_TAGS})\\s*>|<(?:{_TAGS})(?:{_ATTR})*\\s*/?>", re.I)
_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_CONTACT = re.compile(
    r"[\s\-–—•·*|]*(?:(?:QQ|微信号?|WeChat|Tel|电话|電話|手机|手機|E-?mail|邮箱|郵箱)\s*"
    r"[:：]\s*[\w.@+\-]{4,}[\s,;，；|/]*)+",
    re.I,
)
_NAVIGATION = re.compile(
    r"\b(?:categor(?:y|ies)|tags?|latest news|related (?:posts|articles)|previous|next)\b"
    r"|上一篇|下一篇|分[类類]|标签|標籤|相[关關](?:阅读|閱讀|文章)|返回首[页頁]",
    re.I,
)
_SENTENCE_END = re.compile(r"[。！？.!?]\s*$")


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, line break excluded."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_byline(line: str) -> bool:
    """A date and a time with at most three short words around them: a scraper's byline."""
    if len(line) > 80 or not (_DATE.search(line) and _TIME.search(line)):
        return False
    rest = _TIME.sub(" ", _DATE.sub(" ", line))
    return len(rest.split()) <= 3 and not HAN_CHAR.search(rest) and "." not in rest


def _is_navigation(line: str) -> bool:
    return (
        len(line) <= 60
        and len(line.split()) <= 8
        and not _SENTENCE_END.search(line)
        and bool(_NAVIGATION.search(line))
    )


def _removals(text: str, lines: list[tuple[int, int]], doomed: dict[int, str]) -> list[Fix]:
    """Fixes deleting the lines ``doomed`` (index -> note) with their share of line breaks."""
    content = [i for i, (s, e) in enumerate(lines) if text[s:e].strip()]
    last_kept = max((i for i in content if i not in doomed), default=-1)
    next_content = dict(pairwise(content))
    prev_content = {n: i for i, n in pairwise(content)}
    fixes = []
    for i in sorted(doomed):
        s, e = lines[i]
        if i > last_kept:
            # Last content: take the line break(s) before it, so the text ends as it did.
            start, end = (lines[prev_content[i]][1] if i in prev_content else s), e
        elif i == 0 or not text[slice(*lines[i - 1])].strip():
            start, end = s, lines[next_content[i]][0]  # the paragraph and the blank after it
        else:
            start, end = s, e + 1
        fixes.append(Fix(start, end, "", doomed[i]))
    return fixes


def remove_debris(text: str) -> list[Fix]:
    """Delete HTML tag remnants, byline/timestamp lines, contact lines and trailing
    category/navigation lines that scrapers leave in article text."""
    lines = _line_spans(text)
    doomed: dict[int, str] = {}
    inline: list[Fix] = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e].strip()
        if not line:
            continue
        tags = list(_HTML.finditer(text, s, e))
        if tags and not _HTML.sub("", text[s:e]).strip():
            doomed[i] = "HTML tag remnant"
        elif tags:
            inline.extend(Fix(m.start(), m.end(), "", "HTML tag remnant") for m in tags)
        elif _is_byline(line):
            doomed[i] = "byline/timestamp line"
        elif _CONTACT.fullmatch(line):
            doomed[i] = "contact line"
    for i in reversed(range(len(lines))):  # navigation only in the trailing block
        line = text[slice(*lines[i])].strip()
        if not line or i in doomed:
            continue
        if not _is_navigation(line):
            break
        doomed[i] = "trailing category/navigation line"
    return sorted(inline + _removals(text, lines, doomed))


# ---------------------------------------------------------------------------------------------
# Repeated teasers: a paragraph that is a copy, or the truncated start, of other text. A short
# label ("核心提示") may precede a teaser, and a teaser may run on into the next paragraph.

_MIN_REPEAT = 20  # characters; shorter lines (headings, "快手电商") may well recur
_MAX_LABEL = 8


def remove_repeats(text: str) -> list[Fix]:
    """Delete paragraphs that repeat another paragraph, whole or truncated, or that preview
    (after a short label) the paragraphs that follow them.

    Text is never lost: a paragraph goes only where the copy that stands for it stays. Of
    identical paragraphs the last stays; a truncated copy goes where the longer paragraph
    stays; a teaser goes where the paragraphs it previews stay. Decisions are made from the
    last paragraph back, so what follows a paragraph is settled when it is judged, and an
    earlier paragraph that might go and is not yet judged counts as removed: every removal
    rests on paragraphs that certainly stay (of back-to-back copies the second stays).
    """
    lines = _line_spans(text)
    paras = [(i, " ".join(text[s:e].split())) for i, (s, e) in enumerate(lines)]
    paras = [(i, p) for i, p in paras if p]
    by_head: dict[str, list[int]] = {}
    for n, (_, p) in enumerate(paras):
        by_head.setdefault(p[:_MIN_REPEAT], []).append(n)

    def copies(n: int) -> Iterator[int]:
        """The paragraphs that make ``paras[n]`` a repeat: longer ones that start with it,
        and identical ones after it."""
        p = paras[n][1]
        for m in by_head[p[:_MIN_REPEAT]]:
            q = paras[m][1]
            if m != n and q.startswith(p) and (len(q) > len(p) or m > n):
                yield m

    def following(n: int) -> Iterator[str]:
        return (q for _, q in islice(paras, n + 1, None))

    gone = {  # every paragraph that might go; those kept are taken out as they are judged
        n
        for n, (_, p) in enumerate(paras)
        if len(p) >= _MIN_REPEAT and (any(copies(n)) or _teaser_label(p, following(n)) is not None)
    }
    doomed: dict[int, str] = {}
    kept_after: list[str] = []  # the kept paragraphs after the one being judged, nearest last
    for n in reversed(range(len(paras))):
        i, p = paras[n]
        note = None
        if n in gone:
            if (m := next((m for m in copies(n) if m not in gone), None)) is not None:
                whole = "repeats" if len(paras[m][1]) == len(p) else "truncated copy of"
                note = f"{whole} {'an earlier' if m < n else 'a later'} paragraph"
            elif (label := _teaser_label(p, reversed(kept_after))) is not None:
                note = "teaser repeating the start of what follows"
                if label:
                    note += f" (after the label {label!r})"
        if note is None:
            gone.discard(n)
            kept_after.append(p)
        else:
            doomed[i] = note
    return _removals(text, lines, doomed)


def _teaser_label(para: str, following: Iterable[str]) -> str | None:
    """The label before ``para``'s copy of the start of the paragraphs that follow it; None if
    it is no such copy."""
    after = list(islice(following, len(para)))  # enough: each is at least one character
    for joiner in ("", " "):
        ahead = ""
        for q in after:
            ahead = f"{ahead}{joiner}{q}" if ahead else q
            if len(ahead) >= len(para):
                break
        for k in range(min(_MAX_LABEL, len(para) - _MIN_REPEAT) + 1):
            if ahead.startswith(para[k:]):
                return para[:k]
    return None
