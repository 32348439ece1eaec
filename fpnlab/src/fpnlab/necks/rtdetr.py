"""RT-DETR's hybrid encoder: self-attention on the top level only (AIFI), then a convolutional
FPN + PAN of RepC3 blocks across the three levels (CCFM).

Zhao et al. (CVPR 2024) split a DETR encoder in two: attention where the map is small (C5 at
stride 32: ``N = H·W/1024`` positions, so the ``N²`` term of attention is cheap) and
convolutions where it is large. With inputs C3, C4, C5 (strides 8, 16, 32; the paper's
S3, S4, S5) and every conv ``ConvBNSiLU`` (``proj`` without activation)::

    intra-scale   F5 = lat5(AIFI(proj5(C5)))                      (Y5: ultralytics' layer 12)
    top-down      Y4 = lat4(RepC3(cat[up(F5), proj4(C4)]))         (16 → 17)
                  P3 = RepC3(cat[up(Y4), proj3(C3)])              (21)
    bottom-up     P4 = RepC3(cat[down3(P3), Y4])                   (22 → 24)
                  P5 = RepC3(cat[down4(P4), F5])                   (25 → 27)

``up`` is nearest ×2 to the lateral's size, ``down`` a 3×3 conv of stride 2; every output is
``out_channels`` wide (RT-DETR-l: 256). :meth:`HybridEncoder.from_ultralytics` builds it from an
ultralytics ``RTDETRDetectionModel`` of ``rtdetr-l.yaml`` with its weights: given the outputs of
layers 3, 7, 9 it returns those of layers 21, 24, 27 (``tests/test_rtdetr_ultralytics.py``).

>>> neck = HybridEncoder([32, 64, 128], 32, ffn=64, heads=4, n=1)
>>> feats = [torch.randn(1, c, 160 // s, 224 // s) for c, s in ((32, 8), (64, 16), (128, 32))]
>>> [tuple(p.shape) for p in neck(feats)]
[(1, 32, 20, 28), (1, 32, 10, 14), (1, 32, 5, 7)]
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from ..arguments import check_int, check_number
from ..blocks.rtdetr import AIFI, RepC3
from ..blocks.yolo import ConvBNSiLU
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import Level, level_name, p_names
from .checks import (FromBackbone, check_in_channels, check_levels, copy_layers, doubling_strides, match_size,
                     split_levels)
from .fpn import upsample_to

_t = Strings({
    "three": {"en": "HybridEncoder: in_channels = {got!r} must list three channel counts (C3, C4, C5). Fix: pass e.g. "
                    "[512, 1024, 2048] (RT-DETR-l's HGNet backbone).",
              "tr": "HybridEncoder: in_channels = {got!r} üç kanal sayısı (C3, C4, C5) listelemeli. Düzeltme: örneğin "
                    "[512, 1024, 2048] ver (RT-DETR-l'nin HGNet backbone'u)."},
    "count_fix": {"en": "pass the backbone's last three levels (C3, C4, C5: strides 8, 16, 32 in RT-DETR)",
                  "tr": "backbone'un son üç seviyesini ver (C3, C4, C5: RT-DETR'da stride 8, 16, 32)"},
    "out": {"en": "HybridEncoder: out_channels = {got!r} must be one positive int (every output has the same width, "
                  "RT-DETR-l: 256). Fix: pass e.g. out_channels=256.",
            "tr": "HybridEncoder: out_channels = {got!r} tek bir pozitif tam sayı olmalı (her çıktı aynı genişlikte, "
                  "RT-DETR-l: 256). Düzeltme: örneğin out_channels=256 ver."},
    "not_rtdetr": {"en": "HybridEncoder.from_ultralytics: layer {index:d} of the model is {got}, not the {want} of "
                         "RT-DETR's hybrid encoder. Fix: build the model from rtdetr-l.yaml (or a YAML with the same "
                         "head).",
                   "tr": "HybridEncoder.from_ultralytics: modelin {index:d}. katmanı {got}, RT-DETR hibrit "
                         "encoder'ının {want}'i değil. Düzeltme: modeli rtdetr-l.yaml'dan (ya da aynı head'e sahip "
                         "bir YAML'dan) kur."},
})


class HybridEncoder(FromBackbone, nn.Module):
    """RT-DETR's hybrid encoder over three levels, fine → coarse.

    Args:
        in_channels: channels of C3, C4, C5 (RT-DETR-l: 512, 1024, 2048).
        out_channels: the width of every output and of the encoder (RT-DETR-l: 256).
        in_strides: strides of the inputs, each twice the one before (default 8, 16, 32); the
            outputs keep them. :meth:`from_backbone` reads them from a backbone.
        ffn: AIFI's feed-forward width (RT-DETR-l: 1024); ``None`` → ``4 · out_channels``.
        heads: AIFI's attention heads (8).
        n: RepVGG convs per RepC3 block (3).
        e: RepC3's hidden width as a share of ``out_channels`` (1.0).

    ``feature_info``: P3, P4, P5 (named by their strides), ``out_channels`` each. Inputs
    ``[(B, C_i, H_i, W_i)]`` as a list or dict, outputs in the same form. ``self.aifi.attention``
    gives the attention weights on the top level.
    """

    # ultralytics' rtdetr-l.yaml: layer of each part (input projections, AIFI, laterals, blocks, downsampling)
    ULTRALYTICS_LAYERS = {"proj5": 10, "aifi": 11, "lat5": 12, "td4": 16, "lat4": 17, "proj4": 14, "proj3": 19,
                          "td3": 21, "down3": 22, "bu4": 24, "down4": 25, "bu5": 27}

    def __init__(self, in_channels: Sequence[int], out_channels: int = 256, in_strides: Sequence[int] | None = None,
                 ffn: int | None = None, heads: int = 8, n: int = 3, e: float = 1.0):
        super().__init__()
        in_channels = check_in_channels(in_channels, "HybridEncoder")
        if len(in_channels) != 3:
            raise ArgumentError(_t("three", got=in_channels))
        if isinstance(out_channels, bool) or not isinstance(out_channels, int) or out_channels < 1:
            raise ArgumentError(_t("out", got=out_channels))
        strides = doubling_strides(in_strides, 3, "HybridEncoder")
        ffn = 4 * out_channels if ffn is None else check_int("ffn", ffn, where="HybridEncoder")
        check_int("heads", heads, where="HybridEncoder")
        check_int("n", n, where="HybridEncoder")
        check_number("e", e, minimum=0, strict=True, where="HybridEncoder")
        c3, c4, c5 = in_channels
        c = out_channels
        self.in_channels, self.out_channels, self.in_strides = in_channels, c, strides
        self.feature_info = [Level(level_name(s), c, s) for s in strides]
        self.proj3, self.proj4, self.proj5 = (ConvBNSiLU(ci, c, act=None) for ci in (c3, c4, c5))
        self.aifi = AIFI(c, ffn, heads)                  # intra-scale: attention on the top level only
        self.lat5, self.lat4 = ConvBNSiLU(c, c), ConvBNSiLU(c, c)
        self.td4, self.td3 = RepC3(2 * c, c, n, e), RepC3(2 * c, c, n, e)
        self.down3, self.down4 = ConvBNSiLU(c, c, 3, 2), ConvBNSiLU(c, c, 3, 2)
        self.bu4, self.bu5 = RepC3(2 * c, c, n, e), RepC3(2 * c, c, n, e)

    def forward(self, feats):
        x, names = split_levels(feats, "HybridEncoder")
        check_levels(x, names, self.in_channels, "HybridEncoder", count_fix=_t("count_fix"))
        s3, s4, s5 = x
        f5 = self.lat5(self.aifi(self.proj5(s5)))
        y4 = self.lat4(self.td4(torch.cat([upsample_to(f5, s4.shape[-2:]), self.proj4(s4)], 1)))
        p3 = self.td3(torch.cat([upsample_to(y4, s3.shape[-2:]), self.proj3(s3)], 1))
        p4 = self.bu4(torch.cat([match_size(self.down3(p3), y4.shape[-2:]), y4], 1))
        p5 = self.bu5(torch.cat([match_size(self.down4(p4), f5.shape[-2:]), f5], 1))
        outs = [p3, p4, p5]
        return outs if names is None else OrderedDict(zip(p_names(names, 3), outs))

    @classmethod
    @torch.no_grad()
    def from_ultralytics(cls, model: nn.Module) -> "HybridEncoder":
        """The hybrid encoder of an ultralytics ``RTDETRDetectionModel`` built from
        ``rtdetr-l.yaml`` (or its ``.model`` ``Sequential``): sizes read from layers 10–27, weights
        and BatchNorm statistics copied, so that, given the outputs of layers 3, 7 and 9, it
        returns those of layers 21, 24 and 27."""
        from ultralytics.nn.modules import AIFI as TheirAIFI, Conv, RepC3 as TheirRepC3

        layers = getattr(model, "model", model)
        want = {"aifi": TheirAIFI, "td4": TheirRepC3, "td3": TheirRepC3, "bu4": TheirRepC3, "bu5": TheirRepC3}
        for name, index in cls.ULTRALYTICS_LAYERS.items():
            kind = want.get(name, Conv)
            if not isinstance(layers[index], kind):
                raise ArgumentError(_t("not_rtdetr", index=index, got=type(layers[index]).__name__,
                                       want=kind.__name__))
        proj = [layers[cls.ULTRALYTICS_LAYERS[k]].conv for k in ("proj3", "proj4", "proj5")]
        aifi, block = layers[cls.ULTRALYTICS_LAYERS["aifi"]], layers[cls.ULTRALYTICS_LAYERS["td3"]]
        c = proj[2].out_channels
        hidden = block.cv1.conv.out_channels
        neck = cls([p.in_channels for p in proj], c, ffn=aifi.fc1.out_features, heads=aifi.ma.num_heads,
                   n=len(block.m), e=hidden / c)
        copy_layers(neck, layers, cls.ULTRALYTICS_LAYERS)
        return neck


__all__ = ["HybridEncoder"]
