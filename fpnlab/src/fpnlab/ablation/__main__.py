"""``python -m fpnlab.ablation run PLAN.yaml --out RESULTS.jsonl [--only EXP[:SEED]]`` / ``report RESULTS.jsonl``."""
from __future__ import annotations

import argparse
import sys

from ..i18n import Strings

_t = Strings({
    "appended": {"en": "{n:d} new run(s) appended to {out}", "tr": "{out} dosyasına {n:d} yeni çalıştırma eklendi"},
    "no_records": {"en": "no records in {path}", "tr": "{path} içinde kayıt yok"},
})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m fpnlab.ablation",
                                description="Controlled ablations: one variable per experiment, >= 3 seeds for a verdict.")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="train and evaluate every (experiment, seed) not yet in --out")
    r.add_argument("plan")
    r.add_argument("--out", required=True)
    r.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    r.add_argument("--workers", type=int, default=1)
    r.add_argument("--backend", default="local", choices=["local", "ray"])
    r.add_argument("--address", default=None, help="Ray cluster address (default: start a local Ray)")
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("--only", action="append", metavar="EXP[:SEED]",
                   help="train these final runs again and compare them with their records in --out (nothing is "
                        "written); repeat for several; exit status 1 if any differs")
    s = sub.add_parser("report", help="mean ± std over seeds and the paired Δ to the baseline")
    s.add_argument("results")
    s.add_argument("--metric", action="append", help="metric(s) to tabulate (default: AP, AP_small, AP_medium, AP_large)")
    s.add_argument("--baseline", default="baseline")
    s.add_argument("--lang", default=None, choices=["en", "tr"])
    s.add_argument("--bars", default=None, help="save bars with error bars of the first metric to this file")
    s.add_argument("--tradeoff", default=None, help="save AP against latency to this file")
    args = p.parse_args(argv)
    if args.cmd == "run" and args.only:
        from .runner import rerun

        results = rerun(args.plan, args.out, args.only, device=args.device, workers=args.workers)
        for r in results:
            print(r["message"])
        return 0 if all(r["equal"] for r in results) else 1
    if args.cmd == "run":
        from .runner import run

        new = run(args.plan, args.out, device=args.device, workers=args.workers, backend=args.backend,
                  address=args.address, progress=not args.no_progress)
        print(_t("appended", n=len(new), out=args.out))
        return 0
    from .report import plot_bars, plot_tradeoff, report_text
    from .runner import read_results

    records = read_results(args.results)
    if not records:
        print(_t("no_records", args.lang, path=args.results), file=sys.stderr)
        return 1
    metrics = args.metric or ["AP", "AP_small", "AP_medium", "AP_large"]
    print(report_text(records, metrics, args.baseline, args.lang))
    if args.bars or args.tradeoff:
        import matplotlib

        matplotlib.use("Agg")
        if args.bars:
            plot_bars(records, metrics[0], args.baseline).figure.savefig(args.bars, bbox_inches="tight", dpi=120)
        if args.tradeoff:
            plot_tradeoff(records, "AP").figure.savefig(args.tradeoff, bbox_inches="tight", dpi=120)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
