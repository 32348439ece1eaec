"""fpnlab.ablation: plans (one variable per experiment), run/resume on both backends, report."""
import json
import math
from pathlib import Path

import pytest

from fpnlab.ablation import PlanError, load_plan, read_results, run, summarize
from fpnlab.ablation.__main__ import main

SMOKE = Path(__file__).resolve().parents[1] / "ablation" / "plans" / "smoke.yaml"
FIELDS = {"experiment", "seed", "config_hash", "AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large",
          "latency_ms", "peak_mem_bytes", "params", "flops", "train_loss", "wall_s", "device", "fpnlab", "torch"}


def test_every_shipped_plan_loads():
    plans = sorted(SMOKE.parent.glob("*.yaml"))
    assert SMOKE in plans
    for p in plans:
        plan = load_plan(p)
        assert len(plan["seeds"]) >= 2 and plan["experiments"][0]["name"] == "baseline"


@pytest.mark.parametrize("plan, match", [
    ({"seeds": [0, 1], "experiments": [{"name": "x", "change": {"neck.name": "none", "neck.width": 8}}]},
     r"changes 2 settings \(neck.name, neck.width\); one variable, one experiment"),
    ({"seeds": [0], "experiments": []}, "at least two different integers"),
    ({"seeds": [0, 1], "experiments": [{"name": "x", "change": {"neck.widht": 8}}]}, "'neck.widht'"),
    ({"seeds": [0, 1], "experiments": [{"name": "baseline", "change": {"neck.width": 8}}]}, "used twice"),
    ({"seeds": [0, 1], "experiments": [{"name": "x", "change": {"neck.width": 32}}]}, "baseline's value"),
])
def test_bad_plans_are_refused_with_the_reason(plan, match):
    with pytest.raises(PlanError, match=match):
        load_plan(plan)


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("abl") / "results.jsonl"
    new = run(SMOKE, out, progress=False)
    return out, new


def test_smoke_plan_runs_locally_and_records_everything(local_results):
    out, new = local_results
    recs = read_results(out)
    assert len(new) == 4 and len(recs) == 4
    assert {(r["experiment"], r["seed"]) for r in recs} == {(e, s) for e in ("baseline", "no_neck") for s in (0, 1)}
    for r in recs:
        assert FIELDS <= set(r)
        assert r["command"] == f"python -m fpnlab.ablation run {SMOKE} --out {out}"
        assert 0 <= r["AP"] <= 1 and r["latency_ms"] > 0 and r["params"] > 0 and r["flops"] > 0
    base = {r["config_hash"] for r in recs if r["experiment"] == "baseline"}
    assert len(base) == 1 and base != {r["config_hash"] for r in recs if r["experiment"] == "no_neck"}


def test_resume_skips_finished_runs_and_survives_a_cut_line(local_results, tmp_path):
    out, _ = local_results
    assert run(SMOKE, out, progress=False) == []  # everything done
    lines = out.read_text().splitlines()
    partial = tmp_path / "partial.jsonl"
    partial.write_text("\n".join(lines[:3]) + "\n" + lines[3][:40])  # killed while writing the 4th
    assert len(read_results(partial)) == 3
    new = run(SMOKE, partial, progress=False)
    assert len(new) == 1 and len(read_results(partial)) == 4
    redo = json.loads(lines[3])
    assert (new[0]["experiment"], new[0]["seed"]) == (redo["experiment"], redo["seed"])
    assert new[0]["AP"] == pytest.approx(redo["AP"], abs=1e-9)  # same seed, same numbers


def test_smoke_plan_on_a_local_ray(local_results, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray.jsonl"
    new = run(SMOKE, out, backend="ray", workers=2, progress=False)
    assert len(new) == 4
    local = {(r["experiment"], r["seed"]): r["AP"] for r in read_results(local_results[0])}
    for r in new:
        assert r["AP"] == pytest.approx(local[(r["experiment"], r["seed"])], abs=1e-9)


def _rec(exp, seed, ap):
    return {"experiment": exp, "seed": seed, "config_hash": exp, "AP_small": ap, "latency_ms": 1.0,
            "change": {} if exp == "baseline" else {"neck.name": exp}}


def test_summary_pairs_seeds_and_compares_with_the_spread():
    recs = ([_rec("baseline", s, v) for s, v in [(0, 0.50), (1, 0.60), (2, 0.55)]]
            + [_rec("big", s, v) for s, v in [(0, 0.70), (1, 0.78), (2, 0.74)]]
            + [_rec("noise", s, v) for s, v in [(0, 0.62), (1, 0.52), (2, 0.57)]])
    rows = {r["experiment"]: r for r in summarize(recs)}
    assert rows["big"]["delta"] == pytest.approx(0.19) and rows["big"]["pairs"] == 3
    assert rows["big"]["delta_std"] == pytest.approx(0.01)
    assert rows["big"]["beyond"] and not rows["noise"]["beyond"]
    assert rows["baseline"]["mean"] == pytest.approx(0.55) and math.isnan(rows["baseline"]["delta"])


def test_evidence_sentence_states_delta_spread_and_verdict_in_both_languages():
    from fpnlab.ablation import evidence

    recs = ([_rec("baseline", s, v) for s, v in [(0, 0.50), (1, 0.60), (2, 0.55)]]
            + [_rec("big", s, v) for s, v in [(0, 0.70), (1, 0.78), (2, 0.74)]]
            + [_rec("noise", s, v) for s, v in [(0, 0.62), (1, 0.52), (2, 0.57)]])
    big = evidence(recs, "big", lang="en")
    assert "Δ AP_small = +19.0 ± 5.0" in big and "baseline 55.0 ± 5.0" in big and "exceeds" in big
    assert "not shown by this ablation" in evidence(recs, "noise", lang="en")
    assert "Δ AP_small = +19,0 ± 5,0" in evidence(recs, "big", lang="tr")
    with pytest.raises(KeyError, match="experiments: \\['baseline', 'big', 'noise'\\]"):
        evidence(recs, "nope")


def test_report_cli_prints_tables_in_both_languages(local_results, capsys, tmp_path):
    out, _ = local_results
    assert main(["report", str(out), "--metric", "AP", "--bars", str(tmp_path / "b.png"),
                 "--tradeoff", str(tmp_path / "t.png")]) == 0
    text = capsys.readouterr().out
    assert "no_neck" in text and "Δ vs baseline" in text
    assert (tmp_path / "b.png").stat().st_size > 0 and (tmp_path / "t.png").stat().st_size > 0
    assert main(["report", str(out), "--metric", "AP", "--lang", "tr"]) == 0
    assert "Seed yayılımını aşıyor" in capsys.readouterr().out


@pytest.mark.parametrize("neck", ["none", "fpn", "panet", "bifpn"])
def test_every_neck_of_the_runner_builds_and_runs(neck):
    import torch
    from fpnlab.ablation import make_detector

    plan = load_plan({"seeds": [0, 1], "baseline": {"neck": {"name": neck, "width": 16}}})
    model = make_detector(plan["baseline"], num_classes=2).eval()
    with torch.no_grad():
        feats = model.neck(model.backbone(torch.rand(1, 3, 64, 64)))
    feats = list(feats.values()) if isinstance(feats, dict) else feats
    assert [tuple(f.shape[-2:]) for f in feats] == [(16, 16), (8, 8), (4, 4), (2, 2)]


def test_neck_norm_same_follows_the_backbone_norm():
    import torch.nn as nn
    from fpnlab.ablation import make_neck

    neck = make_neck({"name": "fpn", "width": 16, "options": {"norm": "same"}}, [8, 16], [8, 16], "gn")
    kinds = {type(m) for m in neck.modules()}
    assert nn.GroupNorm in kinds and nn.BatchNorm2d not in kinds
    with pytest.raises(ValueError, match="neck.name='bifpnn': use one of"):
        make_neck({"name": "bifpnn", "width": 16}, [8, 16], [8, 16], "bn")


def test_results_path_is_shared_inside_the_book_and_local_elsewhere(tmp_path, monkeypatch):
    from fpnlab.ablation import results_path

    monkeypatch.delenv("FPNLAB_RESULTS_DIR", raising=False)
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root / "notebooks" / "en")
    assert results_path("ch15") == root / "_build" / "ablation" / "ch15.jsonl"
    monkeypatch.chdir(tmp_path)
    assert results_path("ch15") == tmp_path.resolve() / "ch15.jsonl"
    monkeypatch.setenv("FPNLAB_RESULTS_DIR", str(tmp_path / "r"))
    assert results_path("ch15") == tmp_path / "r" / "ch15.jsonl"


def test_two_runs_on_one_results_file_train_each_job_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    out = tmp_path / "shared.jsonl"
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: run(SMOKE, out, progress=False), range(2))
    assert sorted((len(a), len(b))) == [0, 4]
    assert len(read_results(out)) == 4


def test_measure_plan_measures_every_experiment_now_and_the_report_uses_it():
    from fpnlab.ablation import measure_plan, report_frame

    plan = {"seeds": [0, 1], "baseline": {"data": {"size": 64}, "neck": {"width": 16}},
            "experiments": [{"name": "no_neck", "change": {"neck.name": "none"}}]}
    lat = measure_plan(plan, rounds=2)
    assert set(lat) == {"baseline", "no_neck"}
    assert all(m["latency_ms"] > 0 and m["params"] > 0 for m in lat.values())
    assert lat["baseline"]["params"] == lat["no_neck"]["params"]  # LateralNeck: same parameters as FPN
    recs = [_rec("baseline", 0, 0.5), _rec("baseline", 1, 0.6), _rec("no_neck", 0, 0.4), _rec("no_neck", 1, 0.5)]
    frame = report_frame(recs, lang="en", latency={"baseline": 12.5, "no_neck": 7.25})
    assert list(frame["Latency (ms)"]) == ["12.5", "7.2"]


def test_book_results_are_found_from_anywhere_in_a_checkout_and_explained_elsewhere(tmp_path, monkeypatch):
    from fpnlab.ablation import ResultsNotFoundError, book_results

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)
    assert book_results("part4") == root / "ablation" / "results" / "part4.jsonl"
    with pytest.raises(ResultsNotFoundError, match="Clone it .* or make them yourself: python -m fpnlab.ablation run "
                                                  "ablation/plans/nope.yaml"):
        book_results("nope")


def test_run_inside_its_own_worker_names_the_main_guard(tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    with pytest.raises(RuntimeError, match='if __name__ == "__main__":'):
        run(SMOKE, tmp_path / "r.jsonl", progress=False)


def test_plan_errors_speak_the_readers_language():
    import fpnlab

    bad = {"seeds": [0, 1], "experiments": [{"name": "x", "change": {"neck.name": "none", "neck.width": 8}}]}
    fpnlab.set_lang("tr")
    try:
        with pytest.raises(PlanError, match=r"'x' deneyi 2 ayarı birden değiştiriyor \(neck.name, neck.width\); "
                                            "bir deney, bir değişken: onu 2 deneye böl"):
            load_plan(bad)
    finally:
        fpnlab.set_lang("en")


def test_book_evidence_reads_the_committed_results_or_says_where_they_are(monkeypatch):
    from fpnlab.ablation import book_evidence, book_results, evidence
    from fpnlab.ablation import runner

    assert book_evidence("no_p2", "AP_small", lang="en") == evidence(read_results(book_results("part4")), "no_p2",
                                                                    "AP_small", lang="en")

    def missing(name):
        raise runner.ResultsNotFoundError(name)

    monkeypatch.setattr(runner, "book_results", missing)
    assert "ablation/results/part4.jsonl) are not on this machine" in book_evidence("no_p2", lang="en")
    assert "bu makinede yok" in book_evidence("no_p2", lang="tr")
