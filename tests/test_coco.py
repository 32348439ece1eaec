"""fpnlab.coco.coco_eval: pycocotools' numbers, named; crowd and area ranges as in COCO."""
import contextlib
import copy
import io
import json
import math
import random

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from fpnlab.coco import STAT_NAMES, coco_eval, scaled_area_ranges
from fpnlab.coco import CocoFormatError, check_coco
from fpnlab.errors import UnknownNameError


def _gt(n_images=6, seed=0):
    rng = random.Random(seed)
    images, anns = [], []
    for i in range(1, n_images + 1):
        images.append({"id": i, "width": 200, "height": 200, "file_name": f"{i}.png"})
        for _ in range(rng.randint(1, 5)):
            side = rng.choice([8, 20, 40, 120])  # small, small, medium, large (COCO split)
            x, y = rng.uniform(0, 200 - side), rng.uniform(0, 200 - side)
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": rng.choice([1, 2]),
                         "bbox": [x, y, side, side * rng.uniform(0.7, 1.0)]})
    for a in anns:
        a["area"], a["iscrowd"] = a["bbox"][2] * a["bbox"][3], 0
    return {"images": images, "annotations": anns,
            "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}


def _perfect(gt):
    return [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": list(a["bbox"]),
             "score": 0.9} for a in gt["annotations"]]


def _noisy(gt, seed=1):
    rng = random.Random(seed)
    dets = []
    for a in gt["annotations"]:
        if rng.random() < 0.2:
            continue  # missed
        x, y, w, h = a["bbox"]
        j = rng.uniform(-0.25, 0.25)
        dets.append({"image_id": a["image_id"], "category_id": a["category_id"],
                     "bbox": [x + j * w, y - j * h, w * (1 + j / 2), h], "score": rng.random()})
        if rng.random() < 0.3:  # a false positive somewhere else, or a wrong class
            dets.append({"image_id": a["image_id"], "category_id": 3 - a["category_id"],
                         "bbox": [x, y, w, h], "score": rng.random()})
    return dets


def _direct(gt, dets, area_rng=None):
    """COCOeval called directly, the way its README does."""
    with contextlib.redirect_stdout(io.StringIO()):
        cg = COCO()
        cg.dataset = copy.deepcopy(gt)
        cg.createIndex()
        cd = cg.loadRes(copy.deepcopy(dets))
        ev = COCOeval(cg, cd, "bbox")
        if area_rng is not None:
            ev.params.areaRng = area_rng
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return [math.nan if v == -1 else v for v in ev.stats]


def test_perfect_detections_give_one():
    gt = _gt()
    r = coco_eval(gt, _perfect(gt))
    for k in ("AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large", "AR100"):
        assert r[k] == pytest.approx(1.0), k
    assert r["area_split"] == "coco" and r["area_ranges"]["small"] == [0.0, 32.0 ** 2]


def test_a_known_partial_case():
    # two objects, one found (score 0.9), one false positive (0.8): precision 1 up to recall 0.5,
    # so 51 of COCO's 101 recall points have precision 1 at every IoU threshold
    gt = {"images": [{"id": 1, "width": 200, "height": 200}], "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50]},
                          {"id": 2, "image_id": 1, "category_id": 1, "bbox": [100, 100, 50, 50]}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50], "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [60, 0, 30, 30], "score": 0.8}]
    r = coco_eval(gt, dets)
    assert r["AP"] == pytest.approx(51 / 101) and r["AP50"] == pytest.approx(51 / 101)
    assert r["AR100"] == pytest.approx(0.5)
    assert math.isnan(r["AP_small"]) and math.isnan(r["AP_large"])  # every object is medium
    assert coco_eval(gt, [])["AP"] == 0.0


@pytest.mark.parametrize("seed", [1, 2])
def test_equals_cocoeval_called_directly(seed, tmp_path):
    gt = _gt(seed=seed)
    dets = _noisy(gt, seed)
    want = _direct(gt, dets)
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(gt))
    for source in (gt, str(path)):
        r = coco_eval(source, dets)
        got = [r[k] for k in STAT_NAMES]
        assert np.allclose(got, want, equal_nan=True, rtol=0, atol=0)
    assert 0.1 < r["AP"] < 0.9  # a partial case, not a trivial one


def test_area_ranges_override_is_used_and_reported():
    gt = _gt(seed=3)
    dets = _noisy(gt, 3)
    ranges = scaled_area_ranges(200)  # small < 10², medium < 30² px²
    r = coco_eval(gt, dets, area_ranges=ranges)
    want = _direct(gt, dets, [[0, 1e10]] + [list(ranges[k]) for k in ("small", "medium", "large")])
    assert np.allclose([r[k] for k in STAT_NAMES], want, equal_nan=True, rtol=0, atol=0)
    assert r["area_split"] == "custom" and r["area_ranges"]["small"] == [0.0, 100.0]
    assert r["AP_small"] != coco_eval(gt, dets)["AP_small"]
    with pytest.raises(UnknownNameError, match="'tiny' is not one of 'small', 'medium', 'large'"):
        coco_eval(gt, dets, area_ranges={"tiny": (0, 10)})


def test_crowd_regions_are_ignored_as_in_coco():
    gt = {"images": [{"id": 1, "width": 200, "height": 200}], "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40]},
                          {"id": 2, "image_id": 1, "category_id": 1, "bbox": [100, 100, 80, 80],
                           "iscrowd": 1}]}
    hit = {"image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40], "score": 0.5}
    in_crowd = {"image_id": 1, "category_id": 1, "bbox": [110, 110, 30, 30], "score": 0.9}
    elsewhere = {"image_id": 1, "category_id": 1, "bbox": [50, 150, 30, 30], "score": 0.9}
    assert coco_eval(gt, [hit])["AP"] == pytest.approx(1.0)
    # a higher-scoring box inside the crowd region is neither a true nor a false positive
    assert coco_eval(gt, [hit, in_crowd])["AP"] == pytest.approx(1.0)
    assert coco_eval(gt, [hit, elsewhere])["AP"] < 0.6
    r = coco_eval(gt, [hit, in_crowd, elsewhere])
    assert [r[k] for k in STAT_NAMES] == pytest.approx(_direct(check_coco(gt), [hit, in_crowd, elsewhere]), nan_ok=True)


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.pop("categories"), "COCO: field 'categories' is missing"),
    (lambda d: d["annotations"][0].pop("bbox"), "annotation id 1: field 'bbox' is missing"),
    (lambda d: d["annotations"][0].update(bbox=[10, 10, 5, 0]), "annotation id 1: field 'bbox'.*width > 0"),
    (lambda d: d["annotations"][0].update(id=0), "pycocotools treats id 0"),
    (lambda d: d["annotations"][1].update(id=1), "id 1 appears twice in 'annotations'"),
    (lambda d: d["annotations"][0].update(image_id=99), "'image_id' is 99, which no image has"),
    (lambda d: d["annotations"][0].update(category_id=7), "'category_id' is 7, which no category has"),
    (lambda d: d["images"][0].pop("id"), r"images\[0\]: field 'id' is missing"),
])
def test_malformed_ground_truth_names_field_and_fix(mutate, match):
    gt = _gt(n_images=2)
    mutate(gt)
    with pytest.raises(CocoFormatError, match=match) as err:
        coco_eval(gt, [])
    assert isinstance(err.value, ValueError) and "Fix:" in str(err.value)


def test_check_coco_fills_area_and_iscrowd_and_bad_detections_are_named():
    gt = _gt(n_images=1)
    for a in gt["annotations"]:
        del a["area"], a["iscrowd"]
    out = check_coco(gt)
    a = out["annotations"][0]
    assert a["area"] == a["bbox"][2] * a["bbox"][3] and a["iscrowd"] == 0
    with pytest.raises(CocoFormatError, match="image_id 5 is not in the ground truth"):
        coco_eval(gt, [{"image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1.0}])
    with pytest.raises(CocoFormatError, match="missing"):
        coco_eval(gt, [{"image_id": 1, "bbox": [0, 0, 1, 1]}])
