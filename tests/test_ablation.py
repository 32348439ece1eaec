"""fpnlab.ablation: plans (one variable per experiment), run/resume on both backends, report."""
import json
import math
from pathlib import Path

import pytest

from fpnlab.ablation import PlanError, load_plan, read_results, run, summarize
from fpnlab.ablation.__main__ import main

SMOKE = Path(__file__).resolve().parents[1] / "ablation" / "plans" / "smoke.yaml"
FIELDS = {"experiment", "seed", "config_hash", "AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large",
          "latency_ms", "peak_mem_bytes", "params", "flops", "train_loss", "wall_s", "device", "fpnlab", "torch",
          "errors"}


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
    from fpnlab.ablation import make_split

    out, new = local_results
    val = make_split(load_plan(SMOKE)["baseline"]["data"], "val")
    n_gt = sum(len(t["boxes"]) for _, t in val)
    recs = read_results(out)
    assert len(new) == 4 and len(recs) == 4
    assert {(r["experiment"], r["seed"]) for r in recs} == {(e, s) for e in ("baseline", "no_neck") for s in (0, 1)}
    for r in recs:
        assert FIELDS <= set(r)
        assert r["command"] == f"python -m fpnlab.ablation run {SMOKE} --out {out}"
        assert 0 <= r["AP"] <= 1 and r["latency_ms"] > 0 and r["params"] > 0 and r["flops"] > 0
        e = r["errors"]  # errors by kind at IoU 0.5 on the split the record is scored on
        assert e["tp"] + e["fn"] == n_gt and e["fp"] == sum(e[k] for k in ("cls", "loc", "both", "dupe", "bkg"))
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


BIG_AND_NOISE = ([_rec("baseline", s, v) for s, v in [(0, 0.50), (1, 0.60), (2, 0.55)]]
                 + [_rec("big", s, v) for s, v in [(0, 0.70), (1, 0.78), (2, 0.74)]]
                 + [_rec("noise", s, v) for s, v in [(0, 0.62), (1, 0.52), (2, 0.57)]])


def test_summary_pairs_seeds_tests_the_paired_difference_and_adjusts_with_holm():
    from scipy import stats

    rows = {r["experiment"]: r for r in summarize(BIG_AND_NOISE)}
    big, noise, base = rows["big"], rows["noise"], rows["baseline"]
    assert big["delta"] == pytest.approx(0.19) and big["pairs"] == 3
    assert big["delta_std"] == pytest.approx(0.01)  # std of the paired differences 0.20, 0.18, 0.19
    # the paired t-test of scipy on the same pairs, and its 95 % interval
    ref = stats.ttest_rel([0.70, 0.78, 0.74], [0.50, 0.60, 0.55])
    assert big["p"] == pytest.approx(ref.pvalue) and big["method"] == "paired t-test, Holm"
    low, high = ref.confidence_interval(0.95)
    assert big["ci"] == pytest.approx((low, high))
    # Holm over the two experiments: the smaller p doubled, the larger kept (monotone)
    assert big["p_adjusted"] == pytest.approx(2 * big["p"])
    assert noise["p_adjusted"] == pytest.approx(max(noise["p"], 2 * big["p"]))
    assert (big["verdict"], noise["verdict"], base["verdict"]) == ("higher", "not shown", None)
    assert big["beyond"] and not noise["beyond"]
    assert base["mean"] == pytest.approx(0.55) and math.isnan(base["delta"]) and math.isnan(base["p"])


def test_fewer_than_three_paired_seeds_get_no_verdict():
    recs = [r for r in BIG_AND_NOISE if r["seed"] < 2]
    rows = {r["experiment"]: r for r in summarize(recs)}
    assert rows["big"]["verdict"] == "too few seeds" and math.isnan(rows["big"]["p_adjusted"])
    assert rows["big"]["delta"] == pytest.approx(0.19)  # still measured, just not tested


def test_a_deterministic_difference_is_decided_without_a_t_test():
    from fpnlab.ablation import paired_test

    p, ci = paired_test([0.1, 0.1, 0.1])
    assert p == 0.0 and ci == pytest.approx((0.1, 0.1))
    assert paired_test([0.0, 0.0, 0.0])[0] == 1.0


def _simulated_plan(rng, effect=0.0, rho=0.0, n_exp=8, seeds=5):
    """A plan with ``n_exp`` experiments and ``seeds`` seeds; only ``e0`` has a true paired Δ of
    ``effect``; each experiment's value correlates with the baseline's of the same seed at ``rho``."""
    base = rng.normal(0.0, 1.0, seeds)
    recs = [_rec("baseline", s, float(base[s])) for s in range(seeds)]
    for e in range(n_exp):
        vals = rho * base + math.sqrt(1 - rho ** 2) * rng.normal(0.0, 1.0, seeds) + (effect if e == 0 else 0.0)
        recs += [_rec(f"e{e}", s, float(vals[s])) for s in range(seeds)]
    return {r["experiment"]: r for r in summarize(recs)}


@pytest.mark.parametrize("rho", [0.0, 0.5], ids=["independent", "correlated"])
def test_verdicts_keep_the_family_wise_error_rate_and_find_a_large_effect(rho):
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(2026)
    plans = 1000
    # no true effect anywhere: a plan with any "higher"/"lower" is a false alarm; Holm keeps the
    # family-wise rate at ≤ 5 % (tolerance: 3 binomial standard errors at 1,000 plans ≈ 2 %)
    false = sum(any(r["verdict"] in ("higher", "lower") for r in _simulated_plan(rng, rho=rho).values())
                for _ in range(plans))
    assert false / plans <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / plans), false
    # a true paired Δ of 4 × its std (std of a paired difference: sqrt(2 (1 − rho)))
    effect = 4 * math.sqrt(2 * (1 - rho))
    right = sum(_simulated_plan(rng, effect=effect, rho=rho)["e0"]["verdict"] == "higher" for _ in range(plans))
    assert right / plans >= 0.80, right


def test_evidence_sentence_states_delta_ci_adjusted_p_seeds_and_verdict_in_both_languages():
    from fpnlab.ablation import evidence

    big = evidence(BIG_AND_NOISE, "big", lang="en")
    assert "3 paired seeds" in big and "Δ AP_small = +19.0 (95 % CI +16.5 to +21.5" in big
    assert "paired t-test, Holm over 2 experiments: adjusted p = 0.002" in big
    assert "baseline 55.0 ± 5.0 std over seeds" in big and big.endswith("Higher in this setting.")
    assert "Not shown by this ablation" in evidence(BIG_AND_NOISE, "noise", lang="en")
    tr = evidence(BIG_AND_NOISE, "big", lang="tr")
    assert "Δ AP_small = +19,0 (%95 güven aralığı +16,5 ile +21,5 arası" in tr and "düzeltilmiş p = 0,002" in tr
    assert tr.endswith("Bu ortamda daha yüksek.")
    few = evidence([r for r in BIG_AND_NOISE if r["seed"] < 2], "big", lang="en")
    assert few.endswith("Too few seeds to test: at least 3 paired seeds are needed.")
    from fpnlab.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="experiments: \\['baseline', 'big', 'noise'\\]"):
        evidence(BIG_AND_NOISE, "nope")


def test_report_cli_prints_tables_in_both_languages(local_results, capsys, tmp_path):
    out, _ = local_results
    assert main(["report", str(out), "--metric", "AP", "--bars", str(tmp_path / "b.png"),
                 "--tradeoff", str(tmp_path / "t.png")]) == 0
    text = capsys.readouterr().out
    assert "no_neck" in text and "Δ vs baseline" in text
    assert (tmp_path / "b.png").stat().st_size > 0 and (tmp_path / "t.png").stat().st_size > 0
    assert main(["report", str(out), "--metric", "AP", "--lang", "tr"]) == 0
    assert "güven aralığı" in capsys.readouterr().out


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
    from fpnlab.ablation import PlanNameError
    from fpnlab.errors import UnknownNameError

    with pytest.raises(PlanNameError, match="neck.name='bifpnn' is not a neck of the runner.*'none', 'fpn'") as err:
        make_neck({"name": "bifpnn", "width": 16}, [8, 16], [8, 16], "bn")
    assert isinstance(err.value, UnknownNameError) and isinstance(err.value, PlanError)


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
    from fpnlab.ablation import results

    assert book_evidence("no_p2", "AP_small", lang="en") == evidence(read_results(book_results("part4")), "no_p2",
                                                                    "AP_small", lang="en")

    def missing(name):
        raise results.ResultsNotFoundError(name)

    monkeypatch.setattr(results, "book_results", missing)
    assert "ablation/results/part4.jsonl) are not on this machine" in book_evidence("no_p2", lang="en")
    assert "bu makinede yok" in book_evidence("no_p2", lang="tr")


# ---------------------------------------------------------------- options the runner would ignore

@pytest.mark.parametrize("change, match", [
    ({"neck": {"name": "bifpn", "width": 16, "options": {"attention": "se"}}}, "BiFPN always uses BatchNorm.*attention=se"),
    ({"neck": {"name": "bifpn", "width": 16, "options": {"norm": "gn"}}}, "BiFPN always uses BatchNorm.*norm=gn"),
    ({"backbone": {"name": "yolo", "widths": [8, 8, 16, 32, 64], "depths": [1, 1, 1, 1], "norm": "gn"},
      "neck": {"name": "bifpn", "width": 16, "options": {"norm": "same"}}}, "norm=gn"),
    ({"neck": {"name": "fpn", "width": 16, "options": {"atention": "se"}}}, "atention is not an option of FPN"),
    ({"neck": {"name": "none", "width": 16, "options": {"fuse": "sum"}}}, "fuse is not an option of LateralNeck"),
    ({"backbone": {"name": "yolo", "widths": [8, 8, 16, 32, 64], "depths": [1, 1, 1, 1], "dropblock": 0.1}},
     "dropblock is not an option of YOLOBackbone"),
    ({"data": {"options": {"dots": 3}}}, "dots is not an option of ContextShapes"),
])
def test_the_runner_refuses_an_option_it_would_ignore(change, match):
    from fpnlab.ablation import check_plan

    with pytest.raises(PlanError, match=match):
        check_plan({"seeds": [0, 1], "baseline": change})


@pytest.mark.parametrize("section, key", [("neck", "widht"), ("schedule", "epochs"), ("head", "layers"),
                                          ("data", "n_tset"), ("measure", "thread")])
def test_an_unknown_key_in_any_section_is_refused(section, key):
    with pytest.raises(PlanError, match=f"{section} has unknown key\\(s\\) \\['{key}'\\]"):
        load_plan({"seeds": [0, 1], "baseline": {section: {key: 1}}})


def test_bifpn_takes_norm_same_over_a_bn_backbone_and_no_neck_takes_the_fpn_norm():
    import torch.nn as nn
    from fpnlab.ablation import check_plan, make_neck

    check_plan({"seeds": [0, 1], "baseline": {"neck": {"name": "bifpn", "width": 16,
                                                       "options": {"norm": "same", "attention": None}}}})
    lateral = make_neck({"name": "none", "width": 16, "options": {"norm": "same"}}, [8, 16], [4, 8], "bn")
    fpn = make_neck({"name": "fpn", "width": 16, "options": {"norm": "same"}}, [8, 16], [4, 8], "bn")
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert any(isinstance(m, nn.BatchNorm2d) for m in lateral.modules()) and count(lateral) == count(fpn)


# ---------------------------------------------------------------- tuning budget, test split, provenance, reruns

TUNED = {"name": "tuned", "seeds": [0, 1],
         "tune": {"key": "schedule.lr", "values": [0.001, 0.01], "seeds": [0], "metric": "AP"},
         "baseline": {"data": {"kind": "context_shapes", "size": 64, "n_train": 32, "n_val": 8, "n_test": 8,
                               "test_seed": 7},
                      "backbone": {"name": "tiny"}, "neck": {"name": "fpn", "width": 16},
                      "head": {"num_convs": 1}, "schedule": {"steps": 4, "batch_size": 4, "lr": 0.003}},
         "experiments": [{"name": "no_neck", "change": {"neck.name": "none"}}]}


@pytest.mark.parametrize("edit, match", [
    (lambda p: p["baseline"]["data"].pop("n_test"), "need a split tuning never saw"),
    (lambda p: p["baseline"]["data"].update(test_seed=1), "need a split tuning never saw"),
    (lambda p: p["tune"].update(values=[0.01]), "values \\(at least two\\)"),
    (lambda p: p["tune"].update(key="schedule.lrr"), "tune needs key"),
    (lambda p: p["experiments"].append({"name": "fast", "change": {"schedule.lr": 0.1}}), "the setting tune chooses"),
])
def test_a_bad_tune_section_is_refused(edit, match):
    import copy

    plan = copy.deepcopy(TUNED)
    edit(plan)
    with pytest.raises(PlanError, match=match):
        load_plan(plan)


@pytest.fixture(scope="module")
def tuned_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("tuned") / "tuned.jsonl"
    return out, run(TUNED, out, workers=1, progress=False)


def test_every_arm_gets_the_same_tuning_budget_and_final_runs_use_its_choice_on_the_test_split(tuned_results):
    from fpnlab.ablation import choose

    out, new = tuned_results
    tune = [r for r in new if r["phase"] == "tune"]
    final = [r for r in new if r["phase"] == "final"]
    # 2 arms × 2 values × 1 tuning seed, scored on val; then 2 arms × 2 seeds on test
    assert sorted((r["experiment"], r["tune_value"]) for r in tune) == [
        ("baseline", 0.001), ("baseline", 0.01), ("no_neck", 0.001), ("no_neck", 0.01)]
    assert {r["split"] for r in tune} == {"val"} and {r["split"] for r in final} == {"test"}
    choices = choose(load_plan(TUNED), read_results(out))
    for r in final:
        c = choices[r["experiment"]]
        assert r["tuned"] == c and r["config"]["schedule"]["lr"] == c["value"]
        mine = {json.dumps(t["tune_value"]): t["AP"] for t in tune if t["experiment"] == r["experiment"]}
        assert c["scores"] == mine and mine[json.dumps(c["value"])] == max(mine.values())
    assert len(final) == 4
    # summaries use the final runs only; the table shows each arm's learning rate
    rows = {r["experiment"]: r for r in summarize(read_results(out), "AP")}
    assert rows["baseline"]["n"] == 2 and rows["no_neck"]["lr"] == choices["no_neck"]["value"]
    assert run(TUNED, out, progress=False) == []  # resumes: nothing left


def test_test_split_images_differ_from_validation_images():
    from fpnlab.ablation.factories import make_split

    data = load_plan(TUNED)["baseline"]["data"]
    val, test = make_split(data, "val"), make_split(data, "test")
    assert not any(torch_equal(val[i][0], test[i][0]) for i in range(len(val)))


def torch_equal(a, b):
    import torch

    return torch.equal(a, b)


def test_every_record_carries_its_provenance(tuned_results):
    import platform
    import subprocess

    _, new = tuned_results
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).parent).stdout.strip()
    for r in new:
        assert r["git_commit"] == head and isinstance(r["git_dirty"], bool)
        assert r["python"] == platform.python_version() and r["numpy"] and r["pycocotools"] and r["scipy"]
        assert r["finished_utc"].endswith("+00:00") and r["cpu_model"] and r["workers"] == 1
        assert r["threads"] == 1 and r["backend"] == "local"


def test_only_retrains_the_named_record_and_compares_it(tuned_results, capsys):
    out, new = tuned_results
    before = out.read_text()
    assert main(["run", "--only", "no_neck:1", json_plan(out.parent), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == "no_neck/seed 1: retrained, every metric, parameter and FLOP count equal to the record"
    assert out.read_text() == before  # nothing written
    # a record that was tampered with is reported, field by field, with exit status 1
    lines = [json.loads(x) for x in before.splitlines()]
    for r in lines:
        if (r["experiment"], r["seed"], r.get("phase")) == ("no_neck", 1, "final"):
            r["AP50"] += 0.5
    bad = out.parent / "tampered.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert main(["run", "--only", "no_neck:1", json_plan(out.parent), "--out", str(bad)]) == 1
    assert "differs from the record in AP50" in capsys.readouterr().out
    with pytest.raises(PlanError, match="--only nope: no experiment in tuned; experiments: baseline, no_neck"):
        main(["run", "--only", "nope", json_plan(out.parent), "--out", str(out)])
    with pytest.raises(PlanError, match="--only no_neck:9: no seed"):
        main(["run", "--only", "no_neck:9", json_plan(out.parent), "--out", str(out)])


def json_plan(folder) -> str:
    """TUNED as a YAML file (the command line takes a path)."""
    import yaml

    path = Path(folder) / "tuned.yaml"
    path.write_text(yaml.safe_dump(TUNED))
    return str(path)


def test_a_few_final_runs_with_committed_choices_train_without_tuning(tuned_results, tmp_path):
    from fpnlab.ablation import choose

    out, _ = tuned_results
    committed = read_results(out)
    choices = choose(load_plan(TUNED), committed)
    live = tmp_path / "live.jsonl"
    new = run(TUNED, live, progress=False, only=["no_neck:1", "baseline:1"], choices=choices)
    assert sorted((r["experiment"], r["seed"], r["phase"]) for r in new) == [("baseline", 1, "final"),
                                                                           ("no_neck", 1, "final")]
    key = lambda r: (r["experiment"], r["seed"], r["config_hash"], r.get("phase"))
    same = {key(r): r for r in committed}
    for r in new:  # the same configuration (chosen learning rate included), the same numbers
        assert r["AP"] == same[key(r)]["AP"] and r["config"] == same[key(r)]["config"]


def test_git_dirty_means_the_package_source_changed_not_a_results_file(tmp_path):
    import subprocess

    from fpnlab.ablation import git_state

    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "results.jsonl").write_text("")
    (repo / "pkg" / "code.py").write_text("x = 1\n")
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    assert git_state(repo / "pkg")["git_dirty"] is False
    (repo / "results.jsonl").write_text("{}\n")  # the file a plan is writing: not the code
    assert git_state(repo / "pkg")["git_dirty"] is False
    (repo / "pkg" / "code.py").write_text("x = 2\n")
    assert git_state(repo / "pkg") == {"git_commit": git("rev-parse", "HEAD").stdout.decode().strip(), "git_dirty": True}
