"""A small generated detection set: coloured squares, discs and triangles on a noisy background.

No downloads: every image is drawn from a seed, so a chapter can train a detector on a laptop
CPU in seconds and get the same numbers every time. Object sizes span small to large so that
every pyramid level gets work.

>>> ds = Shapes(4, size=128, seed=0)
>>> img, target = ds[0]
>>> tuple(img.shape), target["boxes"].shape[1], target["labels"].dtype
((3, 128, 128), 4, torch.int64)
"""
from __future__ import annotations

import numpy as np
import torch

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
