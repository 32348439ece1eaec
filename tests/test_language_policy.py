"""The language policy of fpnlab/README.md ("Language policy"), checked on the library's code and
on what a reader sees.

(a) every ``lang`` parameter defaults to ``None`` (= what ``fpnlab.set_lang`` chose);
(b) one mechanism with one name: a module's own text is one ``_t = Strings({...})`` table; the
    shared labels are ``fpnlab.i18n.STRINGS``, looked up with ``fpnlab.i18n.t`` (a ``Strings``);
(c) after ``fpnlab.set_lang("tr")`` no reader-facing output of the library is English: a list of
    outputs (messages, table headers, plot and widget labels, the errors a reader's mistakes
    raise) differs from its English version and contains no English sentence.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

import fpnlab  # noqa: E402
from fpnlab import i18n  # noqa: E402
from fpnlab.errors import ArgumentError, CocoFormatError, FpnlabError, UnknownNameError  # noqa: E402

SRC = Path(fpnlab.__file__).parent
MODULES = sorted(SRC.rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.fixture(autouse=True)
def english_after():
    yield
    fpnlab.set_lang("en")


# ------------------------------------------------------------------ (a) lang defaults to None

def _lang_params(tree: ast.Module):
    """``(function name, line, default node or None)`` for every parameter named ``lang``."""
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        a = node.args
        positional = a.posonlyargs + a.args
        defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
        for arg, default in pairs:
            if arg.arg == "lang":
                yield getattr(node, "name", "<lambda>"), node.lineno, default


def test_the_walk_sees_lang_parameters():
    """The AST walk below finds what it looks for (a walk that finds nothing cannot fail)."""
    found = [p for path in MODULES for p in _lang_params(_tree(path))]
    assert len(found) >= 20, found


# where ``lang`` is the subject, not an override: the switch itself and its check
SETTERS = {("fpnlab/i18n.py", "set_lang"), ("fpnlab/i18n.py", "check_lang")}


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_lang_parameter_defaults_to_none(path):
    bad = []
    for name, line, default in _lang_params(_tree(path)):
        if (_rel(path), name) in SETTERS:
            continue
        is_none = isinstance(default, ast.Constant) and default.value is None
        if default is None and name.startswith("_"):
            continue  # a private helper may take the language it is handed, as long as it has no other default
        if not is_none:
            shown = "no default" if default is None else f"lang={ast.unparse(default)}"
            bad.append(f"{_rel(path)}:{line} {name}(..., {shown})")
    assert not bad, ("every `lang` parameter defaults to None (= fpnlab.get_lang()); fix:\n  "
                     + "\n  ".join(bad))


# ------------------------------------------------------------------ (b) one mechanism, one name

def _is_language_table(node: ast.AST) -> bool:
    """A dict literal ``{key: {"en": ..., "tr": ...}, ...}`` or ``{"en": {...}, "tr": {...}}``."""
    if not isinstance(node, ast.Dict) or not node.keys:
        return False

    def langs(d):
        return isinstance(d, ast.Dict) and {getattr(k, "value", None) for k in d.keys} >= {"en", "tr"}

    by_language = langs(node) and all(isinstance(v, ast.Dict) for v in node.values)
    return by_language or any(langs(v) for v in node.values)


def _is_strings_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call)
            and (getattr(node.func, "id", None) == "Strings" or getattr(node.func, "attr", None) == "Strings"))


def _tables(tree: ast.Module):
    """``(name, line, built_with_strings)`` for every module-level translation table."""
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            value = node.value
            if value is None:
                continue
            if _is_strings_call(value):
                yield from ((n, node.lineno, True) for n in names)
            elif _is_language_table(value):
                yield from ((n, node.lineno, False) for n in names)


OLD_NAMES = {"_S", "_T", "_M", "T", "_msg", "_MSG", "MESSAGES", "_STRINGS"}


def test_the_walk_sees_tables():
    found = {(_rel(p), name) for p in MODULES for name, _, _ in _tables(_tree(p))}
    assert ("fpnlab/i18n.py", "STRINGS") in found and ("fpnlab/arguments.py", "_t") in found, found


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_a_modules_own_text_is_one_strings_table_named__t(path):
    tree = _tree(path)
    tables = list(_tables(tree))
    bad = []
    if _rel(path) == "fpnlab/i18n.py":  # the shared labels: a dict, looked up with t = Strings(STRINGS)
        allowed = {"STRINGS": False, "t": True, "_t": True}
        bad = [f"{name} (line {line})" for name, line, strings in tables if allowed.get(name) != strings]
    else:
        for name, line, strings in tables:
            if name != "_t":
                bad.append(f"table {name} (line {line}) must be named _t")
            if not strings:
                bad.append(f"table {name} (line {line}) must be built with fpnlab.i18n.Strings")
        if sum(name == "_t" for name, _, _ in tables) > 1:
            bad.append("more than one _t table: one module, one table")
    # the old lookup helpers are gone, whatever they are (tables, functions, lambdas)
    for node in tree.body:
        names = []
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        bad += [f"{n} (line {node.lineno}): the one name is _t" for n in names if n in OLD_NAMES]
    assert not bad, f"{_rel(path)}: " + "; ".join(bad)


def test_the_shared_labels_are_a_strings_table():
    assert isinstance(i18n.t, i18n.Strings) and i18n.t.table is i18n.STRINGS
    assert fpnlab.t("level") == "Level" and fpnlab.t("level", "tr") == "Seviye"
    with pytest.raises(UnknownNameError):
        fpnlab.t("no such label")


# ------------------------------------------------------------------ (c) no English after set_lang("tr")

# A sentence of English gives itself away with one of these (code names such as out_channels,
# P3 or bbox stay as they are in Turkish text, so words are checked, not letters).
ENGLISH = re.compile(r"\b(the|must|should|cannot|does not|is not|expects?|expected|got|use one of|"
                     r"pass|Fix|Warning|Recommendation|Consider|unknown)\b(?!\w)|Fix:", re.I)
# words fpnlab's Turkish keeps in English on purpose (code names, the book's kept terms)
KEPT = re.compile(r"\b(?:pass\w*)(?=\s*=)|'[^']*'|\"[^\"]*\"|`[^`]*`")


def _english_words(text: str) -> list[str]:
    return [m.group(0) for m in ENGLISH.finditer(KEPT.sub(" ", text))]


def _figure_text(ax_or_fig) -> str:
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "\n".join(x for x in texts if x)


def _widget_text(w) -> str:
    out = []

    def walk(x):
        for attr in ("description", "value", "placeholder"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                out.append(v)
        for c in getattr(x, "children", ()):
            walk(c)

    walk(w)
    return "\n".join(out)


def _raises(fn, kind=FpnlabError):
    """The message of the error ``fn()`` raises, which must be ``kind`` (an fpnlab error)."""
    try:
        fn()
    except kind as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - the point is to name what came instead
        pytest.fail(f"raised {type(e).__module__}.{type(e).__name__}, not {kind.__name__}: {e}")
    pytest.fail(f"raised nothing; expected {kind.__name__}")


def _bad_coco(tmp: Path) -> Path:
    path = tmp / "bad.json"
    path.write_text(json.dumps({
        "images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 64}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 0, 5], "area": 0, "iscrowd": 0}],
        "categories": [{"id": 1, "name": "a"}]}))
    return path


def _good_coco() -> dict:
    return {"images": [{"id": i, "file_name": f"{i}.png", "width": 640, "height": 480} for i in (1, 2)],
            "annotations": [{"id": k + 1, "image_id": 1 + k % 2, "category_id": 1, "bbox": [10, 10, s, s],
                             "area": s * s, "iscrowd": 0} for k, s in enumerate((4, 8, 20, 60, 200))],
            "categories": [{"id": 1, "name": "a"}]}


def _levels_headers():
    from fpnlab.levels import stride_table
    from fpnlab.viz import levels_frame

    df = levels_frame(stride_table(640))
    return " | ".join([df.index.name, *df.columns])


def _cells_headers():
    from fpnlab.levels import recommend_level
    from fpnlab.viz import cells_frame

    df = cells_frame(recommend_level(40))
    return " | ".join([df.index.name, *df.columns])


def _fpn_wrong_channels():
    from fpnlab.necks import FPN

    FPN([8, 16], 8)([torch.zeros(1, 4, 16, 16), torch.zeros(1, 16, 8, 8)])


def _yolopan_bad_input():
    from fpnlab.necks import YOLOPAN

    YOLOPAN([8, 16, 32])([torch.zeros(1, 8, 16, 16), torch.zeros(1, 16, 8, 8)])


def _fpn_reversed():
    from fpnlab.necks import FPN

    FPN([8, 16], 8)([torch.zeros(1, 16, 8, 8), torch.zeros(1, 8, 16, 16)])


def _stride_mismatch():
    from fpnlab.levels import check_feature_info

    check_feature_info(fpnlab.TinyBackbone.seed_demo(), 64)


def _design_hints():
    from fpnlab.datastats import dataset_stats, design_hints

    hints = design_hints(dataset_stats(_good_coco()))
    return "\n".join(str(getattr(h, "text", None) or getattr(h, "message", None) or h) for h in hints)


def _datastats_report():
    from fpnlab.datastats import dataset_stats, report

    return json.dumps(report(dataset_stats(_good_coco())), ensure_ascii=False, default=str)


def _widget_stride_explorer():
    from fpnlab.widgets import stride_explorer

    return _widget_text(stride_explorer(input_sizes=(256,), object_sizes=(40,), static=False))


def _widget_fusion_explorer():
    from fpnlab.widgets import fusion_explorer

    maps = [torch.rand(2, 6, 6), torch.rand(2, 6, 6)]
    return _widget_text(fusion_explorer(maps, raw_values=(0.0, 1.0), static=False))


def _viz(name, *args):
    def draw():
        from fpnlab import viz

        return _figure_text(getattr(viz, name)(*args))

    return draw


def _pyramid():
    from fpnlab.levels import stride_table
    from fpnlab.viz import pyramid_diagram

    return _figure_text(pyramid_diagram(stride_table(256)))


# name → a function that returns what the reader sees (text, or the message of the error a
# reader's mistake raises). Each must change with the language and be free of English in Turkish.
OUTPUTS = {
    "recommend_level(40).message": lambda: fpnlab.recommend_level(40).message,
    "recommend_level(3).message (too small)": lambda: fpnlab.recommend_level(3).message,
    "levels_frame(stride_table(640)) headers": _levels_headers,
    "cells_frame(recommend_level(40)) headers": _cells_headers,
    "viz.pyramid_diagram": _pyramid,
    "viz.fpn_block_diagram": _viz("fpn_block_diagram"),
    "viz.panet_diagram": _viz("panet_diagram"),
    "viz.yolo_pan_diagram": _viz("yolo_pan_diagram"),
    "viz.bifpn_diagram": _viz("bifpn_diagram"),
    "viz.yolo11_diagram": _viz("yolo11_diagram"),
    "viz.hybrid_encoder_diagram": _viz("hybrid_encoder_diagram"),
    "viz.gd_diagram": _viz("gd_diagram"),
    "viz.asff_diagram": _viz("asff_diagram"),
    "widgets.stride_explorer labels": _widget_stride_explorer,
    "widgets.fusion_explorer labels": _widget_fusion_explorer,
    "datastats.design_hints": _design_hints,
    "datastats.report": _datastats_report,
    "set_lang('de')": lambda: _raises(lambda: fpnlab.set_lang("de"), UnknownNameError),
    "make_block('nope', ...)": lambda: _raises(lambda: fpnlab.blocks.make_block("nope", 8, 8), UnknownNameError),
    "make_attention('nope', ...)": lambda: _raises(lambda: fpnlab.blocks.make_attention("nope", 8),
                                                   UnknownNameError),
    "make_norm('batch', ...)": lambda: _raises(lambda: fpnlab.blocks.make_norm("batch", 8), UnknownNameError),
    "make_act('gelu2')": lambda: _raises(lambda: fpnlab.blocks.make_act("gelu2"), UnknownNameError),
    "fusion_weights(..., 'nope')": lambda: _raises(
        lambda: fpnlab.necks.fusion_weights(torch.ones(2), "nope"), UnknownNameError),
    "FPN with wrong channels": lambda: _raises(_fpn_wrong_channels),
    "FPN with levels reversed": lambda: _raises(_fpn_reversed),
    "YOLOPAN with two levels": lambda: _raises(_yolopan_bad_input),
    "FPN(out_channels=0)": lambda: _raises(lambda: fpnlab.FPN([8, 16], 0), ArgumentError),
    "check_feature_info mismatch": lambda: _raises(_stride_mismatch),
    "check_coco on a zero-width box": lambda: _raises(lambda: fpnlab.coco.check_coco(_bad_coco(_TMP[0])),
                                                      CocoFormatError),
    "dataset_stats on a zero-width box": lambda: _raises(lambda: fpnlab.dataset_stats(_bad_coco(_TMP[0])),
                                                         CocoFormatError),
    "PlanError on a plan with one seed": lambda: _raises(
        lambda: fpnlab.ablation.load_plan({"seeds": [0], "experiments": []})),
    "PlanError on an unknown setting": lambda: _raises(lambda: fpnlab.ablation.load_plan(
        {"seeds": [0, 1], "experiments": [{"name": "x", "change": {"neck.nope": 1}}]})),
    "make_neck with an unknown neck": lambda: _raises(lambda: fpnlab.ablation.make_neck(
        {"name": "nope", "width": 8}, [8, 16], [8, 16], "bn"), UnknownNameError),
    "latency(repeats=0)": lambda: _raises(
        lambda: fpnlab.metrics.latency(torch.nn.Identity(), torch.zeros(1, 3, 8, 8), repeats=0), ArgumentError),
    "widgets.fusion_explorer with one input": lambda: _raises(
        lambda: fpnlab.widgets.fusion_explorer([torch.zeros(1, 4, 4)], static=False), ArgumentError),
}
_TMP: list[Path] = []


@pytest.fixture
def tmp_for_outputs(tmp_path):
    _TMP[:] = [tmp_path]
    yield tmp_path


def _import_all():
    import fpnlab.ablation  # noqa: F401
    import fpnlab.blocks  # noqa: F401
    import fpnlab.coco  # noqa: F401
    import fpnlab.metrics  # noqa: F401
    import fpnlab.necks  # noqa: F401
    import fpnlab.widgets  # noqa: F401


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_reader_facing_output_is_turkish_after_set_lang_tr(name, tmp_for_outputs):
    _import_all()
    torch.manual_seed(0)
    fpnlab.set_lang("en")
    en = OUTPUTS[name]()
    torch.manual_seed(0)
    fpnlab.set_lang("tr")
    tr = OUTPUTS[name]()
    assert en and tr, (en, tr)
    assert tr != en, f"{name}: the same text in both languages:\n{tr}"
    words = _english_words(tr)
    assert not words, f"{name}: English after set_lang('tr') ({', '.join(sorted(set(words)))}):\n{tr}"


def test_the_english_detector_finds_english_and_passes_turkish():
    assert _english_words("FPN: out_channels = 0 must be an integer ≥ 1. Fix: pass a whole number")
    assert not _english_words("FPN: out_channels = 0 en az 1 olan bir tam sayı olmalı. Düzeltme: "
                              "1 ya da daha büyük bir tam sayı ver, örneğin out_channels=1.")
    assert not _english_words("make_norm: norm = 'pass the batch' şunlardan biri değil")  # quoted values are code
