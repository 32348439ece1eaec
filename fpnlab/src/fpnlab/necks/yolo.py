"""The PAN-FPN neck of YOLOv8-style detectors: concatenation and C2f blocks instead of sums.

Inputs C3, C4, C5 (strides 8/16/32); every conv is ``Conv2d(no bias) → BN → SiLU``. With
``sppf=True`` the top input is first replaced by ``SPPF(C5)`` (YOLOv8's layer 9), and then C5
below means that map::

    top-down   T4 = C2f(cat[up(C5), C4])              (out_channels[1])
               P3 = C2f(cat[up(T4), C3])              (out_channels[0])
    bottom-up  P4 = C2f(cat[conv3×3/2(P3), T4])        (out_channels[1])
               P5 = C2f(cat[conv3×3/2(P4), C5])        (out_channels[2])

Upsampling is nearest to the lateral's size (odd sizes work) unless ``upsample`` says
``"bilinear"`` (to the lateral's size, ``align_corners=False``) or ``"dysample"`` (one
:class:`~fpnlab.blocks.upsample.DySample` per top-down step, exactly ×2, then resized to the
lateral with :func:`~fpnlab.necks.checks.match_size` when they differ); the neck's C2f blocks have no
residual shortcut, as in YOLOv8's head. ``YOLOPAN([64, 128, 256], sppf=True)`` is YOLOv8n's layers
9..21 (SPPF + neck); :meth:`YOLOPAN.load_ultralytics` copies their weights from an ultralytics
``DetectionModel`` (``tests/test_yolo_ultralytics.py`` checks equal outputs).

>>> neck = YOLOPAN([64, 128, 256])  # YOLOv8n's widths
>>> feats = [torch.randn(1, c, 640 // s, 640 // s) for c, s in zip([64, 128, 256], [8, 16, 32])]
>>> [tuple(p.shape) for p in neck(feats)]
[(1, 64, 80, 80), (1, 128, 40, 40), (1, 256, 20, 20)]
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from ..blocks.upsample import DySample
from ..blocks.yolo import C2f, SPPF, ConvBNSiLU
from ..arguments import check_bool, check_choice, check_int, is_int
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import Level, level_name, p_names
from .checks import check_in_channels, check_levels, match_size, split_levels
from .fpn import upsample_to

_t = Strings({
    "count_fix": {
        "en": ('YOLOPAN always fuses exactly C3, C4, C5 (strides 8/16/32): drop the other levels, e.g. '
               "pass {{k: feats[k] for k in ('C3', 'C4', 'C5')}}, or use PANet for more levels."),
        "tr": ("YOLOPAN her zaman tam olarak C3, C4, C5'i (stride 8/16/32) birleştirir: diğer seviyeleri "
               "çıkar, ör. {{k: feats[k] for k in ('C3', 'C4', 'C5')}} ver, ya da daha çok seviye için "
               'PANet kullan.'),
    },
    "three": {
        "en": ("YOLOPAN takes three levels (C3, C4, C5, strides 8/16/32); got in_channels={got!r}. "
               "Fix: pass the three channel counts, e.g. in_channels=[64, 128, 256] (YOLOv8n), or use PANet "
               "for another number of levels."),
        "tr": ("YOLOPAN üç seviye alır (C3, C4, C5, stride 8/16/32); gelen in_channels={got!r}. "
               "Düzeltme: üç kanal sayısını ver, örneğin in_channels=[64, 128, 256] (YOLOv8n) ya da başka "
               "sayıda seviye için PANet kullan."),
    },
    "out": {
        "en": ("YOLOPAN: out_channels = {got!r} must be None (= in_channels), one positive int for all three "
               "outputs, or a list of three. Fix: pass e.g. out_channels=[64, 128, 256]."),
        "tr": ("YOLOPAN: out_channels = {got!r}; None (= in_channels), üç çıktı için tek bir pozitif tam sayı "
               "ya da üç elemanlı bir liste olmalı. Düzeltme: örneğin out_channels=[64, 128, 256] ver."),
    },
    "load": {
        "en": ("ultralytics layer {index:d} does not match YOLOPAN.{name}. Fix: build the same size "
               "(YOLOv8n: YOLOPAN([64, 128, 256], sppf=True))."),
        "tr": ("ultralytics'in {index:d}. katmanı YOLOPAN.{name} ile uyuşmuyor. Düzeltme: aynı boyutu kur "
               "(YOLOv8n: YOLOPAN([64, 128, 256], sppf=True))."),
    },
})


def yolopan_widths(in_channels: Sequence[int], out_channels=None) -> list[int]:
    """The widths of P3, P4, P5 for :class:`YOLOPAN`: ``None`` → ``in_channels`` (YOLOv8's choice),
    an int → that width for all three, a list of three → as given.

    >>> yolopan_widths([64, 128, 256]), yolopan_widths([64, 128, 256], 96)
    ([64, 128, 256], [96, 96, 96])
    """
    if out_channels is None:
        return list(in_channels)
    if is_int(out_channels) and out_channels > 0:
        return [int(out_channels)] * 3
    ok = (isinstance(out_channels, Sequence) and not isinstance(out_channels, str) and len(out_channels) == 3
          and all(is_int(c) and c > 0 for c in out_channels))
    if not ok:
        raise ArgumentError(_t("out", got=out_channels))
    return [int(c) for c in out_channels]


#: YOLOPAN's ``upsample`` choices
UPSAMPLE_MODES = ("nearest", "bilinear", "dysample")


class YOLOPAN(nn.Module):
    """YOLOv8's neck over three levels (C3, C4, C5).

    Args:
        in_channels: channels of C3, C4, C5 (YOLOv8n: 64, 128, 256; YOLOv8s: 128, 256, 512).
        out_channels: channels of P3, P4, P5: an int for all, a list of three, or ``None`` for
            ``in_channels`` (YOLOv8's choice).
        depth: bottlenecks per C2f block (YOLOv8: 3 × depth multiple, so n: 1, s: 1, m: 2, l: 3).
        sppf: put an :class:`SPPF` (C5 → C5 channels) on the top level before the neck, as YOLOv8
            does (its layer 9); the neck then reads ``SPPF(C5)`` wherever it reads C5.
        upsample: the top-down upsampling, ``"nearest"`` (YOLOv8's), ``"bilinear"`` or
            ``"dysample"`` (adds ``up5``, a ``DySample`` on C5's channels, and ``up4``, one on
            T4's: ``out_channels[1]``); with ``"nearest"`` and ``"bilinear"`` both are ``None``.

    ``feature_info`` lists the outputs (``Level`` P3, P4, P5 with their channels, strides 8/16/32).

    Shapes: ``[(B, C_i, H_i, W_i)]`` (list or dict) → ``[(B, out_i, H_i, W_i)]`` in the same form.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int | Sequence[int] | None = None,
                 depth: int = 1, sppf: bool = False, upsample: str = "nearest"):
        super().__init__()
        in_channels = check_in_channels(in_channels, "YOLOPAN")
        if len(in_channels) != 3:
            raise ArgumentError(_t("three", got=in_channels))
        out = yolopan_widths(in_channels, out_channels)
        check_int("depth", depth, where="YOLOPAN")
        check_bool("sppf", sppf, where="YOLOPAN")
        self.upsample = check_choice("upsample", upsample, UPSAMPLE_MODES, where="YOLOPAN")
        (c3, c4, c5), (o3, o4, o5) = in_channels, out
        self.in_channels, self.out_channels = in_channels, out
        self.feature_info = [Level(level_name(2 ** k), c, 2 ** k) for k, c in zip((3, 4, 5), out)]
        self.sppf = SPPF(c5, c5) if sppf else None      # YOLOv8's layer 9: C5 -> SPPF(C5)
        self.td4 = C2f(c5 + c4, o4, depth)            # cat[up(C5), C4]
        self.td3 = C2f(o4 + c3, o3, depth)            # cat[up(T4), C3] -> P3
        self.down3 = ConvBNSiLU(o3, o3, 3, 2)
        self.bu4 = C2f(o3 + o4, o4, depth)            # cat[down(P3), T4] -> P4
        self.down4 = ConvBNSiLU(o4, o4, 3, 2)
        self.bu5 = C2f(o4 + c5, o5, depth)            # cat[down(P4), C5] -> P5
        dys = upsample == "dysample"
        self.up5 = DySample(c5) if dys else None       # C5 -> C4's size
        self.up4 = DySample(o4) if dys else None       # T4 -> C3's size

    def _up(self, up: nn.Module | None, x: torch.Tensor, size) -> torch.Tensor:
        if up is None:
            return upsample_to(x, size, self.upsample)
        return match_size(up(x), size)

    @staticmethod
    def _down(conv: nn.Module, x: torch.Tensor, size) -> torch.Tensor:
        return match_size(conv(x), size)

    def forward(self, feats):
        x, names = split_levels(feats, "YOLOPAN")
        check_levels(x, names, self.in_channels, "YOLOPAN", count_fix=_t("count_fix"))
        c3, c4, c5 = x
        if self.sppf is not None:
            c5 = self.sppf(c5)
        t4 = self.td4(torch.cat([self._up(self.up5, c5, c4.shape[-2:]), c4], 1))
        p3 = self.td3(torch.cat([self._up(self.up4, t4, c3.shape[-2:]), c3], 1))
        p4 = self.bu4(torch.cat([self._down(self.down3, p3, t4.shape[-2:]), t4], 1))
        p5 = self.bu5(torch.cat([self._down(self.down4, p4, c5.shape[-2:]), c5], 1))
        outs = [p3, p4, p5]
        return outs if names is None else OrderedDict(zip(p_names(names, 3), outs))

    # ultralytics' YOLOv8 (yolov8.yaml): layer 9 is SPPF, then the neck's blocks
    ULTRALYTICS_LAYERS = {"sppf": 9, "td4": 12, "td3": 15, "down3": 16, "bu4": 18, "down4": 19, "bu5": 21}

    @torch.no_grad()
    def load_ultralytics(self, model: nn.Module) -> "YOLOPAN":
        """Copy the weights of an ultralytics YOLOv8 ``DetectionModel`` (or its ``.model``
        ``Sequential``) of the same size into this module: layers 9 (SPPF, only when
        ``sppf=True``), 12, 15, 16, 18, 19 and 21 (:attr:`ULTRALYTICS_LAYERS`); returns ``self``.
        Parameters and BN buffers are copied by position: the two modules hold the same
        tensors in the same order under other names (``conv``/``bn`` vs ``0``/``1``)."""
        layers = getattr(model, "model", model)
        for name, index in self.ULTRALYTICS_LAYERS.items():
            ours = getattr(self, name)
            if ours is None:
                continue
            mine, theirs = list(ours.state_dict().values()), list(layers[index].state_dict().values())
            shapes = [tuple(v.shape) for v in mine], [tuple(v.shape) for v in theirs]
            if shapes[0] != shapes[1]:
                raise ArgumentError(_t("load", index=index, name=name))
            for a, b in zip(mine, theirs):
                a.copy_(b)
        return self


__all__ = ["UPSAMPLE_MODES", "YOLOPAN", "yolopan_widths"]
