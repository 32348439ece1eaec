"""Keep the Turkish prose in step with the English it translates.

Every Turkish prose cell records which version of its English twin it translates: the k-th
markdown cell of ``notebooks/tr/X.ipynb`` translates the k-th markdown cell of
``notebooks/en/X.ipynb``, and its metadata holds ``{"translates": "<hash of that English cell>"}``.
The book pages ``book/tr/*.md`` record the hash of their English page in ``book/tr/translates.json``.
When an English cell or page changes, its hash no longer matches and ``check`` (and
``tests/test_translation.py``) names the Turkish cell to revisit. After revising it (or judging it
still right), ``mark`` records the new hash.

Usage:
    python scripts/tr_sync.py check                          # exit 1 if anything is stale
    python scripts/tr_sync.py mark notebooks/tr/03_integration.ipynb --cells 4 7
    python scripts/tr_sync.py mark notebooks/tr/03_integration.ipynb   # every cell of the chapter
    python scripts/tr_sync.py mark book/tr/glossary.md
    python scripts/tr_sync.py diff notebooks/tr/03_integration.ipynb   # show what changed

``--cells`` takes the indices printed by ``check`` (markdown cells counted from 0).
Needs only the standard library.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "translates"
PAGES_FILE = "translates.json"


def digest(text: str) -> str:
    """Hash of an English prose cell or page (trailing spaces and line endings ignored)."""
    norm = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().splitlines())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def markdown_cells(nb: dict) -> list[dict]:
    return [c for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]


def notebook_problems(en: dict, tr: dict, name: str = "") -> list[str]:
    """Why the Turkish notebook ``tr`` is not in step with ``en`` (empty list: it is)."""
    en_md, tr_md = markdown_cells(en), markdown_cells(tr)
    if len(en_md) != len(tr_md):
        return [f"{name}: {len(en_md)} English prose cells but {len(tr_md)} Turkish ones; every "
                "English markdown cell needs exactly one Turkish twin, in the same order"]
    problems = []
    for k, (e, t) in enumerate(zip(en_md, tr_md)):
        recorded = t.get("metadata", {}).get(KEY)
        if recorded is None:
            problems.append(f"{name} prose cell {k}: records no English version; translate it, "
                            f"then `python scripts/tr_sync.py mark notebooks/tr/{name} --cells {k}`")
        elif recorded != digest(_source(e)):
            problems.append(f"{name} prose cell {k}: its English twin changed since it was "
                            f"translated; revise it, then `python scripts/tr_sync.py mark "
                            f"notebooks/tr/{name} --cells {k}`")
    return problems


def mark_notebook(en: dict, tr: dict, cells: list[int] | None = None) -> list[int]:
    """Record in ``tr`` the current hashes of its English twins (all cells, or ``cells``)."""
    en_md, tr_md = markdown_cells(en), markdown_cells(tr)
    if len(en_md) != len(tr_md):
        raise SystemExit(notebook_problems(en, tr)[0])
    marked = []
    for k, (e, t) in enumerate(zip(en_md, tr_md)):
        if cells is None or k in cells:
            t.setdefault("metadata", {})[KEY] = digest(_source(e))
            marked.append(k)
    return marked


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _save(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def page_problems(root: Path = ROOT) -> list[str]:
    recorded = _pages_record(root)
    problems = []
    for tr_page in sorted((root / "book" / "tr").glob("*.md")):
        en_page = root / "book" / "en" / tr_page.name
        if not en_page.exists():
            continue
        if recorded.get(tr_page.name) != digest(en_page.read_text(encoding="utf-8")):
            problems.append(f"book/tr/{tr_page.name}: book/en/{tr_page.name} changed since it was "
                            f"translated (or was never recorded); revise it, then "
                            f"`python scripts/tr_sync.py mark book/tr/{tr_page.name}`")
    return problems


def _pages_record(root: Path) -> dict:
    path = root / "book" / "tr" / PAGES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def all_problems(root: Path = ROOT) -> list[str]:
    problems = []
    for tr_path in sorted((root / "notebooks" / "tr").glob("*.ipynb")):
        en_path = root / "notebooks" / "en" / tr_path.name
        if en_path.exists():
            problems += notebook_problems(_load(en_path), _load(tr_path), tr_path.name)
    return problems + page_problems(root)


def _english_with_hash(en_path: Path, wanted: str, depth: int = 100) -> str | None:
    """The English prose cell whose hash is ``wanted``, searched in the file's git history."""
    import subprocess

    rel = en_path.resolve().relative_to(ROOT).as_posix()
    log = subprocess.run(["git", "-C", str(ROOT), "log", f"-{depth}", "--format=%H", "--", rel],
                         capture_output=True, text=True).stdout.split()
    for commit in log:
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{rel}"],
                               capture_output=True, text=True)
        if shown.returncode:
            continue
        for cell in markdown_cells(json.loads(shown.stdout)):
            if digest(_source(cell)) == wanted:
                return _source(cell)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check", help="list Turkish prose that is behind its English twin")
    mark = sub.add_parser("mark", help="record that a Turkish notebook or page is up to date")
    mark.add_argument("path")
    mark.add_argument("--cells", type=int, nargs="+", help="markdown cell indices (default: all)")
    diff = sub.add_parser("diff", help="show the English cells that changed since translation")
    diff.add_argument("path")
    args = parser.parse_args(argv)

    if args.cmd == "check":
        problems = all_problems()
        for p in problems:
            print(p)
        print(f"tr_sync: {len(problems)} Turkish prose cell(s) or page(s) behind their English twin")
        return 1 if problems else 0

    path = Path(args.path).resolve()
    if path.suffix == ".md":
        en_page = ROOT / "book" / "en" / path.name
        record = _pages_record(ROOT)
        record[path.name] = digest(en_page.read_text(encoding="utf-8"))
        (ROOT / "book" / "tr" / PAGES_FILE).write_text(
            json.dumps(dict(sorted(record.items())), indent=1) + "\n", encoding="utf-8")
        print(f"marked book/tr/{path.name} as translating the current book/en/{path.name}")
        return 0
    en_path = ROOT / "notebooks" / "en" / path.name
    en, tr = _load(en_path), _load(path)
    if args.cmd == "diff":
        for k, (e, t) in enumerate(zip(markdown_cells(en), markdown_cells(tr))):
            recorded = t.get("metadata", {}).get(KEY)
            if recorded != digest(_source(e)):
                old = _english_with_hash(en_path, recorded) if recorded else None
                print(f"=== prose cell {k}: " + ("what changed in English since it was translated"
                                                  if old is not None else "English now (the translated version is not in git history)"))
                print("".join(difflib.unified_diff((old or "").splitlines(True), _source(e).splitlines(True),
                                                   "translated", "now")) if old is not None else _source(e))
        return 0
    marked = mark_notebook(en, tr, args.cells)
    _save(path, tr)
    print(f"marked {len(marked)} prose cell(s) of notebooks/tr/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
