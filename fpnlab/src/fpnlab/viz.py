"""Plots and tables: stride tables, a pyramid diagram with shapes, feature-map images.

Every label comes from :data:`fpnlab.i18n.t` in the language :func:`fpnlab.set_lang` chose;
``lang=`` overrides it for one call.
"""
from __future__ import annotations

import functools

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from .i18n import t
from .necks.bifpn import cell_nodes
from .levels import Level, level_name



def _box_exit(c, towards, half):
    """Where the line from the centre ``c`` of a box of half-size ``half`` towards ``towards``
    leaves the box (diagram arrows start and end on box edges)."""
    dx, dy = towards[0] - c[0], towards[1] - c[1]
    s = min(half[0] / abs(dx) if dx else np.inf, half[1] / abs(dy) if dy else np.inf)
    return c[0] + s * dx, c[1] + s * dy

def levels_frame(levels: Sequence[Level], lang: str | None = None) -> pd.DataFrame:
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


def cells_frame(rec, lang: str | None = None) -> pd.DataFrame:
    """Cells an object covers per stride (a :class:`fpnlab.levels.Recommendation`), with the
    recommended level marked."""
    return pd.DataFrame(
        [{t("level", lang): level_name(s), t("stride", lang): s, t("cells", lang): round(c, 2),
          t("recommended", lang): "✔" if s == rec.stride else ""} for s, c in rec.cells.items()]
    ).set_index(t("level", lang))


def pyramid_diagram(levels: Sequence[Level], lang: str | None = None, ax=None, color="tab:blue"):
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




def fpn_block_diagram(lang: str | None = None, ax=None):
    """The baseline FPN block at one level ``k``: ``C_k`` → lateral 1×1 → ``L_k``; ``T_{k+1}``
    (the top-down map of the coarser level) → ``Up`` ×2 → sum with ``L_k`` → ``T_k``, which goes
    on, unsmoothed, to the finer level; ``T_k`` → smoothing 3×3 → ``P_k``. Coarse levels above,
    fine below, as in :func:`panet_diagram`. ``lang`` defaults to :func:`fpnlab.set_lang`'s.
    Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 3.6))
    y0, y1, bh = 0.0, 1.5, 0.56
    maps = {"C": (0.0, y0, "$C_k$"), "L": (3.0, y0, "$L_k$"), "T": (5.8, y0, "$T_k$"),
            "P": (8.6, y0, "$P_k$"), "Tn": (3.0, y1, "$T_{k+1}$")}
    ops = {"lat": (1.5, y0, t("fpn_block_lateral", lang), 1.15), "up": (4.6, y1, t("fpn_block_up", lang), 1.5),
           "smooth": (7.2, y0, t("fpn_block_smooth", lang), 1.15)}
    plus = (4.6, y0, 0.22)
    op_c, map_c, td_c = "0.93", "white", "tab:blue"

    for x, y, label in maps.values():  # feature maps: white boxes
        ax.add_patch(plt.Rectangle((x - 0.42, y - bh / 2), 0.84, bh, fc=map_c, ec="0.3", lw=1, zorder=2))
        ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=3)
    for x, y, label, w in ops.values():  # operations: grey boxes
        ax.add_patch(plt.Rectangle((x - w / 2, y - bh / 2), w, bh, fc=op_c, ec="0.3", lw=1, zorder=2))
        ax.text(x, y, label, ha="center", va="center", fontsize=8, zorder=3)
    ax.add_patch(plt.Circle(plus[:2], plus[2], fc="white", ec="0.3", lw=1, zorder=2))
    ax.text(*plus[:2], "+", ha="center", va="center", fontsize=13, zorder=3)

    def arrow(a, b, color="0.3", lw=1.3):
        ax.annotate("", xy=b, xytext=a, zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0, mutation_scale=11))

    arrow((0.42, y0), (1.5 - 0.575, y0))                     # C_k -> lateral
    arrow((1.5 + 0.575, y0), (3.0 - 0.42, y0))               # lateral -> L_k
    arrow((3.0 + 0.42, y0), (plus[0] - plus[2], y0))         # L_k -> +
    arrow((3.0 + 0.42, y1), (4.6 - 0.75, y1), td_c, 1.8)     # T_{k+1} -> Up
    arrow((4.6, y1 - bh / 2), (4.6, y0 + plus[2]), td_c, 1.8)  # Up -> +
    arrow((plus[0] + plus[2], y0), (5.8 - 0.42, y0), td_c, 1.8)  # + -> T_k
    arrow((5.8 + 0.42, y0), (7.2 - 0.575, y0))               # T_k -> smoothing
    arrow((7.2 + 0.575, y0), (8.6 - 0.42, y0))               # smoothing -> P_k
    arrow((5.8, y0 - bh / 2), (5.8, y0 - 1.05), td_c, 1.8)   # T_k -> finer level
    arrow((8.6, y0 - bh / 2), (8.6, y0 - 1.05))              # P_k -> head

    ax.text(0.0, y0 - bh / 2 - 0.1, t("fpn_block_backbone", lang), ha="center", va="top", fontsize=8, color="0.35")
    ax.text(3.0, y1 + bh / 2 + 0.08, t("fpn_block_from_coarser", lang), ha="center", va="bottom", fontsize=8,
            color=td_c)
    ax.text(5.8, y0 - 1.1, t("fpn_block_to_finer", lang), ha="center", va="top", fontsize=8, color=td_c)
    ax.text(8.6, y0 - 1.1, t("fpn_block_to_head", lang), ha="center", va="top", fontsize=8, color="0.35")
    ax.text(5.55, y1, t("fpn_block_top", lang), ha="left", va="center", fontsize=8, color="0.35")
    ax.set_xlim(-0.6, 9.3)
    ax.set_ylim(-1.75, y1 + 0.85)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(t("fpn_block_title", lang), fontsize=11)
    return ax


def panet_diagram(n_levels: int = 4, first: int = 2, lang: str | None = None, ax=None):
    """PANet's three columns — backbone ``C_k``, FPN top-down ``P_k``, bottom-up ``N_k`` — fine
    levels at the bottom, with the two routes from the finest level to the top highlighted: through
    the backbone (red) and PANet's short path (green). Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 1.2 + 1.0 * n_levels))
    ks = list(range(first, first + n_levels))
    top = ks[-1]
    xs, gap = {"C": 0.0, "P": 2.4, "N": 4.8}, 1.1
    long_c, short_c, plain = "tab:red", "tab:green", "0.55"

    def width(i):  # boxes narrow towards the coarse levels
        return 0.95 - 0.12 * i

    def node(col, i):
        w = width(i)
        ax.add_patch(plt.Rectangle((xs[col] - w / 2, i * gap - 0.25), w, 0.5, fc="white", ec="0.3", lw=1))
        ax.text(xs[col], i * gap, f"{col}{ks[i]}", ha="center", va="center", fontsize=10)

    def arrow(a, b, color, lw=1.2):
        ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle="->", color=color, lw=lw,
                                                        shrinkA=0, shrinkB=0))

    for i in range(n_levels):
        half = width(i) / 2
        for col in "CPN":
            node(col, i)
        y = i * gap
        arrow((xs["C"] + half, y), (xs["P"] - half, y),
              long_c if i == n_levels - 1 else short_c if i == 0 else plain, 2.2 if i in (0, n_levels - 1) else 1.2)
        arrow((xs["P"] + half, y), (xs["N"] - half, y), short_c if i == 0 else plain, 2.2 if i == 0 else 1.2)
        if i < n_levels - 1:
            arrow((xs["C"], y + 0.25), (xs["C"], y + gap - 0.25), long_c, 2.2)          # backbone stage
            arrow((xs["P"], y + gap - 0.25), (xs["P"], y + 0.25), plain)                # top-down
            arrow((xs["N"], y + 0.25), (xs["N"], y + gap - 0.25), short_c, 2.2)         # bottom-up
            ax.text(xs["N"] + 0.08, y + gap / 2, "3×3, s2", fontsize=7, va="center", color=short_c)
        if i > 0:
            ax.text((xs["P"] + xs["N"]) / 2, y + 0.06, "+ → 3×3", fontsize=7, ha="center", va="bottom",
                    color="0.35")
    for col, key in (("C", "panet_col_backbone"), ("P", "panet_col_top_down"), ("N", "panet_col_bottom_up")):
        ax.text(xs[col], (n_levels - 1) * gap + 0.5, t(key, lang), ha="center", va="bottom", fontsize=9)
    handles = [plt.Line2D([], [], color=long_c, lw=2.2, label=t("panet_long_path", lang, first=first, top=top)),
               plt.Line2D([], [], color=short_c, lw=2.2, label=t("panet_short_path", lang, first=first, top=top))]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1, frameon=False, fontsize=9)
    ax.set_xlim(-0.8, 5.6)
    ax.set_ylim(-0.45, (n_levels - 1) * gap + 0.85)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(t("panet_title", lang), fontsize=11)
    return ax




def yolo_pan_diagram(lang: str | None = None, ax=None):
    """YOLOv8's neck (:class:`fpnlab.necks.YOLOPAN` with ``sppf=True``): backbone C3–C5, ``SPPF``
    on C5, the top-down C2f blocks (``T_4``, then ``P_3``) and the bottom-up ones (``N_4``, ``N_5``),
    fine levels at the bottom; upsampling edges blue, stride-2 convs orange, same-level edges grey.
    Every C2f concatenates its inputs along the channels. ``lang=None``: the language set with
    :func:`fpnlab.set_lang`. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    gap, bw, bh = 1.3, 0.95, 0.6
    colors = {"up": "tab:blue", "down": "tab:orange", "same": "0.5"}
    pos = {"C3": (0.0, 0.0), "C4": (0.0, gap), "C5": (0.0, 2 * gap), "SPPF": (1.5, 2 * gap),
           "T4": (3.0, gap), "P3": (4.8, 0.0), "P4": (4.8, gap), "P5": (4.8, 2 * gap)}
    text = {"C3": "$C_3$", "C4": "$C_4$", "C5": "$C_5$", "SPPF": "SPPF",
            "T4": "C2f\n$T_4$", "P3": "C2f\n$P_3$", "P4": "C2f\n$N_4$", "P5": "C2f\n$N_5$"}

    clip = functools.partial(_box_exit, half=(bw / 2, bh / 2))

    for name, (x, y) in pos.items():
        fc = "white" if name.startswith("C") else "0.93"
        ax.add_patch(plt.Rectangle((x - bw / 2, y - bh / 2), bw, bh, fc=fc, ec="0.3", lw=1, zorder=2))
        ax.text(x, y, text[name], ha="center", va="center", fontsize=10, zorder=3)
    edges = [("C5", "SPPF", "same"), ("SPPF", "T4", "up"), ("C4", "T4", "same"), ("T4", "P3", "up"),
             ("C3", "P3", "same"), ("P3", "P4", "down"), ("T4", "P4", "same"), ("P4", "P5", "down"),
             ("SPPF", "P5", "same")]
    for a, b, kind in edges:
        ax.annotate("", xy=clip(pos[b], pos[a]), xytext=clip(pos[a], pos[b]), zorder=1,
                    arrowprops=dict(arrowstyle="->", color=colors[kind], lw=1.6, shrinkA=0, shrinkB=0))
    for x, key in ((0.0, "col_backbone"), (3.0, "col_top_down"), (4.8, "col_bottom_up")):
        ax.text(x, 2 * gap + 0.55, t(f"yolo_{key}", lang), ha="center", va="bottom", fontsize=9)
    handles = [plt.Line2D([], [], color=colors[k], lw=1.6, label=t(f"yolo_{k}", lang)) for k in ("up", "down", "same")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False,
              fontsize=9, title=t("yolo_node", lang), title_fontsize=9)
    ax.set_xlim(-0.7, 5.5)
    ax.set_ylim(-0.5, 2 * gap + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(t("yolo_title", lang), fontsize=11)
    return ax


_EDGE_COLORS = {"up": "tab:blue", "down": "tab:orange", "same": "0.5", "gather": "tab:purple",
                "inject": "tab:green", "resize": "0.6"}
_ATTN_FC = "#fde0c5"  # a block with attention inside


def _graph(ax, nodes: dict, edges, legend: Sequence[tuple[str, str]], note: str, title: str,
           columns: Sequence[tuple[float, str]] = (), size=(0.95, 0.6), attn: Sequence[str] = (), lang=None):
    """Draw a neck as boxes and arrows: ``nodes`` name → ``(x, y, text)``, ``edges`` ``(a, b,
    kind)`` with kinds of :data:`_EDGE_COLORS`; boxes named in ``attn`` are shaded (attention
    inside); ``legend`` ``(kind, label)`` pairs under the drawing, titled ``note``."""
    bw, bh = size
    clip = functools.partial(_box_exit, half=(bw / 2, bh / 2))
    for name, (x, y, text) in nodes.items():
        fc = _ATTN_FC if name in attn else "white" if name[0] in "CSB" and name[1:].isdigit() else "0.93"
        ax.add_patch(plt.Rectangle((x - bw / 2, y - bh / 2), bw, bh, fc=fc, ec="0.3", lw=1, zorder=2))
        ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=3)
    for a, b, kind in edges:
        (xa, ya, _), (xb, yb, _) = nodes[a], nodes[b]
        ax.annotate("", xy=clip((xb, yb), (xa, ya)), xytext=clip((xa, ya), (xb, yb)), zorder=1,
                    arrowprops=dict(arrowstyle="->", color=_EDGE_COLORS[kind], lw=1.5, shrinkA=0, shrinkB=0))
    ys = [y for _, y, _ in nodes.values()]
    xs = [x for x, _, _ in nodes.values()]
    for x, label in columns:
        ax.text(x, max(ys) + bh / 2 + 0.15, label, ha="center", va="bottom", fontsize=9)
    handles = [plt.Line2D([], [], color=_EDGE_COLORS[k], lw=1.6, label=label) for k, label in legend]
    if attn:
        handles.append(plt.Rectangle((0, 0), 1, 1, fc=_ATTN_FC, ec="0.3", label=t("graph_attn", lang)))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(3, len(handles)),
              frameon=False, fontsize=8, title=note, title_fontsize=8)
    ax.set_xlim(min(xs) - bw, max(xs) + bw)
    ax.set_ylim(min(ys) - bh, max(ys) + bh + 0.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    return ax


def _pan_nodes(top: str, blocks: Sequence[str], inputs: Sequence[str]) -> tuple[dict, list]:
    """The YOLO-style PAN layout (inputs left, a block on the top input, top-down T4 → P3,
    bottom-up N4 → N5) shared by :func:`yolo11_diagram` and :func:`hybrid_encoder_diagram`."""
    gap = 1.3
    i3, i4, i5 = inputs
    td4, td3, bu4, bu5 = blocks
    nodes = {"C3": (0.0, 0.0, i3), "C4": (0.0, gap, i4), "C5": (0.0, 2 * gap, i5), "TOP": (1.5, 2 * gap, top),
             "T4": (3.0, gap, td4), "P3": (4.8, 0.0, td3), "N4": (4.8, gap, bu4), "N5": (4.8, 2 * gap, bu5)}
    edges = [("C5", "TOP", "same"), ("TOP", "T4", "up"), ("C4", "T4", "same"), ("T4", "P3", "up"),
             ("C3", "P3", "same"), ("P3", "N4", "down"), ("T4", "N4", "same"), ("N4", "N5", "down"),
             ("TOP", "N5", "same")]
    return nodes, edges


def _pan_legend(lang):
    return [(k, t(f"yolo_{k}", lang)) for k in ("up", "down", "same")]


def _pan_columns(lang):
    return [(0.0, t("yolo_col_backbone", lang)), (3.0, t("yolo_col_top_down", lang)),
            (4.8, t("yolo_col_bottom_up", lang))]


def yolo11_diagram(yolo26: bool = False, lang: str | None = None, ax=None):
    """YOLO11's neck (:class:`fpnlab.necks.YOLO11Neck`), or YOLO26's with ``yolo26=True``: C2PSA
    (self-attention) on C5 at the end of the backbone, then YOLOv8's PAN with C3k2 blocks; YOLO26's
    P5 block carries attention too. Shaded boxes have attention inside. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    top = "SPPF\n→ C2PSA"
    p5 = "C3k2 + PSA\n$N_5$" if yolo26 else "C3k2\n$N_5$"
    nodes, edges = _pan_nodes(top, ["C3k2\n$T_4$", "C3k2\n$P_3$", "C3k2\n$N_4$", p5], ["$C_3$", "$C_4$", "$C_5$"])
    title = t("yolo26_title" if yolo26 else "yolo11_title", lang)
    return _graph(ax, nodes, edges, _pan_legend(lang), t("yolo11_node", lang), title, _pan_columns(lang),
                  size=(1.15, 0.66), attn=("TOP", "N5") if yolo26 else ("TOP",), lang=lang)


def hybrid_encoder_diagram(lang: str | None = None, ax=None):
    """RT-DETR's hybrid encoder (:class:`fpnlab.necks.HybridEncoder`): AIFI (self-attention) on
    the top level C5 only, then the cross-scale fusion CCFM — a YOLO-style FPN + PAN of RepC3
    blocks. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    nodes, edges = _pan_nodes("AIFI\n$F_5$", ["RepC3\n$Y_4$", "RepC3\n$P_3$", "RepC3\n$N_4$", "RepC3\n$N_5$"],
                              ["$C_3$", "$C_4$", "$C_5$"])
    return _graph(ax, nodes, edges, _pan_legend(lang), t("hybrid_node", lang), t("hybrid_title", lang),
                  _pan_columns(lang), size=(1.05, 0.62), attn=("TOP",), lang=lang)


def gd_diagram(lang: str | None = None, ax=None):
    """Gold-YOLO's gather-and-distribute neck (:class:`fpnlab.necks.GDNeck`): Low-GD gathers
    B2..B5 into one map at stride 16, fuses it with convs and injects it into the top-down P4 and
    P3; High-GD gathers P3, P4 and B5 at a grid coarser than stride 32, fuses it with attention and
    injects it into the bottom-up N4 and N5. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 5.0))
    gap = 1.2
    nodes = {f"B{k}": (0.0, (k - 2) * gap, f"$B_{k}$") for k in (2, 3, 4, 5)}
    nodes.update({"LOW": (1.9, 1.5 * gap, t("gd_low", lang)), "P4": (3.8, 2 * gap, "$P_4$"),
                  "P3": (3.8, gap, "$P_3$"), "HIGH": (5.7, 1.5 * gap, t("gd_high", lang)),
                  "N3": (7.6, gap, "$P_3$"), "N4": (7.6, 2 * gap, "$N_4$"), "N5": (7.6, 3 * gap, "$N_5$")})
    edges = [(f"B{k}", "LOW", "gather") for k in (2, 3, 4, 5)]
    edges += [("LOW", "P4", "inject"), ("LOW", "P3", "inject"), ("B5", "P4", "same"), ("B4", "P4", "same"),
              ("B3", "P4", "same"), ("P4", "P3", "same"), ("B3", "P3", "same"), ("B2", "P3", "same"), ("P3", "HIGH", "gather"), ("P4", "HIGH", "gather"), ("B5", "HIGH", "gather"),
              ("HIGH", "N4", "inject"), ("HIGH", "N5", "inject"), ("P3", "N3", "same"), ("N3", "N4", "same"),
              ("N4", "N5", "same")]
    legend = [("gather", t("gd_gather", lang)), ("inject", t("gd_inject", lang)), ("same", t("gd_local", lang))]
    return _graph(ax, nodes, edges, legend, "", t("gd_title", lang), size=(1.1, 0.62), attn=("HIGH",), lang=lang)


def asff_diagram(lang: str | None = None, ax=None):
    """ASFF (:class:`fpnlab.necks.ASFF`): every output level is a weighted sum of all three input
    levels, each resized to that level; the weights are a softmax over the levels at every pixel.
    Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.4))
    gap = 1.3
    nodes = {f"C{k}": (0.0, (k - 3) * gap, f"$C_{k}$") for k in (3, 4, 5)}
    nodes.update({f"P{k}": (3.2, (k - 3) * gap, f"Σ w\n$P_{k}$") for k in (3, 4, 5)})
    edges = [(f"C{a}", f"P{b}", "same" if a == b else "up" if a > b else "down") for b in (3, 4, 5) for a in (3, 4, 5)]
    legend = [("up", t("yolo_up", lang)), ("down", t("yolo_down", lang)), ("same", t("yolo_same", lang))]
    return _graph(ax, nodes, edges, legend, t("asff_node", lang), t("asff_title", lang), size=(0.9, 0.6), lang=lang)


def bifpn_diagram(num_levels: int = 5, first: int = 3, lang: str | None = None, ax=None):
    """One BiFPN cell drawn from :func:`fpnlab.necks.bifpn.cell_nodes`: the cell's inputs, the
    top-down nodes and the outputs, fine levels at the bottom; top-down edges (nearest upsampling)
    blue, bottom-up edges (max-pool) orange, same-level edges grey and the extra input → output
    skip edges red. Returns the axes."""

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 1.6 + 1.1 * num_levels))
    xs, gap, bw, bh = {"in": 0.0, "td": 2.6, "out": 5.2}, 1.3, 0.9, 0.5
    colors = {"up": "tab:blue", "down": "tab:orange", "same": "0.5", "skip": "tab:red"}

    def pos(name):
        level, col = name.split("_")
        return xs[col], (int(level[1:]) - first) * gap

    clip = functools.partial(_box_exit, half=(bw / 2, bh / 2))

    nodes = cell_nodes(num_levels, first)
    boxes = {f"P{k}_in" for k in range(first, first + num_levels)} | {n for n, _ in nodes}
    for name in boxes:
        x, y = pos(name)
        level, col = name.split("_")
        ax.add_patch(plt.Rectangle((x - bw / 2, y - bh / 2), bw, bh, fc="white" if col == "in" else "0.93",
                                   ec="0.3", lw=1, zorder=2))
        ax.text(x, y, f"${level[0]}_{{{level[1:]}}}^{{{col}}}$", ha="center", va="center", fontsize=11, zorder=3)
    for name, inputs in nodes:
        b = pos(name)
        for src in inputs:
            kind = src.split("(")[0] if "(" in src else "same"
            src = src.split("(")[-1].rstrip(")")
            a = pos(src)
            if kind == "same" and src.endswith("_in") and name.endswith("_out") and name.replace("out", "td") in boxes:
                kind = "skip"  # over the top-down node, as an arc
                start, end, style = (a[0], a[1] + bh / 2), (b[0], b[1] + bh / 2), "arc3,rad=-0.22"
            else:
                start, end, style = clip(a, b), clip(b, a), "arc3"
            ax.annotate("", xy=end, xytext=start, zorder=1,
                        arrowprops=dict(arrowstyle="-|>", color=colors[kind], lw=1.6 if kind != "same" else 1.1,
                                        shrinkA=0, shrinkB=0, connectionstyle=style, mutation_scale=11))
    top = (num_levels - 1) * gap
    for col, key in (("in", "bifpn_col_inputs"), ("td", "bifpn_col_td"), ("out", "bifpn_col_out")):
        ax.text(xs[col], top + 0.55, t(key, lang), ha="center", va="bottom", fontsize=9)
    handles = [plt.Line2D([], [], color=colors[k], lw=2, label=t(f"bifpn_edge_{k}", lang))
               for k in ("up", "down", "same", "skip")]
    handles.append(plt.Rectangle((0, 0), 1, 1, fc="0.93", ec="0.3", label=t("bifpn_node_note", lang)))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1, frameon=False, fontsize=9)
    ax.set_xlim(-0.7, 5.9)
    ax.set_ylim(-0.5, top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(t("bifpn_title", lang, first=first, top=first + num_levels - 1), fontsize=11)
    return ax


def to_numpy_map(fmap: torch.Tensor, channel: int | None = None) -> np.ndarray:
    """``(C, H, W)`` → ``(H, W)``: one channel, or the mean absolute activation when ``None``."""
    fmap = fmap.detach().float().cpu()
    return (fmap.abs().mean(0) if channel is None else fmap[channel]).numpy()


def image_numpy(img: torch.Tensor) -> np.ndarray:
    """``(3, H, W)`` float image → ``(H, W, 3)`` clipped to [0, 1] for ``imshow``."""
    return img.detach().cpu().permute(1, 2, 0).clamp(0, 1).numpy()


def feature_grid(maps: dict, channel: int | None = None, lang: str | None = None, axes=None):
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
