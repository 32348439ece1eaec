"""The "no neck" of the ablations: every level ``C_k`` gets its own 1×1 lateral and 3×3 conv,
and nothing flows between levels (an FPN without its ``Up`` + sum).

>>> neck = LateralNeck([16, 32], out_channels=8, strides=[8, 16])
>>> out = neck({"C3": torch.randn(1, 16, 32, 32), "C4": torch.randn(1, 32, 16, 16)})
>>> {k: tuple(v.shape) for k, v in out.items()}, [lv.name for lv in neck.feature_info]
({'P3': (1, 8, 32, 32), 'P4': (1, 8, 16, 16)}, ['P3', 'P4'])
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch  # noqa: F401  (used by the doctest)
from torch import nn

from ..arguments import check_bool, check_choice, check_int, check_ints
from ..blocks.attention import ATTENTIONS, make_attention
from ..blocks.layers import ACTS, NORMS, conv_norm_act
from ..levels import Level, level_name, p_names
from .checks import check_channels, check_in_channels, check_maps, split_levels
from .fpn import torchvision_init


class LateralNeck(nn.Module):
    """"No neck" for ablations: each level ``C_k`` → 1×1 conv to ``out_channels`` → 3×3 conv,
    with no top-down path (an FPN without its ``Up`` + sum). ``norm``, ``act``, ``bias`` and
    ``attention`` mean what they mean in :class:`~fpnlab.necks.FPN`, and the layers are built and
    initialised the same way, so an FPN-vs-no-neck comparison changes only the fusion (same
    parameters as ``FPN(...)`` with the same options).

    ``strides`` (optional): the input levels' strides; with them the neck has ``feature_info``
    (``P{log2 stride}`` levels with ``out_channels`` channels).

    Input: dict (or list) of ``(B, C_i, H_i, W_i)``, fine → coarse; output the same levels as
    ``(B, out_channels, H_i, W_i)`` with ``C_k`` renamed ``P_k``. Levels need not be a stride
    ×2 apart (nothing is resampled).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int = 256, strides=None,
                 norm: str | None = None, act: str | None = None, bias: bool | None = None,
                 attention: str | None = None):
        super().__init__()
        in_channels = check_in_channels(in_channels, "LateralNeck")
        check_int("out_channels", out_channels, where="LateralNeck")
        check_choice("norm", norm, NORMS, where="LateralNeck")
        check_choice("act", act, ACTS, where="LateralNeck")
        check_choice("attention", attention, (None, *ATTENTIONS), where="LateralNeck")
        if strides is not None:
            strides = check_ints("strides", strides, length=len(in_channels), where="LateralNeck")
        self.in_channels = in_channels
        if bias is None:
            bias = norm is None
        check_bool("bias", bias, where="LateralNeck")
        self.lateral = nn.ModuleList(conv_norm_act(c, out_channels, 1, norm=norm, act=act, bias=bias)
                                     for c in in_channels)
        self.smooth = nn.ModuleList(conv_norm_act(out_channels, out_channels, 3, norm=norm, act=act, bias=bias)
                                    for _ in in_channels)
        torchvision_init(self)  # initialised as FPN is, so FPN vs no neck changes only the fusion
        self.attention = nn.ModuleList(
            make_attention(attention, out_channels) for _ in in_channels) if attention else None
        if strides is not None:
            self.feature_info = [Level(level_name(s), out_channels, s) for s in strides]

    def forward(self, feats):
        x, names = split_levels(feats, "LateralNeck")
        labels = check_maps(x, names, self.in_channels, "LateralNeck")
        check_channels(x, labels, self.in_channels, "LateralNeck")
        out = [sm(lat(f)) for lat, sm, f in zip(self.lateral, self.smooth, x)]
        if self.attention is not None:
            out = [att(o) for att, o in zip(self.attention, out)]
        if names is None:
            return out
        return OrderedDict(zip(p_names(names, len(out)), out))


__all__ = ["LateralNeck"]
