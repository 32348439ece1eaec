"""The COCO detection format and its one validator, :func:`check_coco`.

Every reader of COCO data in fpnlab checks its input here — the statistics
(:func:`fpnlab.datastats.dataset_stats`), the folder reader (:class:`fpnlab.data.CocoFolder`) and
the evaluation (:func:`fpnlab.coco.coco_eval`) — so a file gets one verdict everywhere. A
malformed file raises :class:`CocoFormatError` naming the field, the entry and the fix:

>>> check_coco({"images": [{"id": 1, "width": 64, "height": 64}], "categories": [{"id": 1, "name": "dot"}],
...             "annotations": [{"id": 0, "image_id": 1, "category_id": 1, "bbox": [8, 8, 20, 20]}]})
Traceback (most recent call last):
...
fpnlab.errors.CocoFormatError: annotations[0]: field 'id' is 0 (int). Fix: 'id' must be an integer ≥ 1 (pycocotools treats id 0 as 'no match'; number the annotations 1, 2, 3, ...).
"""
from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

from ..arguments import is_int
from ..errors import CocoFormatError
from ..i18n import Strings

_t = Strings({
    "err_json": {
        "en": "{path}: not a JSON file ({why}). Fix: pass a COCO annotation file (.json) or the loaded dict.",
        "tr": "{path}: JSON dosyası değil ({why}). Düzeltme: bir COCO annotation dosyası (.json) ya da yüklenmiş dict ver.",
    },
    "err_path": {
        "en": "{path}: no such annotation file. Fix: check the path, or pass the loaded dict.",
        "tr": "{path}: böyle bir annotation dosyası yok. Düzeltme: yolu kontrol et ya da yüklenmiş dict ver.",
    },
    "err_top": {
        "en": ("the annotation file's top level is {got}, not a dict. Fix: a COCO file is one JSON "
               "object with \"images\", \"annotations\" and \"categories\" lists."),
        "tr": ("annotation dosyasının en üst düzeyi dict değil, {got}. Düzeltme: bir COCO dosyası "
               "\"images\", \"annotations\" ve \"categories\" listelerini taşıyan tek bir JSON nesnesidir."),
    },
    "err_list": {
        "en": "field {field!r} is {got}, not a list. Fix: give {field!r} as a list of objects (it may be empty).",
        "tr": "{field!r} alanı liste değil, {got}. Düzeltme: {field!r} alanını nesnelerin listesi olarak ver (boş olabilir).",
    },
    "err_entry": {
        "en": "{where}: the entry is {got}, not a dict. Fix: every entry of {field!r} is a JSON object.",
        "tr": "{where}: kayıt dict değil, {got}. Düzeltme: {field!r} listesinin her kaydı bir JSON nesnesidir.",
    },
    "err_missing": {
        "en": "{where}: field {field!r} is missing. Fix: add {field!r} ({what}).",
        "tr": "{where}: {field!r} alanı eksik. Düzeltme: {field!r} alanını ekle ({what}).",
    },
    "err_type": {
        "en": "{where}: field {field!r} is {got}. Fix: {field!r} must be {what}.",
        "tr": "{where}: {field!r} alanı {got}. Düzeltme: {field!r} {what} olmalı.",
    },
    "err_dup": {
        "en": "{where}: id {id!r} appears twice in {field!r}. Fix: give every entry of {field!r} its own id.",
        "tr": "{where}: {id!r} id'si {field!r} içinde iki kez geçiyor. Düzeltme: {field!r} listesinin her kaydına ayrı bir id ver.",
    },
    "err_dup_name": {
        "en": ("{where}: field 'name' is {name!r}, which category id {other!r} has too. Fix: give "
               "every category its own name (class_counts is keyed by name)."),
        "tr": ("{where}: 'name' alanı {name!r}, bu ad category id {other!r} kaydında da var. "
               "Düzeltme: her kategoriye ayrı bir ad ver (class_counts adlara göre sayar)."),
    },
    "err_image_id": {
        "en": ("annotation id {id!r}: field 'image_id' is {ref!r}, which no image has. Fix: add an "
               "image with \"id\": {ref!r} to \"images\", or correct the annotation's image_id."),
        "tr": ("annotation id {id!r}: 'image_id' alanı {ref!r}, bu id'de görüntü yok. Düzeltme: "
               "\"images\" listesine \"id\": {ref!r} olan bir görüntü ekle ya da annotation'ın image_id'sini düzelt."),
    },
    "err_category_id": {
        "en": ("annotation id {id!r}: field 'category_id' is {ref!r}, which no category has. Fix: "
               "add a category with \"id\": {ref!r} to \"categories\", or correct the annotation's category_id."),
        "tr": ("annotation id {id!r}: 'category_id' alanı {ref!r}, bu id'de kategori yok. Düzeltme: "
               "\"categories\" listesine \"id\": {ref!r} olan bir kategori ekle ya da annotation'ın category_id'sini düzelt."),
    },
    # what a field must be
    "what_id": {"en": "an integer id", "tr": "bir tam sayı id"},
    "what_ann_id": {"en": "an integer ≥ 1 (pycocotools treats id 0 as 'no match'; number the annotations 1, 2, 3, ...)",
                    "tr": "1 ya da daha büyük bir tam sayı (pycocotools id 0'ı 'eşleşme yok' sayar; annotation'ları 1, 2, 3, ... diye numaralandır)"},
    "what_size": {"en": "a whole number of pixels ≥ 1", "tr": "1 ya da daha büyük bir tam sayı piksel"},
    "what_name": {"en": "the category's name, a string", "tr": "kategorinin adı, bir string"},
    "what_file": {"en": "the image's file name, a string, relative to the annotation file's folder",
                  "tr": "görüntünün dosya adı, annotation dosyasının klasörüne göre bir string"},
    "what_bbox": {"en": "4 numbers [x, y, width, height] in pixels",
                  "tr": "piksel cinsinden 4 sayı [x, y, width, height]"},
    "what_wh": {"en": "4 numbers [x, y, width, height] with width > 0 and height > 0 (COCO boxes are x, y, w, h — not x1, y1, x2, y2)",
                "tr": "width > 0 ve height > 0 olan 4 sayı [x, y, width, height] (COCO kutuları x, y, w, h'dir; x1, y1, x2, y2 değil)"},
    "what_area": {"en": "a number ≥ 0 (pixels²), or left out (then it is the box's w × h)",
                  "tr": "≥ 0 bir sayı (piksel²) ya da hiç yazılmamış (o zaman kutunun w × h değeri)"},
    "what_crowd": {"en": "0 or 1", "tr": "0 ya da 1"},
    "source": {"en": "{source}: {message}", "tr": "{source}: {message}"},
})

LISTS = ("images", "annotations", "categories")


def _desc(v) -> str:
    """A short description of a wrong value for an error message: its repr (cut) and type."""
    r = repr(v)
    if len(r) > 40:
        r = r[:37] + "..."
    return f"{r} ({type(v).__name__})"


def _is_num(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _where(kind: str, i: int, entry) -> str:
    """``"annotation id 7"`` when the entry has an integer id, else ``"annotations[3]"``."""
    ident = entry.get("id") if isinstance(entry, Mapping) else None
    plural = "categories" if kind == "category" else kind + "s"
    return f"{kind} id {ident!r}" if is_int(ident) and (kind != "annotation" or ident >= 1) else f"{plural}[{i}]"


def read_coco_json(annotations, lang: str | None = None):
    """``annotations`` as loaded JSON: a path is read (a missing or non-JSON file raises
    :class:`CocoFormatError`), anything else is returned as it is."""
    if isinstance(annotations, (str, os.PathLike)):
        path = Path(annotations)
        if not path.is_file():
            raise CocoFormatError(_t("err_path", lang, path=str(path)))
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CocoFormatError(_t("err_json", lang, path=str(path), why=str(e))) from None
    return annotations


def check_coco(dataset, source: str | None = None, require_files: bool = False, fill: bool = True,
               lang: str | None = None) -> dict:
    """Check a COCO detection set (a path to its JSON file, or the loaded dict) and return a copy
    ready for pycocotools; the input is not changed.

    Raises :class:`CocoFormatError` on the first problem, naming the field, the entry (``image id
    2``, ``annotations[3]``) and the fix (``source``, or the path, comes first when given). The
    rules, COCO's own:

    - the top level is a dict with the lists ``images``, ``annotations`` and ``categories``, each
      entry a dict with an integer ``id``, unique in its list; annotation ids are ≥ 1
      (pycocotools' matching treats id 0 as "no match");
    - images: ``width`` and ``height`` integers ≥ 1; ``file_name`` a string (required when
      ``require_files``);
    - categories: ``name`` a string, unique;
    - annotations: ``image_id`` and ``category_id`` that exist; ``bbox`` four finite numbers
      ``[x, y, w, h]`` with ``w, h > 0``; ``area`` a number ≥ 0 or absent; ``iscrowd`` 0 or 1 or
      absent.

    With ``fill`` (the default), a missing ``area`` is filled with ``w·h`` and a missing
    ``iscrowd`` with 0, as COCO's own exporters do.
    """
    raw = dataset
    dataset = read_coco_json(dataset, lang)
    if source is None and isinstance(raw, (str, os.PathLike)):
        source = str(raw)
    try:
        return _check(dataset, require_files, fill, lang)
    except CocoFormatError as e:
        if source is None:
            raise
        raise CocoFormatError(_t("source", lang, source=source, message=str(e))) from None


def _check(coco, require_files: bool, fill: bool, lang) -> dict:
    if not isinstance(coco, Mapping):
        raise CocoFormatError(_t("err_top", lang, got=_desc(coco)))

    def need(cond, where, fld, what, entry, missing=False):
        if not cond:
            key = "err_missing" if missing else "err_type"
            raise CocoFormatError(_t(key, lang, where=where, field=fld, what=_t(what, lang),
                                     got=_desc(entry.get(fld)) if isinstance(entry, Mapping) else ""))

    ids = {}
    for fld in LISTS:
        if fld not in coco:
            raise CocoFormatError(_t("err_missing", lang, where="COCO", field=fld,
                                     what="[]" if fld != "images" else
                                     '[{"id": 1, "width": ..., "height": ..., "file_name": ...}]'))
        if not isinstance(coco[fld], list):
            raise CocoFormatError(_t("err_list", lang, field=fld, got=_desc(coco[fld])))
        kind = fld[:-1] if fld != "categories" else "category"
        seen = set()
        for i, e in enumerate(coco[fld]):
            if not isinstance(e, Mapping):
                raise CocoFormatError(_t("err_entry", lang, where=f"{fld}[{i}]", field=fld, got=_desc(e)))
            where = _where(kind, i, e)
            what = "what_ann_id" if fld == "annotations" else "what_id"
            need("id" in e, where, "id", what, e, missing=True)
            need(is_int(e["id"]) and (fld != "annotations" or e["id"] >= 1), where, "id", what, e)
            if e["id"] in seen:
                raise CocoFormatError(_t("err_dup", lang, where=where, id=e["id"], field=fld))
            seen.add(e["id"])
        ids[fld] = seen

    for i, im in enumerate(coco["images"]):
        where = _where("image", i, im)
        for fld in ("width", "height"):
            need(fld in im, where, fld, "what_size", im, missing=True)
            need(is_int(im[fld]) and im[fld] >= 1, where, fld, "what_size", im)
        if require_files or "file_name" in im:
            need("file_name" in im, where, "file_name", "what_file", im, missing=True)
            need(isinstance(im["file_name"], str) and im["file_name"] != "", where, "file_name", "what_file", im)
    names = {}
    for i, c in enumerate(coco["categories"]):
        where = _where("category", i, c)
        need("name" in c, where, "name", "what_name", c, missing=True)
        need(isinstance(c["name"], str), where, "name", "what_name", c)
        if c["name"] in names:
            raise CocoFormatError(_t("err_dup_name", lang, where=where, name=c["name"], other=names[c["name"]]))
        names[c["name"]] = c["id"]
    anns = []
    for i, a in enumerate(coco["annotations"]):
        where = _where("annotation", i, a)
        for fld in ("image_id", "category_id"):
            need(fld in a, where, fld, "what_id", a, missing=True)
            need(is_int(a[fld]), where, fld, "what_id", a)
        if a["image_id"] not in ids["images"]:
            raise CocoFormatError(_t("err_image_id", lang, id=a["id"], ref=a["image_id"]))
        if a["category_id"] not in ids["categories"]:
            raise CocoFormatError(_t("err_category_id", lang, id=a["id"], ref=a["category_id"]))
        need("bbox" in a, where, "bbox", "what_bbox", a, missing=True)
        b = a["bbox"]
        need(isinstance(b, (list, tuple)) and len(b) == 4 and all(_is_num(v) for v in b),
             where, "bbox", "what_bbox", a)
        need(b[2] > 0 and b[3] > 0, where, "bbox", "what_wh", a)
        if "area" in a:
            need(_is_num(a["area"]) and a["area"] >= 0, where, "area", "what_area", a)
        if "iscrowd" in a:
            need(is_int(a["iscrowd"]) and a["iscrowd"] in (0, 1), where, "iscrowd", "what_crowd", a)
        a = dict(a)
        if fill:
            a.setdefault("area", float(b[2] * b[3]))
            a.setdefault("iscrowd", 0)
        anns.append(a)
    out = {k: v for k, v in coco.items() if k not in LISTS}
    out.update(images=[dict(im) for im in coco["images"]], annotations=anns,
               categories=[dict(c) for c in coco["categories"]])
    return out


__all__ = ["CocoFormatError", "check_coco", "read_coco_json"]
