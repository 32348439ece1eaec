"""The committed ablation results (ablation/results/*.jsonl): each record says how it was made
(command, configuration hash, versions), matches the plan it names, and one of them — the cheapest
— is trained again here and must come out the same."""
import math
import shlex
from pathlib import Path

import pytest
import torch
import torchvision

from fpnlab.ablation import config_hash, load_plan, read_results, run_job
from fpnlab.ablation.runner import METRICS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = sorted((ROOT / "ablation" / "results").glob("*.jsonl"))


def _plan_of(record) -> Path:
    argv = shlex.split(record["command"])
    assert argv[:4] == ["python", "-m", "fpnlab.ablation", "run"], record["command"]
    return ROOT / argv[4]


def test_results_are_committed():
    assert {p.stem for p in RESULTS} >= {"part4", "norm"}


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_every_record_names_its_command_hash_and_versions_and_matches_its_plan(path):
    records = read_results(path)
    assert records, f"{path} has no records"
    plan = load_plan(_plan_of(records[0]))
    configs = {e["name"]: e["config"] for e in plan["experiments"]}
    for r in records:
        assert r["command"] == records[0]["command"]
        assert r["config_hash"] == config_hash(r["config"]), (r["experiment"], r["seed"])
        assert r["config"] == configs[r["experiment"]], f"{r['experiment']}: the plan changed since this run"
        assert r["fpnlab"] and r["torch"] and r["torchvision"]
    done = {(r["experiment"], r["seed"]) for r in records}
    missing = {(e, s) for e in configs for s in plan["seeds"]} - done
    assert not missing, f"{path.name}: runs missing (run the command in the records to add them): {sorted(missing)}"


def test_the_cheapest_committed_run_reproduces():
    records = [r for p in RESULTS for r in read_results(p)]
    rec = min(records, key=lambda r: r["cpu_s"])
    if (rec["torch"], rec["torchvision"]) != (torch.__version__, torchvision.__version__):
        pytest.skip(f"recorded with torch {rec['torch']} / torchvision {rec['torchvision']}; "
                    f"this is {torch.__version__} / {torchvision.__version__}")
    job = {k: rec[k] for k in ("experiment", "seed", "config", "change", "config_hash")}
    again = run_job(job)
    for m in METRICS:
        assert math.isclose(again[m], rec[m], abs_tol=1e-9) or (math.isnan(again[m]) and math.isnan(rec[m])), \
            f"{rec['experiment']}/seed {rec['seed']}: {m} {again[m]} != recorded {rec[m]}"
    assert again["params"] == rec["params"] and again["flops"] == rec["flops"]
    assert math.isclose(again["train_loss"], rec["train_loss"], rel_tol=1e-6)
