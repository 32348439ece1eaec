"""Plots and tables: stride tables, a pyramid diagram with shapes, feature-map images.

Every label comes from :mod:`fpnlab.i18n`, so pass the notebook's ``LANG``.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from .i18n import t
from .strides import Level, level_name


def levels_frame(levels: Sequence[Level], lang: str = "en") -> pd.DataFrame:
    """A table of levels: name, channels (when known), stride, ``H × W``."""
    rows = []
    for lv in levels:
        row = {t("level", lang): lv.name}
        if lv.channels is not None:
            row[t("channels", lang)] = lv.channels
        row[t("stride", lang)] = lv.stride
        if lv.size is not None:
            row[t("size", lang)] = f"{lv.size[0]} × {lv.size[1]}"
        rows.append(row)
    return pd.DataFrame(rows).set_index(t("level", lang))


def cells_frame(rec, lang: str = "en") -> pd.DataFrame:
    """Cells an object covers per stride (a :class:`fpnlab.strides.Recommendation`), with the
    recommended level marked."""
    return pd.DataFrame(
        [{t("level", lang): level_name(s), t("stride", lang): s, t("cells", lang): round(c, 2),
          t("recommended", lang): "✔" if s == rec.stride else ""} for s, c in rec.cells.items()]
    ).set_index(t("level", lang))


def pyramid_diagram(levels: Sequence[Level], lang: str = "en", ax=None, color="tab:blue"):
    """Draw each level as a square whose side is proportional to its feature-map side,
    labelled ``name: C × H × W``; returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.6))
    x = 0.0
    biggest = max(lv.size[0] for lv in levels)
    for lv in levels:
        h, w = lv.size
        side = h / biggest
        slot = max(w / biggest, 0.45)  # small levels get room for their labels
        ax.add_patch(plt.Rectangle((x + (slot - w / biggest) / 2, 0), w / biggest, side,
                                   fc=color, alpha=0.25, ec=color))
        label = f"{lv.name}\n{lv.channels}×{h}×{w}" if lv.channels else f"{lv.name}\n{h}×{w}"
        ax.text(x + slot / 2, side + 0.04, label, ha="center", va="bottom", fontsize=8)
        ax.text(x + slot / 2, -0.06, f"s={lv.stride}", ha="center", va="top", fontsize=8)
        x += slot + 0.15
    ax.set_xlim(-0.05, x)
    ax.set_ylim(-0.25, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(t("pyramid_title", lang))
    return ax


def to_numpy_map(fmap: torch.Tensor, channel: int | None = None) -> np.ndarray:
    """``(C, H, W)`` → ``(H, W)``: one channel, or the mean absolute activation when ``None``."""
    fmap = fmap.detach().float().cpu()
    return (fmap.abs().mean(0) if channel is None else fmap[channel]).numpy()


def image_numpy(img: torch.Tensor) -> np.ndarray:
    """``(3, H, W)`` float image → ``(H, W, 3)`` clipped to [0, 1] for ``imshow``."""
    return img.detach().cpu().permute(1, 2, 0).clamp(0, 1).numpy()


def feature_grid(maps: dict, channel: int | None = None, lang: str = "en", axes=None):
    """One image per ``name → (C, H, W)`` map (a channel, or mean |activation|), titled with the
    name and shape; returns the figure."""
    names = list(maps)
    if axes is None:
        _, axes = plt.subplots(1, len(names), figsize=(2.3 * len(names), 2.6))
    for ax, name in zip(np.atleast_1d(axes), names):
        m = maps[name]
        ax.imshow(to_numpy_map(m, channel), cmap="viridis", interpolation="nearest")
        ax.set_title(f"{name}  {tuple(m.shape)}", fontsize=8)
        ax.axis("off")
    fig = np.atleast_1d(axes)[0].figure
    fig.suptitle(t("feature_maps", lang), fontsize=10)
    return fig


def draw_boxes(ax, boxes, labels=None, scores=None, classes=None, color="white"):
    """Draw xyxy pixel boxes on ``ax`` with optional class names and scores."""
    for i, b in enumerate(torch.as_tensor(boxes).tolist()):
        ax.add_patch(plt.Rectangle((b[0], b[1]), b[2] - b[0], b[3] - b[1], fill=False, ec=color, lw=1.2))
        text = []
        if labels is not None:
            k = int(labels[i])
            text.append(classes[k] if classes else str(k))
        if scores is not None:
            text.append(f"{float(scores[i]):.2f}")
        if text:
            ax.text(b[0], b[1] - 1, " ".join(text), color=color, fontsize=7, va="bottom")


def figure_bytes(fig, fmt: str = "png", dpi: int = 72) -> bytes:
    """Render a figure to PNG or JPEG bytes and close it (for widgets; JPEG keeps noisy images
    small in a page that stores many of them)."""
    buf = io.BytesIO()
    extra = {"pil_kwargs": {"quality": 82}} if fmt == "jpeg" else {}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", **extra)
    plt.close(fig)
    return buf.getvalue()
