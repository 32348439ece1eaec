"""COCO in one place: the format and its one validator, the size split, results and AP.

- :mod:`fpnlab.coco.format`    :func:`check_coco`, the one validator every reader of COCO data
  calls (statistics, the folder reader, evaluation), and :class:`CocoFormatError`
- :mod:`fpnlab.coco.sizes`     COCO's size split: :func:`size_bucket`, :data:`COCO_AREA_RANGES`
  and its scaled version (:func:`scaled_area_ranges`)
- :mod:`fpnlab.coco.results`   detector predictions → COCO result dicts (:func:`coco_results`)
- :mod:`fpnlab.coco.error_kinds` false positives and misses by kind (TIDE: cls, loc, both, dupe,
  bkg, missed) on pycocotools' own matching
- :mod:`fpnlab.coco.evaluate`  AP and AR from pycocotools (:func:`coco_eval`)
"""
from .evaluate import STAT_NAMES, coco_eval
from .format import CocoFormatError, check_coco
from .results import coco_results
from .sizes import BUCKETS, COCO_AREA_RANGES, MEDIUM_MAX, SMALL_MAX, scaled_area_ranges, size_bucket

__all__ = ["BUCKETS", "COCO_AREA_RANGES", "CocoFormatError", "MEDIUM_MAX", "SMALL_MAX", "STAT_NAMES", "check_coco",
           "coco_eval", "coco_results", "scaled_area_ranges", "size_bucket"]
