"""fpnlab.design on a COCO-scale annotation file: 5,000 images, ≈ 37,000 objects (generated, with
COCO's mix of image sizes and a long-tailed object-size distribution), without --run.

    python benchmarks/design.py [--images 5000] [--per-image 7.3] [--threads 1]

Prints the time of the statistics (dataset_stats, the validator included) and of the whole design
(statistics + coverage + every candidate built and timed at input 640 + proposal + experiments),
and of writing plan.yaml, the split and report.md. Goals (issue 16): statistics ≤ 30 s, design ≤ 60 s
on the book's 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from fpnlab.datastats import dataset_stats
from fpnlab.design import design


def coco_scale(n_images: int, per_image: float, seed: int = 0) -> dict:
    """A generated COCO-like annotation dict: image sides 480–640 px, Poisson object counts, box
    sides log-uniform between 4 px and the image (COCO's many small objects, few large)."""
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for i in range(n_images):
        w, h = int(rng.choice([640, 612, 500, 480])), int(rng.choice([480, 427, 640, 375]))
        images.append({"id": i + 1, "width": w, "height": h, "file_name": f"{i + 1:012d}.jpg"})
        for _ in range(rng.poisson(per_image)):
            bw, bh = np.exp(rng.uniform(np.log(4), np.log(min(w, h) - 1), 2))
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(rng.integers(1, 81)),
                         "bbox": [float(x), float(y), float(bw), float(bh)], "area": float(bw * bh), "iscrowd": 0})
    cats = [{"id": k, "name": f"class{k}"} for k in range(1, 81)]
    return {"images": images, "annotations": anns, "categories": cats}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=5000)
    p.add_argument("--per-image", type=float, default=7.3)
    p.add_argument("--threads", type=int, default=None, help="timing threads (default: torch's)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    coco = coco_scale(args.images, args.per_image)
    print(f"{len(coco['images']):,} images, {len(coco['annotations']):,} objects")
    t0 = time.perf_counter()
    dataset_stats(coco)
    t_stats = time.perf_counter() - t0
    t0 = time.perf_counter()
    d = design(coco, input_size=640)
    t_design = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "annotations.json"
        path.write_text(json.dumps(coco))
        t0 = time.perf_counter()
        design(path, input_size=640, measure=False)
        d2 = design(path, input_size=640)
        d2.write(Path(tmp) / "out")
        t_write = time.perf_counter() - t0
    print(f"statistics: {t_stats:.1f} s (goal ≤ 30 s)   design: {t_design:.1f} s (goal ≤ 60 s)   "
          f"design from the file + write: {t_write:.1f} s")
    print(f"{len(d.candidates)} candidates at {d.threads} thread(s); proposal: {d.proposal.name()}; "
          f"experiments: {[e['name'] for e in d.experiments]}")


if __name__ == "__main__":
    main()
