"""Where a detector goes wrong: its false positives and misses counted by kind, with the
definitions of TIDE (Bolya et al., "TIDE: A General Toolbox for Identifying Object Detection
Errors", ECCV 2020, §2.2).

AP says *how much* is wrong; :func:`error_kinds` says *what*: boxes on the right object with the
wrong class, the right class in the wrong place, a second box on an object already found, boxes
on nothing, objects never found. Which detection is a true positive is decided exactly as
pycocotools' ``COCOeval`` decides it (the same greedy matching, so the counts agree with the AP
that :func:`fpnlab.coco.coco_eval` reports); only the false positives and the unmatched ground
truths are then sorted into TIDE's kinds.

>>> gt = {"images": [{"id": 1, "width": 100, "height": 100}],
...       "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
...       "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20]},
...                       {"id": 2, "image_id": 1, "category_id": 2, "bbox": [50, 0, 20, 20]},
...                       {"id": 3, "image_id": 1, "category_id": 1, "bbox": [0, 50, 20, 20]}]}
>>> dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20], "score": 0.9},    # tp
...         {"image_id": 1, "category_id": 1, "bbox": [1, 0, 20, 20], "score": 0.8},    # dupe
...         {"image_id": 1, "category_id": 2, "bbox": [0, 0, 20, 20], "score": 0.7},    # cls
...         {"image_id": 1, "category_id": 2, "bbox": [60, 0, 20, 20], "score": 0.6},   # loc (IoU 1/3)
...         {"image_id": 1, "category_id": 1, "bbox": [60, 0, 20, 20], "score": 0.5},   # both
...         {"image_id": 1, "category_id": 1, "bbox": [80, 80, 10, 10], "score": 0.4}]  # bkg
>>> error_kinds(gt, dets)  # GT 3 is untouched: missed; GT 2 is unmatched (fn) but a loc error covers it
{'tp': 1, 'fp': 5, 'fn': 2, 'cls': 1, 'loc': 1, 'both': 1, 'dupe': 1, 'bkg': 1, 'missed': 1, 'ignored': 0}
"""
from __future__ import annotations

import math
import numbers
import os
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from .evaluate import _check_detections, _load_gt
from ..errors import ArgumentError
from ..i18n import Strings

# pycocotools' defaults for box AP: at most 100 detections per image and category, and the
# "all" area range (an annotation outside it is ignored, as COCOeval does)
MAX_DETS = 100
AREA_ALL = (0.0, 1e5 ** 2)
KINDS = ("cls", "loc", "both", "dupe", "bkg")

# This module's own text, both languages side by side per key (the reader's language: fpnlab.set_lang).
_t = Strings({
    "ek_iou": {"en": "iou={iou} must be a number in (0, 1]: the IoU at which a detection counts as found "
                     "(COCO's AP50 uses 0.5). Fix: pass e.g. iou=0.5.",
               "tr": "iou={iou}, (0, 1] aralığında bir sayı olmalı: bir tespitin bulunmuş sayıldığı IoU "
                     "(COCO'nun AP50'si 0.5 kullanır). Düzeltme: örneğin iou=0.5 ver."},
    "ek_bg": {"en": "background_iou={bg} must be a number with 0 ≤ background_iou ≤ iou={iou}: below it a box "
                    "touches no object (TIDE uses 0.1). Fix: pass e.g. background_iou=0.1.",
              "tr": "background_iou={bg}, 0 ≤ background_iou ≤ iou={iou} olacak bir sayı olmalı: bu değerin "
                    "altında bir kutu hiçbir nesneye değmiyor sayılır (TIDE 0.1 kullanır). Düzeltme: örneğin background_iou=0.1 ver."},
    "ek_score": {"en": "score_threshold={value} must be a number: detections scoring below it are dropped first "
                       "(0.0 keeps every detection with a score of at least 0). Fix: pass e.g. score_threshold=0.0.",
                 "tr": "score_threshold={value} bir sayı olmalı: bu skorun altındaki tespitler en başta atılır "
                       "(0.0, skoru en az 0 olan her tespiti tutar). Düzeltme: örneğin score_threshold=0.0 ver."},
})


def _number(x) -> float | None:
    """``x`` as a float if it is a real number (not a bool, a string or nan), else ``None``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    v = float(x)
    return None if math.isnan(v) else v


def _ground_truth(gt):
    """A checked pycocotools ``COCO`` from a dict, a JSON path or a ``COCO`` (checked again)."""
    if not isinstance(gt, (Mapping, str, os.PathLike)):
        from pycocotools.coco import COCO

        if isinstance(gt, COCO):
            gt = gt.dataset
    return _load_gt(gt)


def _iou(dets: list, gts: list, crowd: list) -> np.ndarray:
    """IoU matrix ``[len(dets), len(gts)]`` by pycocotools (COCOeval's own numbers); for a crowd
    ground truth, the part of the detection inside it (intersection / detection area)."""
    from pycocotools import mask as mask_utils

    if not dets or not gts:
        return np.zeros((len(dets), len(gts)))
    return np.asarray(mask_utils.iou([d["bbox"] for d in dets], [g["bbox"] for g in gts],
                                     [int(c) for c in crowd]), dtype=float).reshape(len(dets), len(gts))


def _match(dets: list, gts: list, iou: float) -> tuple[list, list, list]:
    """pycocotools' ``COCOeval.evaluateImg`` for one image and category at one threshold.

    ``dets``: the detections, already sorted by descending score (stable) and cut to
    ``MAX_DETS``; ``gts``: the ground truths in the data set's order. Returns ``(det_gt,
    det_ignored, gts_sorted)``: the index into ``gts_sorted`` each detection matched (-1: none),
    whether each detection is ignored (matched a crowd / out of the area range), and the ground
    truths in COCOeval's order (ignored ones last), each as ``(gt, ignored)``.
    """
    ignored = [bool(g.get("iscrowd", 0)) or not AREA_ALL[0] <= g["area"] <= AREA_ALL[1] for g in gts]
    order = np.argsort(np.asarray(ignored, dtype=int), kind="mergesort")
    gts = [gts[i] for i in order]
    g_ign = [ignored[i] for i in order]
    crowd = [bool(g.get("iscrowd", 0)) for g in gts]
    ious = _iou(dets, gts, crowd)
    g_used = [False] * len(gts)
    det_gt, det_ign = [], []
    for di, d in enumerate(dets):
        best, m = min(iou, 1 - 1e-10), -1
        for gi in range(len(gts)):
            if g_used[gi] and not crowd[gi]:        # a matched GT is used once (a crowd any number of times)
                continue
            if m > -1 and not g_ign[m] and g_ign[gi]:  # matched a regular GT: ignored ones come last, stop
                break
            if ious[di, gi] < best:
                continue
            best, m = ious[di, gi], gi
        if m > -1:
            g_used[m] = True
            det_gt.append(m)
            det_ign.append(g_ign[m])
        else:
            area = d["bbox"][2] * d["bbox"][3]
            det_gt.append(-1)
            det_ign.append(not AREA_ALL[0] <= area <= AREA_ALL[1])
    return det_gt, det_ign, list(zip(gts, g_ign))


def error_kinds(gt, detections, iou: float = 0.5, background_iou: float = 0.1,
                score_threshold: float = 0.0) -> dict:
    """Count the true positives, and the false positives and misses by kind (TIDE's definitions).

    Args:
        gt: the ground truth: a COCO dict (``images``, ``annotations`` with ``bbox`` ``[x, y, w,
            h]`` in pixels, ``categories``), the path to a COCO JSON file, or a
            ``pycocotools.coco.COCO``; checked by :func:`fpnlab.coco.check_coco` (a malformed one
            raises :class:`fpnlab.errors.CocoFormatError`). ``iscrowd: 1`` annotations are crowd
            regions, as in COCO.
        detections: a list of COCO result dicts ``{"image_id", "category_id", "bbox": [x, y, w,
            h], "score"}`` — what :func:`fpnlab.coco.coco_eval` takes
            (:func:`fpnlab.coco.coco_results` makes them). A detection whose image or category
            is not in ``gt`` raises :class:`~fpnlab.errors.CocoFormatError` naming it.
        iou: the foreground threshold ``t_f``: a detection with IoU ≥ ``iou`` with a ground truth
            of its class can be a true positive (COCO's AP50: 0.5).
        background_iou: the background threshold ``t_b`` (TIDE: 0.1), ``0 ≤ t_b ≤ t_f``.
        score_threshold: detections scoring below it are dropped before anything else.

    Which detection is a true positive is pycocotools' decision (``COCOeval`` with ``iouThrs=[iou]``,
    area "all", ``maxDets`` 100): per image and category, the detections in descending score (the
    first 100; the rest are not counted), each matched to the unmatched ground truth of highest IoU
    ≥ ``iou``; a ground truth is matched once; a detection that matches only a crowd region is
    ignored (neither true nor false positive). Every other detection is a false positive, and its
    kind is decided against the image's non-crowd ground truths of *any* class, in TIDE's order
    (the first that applies wins; IoU_max = the largest IoU with the ground truths named):

    1. ``loc``:  right class, ``t_b ≤ IoU_max < t_f`` with a GT of its class (localisation error);
    2. ``cls``:  ``IoU_max ≥ t_f`` with a GT of another class (classification error);
    3. ``dupe``: right class, ``IoU_max ≥ t_f`` with a GT already matched by a higher-scoring
       detection (duplicate);
    4. ``bkg``:  ``IoU_max < t_b`` with every GT (background: the box is on nothing);
    5. ``both``: the rest, which is exactly: wrong class and ``t_b ≤ IoU_max < t_f`` (and below
       ``t_b`` with every GT of its class) — classification and localisation error at once.

    A ground truth no detection matched is a false negative; it is ``missed`` (TIDE's "Miss")
    unless a ``loc`` or ``cls`` error points at it (the error's largest-IoU GT of its own class for
    ``loc``, of another class for ``cls``): fixing that error would have found it, and TIDE does
    not count it twice. So
    ``missed`` is the objects no detection came near — a box on it with the wrong class *and*
    IoU < ``t_f`` (a ``both`` error) does not save it, as in TIDE.

    Returns:
        a dict of ints, ``{"tp", "fp", "fn", "cls", "loc", "both", "dupe", "bkg", "missed",
        "ignored"}``: ``fp == cls + loc + both + dupe + bkg``, ``tp + fn`` = the number of
        non-crowd ground truths, ``missed ≤ fn``, and ``tp + fp + ignored`` = the detections
        scoring at least ``score_threshold`` (``ignored``: matched a crowd region, or beyond
        the 100 best of their image and category).

    Differences from the ``tidecv`` package (which counts errors for AP deltas): it caps detections
    at 100 per image over all classes (COCOeval: per image and category), ignores a detection in a
    crowd region when IoU > ``t_f`` (COCOeval: ≥), and still sorts ignored detections into kinds;
    here the true positives are COCOeval's and only false positives get a kind, so the kinds add
    up to ``fp``. At IoU exactly ``t_f`` or ``t_b`` this follows the half-open intervals above
    (tidecv's code counts IoU = ``t_f`` as ``loc``, IoU = ``t_b`` as ``bkg``).
    """
    t_f, t_b, s_min = _number(iou), _number(background_iou), _number(score_threshold)
    # the values as written in code (repr), not in the reader's number format
    if t_f is None or not 0.0 < t_f <= 1.0:
        raise ArgumentError(_t("ek_iou", iou=repr(iou)))
    if t_b is None or not 0.0 <= t_b <= t_f:
        raise ArgumentError(_t("ek_bg", bg=repr(background_iou), iou=repr(iou)))
    if s_min is None:
        raise ArgumentError(_t("ek_score", value=repr(score_threshold)))
    coco = _ground_truth(gt)
    dets = [d for d in _check_detections(detections, coco) if float(d["score"]) >= s_min]
    thr = min(t_f, 1 - 1e-10)  # COCOeval's: IoU 1 still matches a box equal up to rounding

    by_image = defaultdict(lambda: defaultdict(list))  # image id → category id → detections
    for d in dets:
        by_image[d["image_id"]][d["category_id"]].append(d)
    out = dict.fromkeys(("tp", "fp", "fn", *KINDS, "missed", "ignored"), 0)
    for img_id in sorted(coco.getImgIds()):
        anns = coco.imgToAnns.get(img_id, [])
        gts, used, fps = [], [], []  # the image's non-ignored GTs, whether matched, its false positives
        img_dets = by_image.get(img_id, {})
        for cat_id in sorted({a["category_id"] for a in anns} | set(img_dets)):
            cat_dets = img_dets.get(cat_id, [])
            order = np.argsort([-float(d["score"]) for d in cat_dets], kind="mergesort")
            kept = [cat_dets[i] for i in order[:MAX_DETS]]
            out["ignored"] += len(cat_dets) - len(kept)
            det_gt, det_ign, cat_gts = _match(kept, [a for a in anns if a["category_id"] == cat_id], thr)
            matched = {m for m in det_gt if m > -1}
            for gi, (g, ign) in enumerate(cat_gts):
                if not ign:
                    gts.append(g)
                    used.append(gi in matched)
            for d, m, ign in zip(kept, det_gt, det_ign):
                if ign:
                    out["ignored"] += 1
                elif m > -1:
                    out["tp"] += 1
                else:
                    fps.append(d)
        out["fp"] += len(fps)
        out["fn"] += used.count(False)
        covered = [False] * len(gts)  # an unmatched GT that a cls or loc error points at: not "missed"
        ious = _iou(fps, gts, [False] * len(gts))
        g_cls = np.array([g["category_id"] for g in gts])
        g_used = np.array(used, dtype=bool)
        for k, d in enumerate(fps):
            row = ious[k]
            same = g_cls == d["category_id"]
            kind = None
            if len(gts) == 0:
                kind = "bkg"
            if kind is None and same.any():
                j = int(np.argmax(np.where(same, row, -1.0)))
                if t_b <= row[j] < thr:
                    kind = "loc"
                    covered[j] = covered[j] or not used[j]
            if kind is None and (~same).any():
                j = int(np.argmax(np.where(~same, row, -1.0)))
                if row[j] >= thr:
                    kind = "cls"
                    covered[j] = covered[j] or not used[j]
            if kind is None and (same & g_used).any() and row[same & g_used].max() >= thr:
                kind = "dupe"
            if kind is None and row.max() < t_b:
                kind = "bkg"
            out[kind or "both"] += 1
        out["missed"] += sum(1 for u, c in zip(used, covered) if not u and not c)
    return out


__all__ = ["error_kinds", "KINDS", "MAX_DETS"]
