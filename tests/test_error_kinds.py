"""fpnlab.coco.error_kinds: true positives exactly as pycocotools' COCOeval decides them, false
positives and misses sorted into TIDE's kinds (one hand-made case per kind), the kinds adding
up, bad input refused with a fix — and, where the tidecv package is installed, the same counts
as TIDE's own code."""
import contextlib
import copy
import io

import numpy as np
import pytest

import fpnlab
from fpnlab.coco.evaluate import _load_gt
from fpnlab.coco.error_kinds import KINDS, MAX_DETS, error_kinds
from fpnlab.errors import CocoFormatError


@pytest.fixture(autouse=True)
def english_after():
    yield
    fpnlab.set_lang("en")


# --- a randomised set: several images and classes, overlapping boxes, crowds, duplicates -----

def random_set(seed: int, n_images: int = 12, n_cats: int = 3, crowd: bool = True, size: float = 200.0):
    """(ground truth dict, detections): objects, jittered boxes on them (some of the wrong class,
    some duplicates, some far off), boxes on nothing; an image without objects; crowd regions."""
    rng = np.random.default_rng(seed)
    images = [{"id": i + 1, "width": int(size), "height": int(size)} for i in range(n_images)]
    cats = [{"id": c + 1, "name": f"c{c + 1}"} for c in range(n_cats)]
    anns, dets = [], []

    def box(x, y, w, h):
        return [float(x), float(y), float(max(w, 1.0)), float(max(h, 1.0))]

    for img in images[1:]:  # image 1: no objects at all
        for _ in range(int(rng.integers(1, 8))):
            w, h = rng.uniform(8, 80, 2)
            x, y = rng.uniform(0, size - w), rng.uniform(0, size - h)
            is_crowd = crowd and rng.random() < 0.12
            cat = int(rng.integers(1, n_cats + 1))
            anns.append({"id": len(anns) + 1, "image_id": img["id"], "category_id": cat,
                         "bbox": box(x, y, w, h), "iscrowd": int(is_crowd)})
            for _ in range(int(rng.integers(0, 4))):  # 0..3 detections near it: duplicates, offsets
                s = rng.choice([0.03, 0.15, 0.4])      # jitter, as a fraction of the side
                dx, dy = rng.normal(0, s * w), rng.normal(0, s * h)
                dw, dh = w * np.exp(rng.normal(0, s)), h * np.exp(rng.normal(0, s))
                wrong = rng.random() < 0.2
                dcat = int(rng.integers(1, n_cats + 1)) if wrong else cat
                dets.append({"image_id": img["id"], "category_id": dcat, "bbox": box(x + dx, y + dy, dw, dh),
                             "score": float(rng.random())})
    for img in images:
        for _ in range(int(rng.integers(0, 4))):  # boxes anywhere, mostly on nothing
            w, h = rng.uniform(5, 40, 2)
            dets.append({"image_id": img["id"], "category_id": int(rng.integers(1, n_cats + 1)),
                         "bbox": box(rng.uniform(0, size - w), rng.uniform(0, size - h), w, h),
                         "score": float(rng.random())})
    return {"images": images, "categories": cats, "annotations": anns}, dets


def cocoeval_counts(gt: dict, dets: list, iou: float) -> dict:
    """tp, fp, fn and ignored detections read from pycocotools' own evalImgs (area "all", maxDets 100)."""
    from pycocotools.cocoeval import COCOeval

    coco = _load_gt(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        res = coco.loadRes(copy.deepcopy(dets))
        ev = COCOeval(coco, res, iouType="bbox")
        ev.params.iouThrs = np.array([iou])
        ev.params.areaRng, ev.params.areaRngLbl = [[0.0, 1e5 ** 2]], ["all"]
        ev.params.maxDets = [MAX_DETS]
        ev.evaluate()
    out = dict(tp=0, fp=0, fn=0, ignored=0)
    for e in ev.evalImgs:
        if e is None:
            continue
        assert e["aRng"] == [0.0, 1e5 ** 2] and e["maxDet"] == MAX_DETS
        dtm, dt_ig = e["dtMatches"][0], e["dtIgnore"][0].astype(bool)
        gtm, gt_ig = e["gtMatches"][0], np.asarray(e["gtIgnore"]).astype(bool)
        out["tp"] += int(((dtm > 0) & ~dt_ig).sum())
        out["fp"] += int(((dtm == 0) & ~dt_ig).sum())
        out["ignored"] += int(dt_ig.sum())
        out["fn"] += int(((gtm == 0) & ~gt_ig).sum())
    n_in = {}
    for d in dets:
        n_in[d["image_id"], d["category_id"]] = n_in.get((d["image_id"], d["category_id"]), 0) + 1
    out["ignored"] += sum(max(0, n - MAX_DETS) for n in n_in.values())  # beyond maxDets: never seen
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("iou", [0.5, 0.75, 0.3])
def test_true_and_false_positives_are_pycocotools_own(seed, iou):
    gt, dets = random_set(seed)
    assert any(a["iscrowd"] for a in gt["annotations"]), "the set should have crowd regions"
    got = error_kinds(gt, dets, iou=iou)
    want = cocoeval_counts(gt, dets, iou)
    assert {k: got[k] for k in want} == want
    assert got["tp"] > 0 and got["fp"] > 0 and got["fn"] > 0


def test_more_than_max_dets_per_image_and_category_are_not_counted():
    gt, dets = random_set(5)
    rng = np.random.default_rng(5)
    extra = [{"image_id": 2, "category_id": 1, "bbox": [float(x), float(y), 20.0, 20.0], "score": float(s)}
             for x, y, s in zip(rng.uniform(0, 180, 130), rng.uniform(0, 180, 130), rng.random(130))]
    dets = dets + extra
    got, want = error_kinds(gt, dets), cocoeval_counts(gt, dets, 0.5)
    assert {k: got[k] for k in want} == want and got["ignored"] >= 30


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_the_kinds_add_up(seed):
    gt, dets = random_set(seed)
    r = error_kinds(gt, dets)
    assert r["fp"] == sum(r[k] for k in KINDS)
    non_crowd = sum(1 for a in gt["annotations"] if not a["iscrowd"])
    assert r["tp"] + r["fn"] == non_crowd
    assert r["tp"] + r["fp"] + r["ignored"] == len(dets)
    assert 0 <= r["missed"] <= r["fn"]
    assert all(isinstance(v, int) and v >= 0 for v in r.values())


def test_a_coco_object_and_a_json_file_give_the_same_counts(tmp_path):
    import json

    from pycocotools.coco import COCO

    gt, dets = random_set(7)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt), encoding="utf-8")
    coco = COCO()
    coco.dataset = copy.deepcopy(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    assert error_kinds(coco, dets) == error_kinds(gt, dets) == error_kinds(str(path), dets)


# --- one hand-made case per kind --------------------------------------------------------------
# GT boxes are (category, [x, y, w, h]) or (category, box, "crowd"); detections (category, box, score).

def case(gts, dets, **kw):
    gt = {"images": [{"id": 1, "width": 200, "height": 200}, {"id": 2, "width": 200, "height": 200}],
          "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
          "annotations": [{"id": i + 1, "image_id": 1, "category_id": g[0], "bbox": g[1],
                           "iscrowd": int(len(g) > 2 and g[2] == "crowd")} for i, g in enumerate(gts)]}
    results = [{"image_id": d[3] if len(d) > 3 else 1, "category_id": d[0], "bbox": d[1], "score": d[2]}
               for d in dets]
    r = error_kinds(gt, results, **kw)
    assert r["fp"] == sum(r[k] for k in KINDS)
    return r


def only(r, **counts):
    """r's counts: those named, and 0 for every other one."""
    return r == {k: counts.get(k, 0) for k in r}


GT_A = (1, [10, 10, 40, 40])          # a cat
GT_B = (2, [100, 100, 40, 40])        # a dog, far from it
INSIDE_30 = [10, 10, 40, 12]          # inside GT_A, 30 % of its area: IoU 0.3


def test_true_positive():
    assert only(case([GT_A], [(1, [10, 10, 40, 40], 0.9)]), tp=1)


def test_wrong_class_exactly_on_an_object_is_cls():
    # fn, not missed: the right class on that box would have found the cat
    assert only(case([GT_A], [(2, [10, 10, 40, 40], 0.9)]), fp=1, cls=1, fn=1)


def test_right_class_with_iou_03_is_loc():
    assert only(case([GT_A], [(1, INSIDE_30, 0.9)]), fp=1, loc=1, fn=1)


def test_wrong_class_with_iou_03_is_both():
    # a both error does not cover the cat: it is still missed (TIDE's Miss)
    assert only(case([GT_A], [(2, INSIDE_30, 0.9)]), fp=1, both=1, fn=1, missed=1)


def test_a_second_detection_on_a_found_object_is_dupe():
    r = case([GT_A], [(1, [10, 10, 40, 40], 0.9), (1, [11, 10, 40, 40], 0.8)])
    assert only(r, tp=1, fp=1, dupe=1)


def test_the_higher_score_wins_the_object_whatever_the_list_order():
    r = case([GT_A], [(1, [11, 10, 40, 40], 0.8), (1, [10, 10, 40, 40], 0.9)])
    assert only(r, tp=1, fp=1, dupe=1)


def test_a_box_in_empty_space_is_bkg():
    assert only(case([GT_A, GT_B], [(1, [10, 10, 40, 40], 0.9), (1, [150, 10, 20, 20], 0.8)]),
                tp=1, fp=1, bkg=1, fn=1, missed=1)


def test_a_box_on_an_image_without_objects_is_bkg():
    assert only(case([GT_A], [(1, [10, 10, 40, 40], 0.9), (2, [10, 10, 40, 40], 0.9, 2)]), tp=1, fp=1, bkg=1)


def test_an_untouched_object_is_missed_and_a_false_negative():
    r = case([GT_A, GT_B], [(1, [10, 10, 40, 40], 0.9)])
    assert only(r, tp=1, fn=1, missed=1)


def test_loc_is_decided_before_cls():
    # IoU 0.3 with a cat and 1.0 with a dog: TIDE tests Loc first
    r = case([GT_A, (2, INSIDE_30)], [(1, INSIDE_30, 0.9)])
    assert r["loc"] == 1 and r["cls"] == 0 and r["fp"] == 1


def test_the_thresholds_move_the_boundaries():
    r = case([GT_A], [(1, INSIDE_30, 0.9)], iou=0.25)   # IoU 0.3 ≥ 0.25: a true positive
    assert only(r, tp=1)
    r = case([GT_A], [(1, INSIDE_30, 0.9)], background_iou=0.35)  # IoU 0.3 < 0.35: background
    assert only(r, fp=1, bkg=1, fn=1, missed=1)
    r = case([GT_A], [(1, INSIDE_30, 0.9), (1, [10, 10, 40, 40], 0.05)], score_threshold=0.1)
    assert only(r, fp=1, loc=1, fn=1)


def test_a_detection_on_a_crowd_region_is_ignored_and_the_crowd_is_no_object():
    r = case([GT_A, (2, [100, 100, 60, 60], "crowd")],
             [(1, [10, 10, 40, 40], 0.9), (2, [110, 110, 20, 20], 0.8)])
    assert only(r, tp=1, ignored=1)


# --- bad input ---------------------------------------------------------------------------------

def test_a_detection_for_an_unknown_image_names_it_and_the_fix():
    with pytest.raises(CocoFormatError, match=r"detections\[1\]: image_id 99 is not in the ground truth.*Fix"):
        case([GT_A], [(1, [10, 10, 40, 40], 0.9), (1, [10, 10, 40, 40], 0.9, 99)])


def test_malformed_input_is_refused_with_a_fix():
    with pytest.raises(CocoFormatError, match=r"category_id 7.*Fix"):
        case([GT_A], [(7, [10, 10, 40, 40], 0.9)])
    with pytest.raises(CocoFormatError, match=r"field\(s\) \['score'\] missing"):
        error_kinds({"images": [{"id": 1, "width": 64, "height": 64}], "categories": [{"id": 1, "name": "a"}], "annotations": []},
                    [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}])
    with pytest.raises(CocoFormatError, match="annotation id 1"):  # the ground truth is checked too
        error_kinds({"images": [{"id": 1, "width": 64, "height": 64}], "categories": [{"id": 1, "name": "a"}],
                     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 0, 5]}]}, [])


@pytest.mark.parametrize("kw, text", [({"iou": 0.0}, "iou=0.0"), ({"iou": 1.5}, "iou=1.5"),
                                      ({"background_iou": 0.6}, "background_iou=0.6"),
                                      ({"background_iou": -0.1}, "background_iou=-0.1"),
                                      ({"score_threshold": "high"}, "score_threshold='high'")])
def test_bad_thresholds_are_refused_in_the_readers_language(kw, text):
    with pytest.raises(ValueError, match=text):
        case([GT_A], [], **kw)
    fpnlab.set_lang("tr")
    with pytest.raises(ValueError, match="olmalı"):
        case([GT_A], [], **kw)


def test_no_detections_every_object_is_missed():
    assert only(case([GT_A, GT_B], []), fn=2, missed=2)


# --- TIDE's own code, where installed ------------------------------------------------------

def test_same_counts_as_tidecv():
    """tidecv (pip install tidecv) on a set where its rules and COCOeval's coincide: no crowd
    regions (tidecv ignores and classifies them differently) and at most 100 detections per
    image (tidecv caps per image, COCOeval per image and category)."""
    tidecv = pytest.importorskip("tidecv")
    for seed in range(6):
        gt, dets = random_set(seed, crowd=False)
        gdata, pdata = tidecv.Data("gt"), tidecv.Data("dets")
        for img in gt["images"]:
            gdata.add_image(img["id"], str(img["id"]))
        for a in gt["annotations"]:
            gdata.add_ground_truth(a["image_id"], a["category_id"], a["bbox"])
        for d in dets:
            pdata.add_detection(d["image_id"], d["category_id"], d["score"], d["bbox"])
        tide = tidecv.TIDE(pos_threshold=0.5, background_threshold=0.1, mode=tidecv.TIDE.BOX)
        tide.evaluate(gdata, pdata, name="run")
        run = tide.runs["run"]
        theirs = {e.short_name.lower(): len(v) for e, v in run.error_dict.items()}
        theirs = {"cls": theirs["cls"], "loc": theirs["loc"], "both": theirs["both"], "dupe": theirs["dupe"],
                  "bkg": theirs["bkg"], "missed": theirs["miss"],
                  "fn": sum(len(v) for v in run.false_negatives.values())}
        ours = error_kinds(gt, dets)
        assert {k: ours[k] for k in theirs} == theirs, seed
