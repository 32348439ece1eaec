"""ASFF — adaptive spatial feature fusion (Liu, Huang, Wang, *Learning Spatial Fusion for
Single-Shot Object Detection*, 2019) over three levels, C3, C4, C5 (strides 8/16/32).

A 1×1 lateral (``ConvBNSiLU``) first brings each input to its output width ``C_l =
out_channels[l]`` where the two differ. Then, for each output level ``l``, every level is brought
to ``l``'s size and width:

- a coarser level: a 1×1 conv to ``C_l`` (left out when the widths already agree, as in the
  reference), then nearest upsampling to ``l``'s size (×2 or ×4);
- a finer level: a 3×3 stride-2 conv to ``C_l`` (×2), or a 3×3 stride-2 max-pool and then that
  conv (×4);
- level ``l`` itself as it is.

Each resized map ``X_j`` gives a ``compress``-channel map (1×1 conv), the three are concatenated,
and a 1×1 conv (with bias, no norm) gives three logits per pixel; a softmax over the levels turns
them into weights ``α_j ≥ 0`` with ``Σ_j α_j = 1`` at every pixel. The output is a 3×3 conv
of ``Σ_j α_j · X_j``.

In the paper, ASFF sits *after* YOLOv3's top-down (FPN-style) neck: its inputs are already fused
maps of moderate width, so it has no laterals (``out_channels=None`` builds exactly that). Over raw
backbone levels — ResNet-50's C5 has 2,048 channels — the reference's resize convs would run at
the backbone's widths; the laterals bring the levels to the neck's width first, as the FPN's do. Every conv is fpnlab's
:class:`~fpnlab.blocks.yolo.ConvBNSiLU` (the reference uses leaky ReLU 0.1; SiLU is this book's
choice, ``act`` swaps it). :meth:`ASFF.fusion_weights` returns the per-pixel weights.

>>> neck = ASFF([64, 128, 256], 96)
>>> feats = [torch.randn(2, c, 160 // s, 224 // s) for c, s in ((64, 8), (128, 16), (256, 32))]
>>> [tuple(p.shape) for p in neck(feats)]
[(2, 96, 20, 28), (2, 96, 10, 14), (2, 96, 5, 7)]
>>> w = neck.fusion_weights(feats)
>>> [tuple(a.shape) for a in w], bool(torch.allclose(w[0].sum(1), torch.ones(2, 20, 28)))
([(2, 3, 20, 28), (2, 3, 10, 14), (2, 3, 5, 7)], True)
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..arguments import check_int
from ..blocks.yolo import ConvBNSiLU
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import Level, level_name, p_names
from .checks import FromBackbone, check_in_channels, check_levels, doubling_strides, match_size, split_levels
from .yolo import yolopan_widths

_t = Strings({
    "three": {
        "en": ("ASFF fuses exactly three levels (C3, C4, C5, strides 8/16/32); got in_channels={got!r}. "
               "Fix: pass three channel counts, e.g. in_channels=[64, 128, 256] — from a backbone with more "
               "levels, its last three."),
        "tr": ("ASFF tam olarak üç seviyeyi (C3, C4, C5, stride 8/16/32) birleştirir; gelen in_channels={got!r}. "
               "Düzeltme: üç kanal sayısı ver, örneğin in_channels=[64, 128, 256] — daha çok seviyeli bir "
               "backbone'dan son üçünü."),
    },
    "count_fix": {
        "en": ("Fix: pass exactly three levels, fine → coarse, e.g. {{k: feats[k] for k in ('C3', 'C4', 'C5')}}."),
        "tr": ("Düzeltme: inceden kabaya tam olarak üç seviye ver, ör. "
               "{{k: feats[k] for k in ('C3', 'C4', 'C5')}}."),
    },
})


def _resize_path(cin: int, cout: int, step: int, act) -> nn.Module:
    """Input level ``j`` → output level ``l`` with ``step = j - l`` (> 0: ``j`` is coarser)."""
    if step == 0:
        return nn.Identity()
    if step > 0:  # coarser: 1×1 to the target width (if needed), nearest upsampling in forward
        return nn.Identity() if cin == cout else ConvBNSiLU(cin, cout, 1, act=act)
    conv = ConvBNSiLU(cin, cout, 3, 2, act=act)
    return conv if step == -1 else nn.Sequential(nn.MaxPool2d(3, 2, 1), conv)


class ASFF(FromBackbone, nn.Module):
    """Adaptive spatial feature fusion over C3, C4, C5.

    Args:
        in_channels: channels of the three inputs, fine → coarse (in the paper, YOLOv3's FPN outputs).
        out_channels: channels of the three outputs: ``None`` (= ``in_channels``), one int for all,
            or a list of three (as :class:`~fpnlab.necks.YOLOPAN`).
        in_strides: the three input strides (default 8, 16, 32); they must be ``s, 2s, 4s``.
        compress: channels of each level's weight map before the logits (the reference: 16, or 8
            with RFB).
        act: the activation of every ``ConvBNSiLU`` (``"silu"``; the reference's leaky ReLU is not
            among fpnlab's activations).

    ``feature_info``: ``Level`` P3, P4, P5 with ``out_channels`` and the input strides. Inputs
    ``[(B, C_i, H_i, W_i)]`` as a list or dict, outputs ``[(B, out_i, H_i, W_i)]`` in the same form.

    Parameters, with ``c = in_channels``, ``o = out_channels``, ``k = compress`` and a
    ``ConvBNSiLU(a, b, n×n)`` counting ``a·b·n² + 2b``: a lateral ``ConvBNSiLU(c_l, o_l, 1×1)`` per
    level with ``c_l ≠ o_l``; for each output level ``l``, one ``ConvBNSiLU(o_j, o_l, 1×1)`` per
    coarser ``j`` with ``o_j ≠ o_l``, one ``ConvBNSiLU(o_j, o_l, 3×3)`` per finer ``j``, three
    ``ConvBNSiLU(o_l, k, 1×1)``, the logits ``Conv2d(3k, 3, 1×1)`` (``9k + 3``) and
    ``ConvBNSiLU(o_l, o_l, 3×3)``.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int | Sequence[int] | None = None,
                 in_strides: Sequence[int] | None = None, compress: int = 8, act: str | None = "silu"):
        super().__init__()
        in_channels = check_in_channels(in_channels, "ASFF")
        if len(in_channels) != 3:
            raise ArgumentError(_t("three", got=in_channels))
        out = yolopan_widths(in_channels, out_channels)
        strides = doubling_strides(in_strides, 3, "ASFF")
        compress = check_int("compress", compress, where="ASFF")
        self.in_channels, self.out_channels, self.compress = in_channels, out, compress
        self.feature_info = [Level(level_name(s), c, s) for s, c in zip(strides, out)]
        #: lateral[l]: input level l → its output width (identity where they agree)
        self.lateral = nn.ModuleList(nn.Identity() if ci == co else ConvBNSiLU(ci, co, 1, act=act)
                                     for ci, co in zip(in_channels, out))
        c = out
        #: resize[l][j]: level j → output level l's size and width c[l]
        self.resize = nn.ModuleList(nn.ModuleList(_resize_path(c[j], c[l], j - l, act) for j in range(3))
                                    for l in range(3))
        self.weight = nn.ModuleList(nn.ModuleList(ConvBNSiLU(c[l], compress, 1, act=act) for _ in range(3))
                                    for l in range(3))
        self.logits = nn.ModuleList(nn.Conv2d(3 * compress, 3, 1) for _ in range(3))
        self.expand = nn.ModuleList(ConvBNSiLU(c[l], c[l], 3, act=act) for l in range(3))

    def _resized(self, x: list[torch.Tensor], l: int) -> list[torch.Tensor]:
        size = x[l].shape[-2:]
        maps = []
        for j, (f, path) in enumerate(zip(x, self.resize[l])):
            y = path(f)
            if j > l:
                y = F.interpolate(y, size=tuple(size), mode="nearest")
            maps.append(match_size(y, size))  # finer levels of odd sizes: stride 2 rounds up
        return maps

    def _fuse(self, feats):
        x, names = split_levels(feats, "ASFF")
        check_levels(x, names, self.in_channels, "ASFF", count_fix=_t("count_fix"))
        x = [lat(f) for lat, f in zip(self.lateral, x)]
        outs, weights = [], []
        for l in range(3):
            maps = self._resized(x, l)
            v = torch.cat([w(m) for w, m in zip(self.weight[l], maps)], 1)
            alpha = torch.softmax(self.logits[l](v), dim=1)                    # (B, 3, H_l, W_l)
            fused = sum(alpha[:, j:j + 1] * maps[j] for j in range(3))
            outs.append(self.expand[l](fused))
            weights.append(alpha)
        return outs, weights, names

    def forward(self, feats):
        outs, _, names = self._fuse(feats)
        return outs if names is None else OrderedDict(zip(p_names(names, 3), outs))

    def fusion_weights(self, feats) -> list[torch.Tensor]:
        """The per-pixel level weights: one ``(B, 3, H_l, W_l)`` tensor per output level ``l``,
        channel ``j`` the weight of input level ``j`` (fine → coarse), summing to one over ``j``."""
        return self._fuse(feats)[1]


__all__ = ["ASFF"]
