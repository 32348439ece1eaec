"""Necks: modules that turn backbone levels C_k into pyramid levels P_k.

- :class:`FPN` — the baseline (Lin et al., 2017), equal to torchvision's FeaturePyramidNetwork;
  extra levels P6/P7 or a pooled P6 from :mod:`~fpnlab.necks.extra`.
- :class:`PANet` — FPN + bottom-up path augmentation (Liu et al., 2018); :func:`path_length`.
- :class:`YOLOPAN` — the concatenating PAN-FPN of YOLOv8, built from :class:`fpnlab.blocks.C2f` blocks.
- :class:`YOLO11Neck` — YOLO11's and YOLO26's PAN, built from :class:`fpnlab.blocks.C3k2` blocks.
- :class:`GDNeck` — Gold-YOLO's gather-and-distribute: every level gathered into one map, fused, injected back.
- :class:`ASFF` — adaptive spatial feature fusion: per-pixel softmax weights over the resized levels.
- :class:`HybridEncoder` — RT-DETR's hybrid encoder: attention on the top level (AIFI), then an FPN + PAN of RepC3 blocks.
- :class:`BiFPN` — EfficientDet's weighted bidirectional FPN (Tan et al., 2020), :func:`fusion_weights`.
- :class:`LateralNeck` — "no neck": 1×1 laterals and 3×3 convs, no fusion between levels.

:data:`NECKS` maps each name (``"fpn"``, ``"panet"``, ``"bifpn"``, ``"yolopan"``, ``"yolo11"``, ``"hybrid"``, ``"gd"``, ``"asff"``, ``"lateral"``) to
its class and :func:`make_neck` builds one by name, as :data:`fpnlab.blocks.BLOCKS` /
:func:`~fpnlab.blocks.make_block` do for blocks.

All necks take a fine → coarse list or dict of ``(B, C, H, W)`` maps and check it with
:mod:`fpnlab.necks.checks`, which raises :class:`PyramidInputError` with a message that names
the level, what was expected, what came and what to change.
"""
from .asff import ASFF
from .bifpn import BiFPN, fusion_weights
from .checks import PyramidInputError
from .extra import LastLevelMaxPool, LastLevelP6P7
from .fpn import FPN, upsample_to
from .gold import GDNeck
from .lateral import LateralNeck
from .panet import PANet, path_length
from .rtdetr import HybridEncoder
from .registry import NECKS, make_neck, neck_options
from .yolo import YOLOPAN
from .yolo11 import YOLO11Neck

__all__ = ["ASFF", "BiFPN", "FPN", "GDNeck", "HybridEncoder", "LastLevelMaxPool", "LastLevelP6P7", "LateralNeck", "NECKS", "PANet",
           "PyramidInputError", "YOLO11Neck", "YOLOPAN", "fusion_weights", "make_neck", "neck_options", "path_length",
           "upsample_to"]
