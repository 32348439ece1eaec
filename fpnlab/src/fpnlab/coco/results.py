"""Detections → COCO result dicts, the input of :func:`fpnlab.coco.coco_eval`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..arguments import check_ints
from ..errors import ArgumentError
from ..i18n import Strings

_t = Strings({
    "count": {
        "en": "coco_results: got {n:d} predictions but {m:d} image ids. Fix: give one image id per image, in the same order.",
        "tr": "coco_results: {n:d} tahmin ama {m:d} image id geldi. Düzeltme: her görüntü için bir image id ver, aynı sırayla.",
    },
    "label": {
        "en": ("coco_results: predictions[{i:d}] has label {label:d}, but category_ids has {n:d} entries (labels 0..{last:d}). "
               "Fix: give one category id per class of the model, in class order, e.g. category_ids=list(range(1, num_classes + 1))."),
        "tr": ("coco_results: predictions[{i:d}] içinde label {label:d} var ama category_ids {n:d} elemanlı (label'lar 0..{last:d}). "
               "Düzeltme: modelin her sınıfı için, sınıf sırasıyla bir category id ver, örneğin category_ids=list(range(1, num_classes + 1))."),
    },
})


def coco_results(predictions: Sequence[Mapping], image_ids: Sequence[int],
                 category_ids: Sequence[int] | None = None) -> list[dict]:
    """Detector predictions (``predict``'s list of ``{"boxes" (N, 4) xyxy, "scores", "labels"}``)
    → COCO result dicts ``{"image_id", "category_id", "bbox": [x, y, w, h], "score"}``, the
    input of :func:`fpnlab.coco.coco_eval` and of pycocotools' ``loadRes``.

    ``category_ids[label]`` maps the model's class index to the COCO category id (default: the
    label itself); a label outside ``0 .. len(category_ids) - 1`` raises
    :class:`~fpnlab.errors.ArgumentError`. Ids are integers ≥ 0, as :func:`fpnlab.coco.check_coco`
    accepts for images and categories.

    >>> import torch
    >>> p = {"boxes": torch.tensor([[10., 20., 30., 60.]]), "scores": torch.tensor([0.9]),
    ...      "labels": torch.tensor([1])}
    >>> coco_results([p], image_ids=[7], category_ids=[3, 5])
    [{'image_id': 7, 'category_id': 5, 'bbox': [10.0, 20.0, 20.0, 40.0], 'score': 0.9}]
    """
    w = "coco_results"
    if not (isinstance(image_ids, Sequence) and not isinstance(image_ids, str) and len(image_ids) == 0):
        image_ids = check_ints("image_ids", image_ids, minimum=0, where=w)  # an empty list: no images
    if category_ids is not None:
        category_ids = check_ints("category_ids", category_ids, minimum=0, where=w)
    if len(predictions) != len(image_ids):
        raise ArgumentError(_t("count", n=len(predictions), m=len(image_ids)))
    from torchvision.ops import box_convert

    out = []
    for i, (pred, image_id) in enumerate(zip(predictions, image_ids)):
        xywh = box_convert(pred["boxes"].detach().float().cpu(), "xyxy", "xywh").tolist()
        for bbox, score, label in zip(xywh, pred["scores"].tolist(), pred["labels"].tolist()):
            if category_ids is not None and not 0 <= int(label) < len(category_ids):
                n = len(category_ids)
                raise ArgumentError(_t("label", i=i, label=int(label), n=n, last=n - 1))
            cat = int(label) if category_ids is None else int(category_ids[int(label)])
            out.append({"image_id": int(image_id), "category_id": cat,
                        "bbox": [round(v, 4) for v in bbox], "score": round(float(score), 6)})
    return out


__all__ = ["coco_results"]
