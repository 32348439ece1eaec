"""fpnlab.necks.FPN: shapes, torchvision equivalence, options and teaching errors."""

import pytest
import torch
from torch import nn
from torchvision.ops import FeaturePyramidNetwork
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

from fpnlab.data import random_pyramid
from fpnlab.necks import FPN, PyramidInputError

CH = [16, 32, 64, 128]


def pyramid(size=(64, 64), channels=CH, batch=2, seed=0):
    """C2..C5 of a ``size`` input (ceil for odd sizes, like stride-2 convs with padding)."""
    return random_pyramid(size, channels, batch=batch, generator=torch.Generator().manual_seed(seed))


def randomize(module, seed=1):
    """Non-zero weights *and* biases, so a wrong bias or a swapped conv cannot hide."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    return module


@pytest.mark.parametrize("size", [(64, 64), (65, 97), (33, 47), (128, 96)])
def test_equal_to_torchvision(size):
    tv = randomize(FeaturePyramidNetwork(CH, 24)).eval()
    ours = FPN.from_torchvision(tv).eval()
    feats = pyramid(size)
    with torch.no_grad():
        want, got = tv(feats), ours(feats)
    assert list(got) == ["P2", "P3", "P4", "P5"]
    for a, b in zip(want.values(), got.values()):
        assert a.shape == b.shape
        assert torch.equal(a, b)


def test_equal_to_torchvision_with_batchnorm_and_extra_block():
    tv = randomize(FeaturePyramidNetwork(CH, 24, extra_blocks=LastLevelMaxPool(),
                                         norm_layer=nn.BatchNorm2d)).eval()
    ours = FPN.from_torchvision(tv).eval()
    feats = pyramid((96, 80))
    with torch.no_grad():
        want, got = list(tv(feats).values()), ours(feats)
    assert list(got) == ["P2", "P3", "P4", "P5", "pool"]
    assert all(torch.equal(a, b) for a, b in zip(want, got.values()))


def test_from_scratch_weights_differ_is_detected():
    """The equality test is sharp: one changed bias breaks it."""
    tv = randomize(FeaturePyramidNetwork(CH, 24)).eval()
    ours = FPN.from_torchvision(tv).eval()
    with torch.no_grad():
        ours.smooth[1][0].bias[0] += 1e-3
        feats = pyramid()
        assert not torch.equal(tv(feats)["C3"], ours(feats)["P3"])


def test_list_in_list_out_any_number_of_levels():
    fpn = FPN([8, 16], out_channels=4)
    out = fpn([torch.randn(1, 8, 20, 20), torch.randn(1, 16, 10, 10)])
    assert isinstance(out, list) and [tuple(o.shape) for o in out] == [(1, 4, 20, 20), (1, 4, 10, 10)]
    fpn6 = FPN([4] * 6, out_channels=4)
    out = fpn6([torch.randn(1, 4, 2 ** (7 - i), 2 ** (7 - i)) for i in range(6)])
    assert [o.shape[-1] for o in out] == [128, 64, 32, 16, 8, 4]


def test_dict_keys_other_than_ck_are_kept():
    fpn = FPN([8, 16], out_channels=4)
    out = fpn({"a": torch.randn(1, 8, 8, 8), "b": torch.randn(1, 16, 4, 4)})
    assert list(out) == ["a", "b"]


def test_parameter_counts_of_the_options():
    c, o = CH, 24
    lateral = sum(ci * o + o for ci in c)
    smooth = len(c) * (9 * o * o + o)
    assert sum(p.numel() for p in FPN(c, o).parameters()) == lateral + smooth
    assert sum(p.numel() for p in FPN(c, o, smooth=False).parameters()) == lateral
    merge = (len(c) - 1) * (2 * o * o + o)
    assert sum(p.numel() for p in FPN(c, o, fuse="concat").parameters()) == lateral + smooth + merge
    assert sum(p.numel() for p in FPN(c, o, bias=False).parameters()) == lateral + smooth - 2 * len(c) * o


def test_options_change_the_output():
    feats = pyramid()
    torch.manual_seed(0)
    base = FPN(CH, 8).eval()
    bil = FPN(CH, 8, upsample="bilinear").eval()
    bil.load_state_dict(base.state_dict())
    with torch.no_grad():
        a, b = base(feats), bil(feats)
    assert torch.equal(a["P5"], b["P5"])  # the top level has nothing upsampled into it
    assert not torch.allclose(a["P2"], b["P2"])
    nosmooth = FPN(CH, 8, smooth=False)
    nosmooth.lateral.load_state_dict(base.lateral.state_dict())
    with torch.no_grad():
        top = nosmooth(feats)["P5"]
    assert torch.equal(top, base.lateral[-1](feats["C5"]))


@pytest.mark.parametrize("norm,act", [("bn", "relu"), ("gn", "silu")])
def test_norm_and_act(norm, act):
    fpn = FPN(CH, 32, norm=norm, act=act, bias=False)
    kinds = {type(m).__name__ for m in fpn.modules()}
    assert {"BatchNorm2d" if norm == "bn" else "GroupNorm", "ReLU" if act == "relu" else "SiLU"} <= kinds
    out = fpn(pyramid())
    assert out["P2"].shape == (2, 32, 16, 16)
    if act == "relu":
        assert (out["P3"] >= 0).all()


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        FPN([256])
    with pytest.raises(ValueError, match=r"upsample = 'bicubic'.*nearest"):
        FPN(CH, upsample="bicubic")
    with pytest.raises(ValueError, match="fuse = 'max'"):
        FPN(CH, fuse="max")


# ---- errors that teach -------------------------------------------------------------------

def test_error_wrong_number_of_levels():
    feats = pyramid()
    del feats["C2"]
    with pytest.raises(PyramidInputError, match=r"built for 4 levels .* got 3 feature maps"):
        FPN(CH)(feats)


def test_error_single_tensor():
    with pytest.raises(PyramidInputError, match=r"got a tensor of shape \(2, 16, 16, 16\).*not a single"):
        FPN(CH)(pyramid()["C2"])


def test_error_channel_mismatch_names_level_and_fix():
    with pytest.raises(PyramidInputError) as err:
        FPN([16, 32, 99, 128])(pyramid())
    msg = str(err.value)
    assert "'C4' (index 2) has 64 channels" in msg and "expects 99" in msg
    assert "in_channels=[16, 32, 64, 128]" in msg


def test_error_wrong_order():
    feats = list(pyramid().values())[::-1]
    with pytest.raises(PyramidInputError, match=r"wrong order.*fine → coarse.*feats\[::-1\]"):
        FPN(CH)(feats)


def test_error_level_not_half_size_points_to_stride_map():
    feats = pyramid()
    feats["C4"] = torch.randn(2, 64, 8, 8)  # same size as C3: a stage without stride 2
    with pytest.raises(PyramidInputError) as err:
        FPN(CH)(feats)
    msg = str(err.value)
    assert "'C4' is 8×8" in msg and "'C3', is 8×8" in msg and "measure_strides" in msg


def test_error_not_4d_and_batch_mismatch():
    feats = pyramid()
    feats["C3"] = feats["C3"][0]
    with pytest.raises(PyramidInputError, match=r"'C3' \(index 1\) is \(32, 8, 8\).*\(B, C, H, W\)"):
        FPN(CH)(feats)
    feats = pyramid()
    feats["C5"] = feats["C5"][:1]
    with pytest.raises(PyramidInputError, match="'C5' has batch size 1 but 'C2' has 2"):
        FPN(CH)(feats)


def test_weighted_fusion_starts_as_the_plain_sum_and_learns():
    torch.manual_seed(0)
    base = FPN(CH, 8).eval()
    weighted = FPN(CH, 8, fuse="weighted").eval()
    weighted.load_state_dict(base.state_dict(), strict=False)
    feats = pyramid()
    assert all(torch.equal(a, b) for a, b in zip(base(feats).values(), weighted(feats).values()))
    assert sum(p.numel() for p in weighted.parameters()) - sum(p.numel() for p in base.parameters()) == 6
    weighted(feats)["P2"].sum().backward()
    assert weighted.alpha_beta.grad.abs().sum() > 0
    with torch.no_grad():
        weighted.alpha_beta[:, 1] = 0  # beta = 0: no top-down path, P_k = smooth(lateral(C_k))
        out = weighted(feats)
        assert torch.equal(out["P2"], weighted.smooth[0](weighted.lateral[0](feats["C2"])))


@pytest.mark.parametrize("name", ["se", "eca", "cbam", "coordatt"])
def test_attention_after_fusion(name):
    fpn = FPN(CH, 32, attention=name)
    assert len(fpn.attention) == 4
    out = fpn(pyramid((65, 97)))
    assert [tuple(v.shape[-2:]) for v in out.values()] == [(17, 25), (9, 13), (5, 7), (3, 4)]
    assert all(a.last_map is not None for a in fpn.attention)
    with pytest.raises(ValueError, match="attention = 'sa' is not one of"):
        FPN(CH, 32, attention="sa")


def test_norm_drops_the_redundant_bias_and_attention_keeps_its_init():
    assert all(m.bias is None for m in FPN(CH, 32, norm="bn").modules() if isinstance(m, nn.Conv2d))
    assert all(m.bias is not None for m in FPN(CH, 32).modules() if isinstance(m, nn.Conv2d))
    torch.manual_seed(0)
    fpn = FPN(CH, 32, attention="coordatt")
    assert all(a.conv_h.bias.abs().sum() > 0 for a in fpn.attention)  # not zeroed by FPN's init


def test_extra_levels_are_named_after_the_top_level():
    from fpnlab.necks import LastLevelP6P7
    fpn = FPN(CH[:3], 16, extra=LastLevelP6P7(16, 16))
    out = fpn({k: v for k, v in pyramid().items() if k != "C5"})
    assert list(out) == ["P2", "P3", "P4", "P5", "P6"]


@pytest.mark.parametrize("lang, words", [("en", "about half the size"), ("tr", "yaklaşık yarısı")])
def test_error_each_level_judged_against_its_neighbour(lang, words):
    """Sizes 64, 32, 5, 8: the third level is the first that is not half its neighbour, so the
    message is the stride one there — not "wrong order" because the fourth is larger than it."""
    import fpnlab

    feats = {f"C{k}": torch.randn(1, c, s, s) for k, c, s in zip(range(2, 6), CH, [64, 32, 5, 8])}
    fpnlab.set_lang(lang)
    try:
        with pytest.raises(PyramidInputError) as err:
            FPN(CH, 8)(feats)
    finally:
        fpnlab.set_lang("en")
    msg = str(err.value)
    assert words in msg and "'C4'" in msg and "'C3'" in msg and "5×5" in msg and "32×32" in msg
    assert "measure_strides" in msg
    assert "wrong order" not in msg and "yanlış sırada" not in msg


@pytest.mark.parametrize("extra", [None, "p6p7", "pool"])
def test_feature_info_matches_measured_outputs(extra):
    from fpnlab.backbones import TinyBackbone
    from fpnlab.necks import LastLevelMaxPool, LastLevelP6P7
    from fpnlab.levels import measure_strides

    bb = TinyBackbone()
    block = {None: None, "p6p7": LastLevelP6P7(128, 16), "pool": LastLevelMaxPool()}[extra]
    neck = FPN.from_backbone(bb, 16, extra=block)
    assert neck.in_channels == [16, 32, 64, 128] and neck.in_strides == [4, 8, 16, 32]
    measured = measure_strides(nn.Sequential(bb, neck), 128)
    assert [(lv.name, lv.channels, lv.stride) for lv in neck.feature_info] == \
        [(lv.name, lv.channels, lv.stride) for lv in measured]
    names = {None: ["P2", "P3", "P4", "P5"], "p6p7": ["P2", "P3", "P4", "P5", "P6", "P7"],
             "pool": ["P2", "P3", "P4", "P5", "pool"]}[extra]
    assert [lv.name for lv in neck.feature_info] == names


def test_default_in_strides_end_at_32_and_are_checked():
    assert [lv.stride for lv in FPN([8, 16, 32], 8).feature_info] == [8, 16, 32]
    assert [lv.stride for lv in FPN(CH, 8).feature_info] == [4, 8, 16, 32]
    assert [lv.name for lv in FPN(CH[1:], 8, in_strides=[4, 8, 16]).feature_info] == ["P2", "P3", "P4"]
    with pytest.raises(ValueError, match="in_strides must list one increasing stride"):
        FPN(CH, 8, in_strides=[8, 16, 32])
