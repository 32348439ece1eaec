"""fpnlab.viz.yolo_pan_diagram: draws YOLOv8's PAN-FPN in both languages."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import fpnlab  # noqa: E402
from fpnlab.i18n import STRINGS  # noqa: E402
from fpnlab.viz import yolo_pan_diagram  # noqa: E402

LABELS = {k: v for k, v in STRINGS.items() if k.startswith("yolo_")}


def _texts(ax):
    legend = ax.get_legend()
    return ([t.get_text() for t in ax.texts] + [ax.get_title()]
            + [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()])


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_diagram_has_every_block_and_its_labels(lang):
    ax = yolo_pan_diagram(lang)
    texts = _texts(ax)
    for block in ("SPPF", "$C_3$", "$C_4$", "$C_5$", "C2f\n$T_4$", "C2f\n$P_3$", "C2f\n$N_4$", "C2f\n$N_5$"):
        assert block in texts
    for label in LABELS.values():
        assert label[lang] in texts
    assert len(ax.patches) == 8  # C3, C4, C5, SPPF and four C2f blocks
    plt.close(ax.figure)


def test_diagram_follows_the_books_language_and_draws_on_given_axes():
    _, ax = plt.subplots()
    fpnlab.set_lang("tr")
    try:
        assert yolo_pan_diagram(ax=ax) is ax
        assert ax.get_title() == LABELS["yolo_title"]["tr"]
    finally:
        fpnlab.set_lang("en")
    assert yolo_pan_diagram().get_title() == LABELS["yolo_title"]["en"]
    plt.close("all")


def test_labels_exist_in_both_languages():
    assert all(set(v) == {"en", "tr"} and all(v.values()) for v in LABELS.values())
    with pytest.raises(ValueError):
        yolo_pan_diagram("de")
