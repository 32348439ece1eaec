"""Seconds per ablation run and images per second, for a plan's baseline (or every job).

    python benchmarks/ablation.py [ablation/plans/chapter.yaml] [--all] [--threads 1]

Runs the plan's baseline with each of its seeds (``--all``: every experiment) through the same
``run_job`` the runner uses, in this process, and prints per run: wall and CPU seconds (the
machine may be shared: CPU seconds show the work, wall seconds what you wait), training images
per second (``steps × batch / train seconds``), validation images per second (prediction + COCO
evaluation) and the AP it reached. Nothing is written to a results file.
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch

from fpnlab.ablation import jobs, load_plan, run_job

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("plan", nargs="?", default=str(ROOT / "ablation" / "plans" / "chapter.yaml"))
    p.add_argument("--all", action="store_true", help="every experiment, not only the baseline")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    plan = load_plan(args.plan)
    todo = [j for j in jobs(plan) if args.all or j["experiment"] == "baseline"]
    data, sched = plan["baseline"]["data"], plan["baseline"]["schedule"]
    print(f"plan {plan['name']}: {data['kind']} {data['size']} px, {data['n_train']} train / {data['n_val']} val "
          f"images, {sched['steps']} steps × batch {sched['batch_size']}, "
          f"{plan['baseline']['measure']['threads']} thread(s), torch {torch.__version__}")
    walls = []
    for job in todo:
        r = run_job(job, args.device)
        walls.append(r["wall_s"])
        print(f"{r['experiment']:<12} seed {r['seed']}: {r['wall_s']:6.1f} s wall, {r['cpu_s']:6.1f} s CPU | "
              f"train {sched['steps'] * sched['batch_size'] / r['train_s']:6.1f} img/s | "
              f"eval {data['n_val'] / r['eval_s']:6.1f} img/s | AP {100 * r['AP']:5.1f}  "
              f"AP_small {100 * r['AP_small']:5.1f}", flush=True)
    print(f"median {statistics.median(walls):.1f} s per run over {len(walls)} run(s)")


if __name__ == "__main__":
    main()
