"""Slider widgets, each in two twins built from one ``render`` function.

- **live**: slider callbacks call ``render`` on demand (Jupyter, Colab: needs a kernel);
- **static**: ``render`` is called for every slider position up front; the results sit in
  nested ``widgets.Stack``s whose ``selected_index`` is ``jslink``-ed to the sliders' ``index``,
  so moving a slider in the built HTML switches the visible child with no kernel at all.

Which twin a call returns: ``static=True/False``, or else the environment variable
``FPNLAB_WIDGETS`` (``static`` while the book is built, ``live`` otherwise).

CSS classes mark the parts for the browser test: ``fpnlab-static`` / ``fpnlab-live`` and
``fpnlab-<name>`` on the container, ``fpnlab-slider`` on sliders, ``fpnlab-stack`` on stacks.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from .i18n import t
from .necks import fusion_weights
from .strides import recommend_level, stride_from_sizes, stride_table
from .viz import cells_frame, figure_bytes, image_numpy, levels_frame, to_numpy_map


def use_static(static: bool | None = None) -> bool:
    """Resolve the twin: explicit argument, else ``FPNLAB_WIDGETS=static``."""
    if static is not None:
        return static
    mode = os.environ.get("FPNLAB_WIDGETS", "live").lower()
    if mode not in ("live", "static"):
        raise ValueError(f"FPNLAB_WIDGETS={mode!r}: use 'live' or 'static'")
    return mode == "static"


def _options(values: Sequence) -> list[tuple[str, object]]:
    return [v if isinstance(v, tuple) else (str(v), v) for v in values]


def explorer(controls: Mapping[str, Sequence], render: Callable[..., W.Widget], *, name: str,
             lang: str = "en", static: bool | None = None) -> W.VBox:
    """A panel of ``SelectionSlider``s (one per ``label → values``; a value may be a
    ``(text, value)`` pair) above the widget ``render(*values)`` returns.

    Static twin: ``prod(len(values))`` renders, up front. Live twin: one render per slider move.
    """
    static = use_static(static)
    sliders = [W.SelectionSlider(options=_options(vals), description=label, continuous_update=False,
                                 style={"description_width": "initial"},
                                 layout=W.Layout(width="520px")) for label, vals in controls.items()]
    for s in sliders:
        s.add_class("fpnlab-slider")
    note = W.HTML(f"<small>{t('static_note' if static else 'live_note', lang)}</small>")
    if static:
        stacks: list[list[W.Stack]] = [[] for _ in sliders]

        def build(depth: int, chosen: tuple) -> W.Widget:
            if depth == len(sliders):
                return render(*chosen)
            children = [build(depth + 1, chosen + (value,)) for _, value in sliders[depth].options]
            stack = W.Stack(children, selected_index=0)
            stack.add_class("fpnlab-stack")
            stacks[depth].append(stack)
            return stack

        view = build(0, ())
        links = [W.jslink((slider, "index"), (stack, "selected_index"))
                 for slider, level in zip(sliders, stacks) for stack in level]
    else:
        view = W.Box([render(*(s.value for s in sliders))])

        def update(_change=None):
            view.children = [render(*(s.value for s in sliders))]

        for s in sliders:
            s.observe(update, names="value")
    box = W.VBox([*sliders, view, note])
    box.links = links if static else []  # the jslinks, kept for inspection
    box.add_class("fpnlab-static" if static else "fpnlab-live")
    box.add_class(f"fpnlab-{name}")
    return box


def _html(df, caption: str = "") -> W.HTML:
    return W.HTML((f"<p>{caption}</p>" if caption else "") + df.to_html())


def stride_explorer(lang: str = "en", strides: Sequence[int] = (4, 8, 16, 32),
                    input_sizes: Sequence[int] = tuple(range(224, 1281, 32)),
                    object_sizes: Sequence[int] = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512),
                    min_cells: float = 2, static: bool | None = None) -> W.VBox:
    """Two panels: input size → ``H × W`` of every level; object size → cells it covers on every
    level and the recommended level (:func:`fpnlab.strides.recommend_level`)."""
    def table(size):
        return _html(levels_frame(stride_table(size, strides), lang))

    def cells(obj):
        rec = recommend_level(obj, strides, min_cells, lang)
        return _html(cells_frame(rec, lang), rec.message)

    return W.VBox([
        explorer({t("input_size", lang): input_sizes}, table, name="stride-table", lang=lang, static=static),
        explorer({t("object_size", lang): object_sizes}, cells, name="object-level", lang=lang, static=static),
    ])


def feature_viewer(images: torch.Tensor, features: Sequence[dict], pyramids: Sequence[dict],
                   lang: str = "en", channels: Sequence[int] = (0, 1, 2),
                   static: bool | None = None) -> W.VBox:
    """Image × level × channel → the input (with the level's cell grid), ``C_k`` and ``P_k``.

    ``images``: ``(N, 3, H, W)``; ``features[i]`` / ``pyramids[i]``: the backbone's and the neck's
    dicts for image ``i`` (``"C2"..`` → ``(C, h, w)``, ``"P2"..`` → ``(C', h, w)``), computed once
    by the caller. The channel slider offers the mean |activation| and the given channels.
    """
    levels = [k[1:] for k in features[0]]
    mean = t("mean_abs", lang)

    def render(i, level, channel):
        c, p = features[i][f"C{level}"], pyramids[i][f"P{level}"]
        stride = stride_from_sizes(images.shape[-1], c.shape[-1])
        fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.6))
        axes[0].imshow(image_numpy(images[i]))
        for g in np.arange(0, images.shape[-1] + 1, stride):
            axes[0].axhline(g - 0.5, color="white", lw=0.3, alpha=0.5)
            axes[0].axvline(g - 0.5, color="white", lw=0.3, alpha=0.5)
        axes[0].set_title(f"{t('input', lang)} (stride {stride:g})", fontsize=9)
        ch = None if channel == mean else channel
        for ax, m, title in ((axes[1], c, t("backbone_level", lang, name=f"C{level}")),
                             (axes[2], p, t("neck_level", lang, name=f"P{level}"))):
            ax.imshow(to_numpy_map(m, ch), cmap="viridis", interpolation="nearest")
            ax.set_title(f"{title} {tuple(m.shape)}", fontsize=9)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return W.Image(value=figure_bytes(fig, "jpeg"), format="jpeg")

    controls = {t("image", lang): list(range(len(images))), t("level", lang): levels,
                t("channel", lang): [mean, *channels]}
    return explorer(controls, render, name="feature-viewer", lang=lang, static=static)


def fusion_explorer(inputs: Sequence[torch.Tensor], lang: str = "en",
                    raw_values: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0),
                    methods: Sequence[str] = ("unbounded", "softmax", "fast"),
                    static: bool | None = None) -> W.VBox:
    """One fusion node with two inputs ``(C, H, W)``: a slider per raw weight → the normalized
    weights under each method (:func:`fpnlab.necks.fusion_weights`) and the fused map
    ``Σ w_i · in_i`` (mean over channels) per method."""
    if len(inputs) != 2:
        raise ValueError(f"fusion_explorer shows a two-input node; got {len(inputs)} inputs")

    def render(w1, w2):
        raw = torch.tensor([w1, w2])
        rows, fig, axes = [], *plt.subplots(1, len(methods), figsize=(2.4 * len(methods), 2.5))
        for ax, m in zip(np.atleast_1d(axes), methods):
            w = fusion_weights(raw, m)
            rows.append({t("method", lang): m, t("weight", lang, i=1): f"{w[0]:.4f}",
                         t("weight", lang, i=2): f"{w[1]:.4f}"})
            fused = (w[0] * inputs[0] + w[1] * inputs[1]).mean(0)
            ax.imshow(fused.numpy(), cmap="viridis", interpolation="nearest")
            ax.set_title(t("fused", lang, method=m), fontsize=9)
            ax.axis("off")
        fig.tight_layout()
        table = pd.DataFrame(rows).set_index(t("method", lang))
        return W.VBox([W.HTML(table.to_html()), W.Image(value=figure_bytes(fig, "jpeg"), format="jpeg")])

    controls = {t("raw_weight", lang, i=1): list(raw_values), t("raw_weight", lang, i=2): list(raw_values)}
    return explorer(controls, render, name="fusion-explorer", lang=lang, static=static)


def attention_viewer(images: torch.Tensor, before: Mapping[str, Sequence[dict]],
                     after: Mapping[str, Sequence[dict]], maps: Mapping[str, Sequence[dict]],
                     lang: str = "en", static: bool | None = None) -> W.VBox:
    """Image × attention variant × level → the input, the level before attention, the attention
    map and the level after it.

    ``before[v][i]`` / ``after[v][i]``: ``{"P3": (C, h, w), ...}`` for variant ``v`` and image
    ``i``; ``maps[v][i]``: the block's ``last_map`` per level — ``(C, 1, 1)`` channel weights
    (SE, ECA: drawn as a sorted curve), ``(1, h, w)`` or ``(C, h, w)`` spatial maps (CBAM,
    CoordAtt: drawn as the mean over channels).
    """
    variants = list(before)
    levels = list(before[variants[0]][0])

    def render(i, variant, level):
        m = maps[variant][i][level]
        fig, axes = plt.subplots(1, 4, figsize=(9.6, 2.5))
        axes[0].imshow(image_numpy(images[i]))
        axes[0].set_title(t("input", lang), fontsize=9)
        axes[1].imshow(to_numpy_map(before[variant][i][level]), cmap="viridis", interpolation="nearest")
        axes[1].set_title(f"{t('before_attention', lang)} {level}", fontsize=9)
        if m.shape[-2:] == (1, 1):
            axes[2].plot(np.sort(m.flatten().numpy())[::-1])
            axes[2].set_ylim(0, 1)
            axes[2].set_title(t("channel_weights", lang), fontsize=9)
        else:
            axes[2].imshow(m.mean(0).numpy(), cmap="magma", vmin=0, vmax=1, interpolation="nearest")
            axes[2].set_title(f"{t('attention_map', lang)} ({variant})", fontsize=9)
        axes[3].imshow(to_numpy_map(after[variant][i][level]), cmap="viridis", interpolation="nearest")
        axes[3].set_title(f"{t('after_attention', lang)} {level}", fontsize=9)
        for k, ax in enumerate(axes):
            if k != 2 or m.shape[-2:] != (1, 1):
                ax.axis("off")
        fig.tight_layout()
        return W.Image(value=figure_bytes(fig, "jpeg"), format="jpeg")

    controls = {t("image", lang): list(range(len(images))), t("variant_label", lang): variants,
                t("level", lang): levels}
    return explorer(controls, render, name="attention-viewer", lang=lang, static=static)
