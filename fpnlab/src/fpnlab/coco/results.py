"""Detections → COCO result dicts, the input of :func:`fpnlab.coco.coco_eval`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


from ..errors import ArgumentError
from ..i18n import Strings

_t = Strings({
    "count": {
        "en": "coco_results: got {n:d} predictions but {m:d} image ids. Fix: give one image id per image, in the same order.",
        "tr": "coco_results: {n:d} tahmin ama {m:d} image id geldi. Düzeltme: her görüntü için bir image id ver, aynı sırayla.",
    },
})


def coco_results(predictions: Sequence[Mapping], image_ids: Sequence[int],
                 category_ids: Sequence[int] | None = None) -> list[dict]:
    """Detector predictions (``predict``'s list of ``{"boxes" (N, 4) xyxy, "scores", "labels"}``)
    → COCO result dicts ``{"image_id", "category_id", "bbox": [x, y, w, h], "score"}``, the
    input of :func:`fpnlab.coco.coco_eval` and of pycocotools' ``loadRes``.

    ``category_ids[label]`` maps the model's class index to the COCO category id (default: the
    label itself).

    >>> import torch
    >>> p = {"boxes": torch.tensor([[10., 20., 30., 60.]]), "scores": torch.tensor([0.9]),
    ...      "labels": torch.tensor([1])}
    >>> coco_results([p], image_ids=[7], category_ids=[3, 5])
    [{'image_id': 7, 'category_id': 5, 'bbox': [10.0, 20.0, 20.0, 40.0], 'score': 0.9}]
    """
    if len(predictions) != len(image_ids):
        raise ArgumentError(_t("count", n=len(predictions), m=len(image_ids)))
    from torchvision.ops import box_convert

    out = []
    for pred, image_id in zip(predictions, image_ids):
        xywh = box_convert(pred["boxes"].detach().float().cpu(), "xyxy", "xywh").tolist()
        for bbox, score, label in zip(xywh, pred["scores"].tolist(), pred["labels"].tolist()):
            cat = int(label) if category_ids is None else int(category_ids[int(label)])
            out.append({"image_id": int(image_id), "category_id": cat,
                        "bbox": [round(v, 4) for v in bbox], "score": round(float(score), 6)})
    return out


__all__ = ["coco_results"]
