"""``python -m fpnlab design DATA [--input-size N] [--min-share X] [--lang en|tr]``: the coverage of
every candidate stride on the reader's own COCO data and the proposed levels, with their reasons
(:func:`fpnlab.design.design`)."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    from . import set_lang
    from .design import MIN_SHARE, design
    from .errors import FpnlabError

    parser = argparse.ArgumentParser(prog="python -m fpnlab")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("design", help="coverage per stride and the proposed levels for a COCO data set")
    d.add_argument("data", help="a COCO annotations JSON file, or a folder holding annotations.json")
    d.add_argument("--input-size", type=int, default=640, help="training input size in px (letterboxed)")
    d.add_argument("--min-share", type=float, default=MIN_SHARE, help="share of objects a level must hold")
    d.add_argument("--lang", default="en", help="language of the report: en or tr")
    args = parser.parse_args(argv)
    try:
        set_lang(args.lang)
        print(design(args.data, input_size=args.input_size, min_share=args.min_share))
    except FpnlabError as err:  # the message names the cause and the fix
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
