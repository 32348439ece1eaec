"""COCO box AP, computed by pycocotools — not by hand.

:func:`coco_eval` returns exactly the twelve numbers of pycocotools' ``COCOeval`` (bbox)
``stats``, named, as fractions (``nan`` where pycocotools reports −1: no ground truth in that
size range). Crowd annotations (``iscrowd: 1``) behave as in COCO: a detection that matches one
is ignored, neither a true nor a false positive.

COCO splits objects by *area* in pixels² (:mod:`fpnlab.coco.sizes`): small < 32², medium < 96²,
large ≥ 96² — sizes meant for images about 640 px across. For small images, ``area_ranges`` (or
:func:`fpnlab.coco.scaled_area_ranges`) moves the split, and the result reports which split it used.

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
import numbers
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from ..arguments import check_choice
from ..i18n import Strings
from .format import CocoFormatError, check_coco
from .sizes import COCO_AREA_RANGES

# Names of COCOeval.stats, in its order (maxDets 1, 10, 100; AP at maxDets 100).
STAT_NAMES = ("AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large",
              "AR1", "AR10", "AR100", "AR_small", "AR_medium", "AR_large")

_t = Strings({
    "det_list": {
        "en": "detections must be a list of COCO result dicts, got {got}. Fix: convert a detector's predictions with fpnlab.coco.coco_results.",
        "tr": "detections COCO sonuç dict'lerinden oluşan bir liste olmalı, gelen: {got}. Düzeltme: detector'ın tahminlerini fpnlab.coco.coco_results ile dönüştür.",
    },
    "det_entry": {
        "en": "detections[{i:d}] is {got}, not a dict. Fix: every result is a dict with image_id, category_id, bbox [x, y, w, h] and score (fpnlab.coco.coco_results writes them).",
        "tr": "detections[{i:d}] dict değil, {got}. Düzeltme: her sonuç image_id, category_id, bbox [x, y, w, h] ve score taşıyan bir dict'tir (fpnlab.coco.coco_results bunları yazar).",
    },
    "det_missing": {
        "en": "detections[{i:d}]: field(s) {missing} missing. Fix: every result needs image_id, category_id, bbox [x, y, w, h] and score (fpnlab.coco.coco_results writes them).",
        "tr": "detections[{i:d}]: {missing} alan(lar)ı eksik. Düzeltme: her sonuçta image_id, category_id, bbox [x, y, w, h] ve score olmalı (fpnlab.coco.coco_results bunları yazar).",
    },
    "det_image": {
        "en": "detections[{i:d}]: image_id {id!r} is not in the ground truth. Fix: use the ground truth's image ids (the order of the data set is not the id).",
        "tr": "detections[{i:d}]: image_id {id!r} ground truth'ta yok. Düzeltme: ground truth'un image id'lerini kullan (veri kümesindeki sıra id değildir).",
    },
    "det_category": {
        "en": "detections[{i:d}]: category_id {id!r} is not in the ground truth's categories {known}. Fix: map class indices to category ids (coco_results(..., category_ids=...)).",
        "tr": "detections[{i:d}]: category_id {id!r} ground truth'un kategorileri {known} arasında yok. Düzeltme: sınıf indekslerini category id'lerine eşle (coco_results(..., category_ids=...)).",
    },
    "det_bbox": {
        "en": "detections[{i:d}]: bbox {bbox!r}. Fix: [x, y, w, h], four finite numbers in pixels.",
        "tr": "detections[{i:d}]: bbox {bbox!r}. Düzeltme: piksel cinsinden dört sonlu sayı, [x, y, w, h].",
    },
    "det_score": {
        "en": "detections[{i:d}]: score {score!r}. Fix: a finite number (the detector's confidence).",
        "tr": "detections[{i:d}]: score {score!r}. Düzeltme: sonlu bir sayı (detector'ın güven skoru).",
    },
})


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


def _finite(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _check_detections(detections, gt) -> list[dict]:
    if not isinstance(detections, Sequence) or isinstance(detections, (str, bytes)):
        raise CocoFormatError(_t("det_list", got=type(detections).__name__))
    image_ids, cat_ids = set(gt.getImgIds()), set(gt.getCatIds())
    out = []
    for i, d in enumerate(detections):
        if not isinstance(d, Mapping):
            raise CocoFormatError(_t("det_entry", i=i, got=type(d).__name__))
        missing = [k for k in ("image_id", "category_id", "bbox", "score") if k not in d]
        if missing:
            raise CocoFormatError(_t("det_missing", i=i, missing=missing))
        if not isinstance(d["image_id"], Hashable) or d["image_id"] not in image_ids:
            raise CocoFormatError(_t("det_image", i=i, id=d["image_id"]))
        if not isinstance(d["category_id"], Hashable) or d["category_id"] not in cat_ids:
            raise CocoFormatError(_t("det_category", i=i, id=d["category_id"], known=sorted(cat_ids)))
        bbox = d["bbox"]
        if not isinstance(bbox, (list, tuple)) or len(bbox) != 4 or not all(_finite(v) for v in bbox):
            raise CocoFormatError(_t("det_bbox", i=i, bbox=bbox))
        if not _finite(d["score"]):
            raise CocoFormatError(_t("det_score", i=i, score=d["score"]))
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
            h], "score"}`` (:func:`fpnlab.coco.coco_results` makes them).
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
        for k in area_ranges:
            check_choice("area_ranges", k, tuple(ranges), where="coco_eval")
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


__all__ = ["STAT_NAMES", "coco_eval"]
