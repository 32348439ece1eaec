"""Every chapter, in both languages: learning objectives, numbered sections, summary, exercises with
hidden solutions and references at the end; the two editions carry the same sections and the
same number of solutions; links between pages lead somewhere, and no sentence points at "a later
chapter" that the reader cannot follow."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
CHAPTERS = sorted(p.name for p in (NB / "en").glob("*.ipynb"))
HEADINGS = {
    "en": ("Learning objectives", "Summary", "Exercises", "References"),
    "tr": ("Öğrenme hedefleri", "Özet", "Alıştırmalar", "Kaynaklar"),
}
VAGUE = {
    "en": re.compile(r"\b(?:a later (?:chapter|part|section)|later in (?:the|this) book|Part I{1,3}\b)", re.I),
    "tr": re.compile(r"\b(?:sonraki bir bölüm|ileriki bir bölüm|daha sonraki bir bölüm|kitabın ilerisinde)", re.I),
}
LINK = re.compile(r"\]\(([^)\s#]+\.(?:ipynb|md))(?:#[^)]*)?\)")


def _markdown(lang, name):
    nb = json.loads((NB / lang / name).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _headings(cells):
    return [h.strip() for text in cells for h in re.findall(r"^##\s+(.+)$", text, re.M)]


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_the_books_parts_and_ends_with_references(lang, name):
    heads = _headings(_markdown(lang, name))
    objectives, summary, exercises, references = HEADINGS[lang]
    assert heads and heads[0] == objectives, f"{lang}/{name}: first section must be {objectives!r}"
    assert heads[-3:] == [summary, exercises, references], (
        f"{lang}/{name}: must end with {summary!r}, {exercises!r}, {references!r}; ends with {heads[-3:]}")
    numbered = [h for h in heads if re.match(r"\d+\.", h)]
    assert len(numbered) >= 2, f"{lang}/{name}: fewer than two numbered sections"


@pytest.mark.parametrize("name", CHAPTERS)
def test_both_editions_carry_the_same_sections_and_solutions(name):
    en, tr = _markdown("en", name), _markdown("tr", name)
    number = lambda heads: [re.match(r"(\d+)\.", h).group(1) for h in heads if re.match(r"\d+\.", h)]
    assert number(_headings(en)) == number(_headings(tr)), f"{name}: numbered sections differ"
    count = lambda cells: sum(text.count("<details>") for text in cells)
    assert count(en) == count(tr) >= 1, f"{name}: {count(en)} English vs {count(tr)} Turkish solutions"


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("name", CHAPTERS)
def test_links_lead_to_real_pages_and_nothing_points_at_a_vague_later_chapter(lang, name):
    for k, text in enumerate(_markdown(lang, name)):
        for target in LINK.findall(text):
            if "://" in target:
                continue
            assert (NB / lang / target).resolve().exists(), f"{lang}/{name} prose cell {k}: link to {target} leads nowhere"
        vague = VAGUE[lang].findall(text)
        assert not vague, f"{lang}/{name} prose cell {k}: {vague} — link the chapter instead"


def test_book_pages_link_to_real_pages():
    for page in sorted((ROOT / "book").rglob("*.md")):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (page.parent / target).resolve().exists(), f"{page.relative_to(ROOT)}: {target}"
