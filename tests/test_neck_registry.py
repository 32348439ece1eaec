"""The neck registry (NECKS, make_neck), the one norm factory (make_norm) and the door checks of
blocks, necks, heads and backbones: a bad argument raises an fpnlab error that names it, in the
reader's language — never a bare RuntimeError, ZeroDivisionError or math domain error."""
import pytest
import torch
from torch import nn

import fpnlab
from fpnlab.backbones import TinyBackbone, WeightsUnavailableError, YOLOBackbone, drop_path_rates, make_divisible
from fpnlab.blocks import (C2f, CBAM, ECA, SE, SPPF, Bottleneck, ConvBNSiLU, CoordAtt, RepVGGBlock, SelfAttention2d,
                           conv_norm_act, gn_groups, make_act, make_attention, make_block, make_norm)
from fpnlab.errors import ArgumentError, FpnlabError, UnknownNameError
from fpnlab.heads import DenseHead
from fpnlab.necks import (ASFF, FPN, GDNeck, NECKS, YOLOPAN, BiFPN, HybridEncoder, YOLO11Neck, LastLevelP6P7, LateralNeck, PANet, PyramidInputError,
                          make_neck, path_length)
from fpnlab.necks.bifpn import cell_graph, cell_nodes


@pytest.fixture(autouse=True)
def english():
    fpnlab.set_lang("en")
    yield
    fpnlab.set_lang("en")


def feats(channels, top=32, size=64, b=1):
    return [torch.randn(b, c, size // 2 ** i, size // 2 ** i) for i, c in enumerate(channels)]


# ---- registry -------------------------------------------------------------------------------

def test_registry_names_every_neck():
    assert NECKS == {"fpn": FPN, "panet": PANet, "bifpn": BiFPN, "yolopan": YOLOPAN, "yolo11": YOLO11Neck,
                     "hybrid": HybridEncoder, "gd": GDNeck, "asff": ASFF, "lateral": LateralNeck}
    assert fpnlab.make_neck is make_neck and fpnlab.NECKS is NECKS


@pytest.mark.parametrize("name", ["fpn", "panet", "bifpn", "hybrid", "gd", "asff", "lateral"])
def test_make_neck_builds_what_the_class_builds(name):
    torch.manual_seed(0)
    ours = make_neck(name, [8, 16, 32], 16, in_strides=[8, 16, 32])
    torch.manual_seed(0)
    strides = {"strides" if name == "lateral" else "in_strides": [8, 16, 32]}
    direct = NECKS[name]([8, 16, 32], 16, **strides)
    assert type(ours) is NECKS[name]
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), direct.state_dict().values()))
    assert [lv.stride for lv in ours.feature_info][:3] == [8, 16, 32]
    out = ours(feats([8, 16, 32]))
    assert all(o.shape[1] == 16 for o in out)


def test_make_neck_yolopan_out_channels():
    assert make_neck("yolopan", [64, 128, 256], None).out_channels == [64, 128, 256]
    assert make_neck("yolopan", [64, 128, 256], 96).out_channels == [96, 96, 96]
    assert make_neck("yolopan", [64, 128, 256], [32, 64, 128], in_strides=[8, 16, 32]).out_channels == [32, 64, 128]
    with pytest.raises(ArgumentError, match="in_strides"):
        make_neck("yolopan", [64, 128, 256], 96, in_strides=[4, 8, 16])
    with pytest.raises(ArgumentError, match="out_channels"):
        make_neck("yolopan", [64, 128, 256], [1, 2])


def test_make_neck_refuses_unknown_names_and_options():
    with pytest.raises(UnknownNameError, match="'fpn', 'panet', 'bifpn', 'yolopan', 'yolo11', 'hybrid', 'gd', 'asff', 'lateral'"):
        make_neck("fpm", [8, 16], 16)
    with pytest.raises(ArgumentError, match="'fusion' is not an option of FPN.*upsample"):
        make_neck("fpn", [8, 16], 16, fusion="fast")
    assert isinstance(make_neck("panet", [8, 16], 16, upsample="bilinear").fpn, FPN)  # FPN options pass


def test_lateral_neck_keeps_its_behaviour():
    neck = LateralNeck([8, 16], 16, strides=[4, 8], norm="bn", act="relu", attention="se")
    names = [n for n, _ in neck.named_parameters()]
    assert names[:4] == ["lateral.0.0.weight", "lateral.0.1.weight", "lateral.0.1.bias", "lateral.1.0.weight"]
    assert sum(p.numel() for p in neck.parameters()) > 0
    out = neck({"C2": torch.randn(1, 8, 16, 16), "C3": torch.randn(1, 16, 4, 4)})  # no stride ×2 needed
    assert list(out) == ["P2", "P3"] and [lv.name for lv in neck.feature_info] == ["P2", "P3"]
    plain, fpn = LateralNeck([8, 16], 16), FPN([8, 16], 16)
    assert sum(p.numel() for p in plain.parameters()) == sum(p.numel() for p in fpn.parameters())


# ---- the one norm factory -------------------------------------------------------------------

def test_make_norm_is_the_one_factory():
    bn = make_norm("bn", 8, eps=1e-3, momentum=0.03)
    assert isinstance(bn, nn.BatchNorm2d) and (bn.eps, bn.momentum) == (1e-3, 0.03)
    assert (make_norm("bn", 8).eps, make_norm("bn", 8).momentum) == (1e-5, 0.1)
    gn = make_norm("gn", 24)
    assert isinstance(gn, nn.GroupNorm) and gn.num_groups == gn_groups(24) == 8
    assert isinstance(make_norm(None, 8), nn.Identity)
    with pytest.raises(UnknownNameError, match="make_norm: norm = 'ln'"):
        make_norm("ln", 8)
    with pytest.raises(ArgumentError, match="channels = 0"):
        make_norm("bn", 0)
    with pytest.raises(ArgumentError, match="momentum"):
        make_norm("gn", 8, momentum=0.1)
    with pytest.raises(UnknownNameError, match="act = 'gelu'"):
        make_act("gelu")


def test_every_norm_layer_comes_from_the_factory_with_its_settings():
    yolo = ConvBNSiLU(8, 16, 3)[1]
    assert (yolo.eps, yolo.momentum) == (1e-3, 0.03)
    bifpn_bns = [m for m in BiFPN([8, 16, 32], 16, repeats=1).modules() if isinstance(m, nn.BatchNorm2d)]
    assert bifpn_bns and all((m.eps, m.momentum) == (1e-3, 0.01) for m in bifpn_bns)
    head = DenseHead(24, 3)
    assert [m.num_groups for m in head.modules() if isinstance(m, nn.GroupNorm)] == [8, 8]
    assert all(type(m) is nn.BatchNorm2d and m.eps == 1e-5
               for m in DenseHead(16, 3, norm="bn").modules() if isinstance(m, nn.modules.batchnorm._BatchNorm))


# ---- BiFPN: one topology --------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 5])
def test_bifpn_cell_runs_the_graph_cell_nodes_draws(n):
    graph = cell_graph(n)
    assert [name for name, _ in cell_nodes(n)] == [f"P{3 + node.level}_{node.kind}" for node in graph]
    cell = BiFPN([8] * n, 8, num_levels=n, repeats=1).cells[0]
    assert [cell.node_modules(node)[0].weight.numel() for node in graph] == [len(node.inputs) for node in graph]


# ---- door checks ----------------------------------------------------------------------------

BAD = [
    (lambda: FPN([8, 0], 16), "in_channels"),
    (lambda: FPN([8, 16.0], 16), "in_channels"),
    (lambda: FPN([8, True], 16), "in_channels"),
    (lambda: FPN([8, 16], 0), "out_channels"),
    (lambda: FPN([8, 16], 16.5), "out_channels"),
    (lambda: FPN([8, 16], 16, in_strides=[8, 0]), "in_strides"),
    (lambda: FPN([8, 16], 16, smooth=1), "smooth"),
    (lambda: FPN([], 16), "in_channels"),
    (lambda: PANet([8, 16], -1), "out_channels"),
    (lambda: PANet([8, 16], 16, act="gelu"), "act"),
    (lambda: BiFPN([8, 16], 16, repeats=0), "repeats"),
    (lambda: BiFPN([8, 16], 16, num_levels=2.0), "num_levels"),
    (lambda: BiFPN([], 16), "in_channels"),
    (lambda: BiFPN.efficientdet(1.0), "EfficientDet"),
    (lambda: YOLOPAN([64, 128, 256], depth=0), "depth"),
    (lambda: YOLOPAN([64, 128], 16), "three levels"),
    (lambda: LateralNeck([8, 16], 0), "out_channels"),
    (lambda: LateralNeck([8, 16], 16, strides=[4]), "strides"),
    (lambda: LastLevelP6P7(0, 16), "in_channels"),
    (lambda: path_length(FPN([8, 16], 8), 0, 5), "to_level"),
    (lambda: cell_nodes(0), "num_levels"),
    (lambda: make_block("basic", 0, 16), "cin"),
    (lambda: make_block("basic", 16, 16, n=1.5), "n="),
    (lambda: make_block("basic", 16, 16, stride=0), "stride"),
    (lambda: make_attention("se", 0), "channels"),
    (lambda: make_attention("nonlocal", 16), "attention = 'nonlocal'"),
    (lambda: SE(16, reduction=0), "reduction"),
    (lambda: ECA(0), "channels"),
    (lambda: CBAM(16, kernel_size=4), "kernel_size"),
    (lambda: CoordAtt(16.0), "channels"),
    (lambda: SelfAttention2d(30, heads=4), "divisible"),
    (lambda: SelfAttention2d(32, heads=0), "heads"),
    (lambda: ConvBNSiLU(8, 16, k=2), "k = 2"),
    (lambda: ConvBNSiLU(8, 0), "cout"),
    (lambda: Bottleneck(8, drop_path=1.0), "drop_path"),
    (lambda: C2f(8, 16, n=0), "n = 0"),
    (lambda: C2f(8, 16, n=2, drop_path=[0.1]), "drop_path has 1 rates"),
    (lambda: SPPF(1, 8), "cin"),
    (lambda: RepVGGBlock(8, 8, norm="gn"), "norm='bn'"),
    (lambda: conv_norm_act(8, 16, groups=3), "groups"),
    (lambda: gn_groups(1), "at least 2 channels"),
    (lambda: DenseHead(16, 0), "num_classes"),
    (lambda: DenseHead(16, 3, prior=0.0), "prior"),
    (lambda: DenseHead(16, 3, prior=1.0), "prior"),
    (lambda: DenseHead(16, 3, norm="ln"), "norm"),
    (lambda: TinyBackbone((16, 32, 64)), "widths"),
    (lambda: TinyBackbone((16, 32, 64, 0)), "widths"),
    (lambda: YOLOBackbone([16, 32, 64, 128, 256], [1, 1, 1, 1.0]), "positive integers"),
    (lambda: YOLOBackbone([16, 32, 64, 128, 256], [1, 1, 1, 1], drop_block_size=0), "drop_block_size"),
    (lambda: YOLOBackbone([16, 32, 64, 128, 256], [1, 1, 1, 1], sppf="yes"), "sppf"),
    (lambda: YOLOBackbone([16, 32, 64, 128, 256], 4), "depths"),
    (lambda: make_divisible(0), "x = 0"),
    (lambda: drop_path_rates(0.1, 0), "n = 0"),
    (lambda: drop_path_rates(-0.1, 3), "max_rate"),
]


@pytest.mark.parametrize("build,match", BAD)
def test_bad_arguments_raise_fpnlab_errors(build, match):
    with pytest.raises(FpnlabError, match=match) as info:
        build()
    assert isinstance(info.value, ArgumentError)
    assert "Fix:" in str(info.value) or "fix" in str(info.value).lower()


def test_unknown_names_are_one_exception_type():
    for build in (lambda: make_block("vgg", 8, 8), lambda: make_attention("sa", 8), lambda: make_norm("ln", 8),
                  lambda: make_act("gelu"), lambda: make_neck("fpm", [8, 16], 8),
                  lambda: YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1], block="resnet"),
                  lambda: YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1], attention="sa"),
                  lambda: YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1], norm="ln"),
                  lambda: YOLOBackbone.yolov8("t"),
                  lambda: FPN([8, 16], 8, fuse="max")):
        with pytest.raises(UnknownNameError):
            build()


def test_error_classes():
    assert issubclass(PyramidInputError, FpnlabError) and issubclass(PyramidInputError, ValueError)
    assert issubclass(WeightsUnavailableError, FpnlabError) and issubclass(WeightsUnavailableError, RuntimeError)


BLOCK_INPUTS = [
    (lambda: ConvBNSiLU(8, 8, 3), 8), (lambda: C2f(8, 8), 8), (lambda: SPPF(8, 8), 8), (lambda: Bottleneck(8), 8),
    (lambda: SE(8), 8), (lambda: ECA(8), 8), (lambda: CBAM(8), 8), (lambda: CoordAtt(8), 8),
    (lambda: SelfAttention2d(8, heads=2), 8), (lambda: RepVGGBlock(8, 8), 8), (lambda: make_block("dilated", 8, 8), 8),
    (lambda: make_block("dwsep", 8, 8), 8), (lambda: TinyBackbone(), 3),
    (lambda: YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1]), 3),
]


@pytest.mark.parametrize("build,c", BLOCK_INPUTS)
def test_forward_refuses_integer_unbatched_and_wrong_channel_tensors(build, c):
    m = build().eval()
    assert m(torch.randn(1, c, 16, 16)) is not None
    for x, match in ((torch.ones(1, c, 16, 16, dtype=torch.long), "dtype"),
                     (torch.randn(c, 16, 16), "unsqueeze"),
                     (torch.randn(1, c + 1, 16, 16), "channels")):
        with pytest.raises(ArgumentError, match=match):
            m(x)


@pytest.mark.parametrize("build", [lambda: FPN([8, 16, 32], 8), lambda: PANet([8, 16, 32], 8),
                                   lambda: BiFPN([8, 16, 32], 8, repeats=1), lambda: YOLOPAN([8, 16, 32]),
                                   lambda: LateralNeck([8, 16, 32], 8)])
def test_necks_refuse_integer_and_3d_levels(build):
    neck = build()
    good = feats([8, 16, 32])
    with pytest.raises(PyramidInputError, match="dtype int64"):
        neck([good[0].long(), *good[1:]])
    with pytest.raises(PyramidInputError, match=r"\(B, C, H, W\)"):
        neck([good[0][0], *good[1:]])
    with pytest.raises(PyramidInputError, match="channels"):
        neck([torch.randn(1, 9, 64, 64), *good[1:]])


def test_dense_head_checks_its_levels():
    head = DenseHead(8, 3)
    with pytest.raises(ArgumentError, match="pyramid\\[1\\].*channels"):
        head([torch.randn(1, 8, 8, 8), torch.randn(1, 4, 4, 4)])


def test_messages_follow_set_lang():
    fpnlab.set_lang("tr")
    with pytest.raises(UnknownNameError, match="Düzeltme"):
        make_block("vgg", 8, 8)
    with pytest.raises(UnknownNameError, match="Düzeltme"):
        make_neck("fpm", [8, 16], 8)
    with pytest.raises(ArgumentError, match="Düzeltme"):
        SelfAttention2d(30, heads=4)
    with pytest.raises(PyramidInputError, match="Düzeltme"):
        FPN([8, 16], 8)([torch.ones(1, 8, 8, 8, dtype=torch.long), torch.randn(1, 16, 4, 4)])
    with pytest.raises(ArgumentError, match="Düzeltme"):
        YOLOPAN([8, 16])
    with pytest.raises(ArgumentError, match="Düzeltme"):
        BiFPN([8, 16], 8, num_levels=1)
