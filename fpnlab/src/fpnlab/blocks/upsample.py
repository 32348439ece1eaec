"""Upsamplers for the top-down path: nearest, bilinear, and DySample (learned point sampling).

:class:`DySample` (Liu et al., *Learning to Upsample by Learning to Sample*, ICCV 2023) starts from
bilinear upsampling and learns where to look: a 1×1 conv predicts, for every output pixel, a small
shift of the point that bilinear upsampling would read; ``grid_sample`` then reads the input at the
shifted points. With zero offsets it *is* bilinear upsampling (``align_corners=False``), which is
how it starts (offset conv weights ~ N(0, 0.001²), zero bias).

:func:`make_upsampler` builds one by name (:data:`UPSAMPLERS`); every one maps
``(B, C, H, W)`` → ``(B, C, sH, sW)``.

>>> x = torch.randn(2, 16, 5, 7)
>>> {k: tuple(make_upsampler(k, 16)(x).shape) for k in UPSAMPLERS}
{'nearest': (2, 16, 10, 14), 'bilinear': (2, 16, 10, 14), 'dysample': (2, 16, 10, 14)}
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..arguments import check_bool, check_choice, check_image_batch, check_int
from ..errors import ArgumentError
from ..i18n import Strings

_t = Strings({
    "groups": {
        "en": ("DySample: channels = {channels:d} must be a multiple of groups = {groups:d} (each group of "
               "channels shares one set of sampling points). Fix: pass groups={fix:d} or a channel count "
               "divisible by {groups:d}."),
        "tr": ("DySample: channels = {channels:d}, groups = {groups:d} değerinin katı olmalı (her kanal grubu "
               "tek bir örnekleme noktası kümesini paylaşır). Düzeltme: groups={fix:d} ya da {groups:d} ile "
               "bölünebilen bir kanal sayısı ver."),
    },
    "pl": {
        "en": ('DySample: style="pl" pixel-shuffles the input first, so channels = {channels:d} must be a '
               'multiple of scale² = {s2:d}. Fix: use style="lp", or a channel count divisible by {s2:d}.'),
        "tr": ('DySample: style="pl" önce girdiye pixel shuffle uygular, bu yüzden channels = {channels:d}, '
               'scale² = {s2:d} değerinin katı olmalı. Düzeltme: style="lp" ya da {s2:d} ile bölünebilen bir '
               'kanal sayısı ver.'),
    },
})


class Interpolate(nn.Module):
    """Parameter-free upsampling by ``F.interpolate``: ``(B, C, H, W)`` → ``(B, C, sH, sW)``, or to
    ``size`` when it is given (``align_corners=False`` for bilinear)."""

    def __init__(self, mode: str = "nearest", scale: int = 2):
        super().__init__()
        self.mode = check_choice("mode", mode, ("nearest", "bilinear"), where="Interpolate")
        self.scale = check_int("scale", scale, where="Interpolate")

    def forward(self, x: torch.Tensor, size=None) -> torch.Tensor:
        check_image_batch("x", x, where="Interpolate")
        kw = {} if self.mode == "nearest" else {"align_corners": False}
        if size is not None:
            return F.interpolate(x, size=tuple(size), mode=self.mode, **kw)
        return F.interpolate(x, scale_factor=self.scale, mode=self.mode, **kw)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, scale={self.scale}"


class DySample(nn.Module):
    """Upsampling by learned point sampling: ``(B, C, H, W)`` → ``(B, C, sH, sW)``.

    Args:
        channels: ``C``, the channels of the map to upsample (a multiple of ``groups``).
        scale: the factor ``s``.
        groups: channel groups; each group gets its own offsets (the paper's default 4).
        style: ``"lp"`` (linear then pixel shuffle: the offset conv reads the ``H × W`` input and
            predicts ``2·groups·s²`` channels, pixel-shuffled to ``sH × sW``) or ``"pl"`` (pixel
            shuffle then linear: the conv reads the ``C/s²``-channel ``sH × sW`` shuffle of the
            input and predicts ``2·groups`` channels).
        dyscope: multiply the offsets by a learned per-point scope ``0.5·sigmoid(conv(x))`` (a second
            conv of the same shape, initialised to zero, so it starts at the static 0.25) instead of
            the static factor 0.25.

    Offsets are in input pixels and are added to the initial positions ``init_pos`` — for ``s = 2``,
    ±0.25 px around each input pixel's centre, exactly where bilinear upsampling reads — then
    normalised to ``[-1, 1]`` for ``F.grid_sample`` (bilinear, ``align_corners=False``,
    ``padding_mode="border"``).

    Parameters: ``(C·2gs² + 2gs²)`` for ``"lp"``, ``(C/s²·2g + 2g)`` for ``"pl"``; twice that with
    ``dyscope``.

    >>> up = DySample(32, scale=2, groups=4)
    >>> x = torch.randn(1, 32, 6, 9)
    >>> tuple(up(x).shape), sum(p.numel() for p in up.parameters()) == 32 * 32 + 32
    ((1, 32, 12, 18), True)
    >>> with torch.no_grad():
    ...     _ = up.offset.weight.zero_()
    >>> torch.allclose(up(x), F.interpolate(x, scale_factor=2, mode="bilinear"), atol=1e-5)
    True
    """

    def __init__(self, channels: int, scale: int = 2, groups: int = 4, style: str = "lp",
                 dyscope: bool = False):
        super().__init__()
        self.channels = check_int("channels", channels, where="DySample")
        self.scale = check_int("scale", scale, where="DySample")
        self.groups = check_int("groups", groups, where="DySample")
        self.style = check_choice("style", style, ("lp", "pl"), where="DySample")
        check_bool("dyscope", dyscope, where="DySample")
        if channels % groups:
            fix = max(g for g in range(1, groups + 1) if channels % g == 0)
            raise ArgumentError(_t("groups", channels=channels, groups=groups, fix=fix))
        s2 = scale * scale
        if style == "pl" and channels % s2:
            raise ArgumentError(_t("pl", channels=channels, s2=s2))
        cin, cout = (channels, 2 * groups * s2) if style == "lp" else (channels // s2, 2 * groups)
        self.offset = nn.Conv2d(cin, cout, 1)
        nn.init.normal_(self.offset.weight, 0.0, 0.001)
        nn.init.zeros_(self.offset.bias)
        self.scope = None
        if dyscope:
            self.scope = nn.Conv2d(cin, cout, 1)
            nn.init.zeros_(self.scope.weight)
            nn.init.zeros_(self.scope.bias)
        self.register_buffer("init_pos", self._init_pos(), persistent=False)

    def _init_pos(self) -> torch.Tensor:
        """``(1, 2·g·s², 1, 1)``: x shifts then y shifts, each ordered (group, sub-row, sub-column);
        the sub-pixel centres of an ``s × s`` block, ``(k - (s-1)/2) / s`` px, k = 0..s-1."""
        s, g = self.scale, self.groups
        h = (torch.arange(s, dtype=torch.float32) - (s - 1) / 2) / s
        dy, dx = torch.meshgrid(h, h, indexing="ij")              # (s, s): row, column shifts
        pos = torch.stack([dx, dy]).unsqueeze(1).expand(2, g, s, s)  # (2, g, s, s)
        return pos.reshape(1, -1, 1, 1)

    def _offsets(self, x: torch.Tensor) -> torch.Tensor:
        """Offsets in input pixels, ``(B, 2·g·s², H, W)`` (before ``init_pos``)."""
        s = self.scale
        src = x if self.style == "lp" else F.pixel_shuffle(x, s)
        off = self.offset(src)
        off = off * (0.5 * self.scope(src).sigmoid()) if self.scope is not None else off * 0.25
        return off if self.style == "lp" else F.pixel_unshuffle(off, s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.channels, channels_arg="channels", where="DySample")
        b, c, h, w = x.shape
        s, g = self.scale, self.groups
        off = (self._offsets(x) + self.init_pos.to(x.dtype)).view(b, 2, g * s * s, h, w)
        # sampling points in input pixels (pixel centres at i + 0.5), then normalised to [-1, 1]
        ys = torch.arange(h, dtype=x.dtype, device=x.device) + 0.5
        xs = torch.arange(w, dtype=x.dtype, device=x.device) + 0.5
        base = torch.stack([xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w)])   # (2, H, W)
        size = torch.tensor([w, h], dtype=x.dtype, device=x.device).view(1, 2, 1, 1, 1)
        grid = 2 * (base.view(1, 2, 1, h, w) + off) / size - 1                          # (B, 2, g·s², H, W)
        grid = F.pixel_shuffle(grid.view(b, -1, h, w), s).view(b, 2, g, s * h, s * w)
        grid = grid.permute(0, 2, 3, 4, 1).contiguous().view(b * g, s * h, s * w, 2)
        out = F.grid_sample(x.reshape(b * g, c // g, h, w), grid, mode="bilinear",
                            padding_mode="border", align_corners=False)
        return out.view(b, c, s * h, s * w)

    def extra_repr(self) -> str:
        return (f"channels={self.channels}, scale={self.scale}, groups={self.groups}, style={self.style!r}, "
                f"dyscope={self.scope is not None}")


def _nearest(channels: int, scale: int = 2) -> nn.Module:
    return Interpolate("nearest", scale)


def _bilinear(channels: int, scale: int = 2) -> nn.Module:
    return Interpolate("bilinear", scale)


def _dysample(channels: int, scale: int = 2) -> nn.Module:
    return DySample(channels, scale)


#: the upsamplers by name: ``(channels, scale) -> nn.Module``, ``(B, C, H, W) → (B, C, sH, sW)``
UPSAMPLERS = {"nearest": _nearest, "bilinear": _bilinear, "dysample": _dysample}


def make_upsampler(kind: str, channels: int, scale: int = 2) -> nn.Module:
    """``UPSAMPLERS[kind](channels, scale)``; nearest and bilinear have no parameters (``channels``
    is only checked). An unknown ``kind`` raises :class:`~fpnlab.errors.UnknownNameError`
    listing :data:`UPSAMPLERS`."""
    check_choice("kind", kind, UPSAMPLERS, where="make_upsampler")
    check_int("channels", channels, where="make_upsampler")
    return UPSAMPLERS[kind](channels, scale)


__all__ = ["DySample", "Interpolate", "UPSAMPLERS", "make_upsampler"]
