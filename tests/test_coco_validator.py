"""One validator, one verdict: the same malformed COCO files go to every reader of COCO data —
the statistics (fpnlab.datastats.dataset_stats), the evaluation (fpnlab.coco.coco_eval) and the
folder reader (fpnlab.data.CocoFolder) — and each one refuses them with the same
CocoFormatError, with the same message (check_coco's). A valid file passes all three."""
import copy
import json

import numpy as np
import pytest
from PIL import Image

import fpnlab
from fpnlab.coco import CocoFormatError, check_coco, coco_eval
from fpnlab.data import CocoFolder, ContextShapes
from fpnlab.datastats import dataset_stats


def valid():
    return {
        "images": [{"id": 1, "width": 64, "height": 48, "file_name": "a.png"},
                   {"id": 2, "width": 64, "height": 48, "file_name": "b.png"}],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [4, 4, 20, 10], "area": 200, "iscrowd": 0},
            {"id": 2, "image_id": 2, "category_id": 2, "bbox": [10, 8, 40, 36]},
        ],
    }


def _set(path, value):
    def mutate(c):
        *parents, last = path
        obj = c
        for k in parents:
            obj = obj[k]
        if value is _DEL:
            del obj[last]
        else:
            obj[last] = value
    return mutate


_DEL = object()

# (name, mutation, what the message must name: the field and the entry)
MALFORMED = [
    ("zero-width box", _set(("annotations", 0, "bbox"), [4, 4, 0, 10]), ("'bbox'", "annotation id 1")),
    ("zero-height box", _set(("annotations", 1, "bbox"), [4, 4, 5, 0]), ("'bbox'", "annotation id 2")),
    ("negative width", _set(("annotations", 0, "bbox"), [4, 4, -5, 10]), ("'bbox'", "annotation id 1")),
    ("bbox with 3 numbers", _set(("annotations", 0, "bbox"), [4, 4, 20]), ("'bbox'", "annotation id 1")),
    ("bbox with a string", _set(("annotations", 0, "bbox"), [4, 4, "20", 10]), ("'bbox'", "annotation id 1")),
    ("bbox with nan", _set(("annotations", 0, "bbox"), [4, 4, float("nan"), 10]), ("'bbox'", "annotation id 1")),
    ("no bbox", _set(("annotations", 0, "bbox"), _DEL), ("'bbox'", "annotation id 1")),
    ("annotation id 0", _set(("annotations", 0, "id"), 0), ("'id'", "annotations[0]")),
    ("annotation id -3", _set(("annotations", 1, "id"), -3), ("'id'", "annotations[1]")),
    ("annotation without id", _set(("annotations", 1, "id"), _DEL), ("'id'", "annotations[1]")),
    ("duplicate annotation ids", _set(("annotations", 1, "id"), 1), ("'annotations'", "annotation id 1")),
    ("duplicate image ids", _set(("images", 1, "id"), 1), ("'images'", "image id 1")),
    ("duplicate category ids", _set(("categories", 1, "id"), 1), ("'categories'", "category id 1")),
    ("duplicate category names", _set(("categories", 1, "name"), "cat"), ("'name'", "category id 2")),
    ("image without width", _set(("images", 0, "width"), _DEL), ("'width'", "image id 1")),
    ("image with height 0", _set(("images", 1, "height"), 0), ("'height'", "image id 2")),
    ("image with width 6.5", _set(("images", 0, "width"), 6.5), ("'width'", "image id 1")),
    ("category without name", _set(("categories", 1, "name"), _DEL), ("'name'", "category id 2")),
    ("category name not a string", _set(("categories", 0, "name"), 7), ("'name'", "category id 1")),
    ("iscrowd 2", _set(("annotations", 0, "iscrowd"), 2), ("'iscrowd'", "annotation id 1")),
    ("area -5", _set(("annotations", 0, "area"), -5), ("'area'", "annotation id 1")),
    ("unknown image_id", _set(("annotations", 1, "image_id"), 9), ("'image_id'", "annotation id 2")),
    ("unknown category_id", _set(("annotations", 1, "category_id"), 9), ("'category_id'", "annotation id 2")),
    ("image_id a string", _set(("annotations", 1, "image_id"), "2"), ("'image_id'", "annotation id 2")),
    ("no categories list", _set(("categories",), _DEL), ("'categories'", "COCO")),
    ("images not a list", _set(("images",), {"id": 1}), ("'images'", "not a list")),
    ("an annotation that is a number", _set(("annotations", 1), 5), ("'annotations'", "annotations[1]")),
]


def _write_folder(root, coco):
    root.mkdir(parents=True, exist_ok=True)
    for name in ("a.png", "b.png"):
        Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(root / name)
    (root / "annotations.json").write_text(json.dumps(coco), encoding="utf-8")
    return root


def _verdicts(coco, tmp_path):
    """The message each reader raises for ``coco`` (a file in a folder), or None where it passes."""
    folder = _write_folder(tmp_path / "set", coco)
    path = folder / "annotations.json"
    out = {}
    for name, read in (("dataset_stats", lambda: dataset_stats(path)),
                       ("coco_eval", lambda: coco_eval(path, [])),
                       ("CocoFolder", lambda: CocoFolder(folder)),
                       ("check_coco", lambda: check_coco(path))):
        try:
            read()
            out[name] = None
        except CocoFormatError as e:
            assert type(e) is CocoFormatError, (name, repr(e))
            out[name] = str(e)
    return out


def test_a_valid_file_passes_every_reader(tmp_path):
    out = _verdicts(valid(), tmp_path)
    assert out == dict.fromkeys(out), out
    s = dataset_stats(valid())
    assert s.n_objects == 2 and s.size_counts == {"small": 1, "medium": 1, "large": 0}
    assert coco_eval(valid(), [{"image_id": 1, "category_id": 1, "bbox": [4, 4, 20, 10], "score": 0.9}])["AR100"] == 0.5


@pytest.mark.parametrize("name, mutate, names", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_every_reader_gives_the_same_verdict(tmp_path, name, mutate, names):
    coco = copy.deepcopy(valid())
    mutate(coco)
    out = _verdicts(coco, tmp_path)
    messages = set(out.values())
    assert None not in messages, f"{name}: accepted by {[k for k, v in out.items() if v is None]}"
    assert len(messages) == 1, out  # one validator: the very same message from every reader
    msg = messages.pop()
    assert all(n in msg for n in names) and "Fix:" in msg, msg
    # the dict (not the file) gets the same verdict, without the path in front
    with pytest.raises(CocoFormatError) as by_stats:
        dataset_stats(copy.deepcopy(coco))
    with pytest.raises(CocoFormatError) as by_eval:
        coco_eval(copy.deepcopy(coco), [])
    assert str(by_stats.value) == str(by_eval.value) and msg.endswith(str(by_eval.value))


def test_the_verdict_speaks_the_readers_language(tmp_path):
    coco = valid()
    coco["annotations"][0]["bbox"] = [4, 4, 0, 10]
    fpnlab.set_lang("tr")
    try:
        with pytest.raises(CocoFormatError, match="Düzeltme:") as by_stats:
            dataset_stats(coco)
        with pytest.raises(CocoFormatError, match="Düzeltme:") as by_eval:
            coco_eval(coco, [])
        assert str(by_stats.value) == str(by_eval.value)
    finally:
        fpnlab.set_lang("en")
    assert "Fix:" in str(pytest.raises(CocoFormatError, check_coco, coco).value)


def test_generated_sets_write_valid_coco(tmp_path):
    ds = ContextShapes(3, size=64, seed=0)
    data = ds.coco()
    assert check_coco(data) == check_coco(data, fill=False)  # nothing to fill: area and iscrowd written
    assert all({"width", "height", "file_name"} <= set(im) for im in data["images"])
    assert [c["name"] for c in data["categories"]] == list(ds.classes)
    ds.write_coco(tmp_path)
    assert dataset_stats(tmp_path / "annotations.json").n_objects == len(data["annotations"])
    assert len(CocoFolder(tmp_path)) == 3


def test_bad_detections_are_named_in_both_languages():
    gt = valid()
    with pytest.raises(CocoFormatError, match=r"detections\[0\]: bbox \[1, 2, 3\]\. Fix"):
        coco_eval(gt, [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "score": 0.5}])
    with pytest.raises(CocoFormatError, match=r"detections\[0\]: score 'high'"):
        coco_eval(gt, [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": "high"}])
    with pytest.raises(CocoFormatError, match="detections must be a list"):
        coco_eval(gt, "results.json")
    fpnlab.set_lang("tr")
    try:
        with pytest.raises(CocoFormatError, match=r"detections\[0\]: image_id 5 ground truth'ta yok\. Düzeltme:"):
            coco_eval(gt, [{"image_id": 5, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}])
    finally:
        fpnlab.set_lang("en")
