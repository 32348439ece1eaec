"""Dense heads: the same small conv tower slides over every pyramid level.

A head reads P_k, never C_k (rule 5 of the baseline FPN): after the neck every level has the
same channels, so one set of weights serves all levels.

>>> head = DenseHead(64, num_classes=3)
>>> cls, box = head([torch.zeros(1, 64, 32, 32), torch.zeros(1, 64, 16, 16)])[1]
>>> tuple(cls.shape), tuple(box.shape)
((1, 3, 16, 16), (1, 4, 16, 16))
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import torch  # noqa: F401  (used by the doctest)
from torch import nn

from .blocks.layers import make_norm
from .arguments import check_choice, check_image_batch, check_int, check_number
from .errors import ArgumentError
from .i18n import Strings

_t = Strings({
    "prior": {
        "en": "DenseHead: prior = {prior!r} must be a probability strictly between 0 and 1: the class bias "
              "starts at -log((1 - prior) / prior). Fix: pass e.g. prior=0.01 (RetinaNet's).",
        "tr": "DenseHead: prior = {prior!r}, 0 ile 1 arasında (uçlar hariç) bir olasılık olmalı: sınıf bias'ı "
              "-log((1 - prior) / prior) değerinden başlar. Düzeltme: örneğin prior=0.01 ver (RetinaNet'inki)."},
})


class DenseHead(nn.Module):
    """Shared tower (``num_convs`` × conv-GN-ReLU) → class logits and box distances per cell.

    ``norm``: ``"gn"`` (default, as FCOS; :func:`fpnlab.blocks.layers.gn_groups` groups — 32 for 256 channels, 16 for
    32: at least two channels per group), ``"bn"`` or ``None``. GroupNorm's statistics are taken
    over the whole feature map of one image, so every cell's output depends a little on the whole
    image: a path for global context that does not go through the neck. Experiments that ask
    whether a *neck* brings context (FPN vs no neck) use ``norm=None`` or ``"bn"``
    (eval-mode BatchNorm uses fixed statistics).

    Input: a list or dict of ``(B, C, H_k, W_k)`` levels. Output: a list with one
    ``(cls (B, K, H_k, W_k), box (B, 4, H_k, W_k))`` pair per level; ``box`` holds raw
    log-distances to the left, top, right and bottom box edges in units of the level's stride.
    The class bias starts at ``-log((1 - prior) / prior)`` as in RetinaNet, so the first steps
    are not swamped by background.
    """

    def __init__(self, in_channels: int, num_classes: int, num_convs: int = 2, prior: float = 0.01,
                 norm: str | None = "gn"):
        super().__init__()
        check_int("in_channels", in_channels, where="DenseHead")
        check_int("num_classes", num_classes, where="DenseHead")
        check_int("num_convs", num_convs, minimum=0, where="DenseHead")
        check_number("prior", prior, where="DenseHead")
        if not 0 < prior < 1:  # log((1 - p) / p) needs 0 < p < 1
            raise ArgumentError(_t("prior", prior=prior))
        check_choice("norm", norm, ("gn", "bn", None), where="DenseHead")
        self.in_channels = in_channels
        self.tower = nn.Sequential(*(
            nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, padding=1, bias=norm is None),
                          make_norm(norm, in_channels), nn.ReLU(inplace=True))
            for _ in range(num_convs)))
        self.cls = nn.Conv2d(in_channels, num_classes, 3, padding=1)
        self.box = nn.Conv2d(in_channels, 4, 3, padding=1)
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.constant_(self.cls.bias, -math.log((1 - prior) / prior))
        nn.init.normal_(self.box.weight, std=0.01)
        nn.init.zeros_(self.box.bias)

    def forward(self, pyramid):
        levels = list(pyramid.values()) if isinstance(pyramid, Mapping) else list(pyramid)
        out = []
        for i, p in enumerate(levels):
            check_image_batch(f"pyramid[{i}]", p, channels=self.in_channels, where="DenseHead")
            t = self.tower(p)
            out.append((self.cls(t), self.box(t)))
        return out
