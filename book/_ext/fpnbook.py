"""The book's own Sphinx extension: one site per language, built from the same sources.

`make book` builds the English site (FPNBOOK_LANG=en, _toc.yml) into _build/html and the Turkish
site (FPNBOOK_LANG=tr, _toc.tr.yml) into _build/html/tr. This extension

* sets the build's language (``<html lang>``, the search index's stemmer, Sphinx's own strings)
  and gives the themes Turkish words of the book's choosing (pydata-sphinx-theme ships none and
  sphinx-book-theme's Turkish catalog has mistakes);
* resolves links to pages of the other language (``../tr/NAME.ipynb``), which are not part of
  this build, to the other site, and adds a language switch to every page that goes to the twin;
* removes build noise from the pages: nbval markers left in code, the "No CUDA runtime" warning,
  the build machine's paths in tracebacks; serves the Colab badge and the language icons itself;
* loads the site's CSS/JS (book/_static/fpnbook.*) and keeps scripts out of the way of the first
  paint: the widget JavaScript is deferred, widget state sits at the end of ``<body>``, and the
  theme's 1.5 MB Font Awesome script is not loaded (its web fonts draw the same icons);
* gives figures drawn by code cells an alt text (myst-nb writes the image's file path there).
"""
from __future__ import annotations

import gettext
import os
import posixpath
import re
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
LANGS = ("en", "tr")
# Each language's site: its table of contents and where it sits in _build/html.
SITES = {"en": {"toc": "_toc.yml", "prefix": ""}, "tr": {"toc": "_toc.tr.yml", "prefix": "tr/"}}
TITLES = {"en": "Feature Pyramids, Hands-On", "tr": "Uygulamalı Özellik Piramitleri"}
SWITCH_LABEL = {"en": "Türkçe", "tr": "English"}   # the switch names the *other* language
FLAG = {"en": "flag-gb.svg", "tr": "flag-tr.svg"}   # icon of the language a link leads to
EMOJI = {"🇬🇧": "en", "🇹🇷": "tr"}

# --- Turkish words for the themes ------------------------------------------------------------
# Every string the two themes' templates and header buttons pass through gettext (grep for
# `_(` / `translation(` in pydata_sphinx_theme and sphinx_book_theme), in the book's Turkish.
TR_THEME = {
    "Search": "Ara",
    "Skip to main content": "Ana içeriğe geç",
    "Back to top": "Başa dön",
    "On this page": "Bu sayfada",
    "Contents": "İçindekiler",
    "Section Navigation": "Bu kısımda",
    "Site navigation": "Site gezinmesi",
    "Breadcrumb": "Konum",
    "Home": "Ana sayfa",
    "next": "sonraki",
    "previous": "önceki",
    "next page": "sonraki sayfa",
    "previous page": "önceki sayfa",
    "light/dark": "açık/koyu",
    "Indices": "Dizinler",
    "General Index": "Genel dizin",
    "Index": "Dizin",
    "Show Source": "Kaynağı göster",
    "Announcement": "Duyuru",
    "Version warning": "Sürüm uyarısı",
    "By": "Yazar:",
    "Edit": "Düzenle",
    "Error": "Hata",
    "Please activate JavaScript to enable the search functionality.":
        "Aramayı kullanmak için JavaScript'i aç.",
    "Search Results": "Arama sonuçları",
    "Searching": "Aranıyor",
    "Search Page": "Arama sayfası",
    "Color mode": "Renk modu",
    "Light": "Açık",
    "Dark": "Koyu",
    "System Settings": "Sistem ayarı",
    "Link to this heading": "Bu başlığa bağlantı",
    "Link to this equation": "Bu denkleme bağlantı",
    "Link to this image": "Bu görsele bağlantı",
    "Link to this table": "Bu tabloya bağlantı",
    "Link to this code": "Bu koda bağlantı",
    # sphinx-book-theme's header buttons
    "Download this page": "Bu sayfayı indir",
    "Download source file": "Kaynak dosyayı indir",
    "Download notebook file": "Notebook dosyasını indir",
    "Print to PDF": "PDF olarak yazdır",
    "Fullscreen mode": "Tam ekran",
    "Repository": "Depo",
    "Source repository": "Kaynak depo",
    "Source repositories": "Kaynak depolar",
    "Open an issue": "Sorun bildir",
    "Open issue": "Sorun bildir",
    "Suggest edit": "Düzenleme öner",
    "Show source": "Kaynağı göster",
    "Launch interactive content": "Etkileşimli olarak aç",
    "Launch on": "Şurada aç:",
}
# Words the themes write into the page without gettext (attributes in templates and myst-nb's
# cell toggles): replaced in the finished Turkish pages, attribute by attribute.
TR_LITERAL = {
    'title="Toggle primary sidebar"': 'title="Kenar çubuğunu aç/kapat"',
    'title="Toggle secondary sidebar"': 'title="Sayfa içeriğini aç/kapat"',
    'aria-label="Toggle primary sidebar"': 'aria-label="Kenar çubuğunu aç/kapat"',
    'aria-label="Toggle secondary sidebar"': 'aria-label="Sayfa içeriğini aç/kapat"',
    'aria-label="Main"': 'aria-label="Ana gezinme"',
    'aria-label="Page"': 'aria-label="Sayfa"',
    'aria-label="Search"': 'aria-label="Ara"',
    'title="Search"': 'title="Ara"',
    'title="Launch"': 'title="Aç"',
    'title="Download"': 'title="İndir"',
    'aria-label="Launch"': 'aria-label="Aç"',
    'aria-label="Download"': 'aria-label="İndir"',
    'title="light/dark"': 'title="açık/koyu"',
    'aria-label="light/dark"': 'aria-label="açık/koyu"',
    "Show code cell content": "Kod hücresini göster",
    "Hide code cell content": "Kod hücresini gizle",
    "Show code cell source": "Kodu göster",
    "Hide code cell source": "Kodu gizle",
    "Show code cell outputs": "Çıktıları göster",
    "Hide code cell outputs": "Çıktıları gizle",
    "Show code cell output": "Çıktıyı göster",
    "Hide code cell output": "Çıktıyı gizle",
    ">Contents<": ">İçindekiler<",
    'title="Toggle hidden content"': 'title="Gizli içeriği aç/kapat"',
    'aria-label="Toggle hidden content"': 'aria-label="Gizli içeriği aç/kapat"',
    'data-toggle-hint="Click to show"': 'data-toggle-hint="Göstermek için tıkla"',
    'data-toggle-hint="Click to hide"': 'data-toggle-hint="Gizlemek için tıkla"',
}


class _Overlay(gettext.NullTranslations):
    """A translation table that wins over its fallback (Sphinx's or a theme's own catalog)."""

    def __init__(self, table: dict[str, str]):
        super().__init__()
        self.table = table

    def gettext(self, message):
        if message in self.table:
            return self.table[message]
        return self._fallback.gettext(message) if self._fallback else message

    def ngettext(self, singular, plural, n):
        if self._fallback:
            return self._fallback.ngettext(singular, plural, n)
        return singular if n == 1 else plural


def build_language() -> str:
    lang = os.environ.get("FPNBOOK_LANG", "en")
    if lang not in LANGS:
        raise ValueError(f"FPNBOOK_LANG={lang!r}: expected one of {LANGS}")
    return lang


def toc_docs(srcdir: Path, lang: str) -> set[str]:
    """Every document a language's table of contents lists (its root included)."""
    toc = yaml.safe_load((srcdir / SITES[lang]["toc"]).read_text(encoding="utf-8"))
    docs = {toc["root"]}
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            if "file" in chapter:
                docs.add(chapter["file"])
    return {re.sub(r"\.(md|ipynb)$", "", d) for d in docs}


def twin_doc(docname: str, lang: str, root: str) -> str:
    """The same page in the other language (the root is the root of the other site)."""
    other = "tr" if lang == "en" else "en"
    if docname == root:
        return root
    return re.sub(rf"(^|/){lang}/", rf"\g<1>{other}/", docname, count=1)


def site_url(from_doc: str, from_lang: str, to_doc: str, to_lang: str, root: str) -> str:
    """Relative URL from a page of one site to a page of (possibly) the other site."""
    here = SITES[from_lang]["prefix"] + from_doc + ".html"
    there = SITES[to_lang]["prefix"] + to_doc + ".html"
    return posixpath.relpath(there, posixpath.dirname(here) or ".")


# --- configuration ---------------------------------------------------------------------------

def config_inited(app, config):
    lang = build_language()
    app.fpnbook_lang = lang
    toc = Path(config.external_toc_path or "_toc.yml").name
    if toc != SITES[lang]["toc"]:
        raise ValueError(f"FPNBOOK_LANG={lang} builds with --toc {SITES[lang]['toc']}, not {toc}")
    config.language = lang
    config.html_search_language = lang
    config.html_title = TITLES[lang]
    config.project = TITLES[lang]
    options = dict(config.html_theme_options or {})
    options["article_header_end"] = ["fpnbook-lang-switch.html", "article-header-buttons.html"]
    if lang == "tr":
        options["search_bar_text"] = "Bu kitapta ara..."
        options["toc_title"] = "İçindekiler"
        config.togglebutton_hint = "Göstermek için tıkla"
        config.togglebutton_hint_hide = "Gizlemek için tıkla"
    config.html_theme_options = options
    templates = str(Path(__file__).resolve().parents[1] / "_templates")
    if templates not in config.templates_path:
        config.templates_path = [templates, *config.templates_path]
    if lang == "tr":
        _install_turkish(app)


def _install_turkish(app):
    """Turkish for Sphinx and both themes: the book's words first, then Sphinx's own catalog."""
    import sphinx
    import sphinx_book_theme
    from sphinx import locale

    sphinx_tr = gettext.translation("sphinx", os.path.join(sphinx.package_dir, "locale"),
                                    ["tr"], fallback=True)
    book_dir = Path(sphinx_book_theme.__file__).parent / "theme" / "sphinx_book_theme" / "static" / "locales"
    for catalog, fallback in (("sphinx", sphinx_tr),
                              ("booktheme", gettext.translation("booktheme", str(book_dir), ["tr"],
                                                                fallback=True))):
        overlay = _Overlay(TR_THEME)
        overlay.add_fallback(fallback)
        locale.translators[("general", catalog)] = overlay
    app.translator = locale.translators[("general", "sphinx")]


# --- links to the other language ---------------------------------------------------------------

class OtherLanguageLinks(SphinxPostTransform):
    """`[English](../en/NAME.ipynb)` on a Turkish page: NAME is not in this build; link to the
    English site. Runs before myst's resolver (priority 9), which would report it missing."""

    default_priority = 8

    def run(self, **kwargs):
        app = self.app
        lang = app.fpnbook_lang
        other = "tr" if lang == "en" else "en"
        others = app.fpnbook_other_docs
        root = app.config.root_doc
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain") != "doc":
                continue
            target = node["reftarget"]
            if target in self.env.all_docs or target not in others:
                continue
            url = site_url(node.get("refdoc", self.env.docname), lang, target, other, root)
            if node.get("reftargetid"):
                url += "#" + node["reftargetid"]
            ref = nodes.reference("", "", refuri=url, internal=False,
                                  classes=["fpnbook-other-language"])
            ref["hreflang"] = other
            if node.get("refexplicit"):
                ref.extend(node[0].children)
            else:
                ref.append(nodes.inline("", target))
            node.replace_self(ref)


def builder_inited(app):
    srcdir = Path(app.srcdir)
    lang = app.fpnbook_lang
    other = "tr" if lang == "en" else "en"
    app.fpnbook_other_docs = toc_docs(srcdir, other)
    app.add_css_file("fpnbook.css")
    app.add_js_file("fpnbook.js", defer="defer")


# --- build noise in code and outputs ----------------------------------------------------------

NBVAL_LINE = re.compile(r"^[ \t]*#\s*NBVAL_[A-Z_]+[ \t]*\n?", re.M)
NBVAL_TAIL = re.compile(r"[ \t]*#\s*NBVAL_[A-Z_]+[ \t]*$", re.M)
CUDA_WARNING = re.compile(r"^.*No CUDA runtime.*\n?(?:^\s+warn.*\n?)?", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _machine_paths(srcdir: Path) -> list[tuple[re.Pattern, str]]:
    """Patterns for the paths of the build machine: repository checkout, venv, home, /tmp."""
    root = re.escape(str(srcdir.resolve()).rstrip("/") + "/")
    return [
        (re.compile(r"(?:/[^\s:\"'()]+)?/(?:site|dist)-packages/"), ""),   # …/site-packages/torch/… -> torch/…
        (re.compile(root + r"(?:fpnlab/src/)?"), ""),                        # checkout -> fpnlab/…, notebooks/…
        (re.compile(r"/(?:usr|opt)/[^\s:\"'()]*?/lib/python3\.\d+/"), ""),   # the standard library
        (re.compile(r"/tmp/ipykernel_\d+/\d+\.py"), "<cell>"),
        (re.compile(r"/(?:home|root|work|Users)/[^\s:\"'()]+/"), ""),        # anything else of a home
    ]


FIGURE = {"en": "Figure drawn by the code above, in “{}”", "tr": "Yukarıdaki kodun çizdiği şekil, “{}” başlığında"}


def _in_cell_output(node) -> bool:
    while node is not None:
        if isinstance(node, nodes.Element) and "cell_output" in node.get("classes", []):
            return True
        node = node.parent
    return False


def _alt_text(app, image) -> str:
    """A figure's fallback alt text: the section it illustrates (a notebook can say better with
    the cell metadata `mystnb: image: alt:`, which myst-nb puts here first)."""
    node, title = image, ""
    while node is not None:
        if isinstance(node, nodes.section) and node.children and isinstance(node[0], nodes.title):
            title = node[0].astext()
            break
        node = node.parent
    return FIGURE[app.fpnbook_lang].format(title or app.config.html_title)


def clean_doctree(app, doctree, docname):
    # figures from code cells: myst-nb writes the image's file path as its alt text
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "")
        if _in_cell_output(image) and (not alt.strip() or "_images/" in alt or alt == image.get("uri")):
            image["alt"] = _alt_text(app, image)
    paths = _machine_paths(Path(app.srcdir))
    for block in list(doctree.findall(nodes.literal_block)):
        text = block.astext()
        new = text
        classes = block.get("classes", [])
        if "NBVAL_" in new:
            new = NBVAL_TAIL.sub("", NBVAL_LINE.sub("", new))
        if "No CUDA runtime" in new:
            new = CUDA_WARNING.sub("", new)
        if "output" in classes or "traceback" in classes or block.get("language") == "ipythontb":
            for pattern, repl in paths:
                new = pattern.sub(repl, new)
        if new == text:
            continue
        if not new.strip():
            parent = block.parent
            block.parent.remove(block)
            # an output container left empty (the stderr warning was all it held)
            if parent is not None and not parent.children and "cell_output" in parent.get("classes", []):
                parent.parent.remove(parent)
            continue
        block.children = []
        block.append(nodes.Text(new))
        block.rawsource = new


# --- pages -------------------------------------------------------------------------------------

# pydata-sphinx-theme 0.15/0.16 load Font Awesome's 1.5 MB script (it swaps every <i class="fa-…">
# for an SVG) in <head> without `defer`; the theme's CSS already draws the same icons with Font
# Awesome's web fonts (vendor/fontawesome/webfonts), so the page does not load the script at all.
FONTAWESOME_JS = re.compile(r'[ \t]*<script[^>]*src="[^"]*fontawesome[^"]*\.js[^"]*"[^>]*></script>\n?')
WIDGET_STATE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>', re.S)


def page_context(app, pagename, templatename, context, doctree):
    lang = app.fpnbook_lang
    other = "tr" if lang == "en" else "en"
    root = app.config.root_doc
    if pagename in ("search", "genindex"):
        twin, twin_lang = pagename, other
        url = posixpath.relpath(SITES[other]["prefix"] + pagename + ".html",
                                posixpath.dirname(SITES[lang]["prefix"] + pagename + ".html") or ".")
    else:
        twin = twin_doc(pagename, lang, root)
        url = site_url(pagename, lang, twin, other, root) if (
            twin in app.fpnbook_other_docs or twin == root) else None
        twin_lang = other
    context["fpnbook_lang"] = lang
    context["fpnbook_twin_url"] = url
    context["fpnbook_twin_lang"] = twin_lang
    context["fpnbook_twin_label"] = SWITCH_LABEL[lang]
    context["fpnbook_twin_flag"] = FLAG[twin_lang]
    # (before pydata-sphinx-theme's handler (500), which drops header templates that render empty)


def page_scripts(app, pagename, templatename, context, doctree):
    """After myst-nb (500) has added the widget scripts."""
    # Widget JavaScript must not hold up the text: defer it (order is kept among deferred
    # scripts: require.js, widgets-config.js, embed-amd.js).
    for script in context.get("script_files", []):
        filename = getattr(script, "filename", "") or ""
        if "jupyter-widgets/" in filename or filename.endswith("widgets-config.js"):
            script.attributes.setdefault("defer", "defer")
    body = context.get("body", "")
    if body:
        static = "../" * pagename.count("/") + "_static/"
        body = body.replace(
            'src="https://colab.research.google.com/assets/colab-badge.svg"',
            f'src="{static}fpnbook/colab-badge.svg"')
        for emoji, flag_lang in EMOJI.items():
            body = body.replace(
                emoji, f'<img class="fpnbook-flag" src="{static}fpnbook/{FLAG[flag_lang]}" alt="" '
                       'width="20" height="14">')
        context["body"] = body


def build_finished(app, exception):
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        if "_static" in page.parts or "tr" in page.relative_to(outdir).parts[:1] and app.fpnbook_lang == "en":
            continue
        html = page.read_text(encoding="utf-8")
        new = html
        # widget state (megabytes of precomputed slider positions) after the text, not in <head>
        states = WIDGET_STATE.findall(new)
        head_end = new.find("</head>")
        if states and 0 <= new.find(states[0]) < head_end:
            for state in states:
                new = new.replace(state, "", 1)
            new = new.replace("</body>", "\n".join(states) + "\n</body>", 1)
        new = FONTAWESOME_JS.sub("", new)
        if app.fpnbook_lang == "tr":
            for english, turkish in TR_LITERAL.items():
                new = new.replace(english, turkish)
        if new != html:
            page.write_text(new, encoding="utf-8")


def setup(app):
    app.connect("config-inited", config_inited, priority=100)
    app.connect("builder-inited", builder_inited)
    app.connect("doctree-resolved", clean_doctree)
    app.connect("html-page-context", page_context, priority=400)
    app.connect("html-page-context", page_scripts, priority=900)
    app.connect("build-finished", build_finished)
    app.add_post_transform(OtherLanguageLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
