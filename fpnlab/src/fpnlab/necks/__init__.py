"""Necks: modules that turn backbone levels C_k into pyramid levels P_k.

- :class:`FPN` — the baseline (Lin et al., 2017), equal to torchvision's FeaturePyramidNetwork.

All necks take a fine → coarse list or dict of ``(B, C, H, W)`` maps and check it with
:mod:`fpnlab.necks.checks`, which raises :class:`PyramidInputError` with a message that names
the level, what was expected, what came and what to change.
"""
from .checks import PyramidInputError
from .extra import LastLevelMaxPool, LastLevelP6P7
from .fpn import FPN, upsample_to

__all__ = ["FPN", "LastLevelMaxPool", "LastLevelP6P7", "PyramidInputError", "upsample_to"]
