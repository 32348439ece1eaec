"""Extra pyramid levels above the backbone's last one: P6, P7 (RetinaNet) or a pooled P6 (Mask R-CNN).

Both blocks use torchvision's ``ExtraFPNBlock`` interface ``forward(results, x, names) ->
(results, names)``: ``results`` are the FPN outputs ``P_k`` (fine → coarse), ``x`` the backbone
inputs ``C_k``, ``names`` the output names; the block appends its levels to both lists. Pass one as
``FPN(..., extra=LastLevelP6P7(2048, 256))``.

>>> from fpnlab.necks import FPN
>>> fpn = FPN([64, 128], out_channels=32, extra=LastLevelP6P7(128, 32))
>>> out = fpn({"C4": torch.randn(1, 64, 33, 47), "C5": torch.randn(1, 128, 17, 24)})
>>> {k: tuple(v.shape[-2:]) for k, v in out.items()}
{'P4': (33, 47), 'P5': (17, 24), 'P6': (9, 12), 'P7': (5, 6)}
"""
from __future__ import annotations

import torch  # noqa: F401  (used by the doctest)
import torch.nn.functional as F
from torch import nn

from ..arguments import check_bool, check_int
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import Level, next_names
from .checks import PyramidInputError

_t = Strings({
    "p6_channels": {
        "en": ('LastLevelP6P7 computes P6 from {which}, which has {c:d} channels, but was built with '
               'in_channels={want:d}. Build it with in_channels={c:d}.'),
        "tr": ("LastLevelP6P7, P6'yı {which} seviyesinden hesaplıyor; onun {c:d} kanalı var ama "
               'in_channels={want:d} ile kuruldu. in_channels={c:d} ile kur.'),
    },
    "p6_from_p5": {
        "en": "P5 (the FPN's top output)",
        "tr": "P5 (FPN'in en üst çıktısı)",
    },
    "p6_from_c5": {
        "en": "C5 (the backbone's top level)",
        "tr": "C5 (backbone'un en üst seviyesi)",
    },
    "use_p5": {
        "en": ("LastLevelP6P7: use_p5=True needs in_channels == out_channels (P5 has out_channels channels); "
               "got in_channels={cin:d}, out_channels={cout:d}. Fix: pass in_channels={cout:d}, or use_p5=False "
               "to compute P6 from C5."),
        "tr": ("LastLevelP6P7: use_p5=True için in_channels == out_channels olmalı (P5'in out_channels kadar "
               "kanalı var); gelen in_channels={cin:d}, out_channels={cout:d}. Düzeltme: in_channels={cout:d} ver "
               "ya da P6'yı C5'ten hesaplamak için use_p5=False kullan."),
    },
    "tv_extra": {
        "en": ("cannot convert extra block {name}. Fix: use torchvision's LastLevelMaxPool or LastLevelP6P7 "
               "(the two fpnlab has an equal of)."),
        "tr": ("{name} ek bloğu dönüştürülemiyor. Düzeltme: torchvision'ın LastLevelMaxPool ya da LastLevelP6P7 "
               "bloğunu kullan (fpnlab'de eşi olan ikisi)."),
    },
})


class LastLevelP6P7(nn.Module):
    """P6 = 3×3 stride-2 conv, P7 = 3×3 stride-2 conv on ReLU(P6) (RetinaNet, Lin et al. 2017b).

    Args:
        in_channels: channels of the map P6 is computed from (C5's, or ``out_channels`` for P5).
        out_channels: channels of P6 and P7.
        use_p5: compute P6 from P5 (``True``) or from C5 (``False``, the RetinaNet paper).
            ``None`` follows torchvision: P5 exactly when ``in_channels == out_channels``.

    Shapes: the source ``(B, C, H, W)`` gives P6 ``(B, out, ⌈H/2⌉, ⌈W/2⌉)`` and P7
    ``(B, out, ⌈H/4⌉, ⌈W/4⌉)`` (padding 1, so odd sizes round up). The ReLU sits only between P6
    and P7; P6 itself is returned without it. Names appended: ``"P6"``, ``"P7"`` (torchvision
    writes ``"p6"``, ``"p7"``; the tensors are ``torch.equal``).
    """

    def __init__(self, in_channels: int, out_channels: int, use_p5: bool | None = None):
        super().__init__()
        check_int("in_channels", in_channels, where="LastLevelP6P7")
        check_int("out_channels", out_channels, where="LastLevelP6P7")
        if use_p5 is not None:
            check_bool("use_p5", use_p5, where="LastLevelP6P7")
        self.p6 = nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1)
        self.p7 = nn.Conv2d(out_channels, out_channels, 3, stride=2, padding=1)
        for conv in (self.p6, self.p7):  # torchvision's init
            nn.init.kaiming_uniform_(conv.weight, a=1)
            nn.init.constant_(conv.bias, 0)
        self.use_p5 = in_channels == out_channels if use_p5 is None else bool(use_p5)
        if self.use_p5 and in_channels != out_channels:
            raise ArgumentError(_t("use_p5", cin=in_channels, cout=out_channels))

    def forward(self, results: list, x: list, names: list[str]):
        src = results[-1] if self.use_p5 else x[-1]
        if src.shape[1] != self.p6.in_channels:
            which = _t("p6_from_p5") if self.use_p5 else _t("p6_from_c5")
            raise PyramidInputError(_t("p6_channels", which=which, c=int(src.shape[1]),
                                      want=self.p6.in_channels))
        p6 = self.p6(src)
        p7 = self.p7(F.relu(p6))
        return results + [p6, p7], names + next_names(names, 2)

    def out_levels(self, levels: list[Level]) -> list[Level]:
        """``levels`` (the FPN's outputs) plus P6, P7 at strides ×2 and ×4 of the top one."""
        s, c = levels[-1].stride, self.p7.out_channels
        return levels + [Level(n, c, s * 2 ** (j + 1))
                         for j, n in enumerate(next_names([lv.name for lv in levels], 2))]


class LastLevelMaxPool(nn.Module):
    """P6 = ``max_pool2d(P_top, kernel_size=1, stride=2)``: a plain stride-2 subsampling of the top
    output (Mask R-CNN's FPN; no parameters).

    Shapes: ``(B, C, H, W)`` → ``(B, C, ⌈H/2⌉, ⌈W/2⌉)``. The appended name is ``"pool"``, as in
    torchvision, so Mask R-CNN heads and equality tests line up.
    """

    def forward(self, results: list, x: list, names: list[str]):
        return results + [F.max_pool2d(results[-1], kernel_size=1, stride=2)], names + ["pool"]

    def out_levels(self, levels: list[Level]) -> list[Level]:
        """``levels`` plus ``pool`` at twice the top stride, with the top level's channels."""
        return levels + [Level("pool", levels[-1].channels, levels[-1].stride * 2)]


def from_torchvision_extra(block: nn.Module | None) -> nn.Module | None:
    """Our equivalent of a torchvision extra block, with its weights copied (``None`` stays ``None``)."""
    from torchvision.ops import feature_pyramid_network as tvf

    if block is None:
        return None
    if isinstance(block, tvf.LastLevelMaxPool):
        return LastLevelMaxPool()
    if isinstance(block, tvf.LastLevelP6P7):
        ours = LastLevelP6P7(block.p6.in_channels, block.p6.out_channels, use_p5=block.use_P5)
        ours.load_state_dict(block.state_dict())
        return ours
    raise ArgumentError(_t("tv_extra", name=type(block).__name__))


__all__ = ["LastLevelMaxPool", "LastLevelP6P7", "from_torchvision_extra"]
