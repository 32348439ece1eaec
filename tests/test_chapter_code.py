"""A chapter's code is the computation: translation tables stay small, nothing downloads, and the
library's helpers are used instead of a chapter's own copies."""
import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
CHAPTERS = sorted(p.name for p in (NB / "en").glob("*.ipynb"))
MAX_TRANSLATION_SHARE = 0.10


def _code(lang, name):
    nb = json.loads((NB / lang / name).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _python(src: str) -> str:
    # IPython magics (%pip, !cmd) are not Python; blank them so ast can parse the rest
    return "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in src.splitlines())


def _translation_lines(src: str) -> set[int]:
    """Line numbers inside a ``Strings({...})`` table or any dict literal keyed by "en" and "tr"."""
    lines = set()
    for node in ast.walk(ast.parse(_python(src))):
        table = (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Strings")
        keys = {k.value for k in getattr(node, "keys", []) if isinstance(k, ast.Constant)}
        if table or (isinstance(node, ast.Dict) and {"en", "tr"} <= keys):
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def translation_share(lang: str, name: str) -> tuple[int, int]:
    total = translated = 0
    for src in _code(lang, name):
        text = src.splitlines()
        total += sum(1 for line in text if line.strip() and not line.strip().startswith("#"))
        translated += sum(1 for i in _translation_lines(src) if text[i - 1].strip())
    return translated, total


@pytest.mark.parametrize("name", CHAPTERS)
def test_translation_tables_take_at_most_a_tenth_of_the_code(name):
    translated, total = translation_share("en", name)
    assert translated <= MAX_TRANSLATION_SHARE * total, (
        f"{name}: {translated} of {total} code lines are translation tables "
        f"({translated / total:.0%} > {MAX_TRANSLATION_SHARE:.0%}); print numbers and tables with the library's "
        "labels and move sentences into the prose (myst-nb glue for the numbers inside them)")


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("name", CHAPTERS)
def test_no_chapter_downloads_anything(lang, name):
    for src in _code(lang, name):
        for line in src.splitlines():
            if "google.colab" in src and re.match(r"\s*%pip install", line):
                continue  # the Colab-only install of the companion library
            assert not re.search(r"https?://|urlretrieve|urlopen|requests\.get|wget |curl ", line), (
                f"{lang}/{name}: {line.strip()!r} downloads; the book promises that nothing does "
                "(read committed files from the checkout instead)")
