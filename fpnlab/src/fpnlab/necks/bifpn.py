"""BiFPN, the weighted bidirectional pyramid of EfficientDet (Tan, Pang & Le, 2020).

One BiFPN *cell* runs a top-down path and then a bottom-up path over all levels; every node
*fuses* its inputs with learned, normalised weights (:func:`fusion_weights`) and then applies
``SiLU → depthwise 3×3 → pointwise 1×1 → BN``. Cells are repeated. Levels the backbone does not
have (P6, P7) are made from the top input: ``1×1 conv + BN`` to ``out_channels``, then 3×3 stride-2
max-pooling, and max-pooling again.

Node inputs (``P_i`` the cell's input at level i, ``td`` the top-down nodes, ``out`` the outputs)::

    top-down   P_i^td  = node(P_i,          up(P_{i+1}^td))       P_top^td = P_top
    bottom-up  P_i^out = node(P_i, P_i^td, down(P_{i-1}^out))     P_0^out = P_0^td,
                                                                  P_top^out = node(P_top, down(...))

``up`` is nearest upsampling to the target's size, ``down`` is ``max_pool2d(3, stride 2, pad 1)``.
An input with other than ``out_channels`` channels gets its own ``1×1 conv + BN`` on every edge
it feeds (only in the first cell). Built like effdet's ``efficientdet_d*`` models (PyTorch padding,
``BatchNorm2d(eps=1e-3, momentum=0.01)``); :meth:`BiFPN.load_effdet` copies an effdet ``BiFpn``'s
weights into it.

>>> neck = BiFPN.efficientdet(0)
>>> feats = [torch.randn(1, c, s, s) for c, s in zip([40, 112, 320], [64, 32, 16])]
>>> [tuple(p.shape) for p in neck(feats)]
[(1, 64, 64, 64), (1, 64, 32, 32), (1, 64, 16, 16), (1, 64, 8, 8), (1, 64, 4, 4)]
"""
from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..blocks.layers import make_norm
from ..arguments import check_choice, check_int, is_int
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import next_names, p_names
from .checks import (FromBackbone, check_in_channels, check_levels, match_size, out_levels,
                     resolve_strides, split_levels)
from .fpn import upsample_to

FUSIONS = ("sum", "unbounded", "softmax", "fast")
BN = dict(eps=1e-3, momentum=0.01)  # EfficientDet's (TensorFlow's) batch-norm settings

_t = Strings({
    "num_levels": {
        "en": ("BiFPN: num_levels={got!r} must be an integer ≥ 2 and ≥ the {n:d} input levels. "
               "Fix: pass num_levels={want:d} or more (the extra levels are pooled from the top input)."),
        "tr": ("BiFPN: num_levels={got!r}, 2'den ve {n:d} girdi seviyesinden küçük olmayan bir tam sayı olmalı. "
               "Düzeltme: num_levels={want:d} ya da daha büyüğünü ver (ek seviyeler en üst girdiden pooling ile "
               "çıkar)."),
    },
    "cell_levels": {
        "en": ("cell_nodes: a BiFPN cell needs at least 2 levels; got num_levels={got!r}. "
               "Fix: pass num_levels=2 or more."),
        "tr": ("cell_nodes: bir BiFPN hücresi en az 2 seviye ister; gelen num_levels={got!r}. "
               "Düzeltme: num_levels=2 ya da daha büyüğünü ver."),
    },
    "d": {
        "en": ("BiFPN.efficientdet: EfficientDet-D{d} is not in the table. Fix: choose d in {choices}."),
        "tr": ("BiFPN.efficientdet: EfficientDet-D{d} tabloda yok. Düzeltme: d'yi {choices} içinden seç."),
    },
    "cells": {
        "en": ("effdet's BiFPN has {theirs:d} cells, this one {mine:d}. Fix: build the same EfficientDet size "
               "(BiFPN.efficientdet(d))."),
        "tr": ("effdet'in BiFPN'inde {theirs:d} hücre var, bunda {mine:d}. Düzeltme: aynı EfficientDet boyutunu "
               "kur (BiFPN.efficientdet(d))."),
    },
    "fnodes": {
        "en": ("effdet's cell has {theirs:d} fusion nodes, this one {mine:d}. Fix: build the same number of "
               "levels."),
        "tr": ("effdet'in hücresinde {theirs:d} fusion düğümü var, bunda {mine:d}. Düzeltme: aynı sayıda "
               "seviye kur."),
    },
})


class Node(NamedTuple):
    """One fusion node of a BiFPN cell: the ``level`` (0 = finest) it sits at, the ``path`` that
    runs it (``"td"`` top-down, ``"bu"`` bottom-up), what it is (``kind``: ``"td"`` a top-down node,
    ``"out"`` a cell output) and its ``inputs`` in the order of its weights, each
    ``(op, level, source)``: ``op`` ``""`` (same level), ``"up"`` (nearest upsampling) or ``"down"``
    (3×3 stride-2 max-pool); ``source`` ``"in"`` (the cell's input), ``"td"`` or ``"out"``."""

    level: int
    path: str
    kind: str
    inputs: tuple


def cell_graph(num_levels: int) -> list[Node]:
    """The topology of one BiFPN cell over ``num_levels`` levels, in the order the cell runs its
    nodes — the one description that :meth:`BiFPNCell.forward`, :meth:`BiFPN.load_effdet` and
    :func:`cell_nodes` (hence :func:`fpnlab.viz.bifpn_diagram`) all read.

    >>> [(n.level, n.kind, n.inputs) for n in cell_graph(2)]
    [(0, 'out', (('', 0, 'in'), ('up', 1, 'in'))), (1, 'out', (('', 1, 'in'), ('down', 0, 'out')))]
    """
    if not (is_int(num_levels) and num_levels >= 2):
        raise ArgumentError(_t("cell_levels", got=num_levels))
    top = num_levels - 1
    carried = {top: "in"}  # what the top-down path carries at each level: P_top^td = P_top
    nodes = []
    for i in range(top - 1, -1, -1):  # top-down: coarse -> fine; the finest node is an output
        kind = "out" if i == 0 else "td"
        nodes.append(Node(i, "td", kind, (("", i, "in"), ("up", i + 1, carried[i + 1]))))
        carried[i] = kind
    for i in range(1, num_levels):  # bottom-up: fine -> coarse
        same = (("", i, "in"),) + ((("", i, "td"),) if i < top else ())
        nodes.append(Node(i, "bu", "out", same + (("down", i - 1, "out"),)))
    return nodes

# EfficientDet-Dd: (C3, C4, C5 channels of EfficientNet-B?, BiFPN width, BiFPN cells)
EFFICIENTDET = {
    0: ((40, 112, 320), 64, 3),
    1: ((40, 112, 320), 88, 4),
    2: ((48, 120, 352), 112, 5),
    3: ((48, 136, 384), 160, 6),
    4: ((56, 160, 448), 224, 7),
    5: ((64, 176, 512), 288, 7),
    6: ((72, 200, 576), 384, 8),
}


def fusion_weights(raw: torch.Tensor, method: str = "fast", eps: float = 1e-4) -> torch.Tensor:
    """The weights ``w_i`` a node multiplies its inputs with: ``out = Σ_i w_i · in_i``.

    - ``"fast"``: ``relu(raw_i) / (Σ_j relu(raw_j) + eps)`` — the paper's fast normalised fusion;
      a negative raw weight gives ``w_i = 0`` (and gradient 0);
    - ``"softmax"``: ``exp(raw_i) / Σ_j exp(raw_j)``;
    - ``"unbounded"``: ``raw`` as is (the paper shows it can be unstable);
    - ``"sum"``: all ones (a plain FPN-style sum, no learned weights).

    >>> fusion_weights(torch.tensor([1.0, 1.0]), "fast")
    tensor([0.5000, 0.5000])
    """
    if method == "fast":
        w = F.relu(raw)
        return w / (w.sum() + eps)
    if method == "softmax":
        return torch.softmax(raw, dim=0)
    if method == "unbounded":
        return raw
    if method == "sum":
        return torch.ones_like(raw)
    check_choice("fusion", method, FUSIONS, where="fusion_weights")


def conv_bn(cin: int, cout: int) -> nn.Sequential:
    """``1×1 conv (no bias) + BN``: brings an input to the BiFPN width (effdet's resample conv)."""
    return nn.Sequential(OrderedDict(conv=nn.Conv2d(cin, cout, 1, bias=False),
                                     bn=make_norm("bn", cout, **BN)))


def separable_conv_bn(channels: int) -> nn.Sequential:
    """Depthwise 3×3 → pointwise 1×1 → BN, ``(B, C, H, W)`` → same (names as effdet's)."""
    return nn.Sequential(OrderedDict(
        conv_dw=nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False),
        conv_pw=nn.Conv2d(channels, channels, 1, bias=False),
        bn=make_norm("bn", channels, **BN)))


def max_pool_down(x: torch.Tensor, size=None) -> torch.Tensor:
    """3×3 stride-2 max-pool with padding 1: ``(B, C, H, W)`` → ``(B, C, ⌈H/2⌉, ⌈W/2⌉)``. When
    ``size`` is given and differs (a backbone that floors odd sizes), the result is resized to it."""
    y = F.max_pool2d(x, 3, stride=2, padding=1)
    return y if size is None else match_size(y, size)


class FusionNode(nn.Module):
    """``SepConvBN(SiLU(Σ_i w_i · in_i))`` with ``w = fusion_weights(self.weight, fusion)``.

    Inputs: ``n_inputs`` maps ``(B, C, H, W)`` already resampled to the node's size; output the same.
    ``self.weight`` (raw weights, initialised to 1) exists unless ``fusion="sum"``.
    """

    def __init__(self, n_inputs: int, channels: int, fusion: str = "fast"):
        super().__init__()
        check_int("n_inputs", n_inputs, where="FusionNode")
        check_int("channels", channels, where="FusionNode")
        check_choice("fusion", fusion, FUSIONS, where="FusionNode")
        self.fusion = fusion
        self.weight = nn.Parameter(torch.ones(n_inputs)) if fusion != "sum" else None
        self.act = nn.SiLU(inplace=True)
        self.conv = separable_conv_bn(channels)

    def forward(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        if self.weight is None:
            out = inputs[0]
            for t in inputs[1:]:
                out = out + t
        else:
            w = fusion_weights(self.weight.to(inputs[0].dtype), self.fusion)
            out = inputs[0] * w[0]
            for i in range(1, len(inputs)):
                out = out + inputs[i] * w[i]
        return self.conv(self.act(out))


def _adapter(cin: int, cout: int) -> nn.Module:
    return conv_bn(cin, cout) if cin != cout else nn.Identity()


class BiFPNCell(nn.Module):
    """One top-down + bottom-up pass over ``len(in_channels)`` levels (fine → coarse).

    ``td_in[i]`` / ``bu_in[i]`` bring input level i to ``out_channels`` on its top-down /
    bottom-up edge (Identity when it already has them); ``td_nodes[i]`` (levels 0..L-2) and
    ``bu_nodes[i-1]`` (levels 1..L-1) are the fusion nodes. Which node fuses what is
    :func:`cell_graph`'s, read both here (how many inputs each node weighs) and in :meth:`forward`.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int, fusion: str = "fast"):
        super().__init__()
        in_channels = check_in_channels(in_channels, "BiFPNCell", minimum=2)
        check_int("out_channels", out_channels, where="BiFPNCell")
        n = len(in_channels)
        fan_in = {(node.path, node.level): len(node.inputs) for node in cell_graph(n)}
        self.td_in = nn.ModuleList(_adapter(c, out_channels) for c in in_channels)
        self.bu_in = nn.ModuleList(_adapter(c, out_channels) if i > 0 else nn.Identity()
                                   for i, c in enumerate(in_channels))
        self.td_nodes = nn.ModuleList(FusionNode(fan_in["td", i], out_channels, fusion) for i in range(n - 1))
        self.bu_nodes = nn.ModuleList(FusionNode(fan_in["bu", i], out_channels, fusion) for i in range(1, n))

    def node_modules(self, node: Node) -> tuple[FusionNode, nn.ModuleList]:
        """The fusion module of ``node`` and the adapters its ``"in"`` inputs go through."""
        if node.path == "td":
            return self.td_nodes[node.level], self.td_in
        return self.bu_nodes[node.level - 1], self.bu_in

    def forward(self, x: list[torch.Tensor]) -> list[torch.Tensor]:
        """Runs :func:`cell_graph` node by node: ``[(B, C_i, H_i, W_i)]`` → ``[(B, out, H_i, W_i)]``."""
        n = len(x)
        done: dict = {}  # (level, kind) -> node output; (level, "in", path) -> adapted cell input

        def value(op: str, level: int, source: str, path: str, size) -> torch.Tensor:
            if source == "in":  # each adapter runs once per level and path
                key = (level, "in", path)
                if key not in done:
                    done[key] = (self.td_in if path == "td" else self.bu_in)[level](x[level])
                v = done[key]
            else:
                v = done[(level, source)]
            if op == "up":
                return upsample_to(v, size)
            if op == "down":
                return max_pool_down(v, size)
            return v

        nodes = cell_graph(n)
        last_use = {(lv, "in", node.path): k for k, node in enumerate(nodes)
                    for _, lv, src in node.inputs if src == "in"}
        for k, node in enumerate(nodes):
            module, _ = self.node_modules(node)
            size = x[node.level].shape[-2:]
            done[(node.level, node.kind)] = module(
                [value(op, lv, src, node.path, size) for op, lv, src in node.inputs])
            for key in [key for key, last in last_use.items() if last == k]:
                del done[key]  # an adapted input is freed after its last node, as a plain loop would
        return [done[(i, "out")] for i in range(n)]


class BiFPN(FromBackbone, nn.Module):
    """EfficientDet's BiFPN neck.

    Args:
        in_channels: channels of the backbone levels given, fine → coarse (e.g. C3..C5).
        out_channels: BiFPN width (channels of every output).
        num_levels: output levels; the ``num_levels - len(in_channels)`` missing coarse ones are
            made from the top input (1×1 conv + BN, then max-pool; then max-pool again).
        repeats: number of BiFPN cells.
        fusion: ``"fast"`` (paper), ``"softmax"``, ``"unbounded"`` or ``"sum"``; see :func:`fusion_weights`.
        in_strides: strides of the input levels; default: consecutive levels ending at 32
            (3 levels → 8, 16, 32). :meth:`from_backbone` reads them from a backbone.

    ``feature_info``: the ``num_levels`` output levels (name ``P{log2 stride}``, channels,
    stride); each extra level has twice the stride of the one before.

    Shapes: inputs ``[(B, C_i, H_i, W_i)]`` (list or dict); outputs ``num_levels`` maps
    ``(B, out_channels, H_i, W_i)`` in the same form, the extra ones ``⌈H/2⌉ × ⌈W/2⌉`` of the one
    before (dict keys ``C3..C5`` become ``P3..P7``).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int = 64, num_levels: int = 5,
                 repeats: int = 3, fusion: str = "fast", in_strides: Sequence[int] | None = None):
        super().__init__()
        in_channels = check_in_channels(in_channels, "BiFPN")
        check_int("out_channels", out_channels, where="BiFPN")
        self.in_strides = resolve_strides(in_strides, len(in_channels), "BiFPN")
        want = max(2, len(in_channels))
        if not (is_int(num_levels) and num_levels >= want):
            raise ArgumentError(_t("num_levels", got=num_levels, n=len(in_channels), want=want))
        check_choice("fusion", fusion, FUSIONS, where="BiFPN")
        check_int("repeats", repeats, where="BiFPN")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.num_levels, self.fusion = num_levels, fusion
        self.extra = nn.ModuleList()
        c = in_channels[-1]
        for _ in range(num_levels - len(in_channels)):  # P6, P7 from the top input
            self.extra.append(nn.Sequential(OrderedDict(
                ([("conv", conv_bn(c, out_channels))] if c != out_channels else [])
                + [("pool", nn.MaxPool2d(3, stride=2, padding=1))])))
            c = out_channels
        level_channels = in_channels + [out_channels] * len(self.extra)
        self.cells = nn.ModuleList(
            BiFPNCell(level_channels if r == 0 else [out_channels] * num_levels, out_channels, fusion)
            for r in range(repeats))
        for m in self.modules():  # TF's glorot-uniform (fan-avg) init, as effdet
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight.shape[1] * m.weight[0, 0].numel()
                fan_out = m.weight.shape[0] * m.weight[0, 0].numel() // m.groups
                limit = math.sqrt(3.0 / max(1.0, (fan_in + fan_out) / 2))
                nn.init.uniform_(m.weight, -limit, limit)

    @property
    def feature_info(self) -> list:
        """Output levels (name, channels, stride), fine → coarse, the extra ones included."""
        top = self.in_strides[-1]
        extra = [top * 2 ** (j + 1) for j in range(self.num_levels - len(self.in_channels))]
        return out_levels(self.in_strides + extra, self.out_channels)

    @classmethod
    def efficientdet(cls, d: int, fusion: str = "fast") -> "BiFPN":
        """The neck of EfficientDet-D``d`` (0–6): inputs C3..C5 of EfficientNet-B``d``, P3..P7 out."""
        if not (is_int(d) and d in EFFICIENTDET):
            raise ArgumentError(_t("d", d=d, choices=sorted(EFFICIENTDET)))
        in_channels, width, repeats = EFFICIENTDET[d]
        return cls(in_channels, width, num_levels=5, repeats=repeats, fusion=fusion)

    def forward(self, feats):
        x, names = split_levels(feats, "BiFPN")
        check_levels(x, names, self.in_channels, "BiFPN")
        for block in self.extra:
            x.append(block(x[-1]))
        for cell in self.cells:
            x = cell(x)
        if names is None:
            return x
        return OrderedDict(zip(_out_names(names, len(x)), x))

    @torch.no_grad()
    def load_effdet(self, fpn: nn.Module) -> "BiFPN":
        """Copy the weights of an effdet ``BiFpn`` (``EfficientDet(cfg).fpn``, ``bifpn_fa`` config)
        of the same configuration into this module; returns ``self``."""
        if len(self.cells) != len(fpn.cell):
            raise ArgumentError(_t("cells", theirs=len(fpn.cell), mine=len(self.cells)))
        for j, block in enumerate(self.extra):
            if hasattr(block, "conv"):
                block.conv.load_state_dict(fpn.resample[str(len(self.in_channels) + j)].conv.state_dict())
        for cell, theirs in zip(self.cells, fpn.cell):
            nodes = [(*cell.node_modules(node), [lv for _, lv, src in node.inputs if src == "in"])
                     for node in cell_graph(self.num_levels)]
            if len(nodes) != len(theirs.fnode):
                raise ArgumentError(_t("fnodes", theirs=len(theirs.fnode), mine=len(nodes)))
            for (node, adapters, levels), fnode in zip(nodes, theirs.fnode):
                node.conv.load_state_dict(fnode.after_combine.conv.state_dict())
                if node.weight is not None:
                    node.weight.copy_(fnode.combine.edge_weights)
                for lv in levels:
                    if isinstance(adapters[lv], nn.Sequential):
                        adapters[lv].load_state_dict(fnode.combine.resample[str(lv)].conv.state_dict())
        return self


def cell_nodes(num_levels: int = 5, first: int = 3) -> list[tuple[str, list[str]]]:
    """The fusion nodes of one :class:`BiFPNCell` in the order it runs them, each with the inputs it
    fuses (in the order of its weights). Levels ``P{first}..``; ``_in`` a cell input, ``_td`` a
    top-down node, ``_out`` an output; ``up(·)`` nearest upsampling, ``down(·)`` 3×3 stride-2 max-pool.

    >>> cell_nodes(3)[:2]
    [('P4_td', ['P4_in', 'up(P5_in)']), ('P3_out', ['P3_in', 'up(P4_td)'])]
    """
    check_int("first", first, minimum=0, where="cell_nodes")

    def name(op: str, level: int, source: str) -> str:
        label = f"P{first + level}_{source}"
        return f"{op}({label})" if op else label

    return [(name("", node.level, node.kind), [name(*inp) for inp in node.inputs])
            for node in cell_graph(num_levels)]


def _out_names(names: list[str], n: int) -> list[str]:
    """``C3..C5`` → ``P3..P7``; other names are kept and extra levels are called ``extra0``..."""
    out = p_names(names, len(names))
    return out + (next_names(out, n - len(names)) if n > len(names) else [])


__all__ = ["BiFPN", "BiFPNCell", "FusionNode", "Node", "cell_graph", "cell_nodes", "fusion_weights", "max_pool_down", "EFFICIENTDET"]
