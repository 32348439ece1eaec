"""fpnlab.widgets: live twins react to sliders, static twins hold every position."""
import ipywidgets as W
import pytest
import torch

from fpnlab.errors import ArgumentError, UnknownNameError
from fpnlab.i18n import t

from fpnlab.widgets import (attention_viewer, explorer, feature_viewer, fusion_explorer,
                            stride_explorer, use_static)


def test_mode_from_environment(monkeypatch):
    monkeypatch.setenv("FPNLAB_WIDGETS", "static")
    assert use_static() and not use_static(False)
    monkeypatch.setenv("FPNLAB_WIDGETS", "bogus")
    with pytest.raises(UnknownNameError, match="FPNLAB_WIDGETS = 'bogus' is not one of 'live', 'static'"):
        use_static()


def test_static_twin_holds_every_combination_and_links_sliders():
    calls = []

    def render(a, b):
        calls.append((a, b))
        return W.HTML(f"{a}-{b}")
    box = explorer({"a": [1, 2, 3], "b": ["x", "y"]}, render, name="demo", static=True)
    sa, sb, root = box.children[:3]
    assert len(calls) == 6 and "fpnlab-static" in box._dom_classes and "fpnlab-demo" in box._dom_classes
    assert [len(root.children)] + [len(c.children) for c in root.children] == [3, 2, 2, 2]
    assert root.children[2].children[1].value == "3-y"
    links = {id(s): [ln for ln in box.links if ln.source[0] is s] for s in (sa, sb)}
    assert len(links[id(sa)]) == 1 and len(links[id(sb)]) == 3  # one link per stack at that depth
    assert {ln.target[0] for ln in links[id(sb)]} == set(root.children)
    assert all(ln.source[1] == "index" and ln.target[1] == "selected_index" for ln in box.links)


def test_live_twin_rerenders_on_slider_move():
    box = explorer({"a": [1, 2, 3]}, lambda a: W.HTML(str(a * 10)), name="demo", static=False)
    slider, view = box.children[:2]
    assert view.children[0].value == "10"
    slider.value = 3
    assert view.children[0].value == "30" and "fpnlab-live" in box._dom_classes


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_stride_explorer_twins_agree(lang):
    static = stride_explorer(lang, input_sizes=(224, 256), object_sizes=(6, 40), static=True)
    live = stride_explorer(lang, input_sizes=(224, 256), object_sizes=(6, 40), static=False)
    for s_panel, l_panel in zip(static.children, live.children):
        stack, view = s_panel.children[1], l_panel.children[1]
        l_panel.children[0].value = l_panel.children[0].options[1][1]
        assert stack.children[1].value == view.children[0].value
    table = static.children[0].children[1].children[1].value
    assert "64 × 64" in table and "8 × 8" in table  # 256 px input: P2 and P5
    assert t("stride", lang) in table


def test_feature_viewer_static_renders_images():
    images = torch.rand(2, 3, 32, 32)
    feats = [{"C2": torch.rand(4, 8, 8), "C3": torch.rand(4, 4, 4)} for _ in range(2)]
    pyrs = [{"P2": torch.rand(2, 8, 8), "P3": torch.rand(2, 4, 4)} for _ in range(2)]
    box = feature_viewer(images, feats, pyrs, "tr", channels=(0, 1), static=True)
    root = box.children[3]
    leaves = [c for a in root.children for b in a.children for c in b.children]
    assert len(leaves) == 2 * 2 * 3 and all(isinstance(x, W.Image) and x.value[:2] == b"\xff\xd8" for x in leaves)
    assert len({x.value for x in leaves}) == len(leaves)  # every position shows something different


def test_fusion_explorer_numbers_match_fusion_weights():
    import re

    from fpnlab.necks import fusion_weights
    maps = [torch.rand(4, 8, 8), torch.rand(4, 8, 8)]
    box = fusion_explorer(maps, "en", raw_values=(-1.0, 1.0), static=True)
    root = box.children[2]

    def row(i, j, method):  # weights shown for raw weights (values[i], values[j]) under method
        html = root.children[i].children[j].children[0].value
        cells = re.search(rf"<th>{method}</th>((?:\s*<td>[^<]*</td>)+)", html).group(1)
        return [float(v) for v in re.findall(r"<td>([^<]*)</td>", cells)]
    for i, j, raw in ((1, 1, [1.0, 1.0]), (0, 1, [-1.0, 1.0])):
        for method in ("unbounded", "softmax", "fast"):
            want = fusion_weights(torch.tensor(raw), method).tolist()
            assert row(i, j, method) == pytest.approx(want, abs=5e-5), (raw, method)
    assert row(0, 1, "fast")[0] == 0.0  # a negative raw weight switches its input off
    with pytest.raises(ArgumentError, match="inputs has 1 maps; it shows a node with two inputs"):
        fusion_explorer(maps[:1])


def test_turkish_widgets_show_numbers_in_turkish_format():
    maps = [torch.rand(4, 8, 8), torch.rand(4, 8, 8)]
    box = fusion_explorer(maps, "tr", raw_values=(-0.5, 1.5), static=True)
    assert [label for label, _ in box.children[0].options] == ["-0,5", "1,5"]
    html = box.children[2].children[1].children[1].children[0].value  # raw weights (1.5, 1.5)
    assert "<td>0,5000</td>" in html and "0.5000" not in html


def test_attention_viewer_live_and_static():
    from fpnlab.blocks.attention import CBAM, SE
    images = torch.rand(1, 3, 16, 16)
    x = {"P3": torch.rand(1, 16, 4, 4)}
    before, after, maps = {}, {}, {}
    for name, block in (("se", SE(16, 4)), ("cbam", CBAM(16, 4))):
        y = block(x["P3"])
        before[name], after[name] = [{"P3": x["P3"][0]}], [{"P3": y[0].detach()}]
        maps[name] = [{"P3": block.last_map[0]}]
    static = attention_viewer(images, before, after, maps, "tr", static=True)
    leaves = static.children[3].children[0].children
    assert len(leaves) == 2 and all(isinstance(s.children[0], W.Image) for s in leaves)
    live = attention_viewer(images, before, after, maps, "en", static=False)
    first = live.children[3].children[0].value
    live.children[1].value = "cbam"
    assert live.children[3].children[0].value != first


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_query_attention_viewer_twins(lang):
    from fpnlab.widgets import query_attention_viewer
    torch.manual_seed(0)
    image = torch.rand(3, 24, 32)
    att = torch.rand(1, 2, 12, 12).softmax(-1)  # 2 heads over a 3 × 4 grid
    static = query_attention_viewer(image, att, (3, 4), lang, static=True)
    rows, cols, heads, root = static.children[:4]
    assert [s.description for s in (rows, cols, heads)] == [t("query_row", lang), t("query_column", lang),
                                                           t("head_label", lang)]
    assert heads.options[-1] == (t("mean_of_heads", lang), "mean")
    stacks = [root] + list(root.children) + [c for r in root.children for c in r.children]
    assert len(stacks) == 1 + 3 + 3 * 4  # one stack per slider position above the leaves
    leaves = [x for c in stacks[4:] for x in c.children]
    assert len(leaves) == 3 * 4 * 3 and all(isinstance(x, W.Image) and x.value[:2] == b"\xff\xd8" for x in leaves)
    assert len({x.value for x in leaves}) == len(leaves)  # one render per slider position, each different
    assert len(static.links) == 1 + 3 + 12 and "fpnlab-query-attention-viewer" in static._dom_classes
    live = query_attention_viewer(image, att[0], (3, 4), lang, static=False)
    first = live.children[3].children[0].value
    live.children[2].value = "mean"
    assert live.children[3].children[0].value != first
    with pytest.raises(ArgumentError, match="query_attention_viewer"):
        query_attention_viewer(image, att, (4, 4), lang)
