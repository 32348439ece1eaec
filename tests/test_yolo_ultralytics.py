"""fpnlab's SPPF + YOLOPAN against ultralytics' YOLOv8n itself (layers 9..21), weights copied.

ultralytics is a test-only dependency (like effdet). The model is built from its ``yolov8n.yaml``
config with random weights: nothing is downloaded (``YOLO_OFFLINE=1``).
"""
import os

os.environ.setdefault("YOLO_OFFLINE", "1")

import torch  # noqa: E402
from ultralytics.nn.tasks import DetectionModel  # noqa: E402

from fpnlab.blocks import SPPF  # noqa: E402
from fpnlab.necks import YOLOPAN  # noqa: E402
from fpnlab.levels import Level  # noqa: E402


def _randomize_bn(module):
    """Random BN statistics and affine parameters, so that eval mode is not the identity."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(1 + torch.randn(m.num_features, generator=g) * 0.1)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def _yolov8n():
    torch.manual_seed(0)
    model = DetectionModel("yolov8n.yaml", ch=3, nc=80, verbose=False).eval()
    _randomize_bn(model)
    return model


def _run_backbone_and_neck(model, x):
    """Run ultralytics' layers 0..21 by hand; return C3, C4, C5 (layers 4, 6, 8) and P3, P4, P5
    (layers 15, 18, 21)."""
    y = []
    for m in model.model[:22]:
        if m.f != -1:
            x = y[m.f] if isinstance(m.f, int) else [x if j == -1 else y[j] for j in m.f]
        x = m(x)
        y.append(x)
    return (y[4], y[6], y[8]), (y[15], y[18], y[21])


def test_yolopan_with_sppf_equals_ultralytics_yolov8n_neck():
    model = _yolov8n()
    neck = YOLOPAN([64, 128, 256], sppf=True).eval().load_ultralytics(model)
    x = torch.randn(1, 3, 256, 384)  # non-square; both sides multiples of 32
    with torch.no_grad():
        (c3, c4, c5), theirs = _run_backbone_and_neck(model, x)
        ours = neck([c3, c4, c5])
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        assert torch.equal(a, b)  # the same ops in the same order: bit for bit
    assert [tuple(p.shape[-2:]) for p in ours] == [(32, 48), (16, 24), (8, 12)]


def test_parameter_counts_match_ultralytics():
    model = _yolov8n()
    neck = YOLOPAN([64, 128, 256], sppf=True)
    for name, index in YOLOPAN.ULTRALYTICS_LAYERS.items():
        assert sum(p.numel() for p in getattr(neck, name).parameters()) == model.model[index].np
    theirs = sum(model.model[i].np for i in range(9, 22))
    assert sum(p.numel() for p in neck.parameters()) == theirs == 1_151_488
    assert sum(p.numel() for p in YOLOPAN([64, 128, 256]).parameters()) == 986_880  # without SPPF


def test_sppf_equals_ultralytics_sppf():
    model = _yolov8n()
    sppf = SPPF(256, 256).eval()
    sppf.load_state_dict(dict(zip(sppf.state_dict(), model.model[9].state_dict().values())))
    x = torch.randn(2, 256, 7, 11)
    with torch.no_grad():
        assert torch.equal(sppf(x), model.model[9](x))


def test_load_ultralytics_rejects_another_size():
    model = _yolov8n()
    try:
        YOLOPAN([128, 256, 512], sppf=True).load_ultralytics(model)
    except ValueError as err:
        assert "YOLOv8n" in str(err)
    else:
        raise AssertionError("a YOLOv8s-sized neck loaded YOLOv8n's weights")


def test_yolopan_feature_info():
    neck = YOLOPAN([64, 128, 256], sppf=True)
    assert neck.feature_info == [Level("P3", 64, 8), Level("P4", 128, 16), Level("P5", 256, 32)]
    assert [lv.channels for lv in YOLOPAN([128, 256, 512], 96).feature_info] == [96, 96, 96]
