"""Stride maps: which level sees the image at which resolution, measured instead of assumed.

A backbone level ``Ck`` has stride ``2**k``: one cell of its feature map covers a
``2**k × 2**k`` patch of the input, so an ``H × W`` image gives ``ceil(H / 2**k) × ceil(W / 2**k)``
cells. Comments drift from code; :func:`measure_strides` runs the model once and reads the strides
off the output shapes.

>>> from fpnlab.backbones import TinyBackbone
>>> [(lv.name, lv.stride, lv.size) for lv in measure_strides(TinyBackbone(), 256)]
[('C2', 4, (64, 64)), ('C3', 8, (32, 32)), ('C4', 16, (16, 16)), ('C5', 32, (8, 8))]
>>> recommend_level(40).stride
16
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .i18n import t

DEFAULT_STRIDES = (4, 8, 16, 32, 64, 128)  # P2 .. P7


@dataclass(frozen=True)
class Level:
    """One pyramid level: its name, channel count, stride and (when known) its ``(H, W)``."""

    name: str
    channels: int | None
    stride: int | float
    size: tuple[int, int] | None = None


def level_name(stride: int, prefix: str = "P") -> str:
    """``level_name(16) == "P4"``: a level is named after log2 of its stride."""
    k = math.log2(stride)
    return f"{prefix}{int(k)}" if k.is_integer() else f"{prefix}(s{stride})"


def as_hw(input_size) -> tuple[int, int]:
    """``640`` or ``(480, 640)`` → ``(H, W)``; anything else is an error that says so."""
    if isinstance(input_size, int):
        return input_size, input_size
    if isinstance(input_size, Sequence) and len(input_size) == 2 and all(isinstance(v, int) for v in input_size):
        return int(input_size[0]), int(input_size[1])
    raise ValueError(f"input_size must be an int or (H, W); got {input_size!r}")


def stride_from_sizes(n_in: int, n_out: int) -> int | float:
    """The stride that maps ``n_in`` pixels to ``n_out`` cells: the nearest power of two when it
    explains the size (``ceil`` or ``floor`` of ``n_in / s``, as convs with padding give for odd
    inputs), else the exact ratio."""
    s = 2 ** round(math.log2(n_in / n_out))
    if n_out in (math.ceil(n_in / s), n_in // s):
        return s
    return n_in // n_out if n_in % n_out == 0 else round(n_in / n_out, 2)


def as_levels(info) -> list[Level]:
    """Any backbone's ``feature_info`` as a list of :class:`Level`: fpnlab's own list of levels,
    timm's ``FeatureInfo`` (``features_only=True`` models) or a list of timm-style dicts
    (``num_chs``, ``reduction``, ``module``). Unnamed levels are named ``C{log2 stride}``.

    >>> as_levels([{"num_chs": 64, "reduction": 4, "module": "layer1"}])
    [Level(name='C2', channels=64, stride=4, size=None)]
    """
    if info is None:
        return []
    if hasattr(info, "channels") and hasattr(info, "reduction") and callable(info.reduction):
        # timm's FeatureInfo: one dict per output index it returns
        info = [info.info[i] for i in info.out_indices] if hasattr(info, "out_indices") else list(info)
    levels = []
    for lv in info:
        if isinstance(lv, Level):
            levels.append(lv)
        elif isinstance(lv, Mapping):
            stride = lv.get("reduction", lv.get("stride"))
            channels = lv.get("num_chs", lv.get("channels"))
            name = lv.get("name") or level_name(stride, "C")
            levels.append(Level(str(name), None if channels is None else int(channels), stride))
        elif all(hasattr(lv, a) for a in ("name", "channels", "stride")):
            levels.append(Level(lv.name, lv.channels, lv.stride))
        else:
            raise TypeError(f"cannot read a level from {type(lv).__name__} in feature_info; expected "
                            "fpnlab Level, a timm FeatureInfo or dicts with num_chs and reduction")
    return levels


def _outputs(out, names: Sequence[str] | None) -> list[tuple[str, torch.Tensor]]:
    if isinstance(out, torch.Tensor):
        out = [out]
    if isinstance(out, Mapping):
        return [(str(k), v) for k, v in out.items()]
    if isinstance(out, Sequence) and not isinstance(out, (str, bytes)):
        if names is None or len(names) != len(out):
            names = [f"out{i}" for i in range(len(out))]
        return list(zip(names, out))
    raise TypeError(f"the model returned {type(out).__name__}; expected a tensor, a list or a dict of tensors")


@torch.no_grad()
def measure_strides(model: nn.Module, input_size, in_channels: int = 3) -> list[Level]:
    """Run ``model`` once on a zero image of ``input_size`` and return one :class:`Level` per
    output: name (dict key, ``feature_info`` name or ``out{i}``), channels, stride and ``(H, W)``.

    Any module works that returns a tensor, a list/tuple or a dict of ``(B, C, H, W)`` maps —
    fpnlab's backbones and necks, torchvision feature extractors, timm models built with
    ``features_only=True`` (whose ``feature_info`` is timm's ``FeatureInfo``; see :func:`as_levels`).

    The model is put in eval mode for the pass and restored afterwards.
    """
    h, w = as_hw(input_size)
    names = [lv.name for lv in as_levels(getattr(model, "feature_info", None))] or None
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters(), None)
        x = torch.zeros(1, in_channels, h, w, device=param.device if param is not None else "cpu")
        out = model(x)
    finally:
        model.train(was_training)
    levels = []
    for name, f in _outputs(out, names):
        fh, fw = f.shape[-2:]
        levels.append(Level(name, int(f.shape[1]), stride_from_sizes(h, fh), (int(fh), int(fw))))
    return levels


class StrideMismatchError(ValueError):
    """A backbone's declared ``feature_info`` disagrees with what it really produces."""


def check_feature_info(model: nn.Module, input_size=256, in_channels: int = 3) -> list[Level]:
    """Measure ``model`` and compare with its declared ``feature_info`` (channels and strides;
    fpnlab levels, timm's ``FeatureInfo`` or timm-style dicts, read with :func:`as_levels`).

    Returns the measured levels, or raises :class:`StrideMismatchError` naming every level that
    disagrees, what was declared, what was measured and what to change.
    """
    declared = as_levels(getattr(model, "feature_info", None))
    model_name = type(model).__name__
    if not declared:
        raise StrideMismatchError(t("err_no_info", model=model_name))
    measured = measure_strides(model, input_size, in_channels)
    if len(measured) != len(declared):
        raise StrideMismatchError(t("err_info_count", model=model_name, n=len(declared), m=len(measured)))
    h, w = as_hw(input_size)
    problems = []
    for d, m in zip(declared, measured):
        if d.stride != m.stride:
            problems.append(t("err_info_stride", name=d.name, d=d.stride, m=m.stride,
                              fh=m.size[0], fw=m.size[1], h=h, w=w))
        if d.channels is not None and d.channels != m.channels:
            problems.append(t("err_info_channels", name=d.name, d=d.channels, m=m.channels))
    if problems:
        raise StrideMismatchError(
            t("err_info_head") + "\n  " + "\n  ".join(problems) + "\n" + t("err_info_fix"))
    return measured


def stride_table(input_size, strides: Sequence[int] = (4, 8, 16, 32)) -> list[Level]:
    """Feature-map size of every stride for an input of ``input_size`` (int or ``(H, W)``).

    Sizes use ``ceil`` — what stride-2 convolutions with ``padding = k // 2`` produce — so odd
    inputs are handled. Names are ``P{log2 stride}``.
    """
    h, w = as_hw(input_size)
    return [Level(level_name(s), None, s, (math.ceil(h / s), math.ceil(w / s))) for s in strides]


@dataclass(frozen=True)
class Recommendation:
    """Result of :func:`recommend_level`."""

    obj_px: float
    cells: dict[int, float] = field(repr=False)
    stride: int | None
    message: str

    @property
    def level(self) -> str | None:
        """Name of the recommended level (``"P4"`` for stride 16), ``None`` when none fits."""
        return None if self.stride is None else level_name(self.stride)


def recommend_level(obj_px: float, strides: Sequence[int] = DEFAULT_STRIDES, min_cells: float = 2,
                    lang: str = "en") -> Recommendation:
    """Coarsest stride at which an object of ``obj_px`` pixels (its shorter side) still covers
    ``min_cells`` feature-map cells.

    ``.cells`` maps every stride to the cells the object covers (``obj_px / stride``);
    ``.stride`` is ``None`` when even the finest stride gives fewer than ``min_cells``;
    ``.message`` explains the result in ``lang``.
    """
    if obj_px <= 0:
        raise ValueError(f"obj_px must be positive (the object's shorter side in pixels); got {obj_px}")
    strides = sorted(strides)
    cells = {s: obj_px / s for s in strides}
    feasible = [s for s in strides if cells[s] >= min_cells]
    if feasible:
        best = max(feasible)
        msg = t("rec_ok", lang, stride=best, cells=cells[best])
        return Recommendation(obj_px, cells, best, msg)
    finest = strides[0]
    msg = t("rec_small", lang, stride=finest, cells=cells[finest], min_cells=min_cells)
    return Recommendation(obj_px, cells, None, msg)
