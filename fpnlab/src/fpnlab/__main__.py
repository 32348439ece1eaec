"""``python -m fpnlab design DATA [--images DIR] [--val DATA] [--input-size N] [--budget-ms X]
[--budget-mb Y] [--device cpu|cuda] [--out DIR] [--run] [--seeds N] [--workers N]
[--backend local|ray] [--lang en|tr]``: the book's method on the reader's own COCO data
(:func:`fpnlab.design.design`). Without ``--out`` it prints what it found and proposes; with
``--out`` it writes ``plan.yaml``, the data split and ``report.md``; ``--run`` pre-flights the
proposal and runs the ablation that confirms it or not. Exit status: 0 done, 1 a pre-flight check
failed, 2 bad input or a budget nothing meets (the message names the cause and the fix)."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    from . import set_lang
    from .design import MIN_SHARE, design
    from .errors import FpnlabError

    parser = argparse.ArgumentParser(prog="python -m fpnlab")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("design", help="levels, neck and backbone scale for a COCO data set, and the ablation that checks them")
    d.add_argument("data", help="a COCO annotations JSON file, or a folder holding annotations.json and the images")
    d.add_argument("--images", help="the folder the images' file_name are relative to (default: the annotation file's folder)")
    d.add_argument("--val", help="your validation set (a COCO JSON file or folder); default: a seeded 80/20 split")
    d.add_argument("--input-size", type=int, default=640, help="training input size in px (letterboxed)")
    d.add_argument("--budget-ms", type=float, help="latency budget in ms (batch 1, --threads threads)")
    d.add_argument("--budget-mb", type=float, help="activation memory budget in MiB")
    d.add_argument("--device", default="cpu", help="cpu or cuda")
    d.add_argument("--threads", type=int, help="threads for the timings (default: every thread torch uses here)")
    d.add_argument("--min-share", type=float, default=MIN_SHARE, help="share of objects a level must hold")
    d.add_argument("--out", help="folder for plan.yaml, the data split, report.md and its figures")
    d.add_argument("--run", action="store_true", help="pre-flight the proposal, then run the ablation (needs --out)")
    d.add_argument("--seeds", type=int, default=5, help="seeds per experiment (at least 3)")
    d.add_argument("--workers", type=int, default=1, help="runs side by side (--backend local)")
    d.add_argument("--backend", default="local", help="local or ray")
    d.add_argument("--lang", default="en", help="language of the output and the report: en or tr")
    args = parser.parse_args(argv)
    if args.run and not args.out:
        parser.error("--run needs --out DIR (where the plan, the results and the report go)")
    try:
        set_lang(args.lang)
        result = design(args.data, images=args.images, val=args.val, input_size=args.input_size,
                        budget_ms=args.budget_ms, budget_mb=args.budget_mb, device=args.device, threads=args.threads,
                        min_share=args.min_share, progress=True, verbose=True)
        print()
        print(result)
        if args.run:
            check, _ = result.run(args.out, device=args.device, workers=args.workers, backend=args.backend,
                                  seeds=args.seeds)
            print()
            print(check)
            if not check.ok:
                return 1
        elif args.out:
            result.write(args.out, seeds=args.seeds)
        if args.out:
            print(f"\n{args.out}/report.md")
    except FpnlabError as err:  # the message names the cause and the fix
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
