"""Pre-flight: four sanity checks to run before any training run you mean to compare.

``preflight(model, loader)`` takes one batch and checks, in this order of the report:

- **overfit** — a copy of the model trained on that one batch alone: the loss must fall by
  ``factor`` (default 10×) within ``steps`` (default 150) iterations. If it cannot memorise
  eight images, it will not learn a data set.
- **boxes** — the data transform moves boxes with the pixels (a rectangle drawn into a test
  image, transformed, must still sit inside its transformed box within ``tol_px`` = 1 px), and
  the boxes the head decodes from its own training targets (``decode(encode(target))``) are the
  ground-truth boxes, and every box can get a cell: alone in its image, ``model.targets`` gives it
  at least one cell it can be decoded from. A box that loses all its cells to smaller overlapping
  boxes (the FCOS rule) is a note of a passing check (``boxes_lost_to_smaller``), not a failure.
- **shapes** — every level's output has the size its stride implies for this input
  (``ceil(H / stride) × ceil(W / stride)``), and the loss is a scalar.
- **gradients** — one forward and backward pass: the loss is finite, every trainable parameter
  gets a gradient (none is cut off by a ``detach``), and no gradient is NaN or Inf; the first
  offending parameter (and, for Inf/NaN, the first module whose *output* is not finite) is named.

Each fault is reported by one check, the one that sees its cause: a loss or gradient that is
not finite is a **gradients** failure, and the overfit check is then *not run* (``ok`` is
``None``; AdamW would turn every weight into NaN at its first step, so its verdict would only
repeat the cause).

Each result has ``.ok`` (``True``, ``False`` or ``None`` = not run), ``.message`` (what failed and what to fix, in the reader's language)
and ``.numbers``; ``print(report)`` shows a table in the language set by
:func:`fpnlab.set_lang`. The caller's model is not changed (the overfit check trains a copy).

>>> from fpnlab.data import Shapes
>>> from fpnlab.detector import tiny_detector
>>> report = preflight(tiny_detector(), Shapes(4, size=64, seed=0), batch_size=4, steps=3, factor=1.0)
>>> [c.name for c in report.checks], report.checks[2].ok
(['overfit', 'boxes', 'shapes', 'gradients'], True)
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import torch
from torch import nn

from .arguments import check_image_batch, check_int, check_number
from .errors import ArgumentError
from .i18n import Strings, fmt_pct, get_lang

# This module's own text, both languages side by side per key (Strings checks both are there);
# the library's shared labels live in fpnlab.i18n.STRINGS.
_t = Strings({
    "pf_model": {"en": "{where}: model must be a Detector (with .strides, .loss, .targets), got {got}. Fix: pass "
                       "fpnlab.detector.Detector or a model with the same methods.",
                 "tr": "{where}: model bir Detector olmalı (.strides, .loss, .targets ile), gelen: {got}. Düzeltme: "
                       "fpnlab.detector.Detector ya da aynı metotlara sahip bir model ver."},
    "pf_targets": {"en": "{where}: targets must be a list of {n:d} dicts with boxes and labels, one per image. Fix: pass "
                         "the targets of the same batch.",
                   "tr": "{where}: targets, her görüntü için bir tane olmak üzere boxes ve labels içeren {n:d} "
                         "sözlükten oluşan bir liste olmalı. Düzeltme: aynı batch'in target'larını ver."},
    "pf_check": {"en": "Check", "tr": "Kontrol"},
    "pf_result": {"en": "Result", "tr": "Sonuç"},
    "pf_details": {"en": "Details", "tr": "Ayrıntı"},
    "pf_pass": {"en": "pass", "tr": "geçti"},
    "pf_fail": {"en": "FAIL", "tr": "KALDI"},
    "pf_skip": {"en": "not run", "tr": "çalıştırılmadı"},
    "pf_overfit": {"en": "overfit one batch", "tr": "tek batch'i ezberleme"},
    "pf_boxes": {"en": "boxes", "tr": "kutular"},
    "pf_shapes": {"en": "shapes", "tr": "boyutlar"},
    "pf_gradients": {"en": "gradients", "tr": "gradient'ler"},
    "pf_overfit_ok": {
        "en": "loss {first:.3f} → {last:.3f} (÷{ratio:.1f}) in {steps:d} steps",
        "tr": "loss {steps:d} adımda {first:.3f} → {last:.3f} (÷{ratio:.1f})"},
    "pf_overfit_bad": {
        "en": "loss {first:.3f} → {last:.3f} (÷{ratio:.1f}) after {steps:d} steps on one batch; "
              "needed ÷{factor:.1f}. Fix: the model cannot memorise a few images — check that the loss "
              "reaches the weights (the gradients check) and that the targets belong to the images, "
              "then the learning rate and the number of steps",
        "tr": "tek batch üzerinde {steps:d} adım sonunda loss {first:.3f} → {last:.3f} (÷{ratio:.1f}); "
              "÷{factor:.1f} gerekiyordu. Düzeltme: model birkaç görüntüyü ezberleyemiyor — loss'un "
              "ağırlıklara ulaştığını (gradient kontrolü) ve hedeflerin görüntülere ait olduğunu "
              "kontrol et, sonra learning rate'e ve adım sayısına bak"},
    "pf_overfit_nan": {
        "en": "loss {first:.3f} → {last} at step {steps:d} of training on one batch: a layer overflows "
              "once the weights move{where}. Fix: clamp before exp (as Detector.decode does), subtract "
              "the maximum before a hand-made softmax (or call torch.softmax), scale attention logits "
              "by 1/√d, keep that layer in float32",
        "tr": "tek batch üzerinde eğitimin {steps:d}. adımında loss {first:.3f} → {last}: ağırlıklar "
              "değişince bir katman taşıyor{where}. Düzeltme: exp'ten önce clamp uygula "
              "(Detector.decode'un yaptığı gibi), elle yazılmış bir softmax'ta önce en büyük değeri "
              "çıkar (ya da torch.softmax'ı çağır), attention logit'lerini 1/√d ile ölçekle, o katmanı "
              "float32'de tut"},
    "pf_boxes_ok": {
        "en": "transform moves boxes with pixels (max error {transform_px:.2f} px); decode(encode(target)) "
              "error {decode_px:.3f} px; {n_boxes:d} boxes, each with a cell",
        "tr": "transform kutuları piksellerle birlikte taşıyor (en büyük hata {transform_px:.2f} px); "
              "decode(encode(hedef)) hatası {decode_px:.3f} px; {n_boxes:d} kutunun her birine hücre düştü"},
    "pf_boxes_ok_lost": {
        "en": "transform moves boxes with pixels (max error {transform_px:.2f} px); decode(encode(target)) "
              "error {decode_px:.3f} px; {n_boxes:d} boxes, each with candidate cells. Note: {lost:d} of "
              "{n_boxes:d} boxes ({share}) lose all their cells to a smaller overlapping box — normal for "
              "the FCOS rule in crowded scenes",
        "tr": "transform kutuları piksellerle birlikte taşıyor (en büyük hata {transform_px:.2f} px); "
              "decode(encode(hedef)) hatası {decode_px:.3f} px; {n_boxes:d} kutunun her birinin aday "
              "hücresi var. Not: {n_boxes:d} kutudan {lost:d} tanesi ({share}) bütün hücrelerini "
              "kendisiyle örtüşen daha küçük bir kutuya kaptırıyor — kalabalık sahnelerde FCOS kuralı "
              "gereği normal"},
    "pf_transform_bad": {
        "en": "after the data transform a drawn rectangle is {transform_px:.1f} px away from its box. "
              "Fix: transform the image and its boxes together (torchvision.transforms.v2 with "
              "tv_tensors.BoundingBoxes), never the image alone",
        "tr": "veri transform'undan sonra çizilen dikdörtgen kutusundan {transform_px:.1f} px uzakta. "
              "Düzeltme: görüntüyü ve kutularını birlikte dönüştür (torchvision.transforms.v2 ve "
              "tv_tensors.BoundingBoxes); görüntüyü asla tek başına dönüştürme"},
    "pf_decode_bad": {
        "en": "the head's decode does not invert its targets: error {decode_px:.2f} px. Fix: decode and "
              "the target encoding must use the same stride and the same distance convention",
        "tr": "head'in decode'u hedeflerini geri çeviremiyor: hata {decode_px:.2f} px. Düzeltme: decode "
              "ve hedef kodlaması aynı stride'ı ve aynı mesafe tanımını kullanmalı"},
    "pf_cells_bad": {
        "en": "{missing:d} of {n_boxes:d} ground-truth boxes get no cell on any level. Fix: check the "
              "strides and the box format (xyxy in pixels of the model's input)",
        "tr": "{n_boxes:d} kutudan {missing:d} tanesine hiçbir seviyede hücre düşmüyor. Düzeltme: "
              "stride'ları ve kutu biçimini (modelin girdisinin pikselleriyle xyxy) kontrol et"},
    "pf_shapes_ok": {
        "en": "{n:d} levels match strides {strides} for a {h:d}×{w:d} input; loss {loss:.3f}",
        "tr": "{n:d} seviye {h:d}×{w:d} girdi için {strides} stride'larına uyuyor; loss {loss:.3f}"},
    "pf_levels_bad": {
        "en": "the head returns {n:d} levels but the detector has {m:d} strides {strides}. Fix: one "
              "stride per neck output (Detector(..., strides=None) reads them from neck.feature_info)",
        "tr": "head {n:d} seviye döndürüyor ama detector'da {m:d} stride var: {strides}. Düzeltme: neck'in "
              "her çıktısına bir stride (Detector(..., strides=None) onları neck.feature_info'dan okur)"},
    "pf_size_bad": {
        "en": "level {i:d} is {got} but stride {stride} on a {h:d}×{w:d} input needs {want} (measured "
              "stride {measured}). Fix: the strides given to Detector must be those of the neck's "
              "outputs, fine → coarse (take them from neck.feature_info), and the backbone must "
              "downsample as its feature_info says (a stage or stem without its stride-2 conv): "
              "measure with fpnlab.levels.measure_strides(backbone, size)",
        "tr": "seviye {i:d} {got} boyutunda ama {h:d}×{w:d} girdide stride {stride} için {want} olmalı "
              "(ölçülen stride {measured}). Düzeltme: Detector'a verilen stride'lar neck çıktılarınınki "
              "olmalı, inceden kabaya (neck.feature_info'dan al), ve backbone feature_info'sunun "
              "söylediği gibi küçültmeli (stride-2 conv'u eksik bir stage ya da stem): "
              "fpnlab.levels.measure_strides(backbone, size) ile ölç"},
    "pf_loss_bad": {
        "en": "the loss has shape {shape}, not a single number. Fix: reduce it (sum or mean over "
              "cells, then divide by the number of positives) so that it is one number",
        "tr": "loss'un boyutu {shape}, tek bir sayı değil. Düzeltme: onu indirge (hücreler üzerinde "
              "topla ya da ortala, sonra pozitif sayısına böl) ki tek bir sayı olsun"},
    "pf_loss_nonfinite": {
        "en": "the loss is {loss}: a layer overflows in the forward pass{where}. Fix: clamp before "
              "exp (as Detector.decode does), subtract the maximum before a hand-made softmax (or "
              "call torch.softmax), scale attention logits by 1/√d, keep that layer in float32",
        "tr": "loss {loss}: forward geçişinde bir katman taşıyor{where}. Düzeltme: exp'ten önce "
              "clamp uygula (Detector.decode'un yaptığı gibi), elle yazılmış bir softmax'ta önce "
              "en büyük değeri çıkar (ya da torch.softmax'ı çağır), attention logit'lerini 1/√d ile "
              "ölçekle, o katmanı float32'de tut"},
    "pf_overfit_skip": {
        "en": "not run: the gradients check found a loss or gradient that is not finite — AdamW "
              "would turn the weights into NaN at the first step. Fix that first",
        "tr": "çalıştırılmadı: gradient kontrolü sonlu olmayan bir loss ya da gradient buldu — "
              "AdamW ilk adımda ağırlıkları NaN'a çevirirdi. Önce onu düzelt"},
    "pf_where": {"en": "; the first module whose output is not finite: {module}",
                 "tr": "; çıktısı sonlu olmayan ilk modül: {module}"},
    "pf_crash": {"en": "the check could not run: {error}", "tr": "kontrol çalıştırılamadı: {error}"},
    "pf_grad_ok": {"en": "{n:d} parameters have finite gradients (largest norm {max_norm:.2f})",
                   "tr": "{n:d} parametrenin gradient'i sonlu (en büyük norm {max_norm:.2f})"},
    "pf_grad_none": {
        "en": "{missing:d} of {n:d} trainable parameters get no gradient, first {param}. Fix: something "
              "between them and the loss is detached (.detach(), .data, torch.no_grad, .item()) — "
              "return the tensor itself",
        "tr": "{n:d} eğitilebilir parametreden {missing:d} tanesine gradient ulaşmıyor, ilki {param}. "
              "Düzeltme: bunlarla loss arasında bir yer koparılmış (.detach(), .data, torch.no_grad, "
              ".item()) — tensörün kendisini döndür"},
    "pf_grad_nonfinite": {
        "en": "the gradient of {param} is not finite{where}. Fix: find the layer that overflows "
              "(division by zero, log of 0, exp of a large number) and guard it",
        "tr": "{param} parametresinin gradient'i sonlu değil{where}. Düzeltme: taşan katmanı bul "
              "(sıfıra bölme, 0'ın log'u, büyük bir sayının exp'i) ve onu koru"},
})


def _both(key: str, **fields) -> dict:
    """Message ``key`` in every language; fields that are themselves such dicts are resolved
    per language."""
    return {lg: _t(key, lg, **{k: (v[lg] if isinstance(v, dict) and lg in v else v) for k, v in fields.items()})
            for lg in ("en", "tr")}


@dataclass
class CheckResult:
    """One pre-flight check: ``name`` (``"overfit"``, ``"boxes"``, ``"shapes"``, ``"gradients"``),
    ``ok`` (``None``: not run, see :func:`preflight`), ``message`` (what it measured, or what failed and the fix; ``texts[lang]`` in each
    language, ``message`` in the one the check ran in) and the measured ``numbers``."""

    name: str
    ok: bool | None
    texts: dict
    numbers: dict = field(default_factory=dict)
    lang: str | None = None

    @property
    def message(self) -> str:
        return self.texts[self.lang or get_lang()]


@dataclass
class PreflightReport:
    """The four :class:`CheckResult` in the order overfit, boxes, shapes, gradients."""

    checks: list
    lang: str | None = None

    @property
    def ok(self) -> bool:
        """True when every check ran and passed."""
        return all(c.ok is True for c in self.checks)

    @property
    def failed(self) -> list:
        """Names of the checks that ran and failed (a check that was not run is not listed)."""
        return [c.name for c in self.checks if c.ok is False]

    def __getitem__(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)

    def frame(self, lang: str | None = None):
        """The report as a pandas DataFrame with headers in ``lang``."""
        import pandas as pd

        lang = lang or self.lang or get_lang()
        return pd.DataFrame({_t("pf_check", lang): [_t(f"pf_{c.name}", lang) for c in self.checks],
                             _t("pf_result", lang): [_t({True: "pf_pass", False: "pf_fail", None: "pf_skip"}[c.ok], lang) for c in self.checks],
                             _t("pf_details", lang): [c.texts[lang] for c in self.checks]})

    def table(self, lang: str | None = None) -> str:
        """The report as left-aligned text columns, in ``lang`` (default: the run's language)."""
        frame = self.frame(lang)
        rows = [list(frame.columns)] + frame.astype(str).values.tolist()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        return "\n".join("  ".join([c.ljust(w) for c, w in zip(r, widths)] + [r[-1]]) for r in rows)

    def __str__(self) -> str:
        return self.table()


def _first_batch(loader, batch_size: int):
    if hasattr(loader, "batch"):  # a generated data set
        return loader.batch(range(min(batch_size, len(loader))))
    images, targets = next(iter(loader))
    return images, targets


def _dataset_transform(loader):
    ds = getattr(loader, "dataset", loader)
    return getattr(ds, "transforms", None)


def _first_nonfinite_module(model: nn.Module, images) -> str | None:
    found = []

    def hook(mod, inp, out):
        if found:
            return
        for t in (out if isinstance(out, (list, tuple)) else out.values() if isinstance(out, dict) else [out]):
            ts = t if isinstance(t, (list, tuple)) else [t]
            for x in ts:
                if isinstance(x, torch.Tensor) and x.is_floating_point() and not torch.isfinite(x).all():
                    found.append(mod)
                    return

    names = {m: n for n, m in model.named_modules()}
    hooks = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            model(images)
    finally:
        for h in hooks:
            h.remove()
    return f"{names[found[0]]} ({type(found[0]).__name__})" if found else None


def _door(where: str, model, images, targets):
    """The checks every pre-flight check runs on its arguments (a Detector, a float
    ``(B, 3, H, W)`` batch, one target dict per image)."""
    if not isinstance(model, nn.Module) or not hasattr(model, "strides") or not hasattr(model, "loss"):
        raise ArgumentError(_t("pf_model", where=where, got=type(model).__name__))
    check_image_batch("images", images, where=where)
    if not isinstance(targets, (list, tuple)) or len(targets) != images.shape[0] \
            or not all(isinstance(t, dict) and "boxes" in t and "labels" in t for t in targets):
        raise ArgumentError(_t("pf_targets", where=where, n=int(images.shape[0])))


def check_shapes(model, images, targets, lang: str | None = None) -> tuple[CheckResult, torch.Tensor | None]:
    """The shapes check: one head level per stride, each ``ceil(H / s) × ceil(W / s)``, and a
    scalar loss. ``images``: ``(B, 3, H, W)`` float; ``targets``: one dict per image."""
    _door("check_shapes", model, images, targets)
    out = model(images)
    head = out["head"]
    h, w = images.shape[-2:]
    strides = list(model.strides)
    nums = {"levels": len(head), "strides": strides}
    if len(head) != len(strides):
        return CheckResult("shapes", False, _both("pf_levels_bad", n=len(head), m=len(strides),
                                               strides=strides), nums), None
    for i, ((c, _), s) in enumerate(zip(head, strides)):
        want = (math.ceil(h / s), math.ceil(w / s))
        got = tuple(c.shape[-2:])
        if got != want:
            measured = h / got[0]
            nums.update(level=i, got=got, want=want, measured_stride=measured)
            return CheckResult("shapes", False, _both("pf_size_bad", i=i, got="×".join(map(str, got)),
                                                   stride=s, h=h, w=w, want="×".join(map(str, want)),
                                                   measured=f"{measured:g}"), nums), None
    loss = model.loss(out, targets)["total"]
    nums["loss"] = float(loss.detach()) if loss.numel() == 1 else None
    if loss.dim() != 0:
        return CheckResult("shapes", False, _both("pf_loss_bad", shape=tuple(loss.shape)), nums), None
    return CheckResult("shapes", True, _both("pf_shapes_ok", n=len(head), strides=strides, h=h, w=w,
                                          loss=float(loss.detach())), nums), loss


def check_gradients(model, images, targets, loss=None, lang: str | None = None) -> CheckResult:
    """The gradients check: every trainable parameter gets a finite, non-zero gradient from
    ``loss`` (computed here when ``None``). ``images``: ``(B, 3, H, W)`` float."""
    _door("check_gradients", model, images, targets)
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    model.zero_grad(set_to_none=True)
    if loss is None:
        loss = model.loss(model(images), targets)["total"]
    nums = {"params": len(params), "loss": float(loss.detach().sum())}
    if not torch.isfinite(loss.detach()).all():
        module = _first_nonfinite_module(model, images)
        nums.update(nonfinite=True, first_nonfinite_module=module)
        return CheckResult("gradients", False, _both("pf_loss_nonfinite", loss=nums["loss"],
                                                  where=_both("pf_where", module=module) if module else ""), nums)
    if loss.requires_grad:
        loss.sum().backward()
    missing = [n for n, p in params if p.grad is None]
    nums["no_grad"] = len(missing)
    if missing:
        return CheckResult("gradients", False, _both("pf_grad_none", missing=len(missing), n=len(params),
                                                  param=missing[0]), nums)
    bad = next((n for n, p in params if not torch.isfinite(p.grad).all()), None)
    if bad is not None:
        module = _first_nonfinite_module(model, images)
        nums.update(nonfinite=True, first_nonfinite=bad, first_nonfinite_module=module)
        return CheckResult("gradients", False, _both("pf_grad_nonfinite", param=bad,
                                                  where=_both("pf_where", module=module) if module else ""), nums)
    max_norm = max(float(p.grad.norm()) for _, p in params)
    nums["max_grad_norm"] = max_norm
    model.zero_grad(set_to_none=True)
    return CheckResult("gradients", True, _both("pf_grad_ok", n=len(params), max_norm=max_norm), nums)


def _transform_error(transform, trials: int = 3) -> float:
    """Largest distance (px) between a drawn rectangle, after ``transform``, and its box after
    ``transform``. ``transform(image, target)`` as v2 transforms are called."""
    from torchvision import tv_tensors

    worst = 0.0
    g = torch.Generator().manual_seed(0)
    for trial in range(trials):
        torch.manual_seed(trial)
        H, W = 96 + 8 * trial, 128 - 8 * trial
        x0, y0 = int(torch.randint(4, W // 2, (1,), generator=g)), int(torch.randint(4, H // 2, (1,), generator=g))
        x1, y1 = x0 + W // 4 + 3, y0 + H // 5 + 5
        img = torch.zeros(3, H, W)
        img[:, y0:y1, x0:x1] = 1.0
        target = {"boxes": tv_tensors.BoundingBoxes(torch.tensor([[x0, y0, x1, y1]], dtype=torch.float32),
                                                    format="XYXY", canvas_size=(H, W)),
                  "labels": torch.tensor([0])}
        out_img, out_t = transform(tv_tensors.Image(img), target)
        out_img = torch.as_tensor(out_img)
        ys, xs = (out_img[0] > 0.5).nonzero(as_tuple=True)
        boxes = torch.as_tensor(out_t["boxes"]).reshape(-1, 4)
        if len(xs) == 0 or len(boxes) == 0:
            continue  # cropped away (random crops): nothing to compare
        drawn = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
        worst = max(worst, float((drawn - boxes[0].float()).abs().max()))
    return worst


def _cell_centres(sizes, strides, device):
    """Per level, the centres ``(cy (h,), cx (w,))`` of its cells in pixels (as Detector.targets
    places them)."""
    return [((torch.arange(h, device=device) + 0.5) * s, (torch.arange(w, device=device) + 0.5) * s)
            for (h, w), s in zip(sizes, strides)]


def _near(cy, cx, box, tol_px: float) -> torch.Tensor:
    """``(h, w)`` mask of the cells whose centre lies inside ``box`` (xyxy) or at most ``tol_px``
    outside it: the cells the box can be decoded from within ``tol_px``."""
    in_y = (cy >= box[1] - tol_px) & (cy <= box[3] + tol_px)
    in_x = (cx >= box[0] - tol_px) & (cx <= box[2] + tol_px)
    return in_y[:, None] & in_x[None, :]


def _candidates(model, boxes, sizes, centres, tol_px: float, chunk: int):
    """For each ``(N, 4)`` box, alone in an image: per level, the ``(y, x)`` cells
    ``model.targets`` gives it and from which it can be decoded (see :func:`_near`). Boxes run
    ``chunk`` at a time, one box per image of a batch with one class."""
    out = []
    for start in range(0, len(boxes), chunk):
        part = boxes[start:start + chunk]
        alone = [{"boxes": bx[None], "labels": torch.zeros(1, dtype=torch.long, device=bx.device)} for bx in part]
        _, _, pos = model.targets(alone, sizes, 1)
        for k, bx in enumerate(part):
            out.append([(p[k] & _near(cy, cx, bx, tol_px)).nonzero().tolist()
                        for p, (cy, cx) in zip(pos, centres)])
    return out


def check_boxes(model, images, targets, transform=None, lang: str | None = None, tol_px: float = 1.0) -> CheckResult:
    """The boxes check. Each ground-truth box is run through ``model.targets`` alone in its image:
    the cells it gets there, less any whose centre lies more than ``tol_px`` outside it, are its
    *candidate* cells. A box with none (degenerate or not finite, xywh read as xyxy, outside the
    image, too small to hold a cell centre) is a fault (``boxes_without_cell``). A box with
    candidates that gets no cell in the real assignment because smaller boxes took every one of
    them (FCOS's rule) is normal in crowded scenes: counted in ``boxes_lost_to_smaller`` and
    reported as a note of a passing check."""
    _door("check_boxes", model, images, targets)
    tol_px = check_number("tol_px", tol_px, 0, where="check_boxes")
    transform_px = _transform_error(transform) if transform is not None else 0.0
    with torch.no_grad():
        head = model(images)["head"]
    sizes = [tuple(c.shape[-2:]) for c, _ in head]
    nums = {"transform_px": transform_px}
    if len(sizes) != len(model.strides):
        sizes = sizes[:len(model.strides)]
    _, box_t, pos = model.targets(targets, sizes, head[0][0].shape[1])
    centres = _cell_centres(sizes, model.strides, images.device)
    decode_px, covered = 0.0, set()
    for lvl, (bt, p, (cy, cx)) in enumerate(zip(box_t, pos, centres)):
        if p.any():
            # encode is defined where the cell centre is inside the box (a tiny box's one cell may
            # lie beside it; a degenerate box has no inside): the coding is measured there
            inside = p & (cx > bt[:, 0]) & (cx < bt[:, 2]) & (cy[:, None] > bt[:, 1]) & (cy[:, None] < bt[:, 3])
            if inside.any():
                back = model.decode(model.encode(bt, lvl), lvl)
                decode_px = max(decode_px, float((back - bt).permute(0, 2, 3, 1)[inside].abs().max()))
            won = bt.permute(0, 2, 3, 1)[p].tolist()  # the box each positive cell learns
            covered.update((b, tuple(box)) for b, box in zip(p.nonzero()[:, 0].tolist(), won))
    index = [(b, box) for b, t in enumerate(targets) for box in t["boxes"].float()]
    all_boxes = {(b, tuple(box.tolist())) for b, box in index}
    boxes = torch.stack([box for _, box in index]) if index else torch.zeros(0, 4, device=images.device)
    chunk = max(1, 2 ** 22 // max(1, sum(h * w for h, w in sizes)))
    cands = _candidates(model, boxes, sizes, centres, tol_px, chunk)
    faults, lost = set(), set()
    for (b, box), cells in zip(index, cands):
        key = (b, tuple(box.tolist()))
        usable = bool(torch.isfinite(box).all()) and bool(box[2] > box[0]) and bool(box[3] > box[1])
        if not usable or not any(cells):
            faults.add(key)
        elif key not in covered:
            area = float((box[2] - box[0]) * (box[3] - box[1]))
            taken = all(bool(pos[lvl][b, y, x]) and float((box_t[lvl][b, 2, y, x] - box_t[lvl][b, 0, y, x])
                                                          * (box_t[lvl][b, 3, y, x] - box_t[lvl][b, 1, y, x]))
                        <= area * (1 + 1e-6)
                        for lvl, level_cells in enumerate(cells) for y, x in level_cells)
            (lost if taken else faults).add(key)  # a free candidate cell left empty is a fault
    missing, n_lost = len(faults), len(lost - faults)
    nums.update(decode_px=decode_px, n_boxes=len(all_boxes), boxes_without_cell=missing,
                boxes_lost_to_smaller=n_lost)
    if transform_px > tol_px:
        return CheckResult("boxes", False, _both("pf_transform_bad", transform_px=transform_px), nums)
    if decode_px > tol_px:
        return CheckResult("boxes", False, _both("pf_decode_bad", decode_px=decode_px), nums)
    if missing:
        return CheckResult("boxes", False, _both("pf_cells_bad", missing=missing, n_boxes=len(all_boxes)), nums)
    if n_lost:
        share = {lg: fmt_pct(n_lost / len(all_boxes), lg) for lg in ("en", "tr")}
        return CheckResult("boxes", True, _both("pf_boxes_ok_lost", transform_px=transform_px, decode_px=decode_px,
                                             n_boxes=len(all_boxes), lost=n_lost, share=share), nums)
    return CheckResult("boxes", True, _both("pf_boxes_ok", transform_px=transform_px, decode_px=decode_px,
                                         n_boxes=len(all_boxes)), nums)


def check_overfit(model, images, targets, steps: int = 150, factor: float = 10.0, lr: float = 3e-3,
                  lang: str | None = None) -> CheckResult:
    """The overfit check: AdamW at ``lr`` on this one batch must bring the loss down ``factor``×
    within ``steps`` steps (on a copy of ``model``). ``images``: ``(B, 3, H, W)`` float."""
    _door("check_overfit", model, images, targets)
    steps = check_int("steps", steps, where="check_overfit")
    factor = check_number("factor", factor, 0, strict=True, where="check_overfit")
    lr = check_number("lr", lr, 0, strict=True, where="check_overfit")
    model = copy.deepcopy(model).train()
    torch.manual_seed(0)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(steps):
        loss = model.loss(model(images), targets)["total"]
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]) or not loss.requires_grad:
            break
        if losses[-1] <= losses[0] / factor:
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    first, last = losses[0], losses[-1]
    ratio = first / last if last > 0 and math.isfinite(last) else (math.inf if last == 0 else 0.0)
    ok = math.isfinite(last) and ratio >= factor
    nums = {"first": first, "last": last, "ratio": ratio, "steps": len(losses), "factor": factor}
    if not math.isfinite(last):  # training itself made something overflow: name the first layer
        module = _first_nonfinite_module(model, images)
        nums["first_nonfinite_module"] = module
        return CheckResult("overfit", False, _both("pf_overfit_nan", first=first, last=str(last), steps=len(losses),
                                                where=_both("pf_where", module=module) if module else ""), nums)
    key = "pf_overfit_ok" if ok else "pf_overfit_bad"
    return CheckResult("overfit", ok, _both(key, first=first, last=last, ratio=ratio, steps=len(losses),
                                         factor=factor), nums)


def preflight(model, loader, *, batch_size: int = 8, steps: int = 150, factor: float = 10.0, lr: float = 3e-3,
              transform=None, tol_px: float = 1.0, lang: str | None = None) -> PreflightReport:
    """Run the four checks on one batch of ``loader`` and return a :class:`PreflightReport`.

    Args:
        model: a :class:`fpnlab.detector.Detector` (``.strides``, ``.loss``, ``.targets``,
            ``.encode``/``.decode``).
        loader: a ``DataLoader`` yielding ``(images (B, 3, H, W), targets)`` (e.g.
            :func:`fpnlab.data.coco_loader`), or a generated set with ``.batch`` (first
            ``batch_size`` images).
        steps, factor, lr: the overfit check must bring the loss down ``factor``× within
            ``steps`` AdamW steps at learning rate ``lr`` (the seed: 50–200 iterations).
        transform: the data transform to test, called as ``transform(image, target)``; default:
            ``loader.dataset.transforms`` when there is one (``CocoFolder``), else none.
        tol_px: largest box error accepted, in pixels (1).
    """
    if not isinstance(model, nn.Module) or not hasattr(model, "strides") or not hasattr(model, "loss"):
        raise ArgumentError(_t("pf_model", where="preflight", got=type(model).__name__))
    batch_size = check_int("batch_size", batch_size, where="preflight")
    check_int("steps", steps, where="preflight")
    check_number("factor", factor, 0, strict=True, where="preflight")
    check_number("lr", lr, 0, strict=True, where="preflight")
    check_number("tol_px", tol_px, 0, where="preflight")
    lang = lang or get_lang()
    images, targets = _first_batch(loader, batch_size)
    device = next(model.parameters()).device
    images = images.to(device)
    targets = [{k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in t.items()} for t in targets]
    transform = transform if transform is not None else _dataset_transform(loader)
    work = copy.deepcopy(model).train()  # the caller's model (and its BatchNorm statistics) stay as they are
    shapes, loss = _guard("shapes", lang, check_shapes, work, images, targets, lang)
    grads = _guard("gradients", lang, check_gradients, work, images, targets, loss if shapes.ok else None, lang)
    boxes = _guard("boxes", lang, check_boxes, work, images, targets, transform, lang, tol_px)
    if grads.numbers.get("nonfinite"):
        overfit = CheckResult("overfit", None, _both("pf_overfit_skip"), {"skipped": True})
    else:
        overfit = _guard("overfit", lang, check_overfit, model, images, targets, steps, factor, lr, lang)
    checks = [overfit, boxes, shapes, grads]
    for c in checks:
        c.lang = lang
    return PreflightReport(checks, lang)


def _guard(name, lang, fn, *args):
    """Run one check; an exception inside it is that check's failure (with its message), so the
    other checks still report."""
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 — the report shows it
        result = CheckResult(name, False, _both("pf_crash", error=f"{type(err).__name__}: {err}"))
        return (result, None) if name == "shapes" else result


__all__ = ["preflight", "PreflightReport", "CheckResult"]
