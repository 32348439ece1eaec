"""YOLO11's neck (and YOLO26's, which is the same with attention in its P5 block): YOLOv8's PAN
with :class:`~fpnlab.blocks.yolo11.C3k2` blocks in place of C2f.

The data flow is YOLOv8's (:class:`~fpnlab.necks.YOLOPAN`): top-down, ``T4 = C3k2(cat[up(C5),
C4])``, ``P3 = C3k2(cat[up(T4), C3])``; bottom-up, ``P4 = C3k2(cat[down(P3), T4])``, ``P5 =
C3k2(cat[down(P4), C5])`` — where YOLO11's C5 is the output of ``C2PSA`` (ultralytics' layer 10),
so the neck already reads a map that went through self-attention. What changed from YOLOv8 is
inside the blocks: C3k2's bottlenecks narrow to half their width (or are small C3s at the m/l/x
scales, and at YOLO11's P5 block), and YOLO26's P5 block adds a :class:`~fpnlab.blocks.yolo11.PSABlock`.

>>> neck = YOLO11Neck([64, 128, 256], [64, 128, 256], p5_attn=True)
>>> feats = [torch.randn(1, c, 160 // s, 224 // s) for c, s in ((64, 8), (128, 16), (256, 32))]
>>> [tuple(p.shape) for p in neck(feats)]
[(1, 64, 20, 28), (1, 128, 10, 14), (1, 256, 5, 7)]
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from ..arguments import check_bool, check_int
from ..blocks.yolo import ConvBNSiLU
from ..blocks.yolo11 import C3k2
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import Level, level_name, p_names
from .checks import (FromBackbone, check_in_channels, check_levels, copy_layers, doubling_strides, match_size,
                     split_levels)
from .fpn import upsample_to
from .yolo import yolopan_widths

_t = Strings({
    "three": {"en": "YOLO11Neck: in_channels = {got!r} must list three channel counts (C3, C4, C5). Fix: pass e.g. [64, 128, 256].",
              "tr": "YOLO11Neck: in_channels = {got!r} üç kanal sayısı (C3, C4, C5) listelemeli. Düzeltme: örneğin [64, 128, 256] ver."},
    "count_fix": {"en": "pass the backbone's last three levels (C3, C4, C5 at strides 8, 16, 32)",
                  "tr": "backbone'un son üç seviyesini ver (stride 8, 16, 32'de C3, C4, C5)"},
    "not_yolo11": {"en": "YOLO11Neck.from_ultralytics: layer {index:d} of the model is {got}, not the {want} of YOLO11's or "
                         "YOLO26's neck. Fix: build the model from yolo11*.yaml or yolo26*.yaml.",
                   "tr": "YOLO11Neck.from_ultralytics: modelin {index:d}. katmanı {got}, YOLO11 ya da YOLO26 neck'inin "
                         "{want}'i değil. Düzeltme: modeli yolo11*.yaml ya da yolo26*.yaml'dan kur."},
})


def _block(cin: int, cout: int, spec: Mapping) -> C3k2:
    return C3k2(cin, cout, n=spec.get("n", 1), c3k=spec.get("c3k", False), e=spec.get("e", 0.5),
                attn=spec.get("attn", False))


class YOLO11Neck(FromBackbone, nn.Module):
    """YOLO11's / YOLO26's neck over C3, C4, C5.

    Args:
        in_channels: channels of C3, C4, C5 (YOLO11n: 128, 128, 256 — C5 is C2PSA's output).
        out_channels: channels of P3, P4, P5 (YOLO11n: 64, 128, 256): a list of three, one int for
            all, or ``None`` for ``in_channels`` (as :class:`~fpnlab.necks.YOLOPAN`); the top-down
            block before P4 has P4's width, as in ultralytics' YAML.
        n: inner blocks per C3k2 (YOLO11n: 1 = 2 × depth 0.5).
        c3k: C3k inner blocks in the P3, P4 blocks and the top-down one (YOLO26 at every scale,
            YOLO11 at m/l/x; the P5 block has them in YOLO11 always).
        p5_attn: YOLO26's P5 block — one bottleneck + PSABlock (``attn=True``, ``n = 1``) instead
            of YOLO11's ``c3k=True`` block. YOLO26n's neck is ``YOLO11Neck([128, 128, 256], [64, 128,
            256], c3k=True, p5_attn=True)``; YOLO11n's the same without the two flags.
        blocks: per-block overrides ``{"td4" | "td3" | "bu4" | "bu5": {"n", "c3k", "e", "attn"}}``
            (what :meth:`from_ultralytics` reads from a model).
        in_strides: strides of the three inputs, each twice the one before (default 8, 16, 32);
            the outputs keep them. :meth:`from_backbone` reads them from a backbone.

    ``feature_info``: P3, P4, P5 at the input strides (8, 16, 32). Inputs ``[(B, C_i, H_i, W_i)]`` as a list
    or dict, outputs in the same form. :meth:`from_ultralytics` builds it from an ultralytics
    YOLO11/YOLO26 ``DetectionModel`` of any scale, weights included.
    """

    # ultralytics' yolo11.yaml / yolo26.yaml: the neck's blocks and downsampling convs
    ULTRALYTICS_LAYERS = {"td4": 13, "td3": 16, "down3": 17, "bu4": 19, "down4": 20, "bu5": 22}

    def __init__(self, in_channels: Sequence[int], out_channels: int | Sequence[int] | None = None, n: int = 1,
                 c3k: bool = False,
                 p5_attn: bool = False, blocks: Mapping | None = None, in_strides: Sequence[int] | None = None):
        super().__init__()
        in_channels = check_in_channels(in_channels, "YOLO11Neck")
        if len(in_channels) != 3:
            raise ArgumentError(_t("three", got=in_channels))
        out = yolopan_widths(in_channels, out_channels)
        strides = doubling_strides(in_strides, 3, "YOLO11Neck")
        check_int("n", n, where="YOLO11Neck")
        check_bool("c3k", c3k, where="YOLO11Neck")
        check_bool("p5_attn", p5_attn, where="YOLO11Neck")
        default = {"n": n, "c3k": c3k}
        specs = {"td4": default, "td3": default, "bu4": default,
                 "bu5": {"n": 1, "attn": True} if p5_attn else {"n": n, "c3k": True}}
        specs.update(blocks or {})
        (c3, c4, c5), (o3, o4, o5) = in_channels, out
        self.in_channels, self.out_channels = in_channels, out
        self.feature_info = [Level(level_name(st), c, st) for st, c in zip(strides, out)]
        self.td4 = _block(c5 + c4, o4, specs["td4"])      # cat[up(C5), C4] -> T4 (layer 13)
        self.td3 = _block(o4 + c3, o3, specs["td3"])      # cat[up(T4), C3] -> P3 (16)
        self.down3 = ConvBNSiLU(o3, o3, 3, 2)             # (17)
        self.bu4 = _block(o3 + o4, o4, specs["bu4"])      # cat[down(P3), T4] -> P4 (19)
        self.down4 = ConvBNSiLU(o4, o4, 3, 2)             # (20)
        self.bu5 = _block(o4 + c5, o5, specs["bu5"])      # cat[down(P4), C5] -> P5 (22)

    def forward(self, feats):
        x, names = split_levels(feats, "YOLO11Neck")
        check_levels(x, names, self.in_channels, "YOLO11Neck", count_fix=_t("count_fix"))
        c3, c4, c5 = x
        t4 = self.td4(torch.cat([upsample_to(c5, c4.shape[-2:]), c4], 1))
        p3 = self.td3(torch.cat([upsample_to(t4, c3.shape[-2:]), c3], 1))
        p4 = self.bu4(torch.cat([match_size(self.down3(p3), t4.shape[-2:]), t4], 1))
        p5 = self.bu5(torch.cat([match_size(self.down4(p4), c5.shape[-2:]), c5], 1))
        outs = [p3, p4, p5]
        return outs if names is None else OrderedDict(zip(p_names(names, 3), outs))

    @classmethod
    @torch.no_grad()
    def from_ultralytics(cls, model: nn.Module) -> "YOLO11Neck":
        """The neck of an ultralytics ``DetectionModel`` built from ``yolo11*.yaml`` or
        ``yolo26*.yaml`` (or its ``.model`` ``Sequential``): its block settings are read from
        layers 13–22 and its weights and BatchNorm statistics copied, so that, given the outputs
        of layers 4, 6 and 10, it returns those of layers 16, 19 and 22."""
        from ultralytics.nn.modules.block import C3k, C3k2 as TheirC3k2

        layers = getattr(model, "model", model)
        specs = {}
        for name, index in cls.ULTRALYTICS_LAYERS.items():
            if name.startswith("down"):
                continue
            m = layers[index]
            if not isinstance(m, TheirC3k2):
                raise ArgumentError(_t("not_yolo11", index=index, got=type(m).__name__, want="C3k2"))
            first = m.m[0]
            specs[name] = {"n": len(m.m), "c3k": isinstance(first, C3k), "attn": isinstance(first, nn.Sequential),
                           "e": m.c / m.cv2.conv.out_channels, "cin": m.cv1.conv.in_channels,
                           "cout": m.cv2.conv.out_channels}
        o3, o4, o5 = specs["td3"]["cout"], specs["bu4"]["cout"], specs["bu5"]["cout"]
        c5 = specs["bu5"]["cin"] - o4
        c4 = specs["td4"]["cin"] - c5
        c3 = specs["td3"]["cin"] - o4
        blocks = {k: {f: v[f] for f in ("n", "c3k", "attn", "e")} for k, v in specs.items()}
        neck = cls([c3, c4, c5], [o3, o4, o5], blocks=blocks)
        copy_layers(neck, layers, cls.ULTRALYTICS_LAYERS)
        return neck


__all__ = ["YOLO11Neck"]
