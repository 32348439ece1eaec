"""Candidates under the budget: stride plans × necks × backbone scales, each built as the ablation
builds it (:func:`fpnlab.ablation.make_detector`), timed on this machine at the input size
(:func:`fpnlab.ablation.measure_configs`: the library's latency helper in interleaved rounds,
activation memory op by op), and the proposal chosen among those within the budget — each choice
with its reason.

The stride plans are the proposed levels and their nearest alternative (:func:`level_alternative`:
drop P2, add the next finer level, or drop the finest of four). The backbone is YOLOv8's at the
scales of :data:`SCALES`, its five step strides set so its four stages end at the coarsest level
needed (:func:`backbone_strides`), so one backbone serves the proposal and its alternative and
the plan changes one setting per experiment.

>>> [level_range(p) for p in stride_plans((4, 8, 16))]
['P2–P4', 'P3–P5']
>>> backbone_strides((16, 32, 64))
[2, 4, 2, 2, 2]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..arguments import check_number
from ..errors import FpnlabError
from ..i18n import Strings, fmt_num, fmt_pct
from ..levels import level_name

#: backbone scales: YOLOv8's ``(width, depth)`` multiples (``n`` is ``(0.25, 0.33)``)
SCALES = {"base": (0.25, 0.33), "narrow": (0.125, 0.33), "wide": (0.5, 0.33), "deep": (0.25, 0.67)}
#: the necks a candidate may use (YOLOPAN only over P3–P5)
NECK_CHOICES = ("fpn", "panet", "bifpn", "yolopan")
#: necks with a bottom-up path (chapter 5): what a wide spread of sizes or a crowded set asks for
BOTTOM_UP = ("panet", "bifpn", "yolopan")
NECK_WIDTH = 64      # every neck level's channels (YOLOv8n's P3)

_t = Strings({
    "scale_base": {"en": "×1", "tr": "×1"},
    "scale_narrow": {"en": "width ×½", "tr": "genişlik ×½"},
    "scale_wide": {"en": "width ×2", "tr": "genişlik ×2"},
    "scale_deep": {"en": "depth ×2", "tr": "derinlik ×2"},
    "none_fits": {
        "en": "design: no candidate fits the budget ({budget}). The cheapest, {name}, takes {ms} ms and {mb} MiB at input {size:d} on this machine ({threads:d} thread(s)). Fix: relax the budget to at least {need}, or lower --input-size.",
        "tr": "design: bütçeye ({budget}) sığan aday yok. En ucuzu, {name}, bu makinede girdi {size:d}'te ({threads:d} thread) {ms} ms ve {mb} MiB tutuyor. Düzeltme: bütçeyi en az {need} olacak şekilde gevşet ya da --input-size'ı düşür."},
    "budget_ms": {"en": "latency ≤ {x} ms", "tr": "latency ≤ {x} ms"},
    "budget_mb": {"en": "memory ≤ {x} MiB", "tr": "bellek ≤ {x} MiB"},
    "no_budget": {"en": "no budget given", "tr": "bütçe verilmedi"},
    "need_ms": {"en": "{x} ms", "tr": "{x} ms"},
    "need_mb": {"en": "{x} MiB", "tr": "{x} MiB"},
    "over_ms": {"en": "latency {x} ms > {b} ms", "tr": "latency {x} ms > {b} ms"},
    "over_mb": {"en": "memory {x} MiB > {b} MiB", "tr": "bellek {x} MiB > {b} MiB"},
    "plan_over": {
        "en": "The {plan} plan the coverage asks for does not fit the budget: its cheapest candidate, {name}, takes {ms} ms and {mb} MiB ({budget}). The proposal uses {alt} instead; the objects its levels would have served go to the nearest kept level.",
        "tr": "Kapsamanın istediği {plan} planı bütçeye sığmıyor: en ucuz adayı {name}, {ms} ms ve {mb} MiB tutuyor ({budget}). Öneri onun yerine {alt} kullanır; o seviyelerin taşıyacağı nesneler en yakın tutulan seviyeye gider."},
    "scale_kept": {
        "en": "Backbone ×1 (YOLOv8n: widths {widths}, depths {depths}): the statistics give no reason to prefer a narrower, wider or deeper backbone; the other scales that fit are the plan's experiments.",
        "tr": "Backbone ×1 (YOLOv8n: genişlikler {widths}, derinlikler {depths}): istatistikler daha dar, daha geniş ya da daha derin bir backbone'u öne çıkarmak için neden vermiyor; bütçeye sığan diğer ölçekler planın deneyleridir."},
    "scale_budget": {
        "en": "Backbone {scale}: ×1 does not fit the budget ({why}); {scale} is the largest scale that does.",
        "tr": "Backbone {scale}: ×1 bütçeye sığmıyor ({why}); sığan en büyük ölçek {scale}."},
    "neck_fastest": {
        "en": "Neck {neck}: {hint} The statistics do not rank the necks, so the proposal takes the one with the fewest FLOPs that fits at these levels ({gflops} GFLOPs, {ms} ms here) — FLOPs do not depend on the machine, so the same data give the same proposal everywhere; the plan swaps in each other neck and the ablation decides.",
        "tr": "Neck {neck}: {hint} İstatistikler neck'leri sıralamıyor; bu yüzden öneri bu seviyelerde bütçeye sığan en az FLOPs'lu neck'i alır ({gflops} GFLOPs, burada {ms} ms) — FLOPs makineye bağlı değildir, aynı veri her yerde aynı öneriyi verir; plan diğer her neck'i dener, kararı ablation verir."},
    "neck_bottom_up": {
        "en": "Neck {neck}: {hint} The proposal takes the neck with a bottom-up path and the fewest FLOPs that fits ({gflops} GFLOPs, {ms} ms here); the plan swaps in each other neck and the ablation decides.",
        "tr": "Neck {neck}: {hint} Öneri, bütçeye sığan ve bottom-up yolu olan en az FLOPs'lu neck'i alır ({gflops} GFLOPs, burada {ms} ms); plan diğer her neck'i dener, kararı ablation verir."},
    "fed": {
        "en": "{name} (stride {stride:d}) added, holding {share}: YOLOv8's backbone ends at stride 32 and every stage must feed a level (a stage that feeds none gets no gradient — chapter 14's check — and still costs time).",
        "tr": "{name} (stride {stride:d}) eklendi, taşıdığı pay {share}: YOLOv8'in backbone'u stride 32'de biter ve her stage bir seviyeyi beslemeli (hiçbirini beslemeyen stage gradient almaz — 14. bölümün kontrolü — ama yine de zaman harcar)."},
    "yolopan_na": {
        "en": "YOLOPAN is not a candidate for {plan}: it takes C3, C4 and C5 only.",
        "tr": "YOLOPAN, {plan} için aday değil: yalnızca C3, C4 ve C5 alır."},
})


class BudgetError(FpnlabError, ValueError):
    """No candidate fits ``budget_ms`` / ``budget_mb``; the message names the cheapest one's cost
    and what to relax."""


def level_range(strides) -> str:
    """``(8, 16, 32)`` → ``"P3–P5"``."""
    return f"{level_name(strides[0])}–{level_name(strides[-1])}"


def level_alternative(strides) -> tuple[str, tuple[int, ...]]:
    """The nearest other stride plan and its experiment name: without P2 when the plan has it
    (kept at three levels by the next coarser one), else with the next finer level added (three
    levels) or without the finest (four levels)."""
    s = tuple(strides)
    if s[0] == 4:
        return "no_p2", (s[1:] if len(s) >= 4 else s[1:] + (2 * s[-1],))
    if len(s) < 4:
        return f"add_{level_name(s[0] // 2).lower()}", (s[0] // 2,) + s
    return f"no_{level_name(s[0]).lower()}", s[1:]


def fed_levels(strides) -> tuple[int, ...]:
    """``strides`` extended on the coarse side to stride 32, where YOLOv8's backbone ends: every
    backbone stage must feed a level (a stage that feeds none gets no gradient — chapter 14's
    gradient check fails on it — and still costs its time).

    >>> fed_levels((4, 8, 16)), fed_levels((8, 16, 32))
    ((4, 8, 16, 32), (8, 16, 32))
    """
    s = tuple(strides)
    while s[-1] < 32:
        s = s + (2 * s[-1],)
    return s


def fed_reason(stride: int, share: float, lang: str | None = None) -> str:
    """Why :func:`fed_levels` added the level at ``stride`` (which holds ``share`` of the objects)."""
    return _t("fed", lang, name=level_name(stride), stride=stride, share=fmt_pct(share, lang))


def stride_plans(strides) -> list[tuple[int, ...]]:
    """The proposed plan and its alternative (:func:`level_alternative`)."""
    return [tuple(strides), level_alternative(strides)[1]]


def backbone_strides(strides) -> list[int]:
    """YOLOBackbone's five step strides whose four stages end at ``max(32, coarsest level)``:
    ``(2, 2, 2, 2, 2)`` → C2–C5, ``(2, 4, 2, 2, 2)`` → C3–C6, ``(2, 8, 2, 2, 2)`` → C4–C7. Every
    plan of :func:`stride_plans` is inside that range (at most four consecutive levels)."""
    top = max(32, max(strides))
    return [2, top // 16, 2, 2, 2]


def scale_widths(scale: str) -> tuple[list[int], list[int]]:
    """``(widths, depths)`` of the backbone at ``scale`` (a key of :data:`SCALES`)."""
    from ..backbones import yolov8_plan

    w, d = SCALES[scale]
    return yolov8_plan("n", width=w, depth=d)


def model_config(strides, neck: str, scale: str, channels: int = NECK_WIDTH, backbone_top=None) -> dict:
    """The ``backbone``, ``neck`` and ``head`` sections of an ablation plan for one candidate."""
    widths, depths = scale_widths(scale)
    return {"backbone": {"name": "yolo", "widths": widths, "depths": depths,
                         "strides": backbone_strides(backbone_top or strides)},
            "neck": {"name": neck, "width": channels, "levels": [level_name(s, "C") for s in strides]},
            "head": {"num_convs": 2, "norm": "gn"}}


@dataclass
class Candidate:
    """One design: ``strides`` of its levels, ``neck``, backbone ``scale``; its ``config`` (plan
    sections) and what this machine measured: ``latency_ms`` (batch 1), ``peak_mib`` (activation
    memory), ``params``, ``gflops``; ``over``: why it is ruled out (empty: it fits)."""

    strides: tuple
    neck: str
    scale: str
    config: dict
    latency_ms: float = math.nan
    peak_mib: float = math.nan
    params: int = 0
    gflops: float = math.nan
    over: list = field(default_factory=list)

    def name(self, lang: str | None = None) -> str:
        return f"{level_range(self.strides)} · {self.neck} · {_t('scale_' + self.scale, lang)}"

    @property
    def fits(self) -> bool:
        return not self.over


#: the scales every stride plan × neck is measured at (the budget may need the narrow one); the
#: others are measured for the proposal's plan and neck only (they are its experiments)
FIRST_SCALES = ("base", "narrow")


def make_candidates(strides, necks=NECK_CHOICES, scales=FIRST_SCALES, channels: int = NECK_WIDTH,
                    plans=None) -> list[Candidate]:
    """Every stride plan (default :func:`stride_plans`) × neck × scale (YOLOPAN only over P3–P5),
    not yet measured; every backbone ends where the plans of ``strides`` need it to."""
    all_plans = stride_plans(strides)
    top = max(max(p) for p in all_plans)
    out = []
    for plan in plans or all_plans:
        for neck in necks:
            if neck == "yolopan" and tuple(plan) != (8, 16, 32):
                continue
            for scale in scales:
                out.append(Candidate(tuple(plan), neck, scale, model_config(plan, neck, scale, channels, (top,))))
    return out


def measure_candidates(cands: list[Candidate], input_size: int, device: str = "cpu", threads: int = 1,
                       progress: bool = False, rounds: int = 2, number: int = 2) -> list[Candidate]:
    """Fill in every candidate's numbers, measured together in this process (untrained models:
    latency and memory depend on the architecture, not on the weights)."""
    from tqdm.auto import tqdm

    from ..ablation import load_plan, measure_configs

    configs = {}
    for i, c in enumerate(cands):
        cfg = load_plan({"seeds": [0, 1], "baseline": {**c.config, "measure": {"threads": threads}}})["baseline"]
        configs[str(i)] = cfg
    with tqdm(total=len(cands), desc="design: candidates", disable=not progress, leave=False) as bar:
        numbers = measure_configs(configs, input_size, device, threads, rounds=rounds, number=number,
                                  progress=lambda _: bar.update())
    for i, c in enumerate(cands):
        m = numbers[str(i)]
        c.latency_ms, c.peak_mib = m["latency_ms"], m["peak_mem_bytes"] / 2**20
        c.params, c.gflops = m["params"], m["flops"] / 1e9
    return cands


def budget_text(budget_ms, budget_mb, lang: str | None = None) -> str:
    parts = ([_t("budget_ms", lang, x=fmt_num(budget_ms, lang))] if budget_ms is not None else []) + \
            ([_t("budget_mb", lang, x=fmt_num(budget_mb, lang))] if budget_mb is not None else [])
    return ", ".join(parts) or _t("no_budget", lang)


def apply_budget(cands: list[Candidate], budget_ms=None, budget_mb=None, input_size: int = 640, threads: int = 1,
                 lang: str | None = None, need_one: bool = True) -> list[Candidate]:
    """Mark the candidates over ``budget_ms`` / ``budget_mb`` (``over`` lists the numbers); raise
    :class:`BudgetError` when none fits (and ``need_one``)."""
    if budget_ms is not None:
        budget_ms = check_number("budget_ms", budget_ms, 0, strict=True, where="design")
    if budget_mb is not None:
        budget_mb = check_number("budget_mb", budget_mb, 0, strict=True, where="design")
    for c in cands:
        c.over = []
        if budget_ms is not None and c.latency_ms > budget_ms:
            c.over.append(_t("over_ms", lang, x=fmt_num(c.latency_ms, lang, 1), b=fmt_num(budget_ms, lang)))
        if budget_mb is not None and c.peak_mib > budget_mb:
            c.over.append(_t("over_mb", lang, x=fmt_num(c.peak_mib, lang, 1), b=fmt_num(budget_mb, lang)))
    if need_one and cands and not any(c.fits for c in cands):
        def excess(c):
            return max(c.latency_ms / budget_ms if budget_ms else 0, c.peak_mib / budget_mb if budget_mb else 0)
        cheap = min(cands, key=excess)
        need = ", ".join(([_t("need_ms", lang, x=fmt_num(cheap.latency_ms, lang, 1))] if budget_ms else [])
                         + ([_t("need_mb", lang, x=fmt_num(cheap.peak_mib, lang, 1))] if budget_mb else []))
        raise BudgetError(_t("none_fits", lang, budget=budget_text(budget_ms, budget_mb, lang), name=cheap.name(lang),
                             ms=fmt_num(cheap.latency_ms, lang, 1), mb=fmt_num(cheap.peak_mib, lang, 1),
                             size=input_size, threads=threads, need=need))
    return cands


def choose(cands: list[Candidate], strides, fusion_hint, budget_ms=None, budget_mb=None,
           lang: str | None = None) -> tuple[Candidate, list[str]]:
    """The proposal among the candidates that fit, and the reasons: the data's stride plan when a
    candidate of it fits (else its alternative, said); backbone ×1 unless the budget rules it out
    (then the largest scale that fits); the neck with the fewest FLOPs that fits (machine-independent:
    the same data give the same proposal, and the same plan, everywhere) — with a bottom-up path
    when chapter 10's fusion hint (:func:`fpnlab.datastats.hints.fusion_hint`) asks for one."""
    fit = [c for c in cands if c.fits]
    strides = tuple(strides)
    reasons = []
    plan = strides if any(c.strides == strides for c in fit) else fit[0].strides
    if plan != strides:
        cheapest = min((c for c in cands if c.strides == strides), key=lambda c: c.latency_ms)
        reasons.append(_t("plan_over", lang, plan=level_range(strides), name=cheapest.name(lang),
                          ms=fmt_num(cheapest.latency_ms, lang, 1), mb=fmt_num(cheapest.peak_mib, lang, 1),
                          budget=budget_text(budget_ms, budget_mb, lang), alt=level_range(plan)))
    here = [c for c in fit if c.strides == plan]
    order = [s for s in ("base", "narrow", "deep", "wide") if any(c.scale == s for c in here)]
    scale = order[0]
    if scale == "base":
        widths, depths = scale_widths("base")
        reasons.append(_t("scale_kept", lang, widths=widths, depths=depths))
    else:
        base = [c for c in cands if c.strides == plan and c.scale == "base"]
        why = "; ".join(min(base, key=lambda c: c.latency_ms).over) if base else ""
        reasons.append(_t("scale_budget", lang, scale=_t("scale_" + scale, lang), why=why))
    here = [c for c in here if c.scale == scale]
    strong = fusion_hint.key == "fusion_strong"
    pool = [c for c in here if c.neck in BOTTOM_UP] if strong else here
    best = min(pool or here, key=lambda c: (c.gflops, NECK_CHOICES.index(c.neck)))
    key = "neck_bottom_up" if strong and pool else "neck_fastest"
    reasons.append(_t(key, lang, neck=best.neck, hint=fusion_hint.message, ms=fmt_num(best.latency_ms, lang, 1),
                      gflops=fmt_num(best.gflops, lang, 3)))
    if plan != (8, 16, 32) and "yolopan" in NECK_CHOICES:
        reasons.append(_t("yolopan_na", lang, plan=level_range(plan)))
    return best, reasons


def experiments(proposal: Candidate, cands: list[Candidate], lang: str | None = None) -> list[dict]:
    """The plan's experiments: the proposal's nearest alternatives that fit the budget, one change
    each — the other stride plan (``neck.levels``), each other neck, each backbone scale that
    differs in widths or depths only. ``[{"name", "change", "candidate"}]``."""
    out = []
    fit = [c for c in cands if c.fits]
    p = proposal
    for c in fit:
        if c is p:
            continue
        pb, cb = p.config["backbone"], c.config["backbone"]
        if c.neck == p.neck and c.scale == p.scale and c.strides != p.strides:
            name, _ = level_alternative(p.strides)
            if c.strides != level_alternative(p.strides)[1]:  # the proposal is the alternative: name the way back
                name = "levels_" + level_range(c.strides).replace("–", "_").lower()
            out.append({"name": name, "change": {"neck.levels": c.config["neck"]["levels"]}, "candidate": c})
        elif c.strides == p.strides and c.scale == p.scale and c.neck != p.neck:
            out.append({"name": f"neck_{c.neck}", "change": {"neck.name": c.neck}, "candidate": c})
        elif c.strides == p.strides and c.neck == p.neck and c.scale != p.scale:
            diff = [k for k in ("widths", "depths") if pb[k] != cb[k]]
            if len(diff) == 1:
                out.append({"name": f"backbone_{c.scale}", "change": {f"backbone.{diff[0]}": cb[diff[0]]},
                            "candidate": c})
    return out


__all__ = ["BOTTOM_UP", "BudgetError", "Candidate", "FIRST_SCALES", "NECK_CHOICES", "NECK_WIDTH", "SCALES", "apply_budget",
           "backbone_strides", "budget_text", "choose", "experiments", "fed_levels", "fed_reason", "level_alternative",
           "level_range",
           "make_candidates", "measure_candidates", "model_config", "scale_widths", "stride_plans"]
