"""Summaries of ablation results: mean ± std over seeds, Δ to the baseline paired by seed, and
whether that Δ stands out from the seed-to-seed spread; bar and trade-off plots."""
from __future__ import annotations

import functools
import math
import statistics

from ..i18n import Strings, fmt_frame, fmt_num, get_lang
from .runner import read_results

# This module's own text, both languages side by side per key (Strings checks both are there);
# the library's shared labels live in fpnlab.i18n.STRINGS.
_S = Strings({
    "ab_experiment": {"en": "Experiment", "tr": "Deney"},
    "ab_seeds": {"en": "Seeds", "tr": "Seed"},
    "ab_mean": {"en": "{metric} mean", "tr": "{metric} ortalama"},
    "ab_std": {"en": "± std", "tr": "± std"},
    "ab_delta": {"en": "Δ vs baseline", "tr": "baseline'a göre Δ"},
    "ab_delta_std": {"en": "Δ spread", "tr": "Δ yayılımı"},
    "ab_beyond": {"en": "Beyond seed spread", "tr": "Seed yayılımını aşıyor"},
    "ab_yes": {"en": "yes", "tr": "evet"},
    "ab_no": {"en": "no", "tr": "hayır"},
    "ab_latency": {"en": "Latency (ms)", "tr": "Latency (ms)"},
    "ab_change": {"en": "Change", "tr": "Değişiklik"},
    "ab_evidence": {
        "en": "{experiment} ({change}) against the baseline, {pairs} paired seeds: Δ {metric} = {delta} ± {spread:.1f} "
              "(AP × 100; baseline {base:.1f} ± {base_std:.1f}). {verdict}",
        "tr": "{experiment} ({change}) baseline'a karşı, {pairs} eşli seed: Δ {metric} = {delta} ± {spread:.1f} "
              "(AP × 100; baseline {base:.1f} ± {base_std:.1f}). {verdict}"},
    "ab_verdict_up": {"en": "The gain exceeds the seed-to-seed spread.",
                      "tr": "Kazanç, seed'den seed'e yayılımı aşıyor."},
    "ab_verdict_down": {"en": "The loss exceeds the seed-to-seed spread.",
                        "tr": "Kayıp, seed'den seed'e yayılımı aşıyor."},
    "ab_no_results": {
        "en": "{experiment}: the book's committed ablation results (ablation/results/{name}.jsonl) are not on this "
              "machine; they come with the book's repository: clone it to see the measurement here.",
        "tr": "{experiment}: kitabın commit edilmiş ablation sonuçları (ablation/results/{name}.jsonl) bu makinede "
              "yok; kitabın deposuyla gelir: ölçümü burada görmek için depoyu klonla."},
    "ab_verdict_none": {"en": "The difference does not exceed the seed-to-seed spread: not shown by this ablation.",
                        "tr": "Fark, seed'den seed'e yayılımı aşmıyor: bu ablation bunu göstermedi."},
})


def _std(xs):
    return statistics.stdev(xs) if len(xs) > 1 else math.nan


def summarize(records, metric: str = "AP_small", baseline: str = "baseline", latency=None) -> list[dict]:
    """One row per experiment: ``n`` seeds, ``mean`` and ``std`` (sample std over seeds) of
    ``metric``; ``delta`` = mean over seeds of (experiment − baseline) *with the same seed*,
    ``delta_std`` its spread over those pairs, ``pairs`` how many seeds both have; ``beyond``:
    True when every paired difference has the same sign and ``|delta|`` exceeds both the
    baseline's and the experiment's seed std (nan std → False). Records of a configuration that
    was later changed (older ``config_hash``) are ignored: the latest hash per experiment wins.
    Values of ``nan`` (no ground truth in a size range) are left out of the means.
    ``latency``: ``{experiment: ms}`` measured together (:func:`~fpnlab.ablation.measure_plan`)
    instead of the median of the records' own ``latency_ms``.
    """
    if not isinstance(records, list):
        records = read_results(records)
    latest = {}
    for r in records:
        latest[r["experiment"]] = r["config_hash"]
    by_exp: dict[str, dict[int, dict]] = {}
    for r in records:
        if r["config_hash"] == latest[r["experiment"]]:
            by_exp.setdefault(r["experiment"], {})[r["seed"]] = r
    base = by_exp.get(baseline, {})
    base_vals = [r[metric] for r in base.values() if not _nan(r[metric])]
    rows = []
    for name, runs in by_exp.items():
        vals = [r[metric] for r in runs.values() if not _nan(r[metric])]
        pairs = [runs[s][metric] - base[s][metric] for s in runs if s in base
                 and not _nan(runs[s][metric]) and not _nan(base[s][metric])]
        mean, std = (statistics.fmean(vals) if vals else math.nan), _std(vals)
        delta = statistics.fmean(pairs) if pairs and name != baseline else math.nan
        spread = max(_std(base_vals), std)
        beyond = (name != baseline and len(pairs) >= 2 and not math.isnan(spread)
                  and (all(p > 0 for p in pairs) or all(p < 0 for p in pairs)) and abs(delta) > spread)
        first = next(iter(runs.values()))
        rows.append({"experiment": name, "change": first.get("change", {}), "n": len(vals), "mean": mean,
                     "std": std, "delta": delta, "delta_std": _std(pairs) if name != baseline else math.nan,
                     "pairs": len(pairs), "beyond": bool(beyond),
                     "latency_ms": (latency[name] if latency and name in latency
                                    else statistics.median(r["latency_ms"] for r in runs.values()))})
    rows.sort(key=lambda r: (r["experiment"] != baseline, r["experiment"]))
    return rows


def evidence(records, experiment: str, metric: str = "AP_small", baseline: str = "baseline",
             lang: str | None = None, scale: float = 100.0) -> str:
    """One sentence, in the reader's language, with what the ablation measured for ``experiment``:
    the paired Δ of ``metric`` to the baseline, its spread over seeds, the baseline's mean ± std,
    and the verdict of :func:`summarize` (``beyond``). A chapter that makes a claim prints this
    next to it, so the claim and its number cannot drift apart.
    """
    lang = lang or get_lang()
    rows = {r["experiment"]: r for r in summarize(records, metric, baseline)}
    if experiment not in rows or baseline not in rows:
        raise KeyError(f"no records of {experiment!r} and {baseline!r} in these results; "
                       f"experiments: {sorted(rows)}")
    r, b = rows[experiment], rows[baseline]
    spread = max(v for v in (b["std"], r["std"], 0.0) if not _nan(v))
    verdict = "ab_verdict_none" if not r["beyond"] else ("ab_verdict_up" if r["delta"] > 0 else "ab_verdict_down")
    change = ", ".join(f"{k}={v}" for k, v in r["change"].items())
    delta = ("+" if r["delta"] > 0 else "") + fmt_num(r["delta"] * scale, lang, 1)
    return _S("ab_evidence", lang, experiment=experiment, change=change, pairs=r["pairs"], metric=metric,
              delta=delta, spread=spread * scale, base=b["mean"] * scale, base_std=b["std"] * scale,
              verdict=_S(verdict, lang))


def book_evidence(experiment: str, metric: str = "AP_small", results: str = "part4", baseline: str = "baseline",
                  lang: str | None = None) -> str:
    """:func:`evidence` on the book's committed results (:func:`~fpnlab.ablation.book_results`).

    Where they are not on this machine (a chapter opened on its own), a sentence that says so and
    how to get them, instead of an error: the chapter still runs to its end.
    """
    from .runner import ResultsNotFoundError, book_results

    try:
        path = book_results(results)
    except ResultsNotFoundError:
        return _S("ab_no_results", lang or get_lang(), experiment=experiment, name=results)
    return evidence(_records(str(path), path.stat().st_mtime_ns), experiment, metric, baseline, lang)


@functools.lru_cache(maxsize=8)
def _records(path: str, mtime_ns: int) -> list:
    return read_results(path)  # read once per file version, however many claims a chapter checks


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def report_frame(records, metric: str = "AP_small", baseline: str = "baseline", lang: str | None = None,
                 scale: float = 100.0, latency=None):
    """:func:`summarize` as a DataFrame of strings in the reader's language (AP × ``scale``)."""
    import pandas as pd

    lang = lang or get_lang()
    rows = summarize(records, metric, baseline, latency)
    frame = pd.DataFrame({
        _S("ab_experiment", lang): [r["experiment"] for r in rows],
        _S("ab_change", lang): [", ".join(f"{k}={v}" for k, v in r["change"].items()) or "—" for r in rows],
        _S("ab_seeds", lang): [r["n"] for r in rows],
        _S("ab_mean", lang, metric=metric): [r["mean"] * scale for r in rows],
        _S("ab_std", lang): [r["std"] * scale for r in rows],
        _S("ab_delta", lang): [r["delta"] * scale for r in rows],
        _S("ab_delta_std", lang): [r["delta_std"] * scale for r in rows],
        _S("ab_beyond", lang): ["—" if r["experiment"] == baseline else _S("ab_yes" if r["beyond"] else "ab_no", lang)
                                for r in rows],
        _S("ab_latency", lang): [r["latency_ms"] for r in rows],
    })
    decimals = {c: 1 for c in frame.columns}
    decimals[_S("ab_seeds", lang)] = 0
    return fmt_frame(frame, lang, decimals=decimals).replace("nan", "—")


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
    """``metric`` against latency, one point per run, one colour per experiment (``latency``:
    ``{experiment: ms}`` measured together, instead of each record's own)."""
    import matplotlib.pyplot as plt

    if not isinstance(records, list):
        records = read_results(records)
    ax = ax or plt.subplots(figsize=(4.5, 3.2))[1]
    for name in dict.fromkeys(r["experiment"] for r in records):
        runs = [r for r in records if r["experiment"] == name]
        xs = [latency[name] if latency and name in latency else r["latency_ms"] for r in runs]
        ax.scatter(xs, [r[metric] * scale for r in runs], label=name)
    ax.set_xlabel(_S("ab_latency", lang or get_lang()))
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
    return ax
