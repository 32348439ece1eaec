"""fpnlab.necks.BiFPN: fusion weights, shapes, odd sizes and equality with effdet's BiFpn."""
import pytest
import torch
from effdet import EfficientDet, get_efficientdet_config

from fpnlab.necks import BiFPN, PyramidInputError, fusion_weights
from fpnlab.necks.bifpn import cell_nodes
from fpnlab.data import random_pyramid
from fpnlab.metrics import n_params


def effdet_fpn(name):
    cfg = get_efficientdet_config(name)
    return EfficientDet(cfg, pretrained_backbone=False).fpn  # nothing is downloaded



def levels(channels, size, batch=1, seed=0):
    """C3..C5 of a ``size`` input (ceil for odd sizes, like stride-2 convs with padding)."""
    return random_pyramid(size, channels, first=3, batch=batch, generator=torch.Generator().manual_seed(seed))


def test_fast_fusion_numbers():
    w = fusion_weights(torch.tensor([1.0, 1.0]), "fast")
    assert torch.allclose(w, torch.full((2,), 1 / 2.0001), rtol=0, atol=1e-7)
    assert f"{w[0].item():.7f}" == "0.4999750"


def test_negative_weight_is_switched_off_with_zero_gradient():
    raw = torch.tensor([-0.5, 2.0, 1.0], requires_grad=True)
    w = fusion_weights(raw, "fast")
    assert w[0] == 0 and torch.allclose(w.sum(), torch.tensor(3 / 3.0001))
    (w * torch.tensor([3.0, 5.0, 7.0])).sum().backward()
    assert raw.grad[0] == 0 and raw.grad[1] != 0


def test_other_fusions():
    raw = torch.tensor([0.5, -1.0, 2.0])
    assert torch.allclose(fusion_weights(raw, "softmax"), torch.softmax(raw, 0))
    assert torch.allclose(fusion_weights(raw, "softmax").sum(), torch.tensor(1.0))
    assert torch.equal(fusion_weights(raw, "unbounded"), raw)
    assert torch.equal(fusion_weights(raw, "sum"), torch.ones(3))
    with pytest.raises(ValueError, match="fusion = 'mean'"):
        fusion_weights(raw, "mean")


def test_d0_matches_effdet_parameter_count_and_shapes():
    theirs, ours = effdet_fpn("efficientdet_d0").eval(), BiFPN.efficientdet(0).eval()
    assert n_params(ours) == n_params(theirs) == 194_361
    feats = levels([40, 112, 320], (512, 512))
    with torch.no_grad():
        want, got = theirs(list(feats.values())), ours(feats)
    assert list(got) == ["P3", "P4", "P5", "P6", "P7"]
    assert [t.shape for t in want] == [t.shape for t in got.values()]
    assert [tuple(t.shape[-2:]) for t in got.values()] == [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4)]


@pytest.mark.parametrize("d", [1, 2])
def test_d1_d2_match_effdet_parameter_count(d):
    assert n_params(BiFPN.efficientdet(d)) == n_params(effdet_fpn(f"efficientdet_d{d}"))


def test_loaded_effdet_weights_give_the_same_outputs():
    theirs, ours = effdet_fpn("efficientdet_d0"), BiFPN.efficientdet(0)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():  # random weights, positive edge weights, non-trivial BN statistics
        for p in theirs.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1 + (0.5 if p.dim() == 1 else 0))
        for name, b in theirs.named_buffers():
            if "running_var" in name:
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            elif "running_mean" in name:
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
    ours.load_effdet(theirs)
    theirs.eval(), ours.eval()
    feats = list(levels([40, 112, 320], (512, 512)).values())
    with torch.no_grad():
        want, got = theirs(list(feats)), ours(feats)
        assert all(torch.allclose(a, b, atol=1e-5, rtol=1e-5) for a, b in zip(want, got))
        ours.cells[-1].bu_nodes[-1].weight[0] += 0.1  # the comparison is sharp
        assert not torch.allclose(want[-1], ours(feats)[-1], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("size", [(65, 97), (33, 47), (64, 64)])
def test_odd_input_sizes(size):
    neck = BiFPN([8, 16, 32], 16, num_levels=5, repeats=2)
    feats = levels([8, 16, 32], size, batch=2)  # batch 2: BN in training mode on 1×1 maps
    out = neck(feats)
    h, w = feats["C5"].shape[-2:]
    want = [tuple(t.shape[-2:]) for t in feats.values()] + [(-(-h // 2), -(-w // 2)), (-(-h // 4), -(-w // 4))]
    assert [tuple(t.shape[-2:]) for t in out.values()] == want
    assert all(t.shape[:2] == (2, 16) for t in out.values())


def test_options_list_io_and_parameter_counts():
    neck = BiFPN([16, 16, 16], 16, num_levels=3, repeats=1, fusion="sum")
    out = neck([torch.randn(2, 16, 16, 16), torch.randn(2, 16, 8, 8), torch.randn(2, 16, 4, 4)])
    assert isinstance(out, list) and [t.shape[-1] for t in out] == [16, 8, 4]
    node = 9 * 16 + 16 * 16 + 2 * 16  # depthwise 3×3 + pointwise 1×1 + BN (weight, bias)
    assert n_params(neck) == 4 * node  # 2 top-down + 2 bottom-up nodes, no adapters, no weights
    weighted = BiFPN([16, 16, 16], 16, num_levels=3, repeats=1, fusion="fast")
    assert n_params(weighted) == 4 * node + (2 + 2) + (3 + 2)  # one raw weight per edge
    for f in ("softmax", "unbounded"):
        assert BiFPN([16, 16, 16], 16, 3, 1, fusion=f)(out)[0].shape == (2, 16, 16, 16)


def test_errors():
    with pytest.raises(ValueError, match="num_levels=2"):
        BiFPN([8, 16, 32], 16, num_levels=2)
    with pytest.raises(ValueError, match="fusion = 'max'"):
        BiFPN([8, 16], 16, fusion="max")
    with pytest.raises(ValueError, match="D9"):
        BiFPN.efficientdet(9)
    feats = levels([8, 16, 24], (64, 64))
    with pytest.raises(PyramidInputError, match=r"'C5' \(index 2\) has 24 channels.*expects 32"):
        BiFPN([8, 16, 32], 16)(feats)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_cell_nodes_list_the_inputs_of_every_node(n):
    cell = BiFPN([8] * n, 8, num_levels=n, repeats=1).cells[0]
    modules = list(reversed(cell.td_nodes)) + list(cell.bu_nodes)  # the order the cell runs them
    assert [len(inputs) for _, inputs in cell_nodes(n)] == [m.weight.numel() for m in modules]


def test_cell_nodes_p3_p7_and_diagram():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.text import Annotation

    from fpnlab.viz import bifpn_diagram
    nodes = dict(cell_nodes(5))
    assert nodes["P3_out"] == ["P3_in", "up(P4_td)"]
    assert nodes["P5_out"] == ["P5_in", "P5_td", "down(P4_out)"]
    assert nodes["P7_out"] == ["P7_in", "down(P6_out)"]
    ax = bifpn_diagram(5, lang="tr")
    assert sum(isinstance(c, Annotation) for c in ax.get_children()) == 19  # one arrow per edge
    with pytest.raises(ValueError, match="num_levels=1"):
        cell_nodes(1)


def test_load_effdet_refuses_another_size():
    with pytest.raises(ValueError, match="3 cells, this one 4"):
        BiFPN.efficientdet(1).load_effdet(effdet_fpn("efficientdet_d0"))


def test_bifpn_feature_info_matches_measured_outputs():
    from torch import nn

    from fpnlab.backbones import TinyBackbone
    from fpnlab.levels import measure_strides

    bb = TinyBackbone()
    neck = BiFPN.from_backbone(bb, 16, num_levels=6, repeats=1)
    measured = measure_strides(nn.Sequential(bb, neck), 128)
    assert [(lv.name, lv.channels, lv.stride) for lv in neck.feature_info] == \
        [(lv.name, lv.channels, lv.stride) for lv in measured]
    assert [lv.stride for lv in neck.feature_info] == [4, 8, 16, 32, 64, 128]
    assert [(lv.name, lv.stride) for lv in BiFPN.efficientdet(0).feature_info] == \
        [("P3", 8), ("P4", 16), ("P5", 32), ("P6", 64), ("P7", 128)]
