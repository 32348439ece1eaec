"""The PAN-FPN neck of YOLOv8-style detectors: concatenation and C2f blocks instead of sums.

Inputs C3, C4, C5 (strides 8/16/32); every conv is ``Conv2d(no bias) → BN → SiLU``. With
``sppf=True`` the top input is first replaced by ``SPPF(C5)`` (YOLOv8's layer 9), and then C5
below means that map::

    top-down   T4 = C2f(cat[up(C5), C4])              (out_channels[1])
               P3 = C2f(cat[up(T4), C3])              (out_channels[0])
    bottom-up  P4 = C2f(cat[conv3×3/2(P3), T4])        (out_channels[1])
               P5 = C2f(cat[conv3×3/2(P4), C5])        (out_channels[2])

Upsampling is nearest to the lateral's size (odd sizes work); the neck's C2f blocks have no
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

from ..i18n import t
from ..layers import make_act, make_norm
from ..strides import Level
from .checks import check_levels, match_size, split_levels
from .fpn import p_names, upsample_to


class ConvBNSiLU(nn.Sequential):
    """``Conv2d(k, stride, padding=k//2, bias=False) → BN(eps=1e-3, momentum=0.03) → SiLU``:
    ``(B, cin, H, W)`` → ``(B, cout, ⌈H/s⌉, ⌈W/s⌉)`` (YOLOv8's ``Conv``).

    ``norm`` and ``act`` swap the last two layers (``"gn"`` → GroupNorm with
    :func:`fpnlab.layers.gn_groups`, ``"relu"`` → ReLU); the defaults are YOLOv8's, with its
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


class YOLOPAN(nn.Module):
    """YOLOv8's neck over three levels (C3, C4, C5).

    Args:
        in_channels: channels of C3, C4, C5 (YOLOv8n: 64, 128, 256; YOLOv8s: 128, 256, 512).
        out_channels: channels of P3, P4, P5: an int for all, a list of three, or ``None`` for
            ``in_channels`` (YOLOv8's choice).
        depth: bottlenecks per C2f block (YOLOv8: 3 × depth multiple, so n: 1, s: 1, m: 2, l: 3).
        sppf: put an :class:`SPPF` (C5 → C5 channels) on the top level before the neck, as YOLOv8
            does (its layer 9); the neck then reads ``SPPF(C5)`` wherever it reads C5.

    ``feature_info`` lists the outputs (``Level`` P3, P4, P5 with their channels, strides 8/16/32).

    Shapes: ``[(B, C_i, H_i, W_i)]`` (list or dict) → ``[(B, out_i, H_i, W_i)]`` in the same form.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int | Sequence[int] | None = None,
                 depth: int = 1, sppf: bool = False):
        super().__init__()
        in_channels = list(in_channels)
        if len(in_channels) != 3:
            raise ValueError(f"YOLOPAN takes three levels (C3, C4, C5, strides 8/16/32); "
                             f"got in_channels={in_channels}")
        out = in_channels if out_channels is None else (
            [out_channels] * 3 if isinstance(out_channels, int) else list(out_channels))
        if len(out) != 3:
            raise ValueError(f"out_channels must be an int or three numbers; got {out_channels}")
        (c3, c4, c5), (o3, o4, o5) = in_channels, out
        self.in_channels, self.out_channels = in_channels, out
        self.feature_info = [Level(f"P{k}", c, 2 ** k) for k, c in zip((3, 4, 5), out)]
        self.sppf = SPPF(c5, c5) if sppf else None      # YOLOv8's layer 9: C5 -> SPPF(C5)
        self.td4 = C2f(c5 + c4, o4, depth)            # cat[up(C5), C4]
        self.td3 = C2f(o4 + c3, o3, depth)            # cat[up(T4), C3] -> P3
        self.down3 = ConvBNSiLU(o3, o3, 3, 2)
        self.bu4 = C2f(o3 + o4, o4, depth)            # cat[down(P3), T4] -> P4
        self.down4 = ConvBNSiLU(o4, o4, 3, 2)
        self.bu5 = C2f(o4 + c5, o5, depth)            # cat[down(P4), C5] -> P5

    @staticmethod
    def _down(conv: nn.Module, x: torch.Tensor, size) -> torch.Tensor:
        return match_size(conv(x), size)

    def forward(self, feats):
        x, names = split_levels(feats, "YOLOPAN")
        check_levels(x, names, self.in_channels, "YOLOPAN", count_fix=t("err_yolo_count_fix"))
        c3, c4, c5 = x
        if self.sppf is not None:
            c5 = self.sppf(c5)
        t4 = self.td4(torch.cat([upsample_to(c5, c4.shape[-2:]), c4], 1))
        p3 = self.td3(torch.cat([upsample_to(t4, c3.shape[-2:]), c3], 1))
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
                raise ValueError(f"ultralytics layer {index} does not match YOLOPAN.{name}: build the "
                                 f"same size (YOLOv8n: YOLOPAN([64, 128, 256], sppf=True))")
            for a, b in zip(mine, theirs):
                a.copy_(b)
        return self


__all__ = ["C2f", "Bottleneck", "ConvBNSiLU", "SPPF", "YOLOPAN"]
