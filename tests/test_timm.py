"""fpnlab with timm backbones: strides measured against timm's own ``feature_info``, fpnlab's
``timm_backbone`` (C2..C5 named by stride), and necks built from it. Small variants, random
weights, small inputs."""
import pytest
import torch
from torch import nn

timm = pytest.importorskip("timm")

from fpnlab.backbones import WeightsUnavailableError, timm_backbone  # noqa: E402
from fpnlab.errors import UnknownNameError  # noqa: E402
from fpnlab.necks import FPN, BiFPN, PANet  # noqa: E402
from fpnlab.levels import as_levels, check_feature_info, measure_strides  # noqa: E402

# one small model per family the issue names
MODELS = ["resnet18", "cspdarknet53", "efficientnet_b0", "convnext_atto", "mobilenetv3_small_100"]
SIZE = 96


@pytest.fixture(scope="module", params=MODELS)
def timm_model(request):
    torch.manual_seed(0)
    return request.param, timm.create_model(request.param, pretrained=False, features_only=True).eval()


def test_measure_strides_agrees_with_timm_reductions(timm_model):
    name, model = timm_model
    measured = measure_strides(model, SIZE)
    assert [lv.stride for lv in measured] == model.feature_info.reduction()
    assert [lv.channels for lv in measured] == model.feature_info.channels()
    assert check_feature_info(model, SIZE) == measured  # timm's FeatureInfo is read, not crashed on
    assert [lv.stride for lv in as_levels(model.feature_info)] == model.feature_info.reduction()


def test_timm_backbone_gives_c2_to_c5(timm_model):
    name, model = timm_model
    bb = timm_backbone(name).eval()
    info = model.feature_info
    want = [(f"C{k}", info.channels()[info.reduction().index(2 ** k)], 2 ** k) for k in range(2, 6)]
    assert [(lv.name, lv.channels, lv.stride) for lv in bb.feature_info] == want
    measured = check_feature_info(bb, SIZE)
    assert [lv.name for lv in measured] == ["C2", "C3", "C4", "C5"]
    assert [lv.size for lv in measured] == [(SIZE // s, SIZE // s) for s in (4, 8, 16, 32)]


@pytest.mark.parametrize("name", MODELS)
def test_necks_run_on_timm_backbones(name):
    bb = timm_backbone(name).eval()
    for neck in (FPN.from_backbone(bb, 16), PANet.from_backbone(bb, 16),
                 BiFPN.from_backbone(bb, 16, num_levels=5, repeats=1)):
        model = nn.Sequential(bb, neck.eval())
        measured = measure_strides(model, SIZE)
        assert [(lv.name, lv.channels, lv.stride) for lv in measured] == \
            [(lv.name, lv.channels, lv.stride) for lv in neck.feature_info]


def test_out_indices_pick_other_levels():
    bb = timm_backbone("resnet18", out_indices=(2, 3, 4))
    assert [(lv.name, lv.stride) for lv in bb.feature_info] == [("C3", 8), ("C4", 16), ("C5", 32)]
    with torch.no_grad():
        out = bb(torch.zeros(1, 3, 64, 64))
    assert list(out) == ["C3", "C4", "C5"]
    assert [lv.stride for lv in FPN.from_backbone(bb, 8).feature_info] == [8, 16, 32]


def test_pretrained_weights_offline_give_a_clear_error(monkeypatch):
    def offline(*args, **kwargs):
        if kwargs.get("pretrained"):
            raise OSError("We couldn't connect to 'https://huggingface.co'")
        raise AssertionError("only the pretrained call should be made")

    monkeypatch.setattr(timm, "create_model", offline)
    with pytest.raises(WeightsUnavailableError, match="pretrained=False"):
        timm_backbone("resnet18", pretrained=True)


def test_unknown_model_is_not_reported_as_a_download_problem():
    with pytest.raises(UnknownNameError, match="Unknown model"):
        timm_backbone("no_such_net_v9", pretrained=True)
