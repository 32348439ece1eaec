"""Know your data first: the statistics of a COCO-format detection set, and what they say.

:func:`dataset_stats` reads a COCO annotation file (a path or the loaded dict), with or without
the images, and computes the eight statistics a backbone designer looks at before training:

1. relative bbox area (box area / image area) per object;
2. small / medium / large counts by COCO's rule on each annotation's ``area`` (crowd apart);
3. bbox aspect ratio (width / height) per object;
4. image resolution (width, height) per image;
5. brightness (mean grey level) and contrast (standard deviation of the grey levels) per image;
6. blur as the variance of the Laplacian of the grey image (low = blurry, a flat image gives 0);
7. class frequency (category name → objects; categories without objects appear as 0);
8. overlap: per object, the largest IoU with another object of the same image.

Pixel statistics (5, 6) need the image files; without them they are skipped and
:attr:`DatasetStats.notes` says why. :func:`design_hints` turns the numbers into hints about P2,
the stride plan, neck fusion, norm and augmentation, each with the number that triggered it;
:func:`report` gives tables and :func:`plot` the histograms.

The package has three modules: :mod:`~fpnlab.datastats.stats` (the statistics; the annotation
file is checked by :func:`fpnlab.coco.check_coco`, the validator :func:`fpnlab.coco.coco_eval`
uses too, so a file gets one verdict everywhere), :mod:`~fpnlab.datastats.hints` (one function
per topic) and :mod:`~fpnlab.datastats.report`.

(:mod:`~fpnlab.datastats.stats` shows a worked example.)

COCO's size rule. ``area`` is the annotation's own ``area`` (the segmentation mask's area in COCO,
not the box's), in pixels of the original image: small ``area < 32²``, medium
``32² ≤ area < 96²``, large ``area ≥ 96²``. (pycocotools' evaluation ranges are closed at both
ends, so an object of exactly 32² or 96² counts in two ranges there; here every object has one
bucket, the half-open rule of COCO's documentation; :mod:`fpnlab.coco.sizes`). An annotation
without ``area`` uses its box's ``w × h`` and a note says how many did.
"""
from __future__ import annotations

from ..coco.format import CocoFormatError, check_coco
from ..coco.sizes import BUCKETS, MEDIUM_MAX, SMALL_MAX, size_bucket
from .hints import STRIDES, Hint, assign_levels, design_hints  # the hints' thresholds live in .hints
from .report import plot, report
from .stats import STAT_KEYS, DatasetStats, dataset_stats, max_overlap, pixel_stats

__all__ = ["BUCKETS", "CocoFormatError", "DatasetStats", "Hint", "MEDIUM_MAX", "SMALL_MAX", "STAT_KEYS", "STRIDES",
           "assign_levels", "check_coco", "dataset_stats", "design_hints", "max_overlap", "pixel_stats", "plot",
           "report", "size_bucket"]
