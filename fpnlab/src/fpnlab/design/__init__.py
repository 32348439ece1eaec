"""The book's whole method as one call on the reader's own COCO data (chapter 16): read the data
(chapter 10), measure how the objects cover each candidate stride at the training input size and
propose the levels (chapter 11), time the candidate designs on this machine and keep those within
the budget (chapter 9), propose one with every choice's reason, write the ablation plan that would
confirm it (chapter 15) and the report, and — with ``run`` — pre-flight it (chapter 14) and run the
ablation.

- :mod:`.coverage`: coverage per stride and the proposed levels;
- :mod:`.candidates`: the candidates, the budget and the proposal;
- :mod:`.output`: the data split, ``plan.yaml``, ``report.md`` and its figures.

>>> coco = {"images": [{"id": 1, "width": 640, "height": 640}], "categories": [{"id": 1, "name": "dot"}],
...         "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, "bbox": [8 * i, 8, 10, 10]}
...                         for i in range(40)] + [{"id": 41, "image_id": 1, "category_id": 1,
...                                                 "bbox": [100, 100, 300, 300]}]}
>>> d = design(coco, input_size=640, measure=False)
>>> [lv.name for lv in d.levels]  # 40 dots of 10 px: P2, widened to three levels, then to the backbone's P5
['P2', 'P3', 'P4', 'P5']
>>> d.coverage[0].stride, d.coverage[0].objects
(4, 40)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..arguments import check_choice, check_int
from ..errors import ArgumentError
from ..i18n import Strings, fmt_num, get_lang
from ..levels import Level, level_name
from .candidates import (NECK_CHOICES, NECK_WIDTH, SCALES, BudgetError, Candidate, apply_budget, choose, experiments,
                         fed_levels, fed_reason, level_range, make_candidates, measure_candidates)
from .coverage import (CANDIDATE_STRIDES, MAX_LEVELS, MIN_CELLS, MIN_LEVELS, MIN_SHARE, StrideCoverage, coverage,
                       coverage_table, propose_levels, scaled_sides)

_t = Strings({
    "step_read": {"en": "Read: {images} images, {objects} objects, {classes} classes ({small} small, {medium} medium, {large} large by COCO's areas).",
                  "tr": "Okundu: {images} görüntü, {objects} nesne, {classes} sınıf (COCO alanlarına göre {small} küçük, {medium} orta, {large} büyük)."},
    "step_levels": {"en": "Coverage at input {size:d}: the data ask for {levels}.",
                    "tr": "Girdi {size:d}'te kapsama: veri {levels} istiyor."},
    "step_candidates": {"en": "Candidates: {n:d} measured on this machine ({threads:d} thread(s), batch 1), {fit:d} within the budget ({budget}).",
                        "tr": "Adaylar: {n:d} aday bu makinede ölçüldü ({threads:d} thread, batch 1), {fit:d} tanesi bütçede ({budget})."},
    "step_proposal": {"en": "Proposal: {name} — {ms} ms, {mb} MiB, {params} M parameters.",
                      "tr": "Öneri: {name} — {ms} ms, {mb} MiB, {params} M parametre."},
    "proposal_levels": {"en": "Proposal: levels {levels}.", "tr": "Öneri: {levels} seviyeleri."},
    "no_images": {"en": "No image files found under {dir}: pixel statistics are skipped, and --run needs the images (give --images DIR).",
                  "tr": "{dir} altında görüntü dosyası bulunamadı: piksel istatistikleri atlandı; --run için görüntüler gerekir (--images DIR ver)."},
    "not_found": {"en": "design: {path} does not exist. Fix: give a COCO JSON file or a folder holding annotations.json.",
                  "tr": "design: {path} yok. Düzeltme: bir COCO JSON dosyası ya da annotations.json içeren bir klasör ver."},
    "no_ann": {"en": "design: the folder {path} holds no annotations.json. Fix: give the COCO JSON file itself, or put it in the folder as annotations.json.",
               "tr": "design: {path} klasöründe annotations.json yok. Düzeltme: COCO JSON dosyasının kendisini ver ya da onu klasöre annotations.json adıyla koy."},
    "not_measured": {"en": "design: the candidates were not measured (measure=False), so there is no proposal to write or run. Fix: call design(..., measure=True).",
                     "tr": "design: adaylar ölçülmedi (measure=False); yazılacak ya da çalıştırılacak bir öneri yok. Düzeltme: design(..., measure=True) çağır."},
})


def _annotation_path(data, what: str = "data"):
    """``data`` as a path to a COCO JSON file (a folder → its ``annotations.json``), or the dict."""
    if not isinstance(data, (str, os.PathLike)):
        return data
    path = Path(data)
    if not path.exists():
        raise ArgumentError(_t("not_found", path=str(path)))
    if path.is_dir():
        if not (path / "annotations.json").exists():
            raise ArgumentError(_t("no_ann", path=str(path)))
        path = path / "annotations.json"
    return path


@dataclass
class Design:
    """What :func:`design` found and proposes.

    ``stats`` (:class:`fpnlab.datastats.DatasetStats`), ``coverage`` (one
    :class:`~.coverage.StrideCoverage` per candidate stride), ``levels`` and ``reasons`` (what the
    data ask for, each reason citing its number and threshold), ``candidates`` (measured, ``over``
    the budget or not), ``proposal`` and ``choices`` (its reasons), ``experiments`` (the plan's
    alternatives, one change each), the budget and where the data are."""

    stats: object
    input_size: int
    coverage: list[StrideCoverage]
    levels: list[Level]
    reasons: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    proposal: Candidate | None = None
    choices: list[str] = field(default_factory=list)
    experiments: list[dict] = field(default_factory=list)
    budget_ms: float | None = None
    budget_mb: float | None = None
    threads: int = 1
    device: str = "cpu"
    source: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, lang: str | None = None) -> str:
        """The coverage table as text, in the reader's language."""
        return coverage_table(self.coverage, lang)

    def candidates_frame(self, lang: str | None = None):
        """The measured candidates, fastest first, with the reader's headers (the report's table)."""
        from .output import candidates_frame

        self._need_proposal()
        return candidates_frame(self, lang)

    def experiments_frame(self, lang: str | None = None):
        """The plan's experiments: name, the one change, measured latency and memory."""
        from .output import experiments_frame

        self._need_proposal()
        return experiments_frame(self, lang)

    def summary(self, lang: str | None = None) -> str:
        """The coverage table, the reasons, the proposal and its choices, as text."""
        lines = [self.table(lang), "", *self.reasons, ""]
        if self.proposal is None:
            lines.append(_t("proposal_levels", lang, levels=level_range([lv.stride for lv in self.levels])))
        else:
            p = self.proposal
            lines += [_t("step_proposal", lang, name=p.name(lang), ms=fmt_num(p.latency_ms, lang, 1),
                         mb=fmt_num(p.peak_mib, lang, 1), params=fmt_num(p.params / 1e6, lang, 2)), *self.choices]
        return "\n".join(lines + self.notes)

    def __str__(self) -> str:
        return self.summary()

    def plan(self, seeds: int = 5, schedule: dict | None = None, data: dict | None = None) -> dict:
        """The ablation plan (a dict :func:`fpnlab.ablation.load_plan` reads): the proposal as the
        baseline, :attr:`experiments` as its experiments, ``seeds`` seeds."""
        from .output import plan_dict

        self._need_proposal()
        return plan_dict(self, seeds, schedule, data)

    def write(self, out, seeds: int = 5, schedule: dict | None = None, lang: str | None = None) -> Path:
        """Write ``plan.yaml``, the data split it reads, ``report.md`` and its figures to ``out``
        (all or nothing); returns ``out``."""
        from .output import write

        self._need_proposal()
        return write(self, out, seeds, schedule, lang)

    def run(self, out, device: str = "cpu", workers: int = 1, backend: str = "local", seeds: int = 5,
            schedule: dict | None = None, metric: str = "AP", lang: str | None = None, progress: bool = True):
        """:meth:`write`, then pre-flight the proposal (stops with the report when a check fails),
        then run the ablation (resumable: finished runs in ``out/results.jsonl`` are kept) and add
        the verdict to ``report.md``. Returns the :class:`fpnlab.preflight.PreflightReport` and the
        records (``None`` when pre-flight stopped it)."""
        from .output import run

        self._need_proposal()
        return run(self, out, device, workers, backend, seeds, schedule, metric, lang, progress)

    def _need_proposal(self) -> None:
        if self.proposal is None:
            raise ArgumentError(_t("not_measured"))


def design(data, images=None, val=None, input_size: int = 640, budget_ms: float | None = None,
           budget_mb: float | None = None, device: str = "cpu", min_share: float = MIN_SHARE,
           min_cells: float = MIN_CELLS, channels: int = NECK_WIDTH, necks=NECK_CHOICES, scales=tuple(SCALES),
           threads: int | None = None, measure: bool = True, progress: bool = False, verbose: bool = False,
           lang: str | None = None) -> Design:
    """The method of chapters 9–15 on ``data`` (a COCO dict, a COCO JSON file, or a folder holding
    ``annotations.json`` and the images).

    ``images``: the folder the images' ``file_name`` are relative to (default: the annotation
    file's folder); ``val``: the reader's own validation set (same forms as ``data``; default: a
    seeded 80/20 split written next to the plan). ``input_size``: the training input size
    (letterboxed). ``budget_ms`` / ``budget_mb``: the latency (batch 1, ``threads`` threads on
    ``device``; default: every thread torch uses here) and activation memory a design may take; none fitting raises
    :class:`~.candidates.BudgetError` naming the cheapest. ``necks`` / ``scales``: the candidates'
    necks (:data:`~.candidates.NECK_CHOICES`) and backbone scales (:data:`~.candidates.SCALES`):
    every stride plan × neck is measured at the ×1 and ×½ scales, the other scales for the
    proposal's plan and neck (they are its experiments).
    ``measure=False`` stops after the levels (no candidates, no proposal to write). ``verbose``
    prints each step's finding; ``progress`` shows tqdm bars.

    The data are checked by the one COCO validator (:func:`fpnlab.coco.check_coco`, through
    :func:`fpnlab.datastats.dataset_stats`): a malformed file raises
    :class:`fpnlab.coco.CocoFormatError` naming the field and the fix."""
    from ..ablation.runner import _check_device
    from ..datastats import dataset_stats
    from ..datastats.hints import fusion_hint

    input_size = check_int("input_size", input_size, where="design")
    channels = check_int("channels", channels, where="design")
    import torch

    threads = torch.get_num_threads() if threads is None else check_int("threads", threads, where="design")
    _check_device(device, "design")
    for n in necks:
        check_choice("necks", n, NECK_CHOICES, where="design")
    for s in scales:
        check_choice("scales", s, tuple(SCALES), where="design")
    lang = lang or get_lang()
    say = print if verbose else (lambda *a: None)
    ann = _annotation_path(data)
    val = _annotation_path(val) if val is not None else None
    if images is None and isinstance(ann, Path):
        images = ann.parent
    stats = dataset_stats(ann, images)
    notes = []
    if images is not None and not any((Path(images) / im).exists() for im in _file_names(ann)):
        notes.append(_t("no_images", lang, dir=str(images)))
    say(_t("step_read", lang, images=fmt_num(stats.n_images, lang), objects=fmt_num(stats.n_objects, lang),
           classes=fmt_num(len(stats.class_counts), lang), **{k: fmt_num(v, lang) for k, v in stats.size_counts.items()}))
    rows = coverage(stats, input_size, CANDIDATE_STRIDES, min_cells)
    levels, reasons = propose_levels(rows, input_size, channels, min_share, min_cells, lang)
    proposed = [lv.stride for lv in levels]
    for s in fed_levels(proposed)[len(proposed):]:  # every backbone stage feeds a level: say so in that level's line
        i = next(k for k, r in enumerate(rows) if r.stride == s)
        reasons[i] = fed_reason(s, rows[i].share, lang)
        levels.append(Level(level_name(s), channels, s))
    strides = tuple(lv.stride for lv in levels)
    say(_t("step_levels", lang, size=input_size, levels=level_range(strides)))
    d = Design(stats, input_size, rows, levels, reasons, budget_ms=budget_ms, budget_mb=budget_mb, threads=threads,
               device=device, source={"annotations": ann if isinstance(ann, Path) else None,
                                      "images": Path(images) if images is not None else None, "val": val},
               notes=notes)
    if not measure:
        return d
    from .candidates import FIRST_SCALES, budget_text

    first = [sc for sc in scales if sc in FIRST_SCALES] or list(scales)[:1]
    cands = make_candidates(strides, necks, first, channels)
    measure_candidates(cands, input_size, device, threads, progress)
    apply_budget(cands, budget_ms, budget_mb, input_size, threads, lang)
    short, _ = scaled_sides(stats, input_size)
    hint = fusion_hint(stats, short, stats.n_objects, lang)
    d.proposal, d.choices = choose(cands, strides, hint, budget_ms, budget_mb, lang)
    rest = [sc for sc in scales if sc not in first]  # the other scales: the proposal's experiments
    if rest:
        more = make_candidates(strides, (d.proposal.neck,), rest, channels, plans=[d.proposal.strides])
        measure_candidates(more, input_size, device, threads, progress)
        cands += apply_budget(more, budget_ms, budget_mb, input_size, threads, lang, need_one=False)
    d.candidates = cands
    d.experiments = experiments(d.proposal, cands, lang)
    say(_t("step_candidates", lang, n=len(cands), threads=threads, fit=sum(c.fits for c in cands),
           budget=budget_text(budget_ms, budget_mb, lang)))
    p = d.proposal
    say(_t("step_proposal", lang, name=p.name(lang), ms=fmt_num(p.latency_ms, lang, 1), mb=fmt_num(p.peak_mib, lang, 1),
           params=fmt_num(p.params / 1e6, lang, 2)))
    return d


def _file_names(ann) -> list[str]:
    import json

    coco = ann if not isinstance(ann, Path) else json.loads(ann.read_text(encoding="utf-8"))
    return [im.get("file_name", "") for im in coco.get("images", [])[:20] if im.get("file_name")]


__all__ = ["BudgetError", "CANDIDATE_STRIDES", "Candidate", "Design", "MAX_LEVELS", "MIN_CELLS", "MIN_LEVELS",
           "MIN_SHARE", "StrideCoverage", "coverage", "design", "propose_levels", "scaled_sides"]
