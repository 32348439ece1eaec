"""Gold-YOLO's gather-and-distribute (GD) neck (Wang et al., NeurIPS 2023).

An FPN or a PAN passes information only between neighbouring levels: what C2 knows reaches P5
after several fusions, each of which loses some of it. GD instead *gathers* every level into one
global map, *fuses* it there, and *distributes* (injects) the result back into each level.
It does so twice:

- **Low-GD** (convolutions, at the stride-16 size). Low-FAM aligns the inputs to C4's size
  (average-pooling the finer ones, bilinear upsampling C5) and concatenates them; Low-IFM fuses
  them (1×1 conv, RepVGG blocks, 1×1 conv) and splits the result into two global maps. Each is
  injected into a local map made by a LAF (*lightweight adjacent-layer fusion*: the level
  itself and its two neighbours): first the top-down P4, then P3.
- **High-GD** (attention, on a grid coarser than P5). High-FAM average-pools P3, P4 and C5 to
  ``⌈H5/2⌉ × ⌈W5/2⌉`` (the reference's ``c2t_stride = 2``) and concatenates them; High-IFM runs
  a few conv-based transformer blocks over that grid and splits the result into two global
  maps, injected into N4 (from P3 and the reduced P4) and N5 (from N4 and the reduced C5).

An injection (:class:`Injection`) gates the local map with the global one and adds it:
``out = BN(conv1×1(local)) · hsigmoid(BN(conv1×1(global))) + BN(conv1×1(global))``, the global
terms resized to the local size. A stack of RepVGG blocks follows every injection.

Inputs, fine → coarse: B2..B5 (strides 4/8/16/32, as in the paper), or C3..C5 (a variant without
B2: Low-FAM then aligns C3..C5 to C4's size and the P3 LAF has no finer neighbour). Outputs are
always P3, N4, N5 (strides 8/16/32). :meth:`GDNeck.gold_yolo` builds the neck of Gold-YOLO-N or -S
(the scales whose neck is built from RepVGG blocks; M and L use CSP blocks, not built here);
``tests/test_gold_yolo.py`` checks that Gold-YOLO-N's has as many parameters, module by module, as
the reference implementation's (huawei-noah/Efficient-Computing, ``Detection/Gold-YOLO``).

>>> neck = GDNeck.gold_yolo("n")  # in_channels [32, 64, 128, 256], outputs [32, 64, 128]
>>> feats = [torch.randn(1, c, 160 // s, 224 // s) for c, s in zip([32, 64, 128, 256], [4, 8, 16, 32])]
>>> [tuple(p.shape) for p in neck(feats)]
[(1, 32, 20, 28), (1, 64, 10, 14), (1, 128, 5, 7)]
>>> [(lv.name, lv.channels, lv.stride) for lv in GDNeck([64, 128, 256], 96).feature_info]
[('P3', 96, 8), ('P4', 96, 16), ('P5', 96, 32)]
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..arguments import check_int, check_number
from ..blocks.layers import check_rate, conv_norm_act
from ..blocks.yolo import YOLO_BN, ConvBNSiLU
from ..blocks.zoo import RepVGGBlock
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import Level, level_name, p_names
from .checks import FromBackbone, check_in_channels, check_levels, doubling_strides, split_levels
from .yolo import yolopan_widths

_t = Strings({
    "count": {
        "en": ("GDNeck takes four levels (B2, B3, B4, B5 at strides 4/8/16/32, as in the Gold-YOLO paper) or "
               "three (C3, C4, C5 at strides 8/16/32); got in_channels={got!r}. Fix: pass four or three channel "
               "counts, fine → coarse, e.g. in_channels=[32, 64, 128, 256] (Gold-YOLO-N)."),
        "tr": ("GDNeck dört seviye (Gold-YOLO makalesindeki gibi stride 4/8/16/32'de B2, B3, B4, B5) ya da üç "
               "seviye (stride 8/16/32'de C3, C4, C5) alır; gelen in_channels={got!r}. Düzeltme: inceden kabaya "
               "dört ya da üç kanal sayısı ver, örneğin in_channels=[32, 64, 128, 256] (Gold-YOLO-N)."),
    },
    "count_fix": {
        "en": ("GDNeck always fuses the {n:d} levels it was built for: pass {names}, fine → coarse, or build a "
               "GDNeck with one in_channels entry per level you pass (four or three)."),
        "tr": ("GDNeck her zaman kurulduğu {n:d} seviyeyi birleştirir: inceden kabaya {names} ver ya da "
               "verdiğin her seviye için bir in_channels değeriyle (dört ya da üç) bir GDNeck kur."),
    },
    "out": {
        "en": ("GDNeck: out_channels = {got!r} must be None (half of the last three inputs' channels, "
               "Gold-YOLO's widths), one positive int for all three outputs, or a list of three. "
               "Fix: pass e.g. out_channels=[32, 64, 128]."),
        "tr": ("GDNeck: out_channels = {got!r}; None (son üç girdinin kanallarının yarısı, Gold-YOLO'nun "
               "genişlikleri), üç çıktı için tek bir pozitif tam sayı ya da üç elemanlı bir liste olmalı. "
               "Düzeltme: örneğin out_channels=[32, 64, 128] ver."),
    },
    "scale": {
        "en": ("GDNeck.gold_yolo: scale = {got!r} is not built here; choose one of {choices} (Gold-YOLO-M and "
               "-L build their neck from CSP blocks, not RepVGG stacks). Fix: pass scale='n' or scale='s'."),
        "tr": ("GDNeck.gold_yolo: scale = {got!r} burada kurulmuyor; {choices} içinden birini seç "
               "(Gold-YOLO-M ve -L neck'lerini RepVGG yığınlarından değil, CSP bloklarından kurar). "
               "Düzeltme: scale='n' ya da scale='s' ver."),
    },
})

# The reference configurations (configs/gold_yolo-{n,s}.py, RepGDNeck), in this module's terms:
# in_channels = the EfficientRep backbone's B2..B5 at width 0.25 / 0.5; blocks = 12 × depth 0.33,
# rounded; low_dim = embed_dim_p; the global splits (trans_channels) follow from the widths.
GOLD_YOLO = {
    "n": {"in_channels": [32, 64, 128, 256], "low_dim": 96, "blocks": 4, "fuse_blocks": 3, "depth": 2, "key_dim": 8,
          "heads": 4, "mlp_ratio": 1.0, "attn_ratio": 2.0, "high_stride": 2, "drop_path": 0.1},
    "s": {"in_channels": [64, 128, 256, 512], "low_dim": 128, "blocks": 4, "fuse_blocks": 3, "depth": 2, "key_dim": 8,
          "heads": 4, "mlp_ratio": 1.0, "attn_ratio": 2.0, "high_stride": 2, "drop_path": 0.1},
}
GOLD_YOLO_N = GOLD_YOLO["n"]


def _yolo_bn(module: nn.Module) -> nn.Module:
    """YOLOv6's BatchNorm settings (``eps=1e-3, momentum=0.03``) on every BN of ``module``, as the
    reference's weight initialisation sets them on its plain BNs (the injection's and the
    transformer's keep PyTorch's)."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps, m.momentum = YOLO_BN["eps"], YOLO_BN["momentum"]
    return module


def _rep_stage(cin: int, cout: int, n: int) -> nn.Sequential:
    """``n`` RepVGG blocks, ``cin → cout`` then ``cout → cout`` (YOLOv6's ``RepBlock``):
    ``(B, cin, H, W)`` → ``(B, cout, H, W)``."""
    return _yolo_bn(nn.Sequential(RepVGGBlock(cin, cout), *(RepVGGBlock(cout, cout) for _ in range(n - 1))))


def _simconv(cin: int, cout: int) -> ConvBNSiLU:
    """1×1 conv → BN → ReLU (YOLOv6's ``SimConv``)."""
    return ConvBNSiLU(cin, cout, 1, act="relu")


def _pool_to(x: torch.Tensor, size) -> torch.Tensor:
    """Adaptive average pooling to ``size`` (a no-op at that size already)."""
    return x if tuple(x.shape[-2:]) == tuple(size) else F.adaptive_avg_pool2d(x, tuple(size))


def _resize(x: torch.Tensor, size) -> torch.Tensor:
    """``x`` to ``size``: average-pooled when larger, bilinearly upsampled
    (``align_corners=False``) when smaller, unchanged when equal."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    if x.shape[-2] > size[0]:
        return F.adaptive_avg_pool2d(x, tuple(size))
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


class LowFAM(nn.Module):
    """Low-level feature alignment: every input resized to the size of the second-to-last one (C4,
    stride 16) — average-pooled if finer, bilinearly upsampled if coarser — and concatenated.

    ``[(B, C_i, H_i, W_i)]`` → ``(B, ΣC_i, H_4, W_4)``. No parameters."""

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        size = feats[-2].shape[-2:]
        return torch.cat([_resize(f, size) for f in feats], 1)


class LowIFM(nn.Module):
    """Low-level information fusion: 1×1 conv (``cin → dim``, BN, SiLU), ``blocks`` RepVGG blocks,
    1×1 conv (``dim → Σ splits``), then split along the channels into the global maps.

    ``(B, cin, H, W)`` → ``((B, splits[0], H, W), (B, splits[1], H, W), ...)``."""

    def __init__(self, cin: int, dim: int, splits: Sequence[int], blocks: int = 3):
        super().__init__()
        self.splits = [int(s) for s in splits]
        self.fuse = nn.Sequential(ConvBNSiLU(cin, dim, 1),
                                  *(_yolo_bn(RepVGGBlock(dim, dim)) for _ in range(blocks)),
                                  ConvBNSiLU(dim, sum(self.splits), 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.fuse(x).split(self.splits, dim=1)


class LowLAF(nn.Module):
    """Lightweight adjacent-layer fusion of the Low-GD branch, at the size of the middle map:
    the finer neighbour average-pooled (when there is one), the middle map through a 1×1
    ``SimConv`` (conv, BN, ReLU) to ``cout``, the coarser neighbour bilinearly upsampled; the
    three concatenated and fused by another 1×1 ``SimConv``.

    ``fine (B, c_fine, 2H, 2W) | None, mid (B, c_mid, H, W), coarse (B, c_coarse, H/2, W/2)`` →
    ``(B, cout, H, W)``."""

    def __init__(self, c_fine: int | None, c_mid: int, c_coarse: int, cout: int):
        super().__init__()
        self.mid = _simconv(c_mid, cout)
        self.fuse = _simconv((c_fine or 0) + cout + c_coarse, cout)

    def forward(self, fine: torch.Tensor | None, mid: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
        size = mid.shape[-2:]
        parts = [] if fine is None else [_pool_to(fine, size)]
        parts += [self.mid(mid), F.interpolate(coarse, size=tuple(size), mode="bilinear", align_corners=False)]
        return self.fuse(torch.cat(parts, 1))


def high_laf(fine: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
    """Adjacent-layer fusion of the High-GD branch: ``fine`` average-pooled to ``coarse``'s size and
    concatenated before it: ``(B, C_f, H_f, W_f), (B, C_c, H, W)`` → ``(B, C_f + C_c, H, W)``."""
    return torch.cat([_pool_to(fine, coarse.shape[-2:]), coarse], 1)


class Injection(nn.Module):
    """Information injection: a global map gates and then adds to a local one.

    ``local (B, c_local, H, W)``, ``global_ (B, c_global, h, w)`` → ``(B, cout, H, W)``::

        out = L · G + E,   L = BN(conv1×1(local)),
                           G = hsigmoid(BN(conv1×1(global_))),  E = BN(conv1×1(global_)),

    with ``hsigmoid(x) = ReLU6(x + 3) / 6``; ``G`` and ``E`` are resized to ``(H, W)`` after the
    activation (bilinear when ``global_`` is coarser, as in every Gold-YOLO injection; average
    pooling when it is finer — there the reference pools the gate *without* its h-sigmoid, a path
    none of its configurations takes). Convs have no bias; no activation after the sum."""

    def __init__(self, c_local: int, c_global: int, cout: int):
        super().__init__()
        self.local_embed = conv_norm_act(c_local, cout, 1, norm="bn")
        self.global_embed = conv_norm_act(c_global, cout, 1, norm="bn")
        self.global_gate = conv_norm_act(c_global, cout, 1, norm="bn")

    def forward(self, local: torch.Tensor, global_: torch.Tensor) -> torch.Tensor:
        size = local.shape[-2:]
        gate = _resize(F.hardsigmoid(self.global_gate(global_)), size)
        return self.local_embed(local) * gate + _resize(self.global_embed(global_), size)


class HighFAM(nn.Module):
    """High-level feature alignment: every input average-pooled to ``⌈H/stride⌉ × ⌈W/stride⌉`` of
    the last (coarsest) one and concatenated.

    ``[(B, C_i, H_i, W_i)]`` → ``(B, ΣC_i, ⌈H_5/stride⌉, ⌈W_5/stride⌉)``. No parameters."""

    def __init__(self, stride: int = 2):
        super().__init__()
        self.stride = stride

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        h, w = feats[-1].shape[-2:]
        size = (-(-h // self.stride), -(-w // self.stride))
        return torch.cat([_pool_to(f, size) for f in feats], 1)


class ConvAttention(nn.Module):
    """Multi-head attention over the cells of a map, with 1×1 conv+BN projections (TopFormer's,
    which Gold-YOLO reuses): queries and keys of ``key_dim`` per head, values of
    ``attn_ratio · key_dim`` per head, ``softmax(Q Kᵀ) V`` — unscaled, as the reference — then
    ReLU6 and a 1×1 conv+BN back to ``dim`` (its BN weight starts at 0, so a block starts as
    the identity).

    ``(B, dim, H, W)`` → ``(B, dim, H, W)``."""

    def __init__(self, dim: int, key_dim: int = 8, heads: int = 4, attn_ratio: float = 2.0):
        super().__init__()
        self.heads, self.key_dim, self.value_dim = heads, key_dim, int(attn_ratio * key_dim)
        self.q = conv_norm_act(dim, key_dim * heads, 1, norm="bn")
        self.k = conv_norm_act(dim, key_dim * heads, 1, norm="bn")
        self.v = conv_norm_act(dim, self.value_dim * heads, 1, norm="bn")
        self.proj = nn.Sequential(nn.ReLU6(), conv_norm_act(self.value_dim * heads, dim, 1, norm="bn"))
        nn.init.zeros_(self.proj[1][1].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        q = self.q(x).reshape(b, self.heads, self.key_dim, h * w).transpose(-1, -2)   # (B, heads, HW, kd)
        k = self.k(x).reshape(b, self.heads, self.key_dim, h * w)                     # (B, heads, kd, HW)
        v = self.v(x).reshape(b, self.heads, self.value_dim, h * w).transpose(-1, -2)  # (B, heads, HW, vd)
        y = torch.matmul(torch.matmul(q, k).softmax(dim=-1), v)                       # (B, heads, HW, vd)
        return self.proj(y.transpose(-1, -2).reshape(b, self.heads * self.value_dim, h, w))


class ConvMlp(nn.Module):
    """The transformer block's MLP on maps: 1×1 conv+BN (``dim → hidden``), depthwise 3×3 conv
    (with bias), ReLU6, 1×1 conv+BN (``hidden → dim``). ``(B, dim, H, W)`` → same."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = conv_norm_act(dim, hidden, 1, norm="bn")
        self.dw = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.act = nn.ReLU6()
        self.fc2 = conv_norm_act(hidden, dim, 1, norm="bn")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.dw(self.fc1(x))))


class GDTransformerBlock(nn.Module):
    """``x + attn(x)``, then ``+ mlp(·)``, each residual branch dropped per sample with rate
    ``drop_path`` while training (no norm before the branches: the projections end in BN).
    ``(B, dim, H, W)`` → same."""

    def __init__(self, dim: int, key_dim: int = 8, heads: int = 4, mlp_ratio: float = 1.0,
                 attn_ratio: float = 2.0, drop_path: float = 0.0):
        super().__init__()
        self.attn = ConvAttention(dim, key_dim, heads, attn_ratio)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio))
        self.drop_path = nn.Identity()
        if drop_path > 0:
            from torchvision.ops import (
                StochasticDepth,  # only when used: keeps the import light
            )
            self.drop_path = StochasticDepth(drop_path, "row")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(x))
        return x + self.drop_path(self.mlp(x))


class HighIFM(nn.Module):
    """High-level information fusion: ``depth`` :class:`GDTransformerBlock` (drop-path rates rising
    linearly from 0 to ``drop_path``), a 1×1 conv with bias (``dim → Σ splits``), then split along
    the channels into the global maps.

    ``(B, dim, h, w)`` → ``((B, splits[0], h, w), (B, splits[1], h, w))``."""

    def __init__(self, dim: int, splits: Sequence[int], depth: int = 2, key_dim: int = 8, heads: int = 4,
                 mlp_ratio: float = 1.0, attn_ratio: float = 2.0, drop_path: float = 0.0):
        super().__init__()
        self.splits = [int(s) for s in splits]
        rates = torch.linspace(0, drop_path, depth).tolist()
        self.blocks = nn.Sequential(*(GDTransformerBlock(dim, key_dim, heads, mlp_ratio, attn_ratio, r)
                                      for r in rates))
        self.proj = nn.Conv2d(dim, sum(self.splits), 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.proj(self.blocks(x)).split(self.splits, dim=1)


def gd_widths(in_channels: Sequence[int], out_channels=None) -> list[int]:
    """Widths of P3, N4, N5: ``None`` → half of the last three inputs' channels (Gold-YOLO's
    widths at every scale), an int → that width for all three, a list of three → as given.

    >>> gd_widths([32, 64, 128, 256]), gd_widths([64, 128, 256], 96)
    ([32, 64, 128], [96, 96, 96])
    """
    if out_channels is None:
        return [max(1, int(c) // 2) for c in in_channels[-3:]]
    try:
        return yolopan_widths(in_channels[-3:], out_channels)
    except ArgumentError:
        raise ArgumentError(_t("out", got=out_channels)) from None


class GDNeck(FromBackbone, nn.Module):
    """Gold-YOLO's gather-and-distribute neck.

    Args:
        in_channels: channels of the inputs, fine → coarse: four (B2, B3, B4, B5; Gold-YOLO-N:
            32, 64, 128, 256) or three (C3, C4, C5).
        out_channels: channels of P3, N4, N5: ``None`` (half of the last three inputs' channels,
            as every Gold-YOLO scale), one int for all three, or a list of three. The top-down P4
            has N4's width; the reduced C5 too, the reduced P4 has P3's.
        in_strides: strides of the inputs (default 4/8/16/32 or 8/16/32); they must double from
            level to level. The outputs have the last three.
        low_dim: width inside Low-IFM (``embed_dim_p``; ``None`` → P3's + N4's width, 96 for N).
        blocks: RepVGG blocks after each injection (Gold-YOLO-N/S: 4 = 12 × depth 0.33).
        fuse_blocks: RepVGG blocks inside Low-IFM (3).
        depth: transformer blocks in High-IFM (2; Gold-YOLO-L: 3).
        key_dim, heads, mlp_ratio, attn_ratio: of the attention in High-IFM (8, 4, 1, 2).
        high_stride: High-FAM pools to ``⌈H5/high_stride⌉ × ⌈W5/high_stride⌉`` (2, the reference's
            ``c2t_stride``; 1 gives attention over the P5 grid itself).
        drop_path: largest stochastic-depth rate in High-IFM (0.1 in the reference configs).

    The global maps have the widths of the local maps they are injected into: Low-IFM's split is
    (N4, P3) wide, High-IFM's (2·P3, 2·N4) — the reference's ``trans_channels``.

    ``feature_info``: P3, P4, P5 (``Level`` with the output channels, strides ``in_strides[-3:]``).
    Shapes: inputs ``[(B, C_i, H_i, W_i)]`` (list or dict), outputs ``[(B, out_i, H_i, W_i)]`` for
    the last three input sizes, in the same form (dict keys ``C3..C5`` become ``P3..P5``).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int | Sequence[int] | None = None,
                 in_strides: Sequence[int] | None = None, low_dim: int | None = None, blocks: int = 4,
                 fuse_blocks: int = 3, depth: int = 2, key_dim: int = 8, heads: int = 4, mlp_ratio: float = 1.0,
                 attn_ratio: float = 2.0, high_stride: int = 2, drop_path: float = 0.1):
        super().__init__()
        in_channels = check_in_channels(in_channels, "GDNeck")
        if len(in_channels) not in (3, 4):
            raise ArgumentError(_t("count", got=in_channels))
        strides = doubling_strides(in_strides, len(in_channels), "GDNeck")
        o3, o4, o5 = out = gd_widths(in_channels, out_channels)
        low_dim = o3 + o4 if low_dim is None else check_int("low_dim", low_dim, where="GDNeck")
        for name, value in (("blocks", blocks), ("depth", depth), ("key_dim", key_dim), ("heads", heads),
                            ("high_stride", high_stride)):
            check_int(name, value, where="GDNeck")
        check_int("fuse_blocks", fuse_blocks, where="GDNeck")
        check_number("mlp_ratio", mlp_ratio, minimum=0, strict=True, where="GDNeck")
        check_number("attn_ratio", attn_ratio, minimum=0, strict=True, where="GDNeck")
        drop_path = check_rate("drop_path", drop_path, "GDNeck")
        self.in_channels, self.out_channels, self.in_strides = in_channels, out, strides
        self.feature_info = [Level(level_name(s), c, s) for s, c in zip(strides[-3:], out)]
        c2 = in_channels[0] if len(in_channels) == 4 else None
        c3, c4, c5 = in_channels[-3:]
        # Low-GD: gather at C4's size, fuse with convs, inject into the top-down P4 and P3
        self.low_fam = LowFAM()
        self.low_ifm = LowIFM(sum(in_channels), low_dim, (o4, o3), fuse_blocks)
        self.reduce_c5 = _simconv(c5, o4)
        self.laf_p4 = LowLAF(c3, c4, o4, o4)             # [pool C3, conv C4, up reduced C5]
        self.inject_p4 = Injection(o4, o4, o4)
        self.rep_p4 = _rep_stage(o4, o4, blocks)
        self.reduce_p4 = _simconv(o4, o3)
        self.laf_p3 = LowLAF(c2, c3, o3, o3)             # [pool C2 (if given), conv C3, up reduced P4]
        self.inject_p3 = Injection(o3, o3, o3)
        self.rep_p3 = _rep_stage(o3, o3, blocks)
        # High-GD: gather P3, P4, C5 below P5's size, fuse with attention, inject into N4 and N5
        self.high_fam = HighFAM(high_stride)
        self.high_ifm = HighIFM(o3 + o4 + c5, (2 * o3, 2 * o4), depth, key_dim, heads, mlp_ratio, attn_ratio,
                                drop_path)
        self.inject_n4 = Injection(2 * o3, 2 * o3, 2 * o3)   # on cat[pool P3, reduced P4]
        self.rep_n4 = _rep_stage(2 * o3, o4, blocks)
        self.inject_n5 = Injection(2 * o4, 2 * o4, 2 * o4)   # on cat[pool N4, reduced C5]
        self.rep_n5 = _rep_stage(2 * o4, o5, blocks)

    @classmethod
    def gold_yolo(cls, scale: str = "n", **overrides) -> GDNeck:
        """The neck of Gold-YOLO-``scale`` (``"n"`` or ``"s"``: :data:`GOLD_YOLO`), inputs B2..B5 of
        its EfficientRep backbone; ``overrides`` replace single settings (e.g. ``out_channels=64``)."""
        if scale not in GOLD_YOLO:
            raise ArgumentError(_t("scale", got=scale, choices=sorted(GOLD_YOLO)))
        return cls(**{**GOLD_YOLO[scale], **overrides})

    @classmethod
    def gold_yolo_n(cls, **overrides) -> GDNeck:
        """Gold-YOLO-N's neck: ``GDNeck.gold_yolo("n", **overrides)``."""
        return cls.gold_yolo("n", **overrides)

    def forward(self, feats):
        x, names = split_levels(feats, "GDNeck")
        n = len(self.in_channels)
        labels = "[B2, B3, B4, B5]" if n == 4 else "[C3, C4, C5]"
        check_levels(x, names, self.in_channels, "GDNeck", count_fix=_t("count_fix", n=n, names=labels))
        c2 = x[0] if n == 4 else None
        c3, c4, c5 = x[-3:]
        low_p4, low_p3 = self.low_ifm(self.low_fam(x))
        c5_half = self.reduce_c5(c5)
        p4 = self.rep_p4(self.inject_p4(self.laf_p4(c3, c4, c5_half), low_p4))
        p4_half = self.reduce_p4(p4)
        p3 = self.rep_p3(self.inject_p3(self.laf_p3(c2, c3, p4_half), low_p3))
        high_n4, high_n5 = self.high_ifm(self.high_fam([p3, p4, c5]))
        n4 = self.rep_n4(self.inject_n4(high_laf(p3, p4_half), high_n4))
        n5 = self.rep_n5(self.inject_n5(high_laf(n4, c5_half), high_n5))
        outs = [p3, n4, n5]
        return outs if names is None else OrderedDict(zip(p_names(names[-3:], 3), outs))


__all__ = [
    "GOLD_YOLO",
    "GOLD_YOLO_N",
    "ConvAttention",
    "ConvMlp",
    "GDNeck",
    "GDTransformerBlock",
    "HighFAM",
    "HighIFM",
    "Injection",
    "LowFAM",
    "LowIFM",
    "LowLAF",
    "gd_widths",
    "high_laf",
]
