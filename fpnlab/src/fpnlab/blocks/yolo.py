"""YOLOv8's building blocks: ``ConvBNSiLU``, ``Bottleneck``, ``C2f`` and ``SPPF``.

They are the bricks of :class:`fpnlab.backbones.YOLOBackbone` and of the YOLO PAN neck
(:class:`fpnlab.necks.YOLOPAN`); ``tests/test_yolo_ultralytics.py`` checks them against
ultralytics with copied weights.

>>> x = torch.randn(1, 64, 20, 20)
>>> tuple(C2f(64, 128, n=2)(x).shape), tuple(SPPF(64, 64)(x).shape)
((1, 128, 20, 20), (1, 64, 20, 20))
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..arguments import check_bool, check_image_batch, check_int, check_number, is_int
from ..errors import ArgumentError
from ..i18n import Strings
from .layers import check_rate, make_act, make_norm

#: YOLOv8's BatchNorm settings (ultralytics' ``Conv``), not PyTorch's defaults
YOLO_BN = dict(eps=1e-3, momentum=0.03)

_t = Strings({
    "rates": {
        "en": "C2f: drop_path has {m:d} rates for n={n:d} bottlenecks. Fix: give one number, or a list of {n:d} rates "
              "(one per bottleneck).",
        "tr": "C2f: n={n:d} bottleneck için drop_path'te {m:d} oran var. Düzeltme: tek bir sayı ya da {n:d} oranlık "
              "bir liste ver (bottleneck başına bir oran)."},
    "odd": {
        "en": "{where}: {name} = {value!r} must be an odd integer ≥ 1 so the padding {name} // 2 keeps H × W. "
              "Fix: pass e.g. {name}=5.",
        "tr": "{where}: {name} = {value!r}, padding {name} // 2 ile H × W korunsun diye tek ve en az 1 olan bir tam "
              "sayı olmalı. Düzeltme: örneğin {name}=5 ver."},
})


def check_kernel(name: str, value, where: str) -> int:
    """An odd kernel size ≥ 1."""
    if not (is_int(value) and value >= 1 and value % 2):
        raise ArgumentError(_t("odd", where=where, name=name, value=value))
    return value


class ConvBNSiLU(nn.Sequential):
    """``Conv2d(k, stride, padding=k//2, bias=False) → BN(eps=1e-3, momentum=0.03) → SiLU``:
    ``(B, cin, H, W)`` → ``(B, cout, ⌈H/s⌉, ⌈W/s⌉)`` (YOLOv8's ``Conv``).

    ``norm`` and ``act`` swap the last two layers (``"gn"`` → GroupNorm with
    :func:`fpnlab.blocks.layers.gn_groups`, ``"relu"`` → ReLU, ``None`` → no activation, as
    ultralytics' ``Conv(..., act=False)``); ``groups`` makes it grouped (``groups=cin``: depthwise).
    The defaults are YOLOv8's, with its BatchNorm settings (``eps=1e-3, momentum=0.03``, not
    PyTorch's defaults)."""

    def __init__(self, cin: int, cout: int, k: int = 1, stride: int = 1, norm: str = "bn",
                 act: str | None = "silu", groups: int = 1):
        check_int("cin", cin, where="ConvBNSiLU")
        check_int("cout", cout, where="ConvBNSiLU")
        check_kernel("k", k, "ConvBNSiLU")
        check_int("stride", stride, where="ConvBNSiLU")
        check_int("groups", groups, where="ConvBNSiLU")
        super().__init__(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         make_norm(norm, cout, **(YOLO_BN if norm == "bn" else {})),
                         make_act(act))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self[0].in_channels, channels_arg="cin", where="ConvBNSiLU")
        return super().forward(x)


class Bottleneck(nn.Module):
    """Two 3×3 ConvBNSiLU, ``c → int(c·e) → c``: ``(B, c, H, W)`` → same; ``+ x`` when ``shortcut``
    (``e = 1`` in YOLOv8's C2f, ``e = 0.5`` in YOLO11's C3k2: ultralytics' ``Bottleneck`` default).

    ``drop_path > 0`` drops the residual branch per sample while training
    (``torchvision.ops.StochasticDepth(drop_path, "row")``: ``x + drop(y)``; identity in eval
    mode); ``drop_path = 0`` adds no module at all."""

    def __init__(self, c: int, shortcut: bool = True, norm: str = "bn", act: str = "silu",
                 drop_path: float = 0.0, e: float = 1.0):
        super().__init__()
        check_int("c", c, where="Bottleneck")
        check_bool("shortcut", shortcut, where="Bottleneck")
        drop_path = check_rate("drop_path", drop_path, "Bottleneck")
        check_number("e", e, minimum=0, strict=True, where="Bottleneck")
        hidden = check_int("int(c * e)", int(c * e), where="Bottleneck")
        self.cv1, self.cv2 = ConvBNSiLU(c, hidden, 3, norm=norm, act=act), ConvBNSiLU(hidden, c, 3, norm=norm, act=act)
        self.shortcut = shortcut
        self.drop_path = None
        if drop_path > 0:
            from torchvision.ops import StochasticDepth  # only when used: keeps the import light
            self.drop_path = StochasticDepth(drop_path, "row")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cv1[0].in_channels, channels_arg="c", where="Bottleneck")
        y = self.cv2(self.cv1(x))
        if self.drop_path is not None:
            y = self.drop_path(y)
        return x + y if self.shortcut else y


class C2f(nn.Module):
    """CSP block with two convs and ``n`` bottlenecks (YOLOv8).

    ``cv1`` (1×1) maps ``cin → 2c`` (``c = cout·e``) and splits into two halves; the second half
    runs through ``n`` bottlenecks, keeping every intermediate; all ``2 + n`` pieces are
    concatenated and ``cv2`` (1×1) maps ``(2 + n)·c → cout``. ``(B, cin, H, W)`` → ``(B, cout, H, W)``.

    ``norm``/``act`` go to every conv (:class:`ConvBNSiLU`); ``drop_path`` is one rate for all
    bottlenecks or a list of ``n`` rates (see :class:`Bottleneck`).
    """

    def __init__(self, cin: int, cout: int, n: int = 1, shortcut: bool = False, e: float = 0.5,
                 norm: str = "bn", act: str = "silu", drop_path: float | Sequence[float] = 0.0):
        super().__init__()
        check_int("cin", cin, where="C2f")
        check_int("cout", cout, where="C2f")
        check_int("n", n, where="C2f")
        check_bool("shortcut", shortcut, where="C2f")
        check_number("e", e, minimum=0, maximum=1, strict=True, where="C2f")
        check_int("int(cout * e)", int(cout * e), where="C2f")
        if isinstance(drop_path, Sequence) and not isinstance(drop_path, str):
            rates = [check_rate("drop_path", r, "C2f") for r in drop_path]
        else:
            rates = [check_rate("drop_path", drop_path, "C2f")] * n
        if len(rates) != n:
            raise ArgumentError(_t("rates", m=len(rates), n=n))
        self.c = int(cout * e)
        self.cv1 = ConvBNSiLU(cin, 2 * self.c, 1, norm=norm, act=act)
        self.cv2 = ConvBNSiLU((2 + n) * self.c, cout, 1, norm=norm, act=act)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut, norm, act, r) for r in rates)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cv1[0].in_channels, channels_arg="cin", where="C2f")
        y = list(self.cv1(x).chunk(2, 1))
        for block in self.m:
            y.append(block(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    """Spatial pyramid pooling, fast (YOLOv5/v8's ``SPPF``, ultralytics' layer 9 of YOLOv8).

    ``cv1`` (1×1) maps ``cin → cin // 2``; three chained ``k×k`` stride-1 max-pools (padding
    ``k // 2``) of it give receptive fields of 5, 9 and 13 for ``k = 5``; the four maps are
    concatenated and ``cv2`` (1×1) maps ``4 · cin // 2 → cout``. Both convs are
    :class:`ConvBNSiLU`, as in YOLOv8 (YOLO26's SPPF drops the SiLU of ``cv1``; this one is v8's).
    ``(B, cin, H, W)`` → ``(B, cout, H, W)``.

    >>> tuple(SPPF(256, 256)(torch.randn(1, 256, 20, 20)).shape)
    (1, 256, 20, 20)
    """

    def __init__(self, cin: int, cout: int, k: int = 5, norm: str = "bn", act: str = "silu"):
        super().__init__()
        check_int("cin", cin, minimum=2, where="SPPF")
        check_int("cout", cout, where="SPPF")
        check_kernel("k", k, "SPPF")
        c = cin // 2
        self.cv1 = ConvBNSiLU(cin, c, 1, norm=norm, act=act)
        self.cv2 = ConvBNSiLU(4 * c, cout, 1, norm=norm, act=act)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cv1[0].in_channels, channels_arg="cin", where="SPPF")
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(self.m(y[-1]))
        return self.cv2(torch.cat(y, 1))


__all__ = ["Bottleneck", "C2f", "ConvBNSiLU", "SPPF"]
