"""Effective receptive field (Luo et al. 2016): which input pixels move one output pixel, and how much.

The *theoretical* receptive field of a conv stack is the window its kernels could reach; the
*effective* one is measured: back-propagate from the centre output position (summed over its
channels) to the input, take ``|∂y/∂x|`` summed over the input channels, and normalise it to sum
to 1. Luo et al. found the mass concentrates in a roughly Gaussian blob much smaller than the
theoretical window; :func:`erf_radius` reports the half-width of the centred square that holds a
given fraction (95 % by default) of it.

The module runs in **eval mode** (restored afterwards): in train mode BatchNorm normalises with
the statistics of the batch, so every output depends on every image of the batch and on every
position of the map through the mean and variance, and the gradient would leak everywhere.
Weights are whatever the module holds (build it after ``torch.manual_seed`` for a reproducible
map); the input is standard normal drawn from a generator seeded with ``seed``.

>>> conv = torch.nn.Conv2d(1, 1, 3, padding=1)
>>> erf = effective_receptive_field(conv, 1, 9)
>>> [(int(i), int(j)) for i, j in (erf > 0).nonzero()][:3], erf_radius(erf, 1.0)
([(3, 3), (3, 4), (3, 5)], 1)
"""
from __future__ import annotations

import torch
from torch import nn

from .arguments import check_int, check_number, check_size
from .errors import ArgumentError
from .i18n import Strings

_t = Strings({
    "module": {"en": "effective_receptive_field: module must be a torch.nn.Module, got {got}. Fix: pass the module "
                     "itself.",
               "tr": "effective_receptive_field: module bir torch.nn.Module olmalı, gelen: {got}. Düzeltme: modülün "
                     "kendisini ver."},
    "output": {"en": "effective_receptive_field: the module returned {got}; it must return one (B, C, H', W') tensor. "
                     "Fix: wrap it so that it returns one level, e.g. lambda x: neck(x)['P3'].",
               "tr": "effective_receptive_field: modül {got} döndürdü; tek bir (B, C, H', W') tensör döndürmeli. "
                     "Düzeltme: tek seviye döndürecek biçimde sar, örneğin lambda x: neck(x)['P3']."},
    "erf": {"en": "{where}: erf must be a 2-d (H, W) float tensor, got {got}. Fix: pass the map "
                  "effective_receptive_field returns.",
            "tr": "{where}: erf 2 boyutlu (H, W) float bir tensör olmalı, gelen: {got}. Düzeltme: "
                  "effective_receptive_field'ın döndürdüğü haritayı ver."},
    "center": {"en": "erf_radius: center = {value!r} must be a pair (i, j) inside the {h:d} × {w:d} map. Fix: pass "
                     "e.g. center=({ci:d}, {cj:d}) or leave it None.",
               "tr": "erf_radius: center = {value!r}, {h:d} × {w:d} haritanın içinde bir (i, j) çifti olmalı. "
                     "Düzeltme: örneğin center=({ci:d}, {cj:d}) ver ya da None bırak."},
})


def _check_erf(erf, where: str) -> torch.Tensor:
    if not isinstance(erf, torch.Tensor) or erf.dim() != 2 or not erf.is_floating_point() or erf.numel() == 0:
        got = tuple(erf.shape) if isinstance(erf, torch.Tensor) else type(erf).__name__
        raise ArgumentError(_t("erf", where=where, got=got))
    return erf


def effective_receptive_field(module: nn.Module, in_channels: int, size: int | tuple[int, int],
                              batch: int = 4, seed: int = 0) -> torch.Tensor:
    """ERF of ``module`` at the centre output, as an ``(H, W)`` map that sums to 1.

    Args:
        module: maps ``(B, in_channels, H, W)`` to ``(B, C, H', W')`` (one tensor).
        in_channels: input channels.
        size: ``H`` (square) or ``(H, W)`` of the input.
        batch: random inputs averaged (the gradient of a network with ReLU/SiLU depends on the input).
        seed: seed of the input generator.

    The output position is ``(H' // 2, W' // 2)``; for stride 1 and odd or even sizes alike that
    is the input pixel ``(H // 2, W // 2)``, the centre :func:`erf_radius` measures from.
    """
    if not isinstance(module, nn.Module):
        raise ArgumentError(_t("module", got=type(module).__name__))
    in_channels = check_int("in_channels", in_channels, where="effective_receptive_field")
    h, w = check_size("size", size, where="effective_receptive_field")
    batch = check_int("batch", batch, where="effective_receptive_field")
    seed = check_int("seed", seed, 0, where="effective_receptive_field")
    p = next(iter(module.parameters()), None)
    device = p.device if p is not None else torch.device("cpu")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, in_channels, h, w, generator=gen).to(device).requires_grad_(True)
    was_training = module.training
    module.eval()
    try:
        with torch.enable_grad():
            y = module(x)
            if not isinstance(y, torch.Tensor) or y.dim() != 4:
                raise ArgumentError(_t("output", got=tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__))
            y[:, :, y.shape[-2] // 2, y.shape[-1] // 2].sum().backward()
    finally:
        module.train(was_training)
    g = x.grad.detach().abs().sum(dim=(0, 1)).cpu()
    total = g.sum()
    return g / total if total > 0 else g


def erf_radius(erf: torch.Tensor, mass: float = 0.95, center: tuple[int, int] | None = None) -> int:
    """Smallest ``r`` such that the ``(2r+1)×(2r+1)`` square around ``center`` (default
    ``(H // 2, W // 2)``) holds at least ``mass`` of the ERF (a map from
    :func:`effective_receptive_field`; a relative tolerance of 1e-6 absorbs rounding)."""
    h, w = _check_erf(erf, "erf_radius").shape
    mass = check_number("mass", mass, 0, 1, where="erf_radius")
    ci, cj = center if center is not None else (h // 2, w // 2)
    if center is not None and not (isinstance(center, (tuple, list)) and len(center) == 2
                                   and all(isinstance(c, int) and not isinstance(c, bool) for c in center)
                                   and 0 <= ci < h and 0 <= cj < w):
        raise ArgumentError(_t("center", value=center, h=h, w=w, ci=h // 2, cj=w // 2))
    total = float(erf.sum())
    for r in range(max(h, w)):
        window = erf[max(ci - r, 0):ci + r + 1, max(cj - r, 0):cj + r + 1]
        if float(window.sum()) >= mass * total * (1 - 1e-6):
            return r
    return max(h, w)


def erf_support(erf: torch.Tensor, rel_tol: float = 1e-12) -> torch.Tensor:
    """Boolean ``(H, W)`` map of the pixels that receive any gradient (``> rel_tol · max``)."""
    _check_erf(erf, "erf_support")
    check_number("rel_tol", rel_tol, 0, where="erf_support")
    return erf > rel_tol * float(erf.max())
