"""Where results files live: a chapter's live runs (:func:`results_path`) and the book's committed
results (:func:`book_results`). Nothing here downloads anything."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import FpnlabError
from ..i18n import Strings

_t = Strings({
    "not_found": {
        "en": "the book's ablation results ablation/results/{name}.jsonl are not here: they come with the book's "
              "repository, not with the fpnlab package. Fix: Clone it (git clone "
              "https://github.com/fpnlab/feature-pyramids-hands-on) and run the notebook from the clone, or make "
              "them yourself: python -m fpnlab.ablation run ablation/plans/{name}.yaml --out {name}.jsonl",
        "tr": "kitabın ablation sonuçları ablation/results/{name}.jsonl burada yok: fpnlab paketiyle değil, kitabın "
              "deposuyla gelir. Düzeltme: depoyu klonla (git clone "
              "https://github.com/fpnlab/feature-pyramids-hands-on) ve notebook'u klondan çalıştır ya da sonuçları "
              "kendin üret: python -m fpnlab.ablation run ablation/plans/{name}.yaml --out {name}.jsonl"},
    "name": {"en": "{where}: name = {value!r} must be a non-empty file name without a folder, e.g. 'part4'. Fix: pass "
                   "the results' name.",
             "tr": "{where}: name = {value!r}, klasörsüz ve boş olmayan bir dosya adı olmalı, örneğin 'part4'. "
                   "Düzeltme: sonuçların adını ver."},
})


class ResultsNotFoundError(FpnlabError, FileNotFoundError):
    """The book's committed ablation results are not on this machine; the message says how to get them."""


def _check_name(name, where: str) -> str:
    from ..errors import ArgumentError

    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise ArgumentError(_t("name", where=where, value=name))
    return name


def results_path(name: str) -> Path:
    """Where a chapter keeps the results of its live runs, shared by every execution of one build.

    ``$FPNLAB_RESULTS_DIR/<name>.jsonl`` if set; else, inside a checkout of this book,
    ``<root>/_build/ablation/<name>.jsonl`` (``make book`` empties that folder, so every build
    trains once and the other executions — the other language, the notebook tests — resume from
    it); else ``<name>.jsonl`` in the working directory (Colab).
    """
    _check_name(name, "results_path")
    env = os.environ.get("FPNLAB_RESULTS_DIR")
    if env:
        return Path(env) / f"{name}.jsonl"
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "_config.yml").is_file() and (d / "fpnlab" / "pyproject.toml").is_file():
            return d / "_build" / "ablation" / f"{name}.jsonl"
    return here / f"{name}.jsonl"


def book_results(name: str = "part4") -> Path:
    """Path of the book's committed results ``ablation/results/<name>.jsonl``.

    Looked up in the checkout ``fpnlab`` is installed from (``pip install -e fpnlab``), then in the
    working directory and its parents. The results ship with the book's repository, not with the
    package, and nothing is downloaded: without a checkout this raises
    :class:`ResultsNotFoundError` saying how to get them.
    """
    _check_name(name, "book_results")
    here = Path(__file__).resolve()
    candidates = [here.parents[4]] if len(here.parents) > 4 else []
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents]
    for root in candidates:
        path = root / "ablation" / "results" / f"{name}.jsonl"
        if path.is_file():
            return path
    raise ResultsNotFoundError(_t("not_found", name=name))


__all__ = ["ResultsNotFoundError", "book_results", "results_path"]
