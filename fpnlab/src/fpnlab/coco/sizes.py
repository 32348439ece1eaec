"""COCO's size split: small, medium and large objects by area, and its scaled version.

COCO splits objects by *area* in px²: small ``area < 32²``, medium ``32² ≤ area < 96²``, large
``area ≥ 96²`` — sizes meant for images about 640 px across. :func:`size_bucket` puts one object
in one bucket (the half-open rule of COCO's documentation); :data:`COCO_AREA_RANGES` are the
ranges pycocotools evaluates with (closed at both ends there), and :func:`scaled_area_ranges`
moves the split for smaller images.

>>> size_bucket(32 ** 2 - 1), size_bucket(32 ** 2), size_bucket(96 ** 2 - 1), size_bucket(96 ** 2)
('small', 'medium', 'medium', 'large')
"""
from __future__ import annotations

from ..arguments import check_number

SMALL_MAX = 32 ** 2   # COCO: small is area < 32²
MEDIUM_MAX = 96 ** 2  # medium is 32² ≤ area < 96², large is area ≥ 96²
BUCKETS = ("small", "medium", "large")
COCO_AREA_RANGES = {"small": (0.0, float(SMALL_MAX)), "medium": (float(SMALL_MAX), float(MEDIUM_MAX)),
                    "large": (float(MEDIUM_MAX), 1e5 ** 2)}


def size_bucket(area: float) -> str:
    """COCO's bucket for an annotation ``area`` in px²: ``"small"`` below 32², ``"medium"`` below
    96², else ``"large"``."""
    return "small" if area < SMALL_MAX else "medium" if area < MEDIUM_MAX else "large"


def scaled_area_ranges(image_size: float, reference: float = 640.0) -> dict:
    """COCO's split (sides 32 and 96 px at ``reference`` px) scaled to images of ``image_size`` px:
    ``scaled_area_ranges(128)`` puts small < 6.4² and large ≥ 19.2² px².

    >>> {k: [round(v, 2) for v in r] for k, r in scaled_area_ranges(128).items() if k != "large"}
    {'small': [0.0, 40.96], 'medium': [40.96, 368.64]}
    """
    image_size = check_number("image_size", image_size, 0, strict=True, where="scaled_area_ranges")
    reference = check_number("reference", reference, 0, strict=True, where="scaled_area_ranges")
    f = image_size / reference
    s, m = (32.0 * f) ** 2, (96.0 * f) ** 2
    return {"small": (0.0, s), "medium": (s, m), "large": (m, 1e5 ** 2)}


__all__ = ["BUCKETS", "COCO_AREA_RANGES", "MEDIUM_MAX", "SMALL_MAX", "scaled_area_ranges", "size_bucket"]
