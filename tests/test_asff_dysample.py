"""ASFF (adaptive spatial feature fusion), DySample (learned upsampling) and YOLOPAN's
``upsample`` option: shapes on non-square and odd sizes, parameter counts from formulas,
per-pixel weights that sum to one, DySample = bilinear at zero offsets, and errors in both
languages."""
import pytest
import torch
import torch.nn.functional as F

import fpnlab
from fpnlab.blocks.upsample import UPSAMPLERS, DySample, Interpolate, make_upsampler
from fpnlab.errors import ArgumentError, UnknownNameError
from fpnlab.levels import Level
from fpnlab.necks.asff import ASFF
from fpnlab.necks.checks import PyramidInputError
from fpnlab.necks.yolo import YOLOPAN


@pytest.fixture(autouse=True)
def english():
    fpnlab.set_lang("en")
    yield
    fpnlab.set_lang("en")


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def cbs(a, b, k):
    """Parameters of ConvBNSiLU(a, b, k×k): conv without bias + BN weight and bias."""
    return a * b * k * k + 2 * b


def pyramid(channels=(16, 24, 32), b=2, h=72, w=104, grad=False):
    """Non-square C3, C4, C5 of an h × w image at strides 8, 16, 32 (rounded up, as stride-2
    convs do)."""
    torch.manual_seed(0)
    sizes = [(-(-h // s), -(-w // s)) for s in (8, 16, 32)]
    return [torch.randn(b, c, *hw, requires_grad=grad) for c, hw in zip(channels, sizes)]


# --------------------------------------------------------------------------- DySample

def test_dysample_shapes_and_parameter_count():
    x = torch.randn(2, 24, 5, 9)
    for scale, groups, style, dyscope in [(2, 4, "lp", False), (2, 2, "lp", True), (2, 4, "pl", False),
                                          (3, 3, "lp", False), (2, 3, "pl", True)]:
        m = DySample(24, scale, groups, style, dyscope)
        assert tuple(m(x).shape) == (2, 24, 5 * scale, 9 * scale)
        s2 = scale * scale
        cin, cout = (24, 2 * groups * s2) if style == "lp" else (24 // s2, 2 * groups)
        assert n_params(m) == (1 + dyscope) * (cin * cout + cout)


def test_dysample_init_is_bilinear_within_a_bound():
    # Offsets are 0.25 · (W x + b), W ~ N(0, 0.001²), b = 0. Bilinear interpolation moves by at most
    # L = the largest difference between neighbouring input pixels per pixel of shift along each
    # axis, so |DySample(x) - bilinear(x)| ≤ (|dx| + |dy|) · L ≤ 2 · max|offset| · L. Measured here
    # (seed 1, 32 channels, N(0, 1) input): max|offset| ≈ 0.0052 px, L ≈ 6.0, bound ≈ 0.062,
    # actual max difference ≈ 0.019.
    torch.manual_seed(1)
    m = DySample(32)
    x = torch.randn(2, 32, 7, 11)
    ref = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    with torch.no_grad():
        max_off = (0.25 * m.offset(x)).abs().max()  # the offsets themselves, in input pixels
        lip = max(x.diff(dim=-1).abs().max(), x.diff(dim=-2).abs().max())
        diff = (m(x) - ref).abs().max()
    bound = 2 * max_off * lip
    assert 0 < diff <= bound + 1e-6, (diff, bound)
    assert max_off < 0.01  # the std-0.001 init keeps every sampling point within 1/100 px of bilinear's
    # and at initialisation the offsets are not all zero, so the test above can fail
    assert not torch.allclose(m(x), ref, atol=1e-7)


@pytest.mark.parametrize("style", ["lp", "pl"])
def test_dysample_zero_offsets_equal_bilinear(style):
    # With the offset conv zeroed, the sampling points are init_pos: j ± 1/4 px for scale 2, exactly
    # where F.interpolate(bilinear, align_corners=False) reads. At the edges both clamp: interpolate
    # clamps the source index -1/4 to 0, grid_sample's padding_mode="border" clamps the point to the
    # border pixel — so edge rows agree too (zeros padding would pull them a quarter towards 0).
    # float64: equal to 1e-12 (round-off of normalising to [-1, 1] and back); float32: to 1e-5.
    m = DySample(16, style=style).double()
    with torch.no_grad():
        m.offset.weight.zero_()
        m.offset.bias.zero_()
    x = torch.randn(3, 16, 5, 8, dtype=torch.float64)
    ref = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    assert (m(x) - ref).abs().max() < 1e-12
    assert (m.float()(x.float()) - ref.float()).abs().max() < 1e-5


def test_dysample_gradient_reaches_the_offset_conv():
    m = DySample(8, groups=2, dyscope=True)
    x = torch.randn(1, 8, 4, 6, requires_grad=True)
    m(x).square().sum().backward()
    assert m.offset.weight.grad is not None and m.offset.weight.grad.abs().sum() > 0
    assert m.scope.weight.grad.abs().sum() > 0 and x.grad.abs().sum() > 0


def test_make_upsampler():
    x = torch.randn(1, 8, 3, 5)
    for kind in UPSAMPLERS:
        assert tuple(make_upsampler(kind, 8)(x).shape) == (1, 8, 6, 10)
    assert n_params(make_upsampler("nearest", 8)) == n_params(make_upsampler("bilinear", 8)) == 0
    assert isinstance(make_upsampler("bilinear", 8), Interpolate)
    assert torch.equal(make_upsampler("nearest", 8)(x), F.interpolate(x, scale_factor=2, mode="nearest"))


def test_upsample_errors_in_both_languages():
    with pytest.raises(UnknownNameError, match="'dysample'"):
        make_upsampler("pixelshuffle", 8)
    with pytest.raises(ArgumentError, match="multiple of groups = 4.*groups=3"):
        DySample(6)
    with pytest.raises(ArgumentError, match="scale²"):
        DySample(18, groups=2, style="pl")
    fpnlab.set_lang("tr")
    with pytest.raises(UnknownNameError, match="Düzeltme"):
        make_upsampler("pixelshuffle", 8)
    with pytest.raises(ArgumentError, match="Düzeltme: groups=3"):
        DySample(6)


# --------------------------------------------------------------------------- ASFF

def test_asff_shapes_dict_and_feature_info():
    neck = ASFF([16, 24, 32], [8, 12, 20])
    feats = pyramid()
    outs = neck(feats)
    assert [tuple(o.shape) for o in outs] == [(2, 8, 9, 13), (2, 12, 5, 7), (2, 20, 3, 4)]
    assert neck.feature_info == [Level("P3", 8, 8), Level("P4", 12, 16), Level("P5", 20, 32)]
    named = neck(dict(zip(["C3", "C4", "C5"], feats)))
    assert list(named) == ["P3", "P4", "P5"]
    assert all(torch.equal(a, b) for a, b in zip(named.values(), outs))
    assert [lv.channels for lv in ASFF([16, 24, 32]).feature_info] == [16, 24, 32]
    assert [lv.stride for lv in ASFF([16, 24, 32], 8, in_strides=[4, 8, 16]).feature_info] == [4, 8, 16]


def test_asff_weights_sum_to_one_per_pixel():
    neck = ASFF([16, 24, 32], 16, compress=4)
    feats = pyramid(b=3)
    weights = neck.fusion_weights(feats)
    assert [tuple(a.shape) for a in weights] == [(3, 3, 9, 13), (3, 3, 5, 7), (3, 3, 3, 4)]
    for a in weights:
        assert (a >= 0).all()
        assert torch.allclose(a.sum(1), torch.ones_like(a[:, 0]), atol=1e-6)
        assert a.std() > 0  # not a constant map: the weights depend on the pixel


def test_asff_output_is_the_weighted_sum():
    # With the 3×3 output conv replaced by the identity, the output is Σ α_j X_j; at the finest
    # level X_0 is C3 itself, so giving C3 all the weight (large logit bias) returns C3.
    neck = ASFF([16, 24, 32], compress=4).eval()
    neck.expand[0] = torch.nn.Identity()
    with torch.no_grad():
        neck.logits[0].weight.zero_()
        neck.logits[0].bias.copy_(torch.tensor([50.0, 0.0, 0.0]))
    feats = pyramid()
    assert torch.allclose(neck(feats)[0], feats[0], atol=1e-6)


def test_asff_parameter_count():
    c, o, k = [16, 24, 32], [8, 12, 20], 4
    expected = sum(cbs(ci, oi, 1) for ci, oi in zip(c, o))  # the laterals to the output widths
    for l in range(3):
        for j in range(3):
            if j > l and o[j] != o[l]:
                expected += cbs(o[j], o[l], 1)      # coarser: 1×1 to o_l, then nearest
            elif j < l:
                expected += cbs(o[j], o[l], 3)      # finer: 3×3 stride 2 (after a max-pool for ×4)
        expected += 3 * cbs(o[l], k, 1)             # the three weight maps
        expected += 3 * k * 3 + 3                   # logits: Conv2d(3k, 3, 1) with bias
        expected += cbs(o[l], o[l], 3)              # the 3×3 output conv
    assert n_params(ASFF(c, o, compress=k)) == expected
    # out_channels=None: the reference's ASFF, no laterals; equal widths: no 1×1 on the coarser paths
    same = ASFF([16, 16, 16], compress=k)
    assert all(isinstance(m, torch.nn.Identity) for m in same.lateral)
    assert n_params(same) == 3 * (cbs(16, 16, 3) + 3 * cbs(16, k, 1) + 9 * k + 3) + 3 * cbs(16, 16, 3)
    # on ResNet-50's widths the laterals keep the fusion at the neck's width: 1×1 laterals + the
    # fusion at 128 channels, instead of resize convs at up to 2,048 channels
    wide = ASFF([512, 1024, 2048], 128)
    assert n_params(wide) < n_params(ASFF([512, 1024, 2048])) / 50


def test_asff_gradients_reach_every_input():
    neck = ASFF([16, 24, 32], 8)
    feats = pyramid(grad=True)
    sum(o.square().mean() for o in neck(feats)).backward()
    for f in feats:
        assert f.grad is not None and f.grad.abs().sum() > 0
    # and each output level alone depends on all three inputs
    for l in range(3):
        feats = pyramid(grad=True)
        neck(feats)[l].sum().backward()
        assert all(f.grad.abs().sum() > 0 for f in feats), l


def test_asff_from_backbone():
    class Backbone:
        feature_info = [Level("C3", 16, 8), Level("C4", 24, 16), Level("C5", 32, 32)]
    neck = ASFF.from_backbone(Backbone(), 8)
    assert neck.in_channels == [16, 24, 32] and [lv.stride for lv in neck.feature_info] == [8, 16, 32]


def test_asff_errors_in_both_languages():
    with pytest.raises(ArgumentError, match="exactly three levels.*Fix"):
        ASFF([16, 24, 32, 48])
    with pytest.raises(ArgumentError, match="in_strides.*Fix"):
        ASFF([16, 24, 32], in_strides=[8, 16])
    with pytest.raises(ArgumentError, match=r"must double from level to level.*Fix: pass in_strides=\[16, 32, 64\]"):
        ASFF([16, 24, 32], in_strides=[8, 16, 64])
    with pytest.raises(ArgumentError, match="out_channels"):
        ASFF([16, 24, 32], [8, 8])
    neck = ASFF([16, 24, 32], 8)
    feats = pyramid()
    with pytest.raises(PyramidInputError, match="3 levels.*got 2.*exactly three"):
        neck(feats[:2])
    with pytest.raises(PyramidInputError, match="24 channels but the neck was built for 32"):
        neck([feats[0], feats[1], feats[1][:, :, :3, :4]])
    fpnlab.set_lang("tr")
    with pytest.raises(ArgumentError, match="tam olarak üç seviye.*Düzeltme: .* ver"):
        ASFF([16, 24, 32, 48])
    with pytest.raises(ArgumentError, match="iki katına çıkmalı.*Düzeltme"):
        ASFF([16, 24, 32], in_strides=[8, 16, 64])
    with pytest.raises(PyramidInputError, match="Düzeltme: inceden kabaya tam olarak üç seviye ver"):
        neck(feats[:2])


# --------------------------------------------------------------------------- YOLOPAN's upsample

@pytest.mark.parametrize("upsample", ["bilinear", "dysample"])
def test_yolopan_upsample_shapes_on_odd_sizes(upsample):
    neck = YOLOPAN([16, 24, 32], [16, 24, 32], upsample=upsample)
    feats = pyramid(h=200, w=120)  # C3 25 × 15, C4 13 × 8, C5 7 × 4: odd sizes
    assert [tuple(p.shape) for p in neck(feats)] == [(2, 16, 25, 15), (2, 24, 13, 8), (2, 32, 7, 4)]


def test_yolopan_upsample_parameters_and_default():
    c, o = [16, 24, 32], [16, 20, 32]
    base = YOLOPAN(c, o)
    assert base.upsample == "nearest" and base.up5 is None and base.up4 is None
    assert n_params(YOLOPAN(c, o, upsample="bilinear")) == n_params(base)
    dys = YOLOPAN(c, o, upsample="dysample")
    # one DySample on C5 (32 channels) and one on T4 (out_channels[1] = 20): C·2gs² + 2gs², g=4, s=2
    assert n_params(dys) - n_params(base) == (32 * 32 + 32) + (20 * 32 + 32)
    assert dys.up5.channels == 32 and dys.up4.channels == 20
    # the default is nearest: same weights → the same output as upsample="nearest", not as bilinear
    torch.manual_seed(3)
    a = YOLOPAN(c, o).eval()
    b = YOLOPAN(c, o, upsample="bilinear").eval()
    b.load_state_dict(a.state_dict())
    feats = pyramid()
    with torch.no_grad():
        out_a, out_b = a(feats), b(feats)
    assert not torch.allclose(out_a[0], out_b[0])
    with pytest.raises(UnknownNameError, match="upsample = 'bicubic'"):
        YOLOPAN(c, upsample="bicubic")
