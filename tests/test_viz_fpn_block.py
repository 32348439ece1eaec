"""fpnlab.viz.fpn_block_diagram: the baseline FPN block (C_k → lateral → L_k; T_{k+1} → Up → sum →
T_k → smoothing → P_k), labelled in the reader's language."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

import fpnlab  # noqa: E402
from fpnlab.errors import UnknownNameError  # noqa: E402
from fpnlab.i18n import STRINGS  # noqa: E402
from fpnlab.viz import fpn_block_diagram  # noqa: E402

FPN_BLOCK_STRINGS = {k: v for k, v in STRINGS.items() if k.startswith("fpn_block_")}


@pytest.fixture(autouse=True)
def english_after():
    yield
    fpnlab.set_lang("en")
    plt.close("all")


def _texts(ax):
    return [t.get_text() for t in ax.texts] + [ax.get_title()]


def test_every_label_has_both_languages():
    for key, texts in FPN_BLOCK_STRINGS.items():
        assert set(texts) == {"en", "tr"}, key
        assert all(texts.values()), key


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_draws_the_block_in_the_language_asked(lang):
    _, given = plt.subplots()
    ax = fpn_block_diagram(lang, ax=given)
    assert ax is given
    texts = _texts(ax)
    for symbol in ("$C_k$", "$L_k$", "$T_k$", "$P_k$", "$T_{k+1}$", "+"):
        assert symbol in texts, symbol
    for key, both in FPN_BLOCK_STRINGS.items():
        assert both[lang] in texts, key
    # ten arrows: C→lat→L→+, T_{k+1}→Up→+, +→T_k→smooth→P_k, T_k→finer level, P_k→head
    assert sum(isinstance(c, Annotation) for c in ax.get_children()) == 10


def test_language_follows_set_lang_and_rejects_unknown():
    fpnlab.set_lang("tr")
    assert fpn_block_diagram().get_title() == FPN_BLOCK_STRINGS["fpn_block_title"]["tr"]
    fpnlab.set_lang("en")
    assert fpn_block_diagram().get_title() == FPN_BLOCK_STRINGS["fpn_block_title"]["en"]
    with pytest.raises(UnknownNameError, match="lang = 'de'"):
        fpn_block_diagram("de")
