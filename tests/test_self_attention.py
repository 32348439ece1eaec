"""SelfAttention2d ("mhsa"): QKV self-attention over the H·W cells of a feature map, residual."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from fpnlab.blocks.attention import SelfAttention2d, make_attention
from fpnlab.metrics import cost


def test_shape_residual_and_registry():
    torch.manual_seed(0)
    x = torch.randn(2, 32, 6, 10)
    m = make_attention("mhsa", 32, heads=4)
    assert isinstance(m, SelfAttention2d)
    assert m(x).shape == x.shape
    with torch.no_grad():  # zero output projection → the block is the identity (the residual path)
        m.attn.out_proj.weight.zero_()
        m.attn.out_proj.bias.zero_()
    assert torch.allclose(m(x), x)


def test_matches_multihead_attention():
    """Same numbers as nn.MultiheadAttention on the LayerNorm'ed tokens, in train and eval mode."""
    torch.manual_seed(0)
    x = torch.randn(2, 16, 5, 7)
    m = SelfAttention2d(16, heads=2)
    for train in (True, False):
        m.train(train)
        with torch.no_grad():
            tokens = m.norm(x.flatten(2).transpose(1, 2))
            ref, _ = m.attn(tokens, tokens, tokens, need_weights=False)
            out = m(x)
        torch.testing.assert_close(out, x + ref.transpose(1, 2).reshape(x.shape), rtol=1e-5, atol=1e-5)


def test_params_flops_and_map():
    c, n = 64, 16 * 16
    m = SelfAttention2d(c, heads=4, keep_map=True).eval()
    assert sum(p.numel() for p in m.parameters()) == 4 * c * c + 6 * c
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        m(torch.randn(1, c, 16, 16))
    assert counter.get_total_flops() == 8 * n * c * c + 4 * n * n * c
    assert m.last_map.shape == (1, n, n)
    torch.testing.assert_close(m.last_map.sum(-1), torch.ones(1, n))  # each row: softmax weights


def test_peak_memory_grows_quadratically():
    m = SelfAttention2d(32, heads=2).eval()
    small, big = (cost(m, torch.randn(1, 32, s, s), repeats=1, warmup=0).peak_mem_bytes for s in (8, 32))
    assert big > 100 * small  # 16× the cells; the N×N scores make it ≫ 16× the memory


def test_heads_must_divide_channels():
    with pytest.raises(ValueError, match="divisible"):
        SelfAttention2d(30, heads=4)
