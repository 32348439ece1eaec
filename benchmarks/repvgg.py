"""RepVGG: forward time of a stage in its training form (3×3 + 1×1 + identity BN branches) against
the same stage folded into one 3×3 conv per block, in one process.

    python benchmarks/repvgg.py [--channels 64] [--size 80] [--depth 4] [--threads 2]
                                [--batch 1] [--min-run-time 1.0] [--device cpu]

Both forms are timed in eval mode under ``no_grad`` with ``torch.utils.benchmark.Timer``
(``num_threads`` fixed; on CUDA the Timer synchronizes around each run), alternating
(train-form, folded, train-form, folded) so that load on the machine hits both alike. Before
timing, the script checks the two forms give the same output (max |Δ| relative to max |y| ≤ 1e-5),
then prints the medians and ``train-form / folded`` (the speed-up; > 1 means folding helps).
"""
from __future__ import annotations

import argparse
import copy
import logging
import statistics

import torch

from fpnlab.blocks import BLOCKS, reparameterize

logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
from torch.utils.benchmark import Timer  # noqa: E402


def nontrivial_bn(stage: torch.nn.Module, cin: int, size: int, seed: int = 0) -> torch.nn.Module:
    """A few train-mode passes on random data so every BN has running statistics, then eval."""
    gen = torch.Generator().manual_seed(seed)
    stage.train()
    with torch.no_grad():
        for _ in range(3):
            stage(torch.randn(2, cin, size, size, generator=gen))
    return stage.eval()


def median_ms(module, x, threads: int, min_run_time: float) -> float:
    timer = Timer(stmt="m(x)", globals={"m": module, "x": x}, num_threads=threads)
    return timer.blocked_autorange(min_run_time=min_run_time).median * 1e3


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--size", type=int, default=80)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--min-run-time", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)

    torch.manual_seed(0)
    c, s = args.channels, args.size
    train_form = nontrivial_bn(BLOCKS["repvgg"](c, c, n=args.depth, act="relu"), c, s).to(args.device)
    folded = reparameterize(copy.deepcopy(train_form))
    x = torch.randn(args.batch, c, s, s, device=args.device)
    with torch.no_grad():
        y0, y1 = train_form(x), folded(x)
        rel = float((y0 - y1).abs().max() / y0.abs().max())
        assert rel <= 1e-5, f"folded stage differs: max |Δ| / max |y| = {rel:.2e}"
        a, b = [], []
        for _ in range(args.rounds):
            a.append(median_ms(train_form, x, args.threads, args.min_run_time))
            b.append(median_ms(folded, x, args.threads, args.min_run_time))
    ma, mb = statistics.median(a), statistics.median(b)
    n_train = sum(p.numel() for p in train_form.parameters())
    n_fold = sum(p.numel() for p in folded.parameters())
    print(f"RepVGG stage: {args.depth} blocks, {c} ch, {s}×{s}, batch {args.batch}, "
          f"{args.threads} threads, {args.device}; folded output matches (rel. max |Δ| {rel:.1e})")
    print(f"  train form {ma:8.3f} ms  ({n_train} params)")
    print(f"  folded     {mb:8.3f} ms  ({n_fold} params)")
    print(f"  speed-up   {ma / mb:.2f}×")
    return ma / mb


if __name__ == "__main__":
    main()
