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
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from ..i18n import Strings

DEFAULTS = {
    "data": {"kind": "context_shapes", "size": 128, "n_train": 2000, "n_val": 200, "seed": 0,
             "val_seed": 1, "options": {}, "area_ranges": "scaled"},
    "backbone": {"name": "tiny", "widths": [16, 32, 64, 128]},
    "neck": {"name": "fpn", "width": 32, "levels": ["C2", "C3", "C4", "C5"]},
    "head": {"num_convs": 2, "norm": "gn"},
    "schedule": {"steps": 200, "batch_size": 16, "lr": 0.003},
    "measure": {"threads": 1, "latency_batch": 1},
}


# This module's own text, both languages side by side per key (the reader's language: fpnlab.set_lang).
_S = Strings({
    "pl_mapping": {"en": "{source}: a plan is a YAML mapping with baseline, seeds and experiments",
                   "tr": "{source}: plan; baseline, seeds ve experiments anahtarlarını içeren bir YAML eşlemesidir"},
    "pl_top": {"en": "{source}: unknown top-level key(s) {keys}; a plan has name, description, seeds, baseline and "
                     "experiments",
               "tr": "{source}: bilinmeyen üst düzey anahtar(lar) {keys}; bir planda name, description, seeds, "
                     "baseline ve experiments bulunur"},
    "pl_seeds": {"en": "{source}: seeds must list at least two different integers (e.g. [0, 1]) so that every "
                       "difference can be compared with the seed-to-seed spread; got {seeds}",
                 "tr": "{source}: seeds en az iki farklı tam sayı listelemeli (ör. [0, 1]); ancak o zaman her fark "
                       "seed'den seed'e yayılımla karşılaştırılabilir; verilen: {seeds}"},
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
    "pl_same": {"en": "{source}: experiment {name} sets {setting} to {value}, the baseline's value already",
                "tr": "{source}: {name} deneyi {setting} ayarını {value} yapıyor, ama bu zaten baseline'ın değeri"},
})


class PlanError(ValueError):
    """An ablation plan is malformed; the message names the key and the fix."""


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
            raise PlanError(_S("pl_mapping", source=source))
    unknown = set(plan) - {"name", "description", "seeds", "baseline", "experiments"}
    if unknown:
        raise PlanError(_S("pl_top", source=source, keys=str(sorted(unknown))))
    seeds = plan.get("seeds")
    if (not isinstance(seeds, list) or len(set(seeds)) < 2
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)):
        raise PlanError(_S("pl_seeds", source=source, seeds=repr(seeds)))
    base_over = plan.get("baseline") or {}
    unknown = set(base_over) - set(DEFAULTS)
    if unknown:
        raise PlanError(_S("pl_sections", source=source, keys=str(sorted(unknown)),
                                   sections=str(sorted(DEFAULTS))))
    baseline = _merge(DEFAULTS, base_over)
    experiments = [{"name": "baseline", "change": {}, "config": baseline}]
    names = {"baseline"}
    for i, exp in enumerate(plan.get("experiments") or []):
        name = exp.get("name") if isinstance(exp, Mapping) else None
        if not isinstance(name, str) or not name:
            raise PlanError(_S("pl_name", source=source, i=i))
        if name in names:
            raise PlanError(_S("pl_twice", source=source, name=repr(name)))
        names.add(name)
        change = exp.get("change")
        if not isinstance(change, Mapping) or not change:
            raise PlanError(_S("pl_change", source=source, name=repr(name)))
        if len(change) > 1:
            raise PlanError(_S("pl_two", source=source, name=repr(name), n=len(change),
                               keys=", ".join(sorted(change))))
        (key, value), = change.items()
        try:
            old = get_dotted(baseline, key)
        except KeyError:
            raise PlanError(_S("pl_key", source=source, name=repr(name), setting=repr(key))) from None
        if old == value:
            raise PlanError(_S("pl_same", source=source, name=repr(name), setting=key, value=repr(value)))
        experiments.append({"name": name, "change": {key: value}, "config": set_dotted(baseline, key, value)})
    return {"name": plan.get("name", Path(source).stem), "seeds": list(seeds), "baseline": baseline,
            "experiments": experiments}


def jobs(plan: dict) -> list[dict]:
    """Every (experiment, seed) of a loaded plan, as independent jobs."""
    return [{"experiment": e["name"], "seed": s, "config": e["config"], "change": e["change"],
             "config_hash": config_hash(e["config"])} for e in plan["experiments"] for s in plan["seeds"]]
