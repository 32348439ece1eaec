"""Level handling shared by the necks: input checks whose errors name the level, what was
expected, what came and what to change (the seed's debugging checklist, turned into messages),
and the small size/name helpers every neck needs."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from ..i18n import t
from ..levels import Level, as_levels, default_strides, level_name


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
    got = t("err_a_tensor", shape=_shape(feats)) if isinstance(feats, torch.Tensor) else type(feats).__name__
    raise PyramidInputError(t("err_not_levels", neck=neck, got=got))


def check_levels(x: list, names: list[str] | None, in_channels: Sequence[int], neck: str,
                 count_fix: str | None = None) -> None:
    """Validate a fine → coarse list of ``(B, C, H, W)`` maps against ``in_channels``.
    ``count_fix`` replaces the generic advice when the number of levels is wrong. Messages
    follow :func:`fpnlab.set_lang`."""
    labels = names or [f"level {i}" for i in range(len(x))]
    n = len(in_channels)
    if len(x) != n:
        raise PyramidInputError(t("err_count", neck=neck, n=n, channels=str(list(in_channels)),
                                  got=len(x)) + (count_fix or t("err_count_fix", n=n)))
    for i, (f, name) in enumerate(zip(x, labels)):
        if not isinstance(f, torch.Tensor) or f.dim() != 4:
            got = _shape(f) if isinstance(f, torch.Tensor) else type(f).__name__
            raise PyramidInputError(t("err_not_4d", neck=neck, name=name, i=i, got=got))
        if f.shape[0] != x[0].shape[0]:
            raise PyramidInputError(t("err_batch", neck=neck, name=name, b=int(f.shape[0]),
                                      first=labels[0], b0=int(x[0].shape[0])))
    # Each level is judged against its neighbour, in order: the first pair that is off decides
    # the message (sizes 64, 32, 5, 8 are a stride problem at the third level, not an order one).
    sizes = [tuple(int(s) for s in f.shape[-2:]) for f in x]
    for i in range(1, n):
        (ph, pw), (h, w) = sizes[i - 1], sizes[i]
        where = dict(neck=neck, name=labels[i], h=h, w=w, prev=labels[i - 1], ph=ph, pw=pw)
        if h > ph or w > pw:
            hint = t("err_reversed") if sizes == sorted(sizes) else ""
            raise PyramidInputError(t("err_order", **where) + hint)
        if abs(ph - 2 * h) > 2 or abs(pw - 2 * w) > 2:
            raise PyramidInputError(t("err_stride", **where))
    got = [int(f.shape[1]) for f in x]
    for i, (c, want) in enumerate(zip(got, in_channels)):
        if c != want:
            raise PyramidInputError(t("err_channels", neck=neck, name=labels[i], i=i, c=c,
                                      want=int(want), got=str(got)))


def match_size(x: torch.Tensor, size) -> torch.Tensor:
    """``x`` resized (nearest) to ``size`` only if it differs: a downsampled map meets a level of
    a backbone that floors odd sizes instead of rounding up."""
    return x if tuple(x.shape[-2:]) == tuple(size) else F.interpolate(x, size=size, mode="nearest")


def resolve_strides(in_strides, n: int, neck: str) -> list:
    """``in_strides`` as a list of ``n`` increasing strides (``None`` → :func:`default_strides`)."""
    if in_strides is None:
        return default_strides(n)
    strides = list(in_strides)
    if len(strides) != n or not all(s > 0 for s in strides) or strides != sorted(set(strides)):
        raise ValueError(f"{neck}: in_strides must list one increasing stride per input level "
                         f"({n} levels, fine → coarse, e.g. {default_strides(n)}); got {strides}")
    return strides


def out_levels(strides, channels: int) -> list[Level]:
    """Output levels named ``P{log2 stride}``, all with ``channels`` channels."""
    return [Level(level_name(s), channels, s) for s in strides]


class FromBackbone:
    """Mixin for necks: build from a backbone's ``feature_info`` instead of typed-in numbers."""

    @classmethod
    def from_backbone(cls, backbone, *args, **kwargs):
        """A neck for ``backbone``: ``in_channels`` and ``in_strides`` read from its
        ``feature_info`` (fpnlab levels or timm's ``FeatureInfo``); other arguments are passed
        on, e.g. ``FPN.from_backbone(timm_backbone("resnet18"), 128)``."""
        info = getattr(backbone, "feature_info", backbone)  # a backbone or its feature_info
        levels = as_levels(info)
        if not levels:
            raise ValueError(f"{type(backbone).__name__} has no feature_info to build a neck from; "
                             "pass in_channels (and in_strides) yourself")
        return cls([int(lv.channels) for lv in levels], *args,
                   in_strides=[lv.stride for lv in levels], **kwargs)
