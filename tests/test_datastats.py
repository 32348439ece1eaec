"""fpnlab.datastats: hand-made COCO dicts whose statistics are known, pixel statistics on tiny
images written in tmp_path, design hints on small- vs large-object sets, and a fuzz of malformed
input (every failure is CocoFormatError)."""
import copy
import json
import random

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.ops import box_iou

from fpnlab.coco import check_coco
from fpnlab.datastats import CocoFormatError, assign_levels, dataset_stats, design_hints, plot, report


def ann(i, image_id, bbox, area=None, cat=1, crowd=0):
    a = {"id": i, "image_id": image_id, "category_id": cat, "bbox": list(bbox), "iscrowd": crowd}
    if area is not None:
        a["area"] = area
    return a


def base_coco():
    """Two 200×100 / 400×400 images, three categories (one empty), one crowd annotation."""
    return {
        "images": [{"id": 1, "width": 200, "height": 100, "file_name": "a.png"},
                   {"id": 2, "width": 400, "height": 400, "file_name": "b.png"}],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}, {"id": 3, "name": "emu"}],
        "annotations": [
            ann(1, 1, [0, 0, 40, 20], area=32 ** 2 - 1),               # small (border − 1)
            ann(2, 1, [20, 0, 40, 20], area=32 ** 2),                  # medium (border)
            ann(3, 2, [0, 0, 96, 96], area=96 ** 2 - 1, cat=2),       # medium
            ann(4, 2, [10, 10, 96, 96], area=96 ** 2, cat=2),         # large (border)
            ann(5, 2, [300, 300, 20, 40], area=500),                   # small, alone in its corner
            ann(6, 2, [0, 0, 400, 400], area=50_000, crowd=1),         # crowd, large
        ],
    }


def test_counts_buckets_crowd_and_empty_classes():
    s = dataset_stats(base_coco())
    assert (s.n_images, s.n_objects, s.n_crowd) == (2, 5, 1)
    assert s.size_counts == {"small": 2, "medium": 2, "large": 1}
    assert s.crowd_size_counts == {"small": 0, "medium": 0, "large": 1}
    assert s.class_counts == {"cat": 3, "dog": 2, "emu": 0}
    assert list(s.size_bucket) == ["small", "medium", "medium", "large", "small"]
    assert list(s.category) == ["cat", "cat", "dog", "dog", "cat"]


def test_relative_area_aspect_and_image_arrays():
    s = dataset_stats(base_coco())
    np.testing.assert_allclose(s.rel_area, [800 / 20000, 800 / 20000, 96 * 96 / 160000,
                                            96 * 96 / 160000, 800 / 160000])
    np.testing.assert_allclose(s.aspect, [2, 2, 1, 1, 0.5])
    np.testing.assert_allclose(s.side, [20, 20, 96, 96, 20])
    np.testing.assert_array_equal(s.width, [200, 400])
    np.testing.assert_array_equal(s.height, [100, 400])
    np.testing.assert_array_equal(s.image_index, [0, 0, 1, 1, 1])


def test_overlap_equals_box_iou_per_image():
    s = dataset_stats(base_coco())
    img1 = torch.tensor([[0, 0, 40, 20], [20, 0, 60, 20]], dtype=torch.float64)
    img2 = torch.tensor([[0, 0, 96, 96], [10, 10, 106, 106], [300, 300, 320, 340]], dtype=torch.float64)
    expect = []
    for b in (img1, img2):
        iou = box_iou(b, b)
        iou.fill_diagonal_(0)
        expect += iou.max(1).values.tolist()
    np.testing.assert_allclose(s.overlap, expect)
    assert s.overlap[0] == pytest.approx(1 / 3)  # 20×20 shared of 40×20 + 40×20 − 400
    assert s.overlap[4] == 0                     # alone: the crowd box does not count


def test_missing_area_uses_box_and_notes_it():
    coco = base_coco()
    del coco["annotations"][0]["area"]  # box 40×20 = 800 < 32² → small
    s = dataset_stats(coco)
    assert s.size_bucket[0] == "small"
    assert any("'area'" in n for n in s.notes_in("en"))


def test_path_input_and_file_errors(tmp_path):
    p = tmp_path / "ann.json"
    p.write_text(json.dumps(base_coco()))
    assert dataset_stats(p).n_objects == 5
    assert dataset_stats(str(p)).n_objects == 5
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CocoFormatError, match="not a JSON file"):
        dataset_stats(bad)
    binary = tmp_path / "img.json"
    binary.write_bytes(b"\x89PNG\r\n\xff\xfe")
    with pytest.raises(CocoFormatError, match="not a JSON file"):
        dataset_stats(binary)
    with pytest.raises(CocoFormatError, match="no such annotation file"):
        dataset_stats(tmp_path / "missing.json")
    top = tmp_path / "list.json"
    top.write_text("[1, 2]")
    with pytest.raises(CocoFormatError, match="top level is .*list"):
        dataset_stats(top)


@pytest.mark.parametrize("mutate, field, ident", [
    (lambda c: c["annotations"][1].pop("bbox"), "'bbox'", "annotation id 2"),
    (lambda c: c["annotations"][1].update(bbox=[1, 2, 3]), "'bbox'", "annotation id 2"),
    (lambda c: c["annotations"][1].update(bbox=[1, 2, "3", 4]), "'bbox'", "annotation id 2"),
    (lambda c: c["annotations"][2].update(bbox=[10, 10, -5, 4]), "'bbox'", "annotation id 3"),
    (lambda c: c["annotations"][2].update(image_id=9), "'image_id'", "annotation id 3"),
    (lambda c: c["annotations"][2].update(category_id=9), "'category_id'", "annotation id 3"),
    (lambda c: c["annotations"][2].update(area=-1), "'area'", "annotation id 3"),
    (lambda c: c["annotations"][2].update(iscrowd=2), "'iscrowd'", "annotation id 3"),
    (lambda c: c["annotations"][3].pop("id"), "'id'", "annotations[3]"),
    (lambda c: c["categories"][0].update(id="x"), "'id'", "categories[0]"),
    (lambda c: c["annotations"][3].update(id=1), "'annotations'", "annotation id 1"),
    (lambda c: c["images"][1].pop("width"), "'width'", "image id 2"),
    (lambda c: c["images"][1].update(height=0), "'height'", "image id 2"),
    (lambda c: c["categories"][2].pop("name"), "'name'", "category id 3"),
    (lambda c: c["categories"][2].update(name="cat"), "'name'", "category id 3"),
    (lambda c: c.pop("categories"), "'categories'", "COCO"),
    (lambda c: c.update(images={"id": 1}), "'images'", "images"),
])
def test_malformed_names_field_id_and_fix(mutate, field, ident):
    coco = base_coco()
    mutate(coco)
    with pytest.raises(CocoFormatError) as e:
        dataset_stats(coco)
    msg = str(e.value)
    assert isinstance(e.value, ValueError)
    assert field in msg and ident in msg and "Fix:" in msg, msg


def test_error_in_turkish():
    coco = base_coco()
    coco["annotations"][1]["bbox"] = [1, 2, 3]
    with pytest.raises(CocoFormatError, match="Düzeltme:.*4 sayı"):
        check_coco(coco, lang="tr")


CORRUPT = [None, "x", -1, 0, 1.5, True, [], {}, [1, 2], [0, 0, -3, 4], float("nan"), 10 ** 9]


def _corrupt(coco, rng):
    """One random deletion or replacement somewhere in the dict (or its top level)."""
    r = rng.random()
    if r < 0.05:
        return rng.choice(CORRUPT)
    parents = [coco] + [e for k in ("images", "annotations", "categories") if isinstance(coco.get(k), list)
                        for e in coco[k]]
    parent = rng.choice(parents)
    if isinstance(parent, dict) and parent:
        key = rng.choice(sorted(parent))
        if rng.random() < 0.4:
            del parent[key]
        elif isinstance(parent[key], list) and parent[key] and rng.random() < 0.3:
            lst = parent[key]
            i = rng.randrange(len(lst))
            if rng.random() < 0.5:
                del lst[i]
            else:
                lst[i] = rng.choice(CORRUPT)
        else:
            parent[key] = rng.choice(CORRUPT)
    return coco


@pytest.mark.parametrize("seed, with_images", [(0, False), (1, True)])
def test_fuzz_only_coco_format_errors(tmp_path, seed, with_images):
    """Seeded: 400 random corruptions (deleted keys, values replaced by None, strings, negative,
    nan, bool, lists, dicts; list entries deleted or replaced). Every failure is CocoFormatError
    (anything else — KeyError, TypeError, IndexError — fails the test) naming a fix; every input
    that passes also goes through design_hints and report, with the images present or not."""
    rng = random.Random(seed)
    images_dir = None
    if with_images:
        write_images(tmp_path)
        images_dir = tmp_path
    raised = passed = 0
    for _ in range(400):
        coco = copy.deepcopy(base_coco())
        for _ in range(rng.randint(1, 3)):
            if isinstance(coco, dict):
                coco = _corrupt(coco, rng)
        try:
            s = dataset_stats(coco, images_dir=images_dir)
        except CocoFormatError as e:
            assert type(e) is CocoFormatError and "Fix:" in str(e), repr(e)
            raised += 1
            continue
        passed += 1
        for lang in ("en", "tr"):
            assert len(design_hints(s, lang)) >= 5
            report(s, lang)
        s.histograms()
    assert raised > 250 and passed > 0  # most corruptions are caught; some are harmless


# ---------------------------------------------------------------- pixel statistics

def write_images(folder):
    Image.fromarray(np.full((20, 30), 77, np.uint8)).save(folder / "a.png")      # flat grey 77
    stripes = np.zeros((20, 30), np.uint8)
    stripes[:, ::2] = 255                                                       # columns 255, 0, 255, ...
    Image.fromarray(stripes).convert("RGB").save(folder / "b.png")


def test_pixel_stats_known_values(tmp_path):
    write_images(tmp_path)
    s = dataset_stats(base_coco(), images_dir=tmp_path)
    assert s.brightness[0] == pytest.approx(77) and s.contrast[0] == 0 and s.blur[0] == 0
    assert s.brightness[1] == pytest.approx(127.5) and s.contrast[1] == pytest.approx(127.5)
    assert s.blur[1] == pytest.approx(510.0 ** 2)  # Laplacian ±510 on alternating columns
    assert s.notes == []


def test_pixel_stats_skipped_with_notes(tmp_path):
    s = dataset_stats(base_coco())
    assert s.brightness is None and s.blur is None
    assert s.notes_in("en") == ["Pixel statistics (brightness, contrast, blur) skipped: no images_dir was given."]
    assert "atlandı" in s.notes_in("tr")[0]
    empty = dataset_stats(base_coco(), images_dir=tmp_path)
    assert empty.brightness is None and "none of the 2 image files" in empty.notes_in("en")[0]
    write_images(tmp_path)
    (tmp_path / "b.png").unlink()
    half = dataset_stats(base_coco(), images_dir=tmp_path)
    assert half.brightness[0] == pytest.approx(77) and np.isnan(half.brightness[1])
    assert "1 of 2 image files are missing" in half.notes_in("en")[0]


def test_unreadable_image_is_nan_with_a_note(tmp_path):
    write_images(tmp_path)
    (tmp_path / "b.png").write_bytes(b"not a png")
    s = dataset_stats(base_coco(), images_dir=tmp_path)
    assert s.brightness[0] == pytest.approx(77) and np.isnan(s.blur[1])
    assert s.notes_in("en") == [f"1 image files in {tmp_path} could not be read as images (b.png, ...): "
                                "their pixel statistics are nan."]
    assert "okunamadı" in s.notes_in("tr")[0]
    assert any(h.key == "aug_blur" for h in design_hints(s, "en"))  # nan-aware medians: image a (flat) alone


def test_histograms_report_and_plot(tmp_path):
    write_images(tmp_path)
    s = dataset_stats(base_coco(), images_dir=tmp_path)
    h = s.histograms(bins=5)
    assert set(h) == {"relative_area", "aspect_ratio", "width", "height", "overlap",
                      "brightness", "contrast", "blur"}
    for name, (counts, edges) in h.items():
        assert counts.shape == (5,) and edges.shape == (6,)
    assert h["relative_area"][0].sum() == 5 and h["width"][0].sum() == 2
    assert "brightness" not in dataset_stats(base_coco()).histograms()
    tables = report(s, "tr")
    assert list(tables["classes"]["Sayı"]) == [3, 2, 0]
    assert list(tables["sizes"]["Boyut"]) == ["küçük", "orta", "büyük"]
    assert tables["summary"].iloc[1, 1] == 5
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    for stats in (s, dataset_stats(base_coco())):
        fig = plot(stats, "en")
        assert len(fig.axes) == 9
        plt.close(fig)


# ---------------------------------------------------------------- design hints

def synthetic(sides, size=640, n_images=20, seed=0, classes=("a", "b", "c")):
    """``n_images`` images of ``size``² with square objects whose sides come from ``sides``."""
    rng = np.random.default_rng(seed)
    anns, k = [], 0
    for im in range(1, n_images + 1):
        for _ in range(8):
            side = float(rng.choice(sides))
            x, y = rng.uniform(0, size - side, 2)
            k += 1
            anns.append(ann(k, im, [x, y, side, side], area=side * side, cat=int(rng.integers(1, 3))))
    return {"images": [{"id": i, "width": size, "height": size} for i in range(1, n_images + 1)],
            "categories": [{"id": i + 1, "name": c} for i, c in enumerate(classes)],
            "annotations": anns}


def by_topic(hints):
    out = {}
    for h in hints:
        out.setdefault(h.topic, []).append(h)
    return out


def test_assign_levels():
    assert assign_levels([7, 15.9, 16, 32, 64, 1000]).tolist() == [4, 4, 8, 16, 32, 32]


def test_hints_small_vs_large_objects():
    small = by_topic(design_hints(dataset_stats(synthetic([6, 8, 10, 12, 20])), "en"))
    large = by_topic(design_hints(dataset_stats(synthetic([150, 200, 300])), "en"))
    assert list(small) == list(large) == ["P2", "stride plan", "neck fusion", "norm", "augmentation"]
    assert small["P2"][0].key == "p2_add" and small["P2"][0].evidence["share_below_16px"] == pytest.approx(0.8, abs=0.1)
    assert large["P2"][0].key == "p2_skip" and large["P2"][0].evidence["share_below_16px"] == 0
    assert "Add P2" in small["P2"][0].message
    assert small["stride plan"][0].evidence["share_P2"] > 0.5
    assert large["stride plan"][0].key == "stride_coarse"
    assert large["stride plan"][0].evidence["median_cells_coarsest"] == pytest.approx(200 / 32)
    assert large["stride plan"][0].evidence["share_P5"] == 1
    assert "aug_small" in [h.key for h in small["augmentation"]]
    assert "aug_small" not in [h.key for h in large["augmentation"]]
    # the empty class "c" is named in both; the two used classes are balanced
    empty = [h for h in large["augmentation"] if h.key == "aug_empty"]
    assert len(empty) == 1 and "(c)" in empty[0].message and empty[0].evidence == {"empty_classes": 1}
    assert "aug_imbalance" not in [h.key for h in large["augmentation"]]
    assert small["norm"][0].evidence["batch_per_device"] == 16
    assert small["norm"][0].message.endswith("BatchNorm2d.")


def test_fusion_hint_names_the_reason_that_fired():
    # narrow sizes (100-120 px: 0.3 octaves), every object overlapping its twin at IoU 0.8
    coco = {"images": [{"id": 1, "width": 640, "height": 640}], "categories": [{"id": 1, "name": "a"}],
            "annotations": [ann(1, 1, [0, 0, 100, 100]), ann(2, 1, [0, 0, 100, 80]),
                            ann(3, 1, [300, 300, 120, 120]), ann(4, 1, [300, 300, 120, 96])]}
    h = by_topic(design_hints(dataset_stats(coco), "en"))["neck fusion"][0]
    assert h.key == "fusion_strong" and h.evidence["share_crowded"] == 1
    assert h.evidence["size_octaves_p10_p90"] < 3
    why = h.message.split(": ", 1)[1]
    assert why.startswith("100.0% of the objects overlap another one with IoU ≥ 0.5 (≥ 10%: a crowded set)")
    assert "octaves from the 10th to the 90th percentile (< 3)" in why, h.message
    tr = by_topic(design_hints(dataset_stats(coco), "tr"))["neck fusion"][0].message
    assert "%100,0" in tr and "(< 3)" in tr
    plain = by_topic(design_hints(dataset_stats(synthetic([100, 120])), "en"))["neck fusion"][0]
    assert plain.key == "fusion_plain" and "(< 3)" in plain.message and "(< 10%)" in plain.message


def test_hints_fusion_norm_input_size_and_turkish():
    wide = dataset_stats(synthetic([8, 8, 16, 64, 256]))
    h = by_topic(design_hints(wide, "tr"))
    assert h["neck fusion"][0].key == "fusion_strong"
    assert h["neck fusion"][0].evidence["size_octaves_p10_p90"] == pytest.approx(5)
    assert h["P2"][0].message.startswith("P2 (stride 4) ekle: kısa kenarı 16 pikselden kısa olan nesnelerin payı %")
    narrow = by_topic(design_hints(dataset_stats(synthetic([100, 120])), "en"))
    assert narrow["neck fusion"][0].key == "fusion_plain"
    big = by_topic(design_hints(dataset_stats(synthetic([100], size=2560, n_images=2)), "tr"))
    assert big["norm"][0].evidence["batch_per_device"] == 1 and "GroupNorm" in big["norm"][0].message
    assert "6,55 megapiksel" in big["norm"][0].message
    # at input_size 640 the same images behave like 640² ones, and the objects shrink 4×
    resized = by_topic(design_hints(dataset_stats(synthetic([100], size=2560, n_images=2)), "en", input_size=640))
    assert resized["norm"][0].evidence["batch_per_device"] == 16
    assert resized["stride plan"][0].evidence["share_P3"] == 1  # 25 px: 3.1 cells at stride 8


def test_hints_pixel_statistics(tmp_path):
    write_images(tmp_path)  # image a: flat and darkish; image b: sharp stripes
    coco = base_coco()
    coco["images"][1]["file_name"] = "a.png"  # both images flat → median contrast 0, blur 0
    keys = [h.key for h in design_hints(dataset_stats(coco, images_dir=tmp_path), "en")]
    assert {"aug_flat", "aug_blur"} <= set(keys) and "aug_dark" not in keys


def test_hints_class_imbalance_and_default():
    coco = synthetic([40, 60], classes=("a", "b"))  # no small objects, both classes used
    for a in coco["annotations"]:
        a["category_id"] = 1
    coco["annotations"][0]["category_id"] = 2  # 159 : 1
    keys = [h.key for h in design_hints(dataset_stats(coco), "en") if h.topic == "augmentation"]
    assert keys == ["aug_imbalance"]
    coco["annotations"][1]["category_id"] = 2
    for a in coco["annotations"][:80]:
        a["category_id"] = 2  # 80 : 80
    hints = [h for h in design_hints(dataset_stats(coco), "tr") if h.topic == "augmentation"]
    assert [h.key for h in hints] == ["aug_default"]
    assert "sınıf oranı 1,0×" in hints[0].message and "piksel istatistikleri hesaplanmadı" in hints[0].message


def test_empty_sets_do_not_crash():
    for coco in ({"images": [], "annotations": [], "categories": []},
                 {"images": [{"id": 1, "width": 10, "height": 10}], "annotations": [],
                  "categories": [{"id": 1, "name": "a"}]}):
        s = dataset_stats(coco)
        assert s.n_objects == 0 and s.rel_area.shape == (0,) and s.overlap.shape == (0,)
        assert [h.topic for h in design_hints(s, "en")][:4] == ["P2", "stride plan", "neck fusion", "norm"]
        assert report(s)["sizes"]["Count"].sum() == 0


def test_import_stays_light():
    import subprocess
    import sys
    code = ("import sys, fpnlab.datastats; "
            "print(sorted(m for m in ('torch', 'matplotlib', 'pandas', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fuzz_files(tmp_path):
    rng = random.Random(1)
    text = json.dumps(base_coco()).encode()
    p = tmp_path / "ann.json"
    for _ in range(50):
        data = bytearray(text[:rng.randrange(len(text))])  # truncated ...
        for _ in range(rng.randint(0, 3)):                   # ... with a few random bytes
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        p.write_bytes(bytes(data))
        with pytest.raises(CocoFormatError):
            dataset_stats(p)
