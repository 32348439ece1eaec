"""The committed ablation results (ablation/results/*.jsonl): each record says how it was made
(command, configuration hash, git commit, versions, machine), matches the plan it names — its
tuning runs and its final runs with the value each arm chose — and one of them, the cheapest, is
trained again here and must come out the same."""
import math
import shlex
from pathlib import Path

import pytest
import torch
import torchvision

from fpnlab.ablation import choose, config_hash, jobs, load_plan, read_results, run_job
from fpnlab.ablation.runner import METRICS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = sorted((ROOT / "ablation" / "results").glob("*.jsonl"))
PROVENANCE = ("git_commit", "git_dirty", "finished_utc", "python", "numpy", "torch", "torchvision", "pycocotools",
              "fpnlab", "cpu_model", "device", "threads", "workers", "command", "errors")


def _plan_of(record) -> Path:
    argv = shlex.split(record["command"])
    assert argv[:4] == ["python", "-m", "fpnlab.ablation", "run"], record["command"]
    return ROOT / argv[4]


def test_results_are_committed():
    assert {p.stem for p in RESULTS} >= {"part4", "norm", "backbone", "appearance", "part5"}


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_every_record_says_how_it_was_made_and_matches_its_plan(path):
    records = read_results(path)
    assert records, f"{path} has no records"
    plan = load_plan(_plan_of(records[0]))
    expected = {(j["experiment"], j["seed"], j["phase"]): j for j in jobs(plan, choose(plan, records))}
    for r in records:
        assert r["command"] == records[0]["command"]
        missing = [k for k in PROVENANCE if r.get(k) in (None, "")]
        assert not missing, f"{r['experiment']}/{r['seed']}: no {missing}"
        assert r["git_dirty"] is False, f"{r['experiment']}/{r['seed']}: made from a checkout with uncommitted changes"
        assert r["config_hash"] == config_hash(r["config"]), (r["experiment"], r["seed"])
        job = expected.get((r["experiment"], r["seed"], r["phase"]))
        if r["phase"] == "tune":  # one per tuned value: the job with that value
            job = next(j for j in jobs(plan) if (j["experiment"], j["seed"], j["phase"]) == (r["experiment"], r["seed"], "tune")
                       and j["tune_value"] == r["tune_value"])
        assert job is not None and r["config"] == job["config"], \
            f"{r['experiment']}/{r['seed']} ({r['phase']}): the plan changed since this run"
        assert r["split"] == job["split"]
    done = {(r["experiment"], r["seed"], r["phase"], r.get("tune_value")) for r in records}
    want = {(j["experiment"], j["seed"], j["phase"], j.get("tune_value")) for j in jobs(plan, choose(plan, records))}
    tuning = len(plan["tune"]["values"]) * len(plan["tune"]["seeds"]) if plan["tune"] else 0
    assert len(want) == len(plan["experiments"]) * (len(plan["seeds"]) + tuning)
    assert not want - done, f"{path.name}: runs missing (run the command in the records to add them): {sorted(want - done)}"


def test_the_cheapest_committed_run_reproduces():
    records = [r for p in RESULTS for r in read_results(p)]
    rec = min(records, key=lambda r: r["cpu_s"])
    if (rec["torch"], rec["torchvision"]) != (torch.__version__, torchvision.__version__):
        pytest.skip(f"recorded with torch {rec['torch']} / torchvision {rec['torchvision']}; "
                    f"this is {torch.__version__} / {torchvision.__version__}")
    job = {k: rec[k] for k in ("experiment", "seed", "config", "change", "config_hash", "phase", "split")}
    again = run_job(job)
    for m in METRICS:
        assert math.isclose(again[m], rec[m], abs_tol=1e-9) or (math.isnan(again[m]) and math.isnan(rec[m])), \
            f"{rec['experiment']}/seed {rec['seed']}: {m} {again[m]} != recorded {rec[m]}"
    assert again["params"] == rec["params"] and again["flops"] == rec["flops"]
    assert again["errors"] == rec["errors"]
    assert math.isclose(again["train_loss"], rec["train_loss"], rel_tol=1e-6)
