"""Execute chapters and store only the outputs nbval checks.

The site never shows committed outputs: the book executes every notebook when it is built.
What *is* committed are the expected outputs of the cells tagged ``nbval-check-output``
(text only: shapes, tables, counts), which ``pytest --nbval-lax`` compares with a fresh run.
(nbval's markers are cell tags, not ``# NBVAL_...`` comments, so the site does not show them:
``scripts/nbval_tags.py`` converts comments into tags.)
Every other cell is stored without outputs, so nothing stale can hide in the repository.

Usage: python scripts/store_outputs.py [NOTEBOOK ...]   (default: all chapters, both languages)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHECK_TAG = "nbval-check-output"
RAISES_TAGS = ("raises-exception", "nbval-raises-exception")
TEXT = ("text/plain",)


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def keep_checked(nb: nbformat.NotebookNode) -> None:
    """Clear every output except the text outputs of cells tagged nbval-check-output."""
    nb.metadata.pop("widgets", None)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.metadata.pop("execution", None)  # nbclient's timestamps: noise in every diff
        if CHECK_TAG not in tags(cell):
            cell.outputs = []
            continue
        kept = []
        for out in cell.outputs:
            if out.output_type == "stream":
                if out.name == "stdout":
                    kept.append(out)
            elif out.output_type == "error":
                kept.append(out)
            else:  # execute_result / display_data: keep the text form only
                data = {k: v for k, v in out.data.items() if k in TEXT}
                if data:
                    out.data, out.metadata = data, {}
                    kept.append(out)
        cell.outputs = kept
        if kept:  # nbval compares only cells with an execution count ("Unrun reference cell has outputs")
            count += 1
            cell.execution_count = count
            for out in kept:
                if out.output_type == "execute_result":
                    out.execution_count = count


def main(paths: list[str]) -> int:
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "notebooks").glob("*/*.ipynb"))
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        errors = [c for c in nb.cells if c.cell_type == "code" and any(
            o.output_type == "error" for o in c.get("outputs", [])) and not set(RAISES_TAGS) & set(tags(c))]
        keep_checked(nb)
        nbformat.write(nb, path)
        print(f"{path.relative_to(ROOT)}: {time.perf_counter() - start:.1f} s"
              + (f", {len(errors)} unexpected error(s)!" if errors else ""))
        if errors:
            print(errors[0].source[:300])
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
