"""fpnlab.necks.PANet: bottom-up path augmentation, shapes, formula and path lengths."""
import pytest
import torch
from torch import nn
from torchvision.models import resnet50

from fpnlab.necks import FPN, PANet, PyramidInputError, path_length
from test_fpn import CH, pyramid, randomize


def test_formula_and_names():
    neck = randomize(PANet(CH, 8)).eval()
    feats = pyramid((64, 64))
    with torch.no_grad():
        out, p = neck(feats), neck.fpn(feats)
        assert list(out) == ["P2", "P3", "P4", "P5"]
        assert torch.equal(out["P2"], p["P2"])  # N2 = P2
        n3 = torch.relu(neck.fuse[0][0](p["P3"] + torch.relu(neck.down[0][0](p["P2"]))))
        assert torch.equal(out["P3"], n3)
        assert not torch.allclose(out["P5"], p["P5"])
        assert (out["P4"] >= 0).all()


@pytest.mark.parametrize("size", [(65, 97), (33, 47)])
def test_odd_sizes_keep_the_fpn_shapes(size):
    neck = PANet(CH, 8)
    feats = pyramid(size)
    out = neck(feats)
    assert [tuple(v.shape) for v in out.values()] == [(2, 8, *f.shape[-2:]) for f in feats.values()]


def test_list_io_any_levels_norm_and_params():
    neck = PANet([8, 16], 4, norm="bn", act="relu")
    out = neck([torch.randn(2, 8, 10, 10), torch.randn(2, 16, 5, 5)])
    assert isinstance(out, list) and [tuple(o.shape) for o in out] == [(2, 4, 10, 10), (2, 4, 5, 5)]
    c, o = CH, 24
    fpn = sum(p.numel() for p in FPN(c, o).parameters())
    bottom_up = 2 * (len(c) - 1) * (9 * o * o + o)
    assert sum(p.numel() for p in PANet(c, o).parameters()) == fpn + bottom_up
    with pytest.raises(ValueError, match="extra="):
        PANet(c, o, extra=nn.Identity())


def test_checks_are_the_fpn_ones():
    with pytest.raises(PyramidInputError, match="'C4' \\(index 2\\) has 64 channels"):
        PANet([16, 32, 99, 128], 8)(pyramid())


def test_path_length_resnet50_c2_to_p5():
    r = resnet50()  # random weights, nothing downloaded
    stages = [r.layer2, r.layer3, r.layer4]
    assert [sum(isinstance(m, nn.Conv2d) for m in s.modules()) for s in stages] == [13, 19, 10]
    ch = [256, 512, 1024, 2048]
    fpn_len = path_length(FPN(ch, 8), 0, -1, backbone_stages=stages)
    pan_len = path_length(PANet(ch, 8), 0, -1, backbone_stages=stages)
    assert fpn_len == 12 + 18 + 9 + 2 == 41  # main path: projection shortcuts skipped
    assert pan_len == 2 + 3 * 2 == 8 < 10
    assert path_length(PANet(ch, 8), 1, 3) == 2 + 2 * 2
    with pytest.raises(ValueError, match="backbone_stages"):
        path_length(FPN(ch, 8))
    with pytest.raises(ValueError, match="3 stages"):
        path_length(FPN(ch, 8), backbone_stages=[3, 4])


# ---- YOLOPAN: the concatenating PAN-FPN of YOLOv8 -----------------------------------------

from fpnlab.blocks import C2f  # noqa: E402
from fpnlab.necks import YOLOPAN  # noqa: E402
from fpnlab.metrics import n_params



def conv_bn(cin, cout, k):  # conv without bias + BN (weight, bias)
    return cin * cout * k * k + 2 * cout


def test_c2f_structure_and_parameters():
    c2f = C2f(384, 128, n=1)  # YOLOv8n layer 12: c = 64
    by_hand = conv_bn(384, 128, 1) + conv_bn(3 * 64, 128, 1) + 2 * conv_bn(64, 64, 3)
    assert n_params(c2f) == by_hand == 148_224  # ultralytics' yolov8n summary prints 148224
    assert C2f(32, 16, n=3)(torch.randn(2, 32, 9, 7)).shape == (2, 16, 9, 7)
    assert n_params(C2f(32, 16, n=3)) == conv_bn(32, 16, 1) + conv_bn(5 * 8, 16, 1) + 6 * conv_bn(8, 8, 3)


def test_yolov8n_neck_parameters_and_shapes():
    neck = YOLOPAN([64, 128, 256], depth=1)
    # yolov8n layers 12, 15, 16, 18, 19, 21 (ultralytics' model summary)
    assert n_params(neck) == 148_224 + 37_248 + 36_992 + 123_648 + 147_712 + 493_056
    feats = {"C3": torch.randn(1, 64, 80, 80), "C4": torch.randn(1, 128, 40, 40), "C5": torch.randn(1, 256, 20, 20)}
    out = neck.eval()(feats)
    assert [(k, tuple(v.shape)) for k, v in out.items()] == [
        ("P3", (1, 64, 80, 80)), ("P4", (1, 128, 40, 40)), ("P5", (1, 256, 20, 20))]


@pytest.mark.parametrize("size", [(65, 97), (33, 47)])
def test_yolopan_odd_sizes_and_out_channels(size):
    h, w = -(-size[0] // 8), -(-size[1] // 8)
    feats = [torch.randn(2, 8, h, w), torch.randn(2, 16, -(-h // 2), -(-w // 2)),
             torch.randn(2, 32, -(-h // 4), -(-w // 4))]
    out = YOLOPAN([8, 16, 32], out_channels=[12, 20, 28])(feats)
    assert [tuple(o.shape) for o in out] == [(2, c, *f.shape[-2:]) for c, f in zip([12, 20, 28], feats)]
    assert all(o.shape[1] == 16 for o in YOLOPAN([8, 16, 32], out_channels=16)(feats))


def test_yolopan_errors():
    with pytest.raises(ValueError, match="three levels"):
        YOLOPAN([8, 16, 32, 64])
    with pytest.raises(PyramidInputError, match=r"'C5' \(index 2\) has 32 channels.*expects 64"):
        YOLOPAN([8, 16, 64])({"C3": torch.randn(1, 8, 16, 16), "C4": torch.randn(1, 16, 8, 8),
                              "C5": torch.randn(1, 32, 4, 4)})


def test_yolopan_with_four_levels_says_which_to_drop():
    from fpnlab.data import random_pyramid
    from fpnlab.necks import YOLOPAN, PyramidInputError
    neck = YOLOPAN([32, 64, 128])
    feats = random_pyramid(64, [16, 32, 64, 128], first=2)
    with pytest.raises(PyramidInputError, match=r"built for 3 levels .* got 4 .*exactly C3, C4, C5.*PANet"):
        neck(feats)


def test_panet_norm_reaches_its_fpn():
    from fpnlab.necks import PANet
    kinds = {type(m).__name__ for m in PANet([8, 16], 8, norm="bn").fpn.modules()}
    assert "BatchNorm2d" in kinds


def test_panet_feature_info_matches_measured_outputs():
    from torch import nn

    from fpnlab.backbones import TinyBackbone
    from fpnlab.levels import measure_strides

    bb = TinyBackbone()
    neck = PANet.from_backbone(bb, 16)
    measured = measure_strides(nn.Sequential(bb, neck), 96)
    assert [(lv.name, lv.channels, lv.stride) for lv in neck.feature_info] == \
        [(lv.name, lv.channels, lv.stride) for lv in measured] == \
        [("P2", 16, 4), ("P3", 16, 8), ("P4", 16, 16), ("P5", 16, 32)]
