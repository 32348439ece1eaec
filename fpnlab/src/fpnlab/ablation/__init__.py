"""Controlled ablations: one variable per experiment, the same data and schedule, ≥ 3 seeds to test a Δ.

>>> plan = load_plan({"seeds": [0, 1], "experiments": [{"name": "no_p2", "change": {"neck.levels": ["C3", "C4", "C5"]}}]})
>>> [(j["experiment"], j["seed"]) for j in jobs(plan)]
[('baseline', 0), ('baseline', 1), ('no_p2', 0), ('no_p2', 1)]

Command line (``python -m fpnlab.ablation --help``)::

    python -m fpnlab.ablation run ablation/plans/smoke.yaml --out results.jsonl [--device cpu|cuda]
        [--workers N] [--backend local|ray] [--address ray://...]
    python -m fpnlab.ablation run ablation/plans/part4.yaml --out ablation/results/part4.jsonl --only no_p2:2
        (train that record again and say whether its numbers equal the committed ones)
    python -m fpnlab.ablation report results.jsonl [--metric AP_small] [--bars bars.png] [--tradeoff t.png]
"""
from .adapters import BackboneWithNeck, PickLevels
from .factories import NECKS, make_backbone, make_data, make_detector, make_neck, make_split
from .plan import PlanError, PlanNameError, choose, config_hash, jobs, load_plan, tune_jobs
from .report import (book_evidence, evidence, fmt_p, holm, paired_test, plot_bars, plot_tradeoff, report_frame, report_text,
                     summarize, verdict_text)
from .results import ResultsNotFoundError, book_results, results_path
from .runner import (WorkerCallError, check_plan, command_line, differences, final_runs, git_state, measure, measure_configs, measure_plan,
                     read_results, rerun, run, run_job)

__all__ = ["BackboneWithNeck", "NECKS", "PickLevels", "PlanError", "PlanNameError", "WorkerCallError", "ResultsNotFoundError", "book_evidence", "book_results", "evidence", "config_hash", "jobs", "load_plan", "plot_bars", "plot_tradeoff", "report_frame",
           "report_text", "summarize", "holm", "paired_test", "verdict_text", "fmt_p", "command_line", "make_backbone", "make_data", "make_detector", "make_neck",
           "measure", "measure_configs", "measure_plan", "read_results", "results_path", "run", "run_job", "choose", "tune_jobs", "check_plan",
           "git_state", "make_split", "rerun", "differences", "final_runs"]
