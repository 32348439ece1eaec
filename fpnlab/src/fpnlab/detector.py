"""Backbone → neck → head, put together into a small anchor-free detector that trains on a CPU.

Each object is assigned to one pyramid level with :func:`fpnlab.strides.recommend_level` —
the coarsest stride at which it still covers two cells — and the cells near its centre on that
level learn its class (sigmoid focal loss) and its box (GIoU loss), in the spirit of FCOS.

>>> from fpnlab.data import Shapes
>>> model = tiny_detector(num_classes=3)
>>> imgs, targets = Shapes(2, size=64, seed=0).batch([0, 1])
>>> sorted(model.loss(model(imgs), targets))
['box', 'cls', 'total']
"""
from __future__ import annotations

import torch
from torch import nn
from torchvision.ops import batched_nms, generalized_box_iou_loss, sigmoid_focal_loss
from tqdm.auto import tqdm

from .backbones import TinyBackbone
from .heads import DenseHead
from .necks import FPN
from .strides import recommend_level


class Detector(nn.Module):
    """``images (B, 3, H, W)`` → ``{"features": C dict, "pyramid": P dict, "head": [(cls, box)]}``.

    ``strides`` are those of the neck's outputs, fine → coarse (P2..P5: 4, 8, 16, 32).
    """

    def __init__(self, backbone: nn.Module, neck: nn.Module, head: nn.Module, strides=(4, 8, 16, 32)):
        super().__init__()
        self.backbone, self.neck, self.head = backbone, neck, head
        self.strides = tuple(strides)

    def forward(self, images: torch.Tensor) -> dict:
        feats = self.backbone(images)
        pyramid = self.neck(feats)
        return {"features": feats, "pyramid": pyramid, "head": self.head(pyramid)}

    # ---- training targets and loss ----------------------------------------------------------
    def level_of(self, boxes: torch.Tensor) -> list[int]:
        """Index (into ``strides``) of the level each ``(N, 4)`` xyxy box is assigned to."""
        sides = (boxes[:, 2:] - boxes[:, :2]).min(dim=1).values
        out = []
        for s in sides.tolist():
            stride = recommend_level(s, self.strides).stride
            out.append(self.strides.index(stride) if stride is not None else 0)
        return out

    def targets(self, targets: list[dict], sizes: list[tuple[int, int]], num_classes: int,
                radius: float = 1.5):
        """Per level: class targets ``(B, K, H, W)``, box targets ``(B, 4, H, W)`` (xyxy px) and a
        positive mask ``(B, H, W)``: cells within ``radius`` strides of an assigned box's centre
        (and inside the box) are positives."""
        B = len(targets)
        dev = targets[0]["boxes"].device if targets else "cpu"
        cls_t = [torch.zeros(B, num_classes, h, w, device=dev) for h, w in sizes]
        box_t = [torch.zeros(B, 4, h, w, device=dev) for h, w in sizes]
        pos = [torch.zeros(B, h, w, dtype=torch.bool, device=dev) for h, w in sizes]
        for b, tgt in enumerate(targets):
            boxes, labels = tgt["boxes"], tgt["labels"]
            if len(boxes) == 0:
                continue
            for box, label, lvl in zip(boxes, labels, self.level_of(boxes)):
                s, (h, w) = self.strides[lvl], sizes[lvl]
                cy = (torch.arange(h, device=dev) + 0.5) * s
                cx = (torch.arange(w, device=dev) + 0.5) * s
                mx, my = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
                inside_y = (cy > box[1]) & (cy < box[3]) & ((cy - my).abs() <= radius * s)
                inside_x = (cx > box[0]) & (cx < box[2]) & ((cx - mx).abs() <= radius * s)
                m = inside_y[:, None] & inside_x[None, :]
                if not m.any():  # tiny box: at least the cell holding its centre
                    m[min(int(my // s), h - 1), min(int(mx // s), w - 1)] = True
                cls_t[lvl][b, label][m] = 1.0
                box_t[lvl][b][:, m] = box[:, None]
                pos[lvl][b] |= m
        return cls_t, box_t, pos

    def decode(self, raw: torch.Tensor, level: int) -> torch.Tensor:
        """Raw head output ``(B, 4, H, W)`` → boxes ``(B, 4, H, W)`` xyxy in pixels."""
        s = self.strides[level]
        h, w = raw.shape[-2:]
        cy = ((torch.arange(h, device=raw.device) + 0.5) * s)[:, None].expand(h, w)
        cx = ((torch.arange(w, device=raw.device) + 0.5) * s)[None, :].expand(h, w)
        d = raw.clamp(max=8).exp() * s
        return torch.stack([cx - d[:, 0], cy - d[:, 1], cx + d[:, 2], cy + d[:, 3]], dim=1)

    def loss(self, outputs: dict, targets: list[dict]) -> dict:
        """Sigmoid focal loss on classes + GIoU loss on positive cells' boxes, per positive cell."""
        head = outputs["head"]
        if len(head) != len(self.strides):
            raise ValueError(f"the head returned {len(head)} levels but the detector has strides "
                             f"{self.strides}: give Detector one stride per neck output level")
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
    def predict(self, images: torch.Tensor, score_thresh: float = 0.3, iou_thresh: float = 0.5,
                max_dets: int = 50) -> list[dict]:
        """Boxes ``(N, 4)``, scores ``(N,)`` and labels ``(N,)`` per image, after class-wise NMS.
        Runs in eval mode (BatchNorm statistics untouched) and restores the module's mode."""
        was_training = self.training
        self.eval()
        try:
            head = self(images)["head"]
        finally:
            self.train(was_training)
        results = []
        for b in range(images.shape[0]):
            boxes, scores, labels = [], [], []
            for lvl, (c, raw) in enumerate(head):
                prob = c[b].sigmoid()                                  # (K, H, W)
                k, y, x = torch.nonzero(prob > score_thresh, as_tuple=True)
                boxes.append(self.decode(raw[b:b + 1], lvl)[0][:, y, x].T)
                scores.append(prob[k, y, x])
                labels.append(k)
            boxes, scores, labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
            keep = batched_nms(boxes, scores, labels, iou_thresh)[:max_dets]
            results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return results


def tiny_detector(num_classes: int = 3, width: int = 32) -> Detector:
    """TinyBackbone (C2..C5) → FPN(``width``) → DenseHead: about 0.36 M parameters."""
    backbone = TinyBackbone()
    neck = FPN([lv.channels for lv in backbone.feature_info], out_channels=width)
    return Detector(backbone, neck, DenseHead(width, num_classes),
                    strides=[lv.stride for lv in backbone.feature_info])


def train(model: Detector, dataset, steps: int = 200, batch_size: int = 16, lr: float = 2e-3,
          seed: int = 0, progress: bool = True) -> list[float]:
    """A short AdamW run on random batches of ``dataset``; returns the total loss of every step.

    Seeded (batch order and any randomness in the model), so a re-run gives the same curve on the
    same machine and thread count.
    """
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    model.train()
    losses = []
    for _ in tqdm(range(steps), disable=not progress, desc="train", mininterval=1.0):
        idx = torch.randint(len(dataset), (batch_size,), generator=g)
        images, targets = dataset.batch(idx)
        loss = model.loss(model(images), targets)["total"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return losses
