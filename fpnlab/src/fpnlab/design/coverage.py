"""Coverage per stride and the proposed levels: how the reader's objects cover each candidate
stride at the training input size, and the pyramid levels that serve them — each choice with the
statistic and threshold that made it.

The coverage uses the detector's own assignment rule (:func:`fpnlab.levels.assign_level`: the
coarsest stride at which an object's shorter side covers ``min_cells`` cells) on object sizes
scaled as a letterbox scales them (``input_size / max(width, height)`` per image). For every
candidate stride it counts the objects the rule puts there, the objects too small for the finest
stride, and the expected share of objects that get at least one positive cell (a cell centre
inside the box: the anchor-free counterpart of AutoAnchor's best possible recall; a box of
``w × h`` px placed at random covers a cell centre of stride ``s`` with probability
``min(1, w/s) · min(1, h/s)``).

>>> coco = {"images": [{"id": 1, "width": 640, "height": 640}], "categories": [{"id": 1, "name": "dot"}],
...         "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, "bbox": [8 * i, 8, 10, 10]}
...                         for i in range(40)] + [{"id": 41, "image_id": 1, "category_id": 1,
...                                                 "bbox": [100, 100, 300, 300]}]}
>>> from fpnlab.datastats import dataset_stats
>>> rows = coverage(dataset_stats(coco), input_size=640)
>>> rows[0].stride, rows[0].objects
(4, 40)
>>> levels, reasons = propose_levels(rows, 640)
>>> [lv.name for lv in levels]  # 40 dots of 10 px: P2, widened to three levels
['P2', 'P3', 'P4']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arguments import check_int, check_number
from ..errors import ArgumentError
from ..i18n import Strings, fmt_num, fmt_pct
from ..levels import Level, assign_level, level_name

#: candidate strides, P2 .. P7
CANDIDATE_STRIDES = (4, 8, 16, 32, 64, 128)
MIN_CELLS = 2        # an object should span ≥ 2 cells on its level (the assignment rule)
MIN_SHARE = 0.05     # a level is kept when it holds ≥ 5 % of the objects
MIN_LEVELS = 3       # a neck fuses at least three levels (P3–P5 in YOLO, FPN, PANet, BiFPN's inputs)
MAX_LEVELS = 4       # the backbone has four stages: at most four levels come from it

_t = Strings({
    "empty": {
        "en": "design: the data set has no objects (0 non-crowd annotations). Fix: point it at an annotation file with boxes.",
        "tr": "design: veri kümesinde hiç nesne yok (crowd olmayan 0 annotation). Düzeltme: kutu içeren bir annotation dosyası ver."},
    "keep": {
        "en": "{name} (stride {stride:d}) kept: it holds {share} of the objects (≥ {min_share}).",
        "tr": "{name} (stride {stride:d}) tutuldu: nesnelerin {share} kadarını taşıyor (≥ {min_share})."},
    "bridge": {
        "en": "{name} (stride {stride:d}) kept between kept levels, holding {share} (< {min_share}): the pyramid's levels are consecutive strides.",
        "tr": "{name} (stride {stride:d}), tutulan seviyelerin arasında olduğu için tutuldu; taşıdığı pay {share} (< {min_share}): piramidin seviyeleri ardışık stride'lardır."},
    "drop": {
        "en": "{name} (stride {stride:d}) dropped: it holds {share} of the objects (< {min_share}); they go to the nearest kept level.",
        "tr": "{name} (stride {stride:d}) çıkarıldı: nesnelerin yalnızca {share} kadarını taşıyor (< {min_share}); bu nesneler en yakın tutulan seviyeye gider."},
    "too_small": {
        "en": "{share} of the objects ({n:d}) are under {min_cells} cells even at stride {stride:d} ({px} px at input {size:d}): a higher input size, not another level, would serve them.",
        "tr": "Nesnelerin {share} kadarı ({n:d} nesne) stride {stride:d}'te bile {min_cells} hücrenin altında (girdi {size:d}'te {px} px): onlara başka bir seviye değil, daha yüksek bir girdi boyutu yarar."},
    "widen": {
        "en": "{name} (stride {stride:d}) added, holding {share}: a neck fuses at least {k:d} consecutive levels.",
        "tr": "{name} (stride {stride:d}) eklendi, taşıdığı pay {share}: bir neck en az {k:d} ardışık seviyeyi birleştirir."},
    "trim": {
        "en": "{name} (stride {stride:d}) not used although it holds {share}: the backbone has {k:d} stages, so at most {k:d} levels; its objects go to the next finer level, where they cover more cells.",
        "tr": "{name} (stride {stride:d}), nesnelerin {share} kadarını taşısa da kullanılmadı: backbone'un {k:d} stage'i var, yani en fazla {k:d} seviye; nesneleri bir ince seviyeye gider ve orada daha çok hücre kaplar."},
    "no_reason": {
        "en": "No level holds {min_share} of the objects on its own: the data give no reason to prefer one level; the proposal keeps the standard P3–P5.",
        "tr": "Hiçbir seviye tek başına nesnelerin {min_share} kadarını taşımıyor: veri bir seviyeyi öne çıkarmak için bir neden vermiyor; öneri standart P3–P5'i tutar."},
    "header": {
        "en": "stride  level  objects  share   positive cell  too small",
        "tr": "stride  seviye nesne    pay     pozitif hücre  çok küçük"},
})


@dataclass(frozen=True)
class StrideCoverage:
    """What one candidate stride does for the data: ``objects`` the rule assigns to it, their
    ``share``, the expected share of them that get a positive cell (``positive``), and how many of
    them are below ``min_cells`` cells even there (``too_small``, only at the finest stride)."""

    stride: int
    objects: int
    share: float
    positive: float
    too_small: int


def coverage_table(coverage: list[StrideCoverage], lang: str | None = None) -> str:
    """The coverage table as text, in the reader's language."""
    rows = [_t("header", lang)]
    for c in coverage:
        positive = fmt_pct(c.positive, lang) if c.objects else "—"
        rows.append(f"{c.stride:>6d}  {level_name(c.stride):<5}  {fmt_num(c.objects, lang):>7}  "
                    f"{fmt_pct(c.share, lang):>6}  {positive:>13}  {fmt_num(c.too_small, lang):>9}")
    return "\n".join(rows)


def scaled_sides(stats, input_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every object's shorter and longer box side in px at the training input size, scaled as a
    letterbox scales its image (``input_size / max(width, height)``)."""
    input_size = check_int("input_size", input_size, where="scaled_sides")
    scale = input_size / np.maximum(stats.width, stats.height)[stats.image_index]
    short = stats.side * scale
    aspect = np.where(stats.aspect > 0, stats.aspect, 1.0)
    long = short * np.maximum(aspect, 1.0 / aspect)
    return short, long


def coverage(stats, input_size: int = 640, strides=CANDIDATE_STRIDES,
             min_cells: float = MIN_CELLS) -> list[StrideCoverage]:
    """The coverage table of :mod:`fpnlab.design`'s docstring, one row per stride (fine → coarse)."""
    input_size = check_int("input_size", input_size, where="coverage")
    min_cells = check_number("min_cells", min_cells, 0, strict=True, where="coverage")
    strides = sorted(strides)
    short, long = scaled_sides(stats, input_size)
    n = len(short)
    if n == 0:
        raise ArgumentError(_t("empty"))
    assigned = assign_level(short, strides, min_cells)
    rows = []
    for s in strides:
        on = assigned == s
        p = np.minimum(1.0, short[on] / s) * np.minimum(1.0, long[on] / s)
        too_small = int(np.sum(short[on] < min_cells * s)) if s == strides[0] else 0
        rows.append(StrideCoverage(int(s), int(on.sum()), float(on.mean()), float(p.mean()) if on.any() else float("nan"),
                                   too_small))
    return rows


def propose_levels(rows: list[StrideCoverage], input_size: int, channels: int = 256, min_share: float = MIN_SHARE,
                   min_cells: float = MIN_CELLS, lang: str | None = None) -> tuple[list[Level], list[str]]:
    """The smallest run of consecutive strides that holds every level with ≥ ``min_share`` of the
    objects — widened to :data:`MIN_LEVELS` levels, coarser side first, when it is shorter, and cut
    to :data:`MAX_LEVELS` (the backbone's stages) on the coarse side when it is longer — and the
    reasons (one per candidate stride). When no stride holds that share, the standard P3–P5
    with a reason saying the data do not decide."""
    input_size = check_int("input_size", input_size, where="propose_levels")
    channels = check_int("channels", channels, where="propose_levels")
    min_share = check_number("min_share", min_share, 0, 1, where="propose_levels")
    min_cells = check_number("min_cells", min_cells, 0, strict=True, where="propose_levels")
    pct = fmt_pct(min_share, lang)
    kept = [i for i, r in enumerate(rows) if r.share >= min_share]
    if not kept:
        chosen = [r for r in rows if r.stride in (8, 16, 32)]
        return [Level(level_name(r.stride), channels, r.stride) for r in chosen], [_t("no_reason", lang, min_share=pct)]
    lo, hi = kept[0], kept[-1]
    widened = set()
    while hi - lo + 1 < min(MIN_LEVELS, len(rows)):  # too few levels for a neck: widen, coarser side first
        if hi + 1 < len(rows):
            hi += 1
            widened.add(hi)
        else:
            lo -= 1
            widened.add(lo)
    top = hi
    hi = min(hi, lo + MAX_LEVELS - 1)  # four backbone stages: the coarsest levels beyond them are served by P_hi
    reasons = []
    for i, r in enumerate(rows):
        fields = dict(name=level_name(r.stride), stride=r.stride, share=fmt_pct(r.share, lang), min_share=pct,
                      k=MAX_LEVELS if hi < i <= top else MIN_LEVELS)
        key = ("trim" if hi < i <= top else "keep" if i in kept else "widen" if i in widened
               else "bridge" if lo < i < hi else "drop")
        reasons.append(_t(key, lang, **fields))
    finest = rows[0]
    if finest.too_small:
        n = sum(r.objects for r in rows)
        reasons.append(_t("too_small", lang, share=fmt_pct(finest.too_small / n, lang), n=finest.too_small,
                          min_cells=fmt_num(min_cells, lang), stride=finest.stride,
                          px=fmt_num(min_cells * finest.stride, lang), size=input_size))
    return [Level(level_name(r.stride), channels, r.stride) for r in rows[lo:hi + 1]], reasons


__all__ = ["CANDIDATE_STRIDES", "MAX_LEVELS", "MIN_CELLS", "MIN_LEVELS", "MIN_SHARE", "StrideCoverage", "coverage",
           "coverage_table", "propose_levels", "scaled_sides"]
