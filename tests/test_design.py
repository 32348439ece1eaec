"""fpnlab.design on generated sets whose right answer is known: mostly small objects keep P2, only
large objects drop it and keep coarse levels, a mixed set keeps the levels its objects fill; the
coverage follows the assignment rule at the letterboxed input size; the candidates, the budget, the
plan it writes (it loads with load_plan, one change per experiment), the report, the run; a real
public annotation file (TACO); bad input is refused and leaves nothing half-written."""
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fpnlab
from fpnlab.ablation import load_plan, make_detector
from fpnlab.coco import CocoFormatError
from fpnlab.data import Shapes
from fpnlab.design import MIN_LEVELS, BudgetError, coverage, design
from fpnlab.design.candidates import backbone_strides, fed_levels, level_alternative
from fpnlab.errors import ArgumentError
from fpnlab.levels import assign_level

FAST = dict(necks=("fpn", "panet"), scales=("base", "narrow"), threads=1)
SCHEDULE = {"steps": 4, "batch_size": 4, "lr": 0.003}


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
    d = design(make_set(list(rng.uniform(8, 15, 300)) + list(rng.uniform(40, 120, 30))), measure=False)
    assert names(d) == ["P2", "P3", "P4", "P5"]
    assert any("P2 (stride 4) kept" in r for r in d.reasons)
    dots = design(make_set([10.0] * 40), measure=False)  # only P2 holds objects: widened to P4, fed up to P5
    assert names(dots) == ["P2", "P3", "P4", "P5"] and any(r.startswith("P5 (stride 32) added, holding 0.0%: YOLOv8's backbone") for r in dots.reasons)


def test_only_large_objects_drop_p2_and_keep_coarse_levels():
    rng = np.random.default_rng(2)
    d = design(make_set(rng.uniform(150, 400, 200)), measure=False)
    assert "P2" not in names(d) and "P3" not in names(d)
    assert names(d)[-1] in ("P6", "P7") and len(d.levels) >= MIN_LEVELS
    assert any("P2 (stride 4) dropped" in r for r in d.reasons)


def test_mixed_set_keeps_the_levels_its_objects_fill():
    rng = np.random.default_rng(3)
    d = design(make_set(list(rng.uniform(16, 31, 100)) + list(rng.uniform(32, 63, 100)) + list(rng.uniform(64, 127, 100))), measure=False)
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
        d = design(make_set([10.0] * 40), measure=False)
        assert any("tutuldu" in r for r in d.reasons) and "seviye" in d.table()
    finally:
        fpnlab.set_lang("en")


@pytest.mark.parametrize("bad, error", [
    ({"images": [], "annotations": [], "categories": []}, ArgumentError),
    ({"images": [{"id": 1}], "annotations": [], "categories": []}, CocoFormatError),
    ([{"bbox": [0, 0, 10, 10]}], CocoFormatError),  # not COCO: a list, not a dict with images/annotations/categories
    ({**make_set([10.0] * 3), "categories": [{"id": 2, "name": "other"}]}, CocoFormatError),  # unknown category id 1
])
def test_bad_data_is_refused_with_the_cause(bad, error):
    with pytest.raises(error, match="Fix:"):
        design(bad, measure=False)


def test_input_size_zero_is_refused():
    with pytest.raises(ArgumentError, match="input_size"):
        design(make_set([10.0] * 5), input_size=0, measure=False)


def test_the_command_prints_the_table_and_the_reasons(tmp_path):
    (tmp_path / "annotations.json").write_text(json.dumps(make_set([10.0] * 40)), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(tmp_path), "--lang", "tr", "--input-size", "128",
                          "--threads", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "P2 (stride 4) tutuldu" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(tmp_path), "--input-size", "0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "input_size" in bad.stderr


# ---------------------------------------------------------------- stride plans and backbones

@pytest.mark.parametrize("levels, alt, name", [
    ((4, 8, 16, 32), (8, 16, 32), "no_p2"), ((8, 16, 32), (4, 8, 16, 32), "add_p2"),
    ((16, 32, 64), (8, 16, 32, 64), "add_p3"), ((16, 32, 64, 128), (32, 64, 128), "no_p4")])
def test_every_stride_plan_and_its_alternative_come_from_one_backbone_with_every_stage_used(levels, alt, name):
    assert level_alternative(levels) == (name, alt)
    top = max(max(levels), max(alt), 32)
    for plan in (levels, alt):
        model = make_detector({"backbone": {"name": "yolo", "widths": [8, 8, 16, 16, 16], "depths": [1, 1, 1, 1],
                                            "strides": backbone_strides((top,))},
                               "neck": {"name": "fpn", "width": 8, "levels": [f"C{s.bit_length() - 1}" for s in plan]},
                               "head": {"num_convs": 1, "norm": "gn"}}, 2)
        assert model.strides == plan
        # the backbone's coarsest stage feeds a level: no stage is computed for nothing
        body = getattr(model.backbone, "body", model.backbone)  # PickLevels wraps it when some levels are left out
        assert [lv.stride for lv in body.feature_info][-1] == plan[-1]
    assert fed_levels((4, 8, 16)) == (4, 8, 16, 32)


# ---------------------------------------------------------------- candidates, budget, proposal

@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """A folder of 24 generated 64-px images with small shapes (3–8 px) and its annotations.json."""
    root = tmp_path_factory.mktemp("small")
    Shapes(24, size=64, min_side=3, max_side=8, seed=0).write_coco(root)
    return root


@pytest.fixture(scope="module")
def small_design(small_set):
    return design(small_set, input_size=64, **FAST)


def test_a_small_object_set_proposes_p2_and_its_plan_drops_it_as_an_experiment(small_design):
    d = small_design
    assert d.proposal.strides == (4, 8, 16, 32)
    exps = {e["name"]: e["change"] for e in d.experiments}
    assert exps["no_p2"] == {"neck.levels": ["C3", "C4", "C5"]}
    assert {"neck_fpn", "neck_panet"} & set(exps) and "backbone_narrow" in exps or d.proposal.scale == "narrow"
    assert all(len(change) == 1 for change in exps.values())
    # the proposal is the neck with the fewest FLOPs at these levels and ×1 (machine-independent)
    same = [c for c in d.candidates if c.strides == d.proposal.strides and c.scale == "base"]
    assert d.proposal.gflops == min(c.gflops for c in same) and d.proposal.neck == "fpn"
    assert all(c.latency_ms > 0 and c.peak_mib > 0 and c.params > 0 for c in d.candidates)


def test_a_budget_that_rules_out_the_p2_plan_is_honoured_and_said(small_set, small_design):
    p2 = min(c.peak_mib for c in small_design.candidates if c.strides[0] == 4)
    no_p2 = min(c.peak_mib for c in small_design.candidates if c.strides[0] == 8)
    assert no_p2 < p2  # activation memory is deterministic: the P2 maps cost memory
    d = design(small_set, input_size=64, budget_mb=(p2 + no_p2) / 2, **FAST)
    assert d.proposal.strides == (8, 16, 32)
    assert any("P2–P5 plan the coverage asks for does not fit the budget" in r for r in d.choices)
    assert all(not c.fits for c in d.candidates if c.strides[0] == 4)
    assert all(e["candidate"].fits for e in d.experiments)


def test_a_budget_nothing_meets_names_the_cheapest_and_what_to_relax(small_set):
    with pytest.raises(BudgetError, match=r"The cheapest, P3–P5 · \w+ · width ×½.*Fix: relax the budget to at least"):
        design(small_set, input_size=64, budget_mb=0.001, **FAST)


# ---------------------------------------------------------------- what it writes

def test_write_gives_a_plan_load_plan_reads_with_one_change_per_experiment(small_design, tmp_path):
    out = small_design.write(tmp_path / "out", seeds=5, schedule=SCHEDULE)
    assert sorted(p.name for p in out.iterdir()) == ["budget.png", "data", "plan.yaml", "report.md", "sizes.png"]
    plan = load_plan(out / "plan.yaml")
    assert plan["seeds"] == [0, 1, 2, 3, 4] and plan["base_dir"] == str(out.resolve())
    base = plan["baseline"]
    for section in ("backbone", "neck", "head"):
        assert base[section] == small_design.proposal.config[section]
    for e, want in zip(plan["experiments"][1:], small_design.experiments):
        assert e["name"] == want["name"]
        for section in ("backbone", "neck"):  # each experiment is exactly the measured alternative
            assert e["config"][section] == want["candidate"].config[section]
    train = json.loads((out / "data/train/annotations.json").read_text())
    val = json.loads((out / "data/val/annotations.json").read_text())
    assert len(train["images"]) + len(val["images"]) == 24 and len(val["images"]) == 5
    assert not {im["id"] for im in train["images"]} & {im["id"] for im in val["images"]}
    assert all((out / "data/val" / im["file_name"]).exists() for im in val["images"])
    report = (out / "report.md").read_text()
    for heading in ("## 1. The data", "## 2. Coverage per stride", "## 3. Candidates under the budget",
                    "## 4. The proposal", "## 5. The plan"):
        assert heading in report
    assert "**proposal**" in report and "no_p2" in report


def test_the_report_is_in_the_readers_language(small_design, tmp_path):
    small_design.write(tmp_path / "tr", schedule=SCHEDULE, lang="tr")
    report = (tmp_path / "tr" / "report.md").read_text()
    assert "## 2. Stride başına kapsama (11. bölüm)" in report and "**öneri**" in report


def test_a_failed_write_leaves_nothing_half_written(small_design, tmp_path):
    with pytest.raises(ArgumentError, match="seeds"):
        small_design.write(tmp_path / "out", seeds=1)
    one = design(make_set([10.0] * 20), input_size=64, **FAST)  # one image: no split without --val
    with pytest.raises(ArgumentError, match="Fix"):
        one.write(tmp_path / "out2")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_run_preflights_runs_the_ablation_and_gives_the_verdict(small_set, tmp_path):
    d = design(small_set, input_size=64, necks=("fpn",), scales=("base",), threads=1)
    check, records = d.run(tmp_path / "run", seeds=3, schedule=SCHEDULE, progress=False)
    assert check.ok and len(records) == 2 * 3  # the proposal and no_p2, three seeds each
    report = (tmp_path / "run" / "report.md").read_text()
    assert "## 6. Pre-flight of the proposal" in report and "## 7. What the ablation showed" in report
    assert "The proposal is not beaten" in report or "did better" in report
    again, more = d.run(tmp_path / "run", seeds=3, schedule=SCHEDULE, progress=False)  # resumable: nothing to redo
    assert len(more) == 6 and [r["config_hash"] for r in more] == [r["config_hash"] for r in records]


def test_run_without_the_images_says_so_before_writing(tmp_path):
    (tmp_path / "data").mkdir()
    coco = Shapes(6, size=64, min_side=3, max_side=8).coco()
    (tmp_path / "data" / "annotations.json").write_text(json.dumps(coco))
    d = design(tmp_path / "data", input_size=64, **FAST)
    assert any("No image files found" in n for n in d.notes)
    with pytest.raises(ArgumentError, match="6 image file.*missing.*--images"):
        d.run(tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- a real annotation file

TACO = Path(__file__).parent / "data" / "taco_boxes.json.gz"


def test_a_real_public_annotation_file_is_read_and_designed_for():
    """TACO (Trash Annotations in Context): Proença & Simões 2020, arXiv:2003.06975,
    https://github.com/pedropro/TACO, data/annotations.json at commit 29de1a9 (MIT licence);
    kept here as boxes only (no segmentation, no images). 1,500 images, 4,784 objects, 60 classes."""
    coco = json.loads(gzip.decompress(TACO.read_bytes()))
    with pytest.raises(CocoFormatError, match="annotation id 309: id 309 appears twice"):
        design(coco, measure=False)  # the real file has two duplicated annotation ids: the validator names the first
    for i, a in enumerate(coco["annotations"]):
        a["id"] = i + 1
    d = design(coco, input_size=640, measure=False)
    assert d.stats.n_images == 1500 and d.stats.n_objects == 4784 and len(d.stats.class_counts) == 60
    shares = {c.stride: round(c.share, 3) for c in d.coverage}
    assert shares == {4: 0.383, 8: 0.193, 16: 0.195, 32: 0.143, 64: 0.07, 128: 0.017}
    assert names(d) == ["P2", "P3", "P4", "P5"]
    assert any(r.startswith("P6 (stride 64) not used although it holds 7.0%") for r in d.reasons)
    assert any("20.4% of the objects (974) are under 2 cells even at stride 4" in r for r in d.reasons)


# ---------------------------------------------------------------- the command

def test_the_command_writes_the_plan_and_refuses_a_budget_nothing_meets(small_set, tmp_path):
    out = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(small_set), "--input-size", "64",
                          "--out", str(tmp_path / "out"), "--threads", "1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Proposal: P2–P5" in out.stdout and (tmp_path / "out" / "plan.yaml").exists()
    load_plan(tmp_path / "out" / "plan.yaml")
    bad = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(small_set), "--input-size", "64",
                          "--budget-ms", "0.001", "--out", str(tmp_path / "none"), "--threads", "1"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "BudgetError" in bad.stderr and "Fix: relax the budget" in bad.stderr
    assert not (tmp_path / "none").exists()
    missing = subprocess.run([sys.executable, "-m", "fpnlab", "design", str(tmp_path / "nowhere")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
