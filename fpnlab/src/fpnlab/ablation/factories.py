"""From a plan's configuration to the objects one run uses: data splits, backbone, neck, detector.

Every function reads one section of a configuration (:func:`fpnlab.ablation.load_plan` fills in
the defaults) and builds what it names, in a fixed order, so one configuration — one
``config_hash`` — always builds the same modules with the same parameter names from the same
random numbers. An option the target would ignore is refused with :class:`PlanError` (two names
for one model would make two records of one design); an unknown name (``neck.name``,
``data.kind``) raises :class:`PlanNameError`, which is both the plan's error and
:class:`fpnlab.errors.UnknownNameError`.

>>> from fpnlab.ablation import load_plan
>>> cfg = load_plan({"seeds": [0, 1], "baseline": {"neck": {"name": "fpn", "width": 16}}})["baseline"]
>>> model = make_detector(cfg, num_classes=2)
>>> type(model.neck).__name__, model.strides
('FPN', (4, 8, 16, 32))
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping

from ..arguments import check_int
from ..i18n import Strings
from .plan import PlanError, PlanNameError

_t = Strings({
    "option": {"en": "{where}: {option} is not an option of {target}; it takes {allowed}. The runner never ignores "
                     "an option (two names for one model). Fix: remove it or change {target}.",
               "tr": "{where}: {option}, {target} için bir seçenek değil; alabildikleri: {allowed}. Runner hiçbir "
                     "seçeneği yok saymaz (tek modele iki ad vermemek için). Düzeltme: onu kaldır ya da {target}'ı "
                     "değiştir."},
    "bifpn": {"en": "{where}: BiFPN always uses BatchNorm and has no attention option, so neck.options {option}={value} "
                    "would be ignored (the same model under two names). Fix: give BiFPN norm: bn or same with a BN "
                    "backbone, attention: null.",
              "tr": "{where}: BiFPN her zaman BatchNorm kullanır ve attention seçeneği yoktur; neck.options "
                    "{option}={value} yok sayılırdı (aynı model iki adla). Düzeltme: BiFPN'e norm: bn (ya da BN'li "
                    "bir backbone ile same) ve attention: null ver."},
    "neck": {"en": "neck.name={name!r} is not a neck of the runner. Fix: use one of {known}.",
             "tr": "neck.name={name!r} runner'ın bir neck'i değil. Düzeltme: şunlardan birini kullan: {known}."},
    "backbone": {"en": "backbone.name={name!r} is not a backbone of the runner. Fix: use tiny, yolo or a torchvision "
                        "classification model ({examples}, ...).",
                 "tr": "backbone.name={name!r} runner'ın bir backbone'u değil. Düzeltme: tiny, yolo ya da bir "
                       "torchvision sınıflandırma modeli kullan ({examples}, ...)."},
    "data": {"en": "data.kind={kind!r} is not a kind of data the runner reads. Fix: use context_shapes, shapes or coco.",
             "tr": "data.kind={kind!r}, runner'ın okuduğu bir veri türü değil. Düzeltme: context_shapes, shapes ya "
                   "da coco kullan."},
    "split": {"en": "make_split: split={split!r} is not a split. Fix: use train, val or test.",
              "tr": "make_split: split={split!r} bir bölüm değil. Düzeltme: train, val ya da test kullan."},
})

SPLITS = ("train", "val", "test")


# ---------------------------------------------------------------- data

def make_split(cfg: dict, split: str, base_dir=None):
    """One split (``"train"``, ``"val"`` or ``"test"``) of the plan's ``data`` section.

    Generated data: ``n_<split>`` images drawn from ``seed`` / ``val_seed`` / ``test_seed``
    (default 2); COCO folders: the folder named by ``train`` / ``val`` / ``test`` (a relative
    one is read from ``base_dir``, the plan file's folder, when given).
    """
    from ..data import CocoFolder, ContextShapes, Shapes, letterbox

    if split not in SPLITS:
        raise PlanNameError(_t("split", split=split))
    kind, size = cfg["kind"], cfg["size"]
    opts = dict(cfg.get("options") or {})
    if kind in ("context_shapes", "shapes"):
        cls = ContextShapes if kind == "context_shapes" else Shapes
        _check_options(cls, opts, "data.options", f"{cls.__name__}", skip=("n", "size", "seed"))
        seed = {"train": cfg["seed"], "val": cfg["val_seed"], "test": cfg.get("test_seed", 2)}[split]
        return cls(cfg[f"n_{split}"], size=size, seed=seed, **opts)
    if kind == "coco":  # a reader's own COCO folders: data: {kind: coco, train: DIR, val: DIR, test: DIR, size: 640}
        from pathlib import Path

        root = Path(cfg[split])
        if base_dir is not None and not root.is_absolute():
            root = Path(base_dir) / root
        return CocoFolder(root, transforms=letterbox(size))
    raise PlanNameError(_t("data", kind=kind))


def make_data(cfg: dict):
    """``(train_set, val_set)`` from the plan's ``data`` section (the same for every job)."""
    return make_split(cfg, "train"), make_split(cfg, "val")


def _check_options(target, opts: Mapping, where: str, name: str, skip=()) -> None:
    """Refuse any key of ``opts`` that ``target``'s constructor does not take (named in the error)."""
    params = inspect.signature(target).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    allowed = [k for k in params if k not in skip and k != "self"]
    for k in opts:
        if k not in allowed:
            raise PlanError(_t("option", where=where, option=k, target=name, allowed=", ".join(allowed)))


# ---------------------------------------------------------------- backbone

def make_backbone(b: dict):
    """The plan's ``backbone`` section → a backbone with ``feature_info``.

    ``{name: tiny, widths: [...]}`` → :class:`~fpnlab.backbones.TinyBackbone`;
    ``{name: yolo, widths: [5], depths: [4], norm, act, attention, drop_path, strides, block,
    sppf}`` → :class:`~fpnlab.backbones.YOLOBackbone` (every other key is passed on);
    any other name → a torchvision backbone (``resnet18``, ...; an unknown one raises
    :class:`fpnlab.errors.UnknownNameError`).
    """
    from ..backbones import TinyBackbone, torchvision_backbone

    opts = {k: v for k, v in b.items() if k != "name"}
    if b["name"] == "tiny":
        _check_options(TinyBackbone, opts, "backbone", "TinyBackbone", skip=("in_channels",))
        return TinyBackbone(b.get("widths", (16, 32, 64, 128)))
    if b["name"] == "yolo":
        from ..backbones import YOLOBackbone

        _check_options(YOLOBackbone, opts, "backbone", "YOLOBackbone", skip=("in_channels",))
        return YOLOBackbone(**opts)
    _check_options(torchvision_backbone, opts, "backbone", f"torchvision_backbone({b['name']!r})",
                   skip=("name", "weights"))
    import torchvision

    known = torchvision.models.list_models(module=torchvision.models)
    if b["name"] not in known:
        raise PlanNameError(_t("backbone", name=b["name"], examples=", ".join(n for n in known if n.startswith("resnet"))))
    return torchvision_backbone(b["name"])


# ---------------------------------------------------------------- neck

NECKS = ("none", "fpn", "panet", "bifpn", "yolopan", "yolo11", "hybrid", "gd", "asff")
# The options every neck gets from the plan itself, never from neck.options.
_GIVEN = ("in_channels", "out_channels", "in_strides")


def _neck_class(name: str):
    """The class a plan's ``neck.name`` stands for, from the neck registry :data:`fpnlab.necks.NECKS`
    (the plan calls the lateral-only neck ``none``). Each neck's plan-specific handling (``norm:
    same``, BiFPN's levels and repeats, PANet's options) stays in :func:`make_neck`."""
    from ..necks import NECKS as REGISTRY

    if name not in NECKS:
        raise PlanNameError(_t("neck", name=name, known=list(NECKS)))
    return REGISTRY[{"none": "lateral"}.get(name, name)]


def make_neck(n: dict, channels: list, strides: list, backbone_norm: str | None):
    """The plan's ``neck`` section → a neck over ``channels`` (fine → coarse) at ``strides``.

    ``options`` go to the neck's constructor; ``options.norm: same`` means "the backbone's norm"
    (so one change of ``backbone.norm`` switches the backbone and the neck together).
    BiFPN gets ``num_levels = len(levels)`` and ``repeats`` 1 unless the options say otherwise.
    An option the neck would ignore is refused (:class:`PlanError` naming it and what the neck
    takes): BiFPN always has BatchNorm and no attention, so it takes ``norm`` only as ``bn`` (or
    ``same`` over a BN backbone) and ``attention`` only as ``null``. An unknown ``name`` raises
    :class:`PlanNameError` listing :data:`NECKS`.
    """
    width, name = n["width"], n["name"]
    cls = _neck_class(name)
    opts = dict(n.get("options") or {})
    if opts.get("norm") == "same":
        opts["norm"] = backbone_norm
    if name == "fpn":
        _check_options(cls, opts, "neck.options", "FPN", skip=_GIVEN)
        return cls(channels, width, in_strides=strides, **opts)
    if name == "panet":
        from ..necks.fpn import FPN as _FPN  # PANet passes the rest on to its FPN
        allowed = {*inspect.signature(cls).parameters, *inspect.signature(_FPN).parameters}
        bad = [k for k in opts if k not in allowed or k in (*_GIVEN, "fpn_kwargs")]
        if bad:
            raise PlanError(_t("option", where="neck.options", option=bad[0], target="PANet",
                               allowed=", ".join(sorted(allowed - {*_GIVEN, "fpn_kwargs", "self"}))))
        return cls(channels, width, in_strides=strides, **opts)
    if name == "bifpn":
        for option, value, ok in (("norm", opts.pop("norm", None), (None, "bn")),
                                  ("attention", opts.pop("attention", None), (None,))):
            if value not in ok:
                raise PlanError(_t("bifpn", where="neck", option=option, value=value))
        _check_options(cls, opts, "neck.options", "BiFPN", skip=_GIVEN)
        return cls(channels, width, num_levels=opts.pop("num_levels", len(channels)),
                   repeats=opts.pop("repeats", 1), in_strides=strides, **opts)
    if name in ("yolopan", "yolo11", "hybrid", "gd", "asff"):  # C3, C4, C5 only, every output ``width`` wide
        from ..necks import make_neck as registry_neck

        _check_options(cls, opts, "neck.options", cls.__name__, skip=_GIVEN)
        return registry_neck(name, channels, width, in_strides=strides, **opts)
    # name == "none"
    _check_options(cls, opts, "neck.options", "LateralNeck (neck: none)",
                   skip=("in_channels", "out_channels", "strides"))
    return cls(channels, width, strides=strides, **opts)


# ---------------------------------------------------------------- detector

def make_detector(config: dict, num_classes: int):
    """Backbone → (:class:`~fpnlab.ablation.adapters.PickLevels`) → neck → head from the plan's
    ``backbone``, ``neck`` and ``head`` sections: a :class:`fpnlab.detector.Detector` whose
    ``forward`` takes ``(B, 3, H, W)``."""
    from ..detector import Detector
    from ..heads import DenseHead
    from .adapters import PickLevels

    num_classes = check_int("num_classes", num_classes, where="make_detector")
    b, n, h = config["backbone"], config["neck"], config["head"]
    backbone = make_backbone(b)
    levels = list(n.get("levels") or [lv.name for lv in backbone.feature_info])
    if levels != [lv.name for lv in backbone.feature_info]:
        backbone = PickLevels(backbone, levels)
    channels = [lv.channels for lv in backbone.feature_info]
    strides = [lv.stride for lv in backbone.feature_info]
    neck = make_neck(n, channels, strides, b.get("norm", "bn"))
    head = DenseHead(n["width"], num_classes, num_convs=h.get("num_convs", 2), norm=h.get("norm", "gn"))
    return Detector(backbone, neck, head, strides=strides)


__all__ = ["NECKS", "SPLITS", "make_backbone", "make_data", "make_detector", "make_neck", "make_split"]
