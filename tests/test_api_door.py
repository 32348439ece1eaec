"""Arguments are checked at the door: a generated walk over the book's public API.

For every public callable of the book's API (``fpnlab``'s top-level names and the public
callables of the modules in ``MODULES``, plus the ablation's model and measurement functions):

1. ``VALID`` holds one valid call, written out below; it must run.
2. Every int-typed or size-like parameter of the signature (annotation ``int``, or a name such as
   ``channels``, ``size``, ``stride(s)``, ``num_*``, ``repeats``, ``n``, ``steps``,
   ``batch_size``) is replaced, one at a time, by ``0``, ``-1``, ``1.5``, ``True``, ``"3"``
   and ``[]`` (for a list parameter: one entry replaced by ``0``, ``-1``, ``1.5``, ``True``;
   the list by ``"3"`` and ``[]``; ``0`` where zero is meaningful and ``1.5`` where floats are
   meant are left out).
3. A module's ``forward`` gets its valid input as an int64 tensor, without the batch dimension
   (3-d) and with an empty batch.

Each bad call must raise an :class:`fpnlab.errors.FpnlabError` (which names the argument, the
value and the fix) — never a bare ``RuntimeError``, ``ValueError``, ``TypeError``,
``ZeroDivisionError``, ``math domain error``, and never silent acceptance.

A public callable without an entry in ``VALID`` (or ``NOT_CALLED``) fails
:func:`test_every_public_callable_has_a_valid_call`: add one.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
import typing
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import fpnlab  # noqa: E402
from fpnlab.errors import FpnlabError  # noqa: E402

torch.set_num_threads(1)

# The book's API: fpnlab._API's names, every public callable of these modules, and these of ablation
# (its model and measurement functions and the adapters they build models with).
MODULES = ["levels", "blocks", "necks", "coco", "metrics", "detector", "data", "datastats", "preflight", "design"]
ABLATION = ["make_backbone", "make_neck", "make_detector", "make_data", "make_split", "measure", "measure_plan", "measure_configs",
            "BackboneWithNeck", "PickLevels"]

# Types a reader gets back rather than builds (results, records, a base class), and errors.
NOT_CALLED = {
    "levels.Recommendation": "the result of recommend_level",
    "metrics.Cost": "the result of cost",
    "metrics.Latency": "the result of latency",
    "datastats.DatasetStats": "the result of dataset_stats",
    "datastats.Hint": "the result of design_hints",
    "preflight.PreflightReport": "the result of preflight",
    "preflight.CheckResult": "one check of a PreflightReport",
    "design.Design": "the result of design",
    "design.StrideCoverage": "one row of design's coverage",
    "design.Candidate": "one measured candidate of a Design",
    "data.GeneratedSet": "the base class of Shapes and ContextShapes",
}


# ------------------------------------------------------------------ the valid calls

@dataclass
class Call:
    """One valid call: ``args``/``kwargs`` (a callable marked with :func:`new` is called afresh
    for every call, e.g. a model), and for a module the input ``forward`` takes."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    forward: typing.Callable | None = None


class new:  # noqa: N801 - reads as a marker in the table: new(tiny_backbone)
    """An argument built afresh for each call."""

    def __init__(self, make, *args, **kwargs):
        self.make, self.args, self.kwargs = make, args, kwargs

    def __call__(self):
        return self.make(*self.args, **self.kwargs)


def call(*args, forward=None, **kwargs) -> Call:
    return Call(args, kwargs, forward)


def _resolve(v):
    return v() if isinstance(v, new) else v


# small things the valid calls use
def image(c=8, s=8):
    return torch.rand(1, c, s, s)


def pyramid(channels=(8, 16, 32), first=3, size=64):
    from fpnlab.data import random_pyramid

    return list(random_pyramid(size, list(channels), first=first).values())


def tiny_backbone():
    return fpnlab.TinyBackbone((8, 16, 32, 64))


def tiny_detector():
    from fpnlab.detector import tiny_detector

    return tiny_detector(num_classes=len(shapes(1).classes), width=8)


def shapes(n=4):
    return fpnlab.ContextShapes(n=n, size=64)


def good_coco() -> dict:
    return {"images": [{"id": i, "file_name": f"{i}.png", "width": 64, "height": 64} for i in (1, 2)],
            "annotations": [{"id": k + 1, "image_id": 1 + k % 2, "category_id": 1, "bbox": [4, 4, s, s],
                             "area": s * s, "iscrowd": 0} for k, s in enumerate((4, 8, 20, 40))],
            "categories": [{"id": 1, "name": "a"}]}


def detections() -> list:
    return [{"image_id": 1, "category_id": 1, "bbox": [4, 4, 4, 4], "score": 0.9}]


def coco_folder_path():
    """A folder with one 64 × 64 image and its annotations.json (made once per session)."""
    import tempfile

    from PIL import Image

    if not hasattr(coco_folder_path, "root"):
        root = tempfile.mkdtemp(prefix="fpnlab-door-")
        Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(f"{root}/1.png")
        data = good_coco()
        data["images"] = data["images"][:1]
        data["annotations"] = [a for a in data["annotations"] if a["image_id"] == 1]
        with open(f"{root}/annotations.json", "w") as f:
            json.dump(data, f)
        coco_folder_path.root = root
    return coco_folder_path.root


def coco_folder():
    return fpnlab.CocoFolder(coco_folder_path())


def stats():
    return fpnlab.dataset_stats(good_coco())


def small_plan():
    return {"seeds": [0, 1], "baseline": {
        "data": {"size": 64, "n_train": 2, "n_val": 2},
        "backbone": {"name": "tiny", "widths": [8, 16, 32, 64]},
        "neck": {"name": "fpn", "width": 8}}, "experiments": []}


DATA_CFG = {"kind": "context_shapes", "size": 64, "n_train": 2, "n_val": 2, "seed": 0, "val_seed": 1}
DETECTOR_CFG = {"backbone": {"name": "tiny", "widths": [8, 16, 32, 64]},
                "neck": {"name": "fpn", "width": 8, "levels": ["C2", "C3", "C4", "C5"]},
                "head": {"num_convs": 1, "norm": "gn"}}

def _design_set() -> dict:
    """A small valid COCO set for fpnlab.design: 30 boxes of 10 px on one 640 px image."""
    return {"images": [{"id": 1, "width": 640, "height": 640}], "categories": [{"id": 1, "name": "dot"}],
            "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, "bbox": [20.0 * i, 8.0, 10.0, 10.0]}
                            for i in range(30)]}


VALID: dict[str, Call] = {
    # fpnlab.i18n (top level)
    "t": call("level"),
    "fmt_num": call(3.25, decimals=1),
    "fmt_pct": call(0.5, decimals=1),
    "glue": call("door_example", "2.50"),
    "fmt_frame": call(new(lambda: __import__("pandas").DataFrame({"x": [1.5]})), decimals=1),
    "Strings": call({"k": {"en": "a", "tr": "b"}}),
    # fpnlab.levels
    "levels.Level": call("C3", 64, 8, size=(8, 8)),
    "levels.level_name": call(8),
    "levels.as_hw": call(64),
    "levels.stride_from_sizes": call(64, 8),
    "levels.as_levels": call([{"name": "C3", "stride": 8, "channels": 64}]),
    "levels.measure_strides": call(new(tiny_backbone), 64, in_channels=3),
    "levels.check_feature_info": call(new(tiny_backbone), 64, in_channels=3),
    "levels.stride_table": call(64, strides=(8, 16, 32)),
    "levels.recommend_level": call(40, strides=(4, 8, 16, 32), min_cells=2),
    "levels.assign_level": call(40, strides=(4, 8, 16, 32), min_cells=2),
    "levels.default_strides": call(3, top=32),
    "levels.p_names": call(["C3", "C4"], 2),
    "levels.next_names": call(["P4", "P5"], 2),
    # fpnlab.blocks
    "blocks.Bottleneck": call(8, forward=new(image, 8)),
    "blocks.C2f": call(8, 8, n=1, forward=new(image, 8)),
    "blocks.C3k": call(8, 8, n=1, forward=new(image, 8)),
    "blocks.C3k2": call(8, 8, n=1, forward=new(image, 8)),
    "blocks.PSAAttention": call(8, 2, forward=new(image, 8)),
    "blocks.PSABlock": call(8, num_heads=2, forward=new(image, 8)),
    "blocks.C2PSA": call(16, 16, forward=new(image, 16)),
    "blocks.psa_heads": call(128),
    "blocks.AIFI": call(16, ffn=32, heads=4, forward=new(image, 16)),
    "blocks.RepC3": call(8, 8, n=1, forward=new(image, 8)),
    "blocks.sincos_pos_embed_2d": call(4, 6, 16),
    "blocks.DySample": call(8, scale=2, groups=4, forward=new(image, 8)),
    "blocks.Interpolate": call("bilinear", scale=2, forward=new(image, 8)),
    "blocks.make_upsampler": call("dysample", 8, scale=2),
    "blocks.CBAM": call(16, reduction=4, kernel_size=7, forward=new(image, 16)),
    "blocks.ConvBNSiLU": call(8, 8, k=3, stride=1, forward=new(image, 8)),
    "blocks.CoordAtt": call(16, reduction=4, forward=new(image, 16)),
    "blocks.DepthwiseSeparable": call(8, 8, stride=1, forward=new(image, 8)),
    "blocks.DilatedBlock": call(8, 8, stride=1, dilation=2, forward=new(image, 8)),
    "blocks.ECA": call(16, gamma=2, b=1, forward=new(image, 16)),
    "blocks.HSwish": call(),  # an element-wise activation: any tensor is a valid input
    "blocks.RepVGGBlock": call(8, 8, stride=1, forward=new(image, 8)),
    "blocks.SE": call(16, reduction=4, forward=new(image, 16)),
    "blocks.SPPF": call(8, 8, k=5, forward=new(image, 8)),
    "blocks.SelfAttention2d": call(16, heads=4, forward=new(image, 16)),
    "blocks.choose_norm": call(16, devices=1, min_batch=16),
    "blocks.conv_norm_act": call(8, 8, kernel_size=3, stride=1, groups=1),
    "blocks.eca_kernel_size": call(16, gamma=2, b=1),
    "blocks.gn_groups": call(16, groups=8),
    "blocks.make_act": call("silu"),
    "blocks.make_attention": call("se", 16),
    "blocks.make_block": call("basic", 8, 8, n=1),
    "blocks.make_norm": call("bn", 8),
    "blocks.reparameterize": call(new(lambda: fpnlab.RepVGGBlock(8, 8).eval())),
    "blocks.swap_norm_act": call(new(lambda: fpnlab.blocks.conv_norm_act(8, 8, norm="bn", act="relu"))),
    # fpnlab.necks
    "necks.FPN": call([8, 16, 32], 16, forward=new(pyramid)),
    "necks.PANet": call([8, 16, 32], 16, forward=new(pyramid)),
    "necks.YOLOPAN": call([8, 16, 32], depth=1, forward=new(pyramid)),
    "necks.YOLO11Neck": call([8, 16, 32], [8, 16, 32], forward=new(pyramid)),
    "necks.HybridEncoder": call([8, 16, 32], 16, heads=2, n=1, forward=new(pyramid)),
    "necks.GDNeck": call([8, 16, 32], 16, forward=new(pyramid)),
    "necks.ASFF": call([8, 16, 32], 16, compress=4, forward=new(pyramid)),
    "necks.BiFPN": call([8, 16, 32], 16, num_levels=3, repeats=1, forward=new(pyramid)),
    "necks.LastLevelP6P7": call(16, 16),
    "necks.LastLevelMaxPool": call(),
    "necks.fusion_weights": call(new(torch.ones, 2), "fast"),
    "necks.path_length": call(new(lambda: fpnlab.PANet([8, 16, 32], 16))),
    "necks.upsample_to": call(new(image, 8, 4), (8, 8)),
    "necks.LateralNeck": call([8, 16, 32], 16, forward=new(pyramid)),
    "necks.make_neck": call("fpn", [8, 16, 32], 16),
    "necks.neck_options": call("fpn"),
    # fpnlab.coco
    "coco.check_coco": call(new(good_coco)),
    "coco.coco_eval": call(new(good_coco), new(detections)),
    "coco.coco_results": call([{"boxes": torch.tensor([[0.0, 0.0, 4.0, 4.0]]), "scores": torch.tensor([0.9]),
                                "labels": torch.tensor([0])}], [1], category_ids=[1]),
    "coco.scaled_area_ranges": call(320),
    # fpnlab.metrics
    "metrics.cost": call(new(torch.nn.Conv2d, 3, 4, 3), new(image, 3), repeats=1, warmup=0, threads=1),
    "metrics.latency": call(new(torch.nn.Conv2d, 3, 4, 3), new(image, 3), repeats=1, warmup=0, threads=1),
    "metrics.n_params": call(new(torch.nn.Conv2d, 3, 4, 3)),
    "metrics.pareto_front": call([1.0, 2.0], [0.5, 0.6]),
    "metrics.within_budget": call([{"latency_ms": 1.0}], latency_ms=2.0),
    # fpnlab.detector
    "detector.Detector": call(new(tiny_backbone), new(lambda: fpnlab.FPN([8, 16, 32, 64], 8)),
                              new(lambda: importlib.import_module("fpnlab.heads").DenseHead(8, 2)),
                              strides=[4, 8, 16, 32], forward=new(image, 3, 64)),
    "detector.evaluate": call(new(tiny_detector), new(shapes), batch_size=2),
    "ablation.BackboneWithNeck": call(new(tiny_backbone), new(lambda: fpnlab.FPN([8, 16, 32, 64], 8)), 8,
                                      forward=new(image, 3, 64)),
    "ablation.PickLevels": call(new(tiny_backbone), ["C3", "C4"], forward=new(image, 3, 64)),
    "detector.tiny_detector": call(2, width=8, forward=new(image, 3, 64)),
    "detector.train": call(new(tiny_detector), new(shapes), steps=1, batch_size=2, progress=False),
    # fpnlab.data
    "data.make_image": call(new(np.random.default_rng, 0), 64, 2, 4, 16),
    "data.Shapes": call(n=2, size=64, max_objects=2, min_side=4),
    "data.ContextShapes": call(n=2, size=64),
    "data.letterbox": call(64),
    "data.CocoFolder": call(new(coco_folder_path)),
    "data.collate": call([(torch.zeros(3, 8, 8), {"boxes": torch.zeros(0, 4), "labels": torch.zeros(0)})]),
    "data.coco_loader": call(new(coco_folder), batch_size=1),
    "data.random_pyramid": call(64, [8, 16], first=3, batch=1),
    # fpnlab.datastats
    "datastats.size_bucket": call(100.0),
    "datastats.max_overlap": call(np.array([[0.0, 0.0, 4.0, 4.0], [2.0, 2.0, 6.0, 6.0]])),
    "datastats.pixel_stats": call(new(lambda: f"{coco_folder_path()}/1.png")),
    "datastats.dataset_stats": call(new(good_coco)),
    "datastats.assign_levels": call([10.0, 40.0], strides=(4, 8, 16, 32), min_cells=2),
    "datastats.design_hints": call(new(stats), input_size=640, strides=(4, 8, 16, 32)),
    "datastats.report": call(new(stats)),
    "datastats.plot": call(new(stats), bins=10),
    # fpnlab.preflight
    "preflight.preflight": call(new(tiny_detector), new(shapes), batch_size=2, steps=2),
    # fpnlab.design
    "design.design": call(new(lambda: _design_set()), input_size=64, necks=("fpn",), scales=("base",), threads=1),
    "design.coverage": call(new(lambda: __import__("fpnlab").dataset_stats(_design_set())), input_size=640),
    "design.propose_levels": call(new(lambda: __import__("fpnlab.design", fromlist=["coverage"]).coverage(
        __import__("fpnlab").dataset_stats(_design_set()))), 640),
    "design.scaled_sides": call(new(lambda: __import__("fpnlab").dataset_stats(_design_set())), 640),
    # fpnlab.ablation: the plan → model factories and the measurements
    "ablation.make_backbone": call({"name": "tiny", "widths": [8, 16, 32, 64]}),
    "ablation.make_neck": call({"name": "fpn", "width": 8}, [8, 16, 32], [8, 16, 32], "bn"),
    "ablation.make_detector": call(DETECTOR_CFG, 2),
    "ablation.make_data": call(DATA_CFG),
    "ablation.make_split": call(DATA_CFG, "train"),
    "ablation.measure": call(new(torch.nn.Conv2d, 3, 4, 3), 32, "cpu", 1, batch=1),
    "ablation.measure_plan": call(new(small_plan), size=32, threads=1, rounds=1, number=1, num_classes=2),
    "ablation.measure_configs": call(new(lambda: {"a": __import__("fpnlab.ablation", fromlist=["load_plan"]).load_plan(
        small_plan())["baseline"]}), size=32, threads=1, rounds=1, number=1, num_classes=2),
    # the rest of fpnlab's top level
    "backbones.TinyBackbone": call((8, 16, 32, 64), in_channels=3, forward=new(image, 3, 64)),
    "backbones.YOLOBackbone": call([8, 8, 16, 16, 32], [1, 1, 1, 1], forward=new(image, 3, 64)),
    "backbones.torchvision_backbone": call("resnet18", forward=new(image, 3, 64)),
    "backbones.timm_backbone": call("resnet18", forward=new(image, 3, 64)),
    "receptive.effective_receptive_field": call(new(torch.nn.Conv2d, 3, 4, 3, padding=1), 3, 16, batch=1),
}

# ------------------------------------------------------------------ which parameters, which bad values

SIZE_NAME = re.compile(r"^(c|cin|cout|channels|in_channels|out_channels|size|input_size|image_size|obj_px|"
                       r"stride|strides|n|num_\w+|n_\w+|repeats|steps|batch_size|batch|width|widths|depth|"
                       r"depths|heads|reduction|k|kernel_size|groups|bins|rounds|number|min_cells|"
                       r"min_batch|devices|threads|max_objects|min_side|max_side|dilation|gamma)$")
# Zero is a meaningful value here (no warm-up, offset b = 0, a level or seed numbered 0, ...;
# clutter=0: ContextShapes without clutter rings, as the ablation's data configs use;
# image_ids/category_ids: check_coco accepts id 0 for images and categories).
ZERO_OK = {"warmup", "b", "seed", "first", "decimals", "num_workers", "image_ids", "category_ids", "clutter"}
# Not sizes: indices into a list, where 0 and -1 are valid.
NOT_SIZES = {"from_level", "to_level", "out_indices"}

BAD_SCALARS = (0, -1, 1.5, True, "3", [])


def _annotation(p: inspect.Parameter) -> str:
    a = p.annotation
    return "" if a is inspect.Parameter.empty else (a if isinstance(a, str) else getattr(a, "__name__", str(a)))


def _size_like(p: inspect.Parameter) -> bool:
    ann = _annotation(p)
    if p.name in NOT_SIZES or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
        return False
    if re.fullmatch(r"bool(\s*\|\s*None)?", ann):
        return False
    return bool(re.search(r"\bint\b", ann)) or bool(SIZE_NAME.match(p.name))


def _number_like(v) -> bool:
    """``None``, a number, or a non-empty list of numbers: the values a size-like parameter takes."""
    if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
        return True
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)


def _bad_values(p: inspect.Parameter, valid) -> list:
    floats_ok = "float" in _annotation(p)
    if isinstance(valid, (list, tuple)) and valid and all(isinstance(v, (int, float)) for v in valid):
        inner = [b for b in (0, -1, 1.5, True) if not (b == 0 and b is not True and p.name in ZERO_OK)
                 and not (b == 1.5 and floats_ok)]
        return [type(valid)([b, *valid[1:]]) for b in inner] + ["3", []]
    return [b for b in BAD_SCALARS if not (b == 0 and b is not True and b is not False and p.name in ZERO_OK)
            and not (isinstance(b, float) and floats_ok)]


def _tensor_map(x, f):
    if isinstance(x, torch.Tensor):
        return f(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_tensor_map(v, f) for v in x)
    if isinstance(x, dict):
        return {k: _tensor_map(v, f) for k, v in x.items()}
    return x


BAD_INPUTS = {
    "an int64 tensor": lambda t: (t * 10).long(),
    "a 3-d tensor (no batch dimension)": lambda t: t[0],
    "an empty batch": lambda t: t[:0],
}


# ------------------------------------------------------------------ the walk

def _public(modname: str):
    mod = importlib.import_module(f"fpnlab.{modname}")
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, v in vars(mod).items() if not n.startswith("_")
                 and getattr(v, "__module__", "").startswith(mod.__name__)]
    for n in names:
        obj = getattr(mod, n)
        if callable(obj) and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
            yield f"{modname}.{n}", obj


def api() -> dict:
    """``{name: object}`` for every callable of the book's API (one name per object)."""
    out, seen = {}, {}
    entries = [e for m in MODULES for e in _public(m)]
    ablation = importlib.import_module("fpnlab.ablation")
    entries += [(f"ablation.{n}", getattr(ablation, n)) for n in ABLATION]
    for n in fpnlab._API:
        obj = getattr(fpnlab, n)
        if callable(obj) and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
            mod = getattr(obj, "__module__", "") or ""
            short = mod.removeprefix("fpnlab.").split(".")[0]
            entries.append((f"{short}.{n}" if short not in ("i18n", "fpnlab") else n, obj))
    for name, obj in entries:
        if id(obj) in seen:
            continue
        key = name if name in VALID or name in NOT_CALLED else next(
            (k for k in VALID if _lookup(k) is obj), name)
        seen[id(obj)] = key
        out[key] = obj
    return out


def _lookup(key: str):
    """The object ``VALID``'s key names (``"levels.stride_table"`` → fpnlab.levels.stride_table)."""
    mod, _, name = key.rpartition(".")
    try:
        return getattr(importlib.import_module(f"fpnlab.{mod}" if mod else "fpnlab"), name)
    except (ImportError, AttributeError):
        return None


API = api()


def test_every_public_callable_has_a_valid_call():
    missing = sorted(k for k in API if k not in VALID and k not in NOT_CALLED)
    assert not missing, ("public callables without a valid call in tests/test_api_door.py: add an entry to VALID "
                         "(one valid call with minimal arguments) or to NOT_CALLED (with the reason): "
                         + ", ".join(missing))
    stale = sorted(k for k in VALID if _lookup(k) is None)
    assert not stale, f"VALID entries that name nothing (renamed or moved? update them): {', '.join(stale)}"
    assert len(API) >= 90, len(API)  # the walk sees the whole API


def _outcome(fn) -> str | None:
    """``None`` when ``fn()`` raises an FpnlabError, else what happened instead."""
    try:
        fn()
    except FpnlabError:
        return None
    except Exception as e:  # noqa: BLE001 - the point is to name what came instead
        return f"{type(e).__module__}.{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
    return "accepted silently"


@pytest.fixture(autouse=True)
def _english():
    fpnlab.set_lang("en")
    yield
    fpnlab.set_lang("en")


@pytest.mark.parametrize("name", sorted(k for k in VALID if k in API))
def test_the_door_refuses_bad_arguments(name):
    obj, spec = API[name], VALID[name]

    def build(args=spec.args, kwargs=spec.kwargs):
        return obj(*[_resolve(a) for a in args], **{k: _resolve(v) for k, v in kwargs.items()})

    torch.manual_seed(0)
    made = build()  # the valid call runs
    failures = []
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        bound = sig.bind_partial(*spec.args, **spec.kwargs)
        for p in sig.parameters.values():
            if not _size_like(p):
                continue
            valid = bound.arguments.get(p.name, p.default)
            if not _number_like(valid):
                continue  # e.g. a config dict named n, a batch of samples named batch
            if valid is None and re.search(r"Sequence|list", _annotation(p)):
                continue  # a list left at None: no valid list to spoil (give one in VALID to test it)
            for bad in _bad_values(p, valid):
                b = sig.bind_partial(*spec.args, **spec.kwargs)
                b.arguments[p.name] = bad
                what = _outcome(lambda b=b: build(b.args, b.kwargs))
                if what:
                    failures.append(f"{p.name}={bad!r}: {what}")
    if spec.forward is not None:
        module = made.eval() if isinstance(made, torch.nn.Module) else made
        x = _resolve(spec.forward)
        with torch.no_grad():
            module(x)  # the valid input runs
            for label, f in BAD_INPUTS.items():
                what = _outcome(lambda f=f: module(_tensor_map(x, f)))
                if what:
                    failures.append(f"forward({label}): {what}")
    assert not failures, f"{name}: " + "\n  ".join(["not refused with an FpnlabError:", *failures])


def test_bad_value_tables_are_as_documented():
    p = inspect.Parameter("out_channels", inspect.Parameter.KEYWORD_ONLY, annotation="int")
    assert _bad_values(p, 256) == [0, -1, 1.5, True, "3", []]
    q = inspect.Parameter("strides", inspect.Parameter.KEYWORD_ONLY, annotation="Sequence[int]")
    assert _bad_values(q, (8, 16)) == [(0, 16), (-1, 16), (1.5, 16), (True, 16), "3", []]
    w = inspect.Parameter("warmup", inspect.Parameter.KEYWORD_ONLY, annotation="int")
    assert 0 not in [v for v in _bad_values(w, 3) if v is not True] and -1 in _bad_values(w, 3)
    s = inspect.Parameter("image_size", inspect.Parameter.KEYWORD_ONLY, annotation="float")
    assert 1.5 not in _bad_values(s, 640.0) and 0 in _bad_values(s, 640.0)
    assert not _size_like(inspect.Parameter("smooth", inspect.Parameter.KEYWORD_ONLY, annotation="bool"))
    assert _outcome(lambda: fpnlab.arguments.check_int("n", 0)) is None
    assert _outcome(lambda: int("x")).startswith("builtins.ValueError")
    assert _outcome(lambda: None) == "accepted silently"
