"""fpnlab.backbones.YOLOBackbone against ultralytics' YOLOv8 backbone (layers 0..9), and its options.

ultralytics is a test-only dependency (like effdet). Models are built from ``yolov8{scale}.yaml``
with random weights: nothing is downloaded (``YOLO_OFFLINE=1``).
"""
import os

os.environ.setdefault("YOLO_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torchvision.ops import StochasticDepth  # noqa: E402
from ultralytics.nn.tasks import DetectionModel  # noqa: E402

from fpnlab.blocks.attention import SE, CBAM  # noqa: E402
from fpnlab.backbones import YOLOBackbone, drop_path_rates, stride_plan, yolov8_plan  # noqa: E402
from fpnlab.metrics import n_params  # noqa: E402
from fpnlab.levels import Level, check_feature_info  # noqa: E402


def _randomize_bn(module):
    """Random BN statistics and affine parameters, so that eval mode is not the identity."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(1 + torch.randn(m.num_features, generator=g) * 0.1)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def _ultralytics(scale):
    torch.manual_seed(0)
    return DetectionModel(f"yolov8{scale}.yaml", ch=3, nc=80, verbose=False).eval()


def _run_layers(model, x, upto=10):
    """ultralytics' layers 0..upto-1 by hand (the backbone is a plain chain); all outputs."""
    y = []
    for m in model.model[:upto]:
        x = m(x)
        y.append(x)
    return y


@pytest.mark.parametrize("scale", ["n", "s"])
def test_outputs_equal_ultralytics(scale):
    model = _ultralytics(scale)
    _randomize_bn(model)
    bb = YOLOBackbone.yolov8(scale).eval().load_ultralytics(model)
    x = torch.randn(1, 3, 96, 160)  # non-square; both sides multiples of 32
    with torch.no_grad():
        y = _run_layers(model, x)
        ours = bb(x)
    assert list(ours) == ["C2", "C3", "C4", "C5"]
    for name, index in zip(ours, (2, 4, 6, 9)):
        assert torch.equal(ours[name], y[index]), name  # the same ops in the same order
    assert n_params(bb) == sum(model.model[i].np for i in range(10))


def test_parameter_counts_all_scales():
    expected = {}
    for scale in "nsmlx":
        model = _ultralytics(scale)
        theirs = sum(model.model[i].np for i in range(10))
        bb = YOLOBackbone.yolov8(scale)
        assert n_params(bb) == theirs, scale
        assert [lv.channels for lv in bb.feature_info] == [
            model.model[i].cv2.conv.out_channels for i in (2, 4, 6, 9)]
        expected[scale] = theirs
    assert expected["n"] == 1_272_656


def test_plans_match_ultralytics_rounding():
    assert yolov8_plan("n") == ([16, 32, 64, 128, 256], [1, 2, 2, 1])
    assert yolov8_plan("s") == ([32, 64, 128, 256, 512], [1, 2, 2, 1])
    assert yolov8_plan("m") == ([48, 96, 192, 384, 576], [2, 4, 4, 2])
    assert yolov8_plan("l") == ([64, 128, 256, 512, 512], [3, 6, 6, 3])
    assert yolov8_plan("x") == ([80, 160, 320, 640, 640], [3, 6, 6, 3])


def test_load_ultralytics_rejects_another_scale():
    with pytest.raises(ValueError, match="yolov8"):
        YOLOBackbone.yolov8("s").load_ultralytics(_ultralytics("n"))


def test_feature_info_is_measured_for_a_stride4_stem():
    bb = YOLOBackbone([16, 32, 64, 128, 256], [1, 1, 1, 1], strides=(4, 1, 2, 2, 2))
    assert bb.feature_info == [Level("C2", 32, 4), Level("C3", 64, 8), Level("C4", 128, 16),
                               Level("C5", 256, 32)]
    assert [lv.stride for lv in check_feature_info(bb, (96, 64))] == [4, 8, 16, 32]
    fine = YOLOBackbone([16, 32, 64, 128, 256], [1, 1, 1, 1], strides=(2, 1, 2, 2, 2))
    assert [(lv.name, lv.stride) for lv in fine.feature_info] == [
        ("C1", 2), ("C2", 4), ("C3", 8), ("C4", 16)]
    with torch.no_grad():
        assert tuple(fine(torch.zeros(1, 3, 64, 64))["C1"].shape) == (1, 32, 32, 32)


def test_gn_relu_variant():
    bb = YOLOBackbone.yolov8("n", norm="gn", act="relu")
    mods = list(bb.modules())
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in mods)
    assert any(isinstance(m, nn.GroupNorm) for m in mods)
    assert not any(isinstance(m, nn.SiLU) for m in mods) and any(isinstance(m, nn.ReLU) for m in mods)
    with torch.no_grad():
        assert [tuple(v.shape) for v in bb(torch.zeros(2, 3, 64, 64)).values()] == [
            (2, 32, 16, 16), (2, 64, 8, 8), (2, 128, 4, 4), (2, 256, 2, 2)]


def test_attention_all_and_per_level():
    every = YOLOBackbone.yolov8("n", attention="se")
    assert all(isinstance(stage.attention, SE) for stage in every.stages)
    some = YOLOBackbone.yolov8("n", attention={"C4": "cbam", "C5": "se"})
    kinds = [type(getattr(stage, "attention", None)).__name__ for stage in some.stages]
    assert kinds == ["NoneType", "NoneType", "CBAM", "SE"]
    assert isinstance(some.stages[2].attention, CBAM)
    assert n_params(some) > n_params(YOLOBackbone.yolov8("n"))


def test_drop_path_schedule_and_eval_identity():
    plain = YOLOBackbone.yolov8("n")
    assert not any(isinstance(m, StochasticDepth) for m in plain.modules())  # 0 -> no module
    bb = YOLOBackbone.yolov8("n", drop_path=0.2)
    sd = [m for m in bb.modules() if isinstance(m, StochasticDepth)]
    rates = [m.p for m in sd]
    assert rates == sorted(rates) and rates[-1] == pytest.approx(0.2)
    assert len(sd) == sum(bb.depths) - 1  # the first bottleneck's rate is 0: no module
    assert bb.drop_path_rates == drop_path_rates(0.2, 6) and bb.drop_path_rates[0] == 0
    bb.load_state_dict(plain.state_dict())  # same tensors: StochasticDepth has none
    x = torch.randn(1, 3, 64, 64)
    plain.eval(), bb.eval()
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(plain(x).values(), bb(x).values()))
    bb.train()
    torch.manual_seed(0)
    with torch.no_grad():
        assert not all(torch.equal(a, b) for a, b in zip(plain.train()(x).values(), bb(x).values()))


def test_custom_block():
    def plain_block(cin, cout, n, norm, act):
        return nn.Sequential(*[nn.Conv2d(cin, cout, 3, padding=1) for _ in range(n)])

    bb = YOLOBackbone([16, 32, 64, 128, 256], [1, 2, 2, 1], block=plain_block, sppf=False)
    assert [len(stage.block) for stage in bb.stages] == [1, 2, 2, 1]
    assert [lv.channels for lv in bb.feature_info] == [32, 64, 128, 256]
    with pytest.raises(ValueError, match="drop_path="):
        YOLOBackbone([16, 32, 64, 128, 256], [1, 2, 2, 1], block=plain_block, drop_path=0.1)


@pytest.mark.parametrize("kwargs,match", [
    (dict(widths=[16, 32, 64, 128], depths=[1, 1, 1, 1]), "widths needs 5 numbers"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1]), "depths needs 4 numbers"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 0]), "positive integers"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], strides=(2, 2, 2, 2)), "strides needs 5"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], strides=(3, 2, 2, 2, 2)), "not a power of 2"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], strides=(2, 2, 2, 2, 1)), "same stride"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], norm="ln"), "norm='ln'"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], act="gelu"), "act='gelu'"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], block="resnet"), "block='resnet'"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], attention="nonlocal"), "attention='nonlocal'"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], attention={"P4": "se"}), "levels"),
    (dict(widths=[16, 32, 64, 128, 256], depths=[1, 1, 1, 1], drop_path=1.0), r"\[0, 1\)"),
])
def test_bad_input_is_explained(kwargs, match):
    with pytest.raises(ValueError, match=match):
        YOLOBackbone(**kwargs)


def test_unknown_scale_and_plan_checks():
    with pytest.raises(ValueError, match="scales n, s, m, l, x"):
        YOLOBackbone.yolov8("t")
    assert stride_plan((4, 1, 2, 2, 2)) == [4, 8, 16, 32]
    assert drop_path_rates(0.1, 1) == [0.0]


def test_block_by_name_from_the_block_zoo():
    from fpnlab.blocks import BLOCKS, RepVGGBlock

    bb = YOLOBackbone([8, 16, 16, 32, 32], [1, 1, 1, 1], block="repvgg", sppf=False)
    assert any(isinstance(m, RepVGGBlock) for m in bb.modules())
    assert [lv.stride for lv in bb.feature_info] == [4, 8, 16, 32]
    with pytest.raises(ValueError, match="neither a name in fpnlab.blocks.BLOCKS \\(basic, bottleneck, c2f"):
        YOLOBackbone([8, 16, 16, 32, 32], [1, 1, 1, 1], block="resnet")
    assert set(BLOCKS) >= {"repvgg", "c2f", "dwsep"}


def test_drop_block_sits_after_the_last_two_stages_and_is_identity_in_eval():
    import torchvision

    bb = YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1], drop_block=0.2, drop_block_size=3)
    where = [i for i, st in enumerate(bb.stages) if "drop_block" in dict(st.named_children())]
    assert where == [2, 3]
    assert isinstance(bb.stages[3].drop_block, torchvision.ops.DropBlock2d) and bb.stages[3].drop_block.p == 0.2
    assert tuple(bb.train()(torch.rand(1, 3, 64, 64))["C5"].shape) == (1, 64, 2, 2)  # a 2 × 2 map: block side 1
    plain = YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1])
    plain.load_state_dict(bb.state_dict())  # DropBlock has no weights: the same network otherwise
    x = torch.rand(2, 3, 64, 64)
    bb.eval(), plain.eval()
    assert all(torch.equal(a, b) for a, b in zip(bb(x).values(), plain(x).values()))
    bb.train()
    torch.manual_seed(0)
    assert not torch.equal(bb(x)["C5"], plain.train()(x)["C5"])
    with pytest.raises(ValueError, match="drop_block=1.5 must be in \\[0, 1\\)"):
        YOLOBackbone([8, 8, 16, 32, 64], [1, 1, 1, 1], drop_block=1.5)
