"""Turkish prose cannot drift silently: every Turkish prose cell records the hash of the English
cell it translates (scripts/tr_sync.py), and a changed English cell fails this test until its
Turkish twin is revisited and marked."""
import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import tr_sync  # noqa: E402


def _nb(*texts):
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": t} for t in texts]
            + [{"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []}]}


def test_unmarked_cells_are_reported_and_marking_clears_them():
    en, tr = _nb("# Title", "Some prose."), _nb("# Başlık", "Biraz metin.")
    problems = tr_sync.notebook_problems(en, tr, "X.ipynb")
    assert len(problems) == 2 and "records no English version" in problems[0]
    assert tr_sync.mark_notebook(en, tr) == [0, 1]
    assert tr_sync.notebook_problems(en, tr, "X.ipynb") == []


def test_a_changed_english_cell_names_its_turkish_twin():
    en, tr = _nb("# Title", "Some prose."), _nb("# Başlık", "Biraz metin.")
    tr_sync.mark_notebook(en, tr)
    changed = copy.deepcopy(en)
    changed["cells"][1]["source"] = "Some prose, with a new caveat."
    problems = tr_sync.notebook_problems(changed, tr, "X.ipynb")
    assert problems == [problems[0]] and "prose cell 1" in problems[0] and "--cells 1" in problems[0]
    tr_sync.mark_notebook(changed, tr, cells=[1])
    assert tr_sync.notebook_problems(changed, tr, "X.ipynb") == []


def test_whitespace_alone_is_not_a_change():
    assert tr_sync.digest("a  \nb\n") == tr_sync.digest("a\r\nb")
    assert tr_sync.digest("a b") != tr_sync.digest("a c")


def test_a_missing_or_extra_turkish_cell_is_reported():
    problems = tr_sync.notebook_problems(_nb("a", "b"), _nb("a"), "X.ipynb")
    assert len(problems) == 1 and "2 English prose cells but 1 Turkish" in problems[0]
    with pytest.raises(SystemExit):
        tr_sync.mark_notebook(_nb("a", "b"), _nb("a"))


def test_every_turkish_cell_and_page_translates_the_current_english():
    problems = tr_sync.all_problems()
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} in all)"
