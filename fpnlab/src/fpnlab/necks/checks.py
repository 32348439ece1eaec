"""Level handling shared by the necks: input checks whose errors name the level, what was
expected, what came and what to change (the seed's debugging checklist, turned into messages),
and the small size/name helpers every neck needs."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import re

import torch
import torch.nn.functional as F


class PyramidInputError(ValueError):
    """The levels given to a neck do not fit what it was built for."""


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def split_levels(feats, neck: str) -> tuple[list[torch.Tensor], list[str] | None]:
    """``list``/``tuple`` or ``dict`` of feature maps → (tensors, names or ``None``)."""
    if isinstance(feats, Mapping):
        return list(feats.values()), [str(k) for k in feats.keys()]
    if isinstance(feats, Sequence) and not isinstance(feats, (str, bytes)):
        return list(feats), None
    got = f"a tensor of shape {_shape(feats)}" if isinstance(feats, torch.Tensor) else type(feats).__name__
    raise PyramidInputError(
        f"{neck} expects the backbone levels as a list ordered fine → coarse (e.g. [C2, C3, C4, C5]) "
        f"or a dict {{'C2': ..., 'C5': ...}}; got {got}. Pass everything the backbone returns, "
        "not a single feature map.")


def check_levels(x: list, names: list[str] | None, in_channels: Sequence[int], neck: str,
                 count_fix: str | None = None) -> None:
    """Validate a fine → coarse list of ``(B, C, H, W)`` maps against ``in_channels``.
    ``count_fix`` replaces the generic advice when the number of levels is wrong."""
    labels = names or [f"level {i}" for i in range(len(x))]
    n = len(in_channels)
    if len(x) != n:
        raise PyramidInputError(
            f"{neck} was built for {n} levels (in_channels={list(in_channels)}) but got {len(x)} "
            f"feature maps. " + (count_fix or f"Pass all {n} levels (fine → coarse), or build the "
                                 f"neck with one in_channels entry per level you pass."))
    for i, (f, name) in enumerate(zip(x, labels)):
        if not isinstance(f, torch.Tensor) or f.dim() != 4:
            got = _shape(f) if isinstance(f, torch.Tensor) else type(f).__name__
            raise PyramidInputError(
                f"{neck}: {name!r} (index {i}) is {got}; every level must be a (B, C, H, W) tensor.")
        if f.shape[0] != x[0].shape[0]:
            raise PyramidInputError(
                f"{neck}: {name!r} has batch size {f.shape[0]} but {labels[0]!r} has {x[0].shape[0]}; "
                "all levels must come from the same batch.")
    sizes = [tuple(f.shape[-2:]) for f in x]
    for i in range(1, n):
        if sizes[i][0] > sizes[i - 1][0] or sizes[i][1] > sizes[i - 1][1]:
            hint = " The whole list looks reversed: pass it as feats[::-1]." if sizes == sorted(sizes) else ""
            raise PyramidInputError(
                f"{neck}: levels are in the wrong order: {labels[i]!r} ({sizes[i][0]}×{sizes[i][1]}) is "
                f"larger than the level before it, {labels[i - 1]!r} ({sizes[i - 1][0]}×{sizes[i - 1][1]}). "
                f"Pass levels fine → coarse ([C2, C3, C4, C5]); the top-down path starts at the "
                f"last, coarsest one.{hint}")
    got = [int(f.shape[1]) for f in x]
    for i, (c, want) in enumerate(zip(got, in_channels)):
        if c != want:
            raise PyramidInputError(
                f"{neck}: {labels[i]!r} (index {i}) has {c} channels but the neck was built for "
                f"{want} there, so its first conv on that level expects {want} (in_channels[{i}]). "
                f"Build the neck with the backbone's channels, in_channels={got} (see the "
                f"backbone's feature_info).")
    for i in range(1, n):
        (ph, pw), (h, w) = sizes[i - 1], sizes[i]
        if abs(ph - 2 * h) > 2 or abs(pw - 2 * w) > 2:
            raise PyramidInputError(
                f"{neck}: {labels[i]!r} is {h}×{w} but the level before it, {labels[i - 1]!r}, is "
                f"{ph}×{pw}; each level should be about half the size of the previous one "
                f"(stride ×2). Check the backbone's stride map with "
                f"fpnlab.strides.measure_strides(backbone, input_size): a stage may be missing its "
                f"stride-2 downsampling, or a level may be skipped.")


def match_size(x: torch.Tensor, size) -> torch.Tensor:
    """``x`` resized (nearest) to ``size`` only if it differs: a downsampled map meets a level of
    a backbone that floors odd sizes instead of rounding up."""
    return x if tuple(x.shape[-2:]) == tuple(size) else F.interpolate(x, size=size, mode="nearest")


def next_names(names: list[str], n: int) -> list[str]:
    """Names of ``n`` levels added above ``names``: after ``P5`` come ``P6``, ``P7``...; after a
    name that is not ``P<k>``, ``extra0``, ``extra1``..."""
    m = re.fullmatch(r"P(\d+)", names[-1]) if names else None
    return [f"P{int(m.group(1)) + j + 1}" if m else f"extra{j}" for j in range(n)]
