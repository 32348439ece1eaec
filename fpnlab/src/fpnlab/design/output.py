"""What :func:`fpnlab.design.design` writes to ``--out`` and runs there.

- ``data/train`` and ``data/val``: the annotation files the plan reads (a seeded 80/20 split of the
  reader's images, or their own ``--val``), each image's ``file_name`` relative to its folder so
  the images stay where they are;
- ``plan.yaml``: the proposal as the baseline, its nearest alternatives as experiments (one change
  each); it loads with :func:`fpnlab.ablation.load_plan` unchanged;
- ``report.md`` with ``sizes.png`` (object sizes at the input size, the stride boundaries drawn on
  it) and ``budget.png`` (every candidate's latency and memory, the budget lines), in the reader's
  language; after ``run``: pre-flight and the verdict.

Everything is written to a temporary folder first and moved into ``out`` only when all of it is
written, so an error leaves ``out`` as it was.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..arguments import check_int
from ..errors import ArgumentError
from ..i18n import Strings, fmt_num, get_lang
from ..levels import level_name
from .candidates import budget_text
from .coverage import CANDIDATE_STRIDES, MIN_CELLS, coverage_table, scaled_sides

SPLIT_SEED = 0
VAL_SHARE = 0.2

_t = Strings({
    "title": {"en": "# Design for {name}", "tr": "# {name} için tasarım"},
    "intro": {"en": "Made by `{command}` (fpnlab {version}). Every number below was computed from the data or measured on this machine ({cpu}); each section names the chapter its step comes from.",
              "tr": "`{command}` ile üretildi (fpnlab {version}). Aşağıdaki her sayı veriden hesaplandı ya da bu makinede ölçüldü ({cpu}); her başlık, adımının geldiği bölümü söyler."},
    "s_data": {"en": "## 1. The data (chapter 10)", "tr": "## 1. Veri (10. bölüm)"},
    "data_line": {"en": "{images} images, {objects} objects, {classes} classes; by COCO's areas {small} small, {medium} medium, {large} large ({crowd} crowd annotations left out).",
                  "tr": "{images} görüntü, {objects} nesne, {classes} sınıf; COCO alanlarına göre {small} küçük, {medium} orta, {large} büyük ({crowd} crowd annotation dışarıda)."},
    "sizes_caption": {"en": "Shorter box side at input {size:d} (letterboxed). A dashed line at {cells} × stride marks where each level starts to take objects: an object goes to the coarsest level of which it covers {cells} cells.",
                      "tr": "Girdi {size:d}'te (letterbox) kutunun kısa kenarı. {cells} × stride'daki kesikli çizgi, her seviyenin nesne almaya başladığı yeri gösterir: nesne, {cells} hücresini kapladığı en kaba seviyeye gider."},
    "s_coverage": {"en": "## 2. Coverage per stride (chapter 11)", "tr": "## 2. Stride başına kapsama (11. bölüm)"},
    "coverage_note": {"en": "Positive cell: the expected share of the level's objects that get at least one cell centre inside the box (the anchor-free counterpart of AutoAnchor's best possible recall). Too small: objects under {cells} cells even at stride 4.",
                      "tr": "Pozitif hücre: seviyedeki nesnelerden kutusunun içine en az bir hücre merkezi düşmesi beklenenlerin payı (AutoAnchor'ın best possible recall'unun anchor'suz karşılığı). Çok küçük: stride 4'te bile {cells} hücrenin altında kalan nesneler."},
    "s_candidates": {"en": "## 3. Candidates under the budget (chapter 9)", "tr": "## 3. Bütçedeki adaylar (9. bölüm)"},
    "cand_line": {"en": "Budget: {budget}. {n:d} candidates, each built untrained and timed here at input {size:d}, batch 1, {threads:d} thread(s) on {device} (median of interleaved rounds); memory: the activations alive at once.",
                  "tr": "Bütçe: {budget}. {n:d} aday; her biri eğitilmeden kuruldu ve burada girdi {size:d}, batch 1, {device} üzerinde {threads:d} thread ile ölçüldü (iç içe turların medyanı); bellek: aynı anda canlı aktivasyonlar."},
    "h_candidate": {"en": "candidate", "tr": "aday"},
    "h_latency": {"en": "latency (ms)", "tr": "latency (ms)"},
    "h_memory": {"en": "memory (MiB)", "tr": "bellek (MiB)"},
    "h_params": {"en": "parameters (M)", "tr": "parametre (M)"},
    "h_gflops": {"en": "GFLOPs", "tr": "GFLOPs"},
    "h_verdict": {"en": "budget", "tr": "bütçe"},
    "fits": {"en": "fits", "tr": "sığıyor"},
    "proposal_mark": {"en": "**proposal**", "tr": "**öneri**"},
    "budget_caption": {"en": "Every candidate's latency and memory on this machine; the proposal is circled, dashed lines are the budget.",
                       "tr": "Her adayın bu makinedeki latency'si ve belleği; öneri daire içinde, kesikli çizgiler bütçe."},
    "s_proposal": {"en": "## 4. The proposal", "tr": "## 4. Öneri"},
    "s_plan": {"en": "## 5. The plan that would confirm it (chapter 15)", "tr": "## 5. Öneriyi doğrulayacak plan (15. bölüm)"},
    "plan_line": {"en": "`plan.yaml`: the proposal is the baseline; each experiment changes one setting; {seeds:d} seeds. Run it (resumable) with", "tr": "`plan.yaml`: öneri baseline'dır; her deney tek bir ayarı değiştirir; {seeds:d} seed. Çalıştırmak için (kaldığı yerden devam eder):"},
    "data_split": {"en": "Data: a seeded split of the reader's images ({train} train, {val} validation; seed {seed:d}) in `data/`.",
                   "tr": "Veri: okurun görüntülerinin seed'li bir bölünmesi ({train} eğitim, {val} doğrulama; seed {seed:d}), `data/` içinde."},
    "data_val": {"en": "Data: all {train} images for training, the reader's own validation set ({val} images) for the scores.",
                 "tr": "Veri: eğitim için {train} görüntünün hepsi, skorlar için okurun kendi doğrulama kümesi ({val} görüntü)."},
    "h_experiment": {"en": "experiment", "tr": "deney"},
    "h_change": {"en": "change", "tr": "değişiklik"},
    "left_out": {"en": "Alternatives over the budget are not in the plan: {names}.",
                 "tr": "Bütçeyi aşan alternatifler plana alınmadı: {names}."},
    "s_preflight": {"en": "## 6. Pre-flight of the proposal (chapter 14)", "tr": "## 6. Önerinin pre-flight'ı (14. bölüm)"},
    "preflight_stop": {"en": "A check failed: the ablation was not started. Fix what the table names, then run again.",
                       "tr": "Bir kontrol başarısız oldu: ablation başlatılmadı. Tablonun gösterdiğini düzelt, sonra yeniden çalıştır."},
    "s_verdict": {"en": "## 7. What the ablation showed", "tr": "## 7. Ablation'ın gösterdiği"},
    "verdict_line": {"en": "× 100 on the {split} split, {n:d} seeds: each experiment's Δ to the proposal paired by seed, its 95 % confidence interval, the Holm-adjusted p of the paired t-test. The verdict below reads {metric}; the size tables show where the differences are.",
                     "tr": "{split} bölümünde × 100, {n:d} seed: her deneyin öneriye göre seed'e göre eşlenmiş Δ'sı, %95 güven aralığı, eşli t-testinin Holm ile düzeltilmiş p'si. Aşağıdaki sonuç {metric}'ye bakar; boyut tabloları farkların nerede olduğunu gösterir."},
    "confirmed": {"en": "**The proposal is not beaten by any alternative** in this setting: no experiment is higher after Holm's correction. That is not a proof that the proposal is better — a \"not shown\" means this ablation cannot tell the two apart; more seeds or steps narrow the intervals.",
                  "tr": "**Öneriyi hiçbir alternatif geçemedi** bu ayarda: Holm düzeltmesinden sonra hiçbir deney daha yüksek değil. Bu, önerinin daha iyi olduğunun kanıtı değil — \"gösterilmedi\", bu ablation'ın ikisini ayırt edemediği anlamına gelir; daha çok seed ya da adım aralıkları daraltır."},
    "beaten": {"en": "**Alternative {name} did better** ({change}: Δ {delta} [{lo}, {hi}], p {p}): use it, and design again from there.",
               "tr": "**{name} alternatifi daha iyi çıktı** ({change}: Δ {delta} [{lo}, {hi}], p {p}): onu kullan ve oradan yeniden tasarla."},
    "few": {"en": "Too few finished runs for a verdict yet ({n:d} of {total:d}); run the same command again to finish them.",
            "tr": "Bir sonuç için henüz çok az koşu bitti ({n:d} / {total:d}); bitirmek için aynı komutu yeniden çalıştır."},
    "split_small": {"en": "design: a split needs at least 2 images with objects; the data have {n:d}. Fix: give your own validation set with --val.",
                    "tr": "design: bölünme için nesne içeren en az 2 görüntü gerekir; veride {n:d} tane var. Düzeltme: kendi doğrulama kümeni --val ile ver."},
    "need_images": {"en": "design --run: {n:d} image file(s) of {split} are missing, e.g. {first}. Fix: give the folder the file names are relative to with --images DIR.",
                    "tr": "design --run: {split} için {n:d} görüntü dosyası eksik, ör. {first}. Düzeltme: dosya adlarının göreli olduğu klasörü --images DIR ile ver."},
    "need_file": {"en": "design: writing the plan needs the data as a file (a dict has no images to train on). Fix: save it as annotations.json next to the images and pass the path.",
                  "tr": "design: planı yazmak için veri bir dosya olmalı (bir dict'in eğitilecek görüntüleri yok). Düzeltme: onu görüntülerin yanına annotations.json olarak kaydet ve yolunu ver."},
    "x_objects": {"en": "objects", "tr": "nesne"},
    "x_side": {"en": "shorter side at input {size:d} (px)", "tr": "girdi {size:d}'te kısa kenar (px)"},
})


# ---------------------------------------------------------------- data split

def _read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _relinked(coco: dict, image_ids, images_root: Path, split_dir: Path) -> dict:
    """The images ``image_ids`` of ``coco`` and their annotations, each ``file_name`` rewritten
    relative to ``split_dir`` (where the split's annotations.json will be)."""
    keep = set(image_ids)
    out = {k: v for k, v in coco.items() if k not in ("images", "annotations")}
    out["images"] = []
    for im in coco["images"]:
        if im["id"] in keep:
            im = dict(im)
            im["file_name"] = os.path.relpath(Path(images_root).resolve() / im["file_name"], split_dir.resolve())
            out["images"].append(im)
    out["annotations"] = [a for a in coco["annotations"] if a["image_id"] in keep]
    return out


def split_data(d, out: Path, final: Path) -> dict:
    """Write ``out/data/train`` and ``out/data/val`` (annotations relinked to the images where they
    are, as seen from ``final``, the folder the files will end up in); returns the counts."""
    ann, images, val = d.source.get("annotations"), d.source.get("images"), d.source.get("val")
    if ann is None:
        raise ArgumentError(_t("need_file"))
    coco = _read(ann)
    images = Path(images) if images is not None else Path(ann).parent
    parts = {}
    if val is not None:
        vcoco = val if isinstance(val, dict) else _read(val)
        parts["train"] = (coco, [im["id"] for im in coco["images"]], images)
        parts["val"] = (vcoco, [im["id"] for im in vcoco["images"]], Path(val).parent)
    else:
        with_objects = sorted({a["image_id"] for a in coco["annotations"]})
        if len(with_objects) < 2:
            raise ArgumentError(_t("split_small", n=len(with_objects)))
        ids = sorted(im["id"] for im in coco["images"])
        rng = np.random.default_rng(SPLIT_SEED)
        order = [ids[i] for i in rng.permutation(len(ids))]
        n_val = max(1, round(VAL_SHARE * len(ids)))
        val_ids = order[:n_val]
        if not any(i in set(with_objects) for i in val_ids):  # a validation set needs objects to score
            val_ids[0] = next(i for i in order if i in set(with_objects))
        parts["val"] = (coco, val_ids, images)
        parts["train"] = (coco, [i for i in ids if i not in set(val_ids)], images)
    counts = {}
    for split, (source, ids, root) in parts.items():
        folder = out / "data" / split
        folder.mkdir(parents=True)
        data = _relinked(source, ids, root, final / "data" / split)
        (folder / "annotations.json").write_text(json.dumps(data), encoding="utf-8")
        counts[split] = len(data["images"])
    return counts


# ---------------------------------------------------------------- plan

def plan_dict(d, seeds: int = 5, schedule: dict | None = None, data: dict | None = None) -> dict:
    """The plan of :meth:`Design.plan`."""
    seeds = check_int("seeds", seeds, 3, where="design")
    p = d.proposal
    baseline = copy.deepcopy(p.config)
    baseline["data"] = data or {"kind": "coco", "train": "data/train", "val": "data/val", "size": d.input_size}
    baseline["measure"] = {"threads": 1, "latency_batch": 1}  # the ablation's own timing: one thread per run
    if schedule:
        baseline["schedule"] = dict(schedule)
    return {"name": "design", "description": f"fpnlab design: proposal {p.name('en')}", "seeds": list(range(seeds)),
            "baseline": baseline,
            "experiments": [{"name": e["name"], "change": e["change"]} for e in d.experiments]}


# ---------------------------------------------------------------- figures

def plot_sizes(d, path: Path, lang: str | None = None) -> None:
    """Histogram of the shorter sides at the input size, the stride boundaries drawn on it."""
    lang = lang or get_lang()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    short, _ = scaled_sides(d.stats, d.input_size)
    short = short[short > 0]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    lo, hi = max(0.5, float(short.min()) / 1.2), float(short.max()) * 1.2
    ax.hist(short, bins=np.geomspace(lo, hi, 40), color="#4c78a8")
    ax.set_xscale("log")
    for s in CANDIDATE_STRIDES:
        x = MIN_CELLS * s
        if lo < x < hi:
            ax.axvline(x, color="#e45756", linestyle="--", linewidth=1)
            ax.text(x, ax.get_ylim()[1] * 0.95, f" {level_name(s)}", color="#e45756", va="top", fontsize=8)
    ax.set_xlabel(_t("x_side", lang, size=d.input_size))
    ax.set_ylabel(_t("x_objects", lang))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_budget(d, path: Path, lang: str | None = None) -> None:
    """Every candidate's latency against its memory; the proposal circled; the budget lines."""
    lang = lang or get_lang()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    markers = {"fpn": "o", "panet": "s", "bifpn": "^", "yolopan": "D"}
    for c in d.candidates:
        ax.scatter(c.latency_ms, c.peak_mib, marker=markers.get(c.neck, "o"),
                   color="#4c78a8" if c.fits else "#bab0ac", s=28)
    p = d.proposal
    ax.scatter(p.latency_ms, p.peak_mib, s=220, facecolors="none", edgecolors="#e45756", linewidths=2)
    if d.budget_ms is not None:
        ax.axvline(d.budget_ms, color="#e45756", linestyle="--")
    if d.budget_mb is not None:
        ax.axhline(d.budget_mb, color="#e45756", linestyle="--")
    for neck, m in markers.items():
        if any(c.neck == neck for c in d.candidates):
            ax.scatter([], [], marker=m, color="#4c78a8", label=neck)
    ax.legend(fontsize=8)
    ax.set_xlabel(_t("h_latency", lang))
    ax.set_ylabel(_t("h_memory", lang))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- report

def _md_table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def candidates_frame(d, lang: str | None = None):
    """Every candidate, fastest first, with the reader's headers: latency (ms), memory (MiB),
    parameters (M), GFLOPs and the budget's verdict (the proposal marked) — the report's table as a
    pandas DataFrame of strings in the reader's number format."""
    import pandas as pd

    lang = lang or get_lang()
    rows = []
    for c in sorted(d.candidates, key=lambda c: c.latency_ms):
        verdict = _t("proposal_mark", lang) if c is d.proposal else (_t("fits", lang) if c.fits else "; ".join(c.over))
        rows.append([c.name(lang), fmt_num(c.latency_ms, lang, 1), fmt_num(c.peak_mib, lang, 2),
                     fmt_num(c.params / 1e6, lang, 3), fmt_num(c.gflops, lang, 3), verdict])
    return pd.DataFrame(rows, columns=[_t(k, lang) for k in ("h_candidate", "h_latency", "h_memory", "h_params",
                                                            "h_gflops", "h_verdict")])


def experiments_frame(d, lang: str | None = None):
    """The plan's experiments: name, the one change, and the measured latency and memory."""
    import pandas as pd

    lang = lang or get_lang()
    return pd.DataFrame([[e["name"], json.dumps(e["change"]), fmt_num(e["candidate"].latency_ms, lang, 1),
                          fmt_num(e["candidate"].peak_mib, lang, 2)] for e in d.experiments],
                        columns=[_t(k, lang) for k in ("h_experiment", "h_change", "h_latency", "h_memory")])


def command(d, seeds: int) -> str:
    """The command line that makes this design (what the report says it was made by)."""
    src = d.source
    parts = ["python -m fpnlab design", str(src.get("annotations") or "DATA")]
    if src.get("images") is not None and src.get("annotations") is not None \
            and Path(src["images"]) != Path(src["annotations"]).parent:
        parts += ["--images", str(src["images"])]
    if src.get("val") is not None:
        parts += ["--val", str(src["val"])]
    parts += ["--input-size", str(d.input_size)]
    if d.budget_ms is not None:
        parts += ["--budget-ms", f"{d.budget_ms:g}"]
    if d.budget_mb is not None:
        parts += ["--budget-mb", f"{d.budget_mb:g}"]
    if seeds != 5:
        parts += ["--seeds", str(seeds)]
    return " ".join(parts)


def report_text(d, seeds: int, counts: dict | None, lang: str | None = None, preflight=None, records=None,
                metric: str = "AP", total: int | None = None) -> str:
    """``report.md``'s text."""
    lang = lang or get_lang()
    from .. import __version__
    from ..ablation.runner import cpu_model

    s = d.stats
    name = Path(d.source["annotations"]).parent.name if d.source.get("annotations") else "data"
    out = [_t("title", lang, name=name), "",
           _t("intro", lang, command=command(d, seeds), version=__version__, cpu=cpu_model()), "",
           _t("s_data", lang), "",
           _t("data_line", lang, images=fmt_num(s.n_images, lang), objects=fmt_num(s.n_objects, lang),
              classes=fmt_num(len(s.class_counts), lang), crowd=fmt_num(s.n_crowd, lang),
              **{k: fmt_num(v, lang) for k, v in s.size_counts.items()}), ""]
    out += [f"- {n}" for n in s.notes_in(lang) + d.notes] + ([""] if s.notes_in(lang) or d.notes else [])
    out += ["![sizes](sizes.png)", "", _t("sizes_caption", lang, size=d.input_size, cells=fmt_num(MIN_CELLS, lang)), "",
            _t("s_coverage", lang), "", "```", coverage_table(d.coverage, lang), "```", "",
            _t("coverage_note", lang, cells=fmt_num(MIN_CELLS, lang)), ""]
    out += [f"- {r}" for r in d.reasons] + [""]
    out += [_t("s_candidates", lang), "",
            _t("cand_line", lang, budget=budget_text(d.budget_ms, d.budget_mb, lang), n=len(d.candidates),
               size=d.input_size, threads=d.threads, device=d.device), ""]
    frame = candidates_frame(d, lang)
    out += [_md_table(list(frame.columns), frame.values.tolist()), "", "![budget](budget.png)", "", _t("budget_caption", lang), "",
            _t("s_proposal", lang), "", f"**{d.proposal.name(lang)}**", ""]
    out += [f"- {r}" for r in d.choices] + [""]
    out += [_t("s_plan", lang), "", _t("plan_line", lang, seeds=seeds), "",
            "```", "python -m fpnlab.ablation run plan.yaml --out results.jsonl", "```", ""]
    if counts:
        key = "data_val" if d.source.get("val") is not None else "data_split"
        out += [_t(key, lang, train=fmt_num(counts["train"], lang), val=fmt_num(counts["val"], lang), seed=SPLIT_SEED), ""]
    frame = experiments_frame(d, lang)
    out += [_md_table(list(frame.columns), [[n, f"`{c}`", ms, mib] for n, c, ms, mib in frame.values.tolist()]), ""]
    over = [c.name(lang) for c in d.candidates if not c.fits and _is_neighbour(d, c)]
    if over:
        out += [_t("left_out", lang, names=", ".join(over)), ""]
    if preflight is not None:
        out += [_t("s_preflight", lang), "", "```", preflight.table(lang), "```", ""]
        if not preflight.ok:
            out += [_t("preflight_stop", lang), ""]
    if records is not None:
        out += verdict_section(records, metric, lang, total)
    return "\n".join(out)


def _is_neighbour(d, c) -> bool:
    p = d.proposal
    return sum((c.strides != p.strides, c.neck != p.neck, c.scale != p.scale)) == 1


def verdict_section(records, metric: str = "AP", lang: str | None = None, total: int | None = None) -> list[str]:
    """The last section of the report: the ablation's table and whether it confirmed the proposal."""
    lang = lang or get_lang()
    from ..ablation import summarize
    from ..ablation.report import fmt_p, report_frame
    from ..ablation.runner import final_runs

    out = [_t("s_verdict", lang), ""]
    finals = final_runs(records)
    rows = summarize(finals, metric) if finals else []
    done = sum(1 for r in rows if r["verdict"] not in (None, "too few seeds"))
    if not rows or done == 0:
        return out + [_t("few", lang, n=len(finals), total=total or len(finals)), ""]
    seeds = max(r["n"] for r in rows)
    split = finals[0].get("split", "val")
    out += [_t("verdict_line", lang, metric=metric, split=split, n=seeds), ""]
    for m in dict.fromkeys((metric, "AP_small", "AP_medium", "AP_large")):  # the decision's metric, then by size
        out += [f"**{m}**", "", "```", report_frame(finals, m, lang=lang).to_string(index=False), "```", ""]
    better = [r for r in rows if r["verdict"] == "higher"]
    if better:
        b = max(better, key=lambda r: r["delta"])
        out.append(_t("beaten", lang, name=b["experiment"], change=json.dumps(b["change"]),
                      delta=fmt_num(100 * b["delta"], lang, 2), lo=fmt_num(100 * b["ci"][0], lang, 2),
                      hi=fmt_num(100 * b["ci"][1], lang, 2), p=fmt_p(b["p_adjusted"], lang)))
    else:
        out.append(_t("confirmed", lang))
    return out + [""]


# ---------------------------------------------------------------- write and run

def _publish(tmp: Path, out: Path) -> None:
    """Move every file of ``tmp`` into ``out`` (replacing files of the same name; ``data/`` as a
    whole), then remove ``tmp``."""
    out.mkdir(parents=True, exist_ok=True)
    for item in tmp.iterdir():
        target = out / item.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(item, target)
    shutil.rmtree(tmp, ignore_errors=True)


def write(d, out, seeds: int = 5, schedule: dict | None = None, lang: str | None = None, preflight=None,
          records=None, metric: str = "AP", total: int | None = None) -> Path:
    """:meth:`Design.write`; ``preflight`` and ``records`` add the sections :func:`run` adds."""
    import yaml

    from ..ablation import load_plan

    lang = lang or get_lang()
    seeds = check_int("seeds", seeds, 3, where="design")
    out = Path(out)
    final = out.resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        counts = split_data(d, tmp, final)
        plan = plan_dict(d, seeds, schedule)
        (tmp / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True, default_flow_style=None), encoding="utf-8")
        load_plan(tmp / "plan.yaml")  # what is written loads unchanged
        plot_sizes(d, tmp / "sizes.png", lang)
        plot_budget(d, tmp / "budget.png", lang)
        (tmp / "report.md").write_text(report_text(d, seeds, counts, lang, preflight, records, metric, total) + "\n",
                                       encoding="utf-8")
        _publish(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def check_images(d) -> None:
    """Every image the run would read exists (the training data's and ``--val``'s), else an
    :class:`~fpnlab.errors.ArgumentError` naming how many are missing, the first, and the fix."""
    ann, images, val = d.source.get("annotations"), d.source.get("images"), d.source.get("val")
    if ann is None:
        raise ArgumentError(_t("need_file"))
    roots = [("train", ann, Path(images) if images is not None else Path(ann).parent)]
    if val is not None:
        roots.append(("val", val, Path(val).parent))
    for split, path, root in roots:
        missing = [im["file_name"] for im in _read(path)["images"] if not (root / im["file_name"]).exists()]
        if missing:
            raise ArgumentError(_t("need_images", n=len(missing), split=split, first=str(root / missing[0])))


def run(d, out, device: str = "cpu", workers: int = 1, backend: str = "local", seeds: int = 5,
        schedule: dict | None = None, metric: str = "AP", lang: str | None = None, progress: bool = True):
    """:meth:`Design.run`."""
    import torch

    from .. import ablation
    from ..data import coco_loader
    from ..preflight import preflight as preflight_check

    lang = lang or get_lang()
    out = Path(out)
    check_images(d)  # before anything is written
    write(d, out, seeds, schedule, lang)  # a resumed run rewrites the same plan and split; results.jsonl stays
    plan = ablation.load_plan(out / "plan.yaml")
    cfg = plan["baseline"]
    train = ablation.make_split(cfg["data"], "train", plan["base_dir"])
    torch.manual_seed(0)
    model = ablation.make_detector(cfg, len(train.classes))
    check = preflight_check(model, coco_loader(train, batch_size=min(8, len(train))), lang=lang)
    if not check.ok:
        write(d, out, seeds, schedule, lang, preflight=check)
        return check, None
    ablation.run(out / "plan.yaml", out / "results.jsonl", device=device, workers=workers, backend=backend,
                 progress=progress)
    records = ablation.read_results(out / "results.jsonl")
    total = len(plan["experiments"]) * len(plan["seeds"])
    write(d, out, seeds, schedule, lang, preflight=check, records=records, metric=metric, total=total)
    return check, records


__all__ = ["candidates_frame", "check_images", "command", "experiments_frame", "plan_dict", "plot_budget", "plot_sizes", "report_text", "run", "split_data", "verdict_section",
           "write"]
