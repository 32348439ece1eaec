"""Design hints: what the statistics of a data set say about P2, the stride plan, neck fusion,
norm and augmentation (:func:`design_hints`), one function per topic, each hint with the numbers
that triggered it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arguments import check_int, check_ints
from ..i18n import Strings, _lang, fmt_num, fmt_pct
from ..levels import assign_level, level_name
from .stats import DatasetStats, dataset_stats  # noqa: F401  (dataset_stats: used by the doctest)

_t = Strings({
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
})


STRIDES = (4, 8, 16, 32)   # P2..P5
MIN_CELLS = 2              # an object should span ≥ 2 cells on its level (fpnlab.levels.assign_level)
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
    ``min_cells`` cells; the finest stride when none does: :func:`fpnlab.levels.assign_level`, the
    rule the detector trains with. ``(N,)`` px → ``(N,)`` strides.

    >>> assign_levels([10, 16, 40, 100, 500]).tolist()
    [4, 8, 16, 32, 32]
    """
    return assign_level(np.asarray(side_px, dtype=np.float64), strides, min_cells)


# ---------------------------------------------------------------- one function per topic

def levels_hints(side: np.ndarray, n: int, strides: list, lang: str | None = None) -> list[Hint]:
    """P2 (is a stride-4 level worth its cost?) and the stride plan (which levels carry objects;
    would a coarser one still see the median object?)."""
    px = MIN_CELLS * strides[1] if len(strides) > 1 else MIN_CELLS * strides[0]
    share_p2 = float((side < px).sum() / n)
    key = "p2_add" if share_p2 >= P2_SHARE else "p2_skip"
    p2 = Hint("P2", key, _t(key, lang, share=fmt_pct(share_p2, lang), px=px, cells=MIN_CELLS),
              {f"share_below_{px}px": share_p2})

    levels = assign_levels(side, strides)
    shares = {s: float((levels == s).sum() / n) for s in strides}
    carried = [s for s in strides if shares[s] >= LEVEL_SHARE] or [strides[-1]]
    name = {s: level_name(s) for s in strides}
    msg = _t("stride_plan", lang, levels=", ".join(name[s] for s in carried),
             shares=", ".join(f"{name[s]}: {fmt_pct(shares[s], lang, 0)}" for s in strides))
    med_cells = float(np.median(side) / strides[-1]) if side.size else 0.0
    key = "stride_plan"
    if med_cells >= 2 * MIN_CELLS:
        key = "stride_coarse"
        msg += _t("stride_coarse", lang, cells=fmt_num(med_cells, lang, 1), stride=strides[-1],
                  next=2 * strides[-1])
    plan = Hint("stride plan", key, msg, {**{f"share_{name[s]}": shares[s] for s in strides},
                                          "median_cells_coarsest": med_cells})
    return [p2, plan]


def fusion_hint(stats: DatasetStats, side: np.ndarray, n: int, lang: str | None = None) -> Hint:
    """Neck fusion: a wide spread of sizes or a crowded set → a stronger (bottom-up) fusion."""
    pos = side[side > 0]
    octaves = float(np.log2(np.percentile(pos, 90) / np.percentile(pos, 10))) if pos.size else 0.0
    crowded = crowding(stats, n)
    wide, crowd = octaves >= FUSION_OCTAVES, crowded >= CROWD_SHARE
    fields = dict(octaves=fmt_num(octaves, lang, 1), crowded=fmt_pct(crowded, lang),
                  iou=fmt_num(CROWD_IOU, lang, 1), min_octaves=fmt_num(FUSION_OCTAVES, lang),
                  min_crowded=fmt_pct(CROWD_SHARE, lang, 0))
    reasons = [(wide, "why_octaves_hi" if wide else "why_octaves_lo"),
               (crowd, "why_crowd_hi" if crowd else "why_crowd_lo")]
    reasons.sort(key=lambda r: not r[0])  # stable: the reasons that fired first
    why = _t("and", lang).join(_t(k, lang, **fields) for _, k in reasons)
    key = "fusion_strong" if wide or crowd else "fusion_plain"
    return Hint("neck fusion", key, _t(key, lang, why=why), {"size_octaves_p10_p90": octaves, "share_crowded": crowded})


def crowding(stats: DatasetStats, n: int) -> float:
    """Share of the objects that another one overlaps with IoU ≥ ``CROWD_IOU``."""
    return float((stats.overlap >= CROWD_IOU).sum() / n)


def norm_hint(stats: DatasetStats, scale: np.ndarray, lang: str | None = None) -> Hint:
    """Norm: the batch per device that fits at the training resolution → choose_norm."""
    from ..blocks.layers import choose_norm

    pixels = float(np.median(stats.width * stats.height * scale ** 2)) if stats.n_images else REF_PX
    batch = max(1, int(REF_BATCH * REF_PX / pixels))
    norm = choose_norm(batch)
    return Hint("norm", "norm", _t("norm", lang, mpx=fmt_num(pixels / 1e6, lang, 2), batch=batch, norm=norm),
                {"median_image_px": pixels, "batch_per_device": batch})


def small_object_hints(stats: DatasetStats, n: int, lang: str | None = None) -> list[Hint]:
    """Many COCO-small objects → zoom-in scale jitter and copy-paste."""
    small = stats.size_counts["small"] / n
    if small < SMALL_SHARE:
        return []
    return [Hint("augmentation", "aug_small", _t("aug_small", lang, share=fmt_pct(small, lang)),
                 {"share_small": small})]


def class_ratio(stats: DatasetStats) -> float:
    """Objects of the most frequent class / of the least frequent class that has objects."""
    with_objects = [c for c in stats.class_counts.values() if c > 0]
    return max(with_objects) / min(with_objects) if with_objects else 1.0


def class_imbalance_hints(stats: DatasetStats, lang: str | None = None) -> list[Hint]:
    """Imbalanced classes → oversample; classes without objects → a data hint."""
    out = []
    ratio = class_ratio(stats)
    if ratio >= IMBALANCE:
        out.append(Hint("augmentation", "aug_imbalance", _t("aug_imbalance", lang, ratio=fmt_num(ratio, lang, 1)),
                        {"class_ratio": ratio}))
    names = [k for k, c in stats.class_counts.items() if c == 0]
    if names:
        out.append(Hint("augmentation", "aug_empty", _t("aug_empty", lang, empty=len(names), names=", ".join(names)),
                        {"empty_classes": len(names)}))
    return out


def image_quality_hints(stats: DatasetStats, lang: str | None = None) -> list[Hint]:
    """Dark, flat or blurry images (median brightness, contrast, variance of the Laplacian) →
    photometric or blur augmentation; nothing without pixel statistics."""
    out = []
    if stats.brightness is None:
        return out
    for key, arr, limit, ev in (("aug_dark", stats.brightness, DARK, "median_brightness"),
                                ("aug_flat", stats.contrast, FLAT, "median_contrast"),
                                ("aug_blur", stats.blur, BLURRY, "median_blur")):
        med = float(np.nanmedian(arr))
        if med < limit:
            out.append(Hint("augmentation", key, _t(key, lang, value=fmt_num(med, lang, 1),
                                                    limit=fmt_num(limit, lang)), {ev: med}))
    return out


def default_augmentation_hint(stats: DatasetStats, n: int, lang: str | None = None) -> Hint:
    """Nothing stands out → the standard recipe."""
    small, ratio = stats.size_counts["small"] / n, class_ratio(stats)
    return Hint("augmentation", "aug_default",
                _t("aug_default", lang, share=fmt_pct(small, lang), ratio=fmt_num(ratio, lang, 1),
                   pixels="" if stats.brightness is not None else _t("aug_no_pixels", lang)),
                {"share_small": small, "class_ratio": ratio})


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
    lang = _lang(lang)
    check_ints("strides", strides, where="design_hints")
    if input_size is not None:
        check_int("input_size", input_size, where="design_hints")
    scale = _scale(stats, input_size)
    side = stats.side * scale[stats.image_index] if stats.n_objects else np.zeros(0)
    n = max(stats.n_objects, 1)
    strides = sorted(strides)
    aug = (small_object_hints(stats, n, lang) + class_imbalance_hints(stats, lang)
           + image_quality_hints(stats, lang)) or [default_augmentation_hint(stats, n, lang)]
    return [*levels_hints(side, n, strides, lang), fusion_hint(stats, side, n, lang),
            norm_hint(stats, scale, lang), *aug]


__all__ = ["Hint", "assign_levels", "design_hints"]
