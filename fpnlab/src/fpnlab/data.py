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

import contextlib
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import torch

from .coco.format import CocoFormatError, check_coco
from .arguments import check_int, check_ints, check_number, check_size
from .errors import ArgumentError
from .i18n import Strings
from .levels import stride_table

_t = Strings({
    "sides": {
        "en": "{where}: need 1 ≤ min_side ≤ max_side ≤ size; got min_side={lo}, max_side={hi}, size={size}. Fix: pick sides that fit in the image.",
        "tr": "{where}: 1 ≤ min_side ≤ max_side ≤ size olmalı; gelen min_side={lo}, max_side={hi}, size={size}. Düzeltme: görüntüye sığan kenar uzunlukları seç.",
    },
    "context": {
        "en": "ContextShapes: context = {value!r} is the probability that a dot's class follows the marker. Fix: give a value in [0, 1] (0.5 = no cue).",
        "tr": "ContextShapes: context = {value!r}, bir noktanın sınıfının işaretçiye uyma olasılığıdır. Düzeltme: [0, 1] aralığında bir değer ver (0,5 = ipucu yok).",
    },
    "small_size": {
        "en": "ContextShapes: size = {size!r} must be an integer ≥ 32 px (the marker and the dots need room). Fix: pass e.g. size=128.",
        "tr": "ContextShapes: size = {size!r} en az 32 px olan bir tam sayı olmalı (işaretçiye ve noktalara yer gerekir). Düzeltme: örneğin size=128 ver.",
    },
    "pair": {
        "en": "ContextShapes: {name} = {value!r} must be a pair (lo, hi) of sides in px with 1 ≤ lo ≤ hi < size{hi_none}. Fix: pass e.g. {name}={example}.",
        "tr": "ContextShapes: {name} = {value!r}, 1 ≤ lo ≤ hi < size olan bir (lo, hi) kenar çifti (px) olmalı{hi_none}. Düzeltme: örneğin {name}={example} ver.",
    },
    "weights": {
        "en": "ContextShapes: class_weights = {value!r} must be 3 numbers > 0 (square, disc, triangle). Fix: pass e.g. class_weights=(1.0, 0.6, 0.3).",
        "tr": "ContextShapes: class_weights = {value!r}, sıfırdan büyük 3 sayı olmalı (kare, disk, üçgen). Düzeltme: örneğin class_weights=(1.0, 0.6, 0.3) ver.",
    },
    "hi_none": {"en": " (hi may be None: size // 2)", "tr": " (hi None olabilir: size // 2)"},
    "no_ann_file": {
        "en": "{path}: no such file. Fix: point CocoFolder at a folder with {ann_file} (or pass ann_file=).",
        "tr": "{path}: böyle bir dosya yok. Düzeltme: CocoFolder'a {ann_file} dosyasını içeren bir klasör ver (ya da ann_file= ver).",
    },
    "no_images": {
        "en": "{path}: {n:d} image file(s) not found, e.g. {first!r}. Fix: file_name is relative to the folder holding the annotations.",
        "tr": "{path}: {n:d} görüntü dosyası bulunamadı, örneğin {first!r}. Düzeltme: file_name, annotation dosyasını içeren klasöre göredir.",
    },
    "mixed_sizes": {
        "en": "collate: images of different sizes {sizes} cannot be stacked into one batch. Fix: give the data set a transform that makes one size, e.g. CocoFolder(root, transforms=letterbox(640)).",
        "tr": "collate: farklı boyutlardaki {sizes} görüntüler tek bir batch'te üst üste konamaz. Düzeltme: veri kümesine tek bir boyut üreten bir transform ver, örneğin CocoFolder(root, transforms=letterbox(640)).",
    },
})

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
    """One ``(3, size, size)`` float image in [0, 1], its boxes ``(N, 4)`` xyxy and labels ``(N,)``:
    1..``max_objects`` shapes with sides log-uniform in ``[min_side, max_side]`` px
    (``1 ≤ min_side ≤ max_side ≤ size``)."""
    size = check_int("size", size, where="make_image")
    max_objects = check_int("max_objects", max_objects, where="make_image")
    min_side = check_int("min_side", min_side, where="make_image")
    max_side = check_int("max_side", max_side, where="make_image")
    if not min_side <= max_side <= size:
        raise ArgumentError(_t("sides", where="make_image", lo=min_side, hi=max_side, size=size))
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


class GeneratedSet(torch.utils.data.Dataset):
    """A generated set held in memory: ``self.items`` is a list of ``(image (3, H, W), boxes (N, 4)
    xyxy px, labels (N,))``; item ``i`` is ``(image, {"boxes", "labels"})``."""

    items: list

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        img, boxes, labels = self.items[i]
        return img, {"boxes": boxes, "labels": labels}

    def batch(self, indices) -> tuple[torch.Tensor, list[dict]]:
        """Images stacked to ``(B, 3, size, size)`` and a list of target dicts."""
        imgs, targets = zip(*(self[int(i)] for i in indices))
        return torch.stack(imgs), list(targets)

    def coco(self) -> dict:
        """The ground truth as a COCO dict: image ids 1..n (``ds[i]`` is image ``i + 1``),
        category ids 1..K (class index + 1), boxes ``[x, y, w, h]``."""
        return _coco_dict(self, self.classes)

    def write_coco(self, root) -> Path:
        """Write ``root/images/000001.png ...`` and ``root/annotations.json``; returns ``root``.
        Read it back with :class:`CocoFolder`."""
        from PIL import Image

        root = Path(root)
        (root / "images").mkdir(parents=True, exist_ok=True)
        data = self.coco()
        for (img, _), info in zip(self, data["images"]):
            pixels = (img * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
            Image.fromarray(pixels).save(root / info["file_name"])
        (root / "annotations.json").write_text(json.dumps(data), encoding="utf-8")
        return root


class Shapes(GeneratedSet):
    """``n`` generated images of ``size × size`` pixels with 1..``max_objects`` shapes each.

    ``ds[i]`` → ``(image (3, size, size), {"boxes": (N, 4) xyxy pixels, "labels": (N,)})``.
    Object sides are log-uniform in ``[min_side, max_side]`` pixels; later shapes may overlap
    earlier ones. Everything is generated once from ``seed``.
    """

    classes = CLASSES

    def __init__(self, n: int = 256, size: int = 128, max_objects: int = 3, min_side: int = 6,
                 max_side: int | None = None, seed: int = 0):
        n = check_int("n", n, where="Shapes")
        size = check_int("size", size, where="Shapes")
        max_objects = check_int("max_objects", max_objects, where="Shapes")
        seed = check_int("seed", seed, minimum=0, where="Shapes")
        min_side = check_int("min_side", min_side, where="Shapes")
        max_side = check_int("max_side", max_side, where="Shapes") if max_side is not None else size // 2
        if not 1 <= min_side <= max_side <= size:
            raise ArgumentError(_t("sides", where="Shapes", lo=min_side, hi=max_side, size=size))
        rng = np.random.default_rng(seed)
        self.size = size
        self.items = [make_image(rng, size, max_objects, min_side, max_side) for _ in range(n)]


# ---------------------------------------------------------------- the context-cue set

CONTEXT_CLASSES = ("square", "disc", "triangle", "dot_a", "dot_b")
_MARKER_COLOURS = (np.array([0.95, 0.15, 0.1], np.float32), np.array([0.1, 0.35, 0.95], np.float32))
_DOT_COLOUR = np.array([0.92, 0.92, 0.92], np.float32)
# dot_look=True: the dot's own colour is its class (dot_a light grey, dot_b yellow), no context needed
_DOT_LOOKS = (_DOT_COLOUR, np.array([0.95, 0.8, 0.1], np.float32))


def _ring(canvas: np.ndarray, cx: float, cy: float, r: float, width: float, colour: np.ndarray) -> None:
    """Clutter: an unlabelled ring (a hollow circle) — no class looks like it."""
    size = canvas.shape[0]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    canvas[np.abs(d - r) <= width / 2] = colour


class ContextShapes(GeneratedSet):
    """A generated detection set where some classes can only be told apart by their context.

    Every image (``size × size``, values in [0, 1]) holds:

    - a **scene marker**: a large red or blue square in one corner. It decides the class of
      every dot in the image (red → ``dot_a``, blue → ``dot_b``) with probability ``context``
      (1.0: always; 0.5: no cue at all). With ``label_marker`` it is an object too (classes
      ``marker_a`` / ``marker_b``), so the coarse levels *must* represent its colour — what a
      top-down path can then carry to the dots; without it nothing but the dots' own loss asks
      the coarse levels to notice the marker;
    - **dots**: 1..``max_dots`` small identical grey discs (``dot_sides`` px) on the background
      (touching no other object), at least ``min_dot_dist`` px from the marker's centre and
      between ``min_dot_gap`` and ``max_dot_gap`` px from its nearest edge — beyond
      the receptive field of the fine levels, so only a path that brings coarse context down (a
      top-down neck) lets the head at the dot's level know its class (a head with GroupNorm has a
      second path: see :class:`fpnlab.heads.DenseHead`);
    - **shapes**: squares, discs and triangles of random colours, sides log-uniform in
      ``shape_sides`` (medium to large), classes drawn with weights ``class_weights`` (class
      imbalance), allowed to overlap each other;
    - **clutter**: ``clutter`` unlabelled rings at most, plus background noise;
    - optional degradations: Gaussian ``blur`` (sigma, px), additive ``noise`` (std) and
      ``low_light`` (brightness × (1 − low_light)).

    ``dot_look=True`` is the **control without context**: each dot's class is drawn at random
    (independent of the marker, ``context`` unused) and shown by the dot itself — ``dot_a`` light
    grey, ``dot_b`` yellow — so AP on the dots measures finding and placing small objects
    without "classify the dot by a marker far away" folded in. Everything else (sizes, positions,
    marker, shapes) is drawn as without it.

    ``density`` scales the number of shapes (at most ``density × 3``) and, unless ``max_dots``
    is given, of dots (at most ``density × 6``); at least one of each. ``marker_side`` is the
    marker's side as a fraction of ``size``. Everything is drawn from ``seed``;
    ``ds[i]`` → ``(image (3, size, size), {"boxes": (N, 4) xyxy px, "labels": (N,) int64})``.
    :meth:`coco` gives the COCO dict, :meth:`write_coco` a COCO folder.

    >>> ds = ContextShapes(2, size=128, seed=0)
    >>> img, tgt = ds[0]
    >>> tuple(img.shape), ds.classes[-2:], sorted(ds.coco())
    ((3, 128, 128), ('dot_a', 'dot_b'), ['annotations', 'categories', 'images', 'info'])
    """

    classes = CONTEXT_CLASSES

    def __init__(self, n: int = 512, size: int = 128, seed: int = 0, context: float = 1.0,
                 density: float = 1.0, dot_sides=(3, 6), shape_sides=(10, None),
                 class_weights=(1.0, 0.6, 0.3), marker_side: float = 0.25, min_dot_dist: float | None = None,
                 min_dot_gap: float = 0.0, max_dot_gap: float = math.inf, max_dots: int | None = None,
                 label_marker: bool = False, clutter: int = 2, blur: float = 0.0, noise: float = 0.0,
                 low_light: float = 0.0, dot_look: bool = False):
        w = "ContextShapes"
        n = check_int("n", n, where=w)
        seed = check_int("seed", seed, minimum=0, where=w)
        if not (isinstance(context, (int, float)) and not isinstance(context, bool) and 0.0 <= context <= 1.0):
            raise ArgumentError(_t("context", value=context))
        if not (isinstance(size, int) and not isinstance(size, bool) and size >= 32):
            raise ArgumentError(_t("small_size", size=size))
        density = check_number("density", density, 0, strict=True, where=w)
        marker_side = check_number("marker_side", marker_side, 0, 1, where=w)
        for name, pair, example, none_ok in (("dot_sides", dot_sides, "(3, 6)", False),
                                             ("shape_sides", shape_sides, "(10, None)", True)):
            ok = isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], int) and pair[0] >= 1
            if ok:
                hi = pair[1] if pair[1] is not None or not none_ok else size // 2
                ok = isinstance(hi, int) and not isinstance(hi, bool) and pair[0] <= hi < size
            if not ok:
                raise ArgumentError(_t("pair", name=name, value=pair, example=example,
                                       hi_none=_t("hi_none") if none_ok else ""))
        if not (isinstance(class_weights, (list, tuple)) and len(class_weights) == 3):
            raise ArgumentError(_t("weights", value=class_weights))
        for k, v in enumerate(class_weights):
            check_number(f"class_weights[{k}]", v, 0, strict=True, where=w)
        if min_dot_dist is not None:
            check_number("min_dot_dist", min_dot_dist, 0, where=w)
        check_number("min_dot_gap", min_dot_gap, where=w)
        if max_dot_gap != math.inf:
            check_number("max_dot_gap", max_dot_gap, min_dot_gap, where=w)
        if max_dots is not None:
            max_dots = check_int("max_dots", max_dots, where=w)
        clutter = check_int("clutter", clutter, minimum=0, where=w)
        blur = check_number("blur", blur, 0, where=w)
        noise = check_number("noise", noise, 0, where=w)
        low_light = check_number("low_light", low_light, 0, 1, where=w)
        self.size, self.seed, self.context = size, seed, context
        self.label_marker, self.dot_look = label_marker, bool(dot_look)
        if label_marker:
            self.classes = CONTEXT_CLASSES + ("marker_a", "marker_b")
        lo, hi = shape_sides
        self.shape_sides = (lo, hi or size // 2)
        self.dot_sides = tuple(dot_sides)
        self.min_dot_dist = min_dot_dist if min_dot_dist is not None else 0.4 * size
        self.min_dot_gap, self.max_dot_gap = min_dot_gap, max_dot_gap
        self.marker_side = max(8, int(marker_side * size))
        self.max_dots = max_dots if max_dots is not None else max(1, int(round(6 * density)))
        self.kw = dict(density=density, class_weights=np.asarray(class_weights, float) / sum(class_weights),
                       clutter=clutter, blur=blur, noise=noise, low_light=low_light)
        rng = np.random.default_rng(seed)
        self.items = [self._make(rng) for _ in range(n)]

    def _make(self, rng: np.random.Generator):
        size, kw = self.size, self.kw
        canvas = rng.uniform(0.0, 0.3, (size, size, 3)).astype(np.float32)
        for _ in range(int(rng.integers(0, kw["clutter"] + 1))):   # clutter first, objects on top
            _ring(canvas, *rng.uniform(0, size, 2), rng.uniform(4, size / 4), 1.5,
                  rng.uniform(0.4, 0.8, 3).astype(np.float32))
        boxes, labels = [], []
        n_shapes = max(1, int(rng.integers(1, int(round(3 * kw["density"])) + 1)))
        for _ in range(n_shapes):
            lo, hi = self.shape_sides
            side = int(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            x0, y0 = (int(v) for v in rng.integers(0, size - side + 1, 2))
            kind = int(rng.choice(3, p=kw["class_weights"]))
            _draw(canvas, kind, x0, y0, side, rng.uniform(0.45, 1.0, 3).astype(np.float32))
            boxes.append([x0, y0, x0 + side, y0 + side])
            labels.append(kind)
        # the scene marker, in a random corner (drawn over shapes: the cue is always visible)
        scene = int(rng.integers(2))
        m = self.marker_side
        corner = int(rng.integers(4))
        mx0, my0 = (0 if corner in (0, 2) else size - m), (0 if corner in (0, 1) else size - m)
        canvas[my0:my0 + m, mx0:mx0 + m] = _MARKER_COLOURS[scene]
        mcx, mcy = mx0 + m / 2, my0 + m / 2
        if self.label_marker:
            boxes.append([mx0, my0, mx0 + m, my0 + m])
            labels.append(5 + scene)
        # dots: class from the marker (with probability `context`), or from their own colour (dot_look)
        n_dots = int(rng.integers(1, self.max_dots + 1))
        placed = 0
        for _ in range(50 * n_dots):
            if placed == n_dots:
                break
            side = int(rng.integers(self.dot_sides[0], self.dot_sides[1] + 1))
            x0, y0 = (int(v) for v in rng.integers(0, size - side + 1, 2))
            if math.hypot(x0 + side / 2 - mcx, y0 + side / 2 - mcy) < self.min_dot_dist:
                continue
            gap = max(mx0 - (x0 + side), x0 - (mx0 + m), my0 - (y0 + side), y0 - (my0 + m))
            if not self.min_dot_gap <= gap <= self.max_dot_gap:  # px from the marker's nearest edge
                continue
            if any(x0 < b[2] + 1 and b[0] - 1 < x0 + side and y0 < b[3] + 1 and b[1] - 1 < y0 + side
                   for b in boxes):  # dots sit on the background, apart from every other object
                continue
            if self.dot_look:  # the class is in the dot's own colour, not in the marker
                cls = int(rng.integers(2))
                _draw(canvas, 1, x0, y0, side, _DOT_LOOKS[cls])
            else:
                _draw(canvas, 1, x0, y0, side, _DOT_COLOUR)
                cls = scene if rng.random() < self.context else 1 - scene
            boxes.append([x0, y0, x0 + side, y0 + side])
            labels.append(3 + cls)
            placed += 1
        img = torch.from_numpy(canvas).permute(2, 0, 1).contiguous()
        if kw["blur"] > 0:
            from torchvision.transforms.v2.functional import gaussian_blur

            k = 2 * math.ceil(3 * kw["blur"]) + 1
            img = gaussian_blur(img, [k, k], [kw["blur"], kw["blur"]])
        if kw["low_light"] > 0:
            img = img * (1 - kw["low_light"])
        if kw["noise"] > 0:
            img = img + kw["noise"] * torch.from_numpy(rng.standard_normal(img.shape).astype(np.float32))
        img = img.clamp(0, 1)
        return img, torch.tensor(boxes, dtype=torch.float32), torch.tensor(labels, dtype=torch.int64)

def _coco_dict(dataset, classes) -> dict:
    images, anns = [], []
    for i in range(len(dataset)):
        img, tgt = dataset[i]
        h, w = img.shape[-2:]
        images.append({"id": i + 1, "file_name": f"images/{i + 1:06d}.png", "width": int(w), "height": int(h)})
        for box, label in zip(tgt["boxes"].tolist(), tgt["labels"].tolist()):
            bw, bh = box[2] - box[0], box[3] - box[1]
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(label) + 1,
                         "bbox": [box[0], box[1], bw, bh], "area": bw * bh, "iscrowd": 0})
    return {"info": {"description": f"fpnlab {type(dataset).__name__}"}, "images": images,
            "annotations": anns, "categories": [{"id": k + 1, "name": n} for k, n in enumerate(classes)]}


# ---------------------------------------------------------------- any COCO folder

def letterbox(size: int):
    """``transforms.v2`` pipeline: resize the longer side to ``size`` (aspect kept), pad to
    ``size × size`` around the centre; boxes move with the image."""
    from torchvision.transforms import v2

    size = check_int("size", size, where="letterbox")
    return v2.Compose([v2.Resize(size=None, max_size=size), v2.CenterCrop(size)])


class CocoFolder(torch.utils.data.Dataset):
    """A COCO-format detection folder (``annotations.json`` + the images it names), read with
    torchvision's ``CocoDetection`` wrapped for ``transforms.v2``.

    ``ds[i]`` → ``(image (3, H, W) float in [0, 1], {"boxes": tv_tensors.BoundingBoxes (N, 4)
    xyxy px, "labels": (N,) int64 class index, "image_id": int})``. ``transforms`` is any v2
    transform (e.g. :func:`letterbox`) — ``BoundingBoxes`` move with it; boxes are then clamped
    to the image and empty ones dropped (``SanitizeBoundingBoxes``). Class index ``k`` is the
    ``k``-th category by id (``category_ids[k]``); crowd annotations are left out of training
    targets. The annotation file is checked first (:func:`check_coco`): a malformed one raises
    :class:`CocoFormatError` naming the field, the id and the fix.
    """

    def __init__(self, root, transforms=None, ann_file: str = "annotations.json"):
        from torchvision.datasets import CocoDetection, wrap_dataset_for_transforms_v2
        from torchvision.transforms import v2

        root = Path(root)
        path = root / ann_file
        if not path.exists():
            raise CocoFormatError(_t("no_ann_file", path=str(path), ann_file=ann_file))
        data = check_coco(path, require_files=True)
        missing = [im["file_name"] for im in data["images"] if not (root / im["file_name"]).exists()]
        if missing:
            raise CocoFormatError(_t("no_images", path=str(path), n=len(missing), first=missing[0]))
        self.coco_gt = data
        self.category_ids = sorted(c["id"] for c in data["categories"])
        self.classes = tuple(next(c["name"] for c in data["categories"] if c["id"] == k)
                             for k in self.category_ids)
        self._index = {k: i for i, k in enumerate(self.category_ids)}
        pipeline = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
        if transforms is not None:
            pipeline.append(transforms)
        pipeline += [v2.ClampBoundingBoxes(), v2.SanitizeBoundingBoxes()]
        self.transforms = v2.Compose(pipeline)
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints while loading
            base = CocoDetection(str(root), str(path))
        self.ids = list(base.ids)
        self._ds = wrap_dataset_for_transforms_v2(base, target_keys=("image_id", "boxes", "labels", "iscrowd"))

    def __len__(self) -> int:
        return len(self._ds)

    def __getitem__(self, i: int):
        from torchvision import tv_tensors

        img, tgt = self._ds[i]
        if "boxes" not in tgt:  # an image without annotations
            h, w = (img.height, img.width) if hasattr(img, "height") else img.shape[-2:]
            tgt = {"image_id": self.ids[i], "labels": torch.zeros(0, dtype=torch.int64),
                   "boxes": tv_tensors.BoundingBoxes(torch.zeros(0, 4), format="XYXY", canvas_size=(h, w))}
        else:
            keep = torch.as_tensor(tgt.pop("iscrowd")) == 0
            tgt["boxes"] = tv_tensors.wrap(tgt["boxes"][keep], like=tgt["boxes"])
            tgt["labels"] = torch.as_tensor(tgt["labels"])[keep]
        tgt.pop("iscrowd", None)
        tgt["labels"] = torch.tensor([self._index[int(c)] for c in tgt["labels"]], dtype=torch.int64)
        img, tgt = self.transforms(img, tgt)
        return img, tgt


def collate(batch):
    """``[(image (3, H, W), target), ...]`` → ``(images (B, 3, H, W), [target, ...])`` with plain
    tensors: ``boxes (N, 4)`` float xyxy, ``labels (N,)`` int64 (and ``image_id``). All images
    must have one size (resize or :func:`letterbox` first); a clear error says so otherwise."""
    images, targets = zip(*batch)
    sizes = {tuple(im.shape[-2:]) for im in images}
    if len(sizes) > 1:
        raise ArgumentError(_t("mixed_sizes", sizes=sorted(sizes)))
    out = []
    for tgt in targets:
        d = {"boxes": torch.as_tensor(tgt["boxes"]).as_subclass(torch.Tensor).float().reshape(-1, 4),
             "labels": torch.as_tensor(tgt["labels"]).as_subclass(torch.Tensor).long()}
        if "image_id" in tgt:
            d["image_id"] = int(tgt["image_id"])
        out.append(d)
    return torch.stack([im.as_subclass(torch.Tensor) for im in images]), out


def coco_loader(dataset, batch_size: int = 8, shuffle: bool = False, num_workers: int = 0,
                seed: int = 0, **kwargs) -> torch.utils.data.DataLoader:
    """A ``DataLoader`` over a :class:`CocoFolder` (or a folder path, read with
    ``CocoFolder(path)``) that batches with :func:`collate`; shuffling is seeded."""
    batch_size = check_int("batch_size", batch_size, where="coco_loader")
    num_workers = check_int("num_workers", num_workers, minimum=0, where="coco_loader")
    seed = check_int("seed", seed, minimum=0, where="coco_loader")
    if isinstance(dataset, (str, os.PathLike)):
        dataset = CocoFolder(dataset)
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                                       collate_fn=collate, generator=g, **kwargs)


def random_pyramid(input_size, channels, first: int = 2, batch: int = 1,
                   generator: torch.Generator | None = None) -> dict:
    """Random backbone levels ``{"C{first}": (batch, channels[0], h, w), ...}`` with the sizes a
    backbone of strides ``2**first, 2**(first+1), ...`` gives for ``input_size`` (int or ``(H, W)``;
    ``ceil`` for odd sizes) — inputs for testing and timing necks without running a backbone.

    >>> {k: tuple(v.shape) for k, v in random_pyramid(97, [8, 16], first=3).items()}
    {'C3': (1, 8, 13, 13), 'C4': (1, 16, 7, 7)}
    """
    check_size("input_size", input_size, where="random_pyramid")
    channels = check_ints("channels", channels, where="random_pyramid")
    first = check_int("first", first, minimum=0, where="random_pyramid")
    batch = check_int("batch", batch, where="random_pyramid")
    ks = range(first, first + len(channels))
    levels = stride_table(input_size, [2 ** k for k in ks])
    return {f"C{k}": torch.randn(batch, c, *lv.size, generator=generator)
            for k, c, lv in zip(ks, channels, levels)}
