"""Redraw time of every live widget: how long one slider move takes until the new view is built.

    python benchmarks/widgets.py [--threads 2] [--moves 30] [--lang en]

Each widget is built as its live twin (``static=False``) on data of the size the chapters use
(128×128 images, TinyBackbone C2..C5 and an FPN's P2..P5); then its sliders are moved to new
positions one at a time, cycling through the sliders, and each move — which re-renders the view
in the slider callback, as in Jupyter — is timed. The script prints the median and the slowest
move per widget; the issue's target is a median ≤ 100 ms.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time

import ipywidgets as W
import torch

from fpnlab.blocks import AIFI, CBAM, SE
from fpnlab.backbones import TinyBackbone
from fpnlab.necks import FPN
from fpnlab.widgets import attention_viewer, feature_viewer, fusion_explorer, query_attention_viewer, stride_explorer


def sliders(widget: W.Widget) -> list[W.SelectionSlider]:
    """Every slider inside ``widget``, in display order."""
    if isinstance(widget, W.SelectionSlider):
        return [widget]
    return [s for child in getattr(widget, "children", ()) for s in sliders(child)]


def redraw_times(widget: W.Widget, moves: int) -> list[float]:
    """Milliseconds per slider move; each move picks the slider's next position."""
    times = []
    for slider in itertools.islice(itertools.cycle(sliders(widget)), moves):
        values = [v for _, v in slider.options]
        nxt = values[(values.index(slider.value) + 1) % len(values)]
        t0 = time.perf_counter()
        slider.value = nxt  # the live twin re-renders inside this assignment
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def widgets(lang: str) -> dict:
    torch.manual_seed(0)
    images = torch.rand(3, 3, 128, 128)
    backbone, neck = TinyBackbone().eval(), FPN([16, 32, 64, 128], 32).eval()
    with torch.no_grad():
        feats = backbone(images)
        pyr = neck(feats)
    features = [{k: v[i] for k, v in feats.items()} for i in range(len(images))]
    pyramids = [{k: v[i] for k, v in pyr.items()} for i in range(len(images))]
    fine, coarse = torch.rand(1, 32, 32), torch.rand(1, 32, 32)
    before, after, maps = {}, {}, {}
    for name, block in (("se", SE(32, 4)), ("cbam", CBAM(32, 4))):
        with torch.no_grad():
            out = {k: (block(v), block.last_map) for k, v in pyr.items()}
        before[name] = [{k: v[i] for k, v in pyr.items()} for i in range(2)]
        after[name] = [{k: o[0][i] for k, o in out.items()} for i in range(2)]
        maps[name] = [{k: o[1][i] for k, o in out.items()} for i in range(2)]
    with torch.no_grad():  # chapter 18's viewer: one AIFI layer's attention over an 8 × 8 map
        query = AIFI(32, 64, heads=2).eval().attention(torch.rand(1, 32, 8, 8))
    return {
        "query_attention_viewer": lambda: query_attention_viewer(images[0], query, (8, 8), lang, static=False),
        "stride_explorer": lambda: stride_explorer(lang, static=False),
        "feature_viewer": lambda: feature_viewer(images, features, pyramids, lang, static=False),
        "fusion_explorer": lambda: fusion_explorer([fine, coarse], lang, static=False),
        "attention_viewer": lambda: attention_viewer(images[:2], before, after, maps, lang, static=False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"live widget redraw per slider move ({args.moves} moves, {args.threads} threads)")
    for name, build in widgets(args.lang).items():
        widget = build()
        redraw_times(widget, 3)  # warm-up: first draws load fonts and caches
        times = redraw_times(widget, args.moves)
        print(f"{name:<18} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")


if __name__ == "__main__":
    main()
