"""The COCO detection format and its one validator.

Every reader of COCO data in fpnlab — the statistics (:func:`fpnlab.datastats.dataset_stats`),
the folder reader (:class:`fpnlab.data.CocoFolder`), the evaluation
(:func:`fpnlab.coco.coco_eval`) — checks its input here, and a malformed file raises
:class:`CocoFormatError` naming the field, the entry and the fix.
"""
from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping

from ..errors import CocoFormatError
from ..i18n import Strings


# This module's own text, both languages side by side per key (Strings checks both are there);
# the library's shared labels live in fpnlab.i18n.STRINGS.
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


__all__ = ["CocoFormatError", "check_coco"]
