"""Conv + norm + activation: the brick backbones, necks and heads are built from.

>>> block = conv_norm_act(64, 128, kernel_size=3, stride=2, norm="bn", act="silu")
>>> block(torch.zeros(1, 64, 32, 32)).shape
torch.Size([1, 128, 16, 16])
"""
from __future__ import annotations

import math

import torch  # noqa: F401  (used by the doctest)
from torch import nn

NORMS = (None, "bn", "gn")
ACTS = (None, "relu", "silu")


def gn_groups(channels: int, groups: int = 32) -> int:
    """Number of GroupNorm groups for ``channels``: ``gcd(channels, groups)``, halved until every
    group holds at least two channels (one channel per group would be InstanceNorm, which
    throws away each channel's contrast).

    >>> gn_groups(256), gn_groups(32), gn_groups(24), gn_groups(2)
    (32, 16, 8, 1)
    """
    if channels < 2:
        raise ValueError(f"GroupNorm needs at least 2 channels so a group is not a single channel; "
                         f"got {channels}")
    g = math.gcd(channels, groups)
    while g > 1 and channels // g < 2:
        g //= 2
    return g


def make_norm(norm: str | None, channels: int) -> nn.Module:
    """``None`` → Identity, ``"bn"`` → BatchNorm2d, ``"gn"`` → GroupNorm (:func:`gn_groups`)."""
    if norm is None:
        return nn.Identity()
    if norm == "bn":
        return nn.BatchNorm2d(channels)
    if norm == "gn":
        return nn.GroupNorm(gn_groups(channels), channels)
    raise ValueError(f"norm={norm!r} is not one of {NORMS}")


def make_act(act: str | None) -> nn.Module:
    """``None`` → Identity, ``"relu"`` → ReLU, ``"silu"`` → SiLU."""
    if act is None:
        return nn.Identity()
    if act == "relu":
        return nn.ReLU(inplace=True)
    if act == "silu":
        return nn.SiLU(inplace=True)
    raise ValueError(f"act={act!r} is not one of {ACTS}")


def choose_norm(batch_per_device: int, devices: int = 1, min_batch: int = 16) -> str:
    """Rule of thumb for the norm layer from the batch each BatchNorm would see.

    BatchNorm computes its statistics per device, so what matters is the batch *per device*:
    ``≥ min_batch`` → ``"BatchNorm2d"``; else, with several devices whose batches add up to
    ``≥ min_batch`` → ``"SyncBatchNorm"`` (statistics gathered across devices); else
    ``"GroupNorm"`` (statistics per image, independent of the batch).

    >>> choose_norm(2), choose_norm(2, devices=8), choose_norm(16), choose_norm(2, devices=4)
    ('GroupNorm', 'SyncBatchNorm', 'BatchNorm2d', 'GroupNorm')
    """
    if batch_per_device < 1 or devices < 1:
        raise ValueError(f"need batch_per_device >= 1 and devices >= 1; got {batch_per_device}, {devices}")
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
    if bias is None:
        bias = norm is None
    conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=kernel_size // 2,
                     bias=bias, groups=groups)
    layers = [conv]
    if norm is not None:
        layers.append(make_norm(norm, cout))
    if act is not None:
        layers.append(make_act(act))
    return nn.Sequential(*layers)
