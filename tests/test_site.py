"""Browser test of the built site (_build/html, made by `make book`; `make test` builds it first).

The site is two sites built from the same sources (book/_ext/fpnbook.py): English in
_build/html, Turkish in _build/html/tr. It is served on 127.0.0.1 and opened in Debian's chromium
through playwright; every request to another host is aborted, so the test also proves the site
works offline. On each chapter page of both languages it checks

* widgets: every static widget twin (container `.fpnlab-static`, sliders `.fpnlab-slider`, Stack
  `.fpnlab-stack`) renders exactly once, moving a slider changes what the Stack shows, the value
  box cannot be typed into, slider handles have a label, no "null" tooltip, images have alt text,
  widgets are readable in dark mode;
* language: `<html lang>` is the page's language, the language link in the text and the switch
  in the header lead to the twin page, a Turkish page shows the themes' words in Turkish;
* navigation: the sidebar (☰) and the in-page contents buttons open and close at desktop
  (1366×900) and phone (390×844) widths; nothing scrolls sideways at 390 px; sliders fit the
  column and show their value; slider labels are not cut off;
* no build noise: no `# NBVAL_` marker, no "No CUDA runtime" warning, no path of the build
  machine, no flag emoji (icons are images the site serves), no request to another host
  (the Colab badge is served by the site);
* light pages: no script in `<head>` blocks the first paint beyond a small budget, the widget
  state is not in `<head>`;
* no page error, no console error from the site itself, no failed local request.

`test_page_weight` measures every chapter over a throttled link (10 Mbit/s, 40 ms) and writes the
table of transferred bytes, time to text and time to an interactive widget to
_build/site-metrics.md (also: `python tests/test_site.py [SITE] [--old-layout]`).
"""
from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("FPNBOOK_SITE", ROOT / "_build" / "html"))   # override: test another build
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LANGS = ("en", "tr")
PREFIX = {"en": "", "tr": "tr/"}   # where each language's site sits in _build/html
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks" / "en").glob("*.ipynb"))


def page_path(lang: str, name: str) -> str:
    return f"{PREFIX[lang]}notebooks/{lang}/{name}.html"


# (page, its twin in the other language): every chapter, both directions
PAGES = [(page_path(a, name), page_path(b, name))
         for name in CHAPTERS for a, b in (("en", "tr"), ("tr", "en"))]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Every widget the library offers (the `fpnlab-<name>` class of its container) must be shown,
# and so exercised, on at least one page.
WIDGET_KINDS = {"stride-table", "object-level", "feature-viewer", "fusion-explorer", "attention-viewer",
                "data-stats", "block-zoo", "backbone-cost", "budget", "regularizer"}
SEEN_KINDS: set[str] = set()
VIEW_SCRIPT = 'script[type="application/vnd.jupyter.widget-view+json"]'
STATE_SCRIPT = 'script[type="application/vnd.jupyter.widget-state+json"]'
RENDER_TIMEOUT_MS = 30_000
# The themes' own words that must not appear in the chrome of a Turkish page (visible text,
# titles, aria-labels, placeholders).
ENGLISH_CHROME = ["Search", "Contents", "Previous", "Next", "previous", "next", "Show code cell",
                  "Hide code cell", "Toggle", "Download", "Skip to main content", "Back to top",
                  "light/dark", "Print to PDF", "Fullscreen", "Repository", "Open issue",
                  "Click to show", "Link to this heading", "Copy"]
# Render-blocking scripts (no defer/async) in <head>: only Sphinx's few small helpers are allowed.
BLOCKING_SCRIPT_BUDGET = 100_000   # bytes
# Throttled link for the measurement
LINK = {"download_bps": 10e6 / 8, "upload_bps": 5e6 / 8, "latency_ms": 40}
METRICS = ROOT / "_build" / "site-metrics.md"

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
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=DESKTOP)
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
            return  # reported through self.aborted
        self.console_errors.append(f"{msg.text} ({where})")

    def _response(self, response):
        if self._local(response.url) and response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def _request_failed(self, request):
        if self._local(request.url):
            self.failed.append(f"{request.failure} {request.url}")

    def assert_clean(self):
        # nothing at all from another host: no CDN script, no badge image, no font
        assert not self.aborted, f"requests to other hosts (the site must serve everything): {self.aborted}"
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


def check_readout_is_not_an_input(page, slider) -> None:
    """Typing into a slider's value box must not show a value the widget is not displaying."""
    readout = slider.locator(".widget-readout").first
    if not readout.count():
        return
    assert readout.get_attribute("contenteditable") != "true", "slider value box is editable"
    before = readout.inner_text()
    readout.click()
    page.keyboard.type("512")
    page.keyboard.press("Enter")
    assert readout.inner_text() == before, f"typing changed the value box: {before!r} -> {readout.inner_text()!r}"


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
            check_readout_is_not_an_input(page, sliders.nth(j))
            before = stack.evaluate(VISIBLE_CONTENT)
            move_slider(sliders.nth(j))
            page.wait_for_function(
                f"([stack, before]) => ({VISIBLE_CONTENT})(stack) !== before",
                arg=[stack.element_handle(), before], timeout=5_000)
    return expected


ACCESSIBILITY = """() => {
    const problems = [];
    document.querySelectorAll('.noUi-handle').forEach((h, i) => {
        if (!(h.getAttribute('aria-label') || '').trim()) problems.push(`slider handle ${i} has no label`);
    });
    document.querySelectorAll('[title]').forEach(e => {
        if (['null', 'undefined', ''].includes(e.getAttribute('title').trim()))
            problems.push(`${e.tagName}.${e.className} has the tooltip "${e.getAttribute('title')}"`);
    });
    document.querySelectorAll('article img').forEach(img => {
        if (img.classList.contains('fpnbook-flag')) return;   // decorative: the link text names the language
        const alt = (img.getAttribute('alt') || '').trim();
        if (!alt || alt === 'null' || /_images\\/|\\.(png|jpe?g|svg)$/.test(alt))
            problems.push(`image ${img.src.slice(-40)} has no meaningful alt text: "${alt}"`);
    });
    return problems;
}"""


def check_accessibility(page) -> None:
    problems = page.evaluate(ACCESSIBILITY)
    assert not problems, "; ".join(problems[:10])


NOISE = [
    (re.compile(r"NBVAL_"), "an nbval marker"),
    (re.compile(r"No CUDA runtime"), "the 'No CUDA runtime' warning"),
    (re.compile(r"(?:/work/|/home/|/root/|/tmp/|/usr/|/opt/|site-packages|dist-packages|\.venv/)"),
     "a path of the machine that built the site"),
    (re.compile("[\U0001F1E6-\U0001F1FF]"), "a flag emoji (shown as an empty box on some systems)"),
]


def check_no_build_noise(page) -> None:
    text = page.evaluate("() => document.querySelector('article').innerText")
    for pattern, what in NOISE:
        match = pattern.search(text)
        assert not match, f"the page shows {what}: …{text[max(0, match.start() - 80):match.end() + 80]}…"


HEAD = """() => ({
    lang: document.documentElement.lang,
    blocking: Array.from(document.head.querySelectorAll('script[src]'))
        .filter(s => !s.defer && !s.async && (!s.type || /javascript|module/.test(s.type)))
        .map(s => s.src),
    stateInHead: !!document.head.querySelector('script[type="application/vnd.jupyter.widget-state+json"]'),
})"""


def check_head(page, lang: str) -> None:
    head = page.evaluate(HEAD)
    assert head["lang"] == lang, f'<html lang="{head["lang"]}"> on a page of the {lang} site'
    assert not head["stateInHead"], "the widget state is in <head>: it holds up the first paint"
    sizes = {}
    for src in head["blocking"]:
        path = urlsplit(src).path.lstrip("/")
        sizes[path] = (SITE / path).stat().st_size if (SITE / path).exists() else 0
    assert sum(sizes.values()) <= BLOCKING_SCRIPT_BUDGET, (
        f"render-blocking scripts in <head>: {sum(sizes.values())} bytes > {BLOCKING_SCRIPT_BUDGET}: "
        f"{sorted(sizes.items(), key=lambda kv: -kv[1])[:5]}")


CHROME_WORDS = """() => {
    const chrome = Array.from(document.querySelectorAll(
        '.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area, footer, .bd-footer, .toggle-details__summary, details summary, button.copybtn'));
    const words = [];
    for (const el of chrome) {
        words.push(el.innerText || '');
        el.querySelectorAll('[title], [aria-label], [placeholder], [data-tooltip]').forEach(e => {
            for (const a of ['title', 'aria-label', 'placeholder', 'data-tooltip']) if (e.getAttribute(a)) words.push(e.getAttribute(a));
        });
    }
    document.querySelectorAll('article .cell details summary, article .admonition-title').forEach(e => words.push(e.innerText));
    return words.join('\\n');
}"""


def check_turkish_chrome(page) -> None:
    """The themes' own words on a Turkish page are Turkish (the book supplies them)."""
    text = page.evaluate(CHROME_WORDS)
    # chapter titles in the sidebar may contain English terms (neck, head, ...); the theme's words
    # are whole words or phrases
    found = [w for w in ENGLISH_CHROME if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    assert not found, f"English theme words on a Turkish page: {found}"


VISIBLE = """sel => { const e = document.querySelector(sel); if (!e) return false;
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return s.visibility !== 'hidden' && s.display !== 'none' && +s.opacity > 0.1
        && r.width > 20 && r.right > 10 && r.left < innerWidth - 10; }"""
TOGGLES = [(".primary-toggle", ".bd-sidebar-primary"), (".secondary-toggle", ".bd-sidebar-secondary")]


def check_navigation(page, viewport: dict) -> None:
    """The header's sidebar (☰) and in-page contents buttons open and close their panel."""
    page.set_viewport_size(viewport)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    clicked = 0
    for button, panel in TOGGLES:
        toggle = page.locator(f".bd-header-article {button}").first
        if not toggle.count() or not toggle.is_visible():
            # the in-page contents are always shown on a wide screen (no button there)
            assert button == ".secondary-toggle" and viewport["width"] >= 1200, (
                f"{button} missing at {viewport['width']} px")
            assert page.evaluate(VISIBLE, panel), f"{panel} neither shown nor toggled at {viewport['width']} px"
            continue
        before = page.evaluate(VISIBLE, panel)
        toggle.click()
        page.wait_for_function(f"() => ({VISIBLE})('{panel}') !== {json.dumps(before)}", timeout=3_000)
        # close it again: the same button on a wide screen, Escape or the overlay on a phone
        if viewport["width"] >= 992 and button == ".primary-toggle":
            toggle.click()
        else:
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
            if page.evaluate(VISIBLE, panel) != before:
                page.mouse.click(viewport["width"] - 5, viewport["height"] // 2)
        page.wait_for_function(f"() => ({VISIBLE})('{panel}') === {json.dumps(before)}", timeout=3_000)
        clicked += 1
    assert clicked, f"no navigation button at {viewport['width']} px"


PHONE_LAYOUT = """() => {
    const problems = [], width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1)
        problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px > ${width} px; widest: ` +
            Array.from(document.querySelectorAll('article *')).filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(-3).map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40)).join(' | '));
    const article = document.querySelector('article').getBoundingClientRect();
    document.querySelectorAll('.widget-slider, .widget-hslider').forEach((s, i) => {
        const r = s.getBoundingClientRect();
        if (r.right > article.right + 1) problems.push(`slider ${i} is wider than the column (${Math.round(r.right)} > ${Math.round(article.right)})`);
        const readout = s.querySelector('.widget-readout');
        if (readout) {
            readout.scrollIntoView({block: 'center', behavior: 'instant'});
            const q = readout.getBoundingClientRect();
            // the value is on screen and nothing covers it (e.g. the next output, when the value
            // wrapped below a fixed-height slider row)
            const hit = document.elementFromPoint(q.left + Math.min(q.width, 20) / 2, q.top + q.height / 2);
            if (!readout.innerText.trim() || q.width < 8 || q.right > article.right + 1
                || q.bottom > s.getBoundingClientRect().bottom + 1 || !hit || !readout.contains(hit))
                problems.push(`slider ${i} does not show its value ("${readout.innerText.trim()}")`);
        }
    });
    document.querySelectorAll('.widget-slider .widget-label, .widget-hslider .widget-label').forEach((l, i) => {
        if (l.scrollWidth > l.clientWidth + 1) problems.push(`slider label cut off: "${l.innerText}"`);
    });
    return problems;
}"""


def check_layout(page, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.wait_for_timeout(300)
    problems = page.evaluate(PHONE_LAYOUT)
    assert not problems, f"at {viewport['width']} px: " + "; ".join(problems[:6])


CONTRAST = """() => {
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); } return [255, 255, 255]; };
    const problems = [];
    document.querySelectorAll('.jupyter-widgets .widget-label, .jupyter-widgets .widget-readout, .jupyter-widgets .widget-html-content td, .jupyter-widgets .widget-html-content th, .jupyter-widgets .widget-html-content p').forEach(e => {
        if (!e.innerText.trim() || e.offsetParent === null) return;
        const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) problems.push(`"${e.innerText.slice(0, 30)}" contrast ${ratio.toFixed(1)}:1`);
    });
    return problems;
}"""


def check_dark_mode(page) -> None:
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.wait_for_timeout(200)
    problems = page.evaluate(CONTRAST)
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    assert not problems, "widgets unreadable in dark mode: " + "; ".join(problems[:6])


def check_language_link(page, base_url: str, twin: str) -> None:
    """The first link to the twin chapter inside the page's article leads to the twin page."""
    name = twin.rsplit("/", 2)
    link = page.locator(f'article a[href$="{name[-2]}/{name[-1]}"]').first
    link.click()
    page.wait_for_url(base_url + twin, timeout=10_000)


def check_language_switch(page, base_url: str, twin: str) -> None:
    """The switch in the header (every page) leads to the twin page."""
    switch = page.locator(".bd-header-article a.fpnbook-lang-switch")
    assert switch.count() == 1, "no language switch in the page header"
    href = switch.get_attribute("href")
    target = page.evaluate("h => new URL(h, location.href).href", href)
    assert target == base_url + twin, f"language switch goes to {target}, not {base_url + twin}"


@pytest.mark.parametrize(("path", "twin"), PAGES, ids=[p for p, _ in PAGES])
def test_chapter_page(browser_context, base_url, path, twin):
    assert (SITE / path).exists(), f"{path} is not in the built site (listed in the toc?)"
    lang = "tr" if path.startswith("tr/") else "en"
    log = PageLog(browser_context, base_url)
    try:
        page = log.page
        page.goto(base_url + path, wait_until="load")
        check_head(page, lang)
        check_static_widgets(page)
        check_accessibility(page)
        check_no_build_noise(page)
        if lang == "tr":
            check_turkish_chrome(page)
        check_dark_mode(page)
        check_language_switch(page, base_url, twin)
        for viewport in (DESKTOP, PHONE):
            check_layout(page, viewport)
            check_navigation(page, viewport)
        page.set_viewport_size(DESKTOP)
        log.assert_clean()
        check_language_link(page, base_url, twin)
        log.assert_clean()
    finally:
        log.page.close()


def test_every_widget_kind_was_exercised():
    """Runs after the page tests (definition order): each library widget was moved somewhere."""
    missing = WIDGET_KINDS - SEEN_KINDS
    assert not missing, f"widgets never shown on a chapter page of the site: {sorted(missing)}"


# --- the two sites: landing page, sidebar, search, other pages ---------------------------------

SIDEBAR = """() => ({
    captions: Array.from(document.querySelectorAll('.bd-sidebar-primary .bd-links p.caption, .bd-sidebar-primary .bd-links .caption'))
        .map(c => c.innerText.trim()).filter(Boolean),
    links: Array.from(document.querySelectorAll('.bd-sidebar-primary .bd-links a.reference.internal'))
        .map(a => a.getAttribute('href')),
})"""


@pytest.mark.parametrize("lang", LANGS)
def test_landing_page_and_sidebar(browser_context, base_url, lang):
    """Each site's landing page offers both languages and shows the parts the sidebar shows;
    the sidebar leads with the site's language and lists only its chapters."""
    log = PageLog(browser_context, base_url)
    try:
        page = log.page
        page.goto(base_url + PREFIX[lang] + "index.html", wait_until="load")   # JB's redirect
        page.wait_for_url(re.compile(r".*/book/index\.html$"), timeout=10_000)
        check_head(page, lang)
        sidebar = page.evaluate(SIDEBAR)
        assert sidebar["captions"], "the sidebar shows no parts"
        headings = page.evaluate("() => Array.from(document.querySelectorAll('article h2, article h3')).map(h => h.innerText)")
        for caption in sidebar["captions"]:
            assert any(caption in h for h in headings), f"part {caption!r} of the sidebar is not on the landing page: {headings}"
        chapters = [h for h in sidebar["links"] if "notebooks/" in h]
        assert chapters and all(f"notebooks/{lang}/" in h for h in chapters), f"sidebar chapters: {chapters}"
        assert f"notebooks/{lang}/{CHAPTERS[0]}" in chapters[0]
        choose = page.locator("article .fpnbook-choose a")
        targets = sorted(page.evaluate("h => new URL(h, location.href).href", choose.nth(i).get_attribute("href"))
                         for i in range(choose.count()))
        assert targets == sorted(base_url + page_path(x, CHAPTERS[0]) for x in LANGS), targets
        check_no_build_noise(page)
        for viewport in (DESKTOP, PHONE):
            check_layout(page, viewport)
            check_navigation(page, viewport)
        if lang == "tr":
            check_turkish_chrome(page)
        log.assert_clean()
    finally:
        log.page.close()


SEARCHES = {"en": ("lateral connection", "en"), "tr": ("bağlantı", "tr")}


@pytest.mark.parametrize("lang", LANGS)
def test_search_finds_chapters_of_the_language(browser_context, base_url, lang):
    query, want = SEARCHES[lang]
    log = PageLog(browser_context, base_url)
    try:
        page = log.page
        page.goto(base_url + PREFIX[lang] + f"search.html?q={query}", wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('#search-results li a').length > 0", timeout=15_000)
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)")
        chapters = [h for h in hrefs if "/notebooks/" in h]
        assert chapters, f"search for {query!r} found no chapter: {hrefs[:5]}"
        assert all(f"/notebooks/{want}/" in h for h in chapters), f"search in the {lang} site: {chapters[:5]}"
        if lang == "tr":
            check_turkish_chrome(page)
        log.assert_clean()
    finally:
        log.page.close()


@pytest.mark.parametrize("lang", LANGS)
def test_glossary_page(browser_context, base_url, lang):
    """A prose page: its language, the switch to its twin, the layout on a phone."""
    log = PageLog(browser_context, base_url)
    try:
        page = log.page
        page.goto(base_url + f"{PREFIX[lang]}book/{lang}/glossary.html", wait_until="load")
        check_head(page, lang)
        other = "tr" if lang == "en" else "en"
        check_language_switch(page, base_url, f"{PREFIX[other]}book/{other}/glossary.html")
        check_layout(page, PHONE)
        check_no_build_noise(page)
        log.assert_clean()
    finally:
        log.page.close()


# --- weight and speed over a throttled link ----------------------------------------------------

MEASURE = """() => new Promise(resolve => {
    const t0 = performance.timeOrigin;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    resolve({fcp: fcp ? fcp.startTime : null});
})"""
# Installed before any page script: when the first paragraph of the article is on screen and
# when the first widget slider handle exists.
PROBE = """
window.__fpn = {text: null, widget: null};
(function poll() {
    const p = document.querySelector('article p, main p');
    if (window.__fpn.text === null && p && p.getBoundingClientRect().height > 0) window.__fpn.text = performance.now();
    if (window.__fpn.widget === null && document.querySelector('.jupyter-widgets .noUi-handle')) window.__fpn.widget = performance.now();
    if (window.__fpn.text === null || (window.__fpn.widget === null && performance.now() < 60000)) requestAnimationFrame(poll);
})();
"""


def measure(context, base_url: str, path: str, wait_widget: bool) -> dict:
    """Transferred bytes, time to text and to an interactive widget of one page, cold cache."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LINK["latency_ms"],
        "downloadThroughput": LINK["download_bps"], "uploadThroughput": LINK["upload_bps"]})
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    page.add_init_script(PROBE)
    # the site is offline: requests to other hosts fail at once (only they are intercepted)
    origin = re.escape(base_url.rstrip("/"))
    page.route(re.compile(rf"^(?!{origin}/|data:|blob:)"), lambda route: route.abort())
    try:
        page.goto(base_url + path, wait_until="load", timeout=120_000)
        if wait_widget:
            page.wait_for_function("() => window.__fpn.widget !== null", timeout=120_000)
        page.wait_for_timeout(500)
        marks = page.evaluate("() => window.__fpn")
        fcp = page.evaluate(MEASURE)["fcp"]
        return {"bytes": sum(sizes.values()), "requests": len(sizes),
                "gzip": sum(gzipped_size(urls[r]) for r in sizes if r in urls),
                "text_s": (marks["text"] or float("nan")) / 1000, "fcp_s": (fcp or float("nan")) / 1000,
                "widget_s": (marks["widget"] / 1000) if marks["widget"] else None}
    finally:
        page.close()


@functools.lru_cache(maxsize=None)
def _gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def gzipped_size(url: str) -> int:
    """What a host that compresses (GitHub Pages, nginx) would send for a file of the site;
    the test server sends files as they are."""
    path = SITE / urlsplit(url).path.lstrip("/")
    return _gzipped(path) if path.is_file() else 0


def metrics_table(rows: list[tuple[str, str, dict]]) -> str:
    lines = ["| chapter | lang | transferred | (gzip host) | requests | first paint | text on screen | interactive widget |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, lang, m in rows:
        widget = f"{m['widget_s']:.2f} s" if m["widget_s"] is not None else "–"
        lines.append(f"| {name} | {lang} | {m['bytes'] / 1e6:.2f} MB | {m['gzip'] / 1e6:.2f} MB | {m['requests']} | {m['fcp_s']:.2f} s "
                     f"| {m['text_s']:.2f} s | {widget} |")
    return "\n".join(lines)


def measure_site(context, base_url: str, old_layout: bool = False) -> list[tuple[str, str, dict]]:
    rows = []
    for name in CHAPTERS:
        for lang in LANGS:
            path = f"notebooks/{lang}/{name}.html" if old_layout else page_path(lang, name)
            has_widgets = 'widget-state+json' in (SITE / path).read_text(encoding="utf-8")
            rows.append((name, lang, measure(context, base_url, path, has_widgets and lang == LANGS[0])))
            print(metrics_table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return rows


def test_page_weight(browser_context, base_url):
    """Every chapter over a 10 Mbit/s, 40 ms link, cache off: text comes before the widget
    JavaScript (3.6 MB) has loaded. The interactive-widget time is measured on the English page of
    each chapter only: both languages load the same vendored widget JavaScript and the same widget
    state, and waiting for it on both doubled the test's time (218 s for 16 chapters); the Turkish
    page's text time is measured all the same. Writes the table to _build/site-metrics.md."""
    rows = measure_site(browser_context, base_url)
    table = metrics_table(rows)
    METRICS.write_text(f"Throttled link: {LINK}\n\n{table}\n", encoding="utf-8")
    print("\n" + table)
    for name, lang, m in rows:
        assert m["text_s"] < 3.0, f"{lang}/{name}: text on screen after {m['text_s']:.2f} s at 10 Mbit/s"
        if m["widget_s"] is not None:
            assert m["text_s"] < m["widget_s"], f"{lang}/{name}: text waits for the widgets"


if __name__ == "__main__":   # python tests/test_site.py [SITE] [--old-layout]: print the table
    from playwright.sync_api import sync_playwright

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args:
        SITE = Path(args[0])
    server, url = serve(SITE)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport=DESKTOP)
        print(metrics_table(measure_site(ctx, url, old_layout="--old-layout" in sys.argv)))
        browser.close()
    server.shutdown()
