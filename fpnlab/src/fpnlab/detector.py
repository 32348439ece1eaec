"""Backbone → neck → head, put together into a small anchor-free detector that trains on a CPU.

Each object is assigned to one pyramid level with :func:`fpnlab.levels.recommend_level` —
the coarsest stride at which it still covers two cells — and the cells near its centre on that
level learn its class (sigmoid focal loss) and its box (GIoU loss), in the spirit of FCOS. A cell
that lies in several objects' regions belongs to the **smallest** of them (FCOS's rule), so its
class target and its box target always describe the same object.

>>> from fpnlab.data import Shapes
>>> model = tiny_detector(num_classes=3)
>>> imgs, targets = Shapes(2, size=64, seed=0).batch([0, 1])
>>> sorted(model.loss(model(imgs), targets))
['box', 'cls', 'total']
"""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import (batched_nms, clip_boxes_to_image, generalized_box_iou_loss,
                             remove_small_boxes, sigmoid_focal_loss)
from tqdm.auto import tqdm

from .backbones import TinyBackbone
from .heads import DenseHead
from .necks import FPN
from .arguments import check_image_batch, check_int, check_ints, check_number
from .errors import ArgumentError, FpnlabError
from .i18n import Strings, t

# Inference thresholds (see Detector.predict). The first three are what the book's chapters use
# to *show* detections; COCO evaluation keeps low-scoring boxes too (COCO_THRESHOLDS), as
# torchvision's FCOS does (score 0.05, 1000 per level, NMS IoU 0.6, 100 per image).
SCORE_THRESH, IOU_THRESH, MAX_DETS, PRE_NMS_TOP_K = 0.3, 0.5, 50, 1000
COCO_THRESHOLDS = {"score_thresh": 0.05, "iou_thresh": 0.6, "max_dets": 100, "pre_nms_top_k": 1000}


_t = Strings({
    "no_strides": {"en": "Detector needs the stride of every level the neck outputs, but {neck} has no feature_info. "
                         "Fix: pass them explicitly, fine → coarse, e.g. Detector(backbone, neck, head, "
                         "strides=[4, 8, 16, 32]), or measure them with "
                         "[lv.stride for lv in fpnlab.levels.measure_strides(nn.Sequential(backbone, neck), 256)]",
                   "tr": "Detector, neck'in verdiği her seviyenin stride'ını bilmeli, ama {neck} içinde feature_info "
                         "yok. Düzeltme: stride'ları ince → kaba sırayla kendin ver, örneğin Detector(backbone, neck, "
                         "head, strides=[4, 8, 16, 32]), ya da şöyle ölç: "
                         "[lv.stride for lv in fpnlab.levels.measure_strides(nn.Sequential(backbone, neck), 256)]"},
    "label": {"en": "image {b:d} of the batch has label {label:d} but the head predicts {k:d} classes (0..{last:d}). "
                    "Fix: build the head with num_classes=len(dataset.classes).",
              "tr": "batch'in {b:d}. görüntüsünde {label:d} etiketi var ama head {k:d} sınıf tahmin ediyor "
                    "(0..{last:d}). Düzeltme: head'i num_classes=len(dataset.classes) ile kur."},
    "levels": {"en": "the head returned {n:d} levels but the detector has strides {strides}. Fix: give Detector one "
                     "stride per neck output level.",
               "tr": "head {n:d} seviye döndürdü ama detector'ın stride'ları {strides}. Düzeltme: Detector'a neck'in "
                     "her çıktı seviyesi için bir stride ver."},
    "module": {"en": "Detector: {name} must be a torch.nn.Module, got {got}. Fix: pass the module itself.",
               "tr": "Detector: {name} bir torch.nn.Module olmalı, gelen: {got}. Düzeltme: modülün kendisini ver."},
    "dataset": {"en": "{where}: dataset is empty. Fix: pass a data set with at least one image.",
                "tr": "{where}: dataset boş. Düzeltme: en az bir görüntüsü olan bir veri kümesi ver."},
})


class NoStridesError(FpnlabError, ValueError):
    """``Detector`` was given neither ``strides`` nor a neck with ``feature_info``."""


def _neck_strides(neck: nn.Module) -> tuple:
    info = getattr(neck, "feature_info", None)
    if not info:
        raise NoStridesError(_t("no_strides", neck=type(neck).__name__))
    return tuple(lv.stride for lv in info)


class Detector(nn.Module):
    """``images (B, 3, H, W)`` → ``{"features": C dict, "pyramid": P dict, "head": [(cls, box)]}``.

    ``strides`` are those of the neck's outputs, fine → coarse (P2..P5: 4, 8, 16, 32). With
    ``strides=None`` (the default) they are read from ``neck.feature_info`` (a list of
    :class:`fpnlab.levels.Level`); a neck without it raises :class:`NoStridesError`, which says
    how to pass them.
    """

    def __init__(self, backbone: nn.Module, neck: nn.Module, head: nn.Module, strides=None):
        super().__init__()
        for name, m in (("backbone", backbone), ("neck", neck), ("head", head)):
            if not isinstance(m, nn.Module):
                raise ArgumentError(_t("module", name=name, got=type(m).__name__))
        self.backbone, self.neck, self.head = backbone, neck, head
        self.strides = (tuple(check_ints("strides", strides, where="Detector")) if strides is not None
                        else _neck_strides(neck))

    def forward(self, images: torch.Tensor) -> dict:
        check_image_batch("images", images, where="Detector")
        feats = self.backbone(images)
        pyramid = self.neck(feats)
        return {"features": feats, "pyramid": pyramid, "head": self.head(pyramid)}

    # ---- training targets and loss ----------------------------------------------------------
    def level_index(self, boxes: torch.Tensor, min_cells: float = 2) -> torch.Tensor:
        """``(N,)`` index into ``strides`` of the level each ``(N, 4)`` xyxy box is assigned to:
        the coarsest stride at which its shorter side still covers ``min_cells`` cells
        (:func:`fpnlab.levels.assign_level`, the one rule); boxes too small for every level go to
        the finest."""
        from .levels import assign_level

        sides = (boxes[:, 2:] - boxes[:, :2]).min(dim=1).values
        return assign_level(sides, self.strides, min_cells, index=True)

    def level_of(self, boxes: torch.Tensor) -> list[int]:
        """:meth:`level_index` as a list of ints."""
        return self.level_index(boxes).tolist()

    def targets(self, targets: list[dict], sizes: list[tuple[int, int]], num_classes: int,
                radius: float = 1.5):
        """Per level: class targets ``(B, K, H, W)``, box targets ``(B, 4, H, W)`` (xyxy px) and a
        positive mask ``(B, H, W)``.

        A cell is a candidate for an object assigned to its level when the cell's centre lies
        inside the box and within ``radius`` strides of the box centre (a box so small that no
        cell qualifies gets the cell holding its centre). A cell that is a candidate for several
        objects goes to the one with the **smallest area** (FCOS), and both its class target (one
        class, one-hot) and its box target are that object's.
        """
        B = len(targets)
        dev = targets[0]["boxes"].device if targets else "cpu"
        cls_t = [torch.zeros(B, num_classes, h, w, device=dev) for h, w in sizes]
        box_t = [torch.zeros(B, 4, h, w, device=dev) for h, w in sizes]
        pos = [torch.zeros(B, h, w, dtype=torch.bool, device=dev) for h, w in sizes]
        for b, tgt in enumerate(targets):
            boxes, labels = tgt["boxes"].float(), tgt["labels"]
            if len(boxes) == 0:
                continue
            if int(labels.max()) >= num_classes or int(labels.min()) < 0:
                bad = int(labels.max()) if int(labels.max()) >= num_classes else int(labels.min())
                raise ArgumentError(_t("label", b=b, label=bad, k=num_classes, last=num_classes - 1))
            levels = self.level_index(boxes)
            for lvl, (h, w) in enumerate(sizes):
                sel = (levels == lvl).nonzero().flatten()
                if len(sel) == 0:
                    continue
                bx, s = boxes[sel], self.strides[lvl]
                cy = (torch.arange(h, device=dev) + 0.5) * s                       # (h,)
                cx = (torch.arange(w, device=dev) + 0.5) * s                       # (w,)
                mx, my = (bx[:, 0] + bx[:, 2]) / 2, (bx[:, 1] + bx[:, 3]) / 2      # (n,)
                in_y = ((cy[None] > bx[:, 1:2]) & (cy[None] < bx[:, 3:4])
                        & ((cy[None] - my[:, None]).abs() <= radius * s))          # (n, h)
                in_x = ((cx[None] > bx[:, 0:1]) & (cx[None] < bx[:, 2:3])
                        & ((cx[None] - mx[:, None]).abs() <= radius * s))          # (n, w)
                m = in_y[:, :, None] & in_x[:, None, :]                            # (n, h, w)
                empty = (~m.flatten(1).any(dim=1)).nonzero().flatten()
                if len(empty):  # tiny boxes: at least the cell holding their centre
                    iy = (my[empty] / s).long().clamp(0, h - 1)
                    ix = (mx[empty] / s).long().clamp(0, w - 1)
                    m[empty, iy, ix] = True
                area = (bx[:, 2] - bx[:, 0]) * (bx[:, 3] - bx[:, 1])
                best_area, best = torch.where(m, area[:, None, None], torch.inf).min(dim=0)  # (h, w)
                p = torch.isfinite(best_area)
                pos[lvl][b] = p
                onehot = F.one_hot(labels[sel][best], num_classes).permute(2, 0, 1).float()
                cls_t[lvl][b] = onehot * p
                box_t[lvl][b] = bx[best].permute(2, 0, 1) * p
        return cls_t, box_t, pos

    def decode(self, raw: torch.Tensor, level: int) -> torch.Tensor:
        """Raw head output ``(B, 4, H, W)`` → boxes ``(B, 4, H, W)`` xyxy in pixels."""
        s = self.strides[level]
        h, w = raw.shape[-2:]
        cy = ((torch.arange(h, device=raw.device) + 0.5) * s)[:, None].expand(h, w)
        cx = ((torch.arange(w, device=raw.device) + 0.5) * s)[None, :].expand(h, w)
        d = raw.clamp(max=8).exp() * s
        return torch.stack([cx - d[:, 0], cy - d[:, 1], cx + d[:, 2], cy + d[:, 3]], dim=1)

    def encode(self, boxes: torch.Tensor, level: int) -> torch.Tensor:
        """Inverse of :meth:`decode`: boxes ``(B, 4, H, W)`` xyxy px → raw ``(B, 4, H, W)``
        log-distances from each cell centre to the four edges, in strides (valid where the
        centre is inside the box)."""
        s = self.strides[level]
        h, w = boxes.shape[-2:]
        cy = ((torch.arange(h, device=boxes.device) + 0.5) * s)[:, None].expand(h, w)
        cx = ((torch.arange(w, device=boxes.device) + 0.5) * s)[None, :].expand(h, w)
        d = torch.stack([cx - boxes[:, 0], cy - boxes[:, 1], boxes[:, 2] - cx, boxes[:, 3] - cy], dim=1)
        return (d / s).clamp(min=1e-6).log()

    def loss(self, outputs: dict, targets: list[dict]) -> dict:
        """Sigmoid focal loss on classes + GIoU loss on positive cells' boxes, per positive cell."""
        head = outputs["head"]
        if len(head) != len(self.strides):
            raise ArgumentError(_t("levels", n=len(head), strides=self.strides))
        sizes = [tuple(c.shape[-2:]) for c, _ in head]
        cls_t, box_t, pos = self.targets(targets, sizes, head[0][0].shape[1])
        n_pos = max(1, sum(int(p.sum()) for p in pos))
        cls_loss = sum(sigmoid_focal_loss(c, t, reduction="sum") for (c, _), t in zip(head, cls_t)) / n_pos
        box_loss = head[0][1].new_zeros(())
        for lvl, ((_, raw), bt, p) in enumerate(zip(head, box_t, pos)):
            if p.any():
                pred = self.decode(raw, lvl).permute(0, 2, 3, 1)[p]
                box_loss = box_loss + generalized_box_iou_loss(pred, bt.permute(0, 2, 3, 1)[p], reduction="sum")
        box_loss = box_loss / n_pos
        return {"cls": cls_loss, "box": box_loss, "total": cls_loss + box_loss}

    @torch.no_grad()
    def predict(self, images: torch.Tensor, score_thresh: float = SCORE_THRESH,
                iou_thresh: float = IOU_THRESH, max_dets: int = MAX_DETS,
                pre_nms_top_k: int = PRE_NMS_TOP_K) -> list[dict]:
        """Boxes ``(N, 4)`` xyxy px, scores ``(N,)`` and labels ``(N,)`` per image.

        Thresholds, in the order they apply (torchvision's FCOS does the same):

        1. every (cell, class) with probability ``> score_thresh`` (default 0.3, for showing
           detections; use ``COCO_THRESHOLDS``, 0.05, for COCO evaluation) is a candidate;
        2. per level, only the ``pre_nms_top_k`` (1000) highest-scoring candidates are kept;
        3. boxes are clipped to the image ``(H, W)`` and empty ones dropped;
        4. class-wise NMS at IoU ``iou_thresh`` (0.5);
        5. the ``max_dets`` (50) best remain.

        Runs in eval mode (BatchNorm statistics untouched) and restores the module's mode.
        """
        check_image_batch("images", images, where="Detector.predict")
        check_number("score_thresh", score_thresh, 0, 1, where="Detector.predict")
        check_number("iou_thresh", iou_thresh, 0, 1, where="Detector.predict")
        max_dets = check_int("max_dets", max_dets, where="Detector.predict")
        pre_nms_top_k = check_int("pre_nms_top_k", pre_nms_top_k, where="Detector.predict")
        was_training = self.training
        self.eval()
        try:
            head = self(images)["head"]
        finally:
            self.train(was_training)
        img_hw = tuple(images.shape[-2:])
        decoded = [self.decode(raw, lvl).flatten(2) for lvl, (_, raw) in enumerate(head)]  # (B, 4, HW)
        results = []
        for b in range(images.shape[0]):
            boxes, scores, labels = [], [], []
            for (c, _), dec in zip(head, decoded):
                hw = c.shape[-2] * c.shape[-1]
                prob = c[b].sigmoid().flatten()                      # (K·H·W,)
                idx = (prob > score_thresh).nonzero().flatten()
                if len(idx) > pre_nms_top_k:
                    idx = idx[prob[idx].topk(pre_nms_top_k).indices]
                boxes.append(dec[b][:, idx % hw].T)
                scores.append(prob[idx])
                labels.append(idx // hw)
            boxes = clip_boxes_to_image(torch.cat(boxes), img_hw)
            scores, labels = torch.cat(scores), torch.cat(labels)
            ok = remove_small_boxes(boxes, 1e-2)
            boxes, scores, labels = boxes[ok], scores[ok], labels[ok]
            keep = batched_nms(boxes, scores, labels, iou_thresh)[:max_dets]
            results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return results


@torch.no_grad()
def evaluate(model: Detector, dataset, batch_size: int = 32, area_ranges=None, thresholds=None,
             errors: bool = False) -> dict:
    """COCO box AP of ``model`` on ``dataset`` (:func:`fpnlab.coco.coco_eval`).

    ``dataset[i]`` gives ``(image (3, H, W), {"boxes" (N, 4) xyxy, "labels" (N,)})`` (the
    generated sets, :class:`fpnlab.data.CocoFolder`); image ``i`` gets COCO id ``i + 1`` and
    class ``k`` category ``k + 1``. Ground truth and predictions are both in the coordinates the
    model sees (after the data set's transforms). Predictions use :data:`COCO_THRESHOLDS`
    (score > 0.05, top 1000 per level, NMS 0.6, 100 per image) unless ``thresholds`` says
    otherwise. ``area_ranges`` is passed to ``coco_eval`` (e.g. ``scaled_area_ranges(128)``).
    ``errors=True`` adds ``"errors"``: the same detections' true positives, false positives by
    kind and misses at IoU 0.5 (:func:`fpnlab.coco.error_kinds.error_kinds`).
    """
    from .coco import coco_eval, coco_results
    from .data import _coco_dict

    batch_size = check_int("batch_size", batch_size, where="evaluate")
    if len(dataset) == 0:
        raise ArgumentError(_t("dataset", where="evaluate"))

    classes = getattr(dataset, "classes", None)
    device = next(model.parameters()).device
    th = dict(COCO_THRESHOLDS, **(thresholds or {}))
    preds = []
    for start in range(0, len(dataset), batch_size):
        images = torch.stack([dataset[i][0] for i in range(start, min(start + batch_size, len(dataset)))])
        preds += [{k: v.cpu() for k, v in p.items()} for p in model.predict(images.to(device), **th)]
    gt = _coco_dict(dataset, classes or [str(k) for k in range(model.head.cls.out_channels)])
    n_classes = len(gt["categories"])
    dets = coco_results(preds, range(1, len(dataset) + 1), list(range(1, n_classes + 1)))
    out = coco_eval(gt, dets, area_ranges=area_ranges)
    if errors:
        from .coco.error_kinds import error_kinds

        out["errors"] = error_kinds(gt, dets, iou=0.5)
    return out


def tiny_detector(num_classes: int = 3, width: int = 32) -> Detector:
    """TinyBackbone (C2..C5) → FPN(``width``) → DenseHead: about 0.36 M parameters; takes
    ``(B, 3, H, W)`` images."""
    num_classes = check_int("num_classes", num_classes, where="tiny_detector")
    width = check_int("width", width, where="tiny_detector")
    backbone = TinyBackbone()
    neck = FPN([lv.channels for lv in backbone.feature_info], out_channels=width)
    return Detector(backbone, neck, DenseHead(width, num_classes),
                    strides=[lv.stride for lv in backbone.feature_info])


def _batches(dataset, batch_size: int, g: torch.Generator):
    """Endless random batches: ``dataset.batch(indices)`` when it has one (the generated sets),
    else a DataLoader that yields ``(images, targets)`` (e.g. :func:`fpnlab.data.coco_loader`)."""
    if hasattr(dataset, "batch"):
        while True:
            yield dataset.batch(torch.randint(len(dataset), (batch_size,), generator=g))
    while True:
        yield from dataset


def train(model: Detector, dataset, steps: int = 200, batch_size: int = 16, lr: float = 2e-3,
          seed: int = 0, progress: bool = True) -> list[float]:
    """A short AdamW run on random batches of ``dataset``; returns the total loss of every step.

    ``dataset`` is a generated set with ``.batch(indices)`` (random batches of ``batch_size``)
    or a ``DataLoader`` yielding ``(images (B, 3, H, W), targets)``, cycled for ``steps``.
    Seeded (batch order and any randomness in the model), so a re-run gives the same curve on the
    same machine and thread count.
    """
    steps = check_int("steps", steps, where="train")
    batch_size = check_int("batch_size", batch_size, where="train")
    lr = check_number("lr", lr, 0, strict=True, where="train")
    seed = check_int("seed", seed, 0, where="train")
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    device = next(model.parameters()).device
    model.train()
    losses = []
    batches = _batches(dataset, batch_size, g)
    for _ in tqdm(range(steps), disable=not progress, desc=t("training"), mininterval=1.0):
        images, targets = next(batches)
        images = images.to(device)
        targets = [{k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in tgt.items()}
                   for tgt in targets]
        loss = model.loss(model(images), targets)["total"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return losses


__all__ = ["Detector", "NoStridesError", "evaluate", "tiny_detector",
           "train", "SCORE_THRESH", "IOU_THRESH", "MAX_DETS", "PRE_NMS_TOP_K", "COCO_THRESHOLDS"]
