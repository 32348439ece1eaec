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

Everything about levels lives here: :class:`Level`; their names (:func:`level_name`,
:func:`p_names`, :func:`next_names`); measuring and checking strides (:func:`measure_strides`,
:func:`check_feature_info`); stride tables (:func:`stride_table`, :func:`default_strides`); and
the one rule that assigns an object to a level (:func:`assign_level`), which the detector's
training targets, the data-set statistics and :func:`recommend_level` all call.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .arguments import check_int, check_ints, check_number, check_size, is_int
from .errors import ArgumentError, FpnlabError
from .i18n import Strings

_t = Strings({
    "rec_ok": {
        "en": "Recommendation: the stride-{stride} level is enough (≈{cells:.2f} cells).",
        "tr": "Öneri: stride {stride} seviyesi yeterli (≈{cells:.2f} hücre).",
    },
    "rec_small": {
        "en": ("Warning: the object is too small; even stride {stride} gives only {cells:.2f} "
               "cells (< {min_cells}). Consider a higher input resolution, a finer level, "
               "augmentation or a stronger neck."),
        "tr": ("Uyarı: nesne çok küçük; stride {stride} bile yalnızca {cells:.2f} hücre veriyor "
               "(< {min_cells}). Daha yüksek çözünürlük, daha ince bir seviye, augmentation ya da "
               "daha güçlü bir neck düşün."),
    },
    "err_no_info": {
        "en": "{model} has no feature_info to check; declare its levels as a list of fpnlab.levels.Level",
        "tr": "{model} modelinde kontrol edilecek bir feature_info yok; seviyelerini fpnlab.levels.Level listesi olarak belirt",
    },
    "err_info_count": {"en": "{model} declares {n:d} levels but returns {m:d}",
                       "tr": "{model} {n:d} seviye belirtiyor ama {m:d} seviye döndürüyor"},
    "err_info_stride": {
        "en": "{name}: declared stride {d}, measured {m} (feature map {fh:d}×{fw:d} for a {h:d}×{w:d} input)",
        "tr": "{name}: belirtilen stride {d}, ölçülen {m} ({h:d}×{w:d} girdi için feature map {fh:d}×{fw:d})",
    },
    "err_info_channels": {"en": "{name}: declared {d:d} channels, measured {m:d}",
                          "tr": "{name}: belirtilen kanal {d:d}, ölçülen {m:d}"},
    "err_info_head": {"en": "feature_info does not match the model:", "tr": "feature_info modelle uyuşmuyor:"},
    "err_info_fix": {
        "en": ("Fix the model (e.g. a missing stride-2 stage before the first output) or its "
               "feature_info; a neck and head built on the declared strides will put objects on "
               "the wrong level."),
        "tr": ("Modeli (ör. ilk çıktıdan önce eksik kalan stride 2'lik bir stage) ya da "
               "feature_info'sunu düzelt; belirtilen stride'lara göre kurulan neck ve head, "
               "nesneleri yanlış seviyeye koyar."),
    },
    "err_level": {
        "en": "as_levels: cannot read a level from {got} in feature_info. Fix: give fpnlab Levels, a timm FeatureInfo or dicts with num_chs and reduction.",
        "tr": "as_levels: feature_info içindeki {got} bir seviye olarak okunamıyor. Düzeltme: fpnlab Level'ları, bir timm FeatureInfo ya da num_chs ve reduction taşıyan dict'ler ver.",
    },
    "err_output": {
        "en": "measure_strides: the model returned {got}. Fix: return a (B, C, H, W) tensor, or a list or dict of them.",
        "tr": "measure_strides: model {got} döndürdü. Düzeltme: (B, C, H, W) bir tensör ya da bunlardan oluşan bir liste veya dict döndür.",
    },
    "err_default_strides": {
        "en": "default_strides: {n:d} levels ending at stride {top:d} would need strides below 1. Fix: pass the strides (in_strides) yourself.",
        "tr": "default_strides: stride {top:d}'de biten {n:d} seviye 1'den küçük stride'lar gerektirir. Düzeltme: stride'ları (in_strides) kendin ver.",
    },
    "err_level_channels": {
        "en": "Level: channels = {value!r} must be None (unknown) or an integer ≥ 1. Fix: pass e.g. channels=64.",
        "tr": "Level: channels = {value!r} None (bilinmiyor) ya da en az 1 olan bir tam sayı olmalı. Düzeltme: örneğin channels=64 ver.",
    },
    "err_level_size": {
        "en": "Level: size = {value!r} must be None (unknown) or a pair (H, W) of integers ≥ 1. Fix: pass e.g. size=(32, 32).",
        "tr": "Level: size = {value!r} None (bilinmiyor) ya da en az 1 olan tam sayılardan bir (H, W) çifti olmalı. Düzeltme: örneğin size=(32, 32) ver.",
    },
})

DEFAULT_STRIDES = (4, 8, 16, 32, 64, 128)  # P2 .. P7


@dataclass(frozen=True)
class Level:
    """One pyramid level: its name, channel count, stride and (when known) its ``(H, W)``.

    ``channels`` is ``None`` when unknown (:func:`stride_table`, timm-style dicts without
    ``num_chs``); ``stride`` is a number > 0 — an int for a real level, a float only when
    :func:`measure_strides` measures a ratio that no power of two explains (``stride_from_sizes``);
    ``size`` is ``None`` or ``(H, W)`` in cells. Anything else raises
    :class:`fpnlab.errors.ArgumentError`.

    >>> Level("C3", 0, 8)
    Traceback (most recent call last):
    ...
    fpnlab.errors.ArgumentError: Level: channels = 0 must be None (unknown) or an integer ≥ 1. Fix: pass e.g. channels=64.
    """

    name: str
    channels: int | None
    stride: int | float
    size: tuple[int, int] | None = None

    def __post_init__(self):
        if self.channels is not None and not (is_int(self.channels) and self.channels >= 1):
            raise ArgumentError(_t("err_level_channels", value=self.channels))
        check_number("stride", self.stride, 0, strict=True, where="Level")
        if self.size is not None and not (
                isinstance(self.size, Sequence) and not isinstance(self.size, str) and len(self.size) == 2
                and all(is_int(v) and v >= 1 for v in self.size)):
            raise ArgumentError(_t("err_level_size", value=self.size))


def level_name(stride: int, prefix: str = "P") -> str:
    """``level_name(16) == "P4"``: a level is named after log2 of its stride (an integer ≥ 1; a
    stride that is no power of two gives ``"P(s12)"``)."""
    check_int("stride", stride, where="level_name")
    k = math.log2(stride)
    return f"{prefix}{int(k)}" if k.is_integer() else f"{prefix}(s{stride})"


def p_names(names: list[str] | None, n: int) -> list[str]:
    """A neck's output names: ``C3`` → ``P3``; other keys are kept (like torchvision); lists get
    ``P0``, ``P1``, ...

    >>> p_names(["C3", "C4"], 2), p_names(["a", "b"], 2), p_names(None, 2)
    (['P3', 'P4'], ['a', 'b'], ['P0', 'P1'])
    """
    n = check_int("n", n, where="p_names")
    if names is None:
        return [f"P{i}" for i in range(n)]
    if all(re.fullmatch(r"C\d+", k) for k in names):
        return ["P" + k[1:] for k in names]
    return list(names)


def next_names(names: list[str], n: int) -> list[str]:
    """Names of ``n`` levels added above ``names``: after ``P5`` come ``P6``, ``P7``...; after a
    name that is not ``P<k>``, ``extra0``, ``extra1``...

    >>> next_names(["P4", "P5"], 2), next_names(["out"], 1)
    (['P6', 'P7'], ['extra0'])
    """
    n = check_int("n", n, where="next_names")
    m = re.fullmatch(r"P(\d+)", names[-1]) if names else None
    return [f"P{int(m.group(1)) + j + 1}" if m else f"extra{j}" for j in range(n)]


def default_strides(n: int, top: int = 32) -> list[int]:
    """Strides of ``n`` consecutive levels ending at ``top``: ``default_strides(3) == [8, 16, 32]``
    (C3..C5), ``default_strides(4) == [4, 8, 16, 32]`` (C2..C5)."""
    n = check_int("n", n, where="default_strides")
    top = check_int("top", top, where="default_strides")
    if 2 ** (n - 1) > top:
        raise ArgumentError(_t("err_default_strides", n=n, top=top))
    return [top // 2 ** (n - 1 - i) for i in range(n)]


def as_hw(input_size, where: str = "input_size") -> tuple[int, int]:
    """``640`` or ``(480, 640)`` → ``(H, W)``; anything else raises
    :class:`fpnlab.errors.ArgumentError` saying so."""
    return check_size("input_size", input_size, where=where)


def stride_from_sizes(n_in: int, n_out: int) -> int | float:
    """The stride that maps ``n_in`` pixels to ``n_out`` cells: the nearest power of two when it
    explains the size (``ceil`` or ``floor`` of ``n_in / s``, as convs with padding give for odd
    inputs), else the exact ratio. ``n_in`` and ``n_out`` are integers ≥ 1.

    >>> stride_from_sizes(65, 33), stride_from_sizes(96, 8), stride_from_sizes(64, 128)
    (2, 12, 0.5)
    """
    n_in = check_int("n_in", n_in, where="stride_from_sizes")
    n_out = check_int("n_out", n_out, where="stride_from_sizes")
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
            raise ArgumentError(_t("err_level", got=type(lv).__name__))
    return levels


def _outputs(out, names: Sequence[str] | None) -> list:
    import torch

    if isinstance(out, torch.Tensor):
        out = [out]
    if isinstance(out, Mapping):
        return [(str(k), v) for k, v in out.items()]
    if isinstance(out, Sequence) and not isinstance(out, (str, bytes)):
        if names is None or len(names) != len(out):
            names = [f"out{i}" for i in range(len(out))]
        return list(zip(names, out))
    raise ArgumentError(_t("err_output", got=type(out).__name__))


def measure_strides(model, input_size, in_channels: int = 3) -> list[Level]:
    """Run ``model`` once on a zero image of ``input_size`` and return one :class:`Level` per
    output: name (dict key, ``feature_info`` name or ``out{i}``), channels, stride and ``(H, W)``.

    Any module works that returns a tensor, a list/tuple or a dict of ``(B, C, H, W)`` maps —
    fpnlab's backbones and necks, torchvision feature extractors, timm models built with
    ``features_only=True`` (whose ``feature_info`` is timm's ``FeatureInfo``; see :func:`as_levels`).

    The model is put in eval mode for the pass and restored afterwards.
    """
    import torch

    h, w = as_hw(input_size, "measure_strides")
    in_channels = check_int("in_channels", in_channels, where="measure_strides")
    names = [lv.name for lv in as_levels(getattr(model, "feature_info", None))] or None
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters(), None)
        x = torch.zeros(1, in_channels, h, w, device=param.device if param is not None else "cpu")
        with torch.no_grad():
            out = model(x)
    finally:
        model.train(was_training)
    levels = []
    for name, f in _outputs(out, names):
        fh, fw = f.shape[-2:]
        levels.append(Level(name, int(f.shape[1]), stride_from_sizes(h, fh), (int(fh), int(fw))))
    return levels


class StrideMismatchError(FpnlabError, ValueError):
    """A backbone's declared ``feature_info`` disagrees with what it really produces."""


def check_feature_info(model, input_size=256, in_channels: int = 3) -> list[Level]:
    """Measure ``model`` and compare with its declared ``feature_info`` (channels and strides;
    fpnlab levels, timm's ``FeatureInfo`` or timm-style dicts, read with :func:`as_levels`).

    Returns the measured levels, or raises :class:`StrideMismatchError` naming every level that
    disagrees, what was declared, what was measured and what to change.
    """
    declared = as_levels(getattr(model, "feature_info", None))
    model_name = type(model).__name__
    if not declared:
        raise StrideMismatchError(_t("err_no_info", model=model_name))
    measured = measure_strides(model, input_size, in_channels)
    if len(measured) != len(declared):
        raise StrideMismatchError(_t("err_info_count", model=model_name, n=len(declared), m=len(measured)))
    h, w = as_hw(input_size, "check_feature_info")
    problems = []
    for d, m in zip(declared, measured):
        if d.stride != m.stride:
            problems.append(_t("err_info_stride", name=d.name, d=d.stride, m=m.stride,
                              fh=m.size[0], fw=m.size[1], h=h, w=w))
        if d.channels is not None and d.channels != m.channels:
            problems.append(_t("err_info_channels", name=d.name, d=d.channels, m=m.channels))
    if problems:
        raise StrideMismatchError(
            _t("err_info_head") + "\n  " + "\n  ".join(problems) + "\n" + _t("err_info_fix"))
    return measured


def stride_table(input_size, strides: Sequence[int] = (4, 8, 16, 32)) -> list[Level]:
    """Feature-map size of every stride for an input of ``input_size`` (int or ``(H, W)``).

    Sizes use ``ceil`` — what stride-2 convolutions with ``padding = k // 2`` produce — so odd
    inputs are handled. Names are ``P{log2 stride}``.
    """
    h, w = as_hw(input_size, "stride_table")
    strides = check_ints("strides", strides, where="stride_table")
    return [Level(level_name(s), None, s, (math.ceil(h / s), math.ceil(w / s))) for s in strides]


def _strides(strides, where: str) -> list[int]:
    """``strides`` as a list of ints ≥ 1 (in any order), else :class:`ArgumentError`."""
    return check_ints("strides", strides, where=where)


def assign_level(side_px, strides=DEFAULT_STRIDES, min_cells: float = 2, index: bool = False):
    """The one rule that puts an object on a level: **the coarsest stride at which its shorter side
    covers at least ``min_cells`` cells** (``side_px ≥ min_cells · stride``); an object too small
    for every level goes to the finest.

    ``side_px`` is a number, a numpy array or a torch tensor of shorter sides in px (any shape);
    the result has its type and shape: the assigned strides, or with ``index=True`` their
    positions in ``strides`` (which may be in any order). :func:`recommend_level`,
    :func:`fpnlab.datastats.assign_levels` and :meth:`fpnlab.detector.Detector.level_index` call it.

    >>> assign_level(40), assign_level([7, 15.9, 16, 100, 500], (4, 8, 16, 32)).tolist()
    (16, [4, 4, 8, 32, 32])
    >>> assign_level(100, (32, 16, 8), index=True)  # stride 32 is strides[0]
    0
    """
    strides = _strides(strides, "assign_level")
    min_cells = check_number("min_cells", min_cells, 0, strict=True, where="assign_level")
    order = sorted(range(len(strides)), key=lambda i: strides[i])
    picked = order if index else [strides[i] for i in order]
    if type(side_px).__module__.startswith("torch"):
        import torch

        fine_to_coarse = torch.tensor([float(strides[i]) for i in order], device=side_px.device)
        n_fit = (side_px.unsqueeze(-1) >= min_cells * fine_to_coarse).sum(dim=-1)
        return torch.tensor(picked, device=side_px.device)[(n_fit - 1).clamp(min=0)]
    if isinstance(side_px, numbers.Real) and not isinstance(side_px, bool):
        side_px = check_number("side_px", side_px, where="assign_level")
        n_fit = sum(side_px >= min_cells * float(strides[i]) for i in order)
        return picked[max(n_fit - 1, 0)]
    side = np.asarray(side_px, dtype=np.float64)
    fine_to_coarse = np.array([float(strides[i]) for i in order])
    n_fit = (side[..., None] >= min_cells * fine_to_coarse).sum(axis=-1)
    return np.asarray(picked)[np.clip(n_fit - 1, 0, None)]


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
                    lang: str | None = None) -> Recommendation:
    """Coarsest stride at which an object of ``obj_px`` pixels (its shorter side) still covers
    ``min_cells`` feature-map cells (:func:`assign_level`).

    ``.cells`` maps every stride to the cells the object covers (``obj_px / stride``);
    ``.stride`` is ``None`` when even the finest stride gives fewer than ``min_cells``;
    ``.message`` explains the result in ``lang`` (``None``: the language :func:`fpnlab.set_lang` chose).
    """
    obj_px = check_number("obj_px", obj_px, 0, strict=True, where="recommend_level")
    min_cells = check_number("min_cells", min_cells, 0, strict=True, where="recommend_level")
    strides = sorted(_strides(strides, "recommend_level"))
    cells = {s: obj_px / s for s in strides}
    best = assign_level(obj_px, strides, min_cells)
    if obj_px >= min_cells * best:
        return Recommendation(obj_px, cells, best, _t("rec_ok", lang, stride=best, cells=cells[best]))
    msg = _t("rec_small", lang, stride=best, cells=cells[best], min_cells=min_cells)
    return Recommendation(obj_px, cells, None, msg)


__all__ = ["DEFAULT_STRIDES", "Level", "Recommendation", "StrideMismatchError", "as_hw", "as_levels", "assign_level",
           "check_feature_info", "default_strides", "level_name", "measure_strides", "next_names", "p_names",
           "recommend_level", "stride_from_sizes", "stride_table"]
