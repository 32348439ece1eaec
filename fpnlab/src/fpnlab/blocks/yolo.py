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

from .layers import make_act, make_norm


class ConvBNSiLU(nn.Sequential):
    """``Conv2d(k, stride, padding=k//2, bias=False) → BN(eps=1e-3, momentum=0.03) → SiLU``:
    ``(B, cin, H, W)`` → ``(B, cout, ⌈H/s⌉, ⌈W/s⌉)`` (YOLOv8's ``Conv``).

    ``norm`` and ``act`` swap the last two layers (``"gn"`` → GroupNorm with
    :func:`fpnlab.blocks.layers.gn_groups`, ``"relu"`` → ReLU); the defaults are YOLOv8's, with its
    BatchNorm settings (``eps=1e-3, momentum=0.03``, not PyTorch's defaults)."""

    def __init__(self, cin: int, cout: int, k: int = 1, stride: int = 1, norm: str = "bn",
                 act: str = "silu"):
        super().__init__(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
                         nn.BatchNorm2d(cout, eps=1e-3, momentum=0.03) if norm == "bn"
                         else make_norm(norm, cout),
                         nn.SiLU(inplace=True) if act == "silu" else make_act(act))


class Bottleneck(nn.Module):
    """Two 3×3 ConvBNSiLU, ``(B, c, H, W)`` → same; ``+ x`` when ``shortcut``.

    ``drop_path > 0`` drops the residual branch per sample while training
    (``torchvision.ops.StochasticDepth(drop_path, "row")``: ``x + drop(y)``; identity in eval
    mode); ``drop_path = 0`` adds no module at all."""

    def __init__(self, c: int, shortcut: bool = True, norm: str = "bn", act: str = "silu",
                 drop_path: float = 0.0):
        super().__init__()
        self.cv1, self.cv2 = ConvBNSiLU(c, c, 3, norm=norm, act=act), ConvBNSiLU(c, c, 3, norm=norm, act=act)
        self.shortcut = shortcut
        self.drop_path = None
        if drop_path > 0:
            from torchvision.ops import StochasticDepth  # only when used: keeps the import light
            self.drop_path = StochasticDepth(drop_path, "row")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
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
        rates = [float(drop_path)] * n if isinstance(drop_path, (int, float)) else list(drop_path)
        if len(rates) != n:
            raise ValueError(f"C2f: drop_path has {len(rates)} rates for n={n} bottlenecks; "
                             "give one number or one rate per bottleneck")
        self.c = int(cout * e)
        self.cv1 = ConvBNSiLU(cin, 2 * self.c, 1, norm=norm, act=act)
        self.cv2 = ConvBNSiLU((2 + n) * self.c, cout, 1, norm=norm, act=act)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut, norm, act, r) for r in rates)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
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
        c = cin // 2
        self.cv1 = ConvBNSiLU(cin, c, 1, norm=norm, act=act)
        self.cv2 = ConvBNSiLU(4 * c, cout, 1, norm=norm, act=act)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(self.m(y[-1]))
        return self.cv2(torch.cat(y, 1))


__all__ = ["Bottleneck", "C2f", "ConvBNSiLU", "SPPF"]
