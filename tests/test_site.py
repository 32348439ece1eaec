"""Browser test of the built site (_build/html, made by `make book`; `make test` builds it first).

The site is served on 127.0.0.1 and opened in Debian's chromium through playwright; every request
to another host is aborted, so the test also proves the site works offline. On each chapter page
and its twin in the other language it checks that

* every static widget twin (container `.fpnlab-static`, sliders `.fpnlab-slider`, Stack
  `.fpnlab-stack`) renders exactly once, and moving a slider changes what the Stack shows;
* the language link at the top of the page leads to the twin page;
* no page error, no console error from the site itself, no failed local request (e.g. a widget
  font), and no attempt to fetch JavaScript from another host (e.g. a widget CDN).
"""
import functools
import http.server
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# (page, its twin in the other language): every chapter, both directions
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks" / "en").glob("*.ipynb"))
PAGES = [(f"notebooks/{a}/{name}.html", f"notebooks/{b}/{name}.html")
         for name in CHAPTERS for a, b in (("en", "tr"), ("tr", "en"))]
# Every widget the library offers (the `fpnlab-<name>` class of its container) must be shown,
# and so exercised, on at least one page.
WIDGET_KINDS = {"stride-table", "object-level", "feature-viewer", "fusion-explorer", "attention-viewer"}
SEEN_KINDS: set[str] = set()
VIEW_SCRIPT = 'script[type="application/vnd.jupyter.widget-view+json"]'
STATE_SCRIPT = 'script[type="application/vnd.jupyter.widget-state+json"]'
RENDER_TIMEOUT_MS = 30_000

# `make test` builds the site first and sets FPNLAB_REQUIRE_SITE=1: there a missing site or
# browser is a failure, not a skip.
_REQUIRED = os.environ.get("FPNLAB_REQUIRE_SITE") == "1"
if _REQUIRED:
    assert (SITE / "index.html").exists(), f"{SITE} is not built: run `make book`"
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: apt-get install chromium"
pytestmark = [
    pytest.mark.skipif(not (SITE / "index.html").exists(),
                       reason=f"{SITE} is not built: run `make book` (make test builds it)"),
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} missing: apt-get install chromium (make test does)"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    """Serve `directory` on 127.0.0.1 (free port) in a daemon thread; returns (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def base_url():
    server, url = serve(SITE)
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # fresh user data dir
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield context
        context.close()


class PageLog:
    """Opens a page with every non-local request aborted and records what went wrong."""

    def __init__(self, context, base_url: str):
        self.origin = urlsplit(base_url).netloc
        self.aborted: list[str] = []       # requests to other hosts (blocked on purpose)
        self.failed: list[str] = []        # local requests answered >= 400 or not at all
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._request_failed)

    def _local(self, url: str) -> bool:
        return urlsplit(url).netloc == self.origin or url.startswith(("data:", "blob:"))

    def _route(self, route):
        if self._local(route.request.url):
            route.continue_()
        else:
            self.aborted.append(route.request.url)
            route.abort()

    def _console(self, msg):
        if msg.type != "error":
            return
        where = msg.location.get("url", "") if msg.location else ""
        if where and not self._local(where):
            return  # a blocked external load (e.g. the Colab badge image)
        self.console_errors.append(f"{msg.text} ({where})")

    def _response(self, response):
        if self._local(response.url) and response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def _request_failed(self, request):
        if self._local(request.url):
            self.failed.append(f"{request.failure} {request.url}")

    def assert_clean(self):
        external_js = [u for u in self.aborted if urlsplit(u).path.endswith((".js", ".mjs"))]
        assert not external_js, f"JavaScript requested from other hosts (CDN?): {external_js}"
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.failed, f"failed local requests: {self.failed}"


def expected_static_twins(page) -> int:
    """How many `.fpnlab-static` widgets the page's widget state says should be on screen."""
    if not page.locator(STATE_SCRIPT).count():
        return 0
    state = json.loads(page.eval_on_selector(STATE_SCRIPT, "s => s.textContent"))["state"]
    views = [json.loads(t) for t in page.eval_on_selector_all(VIEW_SCRIPT, "ss => ss.map(s => s.textContent)")]

    def count(model_id: str) -> int:
        model = state.get(model_id, {}).get("state", {})
        own = int("fpnlab-static" in model.get("_dom_classes", []))
        children = [c for c in model.get("children", []) if isinstance(c, str) and c.startswith("IPY_MODEL_")]
        return own + sum(count(c[len("IPY_MODEL_"):]) for c in children)

    return sum(count(view["model_id"]) for view in views)


# What a Stack shows: its rendered text and the sources of its visible images (static twins
# nest one Stack per slider, so this is read on the outermost Stack of each twin).
VISIBLE_CONTENT = """stack => stack.innerText + '\\n' + Array.from(stack.querySelectorAll('img'))
    .filter(img => img.offsetParent !== null).map(img => img.src).join('\\n')"""
OUTER_STACK = ".fpnlab-stack:not(.fpnlab-stack .fpnlab-stack)"
RENDERED = """n => {
    const twins = Array.from(document.querySelectorAll('.fpnlab-static'));
    return twins.length >= n && twins.every(
        t => t.querySelector('.fpnlab-slider .noUi-handle') && t.querySelector('.fpnlab-stack'));
}"""


def move_slider(slider) -> None:
    """Move a noUiSlider (ipywidgets 8 slider) with the keyboard: to its end, or home if there."""
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    before = handle.get_attribute("aria-valuenow")
    handle.press("End")
    if handle.get_attribute("aria-valuenow") == before:
        handle.press("Home")


def check_static_widgets(page) -> int:
    """Every static twin renders once and each of its sliders changes what it shows.

    Returns the number of static twins on the page.
    """
    expected = expected_static_twins(page)
    twins = page.locator(".fpnlab-static")
    if expected:
        page.wait_for_function(RENDERED, arg=expected, timeout=RENDER_TIMEOUT_MS)
        page.wait_for_timeout(500)  # a second (duplicate) render would show up by now
    assert twins.count() == expected, (
        f"{twins.count()} static widgets on the page, widget state displays {expected} "
        "(rendered twice, or not at all?)")
    live = page.locator(".fpnlab-live").count()
    assert not live, f"{live} live widgets on the static site (FPNLAB_WIDGETS=static not set?)"
    for i in range(expected):
        twin = twins.nth(i)
        SEEN_KINDS.update(c[len("fpnlab-"):] for c in (twin.get_attribute("class") or "").split()
                          if c.startswith("fpnlab-") and c != "fpnlab-static")
        sliders, stack = twin.locator(".fpnlab-slider"), twin.locator(OUTER_STACK)
        assert stack.count() == 1, f"static widget {i}: {stack.count()} outermost .fpnlab-stack"
        for j in range(sliders.count()):
            before = stack.evaluate(VISIBLE_CONTENT)
            move_slider(sliders.nth(j))
            page.wait_for_function(
                f"([stack, before]) => ({VISIBLE_CONTENT})(stack) !== before",
                arg=[stack.element_handle(), before], timeout=5_000)
    return expected


def check_language_link(page, base_url: str, twin: str) -> None:
    """The first link to the twin chapter inside the page's article leads to the twin page."""
    name = twin.rsplit("/", 2)
    link = page.locator(f'article a[href$="{name[-2]}/{name[-1]}"]').first
    link.click()
    page.wait_for_url(base_url + twin, timeout=10_000)


@pytest.mark.parametrize(("path", "twin"), PAGES, ids=[p for p, _ in PAGES])
def test_chapter_page(browser_context, base_url, path, twin):
    assert (SITE / path).exists(), f"{path} is not in the built site (listed in _toc.yml?)"
    log = PageLog(browser_context, base_url)
    try:
        log.page.goto(base_url + path, wait_until="load")
        check_static_widgets(log.page)
        log.assert_clean()
        check_language_link(log.page, base_url, twin)
        log.assert_clean()
    finally:
        log.page.close()


def test_every_widget_kind_was_exercised():
    """Runs after the page tests (definition order): each library widget was moved somewhere."""
    missing = WIDGET_KINDS - SEEN_KINDS
    assert not missing, f"widgets never shown on a chapter page of the site: {sorted(missing)}"
