"""Summaries of ablation results: mean ± std over seeds, the Δ to the baseline paired by seed with
its confidence interval, a paired t-test with Holm's correction over the plan's experiments, and
the verdict it supports ("higher", "lower", "not shown", "too few seeds"); bar and trade-off plots."""
from __future__ import annotations

import functools
import math
import numbers
import statistics

from collections.abc import Mapping, Sequence

from ..errors import ArgumentError, UnknownNameError
from ..i18n import Strings, fmt_num, get_lang
from .runner import final_runs, read_results

# This module's own text, both languages side by side per key (Strings checks both are there);
# the library's shared labels live in fpnlab.i18n.STRINGS.
_t = Strings({
    "unknown_exp": {"en": "{where}: no records of {names} in these results; experiments: {known}. Fix: name one of them.",
                    "tr": "{where}: bu sonuçlarda {names} için kayıt yok; deneyler: {known}. Düzeltme: bunlardan "
                          "birini yaz."},
    "unknown_metric": {"en": "{where}: metric = {metric!r} is not a field of these records; numeric fields: {known}. "
                             "Fix: pick one of them.",
                       "tr": "{where}: metric = {metric!r} bu kayıtların bir alanı değil; sayısal alanlar: {known}. "
                             "Düzeltme: bunlardan birini seç."},
    "pairs": {"en": "paired_test: diffs has {n:d} paired difference(s); a paired test needs at least 2. Fix: pass one "
                    "difference per seed, from at least 2 seeds.",
              "tr": "paired_test: diffs içinde {n:d} eşli fark var; eşli test en az 2 ister. Düzeltme: en az 2 "
                    "seed'den, her seed için bir fark ver."},
    "diffs": {"en": "paired_test: diffs = {value!r} must be a list of finite numbers. Fix: pass e.g. [0.19, 0.18, 0.20].",
              "tr": "paired_test: diffs = {value!r} sonlu sayılardan oluşan bir liste olmalı. Düzeltme: örneğin "
                    "[0.19, 0.18, 0.20] ver."},
    "lengths": {"en": "paired_test: {a} has {n_a:d} values but {b} has {n_b:d}. Fix: pass one value per seed in both, "
                      "in the same seed order.",
                "tr": "paired_test: {a} {n_a:d} değer içeriyor ama {b} {n_b:d}. Düzeltme: ikisine de seed başına bir "
                      "değer ver, aynı seed sırasıyla."},
    "open": {"en": "{where}: {name} = {value!r} must be a number strictly between 0 and 1. Fix: pass e.g. {name}={example}.",
             "tr": "{where}: {name} = {value!r}, 0 ile 1 arasında (uçlar hariç) bir sayı olmalı. Düzeltme: örneğin "
                   "{name}={example} ver."},
    "pvalues": {"en": "holm: pvalues = {value!r} must map names to p-values in [0, 1]. Fix: pass e.g. {{'a': 0.01, 'b': 0.04}}.",
                "tr": "holm: pvalues = {value!r}, adları [0, 1] aralığındaki p değerlerine eşleyen bir sözlük olmalı. "
                      "Düzeltme: örneğin {{'a': 0.01, 'b': 0.04}} ver."},
    "ab_experiment": {"en": "Experiment", "tr": "Deney"},
    "ab_seeds": {"en": "Seeds", "tr": "Seed"},
    "ab_mean": {"en": "{metric} mean", "tr": "{metric} ortalama"},
    "ab_std": {"en": "± std", "tr": "± std"},
    "ab_delta": {"en": "Δ vs baseline", "tr": "baseline'a göre Δ"},
    "ab_delta_std": {"en": "std of paired Δ", "tr": "eşli Δ'nın std'si"},
    "ab_latency": {"en": "Latency (ms)", "tr": "Latency (ms)"},
    "ab_change": {"en": "Change", "tr": "Değişiklik"},
    "ab_evidence": {
        "en": "{experiment} ({change}) against the baseline, {pairs} paired seeds: Δ {metric} = {delta} "
              "(95 % CI {low} to {high}; {method} {p}; AP × 100, baseline {base} ± {base_std} std "
              "over seeds). {verdict}",
        "tr": "{experiment} ({change}) baseline'a karşı, {pairs} eşli seed: Δ {metric} = {delta} "
              "(%95 güven aralığı {low} ile {high} arası; {method} {p}; AP × 100, baseline {base} "
              "± {base_std}, seed'ler üzerinden std). {verdict}"},
    "ab_method": {"en": "paired t-test, Holm over {k:d} experiments: adjusted p",
                  "tr": "eşli t-testi, {k:d} deney üzerinden Holm: düzeltilmiş p"},
    "ab_method_one": {"en": "paired t-test (a single experiment): p",
                      "tr": "eşli t-testi (tek deney): p"},
    "ab_verdict_higher": {"en": "Higher in this setting.", "tr": "Bu ortamda daha yüksek."},
    "ab_verdict_lower": {"en": "Lower in this setting.", "tr": "Bu ortamda daha düşük."},
    "ab_verdict_not_shown": {"en": "Not shown by this ablation (which is not evidence of no effect).",
                             "tr": "Bu ablation bunu göstermedi (bu, etkinin olmadığının kanıtı değil)."},
    "ab_verdict_too_few": {"en": "Too few seeds to test: at least 3 paired seeds are needed.",
                           "tr": "Test için seed sayısı az: en az 3 eşli seed gerekir."},
    "ab_no_results": {
        "en": "{experiment}: the book's committed ablation results (ablation/results/{name}.jsonl) are not on this "
              "machine; they come with the book's repository: clone it to see the measurement here.",
        "tr": "{experiment}: kitabın commit edilmiş ablation sonuçları (ablation/results/{name}.jsonl) bu makinede "
              "yok; kitabın deposuyla gelir: ölçümü burada görmek için depoyu klonla."},
    "ab_ci": {"en": "95 % CI", "tr": "%95 güven aralığı"},
    "ab_p": {"en": "p (Holm)", "tr": "p (Holm)"},
    "ab_verdict": {"en": "Verdict", "tr": "Sonuç"},
    "ab_lr": {"en": "lr", "tr": "lr"},
    "v_higher": {"en": "higher", "tr": "daha yüksek"},
    "v_lower": {"en": "lower", "tr": "daha düşük"},
    "v_not shown": {"en": "not shown", "tr": "gösterilmedi"},
    "v_too few seeds": {"en": "too few seeds", "tr": "seed sayısı az"},
})


ALPHA = 0.05  # family-wise error rate of the verdicts (Holm over a plan's experiments, per metric)
MIN_PAIRS = 3  # fewer paired seeds than this: no test, verdict "too few seeds"
METHOD = "paired t-test, Holm"
VERDICTS = ("higher", "lower", "not shown", "too few seeds")


def _std(xs):
    return statistics.stdev(xs) if len(xs) > 1 else math.nan


def _open_unit(name: str, value, example: float, where: str) -> float:
    """``value`` if it is a number in the open interval (0, 1) (a confidence, an α)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ArgumentError(_t("open", where=where, name=name, value=value, example=example))
    return float(value)


def _check_metric(records: list, metric, where: str):
    """``metric`` if every record has it; else :class:`UnknownNameError` listing the numeric fields."""
    if records and any(not isinstance(metric, str) or metric not in r for r in records):
        known = sorted(k for k, v in records[0].items() if isinstance(v, numbers.Real) and not isinstance(v, bool))
        raise UnknownNameError(_t("unknown_metric", where=where, metric=metric, known=", ".join(known)))
    return metric


def _numbers(name: str, values) -> list[float]:
    ok = (isinstance(values, Sequence) and not isinstance(values, str)
          and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in values))
    if not ok:
        raise ArgumentError(_t("diffs", value=values))
    return [float(v) for v in values]


def paired_test(diffs, confidence: float = 0.95, baseline=None) -> tuple[float, tuple[float, float]]:
    """``(p, (low, high))`` for seed-paired differences: the two-sided p of a paired t-test
    (``scipy.stats.ttest_1samp`` of the differences against 0) and the ``confidence`` interval of
    their mean (Student's t). Differences that are all equal (a deterministic change) give
    ``p = 0`` if they are not zero and ``1`` if they are, and a zero-width interval.

    ``diffs``: at least 2 finite numbers, one per seed — or, with ``baseline``, the experiment's
    values, paired seed by seed with the baseline's (same length), and the differences are taken
    here. ``confidence`` in (0, 1).

    >>> p, (lo, hi) = paired_test([0.19, 0.18, 0.20])
    >>> round(p, 4), round(lo, 3), round(hi, 3)
    (0.0009, 0.165, 0.215)
    >>> paired_test([0.75, 0.625, 0.875], baseline=[0.5, 0.5, 0.5]) == paired_test([0.25, 0.125, 0.375])
    True
    """
    from scipy import stats

    diffs = _numbers("diffs", diffs)
    if baseline is not None:
        baseline = _numbers("baseline", baseline)
        if len(baseline) != len(diffs):
            raise ArgumentError(_t("lengths", a="diffs", n_a=len(diffs), b="baseline", n_b=len(baseline)))
        diffs = [a - b for a, b in zip(diffs, baseline)]
    confidence = _open_unit("confidence", confidence, 0.95, "paired_test")
    n = len(diffs)
    if n < 2:
        raise ArgumentError(_t("pairs", n=n))
    mean, sd = statistics.fmean(diffs), statistics.stdev(diffs)
    if sd == 0 or sd < 1e-12 * max(1.0, abs(mean)):
        return (0.0 if mean != 0 else 1.0), (mean, mean)
    p = float(stats.ttest_1samp(diffs, 0.0).pvalue)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return p, (mean - half, mean + half)


def holm(pvalues: dict) -> dict:
    """Holm's step-down adjustment: ``{name: p}`` → ``{name: adjusted p}`` (monotone, ≤ 1).

    Rejecting where the adjusted p is below α keeps the chance of *any* false verdict in the
    family at most α, whatever the dependence between the tests.

    >>> dict(sorted((k, round(v, 3)) for k, v in holm({"a": 0.01, "b": 0.04, "c": 0.03}).items()))
    {'a': 0.03, 'b': 0.06, 'c': 0.06}
    """
    if not isinstance(pvalues, Mapping) or not all(
            isinstance(p, numbers.Real) and not isinstance(p, bool) and 0 <= p <= 1 for p in pvalues.values()):
        raise ArgumentError(_t("pvalues", value=pvalues))
    order = sorted(pvalues, key=pvalues.get)
    m, running, out = len(order), 0.0, {}
    for i, name in enumerate(order):
        running = max(running, min(1.0, (m - i) * pvalues[name]))
        out[name] = running
    return out


def summarize(records, metric: str = "AP_small", baseline: str = "baseline", latency=None,
              alpha: float = ALPHA) -> list[dict]:
    """One row per experiment, the statistics a reviewer asks for.

    - ``n`` seeds, ``mean`` and ``std`` (sample std over seeds) of ``metric``;
    - ``delta``: mean over seeds of (experiment − baseline) *with the same seed*, ``pairs`` how
      many seeds both have, ``delta_std`` the std of those paired differences (the spread to print
      next to a Δ);
    - ``ci``: ``(low, high)``, the 95 % confidence interval of the mean paired Δ (Student's t);
    - ``p``: two-sided paired t-test of the differences (``method`` names it), ``p_adjusted``:
      Holm's adjustment over every non-baseline experiment of these records with at least
      ``MIN_PAIRS`` pairs, for this metric — so the chance that *any* verdict of the table is a
      false alarm stays at most ``alpha``;
    - ``verdict``: ``"higher"`` / ``"lower"`` (``p_adjusted < alpha``), ``"not shown"``, or
      ``"too few seeds"`` (fewer than ``MIN_PAIRS`` pairs); ``None`` for the baseline.
      ``beyond`` is ``verdict in ("higher", "lower")``.

    Records of a configuration that was later changed (older ``config_hash``) are ignored: the
    latest hash per experiment wins; records of a tuning phase (``phase: "tune"``) are left out.
    Values of ``nan`` (no ground truth in a size range) are left out of the means and pairs.
    ``latency``: ``{experiment: ms}`` measured together (:func:`~fpnlab.ablation.measure_plan`)
    instead of the median of the records' own ``latency_ms``.
    """
    alpha = _open_unit("alpha", alpha, ALPHA, "summarize")
    records = final_runs(records)
    _check_metric(records, metric, "summarize")
    latest = {}
    for r in records:
        latest[r["experiment"]] = r["config_hash"]
    by_exp: dict[str, dict[int, dict]] = {}
    for r in records:
        if r["config_hash"] == latest[r["experiment"]]:
            by_exp.setdefault(r["experiment"], {})[r["seed"]] = r
    base = by_exp.get(baseline, {})
    rows = []
    for name, runs in by_exp.items():
        vals = [r[metric] for r in runs.values() if not _nan(r[metric])]
        is_base = name == baseline
        pairs = [] if is_base else [runs[s][metric] - base[s][metric] for s in sorted(runs) if s in base
                                    and not _nan(runs[s][metric]) and not _nan(base[s][metric])]
        p, ci = paired_test(pairs) if len(pairs) >= MIN_PAIRS else (math.nan, (math.nan, math.nan))
        first = next(iter(runs.values()))
        rows.append({"experiment": name, "change": first.get("change", {}), "n": len(vals),
                     "mean": statistics.fmean(vals) if vals else math.nan, "std": _std(vals),
                     "delta": statistics.fmean(pairs) if pairs else math.nan,
                     "delta_std": _std(pairs) if not is_base else math.nan, "pairs": len(pairs),
                     "ci": ci, "p": p, "p_adjusted": math.nan, "method": None if is_base else METHOD,
                     "verdict": None if is_base else "too few seeds",
                     "lr": first.get("config", {}).get("schedule", {}).get("lr"),
                     "latency_ms": (latency[name] if latency and name in latency
                                    else statistics.median(r["latency_ms"] for r in runs.values()))})
    adjusted = holm({r["experiment"]: r["p"] for r in rows if not math.isnan(r["p"])})
    for r in rows:
        if r["experiment"] in adjusted:
            r["p_adjusted"] = adjusted[r["experiment"]]
            r["verdict"] = ("not shown" if not r["p_adjusted"] < alpha
                            else "higher" if r["delta"] > 0 else "lower")
        r["beyond"] = r["verdict"] in ("higher", "lower")
    rows.sort(key=lambda r: (r["experiment"] != baseline, r["experiment"]))
    return rows


def verdict_text(verdict: str | None, lang: str | None = None) -> str:
    """The verdict of :func:`summarize` as a short phrase in the reader's language
    (``"higher"`` → "higher" / "daha yüksek"); ``None`` (the baseline) → "—"."""
    return "—" if verdict is None else _t("v_" + verdict, lang or get_lang())


def fmt_p(p: float, lang: str | None = None) -> str:
    """A p-value as a reader reads it: ``= 0.013``, ``< 0.001`` (Turkish ``= 0,013``); nan → ``—``."""
    if _nan(p):
        return "—"
    return "< " + fmt_num(0.001, lang, 3) if p < 0.001 else "= " + fmt_num(p, lang, 3)


def evidence(records, experiment: str, metric: str = "AP_small", baseline: str = "baseline",
             lang: str | None = None, scale: float = 100.0) -> str:
    """One sentence, in the reader's language, with what the ablation measured for ``experiment``:
    the paired Δ of ``metric`` to the baseline, its 95 % confidence interval, the Holm-adjusted p
    of the paired t-test, the number of paired seeds, the baseline's mean ± std over seeds, and
    the verdict of :func:`summarize`: "higher / lower in this setting", "not shown by this
    ablation" or "too few seeds". A chapter that makes a claim prints this next to it, so the
    claim and its number cannot drift apart.
    """
    lang = lang or get_lang()
    summary = summarize(records, metric, baseline)
    rows = {r["experiment"]: r for r in summary}
    if experiment not in rows or baseline not in rows:
        missing = [n for n in (experiment, baseline) if n not in rows]
        raise UnknownNameError(_t("unknown_exp", where="evidence", names=", ".join(map(repr, missing)),
                                  known=sorted(rows)))
    r, b = rows[experiment], rows[baseline]
    tested = sum(not _nan(x["p"]) for x in summary)
    key = {"higher": "ab_verdict_higher", "lower": "ab_verdict_lower", "not shown": "ab_verdict_not_shown",
           "too few seeds": "ab_verdict_too_few"}[r["verdict"]]
    change = ", ".join(f"{k}={v}" for k, v in r["change"].items())
    signed = lambda v: "—" if _nan(v) else ("+" if v > 0 else "") + fmt_num(v * scale, lang, 1)
    return _t("ab_evidence", lang, experiment=experiment, change=change, pairs=r["pairs"], metric=metric,
              delta=signed(r["delta"]), low=signed(r["ci"][0]), high=signed(r["ci"][1]),
              method=_t("ab_method", lang, k=tested) if tested > 1 else _t("ab_method_one", lang),
              p=fmt_p(r["p_adjusted"], lang),
              base=fmt_num(b["mean"] * scale, lang, 1), base_std=fmt_num(b["std"] * scale, lang, 1),
              verdict=_t(key, lang))


def book_evidence(experiment: str, metric: str = "AP_small", results: str = "part4", baseline: str = "baseline",
                  lang: str | None = None) -> str:
    """:func:`evidence` on the book's committed results (:func:`~fpnlab.ablation.book_results`).

    Where they are not on this machine (a chapter opened on its own), a sentence that says so and
    how to get them, instead of an error: the chapter still runs to its end.
    """
    from . import results as _results

    try:
        path = _results.book_results(results)
    except _results.ResultsNotFoundError:
        return _t("ab_no_results", lang or get_lang(), experiment=experiment, name=results)
    return evidence(_records(str(path), path.stat().st_mtime_ns), experiment, metric, baseline, lang)


@functools.lru_cache(maxsize=8)
def _records(path: str, mtime_ns: int) -> list:
    return read_results(path)  # read once per file version, however many claims a chapter checks


def _decimals(x: float) -> int:
    """As many decimals as ``x`` was written with (0.0015 → 4, 0.006 → 3), so a rate is not rounded."""
    text = repr(float(x))
    return 0 if "e" in text or "." not in text else len(text.split(".")[1].rstrip("0"))


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def report_frame(records, metric: str = "AP_small", baseline: str = "baseline", lang: str | None = None,
                 scale: float = 100.0, latency=None):
    """:func:`summarize` as a DataFrame of strings in the reader's language (AP × ``scale``):
    mean ± std over seeds, the paired Δ with the std of the paired differences and its 95 %
    confidence interval, the Holm-adjusted p, the verdict, the learning rate and the latency."""
    import pandas as pd

    lang = lang or get_lang()
    rows = summarize(records, metric, baseline, latency)
    num = lambda v, d=1: "—" if _nan(v) else fmt_num(v, lang, d)
    frame = pd.DataFrame({
        _t("ab_experiment", lang): [r["experiment"] for r in rows],
        _t("ab_change", lang): [", ".join(f"{k}={v}" for k, v in r["change"].items()) or "—" for r in rows],
        _t("ab_seeds", lang): [str(r["n"]) for r in rows],
        _t("ab_mean", lang, metric=metric): [num(r["mean"] * scale) for r in rows],
        _t("ab_std", lang): [num(r["std"] * scale) for r in rows],
        _t("ab_delta", lang): [num(r["delta"] * scale) for r in rows],
        _t("ab_delta_std", lang): [num(r["delta_std"] * scale) for r in rows],
        _t("ab_ci", lang): ["—" if _nan(r["ci"][0]) else f"{num(r['ci'][0] * scale)} … {num(r['ci'][1] * scale)}"
                            for r in rows],
        _t("ab_p", lang): [fmt_p(r["p_adjusted"], lang).removeprefix("= ") for r in rows],
        _t("ab_verdict", lang): [verdict_text(r["verdict"], lang) for r in rows],
        _t("ab_lr", lang): ["—" if r["lr"] is None else fmt_num(r["lr"], lang, _decimals(r["lr"])) for r in rows],
        _t("ab_latency", lang): [num(r["latency_ms"]) for r in rows],
    })
    return frame


def report_text(records, metrics=("AP", "AP_small", "AP_medium", "AP_large"), baseline: str = "baseline",
                lang: str | None = None) -> str:
    """One table per metric, as ``python -m fpnlab.ablation report`` prints them."""
    if not isinstance(records, list):
        records = read_results(records)
    return "\n\n".join(report_frame(records, m, baseline, lang).to_string(index=False) for m in metrics)


def plot_bars(records, metric: str = "AP_small", baseline: str = "baseline", ax=None, lang: str | None = None,
              scale: float = 100.0):
    """Bars of ``metric`` (mean over seeds) with the seed std as error bars."""
    import matplotlib.pyplot as plt

    rows = summarize(records, metric, baseline)
    ax = ax or plt.subplots(figsize=(1.2 + 1.1 * len(rows), 3))[1]
    ax.bar([r["experiment"] for r in rows], [r["mean"] * scale for r in rows],
           yerr=[0 if math.isnan(r["std"]) else r["std"] * scale for r in rows], capsize=4, color="#4c72b0")
    ax.set_ylabel(metric)
    return ax


def plot_tradeoff(records, metric: str = "AP", ax=None, lang: str | None = None, scale: float = 100.0,
                  latency=None):
    """``metric`` against latency, one point per final run (tuning runs left out), one colour per
    experiment (``latency``: ``{experiment: ms}`` measured together, instead of each record's own)."""
    import matplotlib.pyplot as plt

    records = final_runs(records)
    ax = ax or plt.subplots(figsize=(4.5, 3.2))[1]
    for name in dict.fromkeys(r["experiment"] for r in records):
        runs = [r for r in records if r["experiment"] == name]
        xs = [latency[name] if latency and name in latency else r["latency_ms"] for r in runs]
        ax.scatter(xs, [r[metric] * scale for r in runs], label=name)
    ax.set_xlabel(_t("ab_latency", lang or get_lang()))
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
    return ax
