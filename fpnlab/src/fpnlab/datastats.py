"""Know your data first: the statistics of a COCO-format detection set, and what they say.

:func:`dataset_stats` reads a COCO annotation file (a path or the loaded dict), with or without
the images, and computes the eight statistics a backbone designer looks at before training:

1. relative bbox area (box area / image area) per object;
2. small / medium / large counts by COCO's rule on each annotation's ``area`` (crowd apart);
3. bbox aspect ratio (width / height) per object;
4. image resolution (width, height) per image;
5. brightness (mean grey level) and contrast (standard deviation of the grey levels) per image;
6. blur as the variance of the Laplacian of the grey image (low = blurry, a flat image gives 0);
7. class frequency (category name → objects; categories without objects appear as 0);
8. overlap: per object, the largest IoU with another object of the same image.

Pixel statistics (5, 6) need the image files; without them they are skipped and
:attr:`DatasetStats.notes` says why. :func:`design_hints` turns the numbers into hints about P2,
the stride plan, neck fusion, norm and augmentation, each with the number that triggered it;
:func:`report` gives tables and :func:`plot` the histograms.

>>> coco = {"images": [{"id": 1, "width": 100, "height": 50}],
...         "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
...         "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 10], "area": 200},
...                         {"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 0, 20, 10], "area": 200}]}
>>> s = dataset_stats(coco)
>>> s.n_images, s.n_objects, s.n_crowd, s.size_counts, s.class_counts
(1, 2, 0, {'small': 2, 'medium': 0, 'large': 0}, {'cat': 2, 'dog': 0})
>>> s.rel_area.tolist(), s.aspect.tolist(), s.overlap.round(3).tolist()
([0.04, 0.04], [2.0, 2.0], [0.333, 0.333])
>>> dataset_stats({"images": [], "annotations": [{"id": 7, "image_id": 3, "category_id": 1,
...                "bbox": [0, 0, 1, 1]}], "categories": [{"id": 1, "name": "cat"}]})
Traceback (most recent call last):
...
fpnlab.errors.CocoFormatError: annotation id 7: field 'image_id' is 3, which no image has. Fix: add an image with "id": 3 to "images", or correct the annotation's image_id.

COCO's size rule. ``area`` is the annotation's own ``area`` (the segmentation mask's area in COCO,
not the box's), in pixels of the original image: small ``area < 32²``, medium
``32² ≤ area < 96²``, large ``area ≥ 96²``. (pycocotools' evaluation ranges are closed at both
ends, so an object of exactly 32² or 96² counts in two ranges there; here every object has one
bucket, the half-open rule of COCO's documentation.) An annotation without ``area`` uses its box's
``w × h`` and a note says how many did.
"""
from __future__ import annotations

import json
import math
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import CocoFormatError
from .i18n import Strings, _lang, fmt_num, fmt_pct

SMALL_MAX = 32 ** 2   # COCO: small is area < 32²
MEDIUM_MAX = 96 ** 2  # medium is 32² ≤ area < 96², large is area ≥ 96²
BUCKETS = ("small", "medium", "large")

# ------------------------------------------------------------------------------------------------
# Text: every message of this module in both languages, side by side.
_T = Strings({
    # CocoFormatError
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
    "what_size": {"en": "a positive number of pixels", "tr": "pozitif bir piksel sayısı"},
    "what_name": {"en": "the category's name, a string", "tr": "kategorinin adı, bir string"},
    "what_file": {"en": "the image's file name, a string", "tr": "görüntünün dosya adı, bir string"},
    "what_bbox": {"en": "4 numbers [x, y, width, height] in pixels", "tr": "piksel cinsinden 4 sayı [x, y, width, height]"},
    "what_wh": {"en": "4 numbers [x, y, width, height] with width ≥ 0 and height ≥ 0 (COCO boxes are x, y, w, h — not x1, y1, x2, y2)",
                "tr": "width ≥ 0 ve height ≥ 0 olan 4 sayı [x, y, width, height] (COCO kutuları x, y, w, h'dir; x1, y1, x2, y2 değil)"},
    "what_area": {"en": "a number ≥ 0 (pixels²)", "tr": "≥ 0 bir sayı (piksel²)"},
    "what_crowd": {"en": "0 or 1", "tr": "0 ya da 1"},
    # notes
    "note_no_dir": {
        "en": "Pixel statistics (brightness, contrast, blur) skipped: no images_dir was given.",
        "tr": "Piksel istatistikleri (parlaklık, kontrast, blur) atlandı: images_dir verilmedi.",
    },
    "note_no_files": {
        "en": "Pixel statistics (brightness, contrast, blur) skipped: none of the {n} image files is in {dir}.",
        "tr": "Piksel istatistikleri (parlaklık, kontrast, blur) atlandı: {n} görüntü dosyasının hiçbiri {dir} içinde yok.",
    },
    "note_some_files": {
        "en": "{missing} of {n} image files are missing from {dir}: their pixel statistics are nan.",
        "tr": "{n} görüntü dosyasından {missing} tanesi {dir} içinde yok: onların piksel istatistikleri nan.",
    },
    "note_unreadable": {
        "en": "{n} image files in {dir} could not be read as images ({first}, ...): their pixel statistics are nan.",
        "tr": "{dir} içindeki {n} dosya görüntü olarak okunamadı ({first}, ...): onların piksel istatistikleri nan.",
    },
    "note_no_area": {
        "en": "{n} annotations have no 'area': their size bucket uses the box's w × h.",
        "tr": "{n} annotation'da 'area' yok: boyut grupları (küçük/orta/büyük) kutunun w × h değerinden hesaplandı.",
    },
    "note_zero_box": {
        "en": "{n} boxes have zero width or height: their aspect ratio is nan.",
        "tr": "{n} kutunun genişliği ya da yüksekliği sıfır: aspect ratio'ları nan.",
    },
    # hints
    "p2_add": {
        "en": ("Add P2 (stride 4): {share} of the objects are shorter than {px} px on their short "
               "side, fewer than {cells} cells on P3 (stride 8)."),
        "tr": ("P2 (stride 4) ekle: kısa kenarı {px} pikselden kısa olan nesnelerin payı {share}; "
               "bunlar P3'te (stride 8) {cells} hücreden az yer kaplar."),
    },
    "p2_skip": {
        "en": ("P2 is not needed: only {share} of the objects are shorter than {px} px (fewer than "
               "{cells} cells on P3); its cost (a stride-4 map has 4× the cells of P3) is unlikely to pay."),
        "tr": ("P2 gerekmiyor: kısa kenarı {px} pikselden kısa olan (P3'te {cells} hücreden az yer "
               "kaplayan) nesnelerin payı yalnızca {share}; maliyeti (stride 4 haritasında P3'ün 4 "
               "katı hücre var) karşılığını vermesi beklenmez."),
    },
    "stride_plan": {
        "en": "Stride plan: the levels that carry the objects are {levels} (share per level: {shares}).",
        "tr": "Stride planı: nesneleri taşıyan seviyeler: {levels} (seviye başına pay: {shares}).",
    },
    "stride_coarse": {
        "en": (" The median object covers {cells} cells of the coarsest level (stride {stride}) "
               "side to side: one more, coarser level (stride {next}) would still see it."),
        "tr": (" Medyan nesne en kaba seviyede (stride {stride}) kenar boyunca {cells} hücre "
               "kaplıyor: bir kaba seviye daha (stride {next}) da onu görebilir."),
    },
    "fusion_strong": {
        "en": "Strengthen the neck fusion (a bottom-up path as in PANet, or BiFPN): {why}.",
        "tr": "Neck fusion'ı güçlendir (PANet'teki gibi bir bottom-up yol ya da BiFPN): {why}.",
    },
    "fusion_plain": {
        "en": "A plain FPN top-down path is enough to start: {why}.",
        "tr": "Başlangıç için düz bir FPN top-down yolu yeterli: {why}.",
    },
    # the two reasons of the fusion hint; the one(s) that fired come first
    "why_octaves_hi": {
        "en": ("object sizes span {octaves} octaves from the 10th to the 90th percentile (≥ {min_octaves}: "
               "they spread over several levels, which must borrow from each other)"),
        "tr": ("nesne boyutları 10. ile 90. yüzdelik arasında {octaves} oktava yayılıyor ({min_octaves} ve "
               "üstü: birbirinden bilgi alması gereken birkaç seviyeye dağılıyorlar)"),
    },
    "why_octaves_lo": {
        "en": "object sizes span {octaves} octaves from the 10th to the 90th percentile (< {min_octaves})",
        "tr": "nesne boyutları 10. ile 90. yüzdelik arasında {octaves} oktava yayılıyor (< {min_octaves})",
    },
    "why_crowd_hi": {
        "en": "{crowded} of the objects overlap another one with IoU ≥ {iou} (≥ {min_crowded}: a crowded set)",
        "tr": "bir başka nesneyle IoU ≥ {iou} örtüşen nesnelerin payı {crowded} ({min_crowded} ve üstü: kalabalık bir veri kümesi)",
    },
    "why_crowd_lo": {
        "en": "only {crowded} of the objects overlap another one with IoU ≥ {iou} (< {min_crowded})",
        "tr": "bir başka nesneyle IoU ≥ {iou} örtüşen nesnelerin payı yalnızca {crowded} (< {min_crowded})",
    },
    "and": {"en": "; ", "tr": "; "},
    "norm": {
        "en": ("Norm: the median image has {mpx} megapixels at the training resolution; with the "
               "memory that holds a batch of 16 at 640×640, about {batch:d} images fit per device, "
               "so choose_norm({batch:d}) gives {norm}."),
        "tr": ("Normalizasyon: medyan görüntü eğitim çözünürlüğünde {mpx} megapiksel; 640×640'ta 16 "
               "görüntülük batch'i tutan bellekle cihaz başına yaklaşık {batch:d} görüntü sığar, "
               "bu yüzden choose_norm({batch:d}) {norm} veriyor."),
    },
    "aug_small": {
        "en": ("Augmentation: {share} of the objects are small; prefer scale jitter that zooms in "
               "and copy-paste of small objects, and avoid downscaling mosaics that shrink them further."),
        "tr": ("Augmentation: küçük nesnelerin payı {share}; içeri yakınlaştıran scale jitter'ı ve "
               "küçük nesnelerin copy-paste'ini tercih et, onları daha da küçülten mosaic "
               "küçültmelerinden kaçın."),
    },
    "aug_imbalance": {
        "en": ("Augmentation: the classes are imbalanced ({ratio}× between the most and the least "
               "frequent class): oversample rare classes (repeat-factor sampling) or copy-paste "
               "their objects."),
        "tr": ("Augmentation: sınıflar dengesiz (en sık ve en seyrek sınıf arasında {ratio}×): "
               "seyrek sınıfları daha sık örnekle (repeat-factor sampling) ya da nesnelerini "
               "copy-paste ile çoğalt."),
    },
    "aug_empty": {
        "en": ("Data: {empty} classes have no objects ({names}); no augmentation can teach them: "
               "add annotated images of them or remove them from the head."),
        "tr": ("Veri: {empty} sınıfın hiç nesnesi yok ({names}); hiçbir augmentation onları "
               "öğretemez: onlardan annotation'lı görüntüler ekle ya da onları head'den çıkar."),
    },
    "aug_dark": {
        "en": "Augmentation: the median brightness is {value} (of 255): add brightness/gamma jitter toward dark images.",
        "tr": "Augmentation: medyan parlaklık {value} (255 üzerinden): karanlık görüntülere doğru parlaklık/gamma jitter'ı ekle.",
    },
    "aug_flat": {
        "en": "Augmentation: the median contrast is {value} (grey-level std): add contrast jitter.",
        "tr": "Augmentation: medyan kontrast {value} (gri düzey std): kontrast jitter'ı ekle.",
    },
    "aug_blur": {
        "en": ("Augmentation: the median blur score is {value} (variance of the Laplacian, below "
               "{limit} reads as blurry): add blur and motion-blur augmentation."),
        "tr": ("Augmentation: medyan blur skoru {value} (Laplacian'ın varyansı; {limit} altı bulanık "
               "sayılır): blur ve motion blur augmentation'ı ekle."),
    },
    "aug_default": {
        "en": ("Augmentation: nothing stands out ({share} small objects, class ratio {ratio}×"
               "{pixels}); start from the standard flip, scale jitter and HSV jitter."),
        "tr": ("Augmentation: öne çıkan bir şey yok (küçük nesne payı {share}, sınıf oranı {ratio}×"
               "{pixels}); standart flip, scale jitter ve HSV jitter'la başla."),
    },
    "aug_no_pixels": {"en": "; pixel statistics not computed", "tr": "; piksel istatistikleri hesaplanmadı"},
    # report and plot
    "statistic": {"en": "Statistic", "tr": "İstatistik"},
    "value": {"en": "Value", "tr": "Değer"},
    "count": {"en": "Count", "tr": "Sayı"},
    "share": {"en": "Share", "tr": "Pay"},
    "bucket": {"en": "Size", "tr": "Boyut"},
    "class": {"en": "Class", "tr": "Sınıf"},
    "n_images": {"en": "images", "tr": "görüntü"},
    "n_objects": {"en": "objects (not crowd)", "tr": "nesne (crowd hariç)"},
    "n_crowd": {"en": "crowd annotations", "tr": "crowd annotation"},
    "n_classes": {"en": "classes", "tr": "sınıf"},
    "small": {"en": "small", "tr": "küçük"},
    "medium": {"en": "medium", "tr": "orta"},
    "large": {"en": "large", "tr": "büyük"},
    "min": {"en": "min", "tr": "min"},
    "p10": {"en": "p10", "tr": "p10"},
    "median": {"en": "median", "tr": "medyan"},
    "p90": {"en": "p90", "tr": "p90"},
    "max": {"en": "max", "tr": "maks"},
    "relative_area": {"en": "relative box area", "tr": "göreli kutu alanı"},
    "aspect_ratio": {"en": "aspect ratio (w/h)", "tr": "aspect ratio (w/h)"},
    "width": {"en": "image width (px)", "tr": "görüntü genişliği (px)"},
    "height": {"en": "image height (px)", "tr": "görüntü yüksekliği (px)"},
    "overlap": {"en": "overlap (max IoU)", "tr": "örtüşme (en büyük IoU)"},
    "brightness": {"en": "brightness (0–255)", "tr": "parlaklık (0–255)"},
    "contrast": {"en": "contrast (grey std)", "tr": "kontrast (gri std)"},
    "blur": {"en": "blur (var. of Laplacian)", "tr": "blur (Laplacian varyansı)"},
    "objects": {"en": "objects", "tr": "nesne"},
    "images": {"en": "images", "tr": "görüntü"},
    "sizes_title": {"en": "small / medium / large (COCO)", "tr": "küçük / orta / büyük (COCO)"},
    "classes_title": {"en": "class frequency", "tr": "sınıf sıklığı"},
    "resolution_title": {"en": "image resolution", "tr": "görüntü çözünürlüğü"},
    "skipped": {"en": "no images:\nskipped", "tr": "görüntü yok:\natlandı"},
})

STAT_KEYS = ("relative_area", "aspect_ratio", "width", "height", "overlap",
             "brightness", "contrast", "blur")


# ------------------------------------------------------------------------------------------------
# Reading and validating

def _desc(v) -> str:
    """A short description of a wrong value for an error message: its repr (cut) and type."""
    r = repr(v)
    if len(r) > 40:
        r = r[:37] + "..."
    return f"{r} ({type(v).__name__})"


def _is_num(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _is_id(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _where(kind: str, i: int, entry: dict) -> str:
    """``"annotation id 7"`` when the entry has an integer id, else ``"annotations[3]"``."""
    ident = entry.get("id") if isinstance(entry, dict) else None
    plural = "categories" if kind == "category" else kind + "s"
    return f"{kind} id {ident!r}" if _is_id(ident) else f"{plural}[{i}]"


def load_coco(annotations, lang: str | None = None) -> dict:
    """The COCO dict from ``annotations`` (a path to a JSON file, or the dict itself), checked.

    Checks what :func:`dataset_stats` relies on and raises :class:`CocoFormatError` naming the
    field, the id and the fix: the three top-level lists; ``id`` on every entry (integers,
    unique per list); image ``width``/``height`` > 0; category ``name`` (unique); annotation ``image_id``
    and ``category_id`` that exist, ``bbox`` = 4 finite numbers with ``w, h ≥ 0``, ``area ≥ 0``
    and ``iscrowd`` in {0, 1} when present. Returns the dict unchanged."""
    lang = _lang(lang)
    if isinstance(annotations, (str, os.PathLike)):
        path = Path(annotations)
        if not path.is_file():
            raise CocoFormatError(_T("err_path", lang, path=str(path)))
        try:
            annotations = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CocoFormatError(_T("err_json", lang, path=str(path), why=str(e))) from None
    if not isinstance(annotations, dict):
        raise CocoFormatError(_T("err_top", lang, got=_desc(annotations)))
    coco = annotations

    def need(cond, where, fld, what, entry, missing=False):
        if not cond:
            key = "err_missing" if missing else "err_type"
            raise CocoFormatError(_T(key, lang, where=where, field=fld, what=_T(what, lang),
                                     got=_desc(entry.get(fld)) if isinstance(entry, dict) else ""))

    ids = {}
    for fld in ("images", "annotations", "categories"):
        if fld not in coco:
            raise CocoFormatError(_T("err_missing", lang, where="COCO", field=fld,
                                     what="[]" if fld != "images" else
                                     '[{"id": 1, "width": ..., "height": ..., "file_name": ...}]'))
        if not isinstance(coco[fld], list):
            raise CocoFormatError(_T("err_list", lang, field=fld, got=_desc(coco[fld])))
        kind = fld[:-1] if fld != "categories" else "category"
        seen = set()
        for i, e in enumerate(coco[fld]):
            if not isinstance(e, dict):
                raise CocoFormatError(_T("err_entry", lang, where=f"{fld}[{i}]", field=fld, got=_desc(e)))
            where = _where(kind, i, e)
            need("id" in e, where, "id", "what_id", e, missing=True)
            need(_is_id(e["id"]), where, "id", "what_id", e)
            if e["id"] in seen:
                raise CocoFormatError(_T("err_dup", lang, where=where, id=e["id"], field=fld))
            seen.add(e["id"])
        ids[fld] = seen

    for i, im in enumerate(coco["images"]):
        where = _where("image", i, im)
        for fld in ("width", "height"):
            need(fld in im, where, fld, "what_size", im, missing=True)
            need(_is_num(im[fld]) and im[fld] > 0, where, fld, "what_size", im)
        if "file_name" in im:
            need(isinstance(im["file_name"], str), where, "file_name", "what_file", im)
    names = {}
    for i, c in enumerate(coco["categories"]):
        where = _where("category", i, c)
        need("name" in c, where, "name", "what_name", c, missing=True)
        need(isinstance(c["name"], str), where, "name", "what_name", c)
        if c["name"] in names:
            raise CocoFormatError(_T("err_dup_name", lang, where=where, name=c["name"], other=names[c["name"]]))
        names[c["name"]] = c["id"]
    for i, a in enumerate(coco["annotations"]):
        where = _where("annotation", i, a)
        for fld in ("image_id", "category_id"):
            need(fld in a, where, fld, "what_id", a, missing=True)
            need(_is_id(a[fld]), where, fld, "what_id", a)
        if a["image_id"] not in ids["images"]:
            raise CocoFormatError(_T("err_image_id", lang, id=a["id"], ref=a["image_id"]))
        if a["category_id"] not in ids["categories"]:
            raise CocoFormatError(_T("err_category_id", lang, id=a["id"], ref=a["category_id"]))
        need("bbox" in a, where, "bbox", "what_bbox", a, missing=True)
        b = a["bbox"]
        need(isinstance(b, (list, tuple)) and len(b) == 4 and all(_is_num(v) for v in b),
             where, "bbox", "what_bbox", a)
        need(b[2] >= 0 and b[3] >= 0, where, "bbox", "what_wh", a)
        if "area" in a:
            need(_is_num(a["area"]) and a["area"] >= 0, where, "area", "what_area", a)
        if "iscrowd" in a:
            need(isinstance(a["iscrowd"], numbers.Integral) and a["iscrowd"] in (0, 1),
                 where, "iscrowd", "what_crowd", a)
    return coco


# ------------------------------------------------------------------------------------------------
# Statistics

@dataclass
class DatasetStats:
    """What :func:`dataset_stats` measured. Per-object arrays have shape ``(n_objects,)`` and
    follow the order of the non-crowd annotations in the file; per-image arrays have shape
    ``(n_images,)`` and follow ``images``.

    Counts: ``n_images``, ``n_objects`` (non-crowd annotations), ``n_crowd``, ``size_counts``
    (``{"small", "medium", "large"}`` → non-crowd objects, COCO's rule on ``area``),
    ``crowd_size_counts`` (the same for crowd annotations), ``class_counts`` (category name →
    non-crowd objects, in the file's category order, 0 for empty categories).

    Per object: ``rel_area`` (box area / image area, no unit, in [0, 1] for boxes inside the
    image), ``aspect`` (box width / height, nan for a zero height), ``side`` (the box's shorter
    side, px of the original image), ``size_bucket`` ("small"/"medium"/"large"), ``category``
    (name), ``overlap`` (largest IoU with another non-crowd object of the same image, 0 when it
    is alone), ``image_index`` (row of its image in the per-image arrays).

    Per image: ``width``, ``height`` (px, from the annotation file), ``brightness`` (mean grey
    level, 0–255), ``contrast`` (standard deviation of the grey levels, 0–255), ``blur``
    (variance of the 4-neighbour Laplacian of the grey image, grey levels²; 0 for a flat image,
    low for blurry ones). The three pixel arrays are ``None`` when skipped and hold ``nan`` for
    images whose file is missing; ``notes`` says which.
    """

    n_images: int
    n_objects: int
    n_crowd: int
    size_counts: dict
    crowd_size_counts: dict
    class_counts: dict
    rel_area: np.ndarray
    aspect: np.ndarray
    side: np.ndarray
    size_bucket: np.ndarray
    category: np.ndarray
    overlap: np.ndarray
    image_index: np.ndarray
    width: np.ndarray
    height: np.ndarray
    brightness: np.ndarray | None = None
    contrast: np.ndarray | None = None
    blur: np.ndarray | None = None
    _notes: list = field(default_factory=list, repr=False)

    @property
    def notes(self) -> list[str]:
        """What was skipped or assumed, in the reader's language (:func:`fpnlab.set_lang`)."""
        return self.notes_in()

    def notes_in(self, lang: str | None = None) -> list[str]:
        """:attr:`notes` in ``lang``."""
        return [_T(key, lang, **fields) for key, fields in self._notes]

    def values(self, name: str) -> np.ndarray | None:
        """The array behind one histogram (a name of :data:`STAT_KEYS`), finite values only;
        ``None`` for a pixel statistic that was skipped."""
        arr = {"relative_area": self.rel_area, "aspect_ratio": self.aspect, "width": self.width,
               "height": self.height, "overlap": self.overlap, "brightness": self.brightness,
               "contrast": self.contrast, "blur": self.blur}[name]
        if arr is None:
            return None
        arr = np.asarray(arr, dtype=np.float64)
        return arr[np.isfinite(arr)]

    def histograms(self, bins: int = 20) -> dict:
        """``{name: (counts, edges)}`` for each statistic of :data:`STAT_KEYS` that has values:
        ``counts`` has shape ``(bins,)``, ``edges`` ``(bins + 1,)`` in the statistic's unit.
        Relative area and aspect ratio get log-spaced edges (they span orders of magnitude; zero
        values go to the first bin), overlap uses [0, 1], the others linear edges over their range."""
        out = {}
        for name in STAT_KEYS:
            v = self.values(name)
            if v is None or v.size == 0:
                continue
            if name in ("relative_area", "aspect_ratio"):
                pos = v[v > 0]
                lo, hi = (pos.min(), pos.max()) if pos.size else (1e-6, 1.0)
                if hi <= lo:
                    lo, hi = lo / 2, hi * 2
                edges = np.geomspace(lo, hi, bins + 1)
                counts, _ = np.histogram(np.clip(v, lo, hi), edges)
            elif name == "overlap":
                counts, edges = np.histogram(v, bins, range=(0.0, 1.0))
            else:
                lo, hi = float(v.min()), float(v.max())
                counts, edges = np.histogram(v, bins, range=(lo, hi) if hi > lo else (lo - 0.5, hi + 0.5))
            out[name] = (counts, edges)
        return out


def size_bucket(area: float) -> str:
    """COCO's bucket for an annotation ``area`` in px²: ``"small"`` below 32², ``"medium"`` below
    96², else ``"large"``.

    >>> size_bucket(32 ** 2 - 1), size_bucket(32 ** 2), size_bucket(96 ** 2 - 1), size_bucket(96 ** 2)
    ('small', 'medium', 'medium', 'large')
    """
    return "small" if area < SMALL_MAX else "medium" if area < MEDIUM_MAX else "large"


def max_overlap(boxes_xyxy) -> np.ndarray:
    """Per box, the largest IoU with another box of the same set: ``(N, 4)`` xyxy → ``(N,)``,
    0 for a box alone (``torchvision.ops.box_iou`` with the diagonal removed)."""
    import torch
    from torchvision.ops import box_iou

    b = torch.as_tensor(np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4))
    if len(b) < 2:
        return np.zeros(len(b))
    iou = box_iou(b, b)
    iou.fill_diagonal_(0.0)
    return iou.max(dim=1).values.nan_to_num(0.0).numpy()


def pixel_stats(path) -> tuple[float, float, float]:
    """``(brightness, contrast, blur)`` of one image file, on its grey version (PIL's ``"L"``,
    0–255): mean, standard deviation, and the variance of the 4-neighbour Laplacian
    ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`` over the interior pixels (no padding; 0 for an image
    smaller than 3×3). A flat image gives ``(level, 0, 0)``."""
    from PIL import Image

    with Image.open(path) as im:
        g = np.asarray(im.convert("L"), dtype=np.float64)
    if g.shape[0] < 3 or g.shape[1] < 3:
        lap_var = 0.0
    else:
        lap = (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1])
        lap_var = float(lap.var())
    return float(g.mean()), float(g.std()), lap_var


def dataset_stats(annotations, images_dir=None) -> DatasetStats:
    """The eight statistics of a COCO-format set (see the module docstring).

    ``annotations``: a path to a COCO JSON file or the loaded dict (checked by :func:`load_coco`;
    a malformed one raises :class:`CocoFormatError`). ``images_dir``: the folder holding the
    images' ``file_name``; without it, or when no file is there, pixel statistics are skipped
    with a note; a single file that is missing or cannot be read as an image gets ``nan`` and a
    note. Crowd annotations (``iscrowd: 1``) are counted apart (``n_crowd``,
    ``crowd_size_counts``) and take no part in the per-object arrays or the overlap."""
    coco = load_coco(annotations)
    images = coco["images"]
    row = {im["id"]: i for i, im in enumerate(images)}
    width = np.array([float(im["width"]) for im in images])
    height = np.array([float(im["height"]) for im in images])
    names = {c["id"]: c["name"] for c in coco["categories"]}
    class_counts = {}
    for c in coco["categories"]:
        class_counts.setdefault(c["name"], 0)
    notes = []

    objs, crowd = [], {b: 0 for b in BUCKETS}
    no_area = 0
    for a in coco["annotations"]:
        x, y, w, h = (float(v) for v in a["bbox"])
        if "area" in a:
            area = float(a["area"])
        else:
            area, no_area = w * h, no_area + 1
        if a.get("iscrowd", 0):
            crowd[size_bucket(area)] += 1
            continue
        objs.append((row[a["image_id"]], x, y, w, h, size_bucket(area), names[a["category_id"]]))
    if no_area:
        notes.append(("note_no_area", {"n": no_area}))

    n = len(objs)
    img_idx = np.array([o[0] for o in objs], dtype=np.int64)
    xywh = np.array([o[1:5] for o in objs], dtype=np.float64).reshape(n, 4)
    w, h = xywh[:, 2], xywh[:, 3]
    rel_area = w * h / (width[img_idx] * height[img_idx]) if n else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.where(h > 0, w / np.where(h > 0, h, 1.0), np.nan)
    zero = int(((w == 0) | (h == 0)).sum())
    if zero:
        notes.append(("note_zero_box", {"n": zero}))
    buckets = np.array([o[5] for o in objs], dtype=object)
    category = np.array([o[6] for o in objs], dtype=object)
    for name in category:
        class_counts[name] += 1
    size_counts = {b: int((buckets == b).sum()) for b in BUCKETS}

    xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
    overlap = np.zeros(n)
    order = np.argsort(img_idx, kind="stable")
    starts = np.flatnonzero(np.diff(np.r_[-1, img_idx[order]])) if n else np.zeros(0, int)
    for s, e in zip(starts, np.r_[starts[1:], n]):
        sel = order[s:e]
        overlap[sel] = max_overlap(xyxy[sel])

    brightness = contrast = blur = None
    if images_dir is None:
        notes.append(("note_no_dir", {}))
    else:
        folder = Path(images_dir)
        paths = [folder / im["file_name"] if isinstance(im.get("file_name"), str) else None
                 for im in images]
        exists = [p is not None and p.is_file() for p in paths]
        if images and not any(exists):
            notes.append(("note_no_files", {"n": len(images), "dir": str(folder)}))
        elif images:
            px = np.full((len(images), 3), np.nan)
            unreadable = []
            for i, (p, ok) in enumerate(zip(paths, exists)):
                if ok:
                    try:
                        px[i] = pixel_stats(p)
                    # not an image (PIL's UnidentifiedImageError), truncated; ImportError: a library that
                    # patches PIL.Image.open (ultralytics tries pi_heif on an unknown file) lacks its plugin
                    except (OSError, ValueError, ImportError):
                        unreadable.append(p.name)
            brightness, contrast, blur = px[:, 0], px[:, 1], px[:, 2]
            if unreadable:
                notes.append(("note_unreadable", {"n": len(unreadable), "dir": str(folder),
                                                  "first": unreadable[0]}))
            if not all(exists):
                notes.append(("note_some_files", {"missing": len(images) - sum(exists),
                                                  "n": len(images), "dir": str(folder)}))

    return DatasetStats(
        n_images=len(images), n_objects=n, n_crowd=sum(crowd.values()), size_counts=size_counts,
        crowd_size_counts=crowd, class_counts=class_counts, rel_area=rel_area, aspect=aspect,
        side=np.minimum(w, h), size_bucket=buckets, category=category, overlap=overlap,
        image_index=img_idx, width=width, height=height, brightness=brightness,
        contrast=contrast, blur=blur, _notes=notes)


# ------------------------------------------------------------------------------------------------
# Design hints

STRIDES = (4, 8, 16, 32)   # P2..P5
MIN_CELLS = 2              # an object should span ≥ 2 cells on its level (fpnlab.levels.recommend_level)
P2_SHARE = 0.25            # add P2 when ≥ 25 % of the objects need it
LEVEL_SHARE = 0.05         # a level "carries objects" when ≥ 5 % of them are assigned to it
FUSION_OCTAVES = 3.0       # sizes spanning ≥ 3 octaves (≥ 3 levels) need information across levels
CROWD_IOU = 0.5            # an object is "crowded" when another one overlaps it with IoU ≥ 0.5
CROWD_SHARE = 0.10         # ... and fusion is strengthened when ≥ 10 % of the objects are crowded
SMALL_SHARE = 0.40         # small-object augmentation when ≥ 40 % of the objects are COCO-small
IMBALANCE = 10.0           # most / least frequent class with objects
DARK = 60.0                # median brightness below 60 / 255
FLAT = 30.0                # median contrast (grey std) below 30
BLURRY = 100.0             # median variance of the Laplacian below 100
REF_PX, REF_BATCH = 640 * 640, 16   # the memory that holds a batch of 16 at 640×640


@dataclass
class Hint:
    """One design hint: ``topic`` ("P2", "stride plan", "neck fusion", "norm", "augmentation"),
    ``key`` (which rule fired, e.g. ``"p2_add"``), ``message`` (the reader's language) and
    ``evidence`` (``{name: number}``: the numbers that triggered it)."""

    topic: str
    key: str
    message: str
    evidence: dict


def _scale(stats: DatasetStats, input_size: int | None) -> np.ndarray:
    """Per image, the factor from file pixels to training pixels (longer side → ``input_size``)."""
    if input_size is None:
        return np.ones(stats.n_images)
    return input_size / np.maximum(stats.width, stats.height)


def assign_levels(side_px, strides=STRIDES, min_cells: float = MIN_CELLS) -> np.ndarray:
    """Per object, the coarsest stride at which its shorter side ``side_px`` still spans
    ``min_cells`` cells (the rule of :func:`fpnlab.levels.recommend_level`); the finest stride
    when none does. ``(N,)`` px → ``(N,)`` strides.

    >>> assign_levels([10, 16, 40, 100, 500]).tolist()
    [4, 8, 16, 32, 32]
    """
    side = np.asarray(side_px, dtype=np.float64)
    strides = sorted(strides)
    out = np.full(side.shape, strides[0], dtype=np.int64)
    for s in strides:
        out[side / s >= min_cells] = s
    return out


def design_hints(stats: DatasetStats, lang: str | None = None, input_size: int | None = None,
                 strides=STRIDES) -> list[Hint]:
    """What the statistics say about P2, the stride plan, neck fusion, norm and augmentation.

    Sizes are measured at the training resolution: ``input_size`` resizes each image so its longer
    side is ``input_size`` px (YOLO's letterbox); ``None`` keeps the files' resolution. An
    object's size is its box's shorter side ``side`` (px), as in :func:`fpnlab.levels.recommend_level`.
    The thresholds (module constants) and why:

    - **P2** (``P2_SHARE = 0.25``, ``MIN_CELLS = 2``): an object needs about 2 cells across on
      its level for the head to place a box; sides below ``2 × 8 = 16`` px get fewer on P3. When
      a quarter of the objects are like that, a stride-4 level (4× P3's cells, the cost
      :func:`fpnlab.metrics.cost` measures) pays; evidence ``share_below_16px``.
    - **stride plan** (``LEVEL_SHARE = 0.05``): each object goes to the coarsest stride where it
      spans 2 cells (:func:`assign_levels`); levels holding ≥ 5 % of the objects are the plan.
      When the median object spans ≥ 2 × 2 = 4 cells of the coarsest level, one coarser level
      would still see it (evidence ``median_cells_coarsest``: median side / coarsest stride,
      i.e. √(median relative area / relative area of one coarsest cell) for square images).
    - **neck fusion** (``FUSION_OCTAVES = 3``, ``CROWD_IOU = 0.5``, ``CROWD_SHARE = 0.10``):
      sizes from the 10th to the 90th percentile spanning ≥ 3 octaves cover ≥ 3 levels, so
      each level must borrow from the others (a bottom-up path shortens the route from the fine
      levels up); many objects overlapping at IoU ≥ 0.5 need fine localisation on the coarse
      levels too. Either one → strengthen.
    - **norm** (``REF_PX = 640²``, ``REF_BATCH = 16``): activation memory grows with H×W, so
      the batch that fits shrinks as ``16 × 640² / pixels``; :func:`fpnlab.blocks.layers.choose_norm`
      turns that batch per device into BatchNorm, SyncBatchNorm or GroupNorm.
    - **augmentation**: ≥ 40 % COCO-small objects (``SMALL_SHARE``) → zoom-in scale jitter and
      copy-paste; a class ratio ≥ 10 (``IMBALANCE``) → oversample; classes without objects →
      a data hint (no augmentation creates a class, key ``"aug_empty"``); median
      brightness < 60, contrast < 30, variance of the Laplacian < 100 (``DARK``, ``FLAT``,
      ``BLURRY``; 8-bit grey levels; 100 is the usual "blurry" cut-off for var(Laplacian)) →
      photometric or blur augmentation. Nothing → the standard recipe.

    Returns one :class:`Hint` for each of P2, stride plan, neck fusion and norm, and one or more
    for augmentation, in that order.

    >>> coco = {"images": [{"id": 1, "width": 640, "height": 640}],
    ...         "categories": [{"id": 1, "name": "bird"}],
    ...         "annotations": [{"id": i, "image_id": 1, "category_id": 1, "bbox": [20 * i, 0, 10, 12]}
    ...                         for i in range(1, 9)]}
    >>> hints = design_hints(dataset_stats(coco), "en")
    >>> [(h.topic, h.key) for h in hints][:2], hints[0].evidence
    ([('P2', 'p2_add'), ('stride plan', 'stride_plan')], {'share_below_16px': 1.0})
    >>> hints[0].message
    'Add P2 (stride 4): 100.0% of the objects are shorter than 16 px on their short side, fewer than 2 cells on P3 (stride 8).'
    """
    from .blocks.layers import choose_norm

    lang = _lang(lang)
    scale = _scale(stats, input_size)
    side = stats.side * scale[stats.image_index] if stats.n_objects else np.zeros(0)
    n = max(stats.n_objects, 1)
    strides = sorted(strides)
    hints = []

    # P2
    px = MIN_CELLS * strides[1] if len(strides) > 1 else MIN_CELLS * strides[0]
    share_p2 = float((side < px).sum() / n)
    key = "p2_add" if share_p2 >= P2_SHARE else "p2_skip"
    hints.append(Hint("P2", key, _T(key, lang, share=fmt_pct(share_p2, lang), px=px, cells=MIN_CELLS),
                      {f"share_below_{px}px": share_p2}))

    # stride plan
    levels = assign_levels(side, strides)
    shares = {s: float((levels == s).sum() / n) for s in strides}
    carried = [s for s in strides if shares[s] >= LEVEL_SHARE] or [strides[-1]]
    name = {s: f"P{int(round(math.log2(s)))}" for s in strides}
    msg = _T("stride_plan", lang, levels=", ".join(name[s] for s in carried),
             shares=", ".join(f"{name[s]}: {fmt_pct(shares[s], lang, 0)}" for s in strides))
    med_cells = float(np.median(side) / strides[-1]) if stats.n_objects else 0.0
    key = "stride_plan"
    if med_cells >= 2 * MIN_CELLS:
        key = "stride_coarse"
        msg += _T("stride_coarse", lang, cells=fmt_num(med_cells, lang, 1), stride=strides[-1],
                  next=2 * strides[-1])
    hints.append(Hint("stride plan", key, msg,
                      {**{f"share_{name[s]}": shares[s] for s in strides},
                       "median_cells_coarsest": med_cells}))

    # neck fusion
    pos = side[side > 0]
    octaves = float(np.log2(np.percentile(pos, 90) / np.percentile(pos, 10))) if pos.size else 0.0
    crowded = float((stats.overlap >= CROWD_IOU).sum() / n)
    wide, crowd = octaves >= FUSION_OCTAVES, crowded >= CROWD_SHARE
    fields = dict(octaves=fmt_num(octaves, lang, 1), crowded=fmt_pct(crowded, lang),
                  iou=fmt_num(CROWD_IOU, lang, 1), min_octaves=fmt_num(FUSION_OCTAVES, lang),
                  min_crowded=fmt_pct(CROWD_SHARE, lang, 0))
    reasons = [(wide, "why_octaves_hi" if wide else "why_octaves_lo"),
               (crowd, "why_crowd_hi" if crowd else "why_crowd_lo")]
    reasons.sort(key=lambda r: not r[0])  # stable: the reasons that fired first
    why = _T("and", lang).join(_T(k, lang, **fields) for _, k in reasons)
    key = "fusion_strong" if wide or crowd else "fusion_plain"
    hints.append(Hint("neck fusion", key, _T(key, lang, why=why),
                      {"size_octaves_p10_p90": octaves, "share_crowded": crowded}))

    # norm
    pixels = float(np.median(stats.width * stats.height * scale ** 2)) if stats.n_images else REF_PX
    batch = max(1, int(REF_BATCH * REF_PX / pixels))
    norm = choose_norm(batch)
    hints.append(Hint("norm", "norm", _T("norm", lang, mpx=fmt_num(pixels / 1e6, lang, 2), batch=batch,
                                         norm=norm), {"median_image_px": pixels, "batch_per_device": batch}))

    # augmentation
    aug = []
    small = stats.size_counts["small"] / n
    with_objects = [c for c in stats.class_counts.values() if c > 0]
    empty = sum(c == 0 for c in stats.class_counts.values())
    ratio = max(with_objects) / min(with_objects) if with_objects else 1.0
    if small >= SMALL_SHARE:
        aug.append(Hint("augmentation", "aug_small", _T("aug_small", lang, share=fmt_pct(small, lang)),
                        {"share_small": small}))
    if ratio >= IMBALANCE:
        aug.append(Hint("augmentation", "aug_imbalance",
                        _T("aug_imbalance", lang, ratio=fmt_num(ratio, lang, 1)), {"class_ratio": ratio}))
    if empty:
        names = [k for k, c in stats.class_counts.items() if c == 0]
        aug.append(Hint("augmentation", "aug_empty",
                        _T("aug_empty", lang, empty=empty, names=", ".join(names)), {"empty_classes": empty}))
    if stats.brightness is not None:
        for key, arr, limit, ev in (("aug_dark", stats.brightness, DARK, "median_brightness"),
                                    ("aug_flat", stats.contrast, FLAT, "median_contrast"),
                                    ("aug_blur", stats.blur, BLURRY, "median_blur")):
            med = float(np.nanmedian(arr))
            if med < limit:
                aug.append(Hint("augmentation", key,
                                _T(key, lang, value=fmt_num(med, lang, 1), limit=fmt_num(limit, lang)),
                                {ev: med}))
    if not aug:
        aug.append(Hint("augmentation", "aug_default",
                        _T("aug_default", lang, share=fmt_pct(small, lang), ratio=fmt_num(ratio, lang, 1),
                           pixels="" if stats.brightness is not None else _T("aug_no_pixels", lang)),
                        {"share_small": small, "class_ratio": ratio}))
    return hints + aug


# ------------------------------------------------------------------------------------------------
# Report and plot

def report(stats: DatasetStats, lang: str | None = None) -> dict:
    """Tables of ``stats`` as pandas DataFrames with headers in ``lang`` (numbers stay numbers:
    show them with ``fpnlab.i18n.fmt_frame``):

    ``"summary"`` (statistic, value: images, objects, crowd, classes), ``"sizes"`` (COCO bucket,
    count, share of the non-crowd objects), ``"classes"`` (class, count, share, file order) and
    ``"distributions"`` (one row per histogram statistic: min, p10, median, p90, max)."""
    import pandas as pd

    lang = _lang(lang)
    n = max(stats.n_objects, 1)
    summary = pd.DataFrame({
        _T("statistic", lang): [_T(k, lang) for k in ("n_images", "n_objects", "n_crowd", "n_classes")],
        _T("value", lang): [stats.n_images, stats.n_objects, stats.n_crowd, len(stats.class_counts)]})
    sizes = pd.DataFrame({
        _T("bucket", lang): [_T(b, lang) for b in BUCKETS],
        _T("count", lang): [stats.size_counts[b] for b in BUCKETS],
        _T("share", lang): [stats.size_counts[b] / n for b in BUCKETS]})
    classes = pd.DataFrame({
        _T("class", lang): list(stats.class_counts),
        _T("count", lang): list(stats.class_counts.values()),
        _T("share", lang): [c / n for c in stats.class_counts.values()]})
    rows = []
    for name in STAT_KEYS:
        v = stats.values(name)
        if v is None or v.size == 0:
            continue
        rows.append([_T(name, lang), *np.percentile(v, [0, 10, 50, 90, 100]).tolist()])
    dist = pd.DataFrame(rows, columns=[_T(k, lang) for k in ("statistic", "min", "p10", "median", "p90", "max")])
    return {"summary": summary, "sizes": sizes, "classes": classes, "distributions": dist}


def plot(stats: DatasetStats, lang: str | None = None, bins: int = 20):
    """A 3×3 matplotlib figure of the eight statistics: relative area and aspect ratio (log x),
    small/medium/large bars, image resolution (width against height, one dot per image), brightness, contrast, blur
    (a "skipped" panel without images), class frequency bars and overlap. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    lang = _lang(lang)
    hist = stats.histograms(bins)
    fig, axes = plt.subplots(3, 3, figsize=(12, 9))
    ax = axes.ravel()

    def bars(a, name, log=False, ylabel="objects"):
        if name not in hist:
            a.text(0.5, 0.5, _T("skipped", lang), ha="center", va="center", transform=a.transAxes)
            a.set_xticks([]), a.set_yticks([])
        else:
            counts, edges = hist[name]
            a.stairs(counts, edges, fill=True, alpha=0.7)
            if log:
                a.set_xscale("log")
            a.set_ylabel(_T(ylabel, lang))
        a.set_title(_T(name, lang))

    bars(ax[0], "relative_area", log=True)
    ax[1].bar([_T(b, lang) for b in BUCKETS], [stats.size_counts[b] for b in BUCKETS],
              color=["tab:red", "tab:orange", "tab:green"])
    ax[1].set_title(_T("sizes_title", lang))
    bars(ax[2], "aspect_ratio", log=True)
    ax[3].scatter(stats.width, stats.height, s=12, alpha=0.5)
    ax[3].set_xlabel(_T("width", lang))
    ax[3].set_ylabel(_T("height", lang))
    ax[3].set_title(_T("resolution_title", lang))
    bars(ax[4], "brightness", ylabel="images")
    bars(ax[5], "contrast", ylabel="images")
    bars(ax[6], "blur", ylabel="images")
    names, counts = list(stats.class_counts)[::-1], list(stats.class_counts.values())[::-1]
    ax[7].barh(names, counts)
    for y, c in enumerate(counts):  # the count at each bar, 0 for an empty class
        ax[7].text(c, y, " " + fmt_num(c, lang), va="center", fontsize=8)
    ax[7].set_title(_T("classes_title", lang))
    bars(ax[8], "overlap")
    from matplotlib.ticker import FuncFormatter

    ticks = FuncFormatter(lambda x, _: fmt_num(round(x, 6), lang))
    for a in ax:  # tick labels in the reader's number format (log axes keep theirs)
        for axis, scale in ((a.xaxis, a.get_xscale()), (a.yaxis, a.get_yscale())):
            if scale == "linear" and isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(ticks)
    fig.tight_layout()
    return fig
