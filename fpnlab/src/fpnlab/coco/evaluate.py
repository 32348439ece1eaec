"""COCO box AP, computed by pycocotools — not by hand.

:func:`coco_eval` returns exactly the twelve numbers of pycocotools' ``COCOeval`` (bbox)
``stats``, named, as fractions (``nan`` where pycocotools reports −1: no ground truth in that
size range). Crowd annotations (``iscrowd: 1``) behave as in COCO: a detection that matches one
is ignored, neither a true nor a false positive.

COCO splits objects by *area* in pixels²: small < 32², medium < 96², large ≥ 96² — sizes meant
for images about 640 px across. For small images, ``area_ranges`` (or
:func:`scaled_area_ranges`) moves the split, and the result reports which split it used.

>>> gt = {"images": [{"id": 1, "width": 64, "height": 64}], "categories": [{"id": 1, "name": "dot"}],
...       "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [8, 8, 20, 20]}]}
>>> r = coco_eval(gt, [{"image_id": 1, "category_id": 1, "bbox": [8, 8, 20, 20], "score": 0.9}])
>>> round(r["AP"], 9), round(r["AP_small"], 9), r["AP_large"] != r["AP_large"]  # no large object: nan
(1.0, 1.0, True)
>>> r["area_ranges"]["small"]
[0.0, 1024.0]
"""
from __future__ import annotations

import contextlib
import copy
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np

from .format import CocoFormatError, check_coco

# Names of COCOeval.stats, in its order (maxDets 1, 10, 100; AP at maxDets 100).
STAT_NAMES = ("AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large",
              "AR1", "AR10", "AR100", "AR_small", "AR_medium", "AR_large")
COCO_AREA_RANGES = {"small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2), "large": (96.0 ** 2, 1e5 ** 2)}


def scaled_area_ranges(image_size: float, reference: float = 640.0) -> dict:
    """COCO's split (sides 32 and 96 px at ``reference`` px) scaled to images of ``image_size`` px:
    ``scaled_area_ranges(128)`` puts small < 6.4² and large ≥ 19.2² px².

    >>> {k: [round(v, 2) for v in r] for k, r in scaled_area_ranges(128).items() if k != "large"}
    {'small': [0.0, 40.96], 'medium': [40.96, 368.64]}
    """
    f = image_size / reference
    s, m = (32.0 * f) ** 2, (96.0 * f) ** 2
    return {"small": (0.0, s), "medium": (s, m), "large": (m, 1e5 ** 2)}


def _quiet():
    return contextlib.redirect_stdout(io.StringIO())


def _load_gt(ground_truth):
    from pycocotools.coco import COCO

    data = check_coco(ground_truth if not isinstance(ground_truth, Mapping) else copy.deepcopy(ground_truth))
    gt = COCO()
    gt.dataset = data
    with _quiet():
        gt.createIndex()
    return gt


def _check_detections(detections, gt) -> list[dict]:
    if not isinstance(detections, Sequence) or isinstance(detections, (str, bytes)):
        raise CocoFormatError(f"detections must be a list of COCO result dicts, got {type(detections).__name__}. "
                              "Fix: convert a detector's predictions with fpnlab.detector.coco_results")
    image_ids, cat_ids = set(gt.getImgIds()), set(gt.getCatIds())
    out = []
    for i, d in enumerate(detections):
        missing = [k for k in ("image_id", "category_id", "bbox", "score") if k not in d]
        if missing:
            raise CocoFormatError(f"detections[{i}]: field(s) {missing} missing. Fix: every result needs "
                                  "image_id, category_id, bbox [x, y, w, h] and score "
                                  "(fpnlab.detector.coco_results writes them)")
        if d["image_id"] not in image_ids:
            raise CocoFormatError(f"detections[{i}]: image_id {d['image_id']} is not in the ground truth. "
                                  "Fix: use the ground truth's image ids (the order of the data set is not the id)")
        if d["category_id"] not in cat_ids:
            raise CocoFormatError(f"detections[{i}]: category_id {d['category_id']} is not in the ground "
                                  f"truth's categories {sorted(cat_ids)}. Fix: map class indices to category "
                                  "ids (coco_results(..., category_ids=...))")
        if len(d["bbox"]) != 4:
            raise CocoFormatError(f"detections[{i}]: bbox {d['bbox']!r}. Fix: [x, y, w, h] in pixels")
        out.append({k: (list(map(float, v)) if k == "bbox" else v) for k, v in d.items()
                    if k in ("image_id", "category_id", "bbox", "score")})
    return out


def coco_eval(ground_truth, detections, area_ranges: Mapping | None = None) -> dict:
    """Box AP of ``detections`` against ``ground_truth``, by pycocotools' ``COCOeval``.

    Args:
        ground_truth: a COCO dict (``images``, ``annotations``, ``categories``) or the path to
            a COCO JSON file; checked by :func:`fpnlab.coco.check_coco` (a malformed file raises
            :class:`fpnlab.coco.CocoFormatError`).
        detections: a list of COCO result dicts ``{"image_id", "category_id", "bbox": [x, y, w,
            h], "score"}`` (:func:`fpnlab.detector.coco_results` makes them).
        area_ranges: ``{"small": (lo, hi), "medium": (lo, hi), "large": (lo, hi)}`` in pixels²,
            replacing COCO's 0–32²–96²–∞ split (e.g. :func:`scaled_area_ranges`).

    Returns:
        ``{"AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large", "AR1", "AR10", "AR100",
        "AR_small", "AR_medium", "AR_large"}``: ``COCOeval.stats`` as floats (``nan`` for −1),
        plus ``"area_ranges"`` (the split used, ``{name: [lo, hi]}``) and ``"area_split"``
        (``"coco"`` or ``"custom"``).
    """
    from pycocotools.cocoeval import COCOeval

    gt = _load_gt(ground_truth)
    dets = _check_detections(detections, gt)
    if dets:
        with _quiet():
            res = gt.loadRes(copy.deepcopy(dets))
    else:  # pycocotools' loadRes cannot take an empty list: an empty result set scores 0
        from pycocotools.coco import COCO

        res = COCO()
        res.dataset = {"images": gt.dataset["images"], "categories": gt.dataset["categories"], "annotations": []}
        with _quiet():
            res.createIndex()
    ev = COCOeval(gt, res, iouType="bbox")
    ranges = dict(COCO_AREA_RANGES)
    if area_ranges is not None:
        unknown = set(area_ranges) - set(ranges)
        if unknown:
            raise ValueError(f"area_ranges has unknown name(s) {sorted(unknown)}; use small, medium and large")
        ranges.update({k: tuple(map(float, v)) for k, v in area_ranges.items()})
    ev.params.areaRng = [[0.0, 1e5 ** 2]] + [list(ranges[k]) for k in ("small", "medium", "large")]
    ev.params.areaRngLbl = ["all", "small", "medium", "large"]
    with _quiet():
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    out = {name: (math.nan if v == -1 else float(v)) for name, v in zip(STAT_NAMES, np.asarray(ev.stats))}
    out["area_ranges"] = {k: [float(a) for a in ranges[k]] for k in ("small", "medium", "large")}
    out["area_split"] = "coco" if area_ranges is None else "custom"
    return out


__all__ = ["coco_eval", "scaled_area_ranges", "STAT_NAMES", "COCO_AREA_RANGES"]
