"""PANet's bottom-up path augmentation (Liu et al., 2018) on top of an FPN.

The FPN's top-down path brings strong semantics down to the fine levels; but fine, well-localised
detail reaches the coarse levels only through the whole backbone. PANet adds a short bottom-up
path after the FPN::

    N_first = P_first,     N_{i+1} = fuse_i( P_{i+1} + down_i(N_i) )

``down_i`` is a 3×3 stride-2 conv and ``fuse_i`` a 3×3 conv, each followed by ReLU (paper). The
outputs keep the FPN's names (``P2..P5``), so heads built for an FPN work unchanged; they are the
paper's ``N2..N5``. :func:`path_length` counts the convs that separate a fine level from the top
with and without this path.

>>> neck = PANet([16, 32, 64, 128], out_channels=32)
>>> feats = [torch.randn(1, c, 64 // 2**i, 64 // 2**i) for i, c in enumerate([16, 32, 64, 128])]
>>> [tuple(n.shape) for n in neck(feats)]
[(1, 32, 64, 64), (1, 32, 32, 32), (1, 32, 16, 16), (1, 32, 8, 8)]
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch  # noqa: F401  (used by the doctest)
from torch import nn

from ..blocks.layers import ACTS, NORMS, conv_norm_act
from ..arguments import check_choice, check_int
from ..errors import ArgumentError
from ..i18n import Strings
from .checks import FromBackbone, match_size
from .fpn import FPN

_t = Strings({
    "extra": {
        "en": ("PANet does not take extra=: the bottom-up path covers the input levels only. "
               "Fix: drop extra= and add P6/P7 after the PANet instead."),
        "tr": ("PANet extra= almaz: bottom-up yol yalnızca girdi seviyelerini kapsar. "
               "Düzeltme: extra='yı kaldır, P6/P7'yi PANet'ten sonra ekle."),
    },
    "order": {
        "en": ("path_length: from_level ({lo!r}) must be finer than to_level ({hi!r}). "
               "Fix: pass the fine level first, e.g. path_length(neck, 0, -1) for C2 → P5."),
        "tr": ("path_length: from_level ({lo!r}), to_level'dan ({hi!r}) daha ince olmalı. "
               "Düzeltme: önce ince seviyeyi ver, örneğin C2 → P5 için path_length(neck, 0, -1)."),
    },
    "stages": {
        "en": ("path_length: backbone_stages must list the {n:d} stages between level {lo:d} and level {hi:d}; "
               "got {m:d}. Fix: pass e.g. resnet.layer2..layer4 (3 stages) for C2 → C5."),
        "tr": ("path_length: backbone_stages, {lo:d}. seviye ile {hi:d}. seviye arasındaki {n:d} stage'i "
               "listelemeli; gelen {m:d}. Düzeltme: örneğin C2 → C5 için resnet.layer2..layer4 (3 stage) ver."),
    },
    "no_path": {
        "en": ("path_length: an FPN alone has no short path. Fix: pass backbone_stages to count the path "
               "through the backbone, or pass a PANet."),
        "tr": ("path_length: tek başına bir FPN'in kısa yolu yok. Düzeltme: backbone üzerinden yolu saymak "
               "için backbone_stages ver ya da bir PANet ver."),
    },
    "not_neck": {
        "en": "path_length: neck must be an FPN or a PANet; got {got}. Fix: pass the neck module itself.",
        "tr": "path_length: neck bir FPN ya da PANet olmalı; gelen {got}. Düzeltme: neck modülünün kendisini ver.",
    },
    "level": {
        "en": "path_length: {name} = {value!r} is not a level of this {n:d}-level neck. Fix: pass an index in [{lo:d}, {hi:d}].",
        "tr": "path_length: {name} = {value!r} bu {n:d} seviyeli neck'in bir seviyesi değil. Düzeltme: [{lo:d}, {hi:d}] aralığında bir indeks ver.",
    },
})


class PANet(FromBackbone, nn.Module):
    """FPN + bottom-up path augmentation, over any number (≥ 2) of levels.

    Args:
        in_channels: channels of the input levels, fine → coarse (e.g. C2..C5).
        out_channels: channels of every output level.
        norm, act: norm and activation after each bottom-up conv (paper: ``None``, ``"relu"``);
            ``norm`` also goes to the FPN (its ``act`` stays the baseline's ``None``).
        **fpn_kwargs: passed to :class:`~fpnlab.necks.FPN` (``upsample``, ``fuse``, ``attention``,
            ``in_strides``...).

    ``feature_info``: the output levels (name, channels, stride), as the FPN's; build from a
    backbone with ``PANet.from_backbone(backbone, out_channels)``.

    Shapes: inputs ``[(B, C_i, H_i, W_i)]`` as a list or dict; outputs
    ``[(B, out_channels, H_i, W_i)]`` in the same form (dict keys ``C_k`` → ``P_k``).
    Submodules: ``fpn``, ``down[i]`` (N_i → size of level i+1), ``fuse[i]`` (→ N_{i+1}).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int = 256, norm: str | None = None,
                 act: str | None = "relu", **fpn_kwargs):
        super().__init__()
        if fpn_kwargs.get("extra") is not None:
            raise ArgumentError(_t("extra"))
        check_int("out_channels", out_channels, where="PANet")
        check_choice("norm", norm, NORMS, where="PANet")
        check_choice("act", act, ACTS, where="PANet")
        self.fpn = FPN(in_channels, out_channels, norm=norm, **fpn_kwargs)
        n = len(self.fpn.in_channels)
        self.down = nn.ModuleList(conv_norm_act(out_channels, out_channels, 3, stride=2, norm=norm, act=act)
                                  for _ in range(n - 1))
        self.fuse = nn.ModuleList(conv_norm_act(out_channels, out_channels, 3, norm=norm, act=act)
                                  for _ in range(n - 1))
        for m in [*self.down.modules(), *self.fuse.modules()]:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=1)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    @property
    def feature_info(self) -> list:
        """Output levels (name, channels, stride), fine → coarse: the same as the FPN's."""
        return self.fpn.feature_info

    def forward(self, feats):
        p = self.fpn(feats)  # checks the input and names the levels
        ps = list(p.values()) if isinstance(p, dict) else p
        outs = [ps[0]]                                    # N_first = P_first
        for i in range(len(ps) - 1):
            d = match_size(self.down[i](outs[-1]), ps[i + 1].shape[-2:])  # odd sizes, floored
            outs.append(self.fuse[i](ps[i + 1] + d))
        return OrderedDict(zip(p.keys(), outs)) if isinstance(p, dict) else outs


def count_convs(module: nn.Module, skip: str = "downsample") -> int:
    """Convs on the *main* path of ``module``: every ``Conv2d`` except those whose name contains
    ``skip`` (torchvision ResNets call their projection shortcuts ``downsample``)."""
    return sum(isinstance(m, nn.Conv2d) and skip not in name for name, m in module.named_modules())


def path_length(neck: nn.Module, from_level: int = 0, to_level: int = -1,
                backbone_stages: Sequence[nn.Module | int] | None = None) -> int:
    """Number of convs between input level ``from_level`` (e.g. C2) and output ``to_level``
    (e.g. the top P5/N5), counted from the modules, on the shortest path.

    - through the backbone (any FPN): the convs of the stages between the two levels
      (``backbone_stages``: those stages as modules, counted with :func:`count_convs`, or as
      numbers), then the top level's lateral and smoothing convs;
    - for a :class:`PANet`, also the bottom-up path: the fine level's lateral and smoothing convs
      (C → P = N), then ``down`` and ``fuse`` per level; the shorter of the two is returned.

    Main-path count: residual shortcuts are ignored, as in the paper's argument ("more than 100
    layers" for ResNet-101). For ResNet-50 stages ``layer2..layer4`` (12 + 18 + 9 = 39 convs),
    C2 → P5 is 41 convs with an FPN and 8 with PANet.
    """
    if not isinstance(neck, (PANet, FPN)):
        raise ArgumentError(_t("not_neck", got=type(neck).__name__))
    fpn = neck.fpn if isinstance(neck, PANet) else neck
    n = len(fpn.in_channels)
    for name, value in (("from_level", from_level), ("to_level", to_level)):
        check_int(name, value, minimum=-n, where="path_length")
        if value >= n:
            raise ArgumentError(_t("level", name=name, value=value, n=n, lo=-n, hi=n - 1))
    lo, hi = from_level % n, to_level % n
    if lo >= hi:
        raise ArgumentError(_t("order", lo=from_level, hi=to_level))
    paths = []
    if backbone_stages is not None:
        if len(backbone_stages) != hi - lo:
            raise ArgumentError(_t("stages", n=hi - lo, lo=lo, hi=hi, m=len(backbone_stages)))
        stages = sum(s if isinstance(s, int) else count_convs(s) for s in backbone_stages)
        paths.append(stages + count_convs(fpn.lateral[hi]) + count_convs(fpn.smooth[hi]))
    if isinstance(neck, PANet):
        fine = count_convs(fpn.lateral[lo]) + count_convs(fpn.smooth[lo])
        paths.append(fine + sum(count_convs(neck.down[i]) + count_convs(neck.fuse[i]) for i in range(lo, hi)))
    if not paths:
        raise ArgumentError(_t("no_path"))
    return min(paths)


__all__ = ["PANet", "count_convs", "path_length"]
