"""fpnlab — companion library of *Feature Pyramids, Hands-On / Uygulamalı Özellik Piramitleri*.

Modules, in the order the book builds them (dependencies only flow downwards in this list):

- ``fpnlab.i18n``      the reader's language: ``set_lang``, ``Strings`` tables (the one translation
  mechanism; the shared labels are ``t``), number formats
- ``fpnlab.errors``    the errors fpnlab raises (``FpnlabError`` and its kinds)
- ``fpnlab.arguments`` the checks every public function runs on its arguments at the door
- ``fpnlab.levels``    pyramid levels: names, stride maps (measure, check, tabulate) and the rule
  that assigns an object to a level
- ``fpnlab.blocks``    building blocks: conv + norm + activation (one norm factory), YOLO's
  ConvBNSiLU/Bottleneck/C2f/SPPF, the block zoo, attention (SE, ECA, CBAM, CoordAtt, MHSA)
- ``fpnlab.coco``      COCO in one place: the format and its one validator, the size split,
  detections → results, AP with pycocotools
- ``fpnlab.data``      a small generated image set with boxes (no downloads)
- ``fpnlab.datastats`` statistics of a COCO-format set and the design hints they give
- ``fpnlab.necks``     FPN (torchvision-equivalent), P6/P7, PANet, the YOLO PAN, BiFPN; a registry
- ``fpnlab.backbones`` YOLOBackbone (YOLOv8's layout, every design choice an argument), TinyBackbone,
  the seed's demo backbone, torchvision and timm backbones
- ``fpnlab.heads``     small dense heads on the pyramid levels
- ``fpnlab.detector``  backbone → neck → head, and a short training loop
- ``fpnlab.metrics``   parameters, FLOPs, latency and peak activation memory of a module; COCO AP
- ``fpnlab.receptive`` the effective receptive field, measured by back-propagation
- ``fpnlab.preflight`` the four sanity checks before a long training run
- ``fpnlab.ablation``  controlled ablations from a YAML plan (``python -m fpnlab.ablation``)
- ``fpnlab.design``    the method on the reader's own data: coverage per stride, proposed levels
  (``python -m fpnlab design DATA``)
- ``fpnlab.viz`` / ``fpnlab.widgets``  plots and slider widgets (live and static twins; the
  ``fpnlab[book]`` extra)

The main API is importable from the top level (``fpnlab.FPN``, ``fpnlab.measure_strides``, ...);
names are loaded on first use, so ``import fpnlab`` stays light.
"""
from __future__ import annotations

import importlib

from .i18n import get_lang, set_lang

__version__ = "0.1.0"

# name → module that defines it (loaded on first access)
_API = {
    "t": "i18n", "fmt_num": "i18n", "fmt_pct": "i18n", "fmt_frame": "i18n", "Strings": "i18n", "glue": "i18n",
    "Level": "levels", "measure_strides": "levels", "check_feature_info": "levels",
    "stride_table": "levels", "recommend_level": "levels", "as_levels": "levels",
    "TinyBackbone": "backbones", "torchvision_backbone": "backbones", "timm_backbone": "backbones",
    "YOLOBackbone": "backbones", "BLOCKS": "blocks", "RepVGGBlock": "blocks",
    "effective_receptive_field": "receptive",
    "FPN": "necks", "PANet": "necks", "YOLOPAN": "necks", "BiFPN": "necks", "SPPF": "blocks",
    "LastLevelP6P7": "necks", "LastLevelMaxPool": "necks", "PyramidInputError": "necks",
    "make_neck": "necks", "NECKS": "necks",
    "dataset_stats": "datastats", "DatasetStats": "datastats", "design_hints": "datastats",
    "ContextShapes": "data", "CocoFolder": "data", "coco_loader": "data", "CocoFormatError": "coco",
    "preflight": "preflight", "coco_eval": "coco",
    "Detector": "detector", "evaluate": "detector", "coco_results": "coco", "cost": "metrics", "n_params": "metrics",
}

__all__ = ["get_lang", "set_lang", "__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fpnlab' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
