"""The web reader in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.
One browser for the module. A user types a query, follows a hit to the translation side by
side, sees the query highlighted in both columns, scrolls them together, sorts a concordance
and follows a line to its place; hostile text never runs. Screenshots are kept in
build/test-artifacts/web/ (look at them: Chinese must render in a CJK font)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("starlette", reason="the web reader needs: pip install '.[serve]'")

from test_web import HOSTILE_TITLE, SCRIPT, make_corpus

from kscorpus.web.reader import Reader
from kscorpus.web.server import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts" / "web"
INSTALL = (
    "the browser tests need Chromium and Playwright: as root on Debian/Ubuntu "
    "'apt-get install -y chromium fonts-noto-cjk', and pip install '.[test]' "
    "(or set KSCORPUS_CHROMIUM to a Chromium binary)"
)


def _chromium() -> str | None:
    return os.environ.get("KSCORPUS_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
    )


@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api", reason=INSTALL)
    executable = _chromium()
    if executable is None:
        pytest.skip(INSTALL)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, index_dir: Path) -> Any:
    """The test corpus (a pair with hostile markup) and the bundled corpus, each served."""
    built = make_corpus(tmp_path_factory.mktemp("browser"))
    own = serve_in_thread(Reader(*built, check_every=0))
    bundled = serve_in_thread(Reader(ROOT / "corpus", index_dir))
    yield own.url.rstrip("/"), bundled.url.rstrip("/")
    own.stop()
    bundled.stop()


@pytest.fixture()
def page(browser: Any) -> Any:
    """A fresh page; any dialog (an alert from injected script) is recorded, and fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    yield tab
    assert tab.dialogs == [], "a script from the corpus ran"
    context.close()


def shot(tab: Any, name: str) -> None:
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_search_then_read_the_hit_side_by_side(page, sites):
    _, bundled = sites
    page.goto(bundled + "/")
    page.fill("input[name=q]", "信任電商")  # Traditional, typed
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?**")
    hits = page.locator("li.hit")
    assert hits.count() >= 3
    assert page.locator("li.hit mark.hl").first.inner_text() in ("信任电商", "信任電商")
    shot(page, "search")
    page.locator("a.pairlink").first.click()
    page.wait_for_url("**/pair/000?**")
    zh = page.locator(".seg .zh mark.hl")
    en = page.locator(".seg .en mark.hl")
    assert zh.count() >= 2 and en.count() >= 2
    assert {zh.nth(i).inner_text() for i in range(zh.count())} == {"信任电商"}
    english = [en.nth(i).inner_text().lower() for i in range(en.count())]
    assert all("trust" in w or "commerce" in w for w in english), english
    # the link's target paragraph (the hit's) is in view
    target = page.evaluate("location.hash.slice(1)")
    assert target.startswith("zh") and _in_view(page, "#" + target)
    shot(page, "pair")


def test_the_two_columns_scroll_together(page, sites):
    _, bundled = sites
    page.goto(bundled + "/pair/000?q=" + quote("信任电商"))
    before = _row_tops(page, 20)
    assert abs(before["zh"] - before["en"]) < 1
    page.locator("#pair").evaluate("el => el.scrollBy(0, 700)")
    page.wait_for_timeout(100)
    after = _row_tops(page, 20)
    assert abs(after["zh"] - after["en"]) < 1
    moved = before["zh"] - after["zh"]
    assert moved > 100 and abs((before["en"] - after["en"]) - moved) < 1
    page.mouse.move(640, 500)
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(300)
    rows = page.evaluate(
        """() => [...document.querySelectorAll('#pair .seg:not(.head)')].map(r => [
            r.querySelector('.zh').getBoundingClientRect().top,
            r.querySelector('.en').getBoundingClientRect().top])"""
    )
    assert all(abs(z - e) < 1 for z, e in rows)
    shot(page, "pair-scrolled")


def _row_tops(page: Any, n: int) -> dict[str, float]:
    return page.evaluate(
        """n => { const r = document.querySelector('#s' + n);
        return {zh: r.querySelector('.zh').getBoundingClientRect().top,
                en: r.querySelector('.en').getBoundingClientRect().top}; }""",
        n,
    )


def _in_view(page: Any, selector: str) -> bool:
    return page.evaluate(
        """s => { const b = document.querySelector(s).getBoundingClientRect();
        return b.bottom > 0 && b.top < window.innerHeight; }""",
        selector,
    )


def test_kwic_sorted_by_left_context_and_a_line_followed_to_its_place(page, sites):
    _, bundled = sites
    page.goto(bundled + "/kwic?term=" + quote("快品牌"))
    page.get_by_role("link", name="left context").click()
    page.wait_for_url("**sort=left**")
    lefts = page.locator("td.left").all_inner_texts()
    assert len(lefts) == 8
    keys = [s[::-1] for s in lefts]
    assert keys == sorted(keys)
    shot(page, "kwic")
    link = page.locator("td.match a").nth(3)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**/article/**")
    anchor = href.split("#")[1]
    marked = page.locator(f"mark#{anchor}")
    assert marked.inner_text() == "快品牌" and _in_view(page, f"#{anchor}")
    shot(page, "kwic-followed")


def test_plots_are_drawn(page, sites):
    """A tick per hit in the dispersion plot, a point per period and term in the trend."""
    _, bundled = sites
    page.goto(bundled + "/kwic?term=" + quote("快品牌"))
    page.locator("p.summary").get_by_role("link", name="dispersion").click()
    page.wait_for_url("**/dispersion?**")
    assert page.locator("figure.plot svg line.hit").count() == 8  # kwic's 8 occurrences
    shot(page, "dispersion")
    page.goto(bundled + "/trend?term=" + quote("快品牌") + "&term=" + quote("信任电商"))
    svg = page.locator("figure.plot svg")
    assert svg.bounding_box()["width"] > 300
    assert "信任电商" in svg.text_content()
    shot(page, "trend")


def test_repairs_are_marked_and_explained(page, sites):
    _, bundled = sites
    page.goto(bundled + "/article/004")
    repairs = page.locator("mark.repair")
    assert repairs.count() >= 1
    notes = [repairs.nth(i).get_attribute("title") for i in range(repairs.count())]
    assert all(n and "→" in n and " — " in n for n in notes)
    page.goto(bundled + "/article/004?view=original")
    assert page.locator("mark.repair").count() >= 1
    assert page.locator("mark.repair[title^=mojibake]").count() >= 1
    page.locator("mark.repair").first.scroll_into_view_if_needed()
    shot(page, "article-original")


def test_hostile_text_is_shown_and_never_runs(page, sites):
    own, _ = sites
    for path in ("/", "/article/000?view=original", "/article/001?view=original&q=alert",
                 "/pair/000?q=" + quote("信任电商"), "/kwic?term=alert",
                 "/search?q=" + quote("信任电商")):  # fmt: skip
        page.goto(own + path)
        assert page.evaluate("document.querySelectorAll('script, img, iframe').length") == 0
        assert page.evaluate("document.querySelectorAll('a[href^=javascript]').length") == 0
    page.goto(own + "/article/000?view=original")
    text = page.locator(".text").inner_text()
    assert SCRIPT in text and "javascript:alert(3)" in text
    page.goto(own + "/")
    assert HOSTILE_TITLE in page.locator("table.list").inner_text()
    shot(page, "hostile")


def test_readable_without_javascript(browser, sites):
    _, bundled = sites
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(bundled + "/search?q=" + quote("快品牌"))
    assert tab.locator("li.hit").count() == 2
    tab.goto(bundled + "/pair/001")
    assert tab.locator(".seg").count() > 20
    context.close()
