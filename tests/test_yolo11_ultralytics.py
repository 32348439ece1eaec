"""fpnlab's YOLO11/YOLO26 blocks and neck against ultralytics' own models, weights copied, bit for bit.

The models are built from ultralytics' ``yolo11*.yaml`` / ``yolo26*.yaml`` with random weights and
randomised BatchNorm statistics (nothing is downloaded: ``YOLO_OFFLINE=1``); the input is not
square. Given the outputs of layers 4, 6 and 10 (C3, C4, C2PSA(C5)), ``YOLO11Neck`` returns those of
layers 16, 19 and 22; ``C2PSA`` equals layer 10 on layer 9's output.
"""
import os

os.environ.setdefault("YOLO_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402
from ultralytics.nn.tasks import DetectionModel  # noqa: E402

from fpnlab.blocks import C2PSA, C3k2, PSAAttention  # noqa: E402
from fpnlab.errors import ArgumentError  # noqa: E402
from fpnlab.necks import YOLO11Neck, make_neck  # noqa: E402
from test_yolo_ultralytics import _randomize_bn  # noqa: E402  (random BN statistics: eval mode is not the identity)


def _model(cfg):
    torch.manual_seed(0)
    model = DetectionModel(cfg, ch=3, nc=80, verbose=False).eval()
    _randomize_bn(model)
    return model


def _layers(model, x, upto=23):
    y = []
    for m in model.model[:upto]:
        if m.f != -1:
            x = y[m.f] if isinstance(m.f, int) else [x if j == -1 else y[j] for j in m.f]
        x = m(x)
        y.append(x)
    return y


@pytest.mark.parametrize("cfg", ["yolo11n.yaml", "yolo26n.yaml", "yolo11m.yaml"])
def test_the_neck_equals_ultralytics(cfg):
    model = _model(cfg)
    neck = YOLO11Neck.from_ultralytics(model).eval()
    x = torch.randn(1, 3, 192, 256)  # non-square, both sides multiples of 32
    with torch.no_grad():
        y = _layers(model, x)
        ours = neck([y[4], y[6], y[10]])
    for a, b in zip(ours, (y[16], y[19], y[22])):
        assert a.shape == b.shape and torch.equal(a, b)
    assert [lv.stride for lv in neck.feature_info] == [8, 16, 32]
    # what differs between the files, read from the model and checked here
    if cfg.startswith("yolo26"):
        assert isinstance(neck.bu5.m[0][1].attn, PSAAttention) and len(neck.bu5.m) == 1
    if cfg == "yolo11m.yaml":  # the m/l/x scales: every C3k2 of the neck has C3k inner blocks
        assert all(type(getattr(neck, k).m[0]).__name__ == "C3k" for k in ("td4", "td3", "bu4", "bu5"))


def test_the_constructor_builds_yolo11n_and_yolo26n_necks():
    for cfg, yolo26 in (("yolo11n.yaml", False), ("yolo26n.yaml", True)):  # YOLO26: C3k everywhere, attention at P5
        theirs = _model(cfg).model
        ours = YOLO11Neck([128, 128, 256], [64, 128, 256], c3k=yolo26, p5_attn=yolo26)
        n_theirs = sum(p.numel() for i in YOLO11Neck.ULTRALYTICS_LAYERS.values() for p in theirs[i].parameters())
        assert sum(p.numel() for p in ours.parameters()) == n_theirs


def test_c2psa_equals_ultralytics_layer_10():
    model = _model("yolo11n.yaml")
    ours = C2PSA(256, 256).eval()
    mine, theirs = list(ours.state_dict().values()), list(model.model[10].state_dict().values())
    assert [v.shape for v in mine] == [v.shape for v in theirs]
    with torch.no_grad():
        for a, b in zip(mine, theirs):
            a.copy_(b)
        y = _layers(model, torch.randn(1, 3, 160, 224), upto=11)
        assert torch.equal(ours(y[9]), y[10])


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(ArgumentError, match="Fix: pass e.g. \\[64, 128, 256\\]"):
        YOLO11Neck([64, 128], [64, 128, 256])
    with pytest.raises(ArgumentError, match="in_strides = \\[4, 8, 32\\] must double.*Fix"):
        make_neck("yolo11", [64, 128, 256], 64, in_strides=[4, 8, 32])
    # other consecutive levels are fine: the outputs keep the input strides
    assert [lv.stride for lv in make_neck("yolo11", [64, 128, 256], 64, in_strides=[4, 8, 16]).feature_info] == [4, 8, 16]
    assert make_neck("yolo11", [64, 128, 256], 96).out_channels == [96, 96, 96]
    with pytest.raises(ArgumentError, match="num_heads"):
        PSAAttention(100, num_heads=3)
    with pytest.raises(ArgumentError, match="C2PSA: cin = 64 and cout = 32 must be equal"):
        C2PSA(64, 32)
    with pytest.raises(ArgumentError, match="C3k2"):
        C3k2(64, 64, c3k="yes")


def test_an_ablation_plan_names_the_yolo11_neck():
    from fpnlab.ablation import load_plan, make_detector

    cfg = load_plan({"seeds": [0, 1], "baseline": {
        "backbone": {"name": "yolo", "widths": [8, 16, 32, 64, 64], "depths": [1, 1, 1, 1]},
        "neck": {"name": "yolo11", "width": 32, "levels": ["C3", "C4", "C5"]}}})["baseline"]
    model = make_detector(cfg, num_classes=3).eval()
    assert type(model.neck).__name__ == "YOLO11Neck" and model.strides == (8, 16, 32)
    with torch.no_grad():
        out = model(torch.rand(1, 3, 64, 96))
    assert len(out) == 3


def test_the_neck_is_built_from_a_backbone():
    import fpnlab

    class Backbone:
        feature_info = [fpnlab.Level("C3", 24, 8), fpnlab.Level("C4", 48, 16), fpnlab.Level("C5", 96, 32)]

    neck = YOLO11Neck.from_backbone(Backbone(), 32, p5_attn=True)
    assert neck.in_channels == [24, 48, 96] and [lv.channels for lv in neck.feature_info] == [32, 32, 32]
    outs = neck([torch.randn(1, 24, 20, 28), torch.randn(1, 48, 10, 14), torch.randn(1, 96, 5, 7)])
    assert [tuple(o.shape) for o in outs] == [(1, 32, 20, 28), (1, 32, 10, 14), (1, 32, 5, 7)]
