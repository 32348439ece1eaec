"""fpnlab's RT-DETR hybrid encoder (AIFI + CCFM) against ultralytics' ``rtdetr-l.yaml``, weights
copied, bit for bit.

The model is built from ultralytics' YAML with random weights, randomised BatchNorm statistics and
random LayerNorm affine parameters (nothing is downloaded: ``YOLO_OFFLINE=1``); the input is not
square. Given the outputs of layers 3, 7 and 9 (the HGNet backbone's C3, C4, C5; the paper's S3, S4, S5),
``HybridEncoder`` returns those of layers 21, 24 and 27; ``AIFI`` and ``RepC3`` equal layers 11 and
16 on their own; the 2-D sine-cosine code equals ultralytics' on a non-square grid.
"""
import os

os.environ.setdefault("YOLO_OFFLINE", "1")

import math  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from ultralytics.nn.modules import AIFI as TheirAIFI  # noqa: E402
from ultralytics.nn.tasks import RTDETRDetectionModel  # noqa: E402

import fpnlab  # noqa: E402
from fpnlab.blocks.rtdetr import AIFI, RepC3, sincos_pos_embed_2d  # noqa: E402
from fpnlab.errors import ArgumentError  # noqa: E402
from fpnlab.necks import HybridEncoder, PyramidInputError, make_neck  # noqa: E402
from test_yolo11_ultralytics import _layers  # noqa: E402
from test_yolo_ultralytics import _randomize_bn  # noqa: E402


@pytest.fixture(scope="module")
def rtdetr():
    torch.manual_seed(0)
    model = RTDETRDetectionModel("rtdetr-l.yaml", ch=3, nc=80, verbose=False).eval()
    _randomize_bn(model)
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1 + torch.randn(m.weight.shape, generator=g) * 0.1)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
    x = torch.randn(1, 3, 160, 224, generator=torch.Generator().manual_seed(3))  # non-square, multiples of 32
    with torch.no_grad():
        y = _layers(model, x, upto=28)
    return model, y


def test_the_hybrid_encoder_equals_ultralytics(rtdetr):
    model, y = rtdetr
    neck = HybridEncoder.from_ultralytics(model).eval()
    assert (neck.in_channels, neck.out_channels) == ([512, 1024, 2048], 256)
    assert (neck.aifi.fc1.out_features, neck.aifi.ma.num_heads, len(neck.td3.m)) == (1024, 8, 3)
    with torch.no_grad():
        ours = neck([y[3], y[7], y[9]])
    for a, b in zip(ours, (y[21], y[24], y[27])):
        assert a.shape == b.shape and torch.equal(a, b)
    assert [(lv.name, lv.channels, lv.stride) for lv in neck.feature_info] == [
        ("P3", 256, 8), ("P4", 256, 16), ("P5", 256, 32)]
    # the constructor alone builds RT-DETR-l's encoder: ultralytics' parameter count of layers 10-27
    n_theirs = sum(p.numel() for i in range(10, 28) for p in model.model[i].parameters())
    assert sum(p.numel() for p in HybridEncoder([512, 1024, 2048], 256).parameters()) == n_theirs


def test_aifi_and_repc3_equal_ultralytics_layers(rtdetr):
    model, y = rtdetr
    aifi, block = AIFI(256, 1024, 8).eval(), RepC3(512, 256, n=3).eval()
    with torch.no_grad():
        for ours, theirs in ((aifi, model.model[11]), (block, model.model[16])):
            for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
                a.copy_(b)
        assert torch.equal(aifi(y[10]), y[11])
        assert torch.equal(block(y[15]), y[16])
        # one query position's attention over S5: (B, heads, N, N), each row a softmax
        w = aifi.attention(y[10])
    n = y[10].shape[-2] * y[10].shape[-1]
    assert w.shape == (1, 8, n, n)
    assert torch.allclose(w.sum(-1), torch.ones(1, 8, n), atol=1e-5)


def test_the_position_code_is_ultralytics_and_the_papers():
    h, w, dim = 5, 7, 16
    ours = sincos_pos_embed_2d(h, w, dim)
    theirs = TheirAIFI.build_2d_sincos_position_embedding(w, h, dim, like=torch.zeros(1))[0]
    assert torch.equal(ours, theirs)
    # token i = row-major (y, x); channel k of the first quarter is sin(y / 10000^(k/4))
    i, y_, x_ = 2 * w + 3, 2, 3
    assert math.isclose(ours[i, 1].item(), math.sin(y_ / 10000 ** (1 / 4)), rel_tol=1e-6)
    assert math.isclose(ours[i, 8 + 2].item(), math.sin(x_ / 10000 ** (2 / 4)), rel_tol=1e-6)
    assert math.isclose(ours[i, 12].item(), math.cos(x_), rel_tol=1e-6)


def test_the_encoder_is_built_by_name_and_from_a_backbone():
    neck = make_neck("hybrid", [32, 64, 128], 32, in_strides=[8, 16, 32], heads=4, n=1)
    assert isinstance(neck, HybridEncoder) and neck.aifi.fc1.out_features == 128  # ffn = 4 × width

    class Backbone:
        feature_info = [fpnlab.Level("C3", 24, 4), fpnlab.Level("C4", 48, 8), fpnlab.Level("C5", 96, 16)]

    neck = HybridEncoder.from_backbone(Backbone(), 32, heads=4, n=1)
    assert [lv.stride for lv in neck.feature_info] == [4, 8, 16]
    outs = neck({"C3": torch.randn(2, 24, 36, 44), "C4": torch.randn(2, 48, 18, 22), "C5": torch.randn(2, 96, 9, 11)})
    assert list(outs) == ["P3", "P4", "P5"] and [tuple(o.shape) for o in outs.values()] == [
        (2, 32, 36, 44), (2, 32, 18, 22), (2, 32, 9, 11)]
    outs["P3"].sum().backward()  # gradients reach the attention on the top level
    assert neck.aifi.ma.in_proj_weight.grad.abs().sum() > 0


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_bad_input_is_refused_with_the_fix(lang):
    fix = {"en": "Fix", "tr": "Düzeltme"}[lang]
    fpnlab.set_lang(lang)
    try:
        with pytest.raises(ArgumentError, match=f"C3, C4, C5.*{fix}"):
            HybridEncoder([64, 128])
        with pytest.raises(ArgumentError, match=f"\\[8, 16, 64\\].*{fix}"):
            HybridEncoder([16, 32, 64], 32, in_strides=[8, 16, 64])
        with pytest.raises(ArgumentError, match=f"out_channels = \\[32, 32, 32\\].*{fix}"):
            HybridEncoder([16, 32, 64], [32, 32, 32])
        with pytest.raises(ArgumentError, match=f"heads = 3.*{fix}"):
            HybridEncoder([16, 32, 64], 32, heads=3)
        neck = HybridEncoder([16, 32, 64], 32, heads=4, n=1)
        with pytest.raises(PyramidInputError, match="C3, C4, C5"):
            neck([torch.randn(1, 16, 16, 16), torch.randn(1, 32, 8, 8)])
        with pytest.raises(PyramidInputError, match="in_channels=\\[16, 32, 48\\]"):
            neck([torch.randn(1, 16, 16, 16), torch.randn(1, 32, 8, 8), torch.randn(1, 48, 4, 4)])
    finally:
        fpnlab.set_lang("en")


def test_an_ablation_plan_names_the_hybrid_encoder():
    from fpnlab.ablation import load_plan, make_detector

    cfg = load_plan({"seeds": [0, 1], "baseline": {
        "backbone": {"name": "yolo", "widths": [8, 16, 32, 64, 64], "depths": [1, 1, 1, 1]},
        "neck": {"name": "hybrid", "width": 32, "levels": ["C3", "C4", "C5"], "options": {"heads": 4}}}})["baseline"]
    model = make_detector(cfg, num_classes=3).eval()
    assert type(model.neck).__name__ == "HybridEncoder" and model.strides == (8, 16, 32)
    assert model.neck.aifi.ma.num_heads == 4 and model.neck.aifi.fc1.out_features == 128
    with torch.no_grad():
        out = model(torch.rand(1, 3, 64, 96))
    assert len(out) == 3
