"""fpnlab.blocks (the block zoo, RepVGG folding) and fpnlab.receptive (effective receptive field)."""
import pytest
import torch
from torch import nn

from fpnlab.blocks import BLOCKS, RepVGGBlock, make_block, reparameterize
from fpnlab.errors import UnknownNameError
from fpnlab.metrics import n_params
from fpnlab.receptive import effective_receptive_field, erf_radius, erf_support


@pytest.mark.parametrize("name", list(BLOCKS))
def test_same_width_shape_and_depth(name):
    torch.manual_seed(0)
    x = torch.randn(2, 32, 12, 12)
    for n in (1, 2):
        assert BLOCKS[name](32, 32, n=n)(x).shape == x.shape
    assert BLOCKS[name](16, 32)(torch.randn(2, 16, 12, 12)).shape == (2, 32, 12, 12)


@pytest.mark.parametrize("name", [k for k in BLOCKS if k != "c2f"])
def test_stride_two(name):
    y = BLOCKS[name](16, 32, n=2, stride=2)(torch.randn(1, 16, 12, 12))
    assert y.shape == (1, 32, 6, 6)


def test_c2f_refuses_stride_and_unknown_name():
    with pytest.raises(ValueError, match="stride"):
        BLOCKS["c2f"](16, 32, stride=2)
    with pytest.raises(UnknownNameError, match="repvgg"):
        make_block("vgg", 16, 16)
    with pytest.raises(ValueError, match="n >= 1"):
        BLOCKS["basic"](16, 16, n=0)


@pytest.mark.parametrize("name", [k for k in BLOCKS if k != "repvgg"])
def test_norm_and_act_are_honoured(name):
    m = BLOCKS[name](32, 32, n=2, norm="gn", act="relu")
    kinds = {type(mod) for mod in m.modules()}
    assert nn.BatchNorm2d not in kinds and nn.GroupNorm in kinds
    assert nn.SiLU not in kinds and nn.ReLU6 not in kinds and nn.ReLU in kinds
    assert m(torch.randn(1, 32, 8, 8)).shape == (1, 32, 8, 8)


def test_repvgg_needs_bn():
    with pytest.raises(ValueError, match="norm='bn'"):
        BLOCKS["repvgg"](16, 16, norm="gn")


def _nontrivial(block: nn.Module, cin: int) -> nn.Module:
    """Give every BN running statistics from data and random affine parameters and conv weights."""
    block.train()
    with torch.no_grad():
        for _ in range(3):
            block(torch.randn(4, cin, 10, 10) * 2 + 0.5)
        for m in block.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.running_mean.normal_(0, 0.3)
            elif isinstance(m, nn.Conv2d):
                m.weight.normal_(0, 0.2)
    return block.eval()


@pytest.mark.parametrize("cin,cout,stride", [(16, 16, 1), (16, 24, 1), (16, 16, 2), (8, 24, 2)])
def test_repvgg_fold_equal(cin, cout, stride):
    torch.manual_seed(0)
    blk = _nontrivial(RepVGGBlock(cin, cout, stride), cin)
    assert (blk.identity is not None) == (cin == cout and stride == 1)
    bn = 2 * cout * (3 if blk.identity is not None else 2)
    assert n_params(blk) == 9 * cin * cout + cin * cout + bn
    x = torch.randn(2, cin, 15, 15)
    with torch.no_grad():
        before = blk(x)
        assert blk.reparameterize() is blk
        after = blk(x)
    assert torch.allclose(before, after, atol=1e-5, rtol=0), (before - after).abs().max()
    assert blk.folded and not blk.training
    assert {n for n, _ in blk.named_children()} == {"fused", "act"}
    assert n_params(blk) == 9 * cin * cout + cout
    assert after.shape == (2, cout, -(-15 // stride), -(-15 // stride))


def test_repvgg_fold_twice_is_noop_and_train_after_fold_raises():
    torch.manual_seed(1)
    blk = _nontrivial(RepVGGBlock(8, 8), 8).reparameterize()
    fused, x = blk.fused, torch.randn(1, 8, 6, 6)
    y = blk(x)
    blk.reparameterize()
    assert blk.fused is fused and torch.equal(blk(x), y)
    blk.train()
    with pytest.raises(RuntimeError, match="eval"):
        blk(x)


def test_reparameterize_a_stage():
    torch.manual_seed(2)
    stage = _nontrivial(BLOCKS["repvgg"](8, 16, n=3, stride=2), 8)
    x = torch.randn(1, 8, 16, 16)
    with torch.no_grad():
        before = stage(x)
        after = reparameterize(stage)(x)
    # three blocks in a row grow the values (up to ~40 here): compare relative to the largest
    assert (before - after).abs().max() <= 1e-5 * before.abs().max()
    assert not any(isinstance(m, nn.BatchNorm2d) for m in stage.modules())


def _offsets(support: torch.Tensor) -> set:
    c = support.shape[0] // 2
    return {(int(i) - c, int(j) - c) for i, j in support.nonzero()}


def test_erf_single_and_stacked_3x3():
    torch.manual_seed(0)
    one = nn.Conv2d(4, 4, 3, padding=1)
    two = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1))
    for module, r in ((one, 1), (two, 2)):
        erf = effective_receptive_field(module, 4, 15)
        assert torch.isclose(erf.sum(), torch.tensor(1.0))
        assert _offsets(erf_support(erf)) == {(i, j) for i in range(-r, r + 1) for j in range(-r, r + 1)}
        assert erf_radius(erf, 1.0) == r
    assert erf_radius(effective_receptive_field(two, 4, 15), 0.5) <= 2


def test_erf_dilation_grids():
    torch.manual_seed(0)
    one = nn.Conv2d(4, 4, 3, padding=2, dilation=2)
    erf = effective_receptive_field(one, 4, 15)
    assert _offsets(erf_support(erf)) == {(i, j) for i in (-2, 0, 2) for j in (-2, 0, 2)}
    # a dilated block (two d=2 convs + identity): span ±4, only even offsets — holes inside
    blk = BLOCKS["dilated"](4, 4)
    offs = _offsets(erf_support(effective_receptive_field(blk, 4, 15)))
    assert offs == {(i, j) for i in range(-4, 5, 2) for j in range(-4, 5, 2)}
    assert (1, 0) not in offs and (4, 4) in offs


def test_erf_eval_mode_restored():
    m = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)).train()
    effective_receptive_field(m, 3, 9)
    assert m.training


@pytest.mark.parametrize("name", list(BLOCKS))
def test_train_mode_backward(name):
    torch.manual_seed(0)
    m = BLOCKS[name](16, 16, n=2).train()
    x = torch.randn(2, 16, 8, 8, requires_grad=True)
    m(x).square().mean().backward()
    assert x.grad is not None and all(p.grad is not None for p in m.parameters())
