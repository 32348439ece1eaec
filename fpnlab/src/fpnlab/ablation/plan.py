"""Ablation plans: a baseline configuration, seeds, and experiments that change one setting each.

A plan is a YAML file (or the same dict)::

    name: smoke
    seeds: [0, 1]
    baseline:
      data: {kind: context_shapes, size: 64, n_train: 64, n_val: 16}
      backbone: {name: tiny}
      neck: {name: fpn, width: 32, levels: [C2, C3, C4, C5]}
      head: {num_convs: 2}
      schedule: {steps: 20, batch_size: 8, lr: 0.003}
    experiments:
      - name: no_p2
        change: {neck.levels: [C3, C4, C5]}

Every experiment runs with every seed, on the same split, augmentation and schedule as the
baseline (which runs too, under the name ``baseline``). An experiment whose ``change`` touches
more than one setting is refused: one variable, one experiment.

**The same tuning budget for every arm** (optional ``tune`` section)::

    tune: {key: schedule.lr, values: [0.003, 0.006, 0.012], seeds: [0], metric: AP}

Every experiment — the baseline too — first trains once per value (and tuning seed) and is
scored on the **validation** split; each keeps the value with the best mean ``metric``. The final
runs (every seed of ``seeds``) use that value and are scored on a **test** split that tuning never
saw (``data.n_test`` images drawn from ``data.test_seed``), so a plan with ``tune`` needs one.

**Your own COCO folders** (``data: {kind: coco, train: DIR, val: DIR, size: 640}``, what
``python -m fpnlab design --out`` writes): a relative folder is read from the plan file's folder,
wherever the run starts; the configuration (and its hash) keeps the path as written, so a plan
and its results can move together.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from ..errors import FpnlabError, UnknownNameError
from ..i18n import Strings

METRICS = ("AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large", "AR100")

DEFAULTS = {
    "data": {"kind": "context_shapes", "size": 128, "n_train": 2000, "n_val": 200, "seed": 0,
             "val_seed": 1, "options": {}, "area_ranges": "scaled"},
    "backbone": {"name": "tiny", "widths": [16, 32, 64, 128]},
    "neck": {"name": "fpn", "width": 32, "levels": ["C2", "C3", "C4", "C5"]},
    "head": {"num_convs": 2, "norm": "gn"},
    "schedule": {"steps": 200, "batch_size": 16, "lr": 0.003},
    "measure": {"threads": 1, "latency_batch": 1},
}


# The keys each section may hold (a key outside these is a typo the runner would ignore).
# backbone keys and neck/data options are checked against the constructors they go to (runner).
SECTION_KEYS = {
    "data": {"kind", "size", "n_train", "n_val", "n_test", "seed", "val_seed", "test_seed", "options",
             "area_ranges", "train", "val", "test"},
    "neck": {"name", "width", "levels", "options"},
    "head": {"num_convs", "norm"},
    "schedule": {"steps", "batch_size", "lr"},
    "measure": {"threads", "latency_batch"},
}
TUNE_KEYS = {"key", "values", "seeds", "metric"}

# This module's own text, both languages side by side per key (the reader's language: fpnlab.set_lang).
_t = Strings({
    "pl_mapping": {"en": "{source}: a plan is a YAML mapping with baseline, seeds and experiments",
                   "tr": "{source}: plan; baseline, seeds ve experiments anahtarlarını içeren bir YAML eşlemesidir"},
    "pl_top": {"en": "{source}: unknown top-level key(s) {keys}; a plan has name, description, seeds, baseline and "
                     "experiments",
               "tr": "{source}: bilinmeyen üst düzey anahtar(lar) {keys}; bir planda name, description, seeds, "
                     "baseline ve experiments bulunur"},
    "pl_seeds": {"en": "{source}: seeds must list at least two different integers (e.g. [0, 1, 2, 3, 4]) so that every "
                       "difference can be compared with the seed-to-seed spread; a verdict needs at least three "
                       "paired seeds; got {seeds}",
                 "tr": "{source}: seeds en az iki farklı tam sayı listelemeli (ör. [0, 1, 2, 3, 4]); ancak o zaman her "
                       "fark seed'den seed'e yayılımla karşılaştırılabilir; bir sonuç için en az üç eşli seed gerekir; "
                       "verilen: {seeds}"},
    "pl_sections": {"en": "{source}: baseline has unknown section(s) {keys}; sections: {sections}",
                    "tr": "{source}: baseline'da bilinmeyen bölüm(ler) var: {keys}; bölümler: {sections}"},
    "pl_name": {"en": "{source}: experiments[{i:d}] needs a name",
                "tr": "{source}: experiments[{i:d}] için bir name gerekli"},
    "pl_twice": {"en": "{source}: experiment name {name} is used twice (baseline is reserved)",
                 "tr": "{source}: {name} deney adı iki kez kullanılmış (baseline ayrılmış bir addır)"},
    "pl_change": {"en": "{source}: experiment {name} needs a change: one dotted key and its value, e.g. "
                        "change: {{neck.name: none}}",
                  "tr": "{source}: {name} deneyinin bir change'i olmalı: noktalı tek bir anahtar ve değeri, ör. "
                        "change: {{neck.name: none}}"},
    "pl_two": {"en": "{source}: experiment {name} changes {n:d} settings ({keys}); one variable, one experiment — "
                     "split it into {n:d} experiments",
               "tr": "{source}: {name} deneyi {n:d} ayarı birden değiştiriyor ({keys}); bir deney, bir değişken: "
                     "onu {n:d} deneye böl"},
    "pl_key": {"en": "{source}: experiment {name} changes {setting}, which the baseline does not have; keys look like "
                     "neck.levels or schedule.steps",
               "tr": "{source}: {name} deneyi {setting} ayarını değiştiriyor, ama baseline'da böyle bir ayar yok; "
                     "anahtarlar neck.levels ya da schedule.steps gibi yazılır"},
    "pl_section_key": {"en": "{source}: {section} has unknown key(s) {keys}; it takes {allowed}",
                       "tr": "{source}: {section} bölümünde bilinmeyen anahtar(lar) var: {keys}; alabileceği anahtarlar: "
                             "{allowed}"},
    "pl_tune": {"en": "{source}: tune needs key (a dotted setting, e.g. schedule.lr), values (at least two), seeds "
                      "(a list of integers) and metric (one of {metrics}); got {tune}",
                "tr": "{source}: tune için key (noktalı bir ayar, ör. schedule.lr), values (en az iki değer), seeds "
                      "(tam sayı listesi) ve metric ({metrics} içinden biri) gerekli; verilen: {tune}"},
    "pl_tune_test": {"en": "{source}: tune picks each arm's {setting} on the validation split, so the final numbers need a "
                           "split tuning never saw: give data.n_test (and data.test_seed, different from seed and "
                           "val_seed)",
                     "tr": "{source}: tune her kolun {setting} değerini doğrulama kümesinde seçer; son sayılar için tuning'in "
                           "hiç görmediği bir küme gerekir: data.n_test (ve seed ile val_seed'den farklı bir "
                           "data.test_seed) ver"},
    "pl_tune_change": {"en": "{source}: experiment {name} changes {setting}, the setting tune chooses for every arm; "
                             "leave it to tune or remove tune",
                       "tr": "{source}: {name} deneyi {setting} ayarını değiştiriyor, ama bu ayarı her kol için tune seçiyor; "
                             "onu tune'a bırak ya da tune'u kaldır"},
    "pl_same": {"en": "{source}: experiment {name} sets {setting} to {value}, the baseline's value already",
                "tr": "{source}: {name} deneyi {setting} ayarını {value} yapıyor, ama bu zaten baseline'ın değeri"},
})


class PlanError(FpnlabError, ValueError):
    """An ablation plan is malformed; the message names the key and the fix."""


class PlanNameError(PlanError, UnknownNameError):
    """A plan names something the runner does not know (``neck.name``, ``data.kind``): both the
    plan's error and :class:`fpnlab.errors.UnknownNameError`, like every unknown name in fpnlab."""


def _merge(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def get_dotted(config: Mapping, key: str):
    node = config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def set_dotted(config: dict, key: str, value) -> dict:
    """A copy of ``config`` with the dotted ``key`` (``"neck.levels"``) set to ``value``."""
    out = copy.deepcopy(config)
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)
    return out


def config_hash(config: Mapping) -> str:
    """First 12 hex digits of the SHA-256 of the configuration as sorted JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]


def load_plan(plan) -> dict:
    """Read and check a plan (path to YAML, or a dict). Returns ``{"name", "seeds", "baseline",
    "experiments": [{"name", "change", "config"}]}`` with the defaults filled in; the first
    experiment is the baseline itself. Raises :class:`PlanError` naming what is wrong."""
    source = "plan"
    if not isinstance(plan, Mapping):
        import yaml

        source = str(plan)
        with open(plan, encoding="utf-8") as f:
            plan = yaml.safe_load(f)
        if not isinstance(plan, Mapping):
            raise PlanError(_t("pl_mapping", source=source))
    unknown = set(plan) - {"name", "description", "seeds", "baseline", "experiments", "tune"}
    if unknown:
        raise PlanError(_t("pl_top", source=source, keys=str(sorted(unknown))))
    seeds = plan.get("seeds")
    if (not isinstance(seeds, list) or len(set(seeds)) < 2
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)):
        raise PlanError(_t("pl_seeds", source=source, seeds=repr(seeds)))
    base_over = plan.get("baseline") or {}
    unknown = set(base_over) - set(DEFAULTS)
    if unknown:
        raise PlanError(_t("pl_sections", source=source, keys=str(sorted(unknown)),
                                   sections=str(sorted(DEFAULTS))))
    baseline = _merge(DEFAULTS, base_over)
    for section, allowed in SECTION_KEYS.items():
        unknown = set(baseline[section]) - allowed
        if unknown:
            raise PlanError(_t("pl_section_key", source=source, section=section, keys=str(sorted(unknown)),
                               allowed=", ".join(sorted(allowed))))
    tune = _check_tune(plan.get("tune"), baseline, source)
    experiments = [{"name": "baseline", "change": {}, "config": baseline}]
    names = {"baseline"}
    for i, exp in enumerate(plan.get("experiments") or []):
        name = exp.get("name") if isinstance(exp, Mapping) else None
        if not isinstance(name, str) or not name:
            raise PlanError(_t("pl_name", source=source, i=i))
        if name in names:
            raise PlanError(_t("pl_twice", source=source, name=repr(name)))
        names.add(name)
        change = exp.get("change")
        if not isinstance(change, Mapping) or not change:
            raise PlanError(_t("pl_change", source=source, name=repr(name)))
        if len(change) > 1:
            raise PlanError(_t("pl_two", source=source, name=repr(name), n=len(change),
                               keys=", ".join(sorted(change))))
        (key, value), = change.items()
        try:
            old = get_dotted(baseline, key)
        except KeyError:
            raise PlanError(_t("pl_key", source=source, name=repr(name), setting=repr(key))) from None
        if old == value:
            raise PlanError(_t("pl_same", source=source, name=repr(name), setting=key, value=repr(value)))
        if tune and key == tune["key"]:
            raise PlanError(_t("pl_tune_change", source=source, name=repr(name), setting=key))

        experiments.append({"name": name, "change": {key: value}, "config": set_dotted(baseline, key, value)})
    out = {"name": plan.get("name", Path(source).stem), "seeds": list(seeds), "baseline": baseline,
           "experiments": experiments, "tune": tune}
    if source != "plan":  # relative data folders are read from the plan file's folder (not hashed)
        out["base_dir"] = str(Path(source).resolve().parent)
    return out


def _check_tune(tune, baseline: dict, source: str):
    if tune is None:
        return None
    ok = (isinstance(tune, Mapping) and set(tune) <= TUNE_KEYS and isinstance(tune.get("key"), str)
          and isinstance(tune.get("values"), list) and len(tune["values"]) >= 2
          and len({json.dumps(v, sort_keys=True) for v in tune["values"]}) == len(tune["values"])
          and isinstance(tune.get("seeds"), list) and tune["seeds"]
          and all(isinstance(s, int) and not isinstance(s, bool) for s in tune["seeds"])
          and tune.get("metric", "AP") in METRICS)
    if ok:
        try:
            get_dotted(baseline, tune["key"])
        except KeyError:
            ok = False
    if not ok:
        raise PlanError(_t("pl_tune", source=source, metrics=", ".join(METRICS), tune=repr(tune)))
    data = baseline["data"]
    if not data.get("n_test") and not data.get("test"):
        raise PlanError(_t("pl_tune_test", source=source, setting=tune["key"]))
    if data.get("kind") != "coco" and data.get("test_seed", 2) in (data["seed"], data["val_seed"]):
        raise PlanError(_t("pl_tune_test", source=source, setting=tune["key"]))
    return {"metric": "AP", **copy.deepcopy(dict(tune))}


def test_split(config: Mapping) -> str:
    """The split a final run is scored on: ``"test"`` when the data has one, else ``"val"``."""
    data = config["data"]
    return "test" if data.get("n_test") or data.get("test") else "val"


def _job(e: dict, seed: int, config: dict, phase: str, split: str, base_dir=None, **extra) -> dict:
    job = {"experiment": e["name"], "seed": seed, "config": config, "change": e["change"],
           "config_hash": config_hash(config), "phase": phase, "split": split, **extra}
    if base_dir is not None:  # where relative data folders are read from; not part of the hash
        job["base_dir"] = base_dir
    return job


def tune_jobs(plan: dict) -> list[dict]:
    """The tuning runs of a loaded plan: every experiment × every value × every tuning seed,
    scored on the validation split (empty without a ``tune`` section)."""
    tune = plan.get("tune")
    if not tune:
        return []
    return [_job(e, s, set_dotted(e["config"], tune["key"], v), "tune", "val", plan.get("base_dir"), tune_value=v)
            for e in plan["experiments"] for v in tune["values"] for s in tune["seeds"]]


def choose(plan: dict, records: list) -> dict:
    """``{experiment: {"key", "value", "metric", "scores"}}`` for every experiment whose tuning
    runs are all in ``records``: the value with the best mean validation ``metric`` (the first
    listed wins a tie). Without a ``tune`` section: ``{}``."""
    tune = plan.get("tune")
    if not tune:
        return {}
    done = {(r["experiment"], r["seed"], r["config_hash"]): r for r in records if r.get("phase") == "tune"}
    out = {}
    for e in plan["experiments"]:
        scores = {}
        for v in tune["values"]:
            runs = [done.get((e["name"], s, config_hash(set_dotted(e["config"], tune["key"], v))))
                    for s in tune["seeds"]]
            if any(r is None for r in runs):
                break
            scores[json.dumps(v)] = sum(r[tune["metric"]] for r in runs) / len(runs)
        else:
            best = max(tune["values"], key=lambda v: (scores[json.dumps(v)], -tune["values"].index(v)))
            out[e["name"]] = {"key": tune["key"], "value": best, "metric": tune["metric"], "split": "val",
                              "scores": scores}
    return out


def jobs(plan: dict, choices: dict | None = None) -> list[dict]:
    """The runs of a loaded plan, as independent jobs (dicts with ``experiment``, ``seed``,
    ``config``, ``change``, ``config_hash``, ``phase`` and the ``split`` they are scored on).

    Without ``tune``: every (experiment, seed), phase ``"final"``. With ``tune``: the tuning
    runs (:func:`tune_jobs`), then the final runs of every experiment whose choice is in
    ``choices`` (:func:`choose`), with the chosen value.
    """
    if not plan.get("tune"):
        return [_job(e, s, e["config"], "final", test_split(e["config"]), plan.get("base_dir"))
                for e in plan["experiments"] for s in plan["seeds"]]
    choices = choices or {}
    out = tune_jobs(plan)
    for e in plan["experiments"]:
        if e["name"] in choices:
            c = choices[e["name"]]
            config = set_dotted(e["config"], c["key"], c["value"])
            out += [_job(e, s, config, "final", test_split(config), plan.get("base_dir"), tuned=c)
                    for s in plan["seeds"]]
    return out
