"""fpnlab.blocks.attention: parameter counts at the papers' settings, shapes, maps, ECA's kernel size."""
import pytest
import torch

from fpnlab.blocks.attention import CBAM, ECA, SE, CoordAtt, eca_kernel_size
from fpnlab.metrics import n_params



def x(c=32, h=12, w=20, seed=0):
    return torch.randn(2, c, h, w, generator=torch.Generator().manual_seed(seed))


def test_se_parameters_and_formula():
    c, r = 256, 16
    assert n_params(SE(c, r)) == c * (c // r) + c // r + (c // r) * c + c == 8464
    se, inp = SE(32, 4), x()
    a = torch.sigmoid(se.fc2(torch.relu(se.fc1(inp.mean((2, 3))))))
    assert torch.allclose(se(inp), inp * a[:, :, None, None])
    assert se.last_map.shape == (2, 32, 1, 1)


@pytest.mark.parametrize("c,k", [(64, 3), (256, 5), (512, 5), (128, 5), (16, 3)])
def test_eca_kernel_size(c, k):
    assert eca_kernel_size(c) == k and ECA(c).k == k and n_params(ECA(c)) == k  # conv1d, no bias


def test_eca_mixes_only_neighbouring_channels():
    eca, inp = ECA(64).eval(), x(64)  # k = 3: channel i's weight sees channels i-1..i+1 only
    out = eca(inp)
    before = eca.last_map.clone()
    inp2 = inp.clone()
    inp2[:, 40] += 5.0
    eca(inp2)
    changed = (eca.last_map != before).flatten(1).any(0).nonzero().flatten().tolist()
    assert changed == [39, 40, 41]
    assert out.shape == inp.shape


def test_cbam_parameters_official_and_popular():
    c, r, k = 256, 16, 7
    mlp = c * (c // r) + c // r + (c // r) * c + c
    assert n_params(CBAM(c, r, k)) == mlp + 2 * k * k + 2 == 8564
    assert n_params(CBAM(c, r, k, mlp_bias=False, spatial_bn=False)) == 2 * c * (c // r) + 2 * k * k == 8290


def test_cbam_maps_and_order():
    cbam, inp = CBAM(32, 4).eval(), x()
    out = cbam(inp)
    assert cbam.last_channel_map.shape == (2, 32, 1, 1) and cbam.last_map.shape == (2, 1, 12, 20)
    assert torch.allclose(out, inp * cbam.last_channel_map * cbam.last_map, atol=1e-6)
    assert ((cbam.last_map > 0) & (cbam.last_map < 1)).all()


def test_coordatt_parameters_and_maps():
    c, r = 256, 32
    mip = max(8, c // r)
    assert n_params(CoordAtt(c, r)) == (c * mip + mip) + 2 * mip + 2 * (mip * c + c) == 6680
    assert n_params(CoordAtt(64, 32)) == (64 * 8 + 8) + 16 + 2 * (8 * 64 + 64)  # mip = max(8, 2) = 8
    ca, inp = CoordAtt(32).eval(), x()
    out = ca(inp)
    gh, gw = ca.last_maps
    assert gh.shape == (2, 32, 12, 1) and gw.shape == (2, 32, 1, 20) and ca.last_map.shape == inp.shape
    assert torch.allclose(out, inp * gh * gw, atol=1e-6)


def test_coordatt_keeps_the_official_default_init():
    """Chapter 7 measures the gates at init: the official code leaves conv_h/conv_w at PyTorch's
    default init, so the gates average 1/2 but spread widely in training mode (not all σ(0))."""
    torch.manual_seed(0)
    ca = CoordAtt(256)
    assert ca.conv_h.weight.abs().sum() > 0 and ca.conv_w.bias.abs().sum() > 0  # not zero-initialized
    with torch.no_grad():
        ca(x(256, 20, 20))  # training mode: BN uses the batch's statistics
    for g in ca.last_maps:
        assert abs(g.mean().item() - 0.5) < 0.05
        assert g.min() < 0.3 and g.max() > 0.7
    ca.eval()
    with torch.no_grad():
        ca(x(256, 20, 20))
    for g in ca.last_maps:  # fresh running statistics: closer to 1/2, still not equal
        assert 0.3 < g.min() < 0.5 < g.max() < 0.7


@pytest.mark.parametrize("block", [SE, ECA, CBAM, CoordAtt])
def test_shapes_odd_sizes_and_gradients(block):
    m = block(48)
    inp = torch.randn(2, 48, 7, 13, requires_grad=True)
    out = m(inp)
    assert out.shape == inp.shape and m.last_map is not None and not m.last_map.requires_grad
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
