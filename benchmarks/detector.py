"""fpnlab's detector against torchvision's FCOS: training step time and COCO AP, in one process.

    python benchmarks/detector.py [--size 128] [--batch 8] [--steps 150] [--seeds 0 1] [--threads 1]

Same backbone (TinyBackbone), neck (FPN, 32 channels, P2..P5), image size, batch, steps,
optimiser (AdamW + one-cycle), batches (same indices, same order) and data (ContextShapes:
1,000 training and 200 validation images). torchvision's FCOS gets the fpnlab backbone + neck
through :class:`fpnlab.ablation.BackboneWithNeck`, anchors one stride wide (FCOS's "anchor" is
only a cell centre), a head with the same two-conv tower, no resizing and no normalisation
(``min_size = max_size = size``, mean 0, std 1), and the same inference thresholds (score 0.05,
1000 per level, NMS 0.6, 100 per image). Steps alternate (ours, theirs, ...) so that load on the
machine hits both alike. Prints the median step times, ours / theirs (goal ≤ 1.0), both COCO APs
per seed, and the mean AP difference against the seed spread (goal: ours not lower by more).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torchvision.models.detection import FCOS
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.fcos import FCOSHead

from fpnlab.ablation import BackboneWithNeck
from fpnlab.backbones import TinyBackbone
from fpnlab.coco import coco_eval, coco_results, scaled_area_ranges
from fpnlab.data import ContextShapes
from fpnlab.detector import COCO_THRESHOLDS, Detector, evaluate
from fpnlab.heads import DenseHead
from fpnlab.necks import FPN

WIDTH = 32


def build(num_classes: int, size: int, seed: int):
    torch.manual_seed(seed)
    bb = TinyBackbone()
    channels, strides = [lv.channels for lv in bb.feature_info], [lv.stride for lv in bb.feature_info]
    ours = Detector(bb, FPN(channels, WIDTH), DenseHead(WIDTH, num_classes), strides=strides)
    torch.manual_seed(seed)
    bb2 = TinyBackbone()
    body = BackboneWithNeck(bb2, FPN(channels, WIDTH), out_channels=WIDTH)
    theirs = FCOS(body, num_classes=num_classes, min_size=size, max_size=size, image_mean=[0.0] * 3,
                  image_std=[1.0] * 3,
                  anchor_generator=AnchorGenerator(tuple((s,) for s in strides), ((1.0,),) * len(strides)),
                  head=FCOSHead(WIDTH, 1, num_classes, num_convs=2),
                  score_thresh=COCO_THRESHOLDS["score_thresh"], nms_thresh=COCO_THRESHOLDS["iou_thresh"],
                  detections_per_img=COCO_THRESHOLDS["max_dets"], topk_candidates=COCO_THRESHOLDS["pre_nms_top_k"])
    return ours, theirs


def opt_sched(model, lr, steps):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)


def run_seed(seed: int, args, train_set, val_set) -> dict:
    ours, theirs = build(len(train_set.classes), args.size, seed)
    (oo, so), (ot, st) = opt_sched(ours, args.lr, args.steps), opt_sched(theirs, args.lr, args.steps)
    ours.train(), theirs.train()
    g = torch.Generator().manual_seed(seed)
    t_ours, t_theirs = [], []
    for _ in range(args.steps):
        images, targets = train_set.batch(torch.randint(len(train_set), (args.batch,), generator=g))
        t0 = time.perf_counter()
        loss = ours.loss(ours(images), targets)["total"]
        oo.zero_grad(set_to_none=True), loss.backward(), oo.step(), so.step()
        t1 = time.perf_counter()
        loss_t = sum(theirs(list(images), targets).values())
        ot.zero_grad(set_to_none=True), loss_t.backward(), ot.step(), st.step()
        t2 = time.perf_counter()
        t_ours.append(t1 - t0), t_theirs.append(t2 - t1)
    ranges = scaled_area_ranges(args.size)
    ap_ours = evaluate(ours, val_set, area_ranges=ranges)
    theirs.eval()
    preds = []
    with torch.no_grad():
        for s in range(0, len(val_set), 32):
            preds += theirs([val_set[i][0] for i in range(s, min(s + 32, len(val_set)))])
    ap_theirs = coco_eval(val_set.coco(), coco_results(preds, range(1, len(val_set) + 1),
                                                       list(range(1, len(val_set.classes) + 1))), area_ranges=ranges)
    warm = args.steps // 10  # the first steps include one-time allocations
    return {"ours_ms": statistics.median(t_ours[warm:]) * 1e3, "theirs_ms": statistics.median(t_theirs[warm:]) * 1e3,
            "ours": ap_ours, "theirs": ap_theirs}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-train", type=int, default=1000)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    train_set = ContextShapes(args.n_train, size=args.size, seed=0)
    val_set = ContextShapes(200, size=args.size, seed=1)
    print(f"TinyBackbone + FPN({WIDTH}) P2..P5, {args.size} px, batch {args.batch}, {args.steps} steps, "
          f"{args.threads} thread(s), torch {torch.__version__}")
    rows = []
    for seed in args.seeds:
        r = run_seed(seed, args, train_set, val_set)
        rows.append(r)
        print(f"seed {seed}: step ours {r['ours_ms']:7.1f} ms  torchvision FCOS {r['theirs_ms']:7.1f} ms  "
              f"ratio {r['ours_ms'] / r['theirs_ms']:.3f}   AP ours {100 * r['ours']['AP']:5.1f}  "
              f"FCOS {100 * r['theirs']['AP']:5.1f}   AP_small ours {100 * r['ours']['AP_small']:5.1f}  "
              f"FCOS {100 * r['theirs']['AP_small']:5.1f}", flush=True)
    ratio = statistics.median(r["ours_ms"] / r["theirs_ms"] for r in rows)
    diffs = [100 * (r["ours"]["AP"] - r["theirs"]["AP"]) for r in rows]
    spread = max(statistics.stdev([100 * r[k]["AP"] for r in rows]) for k in ("ours", "theirs")) if len(rows) > 1 else float("nan")
    print(f"step-time ratio ours / torchvision (median over seeds): {ratio:.3f}  (goal <= 1.0)")
    print(f"AP ours - FCOS: mean {statistics.fmean(diffs):+.1f} points over {len(rows)} seeds; "
          f"seed spread (largest std) {spread:.1f}  (goal: not below by more than the spread)")


if __name__ == "__main__":
    main()
