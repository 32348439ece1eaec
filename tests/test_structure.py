"""Structure of the book: bilingual parity, Colab wiring, table of contents, no committed outputs.

The bilingual rule: notebooks/en/NAME.ipynb and notebooks/tr/NAME.ipynb both exist and run the same
code. The first code cell is the setup cell: it sets LANG ("en" / "tr") and, only inside Colab,
installs fpnlab from the repository in _config.yml. Apart from the LANG line, every code cell is
identical in both languages once comments and blank lines are removed; prose differs freely.
"""
import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LANGS = ("en", "tr")
LANG_LINE = re.compile(r"""^LANG\s*=\s*["'](en|tr)["']$""")
COLAB = "https://colab.research.google.com"

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO = CONFIG["repository"]
REPO_URL = REPO["url"].rstrip("/")


def chapter_names(lang: str) -> set[str]:
    folder = NOTEBOOKS / lang
    return {p.name for p in folder.glob("*.ipynb")} if folder.is_dir() else set()


CHAPTERS = sorted(chapter_names("en") | chapter_names("tr"))
NOTEBOOK_PATHS = [f"{lang}/{name}" for lang in LANGS for name in sorted(chapter_names(lang))]


def read(rel: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / rel, as_version=4)


def cells(nb, kind: str) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == kind]


# --- the parity rule --------------------------------------------------------------------------

def normalize_code(source: str) -> list[str]:
    """Code lines without comments, blank lines, trailing spaces or the LANG assignment.

    IPython magics and shell escapes (%pip, !ls) are kept as written.
    """
    raw = source.splitlines()
    magic = [re.match(r"^\s*[%!]", line) is not None for line in raw]
    # tokenize finds comments (not a '#' inside a string); magics become `pass` for it
    python = "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if is_magic else line
                       for line, is_magic in zip(raw, magic))
    try:
        comment_at = {t.start[0]: t.start[1] for t in
                      tokenize.generate_tokens(io.StringIO(python + "\n").readline)
                      if t.type == tokenize.COMMENT}
    except (tokenize.TokenError, IndentationError, SyntaxError):  # not Python: cut at '#'
        comment_at = {n: line.index("#") for n, line in enumerate(raw, start=1) if "#" in line}
    lines = []
    for number, (line, is_magic) in enumerate(zip(raw, magic), start=1):
        if not is_magic and number in comment_at:
            line = line[:comment_at[number]]
        line = line.rstrip()
        if line.strip() and not LANG_LINE.match(line.strip()):
            lines.append(line)
    return lines


def parity_problems(en, tr) -> list[str]:
    """Differences between the code of two twin notebooks (empty list: they obey the rule)."""
    a = [c for c in map(normalize_code, cells(en, "code")) if c]
    b = [c for c in map(normalize_code, cells(tr, "code")) if c]
    if len(a) != len(b):
        return [f"{len(a)} code cells in en, {len(b)} in tr"]
    problems = []
    for i, (x, y) in enumerate(zip(a, b), start=1):
        if x != y:
            j = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            problems.append(f"code cell {i}: en {x[j] if j < len(x) else '<end>'!r} "
                            f"vs tr {y[j] if j < len(y) else '<end>'!r}")
    return problems


def sets_lang(source: str, lang: str) -> bool:
    """Whether the cell assigns LANG = "<lang>" (a trailing comment is allowed)."""
    for line in source.splitlines():
        match = LANG_LINE.match(line.split("#", 1)[0].strip())
        if match and match.group(1) == lang:
            return True
    return False


def _nb(*code: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("prose")] + [nbformat.v4.new_code_cell(c) for c in code]
    return nb


def test_parity_check_accepts_comment_and_lang_differences():
    en = _nb('LANG = "en"\nimport sys', "x = 1  # one\n\n# English comment\ny = x + 1")
    tr = _nb('LANG = "tr"  # dil\nimport sys', "# Türkçe yorum\nx = 1\ny = x + 1  # artı bir")
    assert parity_problems(en, tr) == []


@pytest.mark.parametrize(("en_code", "tr_code"), [
    ("x = 1\ny = x + 1", "x = 2\ny = x + 1"),              # a value differs
    ("x = 1\ny = x + 1", "x = 1"),                         # a line is missing
    ("x = 1", "x = 1\nprint(x)"),                          # a line is added
    ("s = 'a#b'", "s = 'a#c'"),                           # '#' inside a string is code
    ("%pip install a  # x", "%pip install b  # x"),       # magics are compared as written
], ids=["value", "missing-line", "extra-line", "hash-in-string", "magic"])
def test_parity_check_fails_when_code_differs(en_code, tr_code):
    en = _nb('LANG = "en"', en_code)
    tr = _nb('LANG = "tr"', tr_code)
    assert parity_problems(en, tr), "parity check missed a code difference"


def test_parity_check_fails_when_a_cell_is_missing():
    assert parity_problems(_nb('LANG = "en"', "x = 1"), _nb('LANG = "tr"'))


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks under notebooks/en or notebooks/tr"


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_has_a_twin(name):
    missing = [lang for lang in LANGS if not (NOTEBOOKS / lang / name).exists()]
    assert not missing, f"{name} has no twin in notebooks/{', notebooks/'.join(missing)}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_twins_run_the_same_code(name):
    if not all((NOTEBOOKS / lang / name).exists() for lang in LANGS):
        pytest.skip("twin missing (reported by test_every_chapter_has_a_twin)")
    en, tr = read(f"en/{name}"), read(f"tr/{name}")
    assert not parity_problems(en, tr), f"{name}: " + "; ".join(parity_problems(en, tr))


# --- Colab wiring -----------------------------------------------------------------------------

def colab_url(rel: str) -> str:
    """The Colab URL of notebooks/<rel>, derived from repository: in _config.yml."""
    github = REPO_URL.removeprefix("https://github.com/")
    folder = "/".join(p for p in (REPO.get("path_to_book", "").strip("/"), "notebooks") if p)
    return f"{COLAB}/github/{github}/blob/{REPO['branch']}/{folder}/{rel}"


@pytest.mark.parametrize("rel", NOTEBOOK_PATHS)
def test_setup_cell(rel):
    lang = rel.split("/")[0]
    code = cells(read(rel), "code")
    assert code, f"{rel} has no code cell"
    setup = code[0]
    assert sets_lang(setup, lang), f'{rel}: the first code cell must set LANG = "{lang}"'
    requirement = f"fpnlab @ git+{REPO_URL}#subdirectory=fpnlab"
    lines = setup.splitlines()
    guard = next((i for i, line in enumerate(lines)
                  if re.match(r"""^\s*if\s+["']google\.colab["']\s+in\s+sys\.modules\s*:""", line)), None)
    assert guard is not None, f'{rel}: setup cell needs `if "google.colab" in sys.modules:`'
    assert re.search(r"^\s*import\s+sys\b", setup, re.M), f"{rel}: setup cell must import sys"
    pips = [i for i, line in enumerate(lines) if line.lstrip().startswith("%pip install")]
    assert pips, f"{rel}: setup cell has no %pip install"
    indent = len(lines[guard]) - len(lines[guard].lstrip())
    for i in pips:
        assert i > guard and len(lines[i]) - len(lines[i].lstrip()) > indent, (
            f"{rel}: `{lines[i].strip()}` must run only inside Colab (in the google.colab block)")
    assert any(requirement in lines[i] for i in pips), (
        f"{rel}: setup cell must `%pip install \"{requirement}\"` (repository.url of _config.yml)")
    for url in re.findall(r"git\+(\S+?)#", setup):
        assert url == REPO_URL, f"{rel}: installs from {url}, not {REPO_URL}"


@pytest.mark.parametrize("rel", NOTEBOOK_PATHS)
def test_first_markdown_cell_has_colab_badge_and_twin_link(rel):
    lang, name = rel.split("/")
    other = "tr" if lang == "en" else "en"
    nb = read(rel)
    markdown = cells(nb, "markdown")
    assert markdown, f"{rel} has no markdown cell"
    first = markdown[0]
    expected = colab_url(rel)
    assert f"({expected})" in first or f'href="{expected}"' in first, (
        f"{rel}: first markdown cell needs the Colab badge linking to {expected}")
    assert f"{COLAB}/assets/colab-badge.svg" in first, f"{rel}: Colab badge image missing"
    twin = f"../{other}/{name}"
    assert f"]({twin})" in first or f'href="{twin}"' in first, (
        f"{rel}: first markdown cell needs a link to its twin {twin}")
    everywhere = "\n".join(c.source for c in nb.cells)
    for url in re.findall(rf"{re.escape(COLAB)}/github/[^)\s\"']+", everywhere):
        assert url == expected, f"{rel}: Colab link {url} does not match {expected}"


# --- table of contents ------------------------------------------------------------------------
# One site per language (book/_ext/fpnbook.py): _toc.yml is the English site, _toc.tr.yml the
# Turkish one. Both list the same chapters in the same order, in the same parts.

TOCS = {"en": "_toc.yml", "tr": "_toc.tr.yml"}


def toc_parts(lang: str) -> list[tuple[str, list[str]]]:
    toc = yaml.safe_load((ROOT / TOCS[lang]).read_text(encoding="utf-8"))
    assert toc.get("format") == "jb-book"
    return [(part["caption"], [c["file"] for c in part.get("chapters", [])]) for part in toc["parts"]]


def test_toc_lists_the_same_chapters_in_both_languages():
    en_parts, tr_parts = toc_parts("en"), toc_parts("tr")
    assert len(en_parts) == len(tr_parts), f"parts: en {len(en_parts)} vs tr {len(tr_parts)}"
    for (en_caption, en_files), (tr_caption, tr_files) in zip(en_parts, tr_parts):
        en = [re.sub(r"(^|/)en/", r"\1", f) for f in en_files]
        tr = [re.sub(r"(^|/)tr/", r"\1", f) for f in tr_files]
        assert en == tr, f"parts {en_caption!r} / {tr_caption!r} list different pages: en {en} vs tr {tr}"
    for lang in LANGS:
        files = [f for _, part in toc_parts(lang) for f in part]
        others = [f for f in files if f.startswith("notebooks/") and not f.startswith(f"notebooks/{lang}/")]
        assert not others, f"{TOCS[lang]} lists chapters of another language: {others}"
        chapters = [f for f in files if f.startswith(f"notebooks/{lang}/")]
        assert chapters, f"{TOCS[lang]} lists no chapter"
        listed = {f"{lang}/{Path(f).name}.ipynb" for f in chapters}
        mine = {p for p in NOTEBOOK_PATHS if p.startswith(f"{lang}/")}
        assert mine <= listed, f"notebooks missing from {TOCS[lang]}: {mine - listed}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_toc_entry_exists(lang):
    toc = yaml.safe_load((ROOT / TOCS[lang]).read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part.get("chapters", [])]
    missing = [f for f in files if not any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb"))]
    assert not missing, f"{TOCS[lang]} lists files that do not exist: {missing}"


# --- stale-output guard -----------------------------------------------------------------------
# The book executes every notebook, so the site never shows committed outputs. The repository
# keeps only what nbval compares (scripts/store_outputs.py): the text outputs of cells tagged
# nbval-check-output, with an execution count (nbval fails a cell that has outputs but no
# execution count: "Unrun reference cell has outputs"). Anything else committed is stale.

CHECKED = "nbval-check-output"          # nbval's markers are cell tags (scripts/nbval_tags.py)
RAISES = "raises-exception"              # read by myst-nb (the book) and by nbval
MARKER_COMMENT = re.compile(r"^[ \t]*#+[ \t]*NBVAL_[A-Z_]+[ \t]*$", re.M)


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def stale_outputs(nb) -> list[str]:
    """What a committed notebook carries beyond the text outputs nbval checks."""
    problems = ["notebook metadata has widget state"] if "widgets" in nb.metadata else []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        if outputs and CHECKED not in tags(cell):
            problems.append(f"cell {i}: outputs but no {CHECKED} tag")
        elif outputs and cell.get("execution_count") is None:
            problems.append(f"cell {i}: checked outputs without an execution count (nbval: "
                            "'Unrun reference cell has outputs')")
        elif not outputs and cell.get("execution_count") is not None:
            problems.append(f"cell {i}: execution count {cell.execution_count} without outputs")
        for out in outputs:
            extra = set(out.get("data", {})) - {"text/plain"}
            if extra:
                problems.append(f"cell {i}: non-text output {sorted(extra)}")
    return problems


def test_stale_output_guard_catches_outputs():
    nb = _nb('LANG = "en"', "print(1)", "x = 1")
    nb.cells[2].metadata["tags"] = [CHECKED]
    assert stale_outputs(nb) == []
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[2].execution_count = 1
    assert stale_outputs(nb) == []                      # checked text output: allowed
    nb.cells[2].execution_count = None
    assert len(stale_outputs(nb)) == 1                  # nbval would reject it
    nb.cells[2].execution_count = 1
    nb.cells[2].outputs.append(nbformat.v4.new_output("display_data", data={"image/png": "iVBO"}))
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[1].execution_count = 7
    assert len(stale_outputs(nb)) == 3


@pytest.mark.parametrize("rel", NOTEBOOK_PATHS)
def test_notebook_carries_no_stale_outputs(rel):
    problems = stale_outputs(read(rel))
    assert not problems, (f"{rel}: " + "; ".join(problems) + " -- run scripts/store_outputs.py "
                          "(the book executes every notebook; committed outputs would go stale)")


@pytest.mark.parametrize("rel", NOTEBOOK_PATHS)
def test_nbval_markers_are_tags_not_comments(rel):
    """The site shows a cell's source: nbval's markers are tags (`scripts/nbval_tags.py`)."""
    bad = [i for i, c in enumerate(read(rel).cells)
           if c.cell_type == "code" and MARKER_COMMENT.search(c.source)]
    assert not bad, (f"{rel}: code cells {bad} carry `# NBVAL_...` comment lines; run "
                     "scripts/nbval_tags.py (they become the tags nbval-check-output, raises-exception)")


@pytest.mark.parametrize("rel", NOTEBOOK_PATHS)
def test_cells_meant_to_raise_are_marked_for_both_runners(rel):
    """nbval and the book build (myst-nb) both read the `raises-exception` tag; a cell tagged
    for nbval alone (`nbval-raises-exception`) would stop the book build."""
    bad = [i for i, c in enumerate(read(rel).cells) if c.cell_type == "code"
           and "nbval-raises-exception" in tags(c) and RAISES not in tags(c)]
    assert not bad, (f"{rel}: code cells {bad} are tagged nbval-raises-exception but not "
                     f"`{RAISES}` (myst-nb needs it)")


def test_marker_checks_catch_comments_and_missing_tags():
    nb = _nb('LANG = "en"', "# NBVAL_CHECK_OUTPUT\nprint(1)", "x = 1  # NBVAL is fine in prose")
    assert [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and MARKER_COMMENT.search(c.source)] == [2]
    nb.cells[3].metadata["tags"] = ["nbval-raises-exception"]
    assert "nbval-raises-exception" in tags(nb.cells[3]) and RAISES not in tags(nb.cells[3])
