"""The web reader: a Starlette application whose pages are views of the library's answers.

Each page has a JSON twin (``?format=json``) that is exactly what the matching command prints
with ``--json``; the HTML is that data through Jinja templates with autoescaping on for every
template, and marked text is passed as pieces (``marks``), never as markup. Only GET and HEAD
are routed, article ids are checked against the manifest's id syntax before the index is asked,
static files come from the package (looked up by name in a fixed table), and every response
forbids scripts, frames and plugins (Content-Security-Policy): the corpus is scraped text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kscorpus.errors import (
    EXIT_CORPUS,
    EXIT_INDEX,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    KscorpusError,
    NotFoundError,
    QueryError,
)
from kscorpus.web.marks import Mark, change_marks, pieces
from kscorpus.web.reader import (
    MAX_RESULTS,
    PER_PAGE,
    Reader,
    article_list,
    counterparts,
    page_of,
)

ID = re.compile(r"[0-9A-Za-z_-]{1,32}")  # the manifest's id syntax
LOW_CONFIDENCE = 0.8  # alignment links below this are marked (as ``show --side-by-side`` does)
LIST_PAGE = 200  # articles a page of the list
KWIC_LIMIT = 100  # lines, as ``kwic`` shows by default
DISPERSION_LIMIT = 40  # articles drawn, as ``dispersion`` draws by default
STATUS = {EXIT_USAGE: 400, EXIT_NOT_FOUND: 404, EXIT_CORPUS: 500, EXIT_INDEX: 503}
STATIC = {"style.css": "text/css; charset=utf-8"}
FILTERS = ("lang", "script", "since", "until", "event", "publisher")
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self'; "
     b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]  # fmt: skip
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def create_app(reader: Reader, allowed_hosts: frozenset[str] | None = LOOPBACK_NAMES) -> ASGIApp:
    """The reader's ASGI application. ``allowed_hosts``: the Host header names answered (the
    loopback names by default, so a web page that rebinds its own name to 127.0.0.1 cannot read
    the corpus); None answers any (a server bound to a public address)."""
    env = Environment(
        loader=PackageLoader("kscorpus.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["url"] = url
    static = {
        name: (resources.files("kscorpus.web").joinpath("static", name).read_bytes(), media)
        for name, media in STATIC.items()
    }
    views = Views(reader, env)

    def serve_static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            raise HTTPException(404, f"no static file {name!r}")
        body, media = static[name]
        return Response(body, media_type=media, headers={"cache-control": "max-age=300"})

    routes = [
        Route("/", views.home),
        Route("/search", views.search),
        Route("/article/{article_id}", views.article),
        Route("/pair/{article_id}", views.pair),
        Route("/similar/{article_id}", views.similar),
        Route("/kwic", views.kwic),
        Route("/dispersion", views.dispersion),
        Route("/dispersion.svg", views.dispersion),
        Route("/trend", views.trend),
        Route("/trend.svg", views.trend),
        Route("/static/{name}", serve_static),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            KscorpusError: views.error,
            HTTPException: views.http_error,
            Exception: views.error,  # the server logs the traceback; the page says one line
        },
    )
    return _Guard(app, allowed_hosts)


def url(path: str, base: dict[str, Any] | None = None, **params: Any) -> str:
    """``path`` with the non-empty ``params`` (over those of ``base``) as its query string."""
    given = (base or {}) | params
    query = urlencode({k: v for k, v in given.items() if v not in (None, "", False)}, doseq=True)
    return f"{path}?{query}" if query else path


class Views:
    """The pages. Each answers JSON for ``?format=json`` and HTML otherwise."""

    def __init__(self, reader: Reader, env: Environment) -> None:
        self.reader = reader
        self.env = env

    def render(self, name: str, **context: Any) -> Response:
        return HTMLResponse(self.env.get_template(name).render(**context))

    def home(self, request: Request) -> Response:
        page = _int(request.query_params.get("page"), "page", 1, 1, 10**6)
        with self.reader.handle() as h:
            rows = article_list(h)
            if _wants_json(request):
                return _json(rows)
            shown = rows[(page - 1) * LIST_PAGE : page * LIST_PAGE]
            pairs = counterparts(h, [r["id"] for r in shown])
        return self.render(
            "home.html",
            rows=shown,
            total=len(rows),
            pairs=pairs,
            page=page,
            pages=max(1, -(-len(rows) // LIST_PAGE)),
            q="",
            cross=False,
            title="",
        )

    def search(self, request: Request) -> Response:
        from kscorpus.query.filters import Filters
        from kscorpus.query.search import search

        p = request.query_params
        q = p.get("q", "").strip()
        if not q:
            if _wants_json(request):
                raise QueryError("give a query with ?q=, e.g. /search?q=信任电商")
            return self.home(request)
        cross = _flag(p.get("cross"))
        page = _int(p.get("page"), "page", 1, 1, MAX_RESULTS // PER_PAGE)
        given = {k: p.get(k) or None for k in FILTERS}
        filters = Filters(**given)
        with self.reader.handle() as h:
            res = search(
                h,
                q,
                limit=page * PER_PAGE,
                cross=cross,
                filters=filters,
                facets=True,
                original=True,
            )
            data = res.to_json()
            data["hits"] = page_of(data["hits"], page)
            if _wants_json(request):
                return _json(data)
            pairs = counterparts(h, [hit.id for hit in page_of(res.hits, page)])
        hits = [_hit_view(hit, pairs[hit.id]) for hit in page_of(res.hits, page)]
        state = {"q": q, "cross": "1" if cross else "", **given}
        return self.render(
            "search.html",
            title=q,
            q=q,
            cross=cross,
            res=res,
            hits=hits,
            page=page,
            pages=min(-(-res.total // PER_PAGE), MAX_RESULTS // PER_PAGE),
            state=state,
            facets=_facet_links(res.facets or {}, state),
            active=[(k, v, url("/search", state, **{k: None})) for k, v in given.items() if v],
        )

    def article(self, request: Request) -> Response:
        from kscorpus.bilingual.counterparts import find_version
        from kscorpus.cli.reading import show_json

        article_id = _article_id(request)
        p = request.query_params
        view = p.get("view") or "cleaned"
        if view not in ("cleaned", "original"):
            raise QueryError(f"view must be cleaned or original, not {view!r}")
        q = p.get("q", "").strip()
        mark = _span(p.get("mark"))
        with self.reader.handle() as h:
            doc, via = find_version(h, article_id)
            if _wants_json(request):
                return _json(show_json(doc, view == "original", via))
            terms = _terms(h, q)
            other = counterparts(h, [article_id])[article_id]
            titles = {a["id"]: a["title"] for a in h.articles_meta()}
        if view == "cleaned":
            blocks = _cleaned_blocks(doc, terms, mark)
        else:
            blocks = _original_blocks(doc, terms, mark)
        return self.render(
            "article.html",
            title=doc.article.title,
            q=q,
            cross=False,
            doc=doc,
            a=doc.article.to_json(),
            view=view,
            request_mark=p.get("mark") or None,
            blocks=blocks,
            lang_tag=_lang_tag(doc.article.lang, doc.article.script if view == "original" else ""),
            other=other,
            other_title=titles.get(other or ""),
            repairs=len([r for r in doc.repairs if r.kind != "decode"]),
            suspects=len(doc.suspects),
            decode=[r.note for r in doc.repairs if r.kind == "decode"],
        )

    def similar(self, request: Request) -> Response:
        """``similar ID``: a page of its own, as it reads every article of the corpus."""
        from kscorpus.bilingual.counterparts import find_version
        from kscorpus.study.similar import similar

        article_id = _article_id(request)
        limit = _int(request.query_params.get("limit"), "limit", 5, 1, 100)
        with self.reader.handle() as h:
            doc, _ = find_version(h, article_id)
            near = similar(h, article_id, limit)
        if _wants_json(request):
            return _json({"id": article_id, "similar": [n.to_json() for n in near]})
        return self.render(
            "similar.html",
            title=f"similar to {article_id}",
            q="",
            cross=False,
            a=doc.article.to_json(),
            near=near,
            limit=limit,
        )

    def pair(self, request: Request) -> Response:
        from kscorpus.bilingual.counterparts import aligned_pair
        from kscorpus.cli.reading import pair_json

        article_id = _article_id(request)
        q = request.query_params.get("q", "").strip()
        with self.reader.handle() as h:
            zh, en, segments = aligned_pair(h, article_id)
            if _wants_json(request):
                return _json(pair_json(zh, en, segments))
            terms = _terms(h, q)
        docs = {"zh": zh, "en": en}
        rows = [
            {
                "n": g["n"],
                "confidence": g["confidence"],
                "low": g["confidence"] < LOW_CONFIDENCE,
                **{
                    side: [
                        (pno, _highlighted(doc.paragraph_text(pno), terms))
                        for pno in g[f"{side}_pnos"]
                    ]
                    for side, doc in docs.items()
                },
            }
            for g in segments
        ]
        return self.render(
            "pair.html",
            title=f"{zh.article.title} ⇆ {en.article.title}",
            q=q,
            cross=True,
            zh=zh.article,
            en=en.article,
            rows=rows,
            low=LOW_CONFIDENCE,
            counts={
                side: sum(1 for r in rows for _, ps in r[side] for x in ps if "hl" in x.kinds)
                for side in ("zh", "en")
            },
        )

    def kwic(self, request: Request) -> Response:
        from kscorpus.query.filters import Filters
        from kscorpus.study.kwic import SORTS
        from kscorpus.study.kwic import kwic as run

        p = request.query_params
        term = p.get("term", "").strip()
        sort = p.get("sort") or "position"
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        width = _int(p.get("width"), "width", 30, 1, 200)
        limit = _int(p.get("limit"), "limit", KWIC_LIMIT, 1, MAX_RESULTS)
        given = {k: p.get(k) or None for k in FILTERS}
        filters = Filters(**given)
        if not term:
            if _wants_json(request):
                raise QueryError("give a term with ?term=, e.g. /kwic?term=快品牌")
            return self.render(
                "kwic.html",
                title="KWIC",
                term="",
                res=None,
                q="",
                cross=False,
                sort=sort,
                width=width,
                state={},
            )
        with self.reader.handle() as h:
            res = run(h, term, width=width, sort=sort, limit=limit, filters=filters)
        if _wants_json(request):
            return _json(res.to_json())
        state = {"term": term, "width": width if width != 30 else None, **given}
        return self.render(
            "kwic.html",
            title=f"KWIC {term}",
            term=term,
            res=res,
            q="",
            cross=False,
            sort=sort,
            width=width,
            state=state,
        )

    def dispersion(self, request: Request) -> Response:
        """``dispersion TERM``: where the term falls in each article, as SVG."""
        from kscorpus.charts.figures import dispersion_svg
        from kscorpus.query.filters import Filters
        from kscorpus.study.dispersion import dispersion as run

        p = request.query_params
        term = p.get("term", "").strip()
        limit = _int(p.get("limit"), "limit", DISPERSION_LIMIT, 1, MAX_RESULTS)
        given = {k: p.get(k) or None for k in FILTERS}
        filters = Filters(**given)
        if not term:
            return self._plot_form(request, "dispersion", "快品牌")
        with self.reader.handle() as h:
            res = run(h, term, filters=filters, limit=limit)
        svg = dispersion_svg(res)
        if request.url.path.endswith(".svg"):
            return _svg(svg)
        if _wants_json(request):
            return _json(res.to_json())
        state = {"term": term, **given}
        return self.render(
            "plot.html",
            title=f"dispersion {term}",
            q="",
            cross=False,
            kind="dispersion",
            terms=[term],
            state=state,
            svg=_inline(svg),
            res=res,
            by="year",
        )

    def trend(self, request: Request) -> Response:
        """``trend TERM...``: each term's rate per million tokens by year or month, as SVG."""
        from kscorpus.charts.figures import trend_svg
        from kscorpus.query.filters import Filters
        from kscorpus.study.trend import trend as run

        p = request.query_params
        terms = [t.strip() for t in p.getlist("term") if t.strip()]
        by = p.get("by") or "year"
        given = {k: p.get(k) or None for k in FILTERS}
        filters = Filters(**given)
        if not terms:
            return self._plot_form(request, "trend", "快品牌")
        with self.reader.handle() as h:
            res = run(h, terms, by=by, filters=filters)
        svg = trend_svg(res)
        if request.url.path.endswith(".svg"):
            return _svg(svg)
        if _wants_json(request):
            return _json(res.to_json())
        state = {"by": by if by != "year" else None, **given}
        return self.render(
            "plot.html",
            title=f"trend {' '.join(terms)}",
            q="",
            cross=False,
            kind="trend",
            terms=terms,
            state=state,
            svg=_inline(svg),
            res=res,
            by=by,
        )

    def _plot_form(self, request: Request, kind: str, example: str) -> Response:
        if _wants_json(request) or request.url.path.endswith(".svg"):
            raise QueryError(f"give a term with ?term=, e.g. /{kind}?term={example}")
        return self.render(
            "plot.html",
            title=kind,
            q="",
            cross=False,
            kind=kind,
            terms=[],
            state={},
            svg=None,
            res=None,
            by="year",
        )

    def error(self, request: Request, exc: Exception) -> Response:
        """A KscorpusError's one line, with the HTTP status of its exit code; anything else
        as the CLI says it (exit code 1), status 500."""
        if isinstance(exc, KscorpusError):
            return self._error(request, STATUS.get(exc.code, 500), str(exc), exc.code)
        return self._error(request, 500, f"unexpected error: {exc!r}", 1)

    def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = exc.detail if exc.status_code != 404 or "no " in exc.detail else "no such page"
        return self._error(request, exc.status_code, message, None, exc.headers)

    def _error(
        self,
        request: Request,
        status: int,
        message: str,
        code: int | None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if _wants_json(request):
            body = {"error": message, "status": status} | ({"code": code} if code else {})
            return _json(body, status, headers)
        page = self.env.get_template("error.html").render(
            title="error", status=status, message=message, q="", cross=False
        )
        return HTMLResponse(page, status_code=status, headers=headers)


class _Guard:
    """Answers only requests whose Host is allowed, and adds the security headers to every
    response (errors included)."""

    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        if self.allowed is not None:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = urlsplit("//" + host).hostname if host else None
            if name not in self.allowed:
                await PlainTextResponse("unknown Host header", status_code=400)(
                    scope, receive, secured
                )
                return
        await self.app(scope, receive, secured)


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Exactly what the CLI's ``--json`` prints: UTF-8, not ASCII-escaped, indented."""
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return Response(body, status, headers, media_type="application/json")


def _svg(svg: str) -> Response:
    return Response(svg, media_type="image/svg+xml; charset=utf-8")


def _inline(svg: str) -> Markup:
    """A chart of ``charts.svg`` for a page: its XML declaration dropped. Markup because
    ``charts.svg`` escapes every text of the data itself (tested with hostile titles)."""
    return Markup(svg.split("\n", 1)[1] if svg.startswith("<?xml") else svg)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


def _int(value: str | None, name: str, default: int, lo: int, hi: int) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise QueryError(f"{name} must be a whole number from {lo} to {hi}, not {value!r}")
    return int(value)


def _span(value: str | None) -> tuple[int, int] | None:
    """``mark=START-END``: a KWIC line's place in the cleaned text."""
    if not value:
        return None
    m = re.fullmatch(r"(\d{1,9})-(\d{1,9})", value)
    if not m or int(m[1]) > int(m[2]):
        raise QueryError(f"mark must be START-END (character offsets), not {value!r}")
    return int(m[1]), int(m[2])


def _article_id(request: Request) -> str:
    article_id = request.path_params["article_id"]
    if not ID.fullmatch(article_id):
        raise NotFoundError(
            f"{article_id[:40]!r} is not an article id (letters, digits, - or _, at most 32)"
        )
    return str(article_id)


def _terms(handle: Any, q: str) -> tuple[str, ...]:
    """The words to highlight for ``q`` in either language (its glossary translations too)."""
    from kscorpus.web.reader import query_terms

    return query_terms(handle, q, cross=True) if q else ()


def _highlighted(text: str, terms: tuple[str, ...], extra: list[Mark] | None = None) -> list[Any]:
    from kscorpus.query.highlight import match_spans

    marks = [Mark(s, e, "hl") for s, e, _ in match_spans(text, terms)] if terms else []
    return pieces(text, marks + (extra or []))


def _cleaned_blocks(doc: Any, terms: tuple[str, ...], mark: tuple[int, int] | None) -> list[Any]:
    """The cleaned text by paragraph (``p{pno}``): the query, a KWIC occurrence and repairs."""
    changes = doc.repairs + doc.suspects
    blocks = []
    for pno, (s, e) in enumerate(doc.paragraphs):
        extra = change_marks(changes, doc.offsets, s, e)
        if mark and s <= mark[0] < e:
            extra.append(Mark(mark[0] - s, mark[1] - s, "kwic", anchor=f"k{mark[0]}"))
        blocks.append((f"p{pno}", f"¶{pno + 1}", _highlighted(doc.text[s:e], terms, extra)))
    return blocks


def _original_blocks(doc: Any, terms: tuple[str, ...], mark: tuple[int, int] | None) -> list[Any]:
    """The original text by line (``l{n}``, as ``doctor`` counts lines), with the cleaned
    text's query matches and KWIC occurrence located through the offset map."""
    from kscorpus.query.highlight import match_spans

    found: list[Mark] = []
    if terms:
        for s, e in doc.paragraphs:
            for hs, he, _ in match_spans(doc.text[s:e], terms):
                found.append(Mark(*doc.offsets.span(s + hs, s + he), "hl"))
    if mark and mark[1] <= len(doc.text):
        a, b = doc.offsets.span(*mark)
        found.append(Mark(a, b, "kwic", anchor=f"k{mark[0]}"))
    blocks = []
    lo = 0
    for n, line in enumerate(doc.original.split("\n"), 1):
        hi = lo + len(line)
        marks = change_marks(doc.repairs + doc.suspects, None, lo, hi)
        inside = [m for m in found if m.start < hi and m.end > lo]
        marks += [replace(m, start=m.start - lo, end=m.end - lo) for m in inside]
        blocks.append((f"l{n}", str(n), pieces(line, marks)))
        lo = hi + 1
    return blocks


def _hit_view(hit: Any, pair: str | None) -> dict[str, Any]:
    """A hit as the search page shows it: its snippet in the script the article is written in
    (the original text's, for Traditional; the cleaned text is Simplified)."""
    snip = hit.original if hit.script == "Hant" and hit.original else hit.snippet
    marks = [Mark(s, e, "hl") for s, e in snip.highlights]
    before, after = snip.cut
    return {
        "hit": hit,
        "pieces": pieces(snip.text, marks),
        "before": before,
        "after": after,
        "pair": pair,
        "lang_tag": _lang_tag(hit.lang, hit.script),
    }


def _lang_tag(lang: str, script: str) -> str:
    """The HTML ``lang`` of a text: the browser picks the script's glyph forms and fonts."""
    if lang == "en":
        return "en"
    return "zh-Hant" if script == "Hant" else "zh-Hans"


def _facet_links(
    facets: dict[str, dict[str, int]], state: dict[str, Any]
) -> list[tuple[str, list[tuple[str, int, str | None]]]]:
    """Each facet's values with their counts and the search narrowed to them (None where the
    value cannot be a filter, as for articles without a date)."""
    narrow: dict[str, Callable[[str], dict[str, str]]] = {
        "year": lambda v: {"since": v, "until": v},
        "lang": lambda v: {"lang": v},
        "event": lambda v: {"event": v},
    }
    out = []
    for name, counts in facets.items():
        values = []
        for value, n in counts.items():
            # articles without the field count as "unknown" ("unkn" as a year)
            known = value.isdigit() if name == "year" else value != "unknown"
            link = url("/search", state, **narrow[name](value)) if known else None
            values.append((value if known else "unknown", n, link))
        out.append((name, values))
    return out
