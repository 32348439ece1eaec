"""Conv + norm + activation: the brick backbones, necks and heads are built from.

>>> block = conv_norm_act(64, 128, kernel_size=3, stride=2, norm="bn", act="silu")
>>> block(torch.zeros(1, 64, 32, 32)).shape
torch.Size([1, 128, 16, 16])
"""
from __future__ import annotations

import math

import torch  # noqa: F401  (used by the doctest)
from torch import nn

from ..arguments import check_bool, check_choice, check_int, check_number, is_int
from ..errors import ArgumentError
from ..i18n import Strings

NORMS = (None, "bn", "gn")
ACTS = (None, "relu", "silu")

_t = Strings({
    "gn_channels": {
        "en": "gn_groups: channels = {channels!r}: GroupNorm needs at least 2 channels so a group is not a "
              "single channel. Fix: use norm=\"bn\" or None for a 1-channel map, or widen it to ≥ 2 channels.",
        "tr": "gn_groups: channels = {channels!r}: GroupNorm'un en az 2 kanala ihtiyacı var, yoksa bir grup tek "
              "kanal olur. Düzeltme: 1 kanallı bir map için norm=\"bn\" ya da None kullan veya kanalları ≥ 2'ye çıkar."},
    "gn_opts": {
        "en": "make_norm: momentum = {momentum!r} applies to BatchNorm only; GroupNorm keeps no running "
              "statistics. Fix: leave momentum=None with norm=\"gn\".",
        "tr": "make_norm: momentum = {momentum!r} yalnızca BatchNorm için geçerli; GroupNorm running "
              "istatistik tutmaz. Düzeltme: norm=\"gn\" ile momentum=None bırak."},
    "rate": {
        "en": "{where}: {name} = {value!r} must be a probability in [0, 1). Fix: pass e.g. {name}=0.1 (0 turns it off).",
        "tr": "{where}: {name} = {value!r} [0, 1) aralığında bir olasılık olmalı. Düzeltme: örneğin {name}=0.1 ver "
              "(0 kapatır)."},
    "groups": {
        "en": "conv_norm_act: groups = {groups:d} must divide cin = {cin:d} and cout = {cout:d}. Fix: pick groups "
              "among their common divisors (groups=cin for a depthwise conv when cin == cout).",
        "tr": "conv_norm_act: groups = {groups:d}, cin = {cin:d} ve cout = {cout:d} sayılarını tam bölmeli. Düzeltme: "
              "groups'u ortak bölenlerinden seç (cin == cout iken depthwise conv için groups=cin)."},
    "batches": {
        "en": "choose_norm: {name} = {value!r} must be an integer ≥ 1. Fix: pass the number of images each "
              "device sees per step (batch_per_device) and the number of devices, e.g. choose_norm(8, devices=2).",
        "tr": "choose_norm: {name} = {value!r} en az 1 olan bir tam sayı olmalı. Düzeltme: her cihazın adım başına "
              "gördüğü görüntü sayısını (batch_per_device) ve cihaz sayısını ver, örneğin choose_norm(8, devices=2)."},
})


def check_rate(name: str, value, where: str) -> float:
    """``value`` as a ``float`` if it is a drop rate in ``[0, 1)``, else
    :class:`~fpnlab.errors.ArgumentError` naming ``where``, ``name`` and the fix."""
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1)
    if not ok:
        raise ArgumentError(_t("rate", where=where, name=name, value=value))
    return float(value)


def gn_groups(channels: int, groups: int = 32) -> int:
    """Number of GroupNorm groups for ``channels``: ``gcd(channels, groups)``, halved until every
    group holds at least two channels (one channel per group would be InstanceNorm, which
    throws away each channel's contrast).

    >>> gn_groups(256), gn_groups(32), gn_groups(24), gn_groups(2)
    (32, 16, 8, 1)
    """
    check_int("channels", channels, minimum=1, where="gn_groups")
    check_int("groups", groups, minimum=1, where="gn_groups")
    if channels < 2:
        raise ArgumentError(_t("gn_channels", channels=channels))
    g = math.gcd(channels, groups)
    while g > 1 and channels // g < 2:
        g //= 2
    return g


def make_norm(norm: str | None, channels: int, eps: float | None = None,
              momentum: float | None = None) -> nn.Module:
    """The one place fpnlab builds a norm layer for ``(B, channels, H, W)`` maps.

    ``None`` → Identity, ``"bn"`` → ``BatchNorm2d`` (PyTorch's ``eps=1e-5, momentum=0.1`` unless
    given: YOLOv8 uses ``eps=1e-3, momentum=0.03``, EfficientDet ``eps=1e-3, momentum=0.01``),
    ``"gn"`` → ``GroupNorm`` with :func:`gn_groups` groups (``eps`` if given; no ``momentum``).
    An unknown name raises :class:`~fpnlab.errors.UnknownNameError`.

    >>> bn = make_norm("bn", 64, eps=1e-3, momentum=0.03)
    >>> type(bn).__name__, bn.eps, bn.momentum
    ('BatchNorm2d', 0.001, 0.03)
    >>> gn = make_norm("gn", 64)
    >>> type(gn).__name__, gn.num_groups
    ('GroupNorm', 32)
    """
    check_choice("norm", norm, NORMS, where="make_norm")
    check_int("channels", channels, where="make_norm")
    if eps is not None:
        check_number("eps", eps, minimum=0, strict=True, where="make_norm")
    if momentum is not None:
        check_number("momentum", momentum, minimum=0, maximum=1, where="make_norm")
    if norm is None:
        return nn.Identity()
    if norm == "bn":
        opts = {k: v for k, v in (("eps", eps), ("momentum", momentum)) if v is not None}
        return nn.BatchNorm2d(channels, **opts)
    if momentum is not None:
        raise ArgumentError(_t("gn_opts", momentum=momentum))
    return nn.GroupNorm(gn_groups(channels), channels, **({} if eps is None else {"eps": eps}))


def make_act(act: str | None) -> nn.Module:
    """``None`` → Identity, ``"relu"`` → ReLU, ``"silu"`` → SiLU (in place); an unknown name
    raises :class:`~fpnlab.errors.UnknownNameError`."""
    check_choice("act", act, ACTS, where="make_act")
    if act is None:
        return nn.Identity()
    if act == "relu":
        return nn.ReLU(inplace=True)
    return nn.SiLU(inplace=True)


def choose_norm(batch_per_device: int, devices: int = 1, min_batch: int = 16) -> str:
    """Rule of thumb for the norm layer from the batch each BatchNorm would see.

    BatchNorm computes its statistics per device, so what matters is the batch *per device*:
    ``≥ min_batch`` → ``"BatchNorm2d"``; else, with several devices whose batches add up to
    ``≥ min_batch`` → ``"SyncBatchNorm"`` (statistics gathered across devices); else
    ``"GroupNorm"`` (statistics per image, independent of the batch).

    >>> choose_norm(2), choose_norm(2, devices=8), choose_norm(16), choose_norm(2, devices=4)
    ('GroupNorm', 'SyncBatchNorm', 'BatchNorm2d', 'GroupNorm')
    """
    for name, value in (("batch_per_device", batch_per_device), ("devices", devices)):
        if not (is_int(value) and value >= 1):
            raise ArgumentError(_t("batches", name=name, value=value))
    check_int("min_batch", min_batch, where="choose_norm")
    if batch_per_device >= min_batch:
        return "BatchNorm2d"
    if devices > 1 and batch_per_device * devices >= min_batch:
        return "SyncBatchNorm"
    return "GroupNorm"


def conv_norm_act(cin: int, cout: int, kernel_size: int = 3, stride: int = 1,
                  norm: str | None = None, act: str | None = None,
                  bias: bool | None = None, groups: int = 1) -> nn.Sequential:
    """``Conv2d(padding=k//2) → norm → act`` mapping ``(B, cin, H, W)`` to
    ``(B, cout, ceil(H/stride), ceil(W/stride))``. ``bias=None`` means "only without norm"."""
    where = "conv_norm_act"
    check_int("cin", cin, where=where)
    check_int("cout", cout, where=where)
    check_int("kernel_size", kernel_size, where=where)
    check_int("stride", stride, where=where)
    check_int("groups", groups, where=where)
    check_choice("norm", norm, NORMS, where=where)
    check_choice("act", act, ACTS, where=where)
    if bias is None:
        bias = norm is None
    check_bool("bias", bias, where=where)
    if cin % groups or cout % groups:
        raise ArgumentError(_t("groups", cin=cin, cout=cout, groups=groups))
    conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=kernel_size // 2,
                     bias=bias, groups=groups)
    layers = [conv]
    if norm is not None:
        layers.append(make_norm(norm, cout))
    if act is not None:
        layers.append(make_act(act))
    return nn.Sequential(*layers)
