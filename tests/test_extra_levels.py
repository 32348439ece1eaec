"""fpnlab.necks.extra: P6/P7 and the pooled level, equal to torchvision's extra blocks."""
import pytest
import torch
from torchvision.ops import FeaturePyramidNetwork
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool as TvMaxPool
from torchvision.ops.feature_pyramid_network import LastLevelP6P7 as TvP6P7

from fpnlab.necks import FPN, LastLevelMaxPool, LastLevelP6P7
from test_fpn import CH, pyramid, randomize

SIZES = [(64, 64), (65, 97), (33, 47)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("p6_in", [CH[-1], 24], ids=["from_C5", "from_P5"])
def test_p6p7_equal_to_torchvision(size, p6_in):
    tv = randomize(FeaturePyramidNetwork(CH, 24, extra_blocks=TvP6P7(p6_in, 24))).eval()
    ours = FPN.from_torchvision(tv).eval()
    assert isinstance(ours.extra, LastLevelP6P7) and ours.extra.use_p5 == (p6_in == 24)
    assert ours.extra.p6.bias.abs().sum() > 0  # the random biases were copied, not re-initialised
    feats = pyramid(size)
    with torch.no_grad():
        want, got = tv(feats), ours(feats)
    assert list(want) == ["C2", "C3", "C4", "C5", "p6", "p7"]
    assert list(got) == ["P2", "P3", "P4", "P5", "P6", "P7"]
    for a, b in zip(want.values(), got.values()):
        assert torch.equal(a, b)
    h5, w5 = feats["C5"].shape[-2:]
    assert got["P6"].shape[-2:] == (-(-h5 // 2), -(-w5 // 2))
    assert got["P7"].shape[-2:] == (-(-h5 // 4), -(-w5 // 4))


def test_p6p7_sizes_for_odd_input():
    feats = pyramid((65, 97))  # C5: 3×4
    out = FPN(CH, 8, extra=LastLevelP6P7(CH[-1], 8))(feats)
    assert [tuple(v.shape[-2:]) for v in out.values()] == [(17, 25), (9, 13), (5, 7), (3, 4), (2, 2), (1, 1)]


@pytest.mark.parametrize("size", SIZES)
def test_maxpool_equal_to_torchvision(size):
    tv = randomize(FeaturePyramidNetwork(CH, 24, extra_blocks=TvMaxPool())).eval()
    ours = FPN.from_torchvision(tv).eval()
    assert isinstance(ours.extra, LastLevelMaxPool)
    feats = pyramid(size)
    with torch.no_grad():
        want, got = list(tv(feats).values()), ours(feats)
    assert list(got)[-1] == "pool"
    assert all(torch.equal(a, b) for a, b in zip(want, got.values()))
    assert got["pool"].shape[-2:] == tuple(-(-s // 2) for s in got["P5"].shape[-2:])


def test_relu_only_before_p7():
    torch.manual_seed(0)
    block = LastLevelP6P7(8, 4, use_p5=False)
    c5 = torch.randn(1, 8, 6, 6)
    p6, p7 = block([], [c5], [])[0]
    assert (p6 < 0).any()  # P6 itself is not rectified
    assert torch.equal(p7, block.p7(torch.relu(block.p6(c5))))


def test_explicit_use_p5_and_errors():
    block = LastLevelP6P7(8, 8, use_p5=False)  # in == out but still from C5 (paper)
    c5, p5 = torch.randn(1, 8, 4, 4), torch.randn(1, 8, 4, 4)
    res, names = block([p5], [c5], ["P5"])
    assert names == ["P5", "P6", "P7"] and torch.equal(res[1], block.p6(c5))
    with pytest.raises(ValueError, match="use_p5=True needs"):
        LastLevelP6P7(16, 8, use_p5=True)
    with pytest.raises(ValueError, match="has 32 channels.*in_channels=32"):
        LastLevelP6P7(16, 8)([p5], [torch.randn(1, 32, 4, 4)], ["P5"])
    assert sum(p.numel() for p in LastLevelP6P7(16, 8).parameters()) == 9 * 16 * 8 + 8 + 9 * 8 * 8 + 8
