"""COCO in one place: the format and its one validator, the size split, results and AP.

- :mod:`fpnlab.coco.format`    :func:`check_coco`, the validator every reader of COCO data calls,
  and :class:`CocoFormatError`
- :mod:`fpnlab.coco.results`   detector predictions → COCO result dicts (:func:`coco_results`)
- :mod:`fpnlab.coco.evaluate`  AP and AR from pycocotools (:func:`coco_eval`), COCO's size split
  and its scaled version (:func:`scaled_area_ranges`)
"""
from .evaluate import COCO_AREA_RANGES, STAT_NAMES, coco_eval, scaled_area_ranges
from .format import CocoFormatError, check_coco
from .results import coco_results

__all__ = ["COCO_AREA_RANGES", "CocoFormatError", "STAT_NAMES", "check_coco", "coco_eval", "coco_results",
           "scaled_area_ranges"]
