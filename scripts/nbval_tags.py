"""Turn nbval's comment markers into cell tags, so the site shows no `# NBVAL_...` lines.

nbval reads a marker either as a comment line in the cell (``# NBVAL_CHECK_OUTPUT``) or as a cell
tag (``nbval-check-output``); the book shows the cell's source, so the tag is the one to use.
This script removes every marker comment line and adds the matching tag:

    # NBVAL_CHECK_OUTPUT      -> tag nbval-check-output
    # NBVAL_IGNORE_OUTPUT     -> tag nbval-ignore-output
    # NBVAL_SKIP              -> tag nbval-skip
    # NBVAL_RAISES_EXCEPTION  -> tag raises-exception

``raises-exception`` is the one tag both runners read: myst-nb (the book build lets the cell's
error through) and nbval (its ``metadata_tags`` map ``raises-exception`` to the same option as
``nbval-raises-exception``). Adding ``nbval-raises-exception`` as well would make nbval warn
"Conflicting metadata tags found" for every such cell, so it is not added (``--both`` adds it).

Everything else in the notebook is kept as it is (cell ids, outputs, formatting: JSON with
``indent=1``, non-ASCII kept, a trailing newline). Running it twice changes nothing.

Usage: python scripts/nbval_tags.py [--check] [--both] [NOTEBOOK ...]
       (default: every notebook under notebooks/; --check: change nothing, exit 1 if a notebook
       still has marker comments)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAGS = {
    "NBVAL_CHECK_OUTPUT": "nbval-check-output",
    "NBVAL_IGNORE_OUTPUT": "nbval-ignore-output",
    "NBVAL_SKIP": "nbval-skip",
    "NBVAL_RAISES_EXCEPTION": "raises-exception",
}
# a whole line that is only the marker comment (nbval's own rule: the stripped line starts with
# '#' and the rest, stripped, is the marker)
MARKER_LINE = re.compile(r"^[ \t]*#+[ \t]*(NBVAL_[A-Z_]+)[ \t]*$")


def source_lines(cell: dict) -> list[str]:
    source = cell.get("source", "")
    return source.splitlines(keepends=True) if isinstance(source, str) else list(source)


def convert_cell(cell: dict, both: bool = False) -> bool:
    """Move the cell's marker comments into its tags; returns whether the cell changed."""
    if cell.get("cell_type") != "code":
        return False
    lines = source_lines(cell)
    keep, found = [], []
    for line in lines:
        match = MARKER_LINE.match(line.rstrip("\r\n"))
        if match and match.group(1) in TAGS:
            found.append(match.group(1))
        else:
            keep.append(line)
    if not found:
        return False
    text = "".join(keep)
    if not "".join(lines).endswith("\n"):
        text = text.rstrip("\n")   # the marker was the last line: no new trailing newline
    tags = list(cell.get("metadata", {}).get("tags", []))
    for marker in found:
        wanted = [TAGS[marker]] + (["nbval-raises-exception"] if both and marker == "NBVAL_RAISES_EXCEPTION" else [])
        for tag in wanted:
            if tag not in tags:
                tags.append(tag)
    cell.setdefault("metadata", {})["tags"] = tags
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text
    return True


def remaining_markers(nb: dict) -> list[int]:
    """Indices of code cells that still carry a marker comment line."""
    return [i for i, cell in enumerate(nb.get("cells", [])) if cell.get("cell_type") == "code"
            and any(MARKER_LINE.match(line.rstrip("\r\n")) for line in source_lines(cell))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="only report notebooks with markers")
    parser.add_argument("--both", action="store_true",
                        help="also add nbval-raises-exception next to raises-exception")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*/*.ipynb"))
    status = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if args.check:
            left = remaining_markers(nb)
            if left:
                print(f"{path}: marker comments in code cells {left}")
                status = 1
            continue
        changed = sum(convert_cell(cell, both=args.both) for cell in nb.get("cells", []))
        if changed:
            path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {changed} cell(s) converted")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
