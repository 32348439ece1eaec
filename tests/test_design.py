"""fpnlab.design on generated sets whose right answer is known: mostly small objects keep P2, only
large objects drop it and keep coarse levels, a mixed set keeps the levels its objects fill; the
coverage follows the assignment rule at the letterboxed input size; bad input is refused."""
import json
import subprocess
import sys

import numpy as np
import pytest

import fpnlab
from fpnlab.coco import CocoFormatError
from fpnlab.design import MIN_LEVELS, coverage, design
from fpnlab.errors import ArgumentError
from fpnlab.levels import assign_level


def make_set(sides, image=640, seed=0):
    """One image per 20 objects, square boxes of the given sides at random places."""
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for i, s in enumerate(sides):
        if i % 20 == 0:
            images.append({"id": len(images) + 1, "width": image, "height": image})
        x, y = rng.uniform(0, image - s, 2)
        anns.append({"id": i + 1, "image_id": len(images), "category_id": 1, "bbox": [float(x), float(y), float(s), float(s)]})
    return {"images": images, "categories": [{"id": 1, "name": "obj"}], "annotations": anns}


def names(d):
    return [lv.name for lv in d.levels]


def test_mostly_small_objects_keep_p2():
    rng = np.random.default_rng(1)
    d = design(make_set(list(rng.uniform(8, 15, 300)) + list(rng.uniform(40, 120, 30))))
    assert names(d)[0] == "P2"
    assert any("P2 (stride 4) kept" in r for r in d.reasons)


def test_only_large_objects_drop_p2_and_keep_coarse_levels():
    rng = np.random.default_rng(2)
    d = design(make_set(rng.uniform(150, 400, 200)))
    assert "P2" not in names(d) and "P3" not in names(d)
    assert names(d)[-1] in ("P6", "P7") and len(d.levels) >= MIN_LEVELS
    assert any("P2 (stride 4) dropped" in r for r in d.reasons)


def test_mixed_set_keeps_the_levels_its_objects_fill():
    rng = np.random.default_rng(3)
    d = design(make_set(list(rng.uniform(16, 31, 100)) + list(rng.uniform(32, 63, 100)) + list(rng.uniform(64, 127, 100))))
    assert names(d) == ["P3", "P4", "P5"]


def test_coverage_applies_the_assignment_rule_at_the_letterboxed_size():
    coco = make_set([20.0] * 40, image=1280)  # 1280 px images at input 640: every side halves to 10 px
    stats = fpnlab.dataset_stats(coco)
    rows = coverage(stats, input_size=640)
    want = assign_level(np.full(40, 10.0), [r.stride for r in rows])
    assert {r.stride: r.objects for r in rows} == {s: int((want == s).sum()) for s in [r.stride for r in rows]}
    assert rows[0].objects == 40 and rows[0].too_small == 0  # 10 px ≥ 2 cells of stride 4, < 2 cells of stride 8
    assert sum(r.objects for r in rows) == 40


def test_a_box_smaller_than_the_finest_stride_may_miss_every_cell_centre():
    rows = coverage(fpnlab.dataset_stats(make_set([2.0] * 20)), input_size=640)
    assert rows[0].too_small == 20 and rows[0].positive == pytest.approx((2 / 4) ** 2)


def test_reasons_follow_the_language():
    fpnlab.set_lang("tr")
    try:
        d = design(make_set([10.0] * 40))
        assert any("tutuldu" in r for r in d.reasons) and "seviye" in d.table()
    finally:
        fpnlab.set_lang("en")


@pytest.mark.parametrize("bad, error", [
    ({"images": [], "annotations": [], "categories": []}, ArgumentError),
    ({"images": [{"id": 1}], "annotations": [], "categories": []}, CocoFormatError),
])
def test_bad_data_is_refused_with_the_cause(bad, error):
    with pytest.raises(error, match="Fix:"):
        design(bad)


def test_input_size_zero_is_refused():
    with pytest.raises(ArgumentError, match="input_size"):
        design(make_set([10.0] * 5), input_size=0)


def test_the_command_prints_the_table_and_the_reasons(tmp_path):
    (tmp_path / "annotations.json").write_text(json.dumps(make_set([10.0] * 40)), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(tmp_path), "--lang", "tr"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "P2 (stride 4) tutuldu" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(tmp_path), "--input-size", "0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "input_size" in bad.stderr
