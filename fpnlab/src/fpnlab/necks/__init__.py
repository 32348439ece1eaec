"""Necks: modules that turn backbone levels C_k into pyramid levels P_k.

- :class:`FPN` — the baseline (Lin et al., 2017), equal to torchvision's FeaturePyramidNetwork;
  extra levels P6/P7 or a pooled P6 from :mod:`~fpnlab.necks.extra`.
- :class:`PANet` — FPN + bottom-up path augmentation (Liu et al., 2018); :func:`path_length`.
- :class:`YOLOPAN` — the concatenating PAN-FPN of YOLOv8, built from :class:`fpnlab.blocks.C2f` blocks.
- :class:`BiFPN` — EfficientDet's weighted bidirectional FPN (Tan et al., 2020), :func:`fusion_weights`.

All necks take a fine → coarse list or dict of ``(B, C, H, W)`` maps and check it with
:mod:`fpnlab.necks.checks`, which raises :class:`PyramidInputError` with a message that names
the level, what was expected, what came and what to change.
"""
from .bifpn import BiFPN, fusion_weights
from .checks import PyramidInputError
from .extra import LastLevelMaxPool, LastLevelP6P7
from .fpn import FPN, upsample_to
from .panet import PANet, path_length
from .yolo import YOLOPAN

__all__ = ["BiFPN", "FPN", "LastLevelMaxPool", "LastLevelP6P7", "PANet", "PyramidInputError",
           "YOLOPAN", "fusion_weights", "path_length", "upsample_to"]
