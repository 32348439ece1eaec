"""Forward time of fpnlab's necks against the reference implementations, in one process.

    python benchmarks/necks.py [--threads 2] [--repeats 30] [--batch 1]

Pairs (same configuration, same input, eval mode, ``no_grad``):

- fpnlab ``FPN`` vs ``torchvision.ops.FeaturePyramidNetwork``: 4 levels, 256 channels, the
  C2..C5 of ResNet-50 on a 512×512 image (256/512/1024/2048 channels at 128/64/32/16);
- fpnlab ``BiFPN.efficientdet(0)`` vs effdet's ``EfficientDet-D0`` BiFPN: C3..C5 of
  EfficientNet-B0 on 512×512 (40/112/320 channels at 64/32/16).

Runs alternate (ours, theirs, ours, ...) so that load on the machine hits both alike; the
script prints the medians and ``ours / theirs`` (≤ 1.0: ours is not slower).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def compare(name: str, ours, theirs, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        ours(), theirs()
    a, b = [], []
    for _ in range(repeats):
        a.append(timed(ours))
        b.append(timed(theirs))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{name:<34} ours {ma:8.2f} ms   reference {mb:8.2f} ms   ratio {ma / mb:.3f}")
    return ma / mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    from effdet import EfficientDet, get_efficientdet_config
    from torchvision.ops import FeaturePyramidNetwork

    from fpnlab.necks import FPN, BiFPN

    b = args.batch
    ch = [256, 512, 1024, 2048]
    c2c5 = {f"C{k}": torch.randn(b, c, 512 >> k, 512 >> k) for k, c in zip(range(2, 6), ch)}
    tv = FeaturePyramidNetwork(ch, 256).eval()
    ours_fpn = FPN.from_torchvision(tv).eval()

    ed = EfficientDet(get_efficientdet_config("efficientdet_d0"), pretrained_backbone=False).fpn.eval()
    ours_bifpn = BiFPN.efficientdet(0).load_effdet(ed).eval()
    c3c5 = [torch.randn(b, c, 512 >> k, 512 >> k) for k, c in zip(range(3, 6), [40, 112, 320])]

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {b}, "
          f"{args.repeats} alternating runs each")
    with torch.no_grad():
        compare("FPN (ResNet-50 C2..C5, 256 ch)", lambda: ours_fpn(c2c5), lambda: tv(c2c5), args.repeats)
        compare("BiFPN EfficientDet-D0", lambda: ours_bifpn(c3c5), lambda: ed(list(c3c5)), args.repeats)


if __name__ == "__main__":
    main()
