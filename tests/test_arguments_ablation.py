"""Arguments checked at the door: detector, metrics, preflight, receptive, error_kinds and the
ablation refuse out-of-range and wrong-type values with fpnlab's errors, naming the function, the
argument, the value and the fix, in the reader's language."""
import pytest
import torch
from torch import nn

import fpnlab
from fpnlab.errors import ArgumentError, FpnlabError, UnknownNameError

PLAN = {"seeds": [0, 1], "baseline": {"data": {"size": 32}, "neck": {"width": 8}},
        "experiments": [{"name": "no_neck", "change": {"neck.name": "none"}}]}


@pytest.fixture(autouse=True)
def english():
    fpnlab.set_lang("en")
    yield
    fpnlab.set_lang("en")


def small_detector():
    from fpnlab.detector import tiny_detector

    torch.manual_seed(0)
    return tiny_detector(num_classes=3, width=8)


# ---------------------------------------------------------------- detector

@pytest.mark.parametrize("kw, match", [
    ({"num_classes": 0}, "tiny_detector: num_classes = 0 must be an integer ≥ 1"),
    ({"num_classes": 2.0}, "tiny_detector: num_classes = 2.0"),
    ({"num_classes": True}, "tiny_detector: num_classes = True"),
    ({"width": -8}, "tiny_detector: width = -8"),
])
def test_tiny_detector_refuses_bad_sizes(kw, match):
    from fpnlab.detector import tiny_detector

    with pytest.raises(ArgumentError, match=match):
        tiny_detector(**kw)


def test_detector_checks_its_modules_strides_and_images():
    from fpnlab.detector import Detector

    model = small_detector()
    with pytest.raises(ArgumentError, match=r"Detector: strides = \[4, 0\]"):
        Detector(model.backbone, model.neck, model.head, strides=[4, 0])
    with pytest.raises(ArgumentError, match=r"Detector: strides = \[4.0, 8.0\]"):
        Detector(model.backbone, model.neck, model.head, strides=[4.0, 8.0])
    with pytest.raises(ArgumentError, match="Detector: head must be a torch.nn.Module, got str"):
        Detector(model.backbone, model.neck, "head", strides=[4, 8, 16, 32])
    with pytest.raises(ArgumentError, match="Detector: images has dtype uint8.*Fix: convert it"):
        model(torch.zeros(1, 3, 32, 32, dtype=torch.uint8))
    with pytest.raises(ArgumentError, match=r"images.unsqueeze\(0\)"):
        model(torch.rand(3, 32, 32))
    with pytest.raises(ArgumentError, match="Detector.predict: max_dets = 0"):
        model.predict(torch.rand(1, 3, 32, 32), max_dets=0)


@pytest.mark.parametrize("kw, match", [({"steps": 0}, "train: steps = 0"), ({"steps": 2.0}, "train: steps = 2.0"),
                                       ({"batch_size": -1}, "train: batch_size = -1"),
                                       ({"lr": 0}, "train: lr = 0 must be a number > 0"),
                                       ({"lr": True}, "train: lr = True")])
def test_train_refuses_bad_schedules_before_any_step(kw, match):
    from fpnlab.data import Shapes
    from fpnlab.detector import train

    with pytest.raises(ArgumentError, match=match):
        train(small_detector(), Shapes(2, size=32, seed=0), progress=False, **kw)


def test_evaluate_refuses_a_bad_batch_size():
    from fpnlab.data import Shapes
    from fpnlab.detector import evaluate

    with pytest.raises(ArgumentError, match="evaluate: batch_size = 0"):
        evaluate(small_detector(), Shapes(2, size=32, seed=0), batch_size=0)


def test_detector_errors_are_fpnlab_errors_in_turkish_too():
    from fpnlab.detector import Detector, NoStridesError

    assert issubclass(NoStridesError, FpnlabError) and issubclass(NoStridesError, ValueError)
    model = small_detector()
    fpnlab.set_lang("tr")
    with pytest.raises(NoStridesError, match="feature_info yok. Düzeltme:"):
        Detector(model.backbone, nn.Identity(), model.head)
    with pytest.raises(ArgumentError, match="train: steps = 0 en az 1 olan bir tam sayı olmalı. Düzeltme:"):
        from fpnlab.data import Shapes
        from fpnlab.detector import train

        train(model, Shapes(2, size=32, seed=0), steps=0)


# ---------------------------------------------------------------- metrics

@pytest.mark.parametrize("fn", ["cost", "latency"])
@pytest.mark.parametrize("kw, match", [({"repeats": 0}, "repeats = 0"), ({"repeats": 2.0}, "repeats = 2.0"),
                                       ({"warmup": -1}, "warmup = -1"), ({"threads": 0}, "threads = 0"),
                                       ({"threads": 1.0}, "threads = 1.0")])
def test_cost_and_latency_refuse_bad_counts(fn, kw, match):
    from fpnlab import metrics

    with pytest.raises(ArgumentError, match=f"{fn}: {match}"):
        getattr(metrics, fn)(nn.Conv2d(2, 2, 1), torch.rand(1, 2, 4, 4), **kw)


def test_pareto_front_and_within_budget_refuse_bad_inputs():
    from fpnlab.metrics import pareto_front, within_budget

    with pytest.raises(ArgumentError, match="pareto_front: got 2 costs but 1 values. Fix:"):
        pareto_front([1.0, 2.0], [0.5])
    with pytest.raises(ArgumentError, match="pareto_front: values = 'ab' must be a list of numbers"):
        pareto_front([1.0, 2.0], "ab")
    with pytest.raises(ArgumentError, match="pareto_front: costs = \\[1.0, None\\]"):
        pareto_front([1.0, None], [0.5, 0.4])
    with pytest.raises(ArgumentError, match="within_budget: designs = \\[1, 2\\] must be a list of mappings"):
        within_budget([1, 2], latency_ms=3)
    with pytest.raises(ArgumentError, match="within_budget: latency_ms = -1"):
        within_budget([{"latency_ms": 2.0}], latency_ms=-1)
    with pytest.raises(ArgumentError, match="within_budget: latency_ms = '5'"):
        within_budget([{"latency_ms": 2.0}], latency_ms="5")


def test_pareto_front_takes_a_pandas_series_as_before():
    pd = pytest.importorskip("pandas")
    from fpnlab.metrics import pareto_front

    rows = pd.DataFrame({"latency_ms": [1.0, 2.0, 3.0], "AP": [0.3, 0.5, 0.4]}, index=["a", "b", "c"])
    assert pareto_front(rows["latency_ms"], rows["AP"]) == [0, 1]


# ---------------------------------------------------------------- preflight, receptive, error_kinds

@pytest.mark.parametrize("kw, match", [({"batch_size": 0}, "preflight: batch_size = 0"),
                                       ({"steps": 1.5}, "preflight: steps = 1.5"),
                                       ({"lr": 0.0}, "preflight: lr = 0.0"),
                                       ({"factor": -2}, "preflight: factor = -2"),
                                       ({"tol_px": -1}, "preflight: tol_px = -1")])
def test_preflight_refuses_bad_settings_before_running(kw, match):
    from fpnlab.data import Shapes
    from fpnlab.preflight import preflight

    with pytest.raises(ArgumentError, match=match):
        preflight(small_detector(), Shapes(2, size=32, seed=0), **kw)


def test_preflight_checks_take_lang_none_and_check_their_inputs():
    import importlib
    import inspect

    pf = importlib.import_module("fpnlab.preflight")  # the module (fpnlab.preflight is also the function's name)
    from fpnlab.data import Shapes

    for fn in (pf.check_shapes, pf.check_gradients, pf.check_boxes, pf.check_overfit, pf.preflight):
        assert inspect.signature(fn).parameters["lang"].default is None
    model = small_detector()
    images, targets = Shapes(2, size=32, seed=0).batch([0, 1])
    with pytest.raises(ArgumentError, match="check_shapes: images has dtype int64"):
        pf.check_shapes(model, images.long(), targets)
    with pytest.raises(ArgumentError, match="check_boxes: targets must be a list of 2 dicts"):
        pf.check_boxes(model, images, targets[:1])
    with pytest.raises(ArgumentError, match="check_overfit: steps = 0"):
        pf.check_overfit(model, images, targets, steps=0)
    with pytest.raises(ArgumentError, match="check_gradients: model must be a Detector"):
        pf.check_gradients(nn.Conv2d(3, 3, 1), images, targets)
    result, _ = pf.check_shapes(model, images, targets)  # no lang: the message follows set_lang
    english = result.message
    fpnlab.set_lang("tr")
    assert result.message != english and result.message == result.texts["tr"]


@pytest.mark.parametrize("args, kw, match", [
    ((0, 9), {}, "in_channels = 0"), ((1, 0), {}, "size = 0"), ((1, 9.0), {}, "size = 9.0"),
    ((1, (9, 0)), {}, r"size = \(9, 0\)"), ((1, 9), {"batch": 0}, "batch = 0"), ((1, 9), {"seed": -1}, "seed = -1"),
])
def test_effective_receptive_field_refuses_bad_sizes(args, kw, match):
    from fpnlab.receptive import effective_receptive_field

    with pytest.raises(ArgumentError, match=f"effective_receptive_field: {match}"):
        effective_receptive_field(nn.Conv2d(1, 1, 3, padding=1), *args, **kw)


def test_erf_radius_and_support_check_the_map():
    from fpnlab.receptive import effective_receptive_field, erf_radius, erf_support

    erf = effective_receptive_field(nn.Conv2d(1, 1, 3, padding=1), 1, 9)
    with pytest.raises(ArgumentError, match=r"erf_radius: erf must be a 2-d \(H, W\) float tensor, got \(1, 9, 9\)"):
        erf_radius(erf[None])
    with pytest.raises(ArgumentError, match="erf_radius: mass = 1.5"):
        erf_radius(erf, 1.5)
    with pytest.raises(ArgumentError, match=r"erf_radius: center = \(9, 4\)"):
        erf_radius(erf, center=(9, 4))
    with pytest.raises(ArgumentError, match="erf_support: erf must be"):
        erf_support([[1.0]])
    with pytest.raises(ArgumentError, match="must return one"):
        effective_receptive_field(nn.Flatten(), 1, 9)


@pytest.mark.parametrize("kw", [{"iou": True}, {"iou": "0.5"}, {"background_iou": "0.1"}, {"score_threshold": False}])
def test_error_kinds_refuses_thresholds_that_are_not_numbers(kw):
    from fpnlab.coco.error_kinds import error_kinds

    gt = {"images": [{"id": 1, "width": 10, "height": 10}], "categories": [{"id": 1, "name": "a"}],
          "annotations": []}
    with pytest.raises(ArgumentError, match="Fix:"):
        error_kinds(gt, [], **kw)


# ---------------------------------------------------------------- ablation

def test_ablation_errors_are_fpnlab_errors_with_their_old_bases():
    from fpnlab.ablation import PlanError, PlanNameError, ResultsNotFoundError, WorkerCallError

    assert issubclass(PlanError, FpnlabError) and issubclass(PlanError, ValueError)
    assert issubclass(ResultsNotFoundError, FpnlabError) and issubclass(ResultsNotFoundError, FileNotFoundError)
    assert issubclass(WorkerCallError, FpnlabError) and issubclass(WorkerCallError, RuntimeError)
    assert issubclass(PlanNameError, PlanError) and issubclass(PlanNameError, UnknownNameError)


@pytest.mark.parametrize("kw, match", [({"workers": 0}, "run: workers = 0"), ({"workers": 2.0}, "run: workers = 2.0"),
                                       ({"workers": True}, "run: workers = True"),
                                       ({"device": 0}, "run: device = 0")])
def test_run_refuses_bad_workers_before_any_training(tmp_path, kw, match):
    from fpnlab.ablation import run

    with pytest.raises(ArgumentError, match=match):
        run(PLAN, tmp_path / "r.jsonl", progress=False, **kw)
    assert not (tmp_path / "r.jsonl").exists()


def test_run_refuses_an_unknown_backend(tmp_path):
    from fpnlab.ablation import run

    with pytest.raises(UnknownNameError, match="run: backend = 'slurm' is not one of 'local', 'ray'"):
        run(PLAN, tmp_path / "r.jsonl", backend="slurm", progress=False)


@pytest.mark.parametrize("kw, match", [({"size": 0}, "size = 0"), ({"size": 32.0}, "size = 32.0"),
                                       ({"threads": 0}, "threads = 0"), ({"rounds": 1.5}, "rounds = 1.5"),
                                       ({"rounds": 0}, "rounds = 0"), ({"number": 0}, "number = 0"),
                                       ({"num_classes": False}, "num_classes = False")])
def test_measure_plan_refuses_bad_counts(kw, match):
    from fpnlab.ablation import measure_plan

    with pytest.raises(ArgumentError, match=f"measure_plan: {match}"):
        measure_plan(PLAN, **kw)


def test_measure_and_measure_plan_time_through_the_one_latency_helper(monkeypatch):
    from fpnlab import metrics
    from fpnlab.ablation import make_detector, measure, measure_plan
    from fpnlab.ablation.plan import load_plan

    calls = []
    real = metrics.latency

    def counting(model, inputs, repeats=20, warmup=3, threads=None):
        calls.append((repeats, warmup, threads))
        return real(model, inputs, repeats=repeats, warmup=warmup, threads=threads)

    monkeypatch.setattr(metrics, "latency", counting)
    out = measure_plan(PLAN, rounds=3, number=2)
    timed = [c for c in calls if c == (2, 0, 1)]
    assert len(timed) == 3 * 2  # rounds × experiments, interleaved, each through latency()
    assert all(m["latency_ms"] > 0 and m["latency_threads"] == 1 for m in out.values())
    calls.clear()
    model = make_detector(load_plan(PLAN)["baseline"], 2)
    rec = measure(model, 32, "cpu", threads=1, repeats=4, warmup=1)
    assert (4, 1, 1) in calls and rec["latency_ms"] > 0
    with pytest.raises(ArgumentError, match="measure: size = 0"):
        measure(model, 0, "cpu", threads=1)


@pytest.mark.parametrize("args, kw, match", [
    (([0.1],), {}, "paired_test: diffs has 1 paired difference"),
    (([],), {}, "paired_test: diffs has 0 paired difference"),
    (([0.1, "x"],), {}, "paired_test: diffs = "),
    (([0.1, float("nan")],), {}, "paired_test: diffs = "),
    (([0.1, 0.2],), {"confidence": 1.0}, "paired_test: confidence = 1.0"),
    (([0.1, 0.2],), {"confidence": 0}, "paired_test: confidence = 0"),
    (([0.1, 0.2],), {"baseline": [0.1]}, "paired_test: diffs has 2 values but baseline has 1"),
])
def test_paired_test_refuses_what_it_cannot_test(args, kw, match):
    from fpnlab.ablation import paired_test

    with pytest.raises(ArgumentError, match=match):
        paired_test(*args, **kw)


def test_holm_and_summarize_check_their_inputs():
    from fpnlab.ablation import holm, summarize

    assert holm({}) == {}
    with pytest.raises(ArgumentError, match="holm: pvalues = "):
        holm({"a": 1.5})
    with pytest.raises(ArgumentError, match="holm: pvalues = "):
        holm([0.1, 0.2])
    rec = {"experiment": "baseline", "seed": 0, "config_hash": "h", "AP": 0.5, "latency_ms": 1.0}
    with pytest.raises(ArgumentError, match="summarize: alpha = 1"):
        summarize([rec], "AP", alpha=1)
    with pytest.raises(UnknownNameError, match="summarize: metric = 'AP_smal' is not a field.*AP, latency_ms"):
        summarize([rec], "AP_smal")
    fpnlab.set_lang("tr")
    with pytest.raises(UnknownNameError, match="bu kayıtların bir alanı değil.*Düzeltme"):
        summarize([rec], "AP_smal")


def test_factories_check_names_and_counts():
    from fpnlab.ablation import PlanNameError, make_detector, make_split
    from fpnlab.ablation.plan import load_plan

    cfg = load_plan(PLAN)["baseline"]
    with pytest.raises(ArgumentError, match="make_detector: num_classes = 0"):
        make_detector(cfg, 0)
    with pytest.raises(PlanNameError, match="make_split: split='tset'"):
        make_split(cfg["data"], "tset")
    with pytest.raises(PlanNameError, match="data.kind='voc'.*Fix: use context_shapes, shapes or coco"):
        make_split({**cfg["data"], "kind": "voc"}, "train")
    with pytest.raises(PlanNameError, match="backbone.name='resnet1' is not a backbone.*resnet18"):
        make_detector({**cfg, "backbone": {"name": "resnet1"}}, 2)
    fpnlab.set_lang("tr")
    with pytest.raises(PlanNameError, match="runner'ın bir neck'i değil. Düzeltme"):
        make_detector({**cfg, "neck": {**cfg["neck"], "name": "fpnn"}}, 2)


def test_adapters_live_in_the_ablation_and_check_their_arguments():
    import fpnlab.detector
    from fpnlab.ablation import BackboneWithNeck, PickLevels
    from fpnlab.backbones import TinyBackbone

    assert not hasattr(fpnlab.detector, "PickLevels") and not hasattr(fpnlab.detector, "BackboneWithNeck")
    with pytest.raises(UnknownNameError, match=r"PickLevels: the backbone has no level\(s\) \['C6'\]"):
        PickLevels(TinyBackbone(), ["C5", "C6"])
    with pytest.raises(ArgumentError, match="PickLevels: names = 'C5'"):
        PickLevels(TinyBackbone(), "C5")
    with pytest.raises(ArgumentError, match="BackboneWithNeck: out_channels = 0"):
        BackboneWithNeck(TinyBackbone(), nn.Identity(), 0)


def test_results_lookups_check_the_name():
    from fpnlab.ablation import ResultsNotFoundError, book_results, results_path

    with pytest.raises(ArgumentError, match="results_path: name = ''"):
        results_path("")
    with pytest.raises(ArgumentError, match="book_results: name = 'a/b'"):
        book_results("a/b")
    fpnlab.set_lang("tr")
    with pytest.raises(ResultsNotFoundError, match="burada yok.*Düzeltme: depoyu klonla"):
        book_results("nope")
