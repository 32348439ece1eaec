"""Controlled ablations: one variable per experiment, the same data and schedule, ≥ 2 seeds.

>>> plan = load_plan({"seeds": [0, 1], "experiments": [{"name": "no_p2", "change": {"neck.levels": ["C3", "C4", "C5"]}}]})
>>> [(j["experiment"], j["seed"]) for j in jobs(plan)]
[('baseline', 0), ('baseline', 1), ('no_p2', 0), ('no_p2', 1)]

Command line (``python -m fpnlab.ablation --help``)::

    python -m fpnlab.ablation run ablation/plans/smoke.yaml --out results.jsonl [--device cpu|cuda]
        [--workers N] [--backend local|ray] [--address ray://...]
    python -m fpnlab.ablation report results.jsonl [--metric AP_small] [--bars bars.png] [--tradeoff t.png]
"""
from .plan import PlanError, config_hash, jobs, load_plan
from .report import book_evidence, evidence, plot_bars, plot_tradeoff, report_frame, report_text, summarize
from .runner import (ResultsNotFoundError, book_results, command_line, make_backbone, make_data, make_detector, make_neck, measure, measure_plan, read_results,
                     results_path, run, run_job)

__all__ = ["PlanError", "ResultsNotFoundError", "book_evidence", "book_results", "evidence", "config_hash", "jobs", "load_plan", "plot_bars", "plot_tradeoff", "report_frame",
           "report_text", "summarize", "command_line", "make_backbone", "make_data", "make_detector", "make_neck",
           "measure", "measure_plan", "read_results", "results_path", "run", "run_job"]
