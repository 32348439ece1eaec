"""Attention blocks that reweight a feature map: ``(B, C, H, W)`` → ``(B, C, H, W)``.

Each block multiplies its input by an attention map ``a`` in ``(0, 1)`` (broadcast over the
missing dimensions) and keeps the last one it applied in ``.last_map`` (detached), so a viewer
can show *what* was reweighted:

==========  ===========================================  =====================================
block       map shape                                    paper
==========  ===========================================  =====================================
SE          ``(B, C, 1, 1)``                             Hu et al., 2018
ECA         ``(B, C, 1, 1)``                             Wang et al., 2020
CBAM        ``(B, C, 1, 1)`` then ``(B, 1, H, W)``       Woo et al., 2018
CoordAtt    ``(B, C, H, 1)`` × ``(B, C, 1, W)``          Hou et al., 2021
==========  ===========================================  =====================================

:class:`SelfAttention2d` (``"mhsa"``) is the other kind: QKV self-attention over the ``H·W``
cells as tokens (Vaswani et al., 2017), added to its input (residual). Its cost grows with
``(H·W)²``, the gates above with ``H·W``.

Layer choices (bias, BN) follow each paper's official code, so parameter counts match it.

>>> x = torch.randn(2, 64, 16, 16)
>>> [tuple(m(x).shape) for m in (SE(64), ECA(64), CBAM(64), CoordAtt(64))]
[(2, 64, 16, 16), (2, 64, 16, 16), (2, 64, 16, 16), (2, 64, 16, 16)]
>>> ECA(256).k
5
>>> tuple(SelfAttention2d(64, heads=4)(x).shape)
(2, 64, 16, 16)
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..arguments import check_bool, check_choice, check_image_batch, check_int, is_int
from ..errors import ArgumentError
from ..i18n import Strings

_CH = dict(channels_arg="channels")

_t = Strings({
    "heads": {
        "en": "SelfAttention2d: channels={channels:d} is not divisible by heads={heads:d}, so the heads cannot "
              "split the channels evenly. Fix: pick heads among the divisors of {channels:d}, e.g. heads={fix:d}.",
        "tr": "SelfAttention2d: channels={channels:d}, heads={heads:d} ile tam bölünmüyor; head'ler kanalları "
              "eşit paylaşamaz. Düzeltme: heads'i {channels:d} sayısının bölenlerinden seç, örneğin heads={fix:d}."},
    "odd": {
        "en": "CBAM: kernel_size = {value!r} must be an odd integer ≥ 1 so the spatial map keeps H × W. "
              "Fix: pass kernel_size=7 (the paper's) or 3.",
        "tr": "CBAM: kernel_size = {value!r}, uzamsal harita H × W boyutunu korusun diye tek ve en az 1 olan "
              "bir tam sayı olmalı. Düzeltme: kernel_size=7 (makaledeki) ya da 3 ver."},
})


class SE(nn.Module):
    """Squeeze-and-Excitation: ``a = σ(W2 · ReLU(W1 · GAP(x) + b1) + b2)``, ``y = a ⊙ x``.

    ``GAP`` averages each channel over ``H × W``; ``W1: C → C/r``, ``W2: C/r → C`` are fully
    connected layers with bias (as in SENet's code): ``2·C·C/r + C/r + C`` parameters.
    ``last_map``: ``(B, C, 1, 1)``.
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        check_int("channels", channels, where="SE")
        check_int("reduction", reduction, where="SE")
        hidden = max(1, channels // reduction)
        self.fc1, self.fc2 = nn.Linear(channels, hidden), nn.Linear(hidden, channels)
        self.last_map: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.fc1.in_features, where="SE", **_CH)
        a = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))[:, :, None, None]
        self.last_map = a.detach()
        return x * a


def eca_kernel_size(channels: int, gamma: int = 2, b: int = 1) -> int:
    """ECA's adaptive kernel size ``k = |log2(C)/γ + b/γ|_odd``: truncate, then take the next odd
    number if even (the official code): C=64 → 3, 256 → 5, 512 → 5."""
    check_int("channels", channels, where="eca_kernel_size")
    check_int("gamma", gamma, where="eca_kernel_size")
    check_int("b", b, minimum=0, where="eca_kernel_size")
    t = int(abs((math.log2(channels) + b) / gamma))
    return t if t % 2 else t + 1


class ECA(nn.Module):
    """Efficient Channel Attention: ``a = σ(conv1d_k(GAP(x)))``, ``y = a ⊙ x``.

    A 1-D convolution over the channel axis (no bias, ``k`` parameters) replaces SE's two fully
    connected layers: each channel's weight depends on its ``k`` neighbours; ``k`` from
    :func:`eca_kernel_size`. ``last_map``: ``(B, C, 1, 1)``.
    """

    def __init__(self, channels: int, gamma: int = 2, b: int = 1):
        super().__init__()
        self.channels = channels
        self.k = eca_kernel_size(channels, gamma, b)
        self.conv = nn.Conv1d(1, 1, self.k, padding=(self.k - 1) // 2, bias=False)
        self.last_map: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.channels, where="ECA", **_CH)
        y = self.conv(x.mean((2, 3))[:, None, :])            # (B, 1, C)
        a = torch.sigmoid(y)[:, 0, :, None, None]            # (B, C, 1, 1)
        self.last_map = a.detach()
        return x * a


class CBAM(nn.Module):
    """Convolutional Block Attention Module: channel attention, then spatial attention.

    ``M_c = σ(MLP(AvgPool(x)) + MLP(MaxPool(x)))`` with one shared MLP ``C → C/r → C``;
    ``x' = M_c ⊙ x``; ``M_s = σ(BN(conv_{k×k}([Max_c(x'); Mean_c(x')])))``; ``y = M_s ⊙ x'``.

    As the authors' code (Jongchan/attention-module): the MLP layers have bias, the spatial
    conv (2 → 1, no bias) is followed by a BatchNorm: ``2·C·C/r + C/r + C + 2·k² + 2`` parameters.
    The popular re-implementation drops the MLP biases and the BN (``mlp_bias=False,
    spatial_bn=False``: ``2·C·C/r + 2·k²``). ``last_map``: the spatial map ``(B, 1, H, W)``;
    ``last_channel_map``: ``(B, C, 1, 1)``.
    """

    def __init__(self, channels: int, reduction: int = 16, kernel_size: int = 7,
                 mlp_bias: bool = True, spatial_bn: bool = True):
        super().__init__()
        check_int("channels", channels, where="CBAM")
        check_int("reduction", reduction, where="CBAM")
        if not (is_int(kernel_size) and kernel_size >= 1
                and kernel_size % 2):
            raise ArgumentError(_t("odd", value=kernel_size))
        check_bool("mlp_bias", mlp_bias, where="CBAM")
        check_bool("spatial_bn", spatial_bn, where="CBAM")
        self.channels = channels
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(nn.Linear(channels, hidden, bias=mlp_bias), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, channels, bias=mlp_bias))
        self.spatial = nn.Sequential(nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False),
                                     nn.BatchNorm2d(1) if spatial_bn else nn.Identity())
        self.last_map: torch.Tensor | None = None
        self.last_channel_map: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.channels, where="CBAM", **_CH)
        mc = torch.sigmoid(self.mlp(x.mean((2, 3))) + self.mlp(x.amax((2, 3))))[:, :, None, None]
        x = x * mc
        pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], dim=1)  # (B, 2, H, W)
        ms = torch.sigmoid(self.spatial(pooled))
        self.last_channel_map, self.last_map = mc.detach(), ms.detach()
        return x * ms


class HSwish(nn.Module):
    """``h_swish(x) = x · ReLU6(x + 3) / 6`` (MobileNetV3), as in CoordAtt's code."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * F.relu6(x + 3) / 6


class CoordAtt(nn.Module):
    """Coordinate Attention: channel attention that keeps *where* along each axis.

    ``z^h = mean_w(x)`` ``(B, C, H, 1)``, ``z^w = mean_h(x)`` ``(B, C, 1, W)``;
    ``f = h_swish(BN(F1([z^h; z^w])))`` with a shared 1×1 conv ``F1: C → mip``,
    ``mip = max(8, C/r)``; split ``f`` back into ``f^h, f^w``;
    ``g^h = σ(F_h(f^h))``, ``g^w = σ(F_w(f^w))`` (1×1 convs ``mip → C``); ``y = x ⊙ g^h ⊙ g^w``.

    Convs with bias and a BN after ``F1``, as the official code:
    ``(C·mip + mip) + 2·mip + 2·(mip·C + C)`` parameters. ``last_map``: the product
    ``g^h ⊙ g^w`` ``(B, C, H, W)``; ``last_maps``: ``(g^h, g^w)``.

    Init: PyTorch's default for every conv, as the official code (houqb/CoordAttention,
    ``coordatt.py``) leaves it. The gates therefore average 1/2 at init but do not start *at*
    ``σ(0) = 1/2``: in training mode the BN gives ``F_h``'s and ``F_w``'s inputs unit variance and
    the gates spread over most of ``(0, 1)``. Zero-initializing ``conv_h`` and ``conv_w`` (weights
    and biases) would start both at exactly 1/2, i.e. the block at ``y = x / 4``.
    """

    def __init__(self, channels: int, reduction: int = 32):
        super().__init__()
        check_int("channels", channels, where="CoordAtt")
        check_int("reduction", reduction, where="CoordAtt")
        mip = max(8, channels // reduction)
        self.conv1, self.bn1, self.act = nn.Conv2d(channels, mip, 1), nn.BatchNorm2d(mip), HSwish()
        self.conv_h, self.conv_w = nn.Conv2d(mip, channels, 1), nn.Conv2d(mip, channels, 1)
        self.last_map: torch.Tensor | None = None
        self.last_maps: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.conv1.in_channels, where="CoordAtt", **_CH)
        h, w = x.shape[-2:]
        zh = x.mean(3, keepdim=True)                              # (B, C, H, 1)
        zw = x.mean(2, keepdim=True).transpose(2, 3)              # (B, C, W, 1)
        f = self.act(self.bn1(self.conv1(torch.cat([zh, zw], dim=2))))
        fh, fw = torch.split(f, [h, w], dim=2)
        gh = torch.sigmoid(self.conv_h(fh))                       # (B, C, H, 1)
        gw = torch.sigmoid(self.conv_w(fw.transpose(2, 3)))       # (B, C, 1, W)
        self.last_maps = (gh.detach(), gw.detach())
        self.last_map = (gh * gw).detach()
        return x * gh * gw




class SelfAttention2d(nn.Module):
    """QKV self-attention over the ``N = H·W`` cells of a feature map, residual:
    ``(B, C, H, W)`` → ``(B, C, H, W)``.

    Tokens ``t = LN(x)`` reshaped to ``(B, N, C)`` (a pre-norm LayerNorm over the channels, as
    in ViT); ``y = x + MHA(t, t, t)`` with ``nn.MultiheadAttention(C, heads)``: per head,
    ``softmax(Q Kᵀ / √(C/heads)) V`` with ``Q, K, V = t W_q, t W_k, t W_v``, then an output
    projection. No positional encoding: every cell sees every other cell, wherever it is.

    Parameters: ``4·C² + 4·C`` (the Q, K, V and output projections with bias) ``+ 2·C`` (the
    LayerNorm). FLOPs (a multiply-add = 2): ``8·N·C²`` for the four projections plus
    ``4·N²·C`` for ``Q Kᵀ`` and the product with ``V`` — the second term is quadratic in the
    number of cells.

    The forward pass is ``nn.MultiheadAttention``'s own reference path
    (``F.multi_head_attention_forward`` with its weights, ``need_weights=True``): the ``(B·heads,
    N, N)`` score matrix is a real tensor, so peak memory grows with ``N²`` too and the FLOP
    counter sees every product. (In eval mode ``nn.MultiheadAttention`` itself would take a fused
    kernel that ``torch.utils.flop_counter`` does not count on CPU; fused kernels such as
    FlashAttention avoid storing the ``N × N`` scores, not the ``N²`` FLOPs.) ``last_map``: the
    ``(B, N, N)`` attention weights averaged over heads, kept when ``keep_map=True``.
    """

    def __init__(self, channels: int, heads: int = 4, keep_map: bool = False):
        super().__init__()
        check_int("channels", channels, where="SelfAttention2d")
        check_int("heads", heads, where="SelfAttention2d")
        check_bool("keep_map", keep_map, where="SelfAttention2d")
        if channels % heads:
            fix = max(d for d in range(1, heads + 1) if channels % d == 0)
            raise ArgumentError(_t("heads", channels=channels, heads=heads, fix=fix))
        self.channels = channels
        self.norm = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.keep_map = keep_map
        self.last_map: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.channels, where="SelfAttention2d", **_CH)
        b, c, h, w = x.shape
        t = self.norm(x.flatten(2).transpose(1, 2))               # (B, N, C)
        a = self.attn
        y, weights = F.multi_head_attention_forward(
            t.transpose(0, 1), t.transpose(0, 1), t.transpose(0, 1), c, a.num_heads,
            a.in_proj_weight, a.in_proj_bias, None, None, False, 0.0, a.out_proj.weight, a.out_proj.bias,
            training=self.training, need_weights=True, average_attn_weights=True)
        y = y.transpose(0, 1)                                     # (B, N, C)
        if self.keep_map:
            self.last_map = weights.detach()                      # (B, N, N)
        return x + y.transpose(1, 2).reshape(b, c, h, w)


ATTENTIONS = {"se": SE, "eca": ECA, "cbam": CBAM, "coordatt": CoordAtt, "mhsa": SelfAttention2d}


def make_attention(name: str, channels: int, **kwargs) -> nn.Module:
    """``make_attention("cbam", 256)`` → ``CBAM(256)``; the paper's default settings. An unknown
    name raises :class:`~fpnlab.errors.UnknownNameError` listing :data:`ATTENTIONS`."""
    check_choice("attention", name, ATTENTIONS, where="make_attention")
    check_int("channels", channels, where="make_attention")
    return ATTENTIONS[name](channels, **kwargs)


__all__ = ["ATTENTIONS", "CBAM", "ECA", "SE", "CoordAtt", "HSwish", "SelfAttention2d", "eca_kernel_size",
           "make_attention"]
