"""The neck registry: every neck by the name the book gives it, built with one call.

============  ==========================================  =============================
name          neck                                        ``out_channels``
============  ==========================================  =============================
fpn           :class:`~fpnlab.necks.FPN`                  width of every output
panet         :class:`~fpnlab.necks.PANet`                width of every output
bifpn         :class:`~fpnlab.necks.BiFPN`                width of every output
yolopan       :class:`~fpnlab.necks.YOLOPAN`              ``None`` (= ``in_channels``, YOLOv8), one
                                                          width for P3, P4, P5, or a list of three
yolo11        :class:`~fpnlab.necks.YOLO11Neck`           as ``yolopan``
hybrid        :class:`~fpnlab.necks.HybridEncoder`        width of every output (RT-DETR)
gd            :class:`~fpnlab.necks.GDNeck`               as ``yolopan`` (``None``: Gold-YOLO's widths)
asff          :class:`~fpnlab.necks.ASFF`                 as ``yolopan``
lateral       :class:`~fpnlab.necks.LateralNeck`          width of every output ("no neck")
============  ==========================================  =============================

``in_strides`` goes to the neck's ``in_strides`` (``strides`` for ``"lateral"``); YOLOPAN is
always C3, C4, C5, so it takes ``None`` or ``[8, 16, 32]``. Other keyword arguments are the neck's
own options; one it does not take is refused with the list of those it does.

>>> neck = make_neck("panet", [16, 32, 64], 32)
>>> type(neck).__name__, [lv.stride for lv in neck.feature_info]
('PANet', [8, 16, 32])
>>> make_neck("yolopan", [64, 128, 256], 96).out_channels
[96, 96, 96]
>>> make_neck("fpm", [16, 32], 32)
Traceback (most recent call last):
...
fpnlab.errors.UnknownNameError: make_neck: name = 'fpm' is not one of 'fpn', 'panet', 'bifpn', 'yolopan', 'yolo11', 'hybrid', 'gd', 'asff', 'lateral'. Fix: pick one of them.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence

from torch import nn

from ..arguments import check_choice
from ..errors import ArgumentError
from ..i18n import Strings
from .asff import ASFF
from .bifpn import BiFPN
from .fpn import FPN
from .gold import GDNeck
from .lateral import LateralNeck
from .panet import PANet
from .yolo import YOLOPAN
from .rtdetr import HybridEncoder
from .yolo11 import YOLO11Neck

#: name → neck class; :func:`make_neck` builds one by name
NECKS: dict[str, type[nn.Module]] = {
    "fpn": FPN,
    "panet": PANet,
    "bifpn": BiFPN,
    "yolopan": YOLOPAN,
    "yolo11": YOLO11Neck,
    "hybrid": HybridEncoder,
    "gd": GDNeck,
    "asff": ASFF,
    "lateral": LateralNeck,
}

_t = Strings({
    "option": {
        "en": ("make_neck: {option!r} is not an option of {neck}. Fix: use one of {allowed} (in_channels, "
               "out_channels and in_strides are make_neck's own arguments)."),
        "tr": ("make_neck: {option!r}, {neck} için bir seçenek değil. Düzeltme: {allowed} seçeneklerinden birini "
               "kullan (in_channels, out_channels ve in_strides make_neck'in kendi argümanları)."),
    },
    "yolo_strides": {
        "en": ("make_neck: {neck} always reads C3, C4, C5 at strides 8, 16, 32; got in_strides={got!r}. "
               "Fix: pass in_strides=None or [8, 16, 32], or use \"panet\" for other levels."),
        "tr": ("make_neck: {neck} her zaman stride 8, 16, 32'deki C3, C4, C5'i okur; gelen in_strides={got!r}. "
               "Düzeltme: in_strides=None ya da [8, 16, 32] ver veya başka seviyeler için \"panet\" kullan."),
    },
})

# the make_neck argument each neck calls its input strides
_STRIDES_ARG = {"fpn": "in_strides", "panet": "in_strides", "bifpn": "in_strides", "lateral": "strides",
                "yolopan": None, "yolo11": "in_strides", "hybrid": "in_strides", "gd": "in_strides", "asff": "in_strides"}


def neck_options(name: str) -> list[str]:
    """The keyword options :func:`make_neck` passes on to the neck ``name`` (its constructor's
    arguments other than the channels and strides; PANet's include its FPN's)."""
    check_choice("name", name, NECKS, where="neck_options")
    classes = [NECKS[name]] + ([FPN] if name == "panet" else [])
    skip = {"self", "in_channels", "out_channels", "in_strides", "strides", "fpn_kwargs"}
    opts = []
    for cls in classes:
        for p in inspect.signature(cls).parameters.values():
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in skip and p.name not in opts:
                opts.append(p.name)
    return opts


def make_neck(name: str, in_channels: Sequence[int], out_channels=256, in_strides: Sequence[int] | None = None,
              **options) -> nn.Module:
    """The neck ``name`` (a key of :data:`NECKS`) over input levels with ``in_channels`` (fine →
    coarse) at ``in_strides``: ``make_neck("bifpn", [40, 112, 320], 64, repeats=3)``.

    An unknown name raises :class:`~fpnlab.errors.UnknownNameError`; an option the neck does not
    take raises :class:`~fpnlab.errors.ArgumentError` listing the ones it does
    (:func:`neck_options`). For ``"yolopan"``, ``out_channels`` is ``None`` (= ``in_channels``),
    one width for all three outputs, or a list of three; the other necks take one int.
    """
    check_choice("name", name, NECKS, where="make_neck")
    allowed = neck_options(name)
    for option in options:
        if option not in allowed:
            raise ArgumentError(_t("option", option=option, neck=NECKS[name].__name__,
                                   allowed=", ".join(allowed)))
    arg = _STRIDES_ARG[name]
    if arg is None:
        if in_strides is not None and list(in_strides) != [8, 16, 32]:
            raise ArgumentError(_t("yolo_strides", neck=NECKS[name].__name__, got=in_strides))
        return NECKS[name](in_channels, out_channels, **options)
    return NECKS[name](in_channels, out_channels, **{arg: in_strides}, **options)


__all__ = ["NECKS", "make_neck", "neck_options"]
