"""The eight statistics of a COCO-format detection set (:func:`dataset_stats`).

The annotation file is checked by :func:`fpnlab.coco.check_coco`, the validator every reader of
COCO data calls; sizes are bucketed by COCO's split (:func:`fpnlab.coco.size_bucket`).

>>> coco = {"images": [{"id": 1, "width": 100, "height": 50}],
...         "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
...         "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 10], "area": 200},
...                         {"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 0, 20, 10], "area": 200}]}
>>> s = dataset_stats(coco)
>>> s.n_images, s.n_objects, s.n_crowd, s.size_counts, s.class_counts
(1, 2, 0, {'small': 2, 'medium': 0, 'large': 0}, {'cat': 2, 'dog': 0})
>>> s.rel_area.tolist(), s.aspect.tolist(), s.overlap.round(3).tolist()
([0.04, 0.04], [2.0, 2.0], [0.333, 0.333])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..coco.format import check_coco
from ..coco.sizes import BUCKETS, size_bucket
from ..i18n import Strings

_t = Strings({
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
})

STAT_KEYS = ("relative_area", "aspect_ratio", "width", "height", "overlap",
             "brightness", "contrast", "blur")


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
    image), ``aspect`` (box width / height), ``side`` (the box's shorter
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
        return [_t(key, lang, **fields) for key, fields in self._notes]

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

    ``annotations``: a path to a COCO JSON file or the loaded dict, checked by
    :func:`fpnlab.coco.check_coco` (a malformed one raises :class:`fpnlab.coco.CocoFormatError`
    naming the field, the entry and the fix: the verdict :func:`fpnlab.coco.coco_eval` gives).
    ``images_dir``: the folder holding the images' ``file_name``; without it, or when no file is there, pixel statistics are skipped
    with a note; a single file that is missing or cannot be read as an image gets ``nan`` and a
    note. Crowd annotations (``iscrowd: 1``) are counted apart (``n_crowd``,
    ``crowd_size_counts``) and take no part in the per-object arrays or the overlap."""
    coco = check_coco(annotations, fill=False)  # the one validator; `area` left as the file has it
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
    aspect = w / h  # check_coco: w, h > 0
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


__all__ = ["DatasetStats", "STAT_KEYS", "dataset_stats", "max_overlap", "pixel_stats"]
