"""Gold-YOLO's gather-and-distribute neck (fpnlab.necks.gold): shapes for four and three inputs,
the parameter count of Gold-YOLO-N's (and -S's) neck against the reference implementation, module
by module, the injection formula, the bilingual input errors, gradients and determinism."""
import pytest
import torch
import torch.nn.functional as F
from fpnlab.errors import ArgumentError
from fpnlab.levels import Level
from fpnlab.necks import PyramidInputError
from fpnlab.necks.gold import GOLD_YOLO_N, GDNeck, Injection

import fpnlab

# Parameter counts of the reference neck, RepGDNeck in gold_yolo/reppan.py of
# huawei-noah/Efficient-Computing, folder Detection/Gold-YOLO, commit
# 225ddd2e6ca41915434557f7f49d395e4f801e3e: a scratch script outside this project built it as
# yolov6/models/yolo.py's build_network does from configs/gold_yolo-n.py (width 0.25, depth 0.33,
# block RepVGGBlock, the config's extra_cfg; mmcv's ConvModule and build_norm_layer stubbed as
# conv without bias + BatchNorm2d) and summed p.numel() over neck.parameters() and over each child.
# The same script, with configs/gold_yolo-s.py's settings, gave 7,786,240 for Gold-YOLO-S; with
# the reference's tensors copied into GDNeck, both necks returned the same outputs (eval mode).
REF_TOTAL_N = 2_198_272
REF_TOTAL_S = 7_786_240
REF_BUFFERS_N = 16_153  # BatchNorm running statistics and counters
# reference child -> ours (High-IFM here includes the reference's conv_1x1_n: 642,560 + 67,776)
REF_MODULES_N = {
    "low_ifm": 333_888, "reduce_c5": 16_512, "laf_p4": 20_736, "inject_p4": 12_672, "rep_p4": 165_376,
    "reduce_p4": 2_112, "laf_p3": 5_248, "inject_p3": 3_264, "rep_p3": 41_728, "high_ifm": 710_336,
    "inject_n4": 12_672, "rep_n4": 165_376, "inject_n5": 49_920, "rep_n5": 658_432,
}


@pytest.fixture(autouse=True)
def english():
    fpnlab.set_lang("en")
    yield
    fpnlab.set_lang("en")


def count(module):
    return sum(p.numel() for p in module.parameters())


def feats(channels, strides, h=160, w=224, b=1):
    return [torch.randn(b, c, h // s, w // s) for c, s in zip(channels, strides)]


@pytest.fixture(scope="module")
def neck_n():
    torch.manual_seed(0)
    return GDNeck.gold_yolo_n()


def test_gold_yolo_n_parameters_match_the_reference(neck_n):
    assert count(neck_n) == REF_TOTAL_N
    assert sum(b.numel() for b in neck_n.buffers()) == REF_BUFFERS_N
    got = {name: count(m) for name, m in neck_n.named_children() if count(m)}
    assert got == REF_MODULES_N
    assert count(GDNeck.gold_yolo("s")) == REF_TOTAL_S
    assert GDNeck(**GOLD_YOLO_N).in_channels == [32, 64, 128, 256]


def test_four_levels_shapes_and_feature_info(neck_n):
    with torch.no_grad():
        outs = neck_n(feats([32, 64, 128, 256], [4, 8, 16, 32]))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 20, 28), (1, 64, 10, 14), (1, 128, 5, 7)]
    assert neck_n.feature_info == [Level("P3", 32, 8), Level("P4", 64, 16), Level("P5", 128, 32)]


def test_three_levels_int_width_and_dict_io():
    torch.manual_seed(0)
    neck = GDNeck([64, 128, 256], 48).eval()
    assert neck.feature_info == [Level("P3", 48, 8), Level("P4", 48, 16), Level("P5", 48, 32)]
    x = dict(zip(["C3", "C4", "C5"], feats([64, 128, 256], [8, 16, 32], h=96, w=160)))
    with torch.no_grad():
        out = neck(x)
    assert list(out) == ["P3", "P4", "P5"]
    assert [tuple(o.shape) for o in out.values()] == [(1, 48, 12, 20), (1, 48, 6, 10), (1, 48, 3, 5)]
    # odd sizes (a backbone that rounds up) and a list of widths
    neck = GDNeck([16, 32, 64], [8, 16, 24], in_strides=[8, 16, 32]).eval()
    x = [torch.randn(2, c, h, w) for c, (h, w) in zip([16, 32, 64], [(25, 35), (13, 18), (7, 9)])]
    with torch.no_grad():
        assert [tuple(o.shape) for o in neck(x)] == [(2, 8, 25, 35), (2, 16, 13, 18), (2, 24, 7, 9)]


def test_injection_formula_on_hand_made_tensors():
    torch.manual_seed(0)
    inj = Injection(3, 2, 4).eval()
    for seq in (inj.local_embed, inj.global_embed, inj.global_gate):
        with torch.no_grad():
            seq[1].running_mean.normal_()
            seq[1].running_var.uniform_(0.5, 2)
            seq[1].weight.normal_()
            seq[1].bias.normal_()
    local, glob = torch.randn(1, 3, 6, 8), torch.randn(1, 2, 3, 4)

    def conv_bn(seq, x):
        conv, bn = seq[0], seq[1]
        y = F.conv2d(x, conv.weight)
        return (y - bn.running_mean[:, None, None]) / (bn.running_var[:, None, None] + bn.eps).sqrt() \
            * bn.weight[:, None, None] + bn.bias[:, None, None]

    gate = torch.clamp(conv_bn(inj.global_gate, glob) + 3, 0, 6) / 6   # h-sigmoid, then resize
    up = lambda t: F.interpolate(t, size=(6, 8), mode="bilinear", align_corners=False)
    want = conv_bn(inj.local_embed, local) * up(gate) + up(conv_bn(inj.global_embed, glob))
    with torch.no_grad():
        assert torch.allclose(inj(local, glob), want, atol=1e-5)
        # a global map at the local size is used as it is
        assert torch.allclose(inj(local, torch.zeros(1, 2, 6, 8)),
                              conv_bn(inj.local_embed, local) * F.hardsigmoid(conv_bn(inj.global_gate, torch.zeros(1, 2, 6, 8)))
                              + conv_bn(inj.global_embed, torch.zeros(1, 2, 6, 8)), atol=1e-5)


def test_gradients_reach_every_input_level():
    torch.manual_seed(0)
    neck = GDNeck([8, 16, 32, 64], 8, blocks=1, fuse_blocks=1, depth=1)
    x = [f.requires_grad_() for f in feats([8, 16, 32, 64], [4, 8, 16, 32], h=64, w=96, b=2)]
    sum(o.sum() for o in neck(x)).backward()
    assert all(f.grad is not None and f.grad.abs().sum() > 0 for f in x)
    assert all(p.grad is not None for p in neck.parameters())


def test_eval_mode_is_deterministic(neck_n):
    neck_n.eval()
    x = feats([32, 64, 128, 256], [4, 8, 16, 32], h=96, w=128)
    with torch.no_grad():
        a, b = neck_n(x), neck_n(x)
    assert all(torch.equal(p, q) for p, q in zip(a, b))


@pytest.mark.parametrize("lang, words", [("en", ("four levels", "Fix:")), ("tr", ("dört seviye", "Düzeltme:"))])
def test_wrong_number_of_levels_at_construction(lang, words):
    fpnlab.set_lang(lang)
    for bad in ([8, 16], [8, 16, 32, 64, 128]):
        with pytest.raises(ArgumentError) as err:
            GDNeck(bad)
        assert all(w in str(err.value) for w in words)


@pytest.mark.parametrize("lang, words", [("en", ("built for 4 levels", "[B2, B3, B4, B5]")),
                                         ("tr", ("4 seviye için kuruldu", "[B2, B3, B4, B5]", "ver"))])
def test_wrong_inputs_at_forward(neck_n, lang, words):
    fpnlab.set_lang(lang)
    x = feats([32, 64, 128, 256], [4, 8, 16, 32], h=64, w=64)
    with pytest.raises(PyramidInputError) as err:
        neck_n(x[1:])
    assert all(w in str(err.value) for w in words)
    x[2] = torch.randn(1, 96, 4, 4)
    with pytest.raises(PyramidInputError, match="96" if lang == "en" else "96 kanallı"):
        neck_n(x)


@pytest.mark.parametrize("lang, fix", [("en", "Fix:"), ("tr", "Düzeltme:")])
def test_wrong_widths_strides_and_scale(lang, fix):
    fpnlab.set_lang(lang)
    with pytest.raises(ArgumentError, match=fix):
        GDNeck([64, 128, 256], [32, 64])
    with pytest.raises(ArgumentError, match=fix) as err:
        GDNeck([64, 128, 256], in_strides=[8, 16, 64])
    assert "[16, 32, 64]" in str(err.value)
    with pytest.raises(ArgumentError, match=fix):
        GDNeck.gold_yolo("x")
