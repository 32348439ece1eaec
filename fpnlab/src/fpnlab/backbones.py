"""Backbones that return the levels C2..C5 as a dict, with their channels and strides as data:
:class:`TinyBackbone` (ours), :class:`YOLOBackbone` (YOLOv8's backbone with its stride plan,
widths, depths, block, norm, activation, attention and drop path as arguments),
:func:`torchvision_backbone` and :func:`timm_backbone` (any timm model that supports
``features_only=True``; timm is imported only there).

Every backbone here has ``feature_info``: a list of :class:`fpnlab.levels.Level` (name,
channels, stride) that a neck can be built from and that :func:`fpnlab.levels.check_feature_info`
can verify against a real forward pass.

>>> bb = TinyBackbone()
>>> [(lv.name, lv.channels, lv.stride) for lv in bb.feature_info]
[('C2', 16, 4), ('C3', 32, 8), ('C4', 64, 16), ('C5', 128, 32)]
>>> {k: tuple(v.shape) for k, v in bb(torch.zeros(1, 3, 64, 64)).items()}
{'C2': (1, 16, 16, 16), 'C3': (1, 32, 8, 8), 'C4': (1, 64, 4, 4), 'C5': (1, 128, 2, 2)}
"""
from __future__ import annotations

import inspect
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import torch
from torch import nn
from torchvision.ops import DropBlock2d, drop_block2d

from .blocks.layers import check_rate, conv_norm_act
from .arguments import check_bool, check_image_batch, check_int, check_ints, is_int
from .errors import ArgumentError, FpnlabError, UnknownNameError
from .i18n import Strings
from .levels import Level, as_levels, level_name, measure_strides

# This module's own text, both languages side by side per key (Strings checks both are there).
_t = Strings({
    "tiny_widths": {
        "en": "TinyBackbone: widths = {got!r} must be 4 positive integers (C2..C5). Fix: pass e.g. widths=(16, 32, 64, 128).",
        "tr": "TinyBackbone: widths = {got!r}, 4 pozitif tam sayı (C2..C5) olmalı. Düzeltme: örneğin widths=(16, 32, 64, 128) ver."},
    "tv_family": {
        "en": "torchvision_backbone: no C2..C5 map for torchvision model {name!r}. Fix: pick a model of the families "
              "resnet*/resnext*/wide_resnet*, convnext_*, efficientnet_*, mobilenet_v3_large; for another model, "
              "pick its stage outputs with torchvision.models.feature_extraction.get_graph_node_names",
        "tr": "torchvision_backbone: {name!r} torchvision modeli için C2..C5 eşlemesi yok. Düzeltme: "
              "resnet*/resnext*/wide_resnet*, convnext_*, efficientnet_*, mobilenet_v3_large ailelerinden bir "
              "model seç; başka bir model için stage çıktılarını "
              "torchvision.models.feature_extraction.get_graph_node_names ile seç"},
    "tv_unknown": {
        "en": "torchvision_backbone: torchvision has no model {name!r}. Fix: pick a name from "
              "torchvision.models.list_models(), e.g. \"resnet18\" or \"convnext_tiny\"",
        "tr": "torchvision_backbone: torchvision'da {name!r} adlı bir model yok. Düzeltme: "
              "torchvision.models.list_models() içinden bir ad seç, örneğin \"resnet18\" ya da \"convnext_tiny\""},
    "tv_weights": {
        "en": "could not download the pretrained weights {weights!r} for {name} ({err}). Everything in this book runs "
              "offline with weights=None (random init, the default). Fix: run once with internet access, or put the "
              "checkpoint file in $TORCH_HOME/hub/checkpoints/.",
        "tr": "{name} için {weights!r} önceden eğitilmiş ağırlıkları indirilemedi ({err}). Bu kitaptaki her şey "
              "weights=None ile (rastgele başlangıç, varsayılan) offline çalışır. Düzeltme: bir kez internet "
              "bağlantısıyla çalıştır ya da checkpoint dosyasını $TORCH_HOME/hub/checkpoints/ içine koy."},
    "timm_unknown": {
        "en": "timm_backbone: Unknown model {name!r}: timm has no model of that name. Fix: pick one from "
              "timm.list_models(), e.g. \"resnet18\" or \"convnext_atto\"",
        "tr": "timm_backbone: Unknown model {name!r}: timm'de bu adda bir model yok. Düzeltme: timm.list_models() "
              "içinden bir ad seç, örneğin \"resnet18\" ya da \"convnext_atto\""},
    "timm_weights": {
        "en": "could not load the pretrained timm weights for {name} ({err}). Everything in this book runs offline "
              "with pretrained=False (random init, the default). Fix: run once with internet access (timm downloads "
              "from the Hugging Face Hub into $HF_HOME), then set HF_HUB_OFFLINE=1.",
        "tr": "{name} için önceden eğitilmiş timm ağırlıkları yüklenemedi ({err}). Bu kitaptaki her şey "
              "pretrained=False ile (rastgele başlangıç, varsayılan) offline çalışır. Düzeltme: bir kez internet "
              "bağlantısıyla çalıştır (timm, Hugging Face Hub'dan $HF_HOME içine indirir), sonra HF_HUB_OFFLINE=1 yap."},
    "timm_strides": {
        "en": "timm model {name!r} has outputs at strides {got}, not one at each of {want}. Fix: pass out_indices= "
              "(positions in timm.create_model(name, features_only=True).feature_info) to choose its levels",
        "tr": "timm modeli {name!r} çıktılarını {got} stride'larında veriyor, {want} stride'larının her birinde bir "
              "tane değil. Düzeltme: seviyelerini seçmek için out_indices= ver (timm.create_model(name, "
              "features_only=True).feature_info içindeki konumlar)"},
    "pos_number": {
        "en": "{where}: {name} = {value!r} must be a number > 0. Fix: pass e.g. {name}=0.5.",
        "tr": "{where}: {name} = {value!r} 0'dan büyük bir sayı olmalı. Düzeltme: örneğin {name}=0.5 ver."},
    "yb_len": {
        "en": "YOLOBackbone: {what} needs {n:d} numbers ({names}); got {m:d}: {got}. Fix: pass {n:d} positive integers.",
        "tr": "YOLOBackbone: {what} için {n:d} sayı gerekir ({names}); {m:d} tane geldi: {got}. Düzeltme: {n:d} pozitif tam sayı ver."},
    "yb_positive": {
        "en": "YOLOBackbone: {what} must be positive integers; got {got}. Fix: pass whole numbers ≥ 1 (floats and bools are refused).",
        "tr": "YOLOBackbone: {what} pozitif tam sayı olmalı; gelen: {got}. Düzeltme: 1 ya da daha büyük tam sayılar ver (float ve bool kabul edilmez)."},
    "yb_pow2": {
        "en": "YOLOBackbone: strides={got} give cumulative strides {cum}; {bad} is not a power of "
              "2, so no level C_k (stride 2^k) exists there. Use strides of 1, 2 or 4 per step "
              "(e.g. (2, 2, 2, 2, 2) or a stride-4 stem (4, 1, 2, 2, 2))",
        "tr": "YOLOBackbone: strides={got} birikimli stride'ları {cum} veriyor; {bad} sayısı 2'nin "
              "bir kuvveti değil, o yüzden orada bir C_k seviyesi (stride 2^k) olamaz. Her adımda 1, 2 "
              "ya da 4 stride kullan (ör. (2, 2, 2, 2, 2) ya da stride'ı 4 olan bir stem: "
              "(4, 1, 2, 2, 2))"},
    "yb_repeat": {
        "en": "YOLOBackbone: strides={got} give the stages cumulative strides {cum}: two stages end "
              "at the same stride, so two outputs would both be named {name}. Give every stage "
              "after the first a stride of at least 2 (a stride of 1 fits only the first stage, "
              "which then keeps the stem's resolution)",
        "tr": "YOLOBackbone: strides={got} stage'lere {cum} birikimli stride'larını veriyor: iki "
              "stage aynı stride'da bitiyor, iki çıktının adı da {name} olurdu. İlkinden sonraki "
              "her stage'e en az 2 stride ver (stride 1 yalnızca ilk stage'e uyar; o stage "
              "stem'in çözünürlüğünde kalır)"},
    "yb_choice": {
        "en": "YOLOBackbone: {what}={got!r} is not one of {choices}. Fix: pick one of them.",
        "tr": "YOLOBackbone: {what}={got!r}, {choices} değerlerinden biri değil. Düzeltme: bunlardan birini seç."},
    "yb_block": {
        "en": "YOLOBackbone: block={got!r} is neither a name in fpnlab.blocks.BLOCKS ({names}) nor a "
              "callable (cin, cout, n, norm, act) -> nn.Module. Fix: pick one of those names or pass such a callable.",
        "tr": "YOLOBackbone: block={got!r} ne fpnlab.blocks.BLOCKS içindeki bir ad ({names}) ne de "
              "(cin, cout, n, norm, act) -> nn.Module biçiminde çağrılabilir bir nesne. Düzeltme: bu adlardan "
              "birini seç ya da böyle bir nesne ver."},
    "yb_att_level": {
        "en": "YOLOBackbone: attention names level {got!r}, but this stride plan has the levels "
              "{names}; use those keys (e.g. {{\"{last}\": \"se\"}})",
        "tr": "YOLOBackbone: attention {got!r} seviyesini istiyor, ama bu stride planının "
              "seviyeleri {names}; bu anahtarları kullan (ör. {{\"{last}\": \"se\"}})"},
    "yb_drop": {
        "en": "YOLOBackbone: drop_path={got} must be in [0, 1): it is the largest probability of "
              "dropping a residual branch. Fix: pass e.g. drop_path=0.1",
        "tr": "YOLOBackbone: drop_path={got} [0, 1) aralığında olmalı: bir residual dalın "
              "atılma olasılığının en büyük değeri. Düzeltme: örneğin drop_path=0.1 ver"},
    "yb_dropblock_rate": {
        "en": "YOLOBackbone: drop_block={got} must be in [0, 1): it is the probability that DropBlock drops "
              "a cell (in squares of drop_block_size). Fix: pass e.g. drop_block=0.1",
        "tr": "YOLOBackbone: drop_block={got} [0, 1) aralığında olmalı: DropBlock'un bir hücreyi "
              "(drop_block_size kenarlı karelerle) atma olasılığıdır. Düzeltme: örneğin drop_block=0.1 ver"},
    "yb_drop_block": {
        "en": "YOLOBackbone: drop_path={got} with a custom block, but the block does not take a "
              "drop_path= argument; add one (a list of per-bottleneck rates) or use drop_path=0",
        "tr": "YOLOBackbone: özel bir block ile drop_path={got} verildi, ama block drop_path= "
              "argümanı almıyor; bir tane ekle (bottleneck başına oranların listesi) ya da "
              "drop_path=0 kullan"},
    "yb_scale": {
        "en": "YOLOBackbone.yolov8: unknown scale {got!r}; YOLOv8 has the scales {choices}. Fix: pick one of them.",
        "tr": "YOLOBackbone.yolov8: bilinmeyen ölçek {got!r}; YOLOv8'in ölçekleri {choices}. Düzeltme: bunlardan birini seç."},
    "yb_load": {
        "en": "ultralytics layer {index:d} does not match YOLOBackbone.{name} (first shapes "
              "{theirs} vs {mine}): build the same scale (e.g. YOLOBackbone.yolov8(\"n\") for yolov8n.yaml) "
              "with block=\"c2f\", norm=\"bn\", no attention and sppf=True",
        "tr": "ultralytics'in {index:d}. katmanı YOLOBackbone.{name} ile uyuşmuyor (ilk boyutlar "
              "{theirs} ve {mine}): aynı ölçeği kur (ör. yolov8n.yaml için "
              "YOLOBackbone.yolov8(\"n\")); block=\"c2f\", norm=\"bn\", attention'sız ve sppf=True"},
})


class TinyBackbone(nn.Module):
    """A four-stage CNN small enough to train on a laptop CPU in seconds.

    ``(B, 3, H, W)`` → ``{"C2": (B, w0, H/4, W/4), "C3": (B, w1, H/8, W/8),
    "C4": (B, w2, H/16, W/16), "C5": (B, w3, H/32, W/32)}`` (sizes rounded up for odd inputs).

    A stride-2 stem, then four stages that each start with a stride-2 3×3 conv
    (conv-BN-ReLU, twice): strides 4, 8, 16, 32 — the stride map the FPN paper assumes.
    """

    def __init__(self, widths: Sequence[int] = (16, 32, 64, 128), in_channels: int = 3):
        super().__init__()
        ok = (isinstance(widths, Sequence) and not isinstance(widths, str) and len(widths) == 4
              and all(is_int(w) and w >= 2 for w in widths))
        if not ok:
            raise ArgumentError(_t("tiny_widths", got=widths))
        check_int("in_channels", in_channels, where="TinyBackbone")
        self.in_channels = in_channels
        stem = widths[0] // 2
        self.stem = conv_norm_act(in_channels, stem, 3, stride=2, norm="bn", act="relu")  # /2
        self.stages = nn.ModuleList()
        cin = stem
        for w in widths:  # each stage halves H and W: /4, /8, /16, /32
            self.stages.append(nn.Sequential(
                conv_norm_act(cin, w, 3, stride=2, norm="bn", act="relu"),
                conv_norm_act(w, w, 3, stride=1, norm="bn", act="relu"),
            ))
            cin = w
        self.feature_info = [Level(f"C{k}", w, 2 ** k) for k, w in zip(range(2, 6), widths)]

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        check_image_batch("x", x, channels=self.in_channels, where="TinyBackbone")
        x = self.stem(x)
        out = OrderedDict()
        for lv, stage in zip(self.feature_info, self.stages):
            x = stage(x)
            out[lv.name] = x
        return out

    @staticmethod
    def seed_demo() -> "SeedDemoBackbone":
        """The seed notebook's ``DummyBackbone``, bug included (see :class:`SeedDemoBackbone`)."""
        return SeedDemoBackbone()


class SeedDemoBackbone(nn.Module):
    """The seed notebook's demo backbone, reproduced as it was written.

    Four stride-2 convs (3→256→512→1024→2048 channels, ReLU) straight from the image, so its
    outputs have strides **2, 4, 8, 16** — while its ``feature_info`` (like the seed's text)
    declares the C2..C5 strides 4, 8, 16, 32. :func:`fpnlab.levels.check_feature_info` catches it.
    """

    def __init__(self):
        super().__init__()
        self.c2 = nn.Sequential(nn.Conv2d(3, 256, 3, stride=2, padding=1), nn.ReLU())
        self.c3 = nn.Sequential(nn.Conv2d(256, 512, 3, stride=2, padding=1), nn.ReLU())
        self.c4 = nn.Sequential(nn.Conv2d(512, 1024, 3, stride=2, padding=1), nn.ReLU())
        self.c5 = nn.Sequential(nn.Conv2d(1024, 2048, 3, stride=2, padding=1), nn.ReLU())
        # what the seed claims, not what the layers do
        self.feature_info = [Level("C2", 256, 4), Level("C3", 512, 8), Level("C4", 1024, 16),
                             Level("C5", 2048, 32)]

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        c2 = self.c2(x)
        c3 = self.c3(c2)
        c4 = self.c4(c3)
        c5 = self.c5(c4)
        return OrderedDict(C2=c2, C3=c3, C4=c4, C5=c5)


# Nodes that end the stride-4/8/16/32 stages, per torchvision model family.
_RETURN_NODES = {
    "resnet": ("layer1", "layer2", "layer3", "layer4"),  # also resnext*, wide_resnet*
    "convnext": ("features.1", "features.3", "features.5", "features.7"),
    "efficientnet": ("features.2", "features.3", "features.5", "features.7"),
    "mobilenet_v3_large": ("features.3", "features.6", "features.12", "features.16"),
}


def _family(name: str) -> str:
    if name.startswith(("resnet", "resnext", "wide_resnet")):
        return "resnet"
    for fam in ("convnext", "efficientnet", "mobilenet_v3_large"):
        if name.startswith(fam):
            return fam
    raise UnknownNameError(_t("tv_family", name=name))


class WeightsUnavailableError(FpnlabError, RuntimeError):
    """Pretrained weights were requested but could not be downloaded (e.g. offline)."""


class TorchvisionBackbone(nn.Module):
    """A torchvision classification model cut into C2..C5 with ``create_feature_extractor``.

    ``(B, 3, H, W)`` → ``{"C2": (B, c2, H/4, W/4), ..., "C5": (B, c5, H/32, W/32)}``.
    ``feature_info`` is measured once at construction, not typed in.
    """

    def __init__(self, name: str = "resnet18", weights=None):
        super().__init__()
        from torchvision.models import get_model, list_models
        from torchvision.models.feature_extraction import create_feature_extractor

        if not isinstance(name, str) or name not in list_models():
            raise UnknownNameError(_t("tv_unknown", name=name))
        nodes = _RETURN_NODES[_family(name)]
        try:
            model = get_model(name, weights=weights)
        except (OSError, RuntimeError) as err:  # URLError is an OSError
            if weights is None:
                raise
            raise WeightsUnavailableError(_t("tv_weights", weights=weights, name=name, err=err)) from err
        self.name = name
        self.body = create_feature_extractor(
            model, return_nodes={n: f"C{k}" for n, k in zip(nodes, range(2, 6))})
        self.feature_info = [Level(lv.name, lv.channels, lv.stride)
                             for lv in measure_strides(self.body, 64)]

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        check_image_batch("x", x, where="TorchvisionBackbone")
        return OrderedDict(self.body(x))


def torchvision_backbone(name: str = "resnet18", weights=None) -> TorchvisionBackbone:
    """C2..C5 of a torchvision model. ``weights=None`` (default) is random init and offline;
    ``weights="DEFAULT"`` downloads pretrained weights (opt-in; a clear error when offline)."""
    return TorchvisionBackbone(name, weights)


class TimmBackbone(nn.Module):
    """A timm model built with ``features_only=True``, returning a dict of levels named by stride.

    ``(B, 3, H, W)`` → ``{"C2": (B, c2, H/4, W/4), ..., "C5": (B, c5, H/32, W/32)}`` by default.
    ``feature_info`` is a list of :class:`~fpnlab.levels.Level` read from timm's own
    ``FeatureInfo`` (channels and ``reduction``); ``timm_info`` keeps timm's object.
    """

    def __init__(self, name: str, out_indices: Sequence[int] | None = None, pretrained: bool = False,
                 strides: Sequence[int] = (4, 8, 16, 32), **timm_kwargs):
        super().__init__()
        import timm  # the one place fpnlab needs timm (pip install "fpnlab[timm]")

        if not isinstance(name, str) or not timm.is_model(name):
            raise UnknownNameError(_t("timm_unknown", name=name))
        check_bool("pretrained", pretrained, where="timm_backbone")
        check_ints("strides", strides, where="timm_backbone")
        if out_indices is not None:
            check_ints("out_indices", out_indices, minimum=0, where="timm_backbone")
        kwargs = dict(features_only=True, pretrained=pretrained, **timm_kwargs)
        if out_indices is not None:
            kwargs["out_indices"] = tuple(out_indices)
        try:
            model = timm.create_model(name, **kwargs)
        except Exception as err:  # hub download errors come in many classes (OSError, HTTP, ...)
            if not pretrained or not timm.is_model(name) or isinstance(err, TypeError):
                raise  # not a download problem: unknown model, bad argument
            raise WeightsUnavailableError(_t("timm_weights", name=name, err=f"{type(err).__name__}: {err}")) from err
        self.name = name
        self.body = model
        self.timm_info = model.feature_info
        levels = as_levels(model.feature_info)
        if out_indices is None:  # keep the outputs at the wanted strides (C2..C5)
            keep = [i for i, lv in enumerate(levels) if lv.stride in tuple(strides)]
            if [levels[i].stride for i in keep] != sorted(set(strides)):
                raise ArgumentError(_t("timm_strides", name=name, got=[lv.stride for lv in levels],
                                       want=list(strides)))
        else:
            keep = list(range(len(levels)))
        self.keep = keep
        self.feature_info = [Level(level_name(levels[i].stride, "C"), levels[i].channels, levels[i].stride)
                             for i in keep]

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        check_image_batch("x", x, where="TimmBackbone")
        feats = self.body(x)
        return OrderedDict((lv.name, feats[i]) for lv, i in zip(self.feature_info, self.keep))


def timm_backbone(name: str = "resnet18", out_indices: Sequence[int] | None = None,
                  pretrained: bool = False, **timm_kwargs) -> TimmBackbone:
    """C2..C5 of a timm model, with ``feature_info`` as fpnlab levels (names ``C{log2 stride}``).

    ``out_indices=None`` keeps timm's outputs at strides 4, 8, 16, 32; pass timm's
    ``out_indices`` to pick others (e.g. ``(2, 3, 4)`` for C3..C5 of a ResNet).
    ``pretrained=False`` (default) is random init and offline; ``pretrained=True`` downloads the
    weights (opt-in; :class:`WeightsUnavailableError` when that fails). Extra keyword arguments
    go to ``timm.create_model``.

    >>> bb = timm_backbone("resnet18")  # doctest: +SKIP
    >>> [(lv.name, lv.channels, lv.stride) for lv in bb.feature_info]  # doctest: +SKIP
    [('C2', 64, 4), ('C3', 128, 8), ('C4', 256, 16), ('C5', 512, 32)]
    """
    return TimmBackbone(name, out_indices, pretrained, **timm_kwargs)


# --------------------------------------------------------------------------------------------
# YOLOBackbone: YOLOv8's backbone (ultralytics layers 0-9) with every design choice a parameter
# --------------------------------------------------------------------------------------------

# ultralytics' yolov8.yaml: backbone channels (stem, C2..C5) and C2f repeats before scaling, and
# the compound-scaling constants per scale: [depth multiple, width multiple, max channels]
YOLOV8_WIDTHS = (64, 128, 256, 512, 1024)
YOLOV8_DEPTHS = (3, 6, 6, 3)
YOLOV8_SCALES = {"n": (0.33, 0.25, 1024), "s": (0.33, 0.50, 1024), "m": (0.67, 0.75, 768),
                 "l": (1.00, 1.00, 512), "x": (1.00, 1.25, 512)}


def make_divisible(x: float, divisor: int = 8) -> int:
    """The smallest multiple of ``divisor`` that is ``>= x`` (ultralytics' rounding of widths).

    >>> make_divisible(64 * 0.25), make_divisible(768 * 0.75), make_divisible(20.1)
    (16, 576, 24)
    """
    _positive("x", x, "make_divisible")
    check_int("divisor", divisor, where="make_divisible")
    return int(math.ceil(x / divisor) * divisor)


def _positive(name: str, value, where: str) -> float:
    """A finite number > 0 (bools refused)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if not ok:
        raise ArgumentError(_t("pos_number", where=where, name=name, value=value))
    return value


def yolov8_plan(scale: str, depth: float | None = None, width: float | None = None,
                max_channels: int | None = None) -> tuple[list[int], list[int]]:
    """``(widths, depths)`` of YOLOv8's backbone at ``scale`` (or at any ``depth``/``width``
    multiples and ``max_channels``, which override the scale's), rounded as ultralytics'
    ``parse_model`` does: width ``make_divisible(min(c, max_channels) · width, 8)``, depth
    ``max(round(n · depth), 1)``.

    >>> yolov8_plan("n")
    ([16, 32, 64, 128, 256], [1, 2, 2, 1])
    >>> yolov8_plan("m")
    ([48, 96, 192, 384, 576], [2, 4, 4, 2])
    """
    if not isinstance(scale, str) or scale not in YOLOV8_SCALES:
        raise UnknownNameError(_t("yb_scale", got=scale, choices=", ".join(YOLOV8_SCALES)))
    for arg, value in (("depth", depth), ("width", width)):
        if value is not None:
            _positive(arg, value, "yolov8_plan")
    if max_channels is not None:
        check_int("max_channels", max_channels, where="yolov8_plan")
    d, w, mc = YOLOV8_SCALES[scale]
    d = d if depth is None else depth
    w = w if width is None else width
    mc = mc if max_channels is None else max_channels
    widths = [make_divisible(min(c, mc) * w, 8) for c in YOLOV8_WIDTHS]
    depths = [max(round(n * d), 1) if n > 1 else n for n in YOLOV8_DEPTHS]
    return widths, depths


def drop_path_rates(max_rate: float, n: int) -> list[float]:
    """The usual stochastic-depth schedule: ``n`` rates rising linearly from 0 (first block) to
    ``max_rate`` (last block), as in timm, ConvNeXt and Swin.

    >>> drop_path_rates(0.1, 5)
    [0.0, 0.025, 0.05, 0.075, 0.1]
    """
    check_rate("max_rate", max_rate, "drop_path_rates")
    check_int("n", n, where="drop_path_rates")
    if n == 1:
        return [0.0]
    return [round(max_rate * i / (n - 1), 12) for i in range(n)]


def _ints(values, n: int, what: str, names: str) -> list[int]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise ArgumentError(_t("yb_positive", what=what, got=values))
    values = list(values)
    if len(values) != n:
        raise ArgumentError(_t("yb_len", what=what, n=n, names=names, m=len(values), got=values))
    if not all(is_int(v) and v > 0 for v in values):
        raise ArgumentError(_t("yb_positive", what=what, got=values))
    return values


def stride_plan(strides: Sequence[int]) -> list[int]:
    """Cumulative strides of the stages (stem excluded) for the five step strides of
    :class:`YOLOBackbone`, checked: each must be a power of 2 and larger than the one before
    (else two outputs would share a name ``C_k``). Errors say what to change.

    >>> stride_plan((2, 2, 2, 2, 2)), stride_plan((4, 1, 2, 2, 2))
    ([4, 8, 16, 32], [4, 8, 16, 32])
    >>> stride_plan((2, 1, 2, 2, 2))
    [2, 4, 8, 16]
    """
    strides = _ints(strides, 5, "strides", "stem, C2..C5")
    cum, s = [], 1
    for step in strides:
        s *= step
        cum.append(s)
    bad = [c for c in cum if c & (c - 1)]
    if bad:
        raise ArgumentError(_t("yb_pow2", got=tuple(strides), cum=cum, bad=bad[0]))
    stages = cum[1:]
    for a, b in zip(stages, stages[1:]):
        if b <= a:
            raise ArgumentError(_t("yb_repeat", got=tuple(strides), cum=stages,
                                name=level_name(b, "C")))
    return stages


class _DropBlock(DropBlock2d):
    """``torchvision.ops.DropBlock2d`` whose square shrinks to the largest odd side that fits a
    small map (torchvision clamps it to the map and then refuses an even side, e.g. 2 × 2)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        side = min(self.block_size, x.shape[-2], x.shape[-1])
        side -= 1 - side % 2
        return drop_block2d(x, self.p, max(1, side), self.inplace, self.eps, self.training)


class YOLOBackbone(nn.Module):
    """YOLOv8's backbone (ultralytics layers 0–9) with its design choices as arguments.

    Layout: a stem ``Conv 3×3`` (stride ``strides[0]``), then four stages, each a ``Conv 3×3``
    (stride ``strides[i]``) and a block (default: ``C2f(n=depths[i-1], shortcut=True)``); with
    ``sppf=True`` an ``SPPF(k=5)`` follows the last stage and its output is the top level.
    ``(B, 3, H, W)`` → ``OrderedDict`` ``{"C2": (B, widths[1], H/4, W/4), ..., "C5": (B,
    widths[4], H/32, W/32)}`` for the default strides; each output is named
    ``C{log2(cumulative stride)}`` (sizes rounded up for odd inputs).

    Args:
        widths: 5 channel counts: the stem, then stages C2..C5 (YOLOv8n: 16, 32, 64, 128, 256).
        depths: 4 block repeats, one per stage (YOLOv8n: 1, 2, 2, 1).
        strides: 5 step strides, the stem's and each stage's first conv's. ``(2, 2, 2, 2, 2)``
            gives C2..C5 at 4, 8, 16, 32; ``(4, 1, 2, 2, 2)`` is a stride-4 stem with the same
            levels; ``(2, 1, 2, 2, 2)`` keeps resolution longer: C1..C4.
        block: ``"c2f"``, another name in :data:`fpnlab.blocks.BLOCKS` (``"repvgg"``, ...) or a callable ``(cin, cout, n, norm, act) -> nn.Module`` building each
            stage's block (it may take ``drop_path=`` too, a list of ``n`` rates).
        norm: ``"bn"`` (YOLOv8's BatchNorm, ``eps=1e-3, momentum=0.03``) or ``"gn"`` (GroupNorm,
            :func:`fpnlab.blocks.layers.gn_groups`), in every conv.
        act: ``"silu"`` (YOLOv8) or ``"relu"``, in every conv.
        attention: ``None``, a kind (``"se"``, ``"eca"``, ``"cbam"``, ``"coordatt"``:
            :func:`fpnlab.blocks.attention.make_attention`) after the block of every stage, or a dict
            ``{"C4": "se", ...}`` for some levels only (before SPPF on the last stage).
        drop_path: largest stochastic-depth rate (``torchvision.ops.StochasticDepth``, mode
            ``"row"``) on the bottlenecks' residual branches: the usual linear schedule, 0 at the
            first bottleneck of the backbone to ``drop_path`` at the last
            (:func:`drop_path_rates`); identity in eval mode; 0 adds no module.
        sppf: put ``SPPF(widths[4], widths[4], k=5)`` after the last stage (YOLOv8's layer 9).
        drop_block: DropBlock rate (``torchvision.ops.DropBlock2d``) after the block of the last
            two stages (C4, C5 with the default strides: where the DropBlock paper puts it, its
            groups 3 and 4); identity in eval mode; 0 adds no module.
        drop_block_size: the side of each dropped square, in cells of that stage's map.
        in_channels: image channels.

    ``feature_info`` (name, channels, stride per output) is **measured** on a probe input at
    construction (:func:`fpnlab.levels.measure_strides`), not derived from the arguments.
    :meth:`yolov8` builds the five YOLOv8 scales; :meth:`load_ultralytics` copies an ultralytics
    YOLOv8's weights (``tests/test_yolo_backbone.py`` checks equal outputs).

    >>> bb = YOLOBackbone.yolov8("n")
    >>> [(lv.name, lv.channels, lv.stride) for lv in bb.feature_info]
    [('C2', 32, 4), ('C3', 64, 8), ('C4', 128, 16), ('C5', 256, 32)]
    >>> {k: tuple(v.shape) for k, v in bb(torch.zeros(1, 3, 96, 128)).items()}
    {'C2': (1, 32, 24, 32), 'C3': (1, 64, 12, 16), 'C4': (1, 128, 6, 8), 'C5': (1, 256, 3, 4)}
    >>> bb4 = YOLOBackbone([16, 32, 64, 128, 256], [1, 2, 2, 1], strides=(4, 1, 2, 2, 2))
    >>> [lv.stride for lv in bb4.feature_info]
    [4, 8, 16, 32]
    """

    NORMS = ("bn", "gn")
    ACTS = ("silu", "relu")

    def __init__(self, widths: Sequence[int], depths: Sequence[int],
                 strides: Sequence[int] = (2, 2, 2, 2, 2), block="c2f", norm: str = "bn",
                 act: str = "silu", attention=None, drop_path: float = 0.0, sppf: bool = True,
                 drop_block: float = 0.0, drop_block_size: int = 3, in_channels: int = 3):
        super().__init__()
        from .blocks.attention import ATTENTIONS, make_attention
        from .blocks.yolo import C2f, SPPF, ConvBNSiLU

        widths = _ints(widths, 5, "widths", "stem, C2..C5")
        depths = _ints(depths, 4, "depths", "C2..C5")
        cum = stride_plan(strides)
        names = [level_name(s, "C") for s in cum]
        if norm not in self.NORMS:
            raise UnknownNameError(_t("yb_choice", what="norm", got=norm, choices=self.NORMS))
        if act not in self.ACTS:
            raise UnknownNameError(_t("yb_choice", what="act", got=act, choices=self.ACTS))
        if isinstance(block, str) and block != "c2f":  # the block zoo of chapter 12, by name
            from .blocks import BLOCKS

            if block not in BLOCKS:
                raise UnknownNameError(_t("yb_block", got=block, names=", ".join(sorted(BLOCKS))))
            block = BLOCKS[block]
        if not (block == "c2f" or callable(block)):
            from .blocks import BLOCKS

            raise UnknownNameError(_t("yb_block", got=block, names=", ".join(sorted(BLOCKS))))
        if attention is None or isinstance(attention, str):
            attention = {n: attention for n in names}
        elif isinstance(attention, Mapping):
            for key in attention:
                if key not in names:
                    raise UnknownNameError(_t("yb_att_level", got=key, names=names, last=names[-1]))
            attention = {n: attention.get(n) for n in names}
        else:
            raise UnknownNameError(_t("yb_choice", what="attention", got=attention,
                                choices=["None", "str", "dict"]))
        for kind in attention.values():
            if kind is not None and (not isinstance(kind, str) or kind not in ATTENTIONS):
                raise UnknownNameError(_t("yb_choice", what="attention", got=kind, choices=sorted(ATTENTIONS)))
        if not (isinstance(drop_path, (int, float)) and not isinstance(drop_path, bool) and 0 <= drop_path < 1):
            raise ArgumentError(_t("yb_drop", got=drop_path))
        if not (isinstance(drop_block, (int, float)) and not isinstance(drop_block, bool) and 0 <= drop_block < 1):
            raise ArgumentError(_t("yb_dropblock_rate", got=drop_block))
        check_bool("sppf", sppf, where="YOLOBackbone")
        check_int("drop_block_size", drop_block_size, where="YOLOBackbone")
        check_int("in_channels", in_channels, where="YOLOBackbone")
        if drop_path > 0 and block != "c2f":
            try:
                takes_drop = "drop_path" in inspect.signature(block).parameters
            except (TypeError, ValueError):  # a callable without a readable signature
                takes_drop = False
            if not takes_drop:
                raise ArgumentError(_t("yb_drop_block", got=drop_path))

        self.widths, self.depths, self.strides = widths, depths, list(strides)
        self.norm, self.act, self.attention = norm, act, attention
        rates = drop_path_rates(drop_path, sum(depths))
        self.drop_path_rates = rates if drop_path > 0 else [0.0] * sum(depths)

        self.stem = ConvBNSiLU(in_channels, widths[0], 3, strides[0], norm=norm, act=act)
        self.stages = nn.ModuleList()
        start = 0
        for i, (name, n) in enumerate(zip(names, depths)):
            cin, cout = widths[i], widths[i + 1]
            kwargs = {"drop_path": rates[start:start + n]} if drop_path > 0 else {}
            start += n
            if block == "c2f":
                body = C2f(cout, cout, n, shortcut=True, norm=norm, act=act, **kwargs)
            else:
                body = block(cout, cout, n, norm, act, **kwargs)
            parts = OrderedDict(conv=ConvBNSiLU(cin, cout, 3, strides[i + 1], norm=norm, act=act),
                                block=body)
            if drop_block > 0 and i >= len(depths) - 2:
                parts["drop_block"] = _DropBlock(drop_block, drop_block_size)
            if attention[name] is not None:
                parts["attention"] = make_attention(attention[name], cout)
            self.stages.append(nn.Sequential(parts))
        self.sppf = SPPF(widths[4], widths[4], 5, norm=norm, act=act) if sppf else None
        self._names = names
        probe = max(64, 2 * cum[-1])
        self.feature_info = [Level(lv.name, lv.channels, lv.stride)
                             for lv in measure_strides(self, probe, in_channels)]

    @classmethod
    def yolov8(cls, scale: str = "n", **kwargs) -> "YOLOBackbone":
        """YOLOv8's backbone at ``scale`` (``"n"``, ``"s"``, ``"m"``, ``"l"``, ``"x"``): widths and
        depths from :func:`yolov8_plan` (ultralytics' multiples, max channels and rounding).
        Other keyword arguments go to :class:`YOLOBackbone` (e.g. ``norm="gn"``).

        >>> [sum(p.numel() for p in YOLOBackbone.yolov8(s).parameters()) for s in "ns"]
        [1272656, 5079712]
        """
        widths, depths = yolov8_plan(scale)
        return cls(widths, depths, **kwargs)

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        check_image_batch("x", x, channels=self.stem[0].in_channels, where="YOLOBackbone")
        x = self.stem(x)
        out = OrderedDict()
        last = len(self.stages) - 1
        for i, (name, stage) in enumerate(zip(self._names, self.stages)):
            x = stage(x)
            if i == last and self.sppf is not None:
                x = self.sppf(x)
            out[name] = x
        return out

    def ultralytics_layers(self) -> list[tuple[str, nn.Module]]:
        """This backbone's modules in the order of ultralytics' YOLOv8 layers 0–9: stem, then
        (conv, block) per stage, then SPPF."""
        mods = [("stem", self.stem)]
        for i, stage in enumerate(self.stages):
            mods += [(f"stages[{i}].conv", stage.conv), (f"stages[{i}].block", stage.block)]
        if self.sppf is not None:
            mods.append(("sppf", self.sppf))
        return mods

    @torch.no_grad()
    def load_ultralytics(self, model: nn.Module) -> "YOLOBackbone":
        """Copy the weights of an ultralytics YOLOv8 ``DetectionModel`` (or its ``.model``
        ``Sequential``) of the same scale into this backbone: layers 0–9 (0–8 with
        ``sppf=False``); returns ``self``. Parameters and BN buffers are copied by position (the
        modules hold the same tensors in the same order under other names); any mismatch —
        another scale, GroupNorm, attention — is an error that says what to build."""
        layers = getattr(model, "model", model)
        for index, (name, ours) in enumerate(self.ultralytics_layers()):
            mine, theirs = list(ours.state_dict().values()), list(layers[index].state_dict().values())
            shapes = [tuple(v.shape) for v in mine], [tuple(v.shape) for v in theirs]
            if shapes[0] != shapes[1]:
                raise ArgumentError(_t("yb_load", index=index, name=name, theirs=shapes[1][:2],
                                    mine=shapes[0][:2]))
            for a, b in zip(mine, theirs):
                a.copy_(b)
        return self
