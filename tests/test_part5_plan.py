"""The Part V plan (ablation/plans/part5.yaml): every arm is one change of the neck against YOLOv8's,
builds the neck it names, and runs on the plan's input."""
from pathlib import Path

import torch

from fpnlab.ablation import load_plan, make_detector

PLAN = Path(__file__).resolve().parents[1] / "ablation" / "plans" / "part5.yaml"
NECK = {"baseline": "YOLOPAN", "neck_yolo11": "YOLO11Neck", "neck_yolo26": "YOLO11Neck",
        "neck_hybrid": "HybridEncoder", "neck_gd": "GDNeck", "neck_asff": "ASFF", "up_dysample": "YOLOPAN"}


def test_every_arm_changes_the_neck_only_and_builds_it():
    plan = load_plan(PLAN)
    base = plan["experiments"][0]["config"]
    assert [e["name"] for e in plan["experiments"]] == list(NECK) and len(plan["seeds"]) >= 5
    torch.manual_seed(0)
    for e in plan["experiments"]:
        cfg = e["config"]
        assert {k: v for k, v in cfg.items() if k != "neck"} == {k: v for k, v in base.items() if k != "neck"}
        assert cfg["neck"]["levels"] == ["C3", "C4", "C5"] and cfg["neck"]["width"] == 32
        model = make_detector(cfg, num_classes=3).eval()
        assert type(model.neck).__name__ == NECK[e["name"]], e["name"]
        assert [lv.channels for lv in model.neck.feature_info] == [32, 32, 32]
        with torch.no_grad():
            pyramid = model(torch.rand(1, 3, 128, 128))["pyramid"]
        assert [tuple(p.shape) for p in pyramid.values()] == [(1, 32, 16, 16), (1, 32, 8, 8), (1, 32, 4, 4)], e["name"]
    arms = {e["name"]: e["config"]["neck"] for e in plan["experiments"]}
    assert arms["neck_yolo26"]["options"] == {"c3k": True, "p5_attn": True}
    assert arms["up_dysample"]["options"] == {"upsample": "dysample"}
    assert arms["neck_hybrid"]["options"] == {"heads": 1}  # RT-DETR's 32 channels per head
