"""Adapters the ablation puts between a backbone and a neck, or around both.

- :class:`PickLevels`: a backbone that keeps only some of its levels (``neck.levels`` in a plan);
- :class:`BackboneWithNeck`: any fpnlab backbone + neck as the ``backbone`` of torchvision's
  detection models.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from ..arguments import check_int
from ..errors import ArgumentError, UnknownNameError
from ..i18n import Strings

_t = Strings({
    "no_levels": {"en": "PickLevels: the backbone has no level(s) {missing}; it has {known}. Fix: pick names among them.",
                  "tr": "PickLevels: backbone'da {missing} seviye(ler)i yok; olanlar: {known}. Düzeltme: bunların "
                        "arasından seç."},
    "names": {"en": "PickLevels: names = {value!r} must be a non-empty list of level names such as ['C3', 'C4', 'C5']. "
                    "Fix: pass the backbone's level names you keep.",
              "tr": "PickLevels: names = {value!r}, ['C3', 'C4', 'C5'] gibi seviye adlarından oluşan boş olmayan bir "
                    "liste olmalı. Düzeltme: backbone'un tuttuğun seviyelerinin adlarını ver."},
    "module": {"en": "{where}: {name} must be a torch.nn.Module, got {got}. Fix: pass the module itself.",
               "tr": "{where}: {name} bir torch.nn.Module olmalı, gelen: {got}. Düzeltme: modülün kendisini ver."},
})


def check_module(name: str, value, where: str) -> nn.Module:
    """``value`` if it is an ``nn.Module``, else :class:`~fpnlab.errors.ArgumentError`."""
    if not isinstance(value, nn.Module):
        raise ArgumentError(_t("module", where=where, name=name, got=type(value).__name__))
    return value


class PickLevels(nn.Module):
    """Wraps a backbone and keeps only the named levels (``("C3", "C4", "C5")`` for a pyramid
    without P2); ``feature_info`` is filtered the same way. ``(B, 3, H, W)`` → ``OrderedDict``
    of the kept ``(B, C_i, H_i, W_i)``.

    >>> from fpnlab.backbones import TinyBackbone
    >>> [lv.name for lv in PickLevels(TinyBackbone(), ["C4", "C5"]).feature_info]
    ['C4', 'C5']
    """

    def __init__(self, backbone: nn.Module, names: Sequence[str]):
        super().__init__()
        check_module("backbone", backbone, "PickLevels")
        if isinstance(names, str) or not isinstance(names, Sequence) or not names \
                or not all(isinstance(n, str) for n in names):
            raise ArgumentError(_t("names", value=names))
        self.body, self.names = backbone, tuple(names)
        info = {lv.name: lv for lv in getattr(backbone, "feature_info", [])}
        missing = [n for n in self.names if n not in info]
        if missing:
            raise UnknownNameError(_t("no_levels", missing=missing, known=list(info)))
        self.feature_info = [info[n] for n in self.names]

    def forward(self, x):
        feats = self.body(x)
        return OrderedDict((n, feats[n]) for n in self.names)


class BackboneWithNeck(nn.Module):
    """Any fpnlab backbone + neck as the ``backbone`` of torchvision's detection models (FCOS,
    RetinaNet, Faster R-CNN), like torchvision's ``BackboneWithFPN``: ``(B, 3, H, W)`` →
    ``OrderedDict`` of the neck's levels, all with ``out_channels`` channels.

    >>> from torchvision.models.detection import FCOS
    >>> from torchvision.models.detection.anchor_utils import AnchorGenerator
    >>> from fpnlab.backbones import TinyBackbone
    >>> from fpnlab.necks import FPN
    >>> bb = TinyBackbone()
    >>> body = BackboneWithNeck(bb, FPN([lv.channels for lv in bb.feature_info], 32), out_channels=32)
    >>> fcos = FCOS(body, num_classes=3, min_size=128, max_size=128,
    ...             anchor_generator=AnchorGenerator(((4,), (8,), (16,), (32,)), ((1.0,),) * 4))
    >>> sorted(fcos.train()([torch.rand(3, 128, 128)], [{"boxes": torch.tensor([[8., 8., 40., 40.]]),
    ...                                                   "labels": torch.tensor([1])}]))
    ['bbox_ctrness', 'bbox_regression', 'classification']
    """

    def __init__(self, backbone: nn.Module, neck: nn.Module, out_channels: int):
        super().__init__()
        check_module("backbone", backbone, "BackboneWithNeck")
        check_module("neck", neck, "BackboneWithNeck")
        out_channels = check_int("out_channels", out_channels, where="BackboneWithNeck")
        self.body, self.neck, self.out_channels = backbone, neck, out_channels

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        out = self.neck(self.body(x))
        return OrderedDict(out) if isinstance(out, Mapping) else OrderedDict((str(i), v) for i, v in enumerate(out))


__all__ = ["BackboneWithNeck", "PickLevels", "check_module"]
