"""The web reader (``kscorpus serve``) over HTTP: each page's JSON twin is the command's
``--json``, untrusted text is escaped, no request reaches outside the corpus or changes it,
and the pages agree with answers worked out apart (facet counts, paging, KWIC order, the
highlights of a translation pair)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

pytest.importorskip("starlette", reason="the web reader needs: pip install '.[serve]'")

from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.web.reader import Reader
from kscorpus.web.server import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
JS_LINK = '<a href="javascript:alert(2)">这里</a>'
HOSTILE_TITLE = f"信任电商{SCRIPT}{IMG}"
ZH = f"""{HOSTILE_TITLE}
快手电商提出了信任电商。{SCRIPT}
{IMG}信任电商是直播电商的基石,信任电商让用户放心。
点击{JS_LINK}了解信任电商 javascript:alert(3)
快品牌专项计划包括流量红利。
"""
EN = f"""Trust e-commerce{SCRIPT}
Kuaishou proposed trust e-commerce. {SCRIPT}
{IMG}Trust e-commerce is the cornerstone of live e-commerce, and trust e-commerce reassures users.
Click <a href="javascript:alert(2)">here</a> to learn about trust e-commerce javascript:alert(3)
The Kuai brand plan includes traffic bonuses.
"""
HANT = "信任電商大會在杭州召開\n快手強調信任電商與直播。\n直播間是超級節點。\n"
FILLER = 12  # articles that all mention 直播: more than one page of hits


def make_corpus(tmp: Path) -> tuple[Path, Path]:
    """A corpus about anything a user might add: a translation pair holding hostile markup,
    a Traditional article and a dozen short ones, built through the CLI."""
    corpus, index = tmp / "corpus", tmp / "index"
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    (corpus / "glossary.tsv").write_text("信任电商\ttrust e-commerce\n", encoding="utf-8")
    files = tmp / "files"
    files.mkdir()
    (files / "zh.txt").write_text(ZH, encoding="utf-8")
    (files / "en.txt").write_text(EN, encoding="utf-8")
    (files / "hant.txt").write_text(HANT, encoding="utf-8")
    where = ["--corpus", str(corpus), "--index", str(index)]
    steps = [
        ["add", str(files / "zh.txt"), "--title", HOSTILE_TITLE, "--date", "2022-05-13"],
        ["add", str(files / "en.txt"), "--translation-of", "000", "--date", "2022-05-13"],
        ["add", str(files / "hant.txt"), "--date", "2021-07-22"],
    ]
    fillers = []
    for i in range(FILLER):
        f = files / f"f{i:02}.txt"
        f.write_text(f"直播笔记{i}\n第{i}场直播在{2010 + i % 3}年举行。\n", encoding="utf-8")
        fillers.append(str(f))
    steps.append(["add", *fillers])
    for step in steps:
        r = runner.invoke(app, [*step, *where])
        assert r.exit_code == 0, r.output
    return corpus, index


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_corpus(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def site(built: tuple[Path, Path]) -> Any:
    served = serve_in_thread(Reader(*built, check_every=0))
    yield served.url.rstrip("/")
    served.stop()


def get(base: str, path: str, method: str = "GET", host: str | None = None) -> tuple[int, str]:
    """Status and body of a request (errors included)."""
    request = urllib.request.Request(base + path, method=method)
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def page(path: str, **params: Any) -> str:
    return quote(path) + ("?" + urlencode(params, doseq=True) if params else "")


def cli_json(built: tuple[Path, Path], *args: str) -> Any:
    r = runner.invoke(app, [*args, "--json", "--corpus", str(built[0]), "--index", str(built[1])])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def web_json(site: str, path: str, **params: Any) -> Any:
    status, body = get(site, page(path, **params, format="json"))
    assert status == 200, body
    return json.loads(body)


# --- the JSON twins are the commands' --json ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "args"),
    [
        ("/", {}, ["list"]),
        (
            "/search",
            {"q": "信任电商"},
            ["search", "信任电商", "--facets", "--original", "-n", "10"],
        ),
        (
            "/search",
            {"q": "信任电商", "cross": "1"},  # a glossary phrase with a hyphenated word
            ["search", "信任电商", "--cross", "--facets", "--original"],
        ),
        (
            "/search",
            {"q": "trust e-commerce", "cross": "1", "lang": "zh"},
            ["search", "trust e-commerce", "--cross", "--lang", "zh", "--facets", "--original"],
        ),
        ("/article/000", {}, ["show", "000"]),
        ("/article/002", {"view": "original"}, ["show", "002", "--original"]),
        ("/pair/001", {}, ["show", "001", "--side-by-side"]),
        ("/similar/000", {}, ["similar", "000"]),
        ("/similar/002", {"limit": "2"}, ["similar", "002", "-n", "2"]),
        ("/kwic", {"term": "直播", "sort": "right"}, ["kwic", "直播", "--sort", "right"]),
        ("/kwic", {"term": "trust", "width": "12"}, ["kwic", "trust", "-w", "12"]),
        ("/dispersion", {"term": "直播"}, ["dispersion", "直播"]),
        (
            "/trend",
            {"term": ["直播", "信任电商"], "by": "month"},
            ["trend", "直播", "信任电商", "--by", "month"],
        ),
    ],
)
def test_every_page_has_the_commands_json_as_its_twin(site, built, path, params, args):
    assert web_json(site, path, **params) == cli_json(built, *args)


@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("/dispersion.svg?term=" + quote("信任电商"), ["dispersion", "信任电商"]),
        ("/trend.svg?term=" + quote("直播") + "&term=trust", ["trend", "直播", "trust"]),
    ],
)
def test_a_plot_is_the_commands_svg(site, built, tmp_path, path, args):
    """The page's SVG is the file ``--svg`` writes (hostile titles in it, escaped)."""
    out = tmp_path / "plot.svg"
    where = ["--corpus", str(built[0]), "--index", str(built[1])]
    r = runner.invoke(app, [*args, "--svg", str(out), *where])
    assert r.exit_code == 0, r.output
    status, body = get(site, path)
    assert status == 200 and body == out.read_text(encoding="utf-8")
    html_status, html = get(site, path.replace(".svg", ""))
    assert html_status == 200 and body.split("\n", 1)[1] in html


def test_search_pages_are_the_ranked_list_cut_in_tens(site, built):
    """Page 2 holds ranks 11-20 of the command's ranking; the count is of every match."""
    full = cli_json(built, "search", "直播", "--facets", "--original", "-n", "20")
    assert full["total"] > 10
    second = web_json(site, "/search", q="直播", page="2")
    assert second["hits"] == full["hits"][10:20]
    assert [h["rank"] for h in second["hits"]] == list(range(11, 11 + len(second["hits"])))
    status, html = get(site, page("/search", q="直播", page="2"))
    assert status == 200 and 'rel="prev"' in html and f'start="{11}"' in html


def test_facet_counts_are_counts_of_the_matching_articles(site, built):
    """Each facet value's count equals the matching articles with that value, counted from
    every hit of the search and the manifest; its link narrows the search to that count."""
    found = cli_json(built, "search", "直播", "-n", "100")
    articles = {a["id"]: a for a in cli_json(built, "list")}
    assert len(found["hits"]) == found["total"]
    years: dict[str, int] = {}
    langs: dict[str, int] = {}
    for h in found["hits"]:
        a = articles[h["id"]]
        years[(a["date"] or "unknown")[:4]] = years.get((a["date"] or "unknown")[:4], 0) + 1
        langs[a["lang"]] = langs.get(a["lang"], 0) + 1
    data = web_json(site, "/search", q="直播")
    assert data["facets"]["year"] == dict(sorted(years.items()))
    assert data["facets"]["lang"] == langs
    _, html = get(site, page("/search", q="直播"))
    links = Page.parse(html).links
    for year, n in years.items():
        if not year.isdigit():  # no date: nothing to narrow to
            continue
        link = next(x for x in links if "since=" + year in x and "until=" + year in x)
        assert web_json(site, urlsplit(link).path, **_query(link))["total"] == n


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def test_kwic_sorts_by_context_and_links_each_line_to_its_place(site, built):
    """Left sort is the order of the left contexts read backwards (sorted here apart); each
    line's link opens the article with exactly the occurrence marked."""
    data = web_json(site, "/kwic", term="直播", sort="left")
    keys = [ln["left"][::-1].lower() for ln in data["lines"]]
    assert keys == sorted(keys) and len(keys) > FILLER
    _, html = get(site, page("/kwic", term="直播", sort="left"))
    links = [x for x in Page.parse(html).links if x.startswith("/article/")]
    assert len(links) == 2 * len(data["lines"])  # the place and the match itself
    for ln, link in zip(data["lines"], links[::2]):
        parts = urlsplit(link)
        assert parts.fragment == f"k{ln['start']}"
        text = web_json(site, parts.path)["text"]
        assert text[ln["start"] : ln["end"]] == ln["match"] == "直播"
        _, html = get(site, link.split("#")[0])
        marked = Page.parse(html).marks.get(f"k{ln['start']}")
        assert marked == "直播"


def test_a_pair_highlights_the_query_on_both_sides(site, built):
    """Every occurrence of the query in the Chinese column, and of its glossary translation in
    the English one, is marked: counted on the aligned text by plain string search."""
    pair = cli_json(built, "show", "000", "--side-by-side")
    zh_count = sum(g["zh_text"].count("信任电商") for g in pair["segments"])
    en_count = sum(
        len(re.findall(r"trust e-commerce", g["en_text"], re.I)) for g in pair["segments"]
    )
    assert zh_count >= 4 and en_count >= 4
    status, html = get(site, page("/pair/000", q="信任电商"))
    assert status == 200
    columns = Page.parse(html).column_marks
    assert columns["zh"].count("信任电商") == zh_count
    assert [m.lower() for m in columns["en"]].count("trust e-commerce") == en_count


def test_a_hit_in_a_traditional_article_shows_its_own_script(site, built):
    _, html = get(site, page("/search", q="信任电商"))
    doc = Page.parse(html)
    assert "信任電商" in doc.all_marks  # the article's Traditional, not the cleaned Simplified
    assert "信任电商" in doc.all_marks  # and the Simplified one's own


# --- untrusted text is text ------------------------------------------------------------------


class Page(HTMLParser):
    """What a browser would build from a page: elements, attributes, text; the text of each
    ``mark`` (by id) and of the marks inside each column of a pair."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.marks: dict[str, str] = {}
        self.all_marks: list[str] = []
        self.column_marks: dict[str, list[str]] = {"zh": [], "en": []}
        self._stack: list[tuple[str, dict[str, str | None]]] = []

    @classmethod
    def parse(cls, html: str) -> Page:
        p = cls()
        p.feed(html)
        p.close()
        return p

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag not in ("meta", "link", "input", "br", "img"):
            self._stack.append((tag, a))
            if tag == "mark":
                self._current = [""]

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            t, a = self._stack.pop()
            if t == "mark":
                text = "".join(self._current)
                self.all_marks.append(text)
                if a.get("id"):
                    self.marks[str(a["id"])] = text
                column = next(
                    (c for _, x in self._stack for c in ("zh", "en") if x.get("class") == c), None
                )
                if column and "hl" in (a.get("class") or ""):
                    self.column_marks[column].append(text)
            if t == tag:
                break

    def text_content(self) -> str:
        return "".join(self.text)

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if any(t == "mark" for t, _ in self._stack):
            self._current.append(data)


HOSTILE_PAGES = [
    ("/", {}),
    ("/search", {"q": "信任电商"}),
    ("/search", {"q": "javascript", "cross": "1"}),
    ("/article/000", {"q": "信任电商"}),
    ("/article/000", {"view": "original", "q": "alert"}),
    ("/article/001", {"view": "original"}),
    ("/pair/000", {"q": "img"}),
    ("/kwic", {"term": "alert"}),
    ("/kwic", {"term": "信任电商"}),
    ("/similar/001", {}),
    ("/dispersion", {"term": "信任电商"}),
    ("/trend", {"term": ["信任电商", SCRIPT]}),
    ("/article/<script>alert(1)<", {}),
    ("/search", {"q": SCRIPT}),
]


@pytest.mark.parametrize(("path", "params"), HOSTILE_PAGES)
def test_hostile_text_is_shown_as_text_never_as_markup(site, path, params):
    """Parsed as a browser parses it, no page holds a script, an image, an event handler or a
    link anywhere but this site; the hostile strings are in its text, as text."""
    status, html = get(site, page(path, **params))
    assert status in (200, 400, 404)
    doc = Page.parse(html)
    names = {t for t, _ in doc.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "base", "form"} - {"form"}
    for tag, attrs in doc.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action"):
            value = attrs.get(key)
            assert value is None or value.startswith(("/", "#", "?")), (tag, attrs)
    text = "".join(doc.text)
    if path.startswith("/article/000") and params.get("view") == "original":
        assert SCRIPT in text and IMG in text and JS_LINK in text
    if path == "/":
        assert HOSTILE_TITLE in text
    assert "<script" not in html.replace("&lt;script", "")


def test_every_response_forbids_scripts(site):
    request = urllib.request.Request(site + "/")
    with urllib.request.urlopen(request) as r:
        policy = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"


# --- nothing outside the corpus, nothing changed --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/article/..%2F..%2F..%2Fetc%2Fpasswd",
        "/article/%2e%2e",
        "/article/..",
        "/pair/..%2Fmanifest.toml",
        "/static/..%2F..%2F..%2Fpyproject.toml",
        "/static/%2e%2e/app.py",
        "/static/app.py",
        "/static/templates%2Fbase.html",
        "/corpus/manifest.toml",
        "/manifest.toml",
        "//etc/passwd",
        "/article/000_90d88434d4b7c06b.txt",
        "/article/" + "a" * 40,
    ],
)
def test_no_path_reaches_a_file(site, built, path):
    status, body = get(site, path)
    assert status == 404, (path, status)
    for secret in ("root:x:", "[project]", "[[article]]", "{% block", "def create_app"):
        assert secret not in body


def test_the_server_is_read_only(site, built):
    corpus = built[0]
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/", "/article/000", "/search?q=x", "/static/style.css"):
            status, _ = get(site, path, method)
            assert status == 405, (method, path)
    assert get(site, "/", "HEAD")[0] == 200
    after = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    assert after == before


def test_other_host_names_are_refused(site):
    """A page elsewhere whose name is made to resolve to 127.0.0.1 cannot read the corpus."""
    assert get(site, "/", host="evil.example")[0] == 400
    assert get(site, "/", host="localhost:1234")[0] == 200


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/search?q=%22open&format=json", 400, "never closed"),
        ("/search?format=json", 400, "give a query"),
        ("/search?q=x&page=0&format=json", 400, "page must be"),
        ("/search?q=x&since=2022-13&format=json", 400, "no month 13"),
        ("/article/999?format=json", 404, "no article with id '999'"),
        ("/pair/002?format=json", 404, "Chinese only"),
        ("/kwic?term=x&sort=up&format=json", 400, "sort must be"),
        ("/article/000?view=raw&format=json", 400, "view must be"),
        ("/article/000?mark=9-1&format=json", 400, "mark must be"),
    ],
)
def test_errors_say_what_is_wrong(site, path, status, message):
    got, body = get(site, path)
    assert got == status
    data = json.loads(body)
    assert message in data["error"] and data["status"] == status
    assert validate("web-error", data) == []
    html_status, html = get(site, path.replace("&format=json", "").replace("?format=json", ""))
    if path.startswith("/search?format"):  # a page with no query is the list of articles
        assert html_status == 200 and "/article/000" in html
        return
    assert html_status == status and message in Page.parse(html).text_content()


def test_a_changed_corpus_is_served_without_a_restart(tmp_path):
    corpus, index = make_corpus(tmp_path)
    served = serve_in_thread(Reader(corpus, index, check_every=0))
    try:
        base = served.url.rstrip("/")
        assert "磁力引擎" not in get(base, "/")[1]
        new = tmp_path / "new.txt"
        new.write_text("磁力引擎发布会\n磁力引擎是快手的营销平台。\n", encoding="utf-8")
        r = runner.invoke(app, ["add", str(new), "--corpus", str(corpus), "--index", str(index)])
        assert r.exit_code == 0, r.output
        ids = [a["id"] for a in web_json(base, "/")]
        assert ids == [a["id"] for a in cli_json((corpus, index), "list")]
        assert web_json(base, "/search", q="磁力引擎")["total"] == 1
    finally:
        served.stop()


def test_the_bundled_corpus_is_served(index_dir):
    served = serve_in_thread(Reader(ROOT / "corpus", index_dir))
    try:
        base = served.url.rstrip("/")
        status, html = get(base, page("/pair/000", q="信任电商"))
        assert status == 200 and Page.parse(html).column_marks["zh"]
        data = web_json(base, "/search", q="信任電商")
        assert data["hits"][0]["id"] == "004"
    finally:
        served.stop()


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_serve_starts_prints_its_address_and_stops_on_ctrl_c(built, as_json):
    """``kscorpus serve --port 0`` as a user runs it: the URL printed answers (on stderr, or
    as one JSON line on stdout with --json), Ctrl-C stops it with status 0."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    args = ["serve", "--port", "0", "--corpus", str(built[0]), "--index", str(built[1])]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kscorpus", *args, *(["--json"] if as_json else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None and proc.stdout is not None
        if as_json:
            data = json.loads(proc.stdout.readline())
            assert validate("serve", data) == []
            assert data["articles"] == 3 + FILLER and data["corpus"] == str(built[0])
            url = data["url"]
        else:
            line = proc.stderr.readline()
            found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            assert found, line
            url = found[1]
        status, html = get(url.rstrip("/"), "/")
        assert status == 200 and '<meta charset="utf-8">' in html
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    assert out == ""  # nothing more on stdout


def validate(name: str, data: Any) -> list[str]:
    """Errors of ``data`` against ``schemas/NAME.schema.json``."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = [json.loads(p.read_text("utf-8")) for p in (ROOT / "schemas").glob("*.json")]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    schema = next(s for s in schemas if s["$id"] == f"{name}.schema.json")
    validator = Draft202012Validator(schema, registry=registry)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]


def test_serve_refuses_a_busy_port(built, site):
    port = urlsplit(site).port
    r = runner.invoke(
        app, ["serve", "--port", str(port), "--corpus", str(built[0]), "--index", str(built[1])]
    )
    assert r.exit_code == 2
    assert f"port {port}" in r.stderr and "--port 0" in r.stderr


def test_serve_warns_on_a_public_address(built, monkeypatch):
    from kscorpus.web import server

    calls = []
    monkeypatch.setattr(server, "serve", lambda reader, host, port, ready: calls.append(host))
    where = ["--corpus", str(built[0]), "--index", str(built[1])]
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", *where])
    assert r.exit_code == 0 and calls == ["0.0.0.0"]
    assert "warning: listening on 0.0.0.0" in r.stderr
    for host in ("127.0.0.1", "localhost", "::1", "127.1.2.3"):
        r = runner.invoke(app, ["serve", "--host", host, *where])
        assert r.exit_code == 0 and "warning" not in r.stderr, host


def test_serve_without_the_extra_says_how_to_install_it(built, monkeypatch):
    for name in [m for m in sys.modules if m.startswith("kscorpus.web")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m.split(".")[0] == "starlette"] + ["starlette"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    r = runner.invoke(app, ["serve", "--corpus", str(built[0]), "--index", str(built[1])])
    assert r.exit_code == 1
    assert "pip install 'kscorpus[serve]'" in r.stderr and "Traceback" not in r.stderr


def test_other_commands_do_not_load_the_web_stack():
    code = (
        "import sys; from kscorpus.cli.app import app; "
        "print(sorted(m for m in ('starlette', 'jinja2', 'uvicorn', 'kscorpus.web') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serve_open_opens_the_browser_at_the_address(built, monkeypatch):
    import webbrowser

    from kscorpus.web import server

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    monkeypatch.setattr(server, "serve", lambda reader, host, port, ready: ready("http://x:1/"))
    where = ["--corpus", str(built[0]), "--index", str(built[1])]
    r = runner.invoke(app, ["serve", "--open", *where])
    assert r.exit_code == 0 and "at http://x:1/" in r.stderr
    for _ in range(100):  # the browser opens in a thread of its own
        if opened:
            break
        threading.Event().wait(0.05)
    assert opened == ["http://x:1/"]
    opened.clear()
    assert runner.invoke(app, ["serve", *where]).exit_code == 0
    threading.Event().wait(0.2)
    assert opened == []


def test_the_listening_socket_names_tcp_so_responses_are_not_delayed():
    """asyncio sets TCP_NODELAY only on connections of a socket whose protocol is
    IPPROTO_TCP; with 0 there, each response after a keep-alive connection's first waited
    for the client's delayed ACK (~40 ms, Nagle) between its headers and body."""
    import socket

    from kscorpus.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
