"""Data: small generated detection sets, and a reader for any COCO-format folder.

No downloads: every generated image is drawn from a seed, so a chapter can train a detector on
a laptop CPU in seconds and get the same numbers every time. Object sizes span small to large
so that every pyramid level gets work.

- :class:`Shapes`: coloured squares, discs and triangles on a noisy background.
- :class:`ContextShapes`: the same shapes plus small dots whose class is decided by a scene
  cue far away from them (a context cue that only a top-down path brings to the fine levels),
  with clutter, overlaps, class imbalance and optional blur, noise and low light; it writes
  itself as a COCO folder (:meth:`ContextShapes.write_coco`).
- :class:`CocoFolder` / :func:`coco_loader`: any COCO-format folder through torchvision's
  ``CocoDetection`` and ``transforms.v2`` (boxes move with resizing and letterboxing), batched
  by :func:`collate`. Malformed annotation files raise :class:`CocoFormatError`.

>>> ds = Shapes(4, size=128, seed=0)
>>> img, target = ds[0]
>>> tuple(img.shape), target["boxes"].shape[1], target["labels"].dtype
((3, 128, 128), 4, torch.int64)
"""
from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from .i18n import Strings
from .strides import stride_table

CLASSES = ("square", "disc", "triangle")


def _draw(canvas: np.ndarray, kind: int, x0: int, y0: int, side: int, colour: np.ndarray) -> None:
    """Paint one shape whose bounding box is ``[x0, y0, x0 + side, y0 + side)`` into ``canvas`` (H, W, 3)."""
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) + 0.5
    if kind == 0:    # square
        mask = np.ones((side, side), bool)
    elif kind == 1:  # disc
        r = side / 2
        mask = (xx - r) ** 2 + (yy - r) ** 2 <= r * r
    else:            # triangle, apex up
        mask = np.abs(xx - side / 2) <= yy / 2
    region = canvas[y0:y0 + side, x0:x0 + side]
    region[mask] = colour


def make_image(rng: np.random.Generator, size: int, max_objects: int, min_side: int, max_side: int):
    """One ``(3, size, size)`` float image in [0, 1], its boxes ``(N, 4)`` xyxy and labels ``(N,)``."""
    canvas = rng.uniform(0.0, 0.35, (size, size, 3)).astype(np.float32)
    boxes, labels = [], []
    for _ in range(rng.integers(1, max_objects + 1)):
        side = int(np.exp(rng.uniform(np.log(min_side), np.log(max_side))))  # log-uniform sizes
        x0, y0 = (int(v) for v in rng.integers(0, size - side + 1, 2))
        kind = int(rng.integers(len(CLASSES)))
        colour = rng.uniform(0.55, 1.0, 3).astype(np.float32)
        _draw(canvas, kind, x0, y0, side, colour)
        boxes.append([x0, y0, x0 + side, y0 + side])
        labels.append(kind)
    img = torch.from_numpy(canvas).permute(2, 0, 1).contiguous()
    return img, torch.tensor(boxes, dtype=torch.float32), torch.tensor(labels, dtype=torch.int64)


class Shapes(torch.utils.data.Dataset):
    """``n`` generated images of ``size × size`` pixels with 1..``max_objects`` shapes each.

    ``ds[i]`` → ``(image (3, size, size), {"boxes": (N, 4) xyxy pixels, "labels": (N,)})``.
    Object sides are log-uniform in ``[min_side, max_side]`` pixels; later shapes may overlap
    earlier ones. Everything is generated once from ``seed``.
    """

    classes = CLASSES

    def __init__(self, n: int = 256, size: int = 128, max_objects: int = 3, min_side: int = 6,
                 max_side: int | None = None, seed: int = 0):
        max_side = max_side or size // 2
        if not 1 <= min_side <= max_side <= size:
            raise ValueError(f"need 1 <= min_side <= max_side <= size; got {min_side}, {max_side}, {size}")
        rng = np.random.default_rng(seed)
        self.size = size
        self.items = [make_image(rng, size, max_objects, min_side, max_side) for _ in range(n)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        img, boxes, labels = self.items[i]
        return img, {"boxes": boxes, "labels": labels}

    def batch(self, indices) -> tuple[torch.Tensor, list[dict]]:
        """Images stacked to ``(B, 3, size, size)`` and a list of target dicts."""
        imgs, targets = zip(*(self[int(i)] for i in indices))
        return torch.stack(imgs), list(targets)


def random_pyramid(input_size, channels, first: int = 2, batch: int = 1,
                   generator: torch.Generator | None = None) -> dict:
    """Random backbone levels ``{"C{first}": (batch, channels[0], h, w), ...}`` with the sizes a
    backbone of strides ``2**first, 2**(first+1), ...`` gives for ``input_size`` (int or ``(H, W)``;
    ``ceil`` for odd sizes) — inputs for testing and timing necks without running a backbone.

    >>> {k: tuple(v.shape) for k, v in random_pyramid(97, [8, 16], first=3).items()}
    {'C3': (1, 8, 13, 13), 'C4': (1, 16, 7, 7)}
    """
    ks = range(first, first + len(channels))
    levels = stride_table(input_size, [2 ** k for k in ks])
    return {f"C{k}": torch.randn(batch, c, *lv.size, generator=generator)
            for k, c, lv in zip(ks, channels, levels)}


# ---------------------------------------------------------------- COCO format checks

# Text this module shows the reader; to move into fpnlab.i18n.STRINGS (same keys).
_S = Strings({
    "coco_err": {
        "en": "{source}: {where}: {problem}. Fix: {fix}",
        "tr": "{source}: {where}: {problem}. Düzeltme: {fix}"},
    "coco_top": {
        "en": "the file must be a JSON object with the lists 'images', 'annotations' and 'categories'",
        "tr": "dosya 'images', 'annotations' ve 'categories' listelerini içeren bir JSON nesnesi olmalı"},
    "coco_missing": {"en": "field '{field}' is missing", "tr": "'{field}' alanı yok"},
    "coco_bad": {"en": "field '{field}' is {value!r}", "tr": "'{field}' alanı {value!r}"},
    "coco_dup": {"en": "{kind} id {id:d} appears more than once", "tr": "{kind} id {id:d} birden çok kez geçiyor"},
    "coco_unknown": {"en": "{field} {id} is not among the file's {kind}",
                     "tr": "{field} {id}, dosyadaki {kind} arasında yok"},
    "fix_field": {"en": "give every entry of '{list}' the field '{field}' ({what})",
                  "tr": "'{list}' listesindeki her kayda '{field}' alanını ekle ({what})"},
    "fix_ann_id": {"en": "number the annotations 1, 2, 3, ... (pycocotools treats id 0 as 'no match')",
                   "tr": "annotation'ları 1, 2, 3, ... diye numaralandır (pycocotools id 0'ı 'eşleşme yok' sayar)"},
    "fix_bbox": {"en": "write bbox as [x, y, width, height] in pixels with width > 0 and height > 0 "
                       "(COCO's format, not x1, y1, x2, y2)",
                 "tr": "bbox'ı piksel cinsinden [x, y, genişlik, yükseklik] yaz, genişlik > 0 ve yükseklik > 0 "
                       "(COCO biçimi; x1, y1, x2, y2 değil)"},
    "fix_ref": {"en": "add the missing entry to '{kind}' or remove the annotation",
                "tr": "eksik kaydı '{kind}' listesine ekle ya da annotation'ı sil"},
    "fix_unique": {"en": "give every entry of '{kind}' its own id", "tr": "'{kind}' listesindeki her kayda ayrı bir id ver"},
    "fix_json": {"en": "check that the path points at a COCO annotations JSON file",
                 "tr": "yolun bir COCO annotations JSON dosyasını gösterdiğini kontrol et"},
})


class CocoFormatError(ValueError):
    """A COCO annotation file (or dict) is malformed. The message names the field, the image or
    annotation id, and what to change."""


def _err(source, where, problem, fix):
    return CocoFormatError(_S("coco_err", source=source, where=where, problem=problem, fix=fix))


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_coco(dataset, source: str = "annotations", require_files: bool = False) -> dict:
    """Check a COCO detection dict and return a copy ready for pycocotools.

    Raises :class:`CocoFormatError` on the first problem, naming the field, the entry and the
    fix: the three top-level lists; ``images[*].id`` (unique ints; ``file_name`` too when
    ``require_files``); ``categories[*].id``; ``annotations[*]``: ``id`` (unique, ≥ 1),
    ``image_id`` and ``category_id`` that exist, ``bbox`` ``[x, y, w, h]`` with ``w, h > 0``.
    Missing ``area`` is filled with ``w·h`` and missing ``iscrowd`` with 0, as COCO's own
    exporters do.
    """
    if isinstance(dataset, (str, os.PathLike)):
        source = str(dataset)
        try:
            with open(dataset, encoding="utf-8") as f:
                dataset = json.load(f)
        except (OSError, json.JSONDecodeError) as err:
            raise _err(source, type(err).__name__, str(err), _S("fix_json")) from err
    if not isinstance(dataset, Mapping) or not all(
            isinstance(dataset.get(k), list) for k in ("images", "annotations", "categories")):
        raise _err(source, "top level", _S("coco_top"), _S("fix_field", list="top level",
                                                             field="images/annotations/categories", what="lists"))
    images, cats, anns = [], [], []
    for i, img in enumerate(dataset["images"]):
        where = f"images[{i}]"
        if not isinstance(img, Mapping) or "id" not in img:
            raise _err(source, where, _S("coco_missing", field="id"),
                       _S("fix_field", list="images", field="id", what="int"))
        if not _is_int(img["id"]):
            raise _err(source, where, _S("coco_bad", field="id", value=img["id"]),
                       _S("fix_field", list="images", field="id", what="int"))
        if require_files and not isinstance(img.get("file_name"), str):
            raise _err(source, f"image id {img['id']}", _S("coco_missing", field="file_name"),
                       _S("fix_field", list="images", field="file_name", what="path relative to the folder"))
        images.append(dict(img))
    for i, cat in enumerate(dataset["categories"]):
        if not isinstance(cat, Mapping) or not _is_int(cat.get("id")):
            raise _err(source, f"categories[{i}]", _S("coco_missing", field="id"),
                       _S("fix_field", list="categories", field="id", what="int"))
        cats.append(dict(cat))
    for kind, items in (("images", images), ("categories", cats)):
        seen = set()
        for it in items:
            if it["id"] in seen:
                raise _err(source, kind, _S("coco_dup", kind=kind, id=it["id"]), _S("fix_unique", kind=kind))
            seen.add(it["id"])
    image_ids, cat_ids, ann_ids = {im["id"] for im in images}, {c["id"] for c in cats}, set()
    for i, ann in enumerate(dataset["annotations"]):
        if not isinstance(ann, Mapping):
            raise _err(source, f"annotations[{i}]", _S("coco_bad", field="annotation", value=ann),
                       _S("fix_field", list="annotations", field="id", what="int ≥ 1"))
        where = f"annotation id {ann['id']}" if "id" in ann else f"annotations[{i}]"
        for field, what in (("id", "int ≥ 1"), ("image_id", "int"), ("category_id", "int"),
                            ("bbox", "[x, y, w, h]")):
            if field not in ann:
                raise _err(source, where, _S("coco_missing", field=field),
                           _S("fix_field", list="annotations", field=field, what=what))
        if not _is_int(ann["id"]) or ann["id"] < 1:
            raise _err(source, where, _S("coco_bad", field="id", value=ann["id"]), _S("fix_ann_id"))
        if ann["id"] in ann_ids:
            raise _err(source, where, _S("coco_dup", kind="annotation", id=ann["id"]), _S("fix_ann_id"))
        ann_ids.add(ann["id"])
        for field, known, kind in (("image_id", image_ids, "images"), ("category_id", cat_ids, "categories")):
            if ann[field] not in known:
                raise _err(source, where, _S("coco_unknown", field=field, id=ann[field], kind=kind),
                           _S("fix_ref", kind=kind))
        bbox = ann["bbox"]
        if (not isinstance(bbox, (list, tuple)) or len(bbox) != 4
                or not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in bbox)
                or bbox[2] <= 0 or bbox[3] <= 0):
            raise _err(source, f"{where} (image id {ann['image_id']})", _S("coco_bad", field="bbox", value=bbox),
                       _S("fix_bbox"))
        a = dict(ann)
        a.setdefault("area", float(bbox[2] * bbox[3]))
        a.setdefault("iscrowd", 0)
        anns.append(a)
    out = {k: v for k, v in dataset.items() if k not in ("images", "annotations", "categories")}
    out.update(images=images, annotations=anns, categories=cats)
    return out
