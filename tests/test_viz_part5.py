"""fpnlab.viz's Part V diagrams (YOLO11/YOLO26, RT-DETR's hybrid encoder, Gold-YOLO's GD, ASFF):
every block and label there, in both languages, attention boxes shaded."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import fpnlab  # noqa: E402
from fpnlab.i18n import STRINGS  # noqa: E402
from fpnlab.viz import _ATTN_FC, asff_diagram, gd_diagram, hybrid_encoder_diagram, yolo11_diagram  # noqa: E402

# diagram → (its title key, blocks it must show, boxes, boxes with attention inside)
CASES = {
    "yolo11": (lambda lang: yolo11_diagram(lang=lang), "yolo11_title",
               ["SPPF\n→ C2PSA", "C3k2\n$T_4$", "C3k2\n$P_3$", "C3k2\n$N_4$", "C3k2\n$N_5$"], 8, 1),
    "yolo26": (lambda lang: yolo11_diagram(True, lang=lang), "yolo26_title", ["C3k2 + PSA\n$N_5$"], 8, 2),
    "hybrid": (lambda lang: hybrid_encoder_diagram(lang), "hybrid_title",
               ["$C_3$", "$C_4$", "$C_5$", "AIFI\n$F_5$", "RepC3\n$Y_4$", "RepC3\n$N_5$"], 8, 1),
    "gd": (lambda lang: gd_diagram(lang), "gd_title", ["$B_2$", "$B_5$", "$N_4$", "$N_5$"], 11, 1),
    "asff": (lambda lang: asff_diagram(lang), "asff_title", ["Σ w\n$P_3$", "Σ w\n$P_5$"], 6, 0),
}


def _texts(ax):
    legend = ax.get_legend()
    return ([t.get_text() for t in ax.texts] + [ax.get_title()]
            + [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()])


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_diagram_shows_its_blocks_in_the_readers_language(case, lang):
    draw, title, blocks, n_boxes, n_attn = CASES[case]
    ax = draw(lang)
    texts = _texts(ax)
    assert ax.get_title() == STRINGS[title][lang]
    assert all(b in texts for b in blocks), [b for b in blocks if b not in texts]
    boxes = [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]
    assert len(boxes) == n_boxes
    shaded = [p for p in boxes if matplotlib.colors.same_color(p.get_facecolor(), _ATTN_FC)]
    assert len(shaded) == n_attn
    if n_attn:
        assert STRINGS["graph_attn"][lang] in texts
    plt.close(ax.figure)


def test_the_diagrams_follow_set_lang_and_draw_on_given_axes():
    _, ax = plt.subplots()
    fpnlab.set_lang("tr")
    try:
        assert gd_diagram(ax=ax) is ax and ax.get_title() == STRINGS["gd_title"]["tr"]
    finally:
        fpnlab.set_lang("en")
    assert asff_diagram().get_title() == STRINGS["asff_title"]["en"]
    plt.close("all")
