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

import io

import ipywidgets as W
import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .arguments import check_choice
from .errors import ArgumentError
from .i18n import Strings, fmt_num, t
from .necks import fusion_weights
from .levels import recommend_level, stride_from_sizes, stride_table
from .viz import cells_frame, image_numpy, levels_frame, to_numpy_map

_t = Strings({
    "two_inputs": {
        "en": "fusion_explorer: inputs has {n:d} maps; it shows a node with two inputs. Fix: pass two (C, H, W) maps, e.g. inputs=[a, b].",
        "tr": "fusion_explorer: inputs {n:d} harita içeriyor; bu widget iki girdili bir düğüm gösterir. Düzeltme: iki (C, H, W) harita ver, örneğin inputs=[a, b].",
    },
    "query_shape": {
        "en": "query_attention_viewer: attention has shape {shape}; it needs (heads, N, N) with N = {rows:d} · {cols:d} positions of the grid. Fix: pass AIFI.attention(x)[0] and grid=(H, W) of x.",
        "tr": "query_attention_viewer: attention'ın şekli {shape}; (heads, N, N) olmalı, N = {rows:d} · {cols:d} grid konumu. Düzeltme: AIFI.attention(x)[0]'ı ve grid=(H, W) olarak x'in boyutunu ver.",
    },
})


def use_static(static: bool | None = None) -> bool:
    """Resolve the twin: explicit argument, else ``FPNLAB_WIDGETS=static``."""
    if static is not None:
        return static
    mode = os.environ.get("FPNLAB_WIDGETS", "live").lower()
    return check_choice("FPNLAB_WIDGETS", mode, ("live", "static"), where="fpnlab.widgets") == "static"


def _options(values: Sequence, lang: str | None = None) -> list[tuple[str, object]]:
    """``(label, value)`` pairs; numbers are labelled in the reader's format (``-0,5`` in Turkish)."""
    def label(v):
        return fmt_num(v, lang) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
    return [v if isinstance(v, tuple) else (label(v), v) for v in values]


def explorer(controls: Mapping[str, Sequence], render: Callable[..., W.Widget], *, name: str,
             lang: str | None = None, static: bool | None = None) -> W.VBox:
    """A panel of ``SelectionSlider``s (one per ``label → values``; a value may be a
    ``(text, value)`` pair) above the widget ``render(*values)`` returns.

    Static twin: ``prod(len(values))`` renders, up front. Live twin: one render per slider move.
    """
    static = use_static(static)
    sliders = [W.SelectionSlider(options=_options(vals, lang), description=label, continuous_update=False,
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


class Panel:
    """One row of axes drawn again and again: a widget keeps one ``Panel`` and, per slider move,
    swaps the data of its images (``set_data``) and titles instead of building a new figure —
    the figure, axes, colormaps and layout are made once. ``jpeg()`` renders it with Agg and
    encodes the pixels with PIL (no ``bbox_inches="tight"``, which draws twice).

    Not pyplot: the figure is never registered with a GUI backend, so nothing needs closing.
    """

    def __init__(self, n: int, figsize: tuple[float, float], dpi: int = 72, wspace: float = 0.08,
                 bottom: float = 0.04):
        self.fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.fig)
        self.axes = list(np.atleast_1d(self.fig.subplots(1, n)))
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=bottom, top=0.86, wspace=wspace)
        self.images: dict[int, object] = {}
        for ax in self.axes:
            ax.axis("off")

    def show(self, i: int, data: np.ndarray, title: str = "", cmap: str | None = "viridis",
             vmin: float | None = None, vmax: float | None = None) -> None:
        """Put ``data`` (``(H, W)`` or ``(H, W, 3)``) in axes ``i``; colour limits from the data
        unless given, as ``imshow`` would."""
        ax = self.axes[i]
        h, w = data.shape[:2]
        im = self.images.get(i)
        if im is None:
            im = self.images[i] = ax.imshow(data, cmap=cmap, interpolation="nearest")
        else:
            im.set_data(data)
            im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        ax.set_aspect("equal")
        im.set_visible(True)
        if data.ndim == 2:
            lo = float(data.min()) if vmin is None else vmin
            hi = float(data.max()) if vmax is None else vmax
            im.set_clim(lo, hi if hi > lo else lo + 1e-12)
        self.title(i, title)

    def title(self, i: int, text: str) -> None:
        """Title of axes ``i`` at a fixed height (``y=`` given: matplotlib skips re-placing it
        above the tick labels on every draw, a large share of the draw time)."""
        self.axes[i].set_title(text, fontsize=9, y=1.0, pad=4)

    def jpeg(self, quality: int = 82) -> bytes:
        canvas = self.fig.canvas
        canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[..., :3]
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="jpeg", quality=quality)
        return buf.getvalue()

    def widget(self) -> W.Image:
        return W.Image(value=self.jpeg(), format="jpeg")


def grid_overlay(img: np.ndarray, stride: int | float, alpha: float = 0.35) -> np.ndarray:
    """``img`` ``(H, W, 3)`` in [0, 1] with the cell grid of ``stride`` blended in (white): the
    first row and column of every cell, drawn into the pixels instead of as line artists."""
    out = img.copy()
    s = max(int(round(stride)), 1)
    if s > 1:
        out[::s] = (1 - alpha) * out[::s] + alpha
        out[:, ::s] = (1 - alpha) * out[:, ::s] + alpha
    return out


def _html(df, caption: str = "") -> W.HTML:
    return W.HTML((f"<p>{caption}</p>" if caption else "") + df.to_html())


def stride_explorer(lang: str | None = None, strides: Sequence[int] = (4, 8, 16, 32),
                    input_sizes: Sequence[int] = tuple(range(224, 1281, 32)),
                    object_sizes: Sequence[int] = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512),
                    min_cells: float = 2, static: bool | None = None) -> W.VBox:
    """Two panels: input size → ``H × W`` of every level; object size → cells it covers on every
    level and the recommended level (:func:`fpnlab.levels.recommend_level`)."""
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
                   lang: str | None = None, channels: Sequence[int] = (0, 1, 2),
                   static: bool | None = None) -> W.VBox:
    """Image × level × channel → the input (with the level's cell grid), ``C_k`` and ``P_k``.

    ``images``: ``(N, 3, H, W)``; ``features[i]`` / ``pyramids[i]``: the backbone's and the neck's
    dicts for image ``i`` (``"C2"..`` → ``(C, h, w)``, ``"P2"..`` → ``(C', h, w)``), computed once
    by the caller. The channel slider offers the mean |activation| and the given channels.
    """
    levels = [k[1:] for k in features[0]]
    mean = t("mean_abs", lang)

    panel = Panel(3, (7.2, 2.6))
    shown = [image_numpy(img) for img in images]

    def render(i, level, channel):
        c, p = features[i][f"C{level}"], pyramids[i][f"P{level}"]
        stride = stride_from_sizes(images.shape[-1], c.shape[-1])
        panel.show(0, grid_overlay(shown[i], stride), f"{t('input', lang)} (stride {stride:g})", cmap=None)
        ch = None if channel == mean else channel
        panel.show(1, to_numpy_map(c, ch), f"{t('backbone_level', lang, name=f'C{level}')} {tuple(c.shape)}")
        panel.show(2, to_numpy_map(p, ch), f"{t('neck_level', lang, name=f'P{level}')} {tuple(p.shape)}")
        return panel.widget()

    controls = {t("image", lang): list(range(len(images))), t("level", lang): levels,
                t("channel", lang): [mean, *channels]}
    return explorer(controls, render, name="feature-viewer", lang=lang, static=static)


def fusion_explorer(inputs: Sequence[torch.Tensor], lang: str | None = None,
                    raw_values: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0),
                    methods: Sequence[str] = ("unbounded", "softmax", "fast"),
                    static: bool | None = None) -> W.VBox:
    """One fusion node with two inputs ``(C, H, W)``: a slider per raw weight → the normalized
    weights under each method (:func:`fpnlab.necks.fusion_weights`) and the fused map
    ``Σ w_i · in_i`` (mean over channels) per method."""
    if len(inputs) != 2:
        raise ArgumentError(_t("two_inputs", n=len(inputs)))

    panel = Panel(len(methods), (2.4 * len(methods), 2.5))
    method_col, w1_col, w2_col = t("method", lang), t("weight", lang, i=1), t("weight", lang, i=2)

    def render(w1, w2):
        raw = torch.tensor([w1, w2])
        rows = []
        for k, m in enumerate(methods):
            w = fusion_weights(raw, m)
            rows.append(f"<tr><th>{m}</th><td>{fmt_num(float(w[0]), lang, 4)}</td>"
                        f"<td>{fmt_num(float(w[1]), lang, 4)}</td></tr>")
            fused = (w[0] * inputs[0] + w[1] * inputs[1]).mean(0)
            panel.show(k, fused.numpy(), t("fused", lang, method=m))
        table = (f'<table border="1" class="dataframe"><thead><tr><th>{method_col}</th><th>{w1_col}</th>'
                 f'<th>{w2_col}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
        return W.VBox([W.HTML(table), panel.widget()])

    controls = {t("raw_weight", lang, i=1): list(raw_values), t("raw_weight", lang, i=2): list(raw_values)}
    return explorer(controls, render, name="fusion-explorer", lang=lang, static=static)


def attention_viewer(images: torch.Tensor, before: Mapping[str, Sequence[dict]],
                     after: Mapping[str, Sequence[dict]], maps: Mapping[str, Sequence[dict]],
                     lang: str | None = None, static: bool | None = None) -> W.VBox:
    """Image × attention variant × level → the input, the level before attention, the attention
    map and the level after it.

    ``before[v][i]`` / ``after[v][i]``: ``{"P3": (C, h, w), ...}`` for variant ``v`` and image
    ``i``; ``maps[v][i]``: the block's ``last_map`` per level — ``(C, 1, 1)`` channel weights
    (SE, ECA: drawn as a sorted curve), ``(1, h, w)`` or ``(C, h, w)`` spatial maps (CBAM,
    CoordAtt: drawn as the mean over channels).
    """
    variants = list(before)
    levels = list(before[variants[0]][0])

    panel = Panel(4, (9.6, 2.5), wspace=0.3, bottom=0.12)  # room for the curve's tick labels
    shown = [image_numpy(img) for img in images]
    curve_ax = panel.axes[2]
    curve = None

    def render(i, variant, level):
        nonlocal curve
        m = maps[variant][i][level]
        panel.show(0, shown[i], t("input", lang), cmap=None)
        panel.show(1, to_numpy_map(before[variant][i][level]), f"{t('before_attention', lang)} {level}")
        if m.shape[-2:] == (1, 1):  # channel weights: a sorted curve on visible axes
            ys = np.sort(m.flatten().numpy())[::-1]
            if curve is None:
                (curve,) = curve_ax.plot(ys)
            curve.set_data(np.arange(len(ys)), ys)
            curve.set_visible(True)
            if 2 in panel.images:
                panel.images[2].set_visible(False)
            curve_ax.axis("on")
            curve_ax.set_aspect("auto")
            curve_ax.set_xlim(-0.5, max(len(ys) - 0.5, 0.5))
            curve_ax.set_ylim(0, 1)
            panel.title(2, t("channel_weights", lang))
        else:  # spatial map: mean over channels
            if curve is not None:
                curve.set_visible(False)
            curve_ax.axis("off")
            panel.show(2, m.mean(0).numpy(), f"{t('attention_map', lang)} ({variant})", cmap="magma",
                       vmin=0, vmax=1)
        panel.show(3, to_numpy_map(after[variant][i][level]), f"{t('after_attention', lang)} {level}")
        return panel.widget()

    controls = {t("image", lang): list(range(len(images))), t("variant_label", lang): variants,
                t("level", lang): levels}
    return explorer(controls, render, name="attention-viewer", lang=lang, static=static)


def query_attention_viewer(image: torch.Tensor, attention: torch.Tensor, grid: tuple[int, int],
                           lang: str | None = None, static: bool | None = None) -> W.VBox:
    """Query row × query column × head → the attention weights of that query over the ``grid``
    of positions (one row of the attention matrix, reshaped to the map), drawn over the image,
    with the query's cell outlined.

    ``image``: ``(3, H, W)``; ``attention``: ``(heads, N, N)`` or ``(1, heads, N, N)`` with
    ``N = rows · cols`` in row-major order (as :meth:`fpnlab.blocks.AIFI.attention` returns it);
    ``grid``: ``(rows, cols)`` of the map. The head slider offers every head and "mean of heads".
    Static twin: ``rows · cols · (heads + 1)`` renders.
    """
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    att = attention.detach().float().cpu()
    if att.dim() == 4:
        att = att[0]
    rows, cols = (int(v) for v in grid)
    if att.dim() != 3 or att.shape[-1] != rows * cols or att.shape[-2] != rows * cols:
        raise ArgumentError(_t("query_shape", shape=tuple(attention.shape), rows=rows, cols=cols))
    heads = att.shape[0]
    shown = image_numpy(image)
    h, w = shown.shape[:2]
    cell_h, cell_w = h / rows, w / cols
    # one panel (the static twin holds rows · cols · (heads + 1) of them): the weights over the
    # image, the query's cell outlined
    panel = Panel(1, (3.3, 3.5))
    box = Rectangle((0, 0), cell_w, cell_h, fill=False, edgecolor="cyan", linewidth=1.5)
    panel.axes[0].add_patch(box)
    mean = t("mean_of_heads", lang)
    mean_att = att.mean(0)  # once, not once per render: the static twin renders rows · cols times with it

    def render(row, col, head):
        a = mean_att if head == "mean" else att[head]
        weights = a[row * cols + col].reshape(rows, cols).numpy()
        up = np.kron(weights, np.ones((int(np.ceil(cell_h)), int(np.ceil(cell_w)))))[:h, :w]
        peak = float(weights.max())
        heat = up / peak if peak > 0 else up
        blend = 0.35 * shown + 0.65 * np.asarray(colormaps["magma"](heat))[..., :3]
        title = (t("query_position", lang, row=row, col=col) + "\n"
                 + t("query_weights", lang, head=mean if head == "mean" else str(head), peak=fmt_num(peak, lang, 3)))
        panel.show(0, blend, title, cmap=None)
        box.set_xy((col * cell_w - 0.5, row * cell_h - 0.5))
        return panel.widget()

    controls = {t("query_row", lang): list(range(rows)), t("query_column", lang): list(range(cols)),
                t("head_label", lang): [*range(heads), (mean, "mean")]}
    return explorer(controls, render, name="query-attention-viewer", lang=lang, static=static)
