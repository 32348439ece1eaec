"""Arguments checked at the door: what every public function and constructor of fpnlab runs on its
arguments before torch sees them. A bad value raises :class:`fpnlab.errors.ArgumentError` (an
unknown name :class:`fpnlab.errors.UnknownNameError`) naming the function, the argument, the value
and the fix, in the reader's language.

>>> check_int("out_channels", 256, where="FPN")
256
>>> check_int("out_channels", 0, where="FPN")
Traceback (most recent call last):
...
fpnlab.errors.ArgumentError: FPN: out_channels = 0 must be an integer ≥ 1. Fix: pass a whole number ≥ 1, e.g. out_channels=1.
>>> check_choice("norm", "batch", ("bn", "gn", None), where="make_norm")
Traceback (most recent call last):
...
fpnlab.errors.UnknownNameError: make_norm: norm = 'batch' is not one of 'bn', 'gn', None. Fix: pick one of them.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from .errors import ArgumentError, UnknownNameError
from .i18n import Strings

_t = Strings({
    "where": {"en": "{where}: ", "tr": "{where}: "},
    "int": {"en": "{where}{name} = {value!r} must be an integer ≥ {minimum:d}. Fix: pass a whole number ≥ {minimum:d}, e.g. {name}={minimum:d}.",
            "tr": "{where}{name} = {value!r} en az {minimum:d} olan bir tam sayı olmalı. Düzeltme: {minimum:d} ya da daha büyük bir tam sayı ver, örneğin {name}={minimum:d}."},
    "number": {"en": "{where}{name} = {value!r} must be a number {rule}. Fix: pass a number {rule}.",
               "tr": "{where}{name} = {value!r} {rule} bir sayı olmalı. Düzeltme: {rule} bir sayı ver."},
    "ge": {"en": "≥ {x}", "tr": "≥ {x} olan"},
    "gt": {"en": "> {x}", "tr": "> {x} olan"},
    "between": {"en": "in [{lo}, {hi}]", "tr": "[{lo}, {hi}] aralığında"},
    "le": {"en": "≤ {x}", "tr": "≤ {x} olan"},
    "finite": {"en": "that is finite", "tr": "sonlu"},
    "ints": {"en": "{where}{name} = {value!r} must be a non-empty list of integers ≥ {minimum:d}{length}. Fix: pass e.g. {example}.",
             "tr": "{where}{name} = {value!r}, {minimum:d} ya da daha büyük tam sayılardan oluşan boş olmayan bir liste olmalı{length}. Düzeltme: örneğin {example} ver."},
    "length": {"en": " with {n:d} entries", "tr": " ({n:d} elemanlı)"},
    "choice": {"en": "{where}{name} = {value!r} is not one of {choices}. Fix: pick one of them.",
               "tr": "{where}{name} = {value!r} şunlardan biri değil: {choices}. Düzeltme: bunlardan birini seç."},
    "tensor_type": {"en": "{where}{name} must be a torch.Tensor, got {got}. Fix: pass a float tensor of shape {shape}.",
                    "tr": "{where}{name} bir torch.Tensor olmalı, gelen: {got}. Düzeltme: {shape} biçiminde float bir tensör ver."},
    "tensor_float": {"en": "{where}{name} has dtype {dtype}; it must be floating point. Fix: convert it, e.g. {name}.float() (images: / 255).",
                     "tr": "{where}{name} tensörünün dtype'ı {dtype}; kayan noktalı olmalı. Düzeltme: dönüştür, örneğin {name}.float() (görüntüler için / 255)."},
    "tensor_ndim": {"en": "{where}{name} has shape {got}; expected {shape}. Fix: {fix}",
                    "tr": "{where}{name} tensörünün biçimi {got}; beklenen {shape}. Düzeltme: {fix}"},
    "fix_batch": {"en": "add the batch dimension with {name}.unsqueeze(0).",
                  "tr": "batch boyutunu {name}.unsqueeze(0) ile ekle."},
    "fix_ndim": {"en": "pass a 4-d (B, C, H, W) tensor.", "tr": "4 boyutlu bir (B, C, H, W) tensör ver."},
    "tensor_channels": {"en": "{where}{name} has {got:d} channels; expected {want:d}. Fix: pass a (B, {want:d}, H, W) tensor, or build the module with {want_arg}={got:d}.",
                        "tr": "{where}{name} {got:d} kanallı; beklenen {want:d}. Düzeltme: (B, {want:d}, H, W) bir tensör ver ya da modülü {want_arg}={got:d} ile kur."},
    "tensor_empty": {"en": "{where}{name} has shape {got}, with an empty dimension. Fix: pass at least one image of at least 1 × 1 px.",
                     "tr": "{where}{name} tensörünün biçimi {got}, boş bir boyutu var. Düzeltme: en az 1 × 1 px'lik en az bir görüntü ver."},
    "size": {"en": "{where}{name} = {value!r} must be a size in px: an integer ≥ 1 or a pair (H, W) of them. Fix: pass e.g. {name}=640 or {name}=(480, 640).",
             "tr": "{where}{name} = {value!r} px cinsinden bir boyut olmalı: 1 ya da daha büyük bir tam sayı veya bunlardan bir (H, W) çifti. Düzeltme: örneğin {name}=640 ya da {name}=(480, 640) ver."},
    "bool": {"en": "{where}{name} = {value!r} must be True or False. Fix: pass a bool.",
             "tr": "{where}{name} = {value!r} True ya da False olmalı. Düzeltme: bir bool ver."},
})


def _where(where: str | None) -> str:
    return _t("where", where=where) if where else ""


def is_int(v) -> bool:
    """An integer that is not a bool (``numpy`` integers count)."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_int(name: str, value, minimum: int = 1, where: str | None = None) -> int:
    """``value`` as an ``int`` if it is an integer ≥ ``minimum`` (floats, bools and strings are
    refused, even ``2.0``), else :class:`ArgumentError`. ``where`` names the function for the
    message."""
    if not is_int(value) or value < minimum:
        raise ArgumentError(_t("int", where=_where(where), name=name, value=value, minimum=minimum))
    return int(value)


def check_number(name: str, value, minimum: float | None = None, maximum: float | None = None,
                 strict: bool = False, where: str | None = None) -> float:
    """``value`` as a ``float`` if it is a finite real number within ``[minimum, maximum]``
    (``> minimum`` when ``strict``), else :class:`ArgumentError`."""
    if minimum is not None and maximum is not None:
        rule = _t("between", lo=minimum, hi=maximum)
    elif minimum is not None:
        rule = _t("gt" if strict else "ge", x=minimum)
    elif maximum is not None:
        rule = _t("le", x=maximum)
    else:
        rule = _t("finite")
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
          and (minimum is None or (value > minimum if strict else value >= minimum))
          and (maximum is None or value <= maximum))
    if not ok:
        raise ArgumentError(_t("number", where=_where(where), name=name, value=value, rule=rule))
    return float(value)


def check_ints(name: str, values, minimum: int = 1, length: int | None = None,
               where: str | None = None) -> list[int]:
    """``values`` as a list of ints if it is a non-empty sequence of integers ≥ ``minimum`` (with
    ``length`` entries when given), else :class:`ArgumentError`."""
    ok = (isinstance(values, Sequence) and not isinstance(values, str) and len(values) > 0
          and all(is_int(v) and v >= minimum for v in values)
          and (length is None or len(values) == length))
    if not ok:
        n = length or 3
        example = "[" + ", ".join(str(max(minimum, 1) * 2 ** i) for i in range(n)) + "]"
        raise ArgumentError(_t("ints", where=_where(where), name=name, value=values, minimum=minimum,
                               length=_t("length", n=length) if length else "", example=example))
    return [int(v) for v in values]


def check_choice(name: str, value, choices, where: str | None = None):
    """``value`` if it is one of ``choices`` (a sequence or a mapping's keys), else
    :class:`UnknownNameError` listing them."""
    choices = list(choices)
    try:
        known = value in choices
    except TypeError:  # unhashable
        known = False
    if not known:
        raise UnknownNameError(_t("choice", where=_where(where), name=name, value=value,
                                  choices=", ".join(map(repr, choices))))
    return value


def check_bool(name: str, value, where: str | None = None) -> bool:
    """``value`` if it is a bool, else :class:`ArgumentError`."""
    if not isinstance(value, bool):
        raise ArgumentError(_t("bool", where=_where(where), name=name, value=value))
    return value


def check_size(name: str, value, where: str | None = None) -> tuple[int, int]:
    """An input size in px — an int ≥ 1 or a pair ``(H, W)`` of them — as ``(H, W)``."""
    if is_int(value) and value >= 1:
        return int(value), int(value)
    if (isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2
            and all(is_int(v) and v >= 1 for v in value)):
        return int(value[0]), int(value[1])
    raise ArgumentError(_t("size", where=_where(where), name=name, value=value))


def check_image_batch(name: str, x, channels: int | None = None, channels_arg: str = "in_channels",
                      where: str | None = None):
    """``x`` if it is a floating-point ``(B, C, H, W)`` tensor with no empty dimension (and
    ``channels`` channels when given), else :class:`ArgumentError` naming what to change."""
    import torch

    w = _where(where)
    if not isinstance(x, torch.Tensor):
        raise ArgumentError(_t("tensor_type", where=w, name=name, got=type(x).__name__, shape="(B, C, H, W)"))
    if not x.is_floating_point():
        raise ArgumentError(_t("tensor_float", where=w, name=name, dtype=str(x.dtype).replace("torch.", "")))
    if x.dim() != 4:
        fix = _t("fix_batch", name=name) if x.dim() == 3 else _t("fix_ndim")
        raise ArgumentError(_t("tensor_ndim", where=w, name=name, got=tuple(x.shape), shape="(B, C, H, W)", fix=fix))
    if 0 in x.shape:
        raise ArgumentError(_t("tensor_empty", where=w, name=name, got=tuple(x.shape)))
    if channels is not None and x.shape[1] != channels:
        raise ArgumentError(_t("tensor_channels", where=w, name=name, got=int(x.shape[1]), want=int(channels),
                               want_arg=channels_arg))
    return x


__all__ = ["check_bool", "check_choice", "check_image_batch", "check_int", "check_ints", "check_number",
           "check_size", "is_int"]
