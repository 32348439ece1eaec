"""fpnlab.backbones: strides as data, torchvision feature extraction, offline weights."""
import urllib.error

import pytest
import torch

from fpnlab.backbones import TinyBackbone, WeightsUnavailableError, torchvision_backbone
from fpnlab.levels import check_feature_info


@pytest.mark.parametrize("name,channels", [("resnet18", [64, 128, 256, 512]),
                                           ("resnet50", [256, 512, 1024, 2048])])
def test_torchvision_resnet_levels(name, channels):
    bb = torchvision_backbone(name).eval()
    assert [(lv.name, lv.channels, lv.stride) for lv in bb.feature_info] == [
        (f"C{k}", c, 2 ** k) for k, c in zip(range(2, 6), channels)]
    with torch.no_grad():
        out = bb(torch.zeros(1, 3, 97, 131))
    assert list(out) == ["C2", "C3", "C4", "C5"]
    assert [tuple(v.shape[-2:]) for v in out.values()] == [(25, 33), (13, 17), (7, 9), (4, 5)]


def test_torchvision_matches_its_model():
    """The extractor returns exactly torchvision's intermediate activations."""
    from torchvision.models import resnet18
    torch.manual_seed(0)
    bb = torchvision_backbone("resnet18").eval()
    ref = resnet18()
    ref.load_state_dict({k[len("body."):]: v for k, v in bb.state_dict().items()}, strict=False)
    ref.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        y = ref.maxpool(ref.relu(ref.bn1(ref.conv1(x))))
        c2 = ref.layer1(y)
        c5 = ref.layer4(ref.layer3(ref.layer2(c2)))
        out = bb(x)
    assert torch.equal(out["C2"], c2) and torch.equal(out["C5"], c5)


def test_feature_info_is_checked_against_a_forward_pass():
    assert len(check_feature_info(TinyBackbone(), 128)) == 4
    assert len(check_feature_info(torchvision_backbone("convnext_tiny"), 64)) == 4


def test_unknown_family_names_the_fix():
    with pytest.raises(ValueError, match="get_graph_node_names"):
        torchvision_backbone("vit_b_16")


def test_pretrained_weights_offline_give_a_clear_error(monkeypatch):
    import torchvision.models._api as api

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(api.WeightsEnum, "get_state_dict", offline)
    with pytest.raises(WeightsUnavailableError, match=r"weights=None .* offline|runs offline"):
        torchvision_backbone("resnet18", weights="DEFAULT")


# --- the package as a whole: its top-level API and a light core ------------------------------

def test_every_top_level_name_exists():
    import fpnlab

    for name in fpnlab.__all__:
        assert getattr(fpnlab, name) is not None, name
    assert fpnlab.FPN is __import__("fpnlab.necks", fromlist=["FPN"]).FPN
    assert set(dir(fpnlab)) >= set(fpnlab.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fpnlab.nope  # noqa: B018


def test_core_imports_no_plotting_or_widget_libraries():
    import subprocess
    import sys

    code = ("import sys, fpnlab, fpnlab.necks, fpnlab.backbones, fpnlab.metrics, fpnlab.levels; "
            "fpnlab.FPN, fpnlab.cost, fpnlab.timm_backbone; "
            "heavy = [m for m in ('matplotlib', 'pandas', 'ipywidgets', 'timm') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)
