"""Backbones that return the levels C2..C5 as a dict, with their channels and strides as data:
:class:`TinyBackbone` (ours), :func:`torchvision_backbone` and :func:`timm_backbone` (any timm
model that supports ``features_only=True``; timm is imported only there).

Every backbone here has ``feature_info``: a list of :class:`fpnlab.strides.Level` (name,
channels, stride) that a neck can be built from and that :func:`fpnlab.strides.check_feature_info`
can verify against a real forward pass.

>>> bb = TinyBackbone()
>>> [(lv.name, lv.channels, lv.stride) for lv in bb.feature_info]
[('C2', 16, 4), ('C3', 32, 8), ('C4', 64, 16), ('C5', 128, 32)]
>>> {k: tuple(v.shape) for k, v in bb(torch.zeros(1, 3, 64, 64)).items()}
{'C2': (1, 16, 16, 16), 'C3': (1, 32, 8, 8), 'C4': (1, 64, 4, 4), 'C5': (1, 128, 2, 2)}
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from .layers import conv_norm_act
from .strides import Level, as_levels, level_name, measure_strides


class TinyBackbone(nn.Module):
    """A four-stage CNN small enough to train on a laptop CPU in seconds.

    ``(B, 3, H, W)`` → ``{"C2": (B, w0, H/4, W/4), "C3": (B, w1, H/8, W/8),
    "C4": (B, w2, H/16, W/16), "C5": (B, w3, H/32, W/32)}`` (sizes rounded up for odd inputs).

    A stride-2 stem, then four stages that each start with a stride-2 3×3 conv
    (conv-BN-ReLU, twice): strides 4, 8, 16, 32 — the stride map the FPN paper assumes.
    """

    def __init__(self, widths: Sequence[int] = (16, 32, 64, 128), in_channels: int = 3):
        super().__init__()
        if len(widths) != 4:
            raise ValueError(f"TinyBackbone has four stages (C2..C5); got {len(widths)} widths")
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
    declares the C2..C5 strides 4, 8, 16, 32. :func:`fpnlab.strides.check_feature_info` catches it.
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
    raise ValueError(f"no C2..C5 map for torchvision model {name!r}; supported families: "
                     "resnet*/resnext*/wide_resnet*, convnext_*, efficientnet_*, mobilenet_v3_large. "
                     "For another model, pick its stage outputs with "
                     "torchvision.models.feature_extraction.get_graph_node_names")


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights were requested but could not be downloaded (e.g. offline)."""


class TorchvisionBackbone(nn.Module):
    """A torchvision classification model cut into C2..C5 with ``create_feature_extractor``.

    ``(B, 3, H, W)`` → ``{"C2": (B, c2, H/4, W/4), ..., "C5": (B, c5, H/32, W/32)}``.
    ``feature_info`` is measured once at construction, not typed in.
    """

    def __init__(self, name: str = "resnet18", weights=None):
        super().__init__()
        from torchvision.models import get_model
        from torchvision.models.feature_extraction import create_feature_extractor

        nodes = _RETURN_NODES[_family(name)]
        try:
            model = get_model(name, weights=weights)
        except (OSError, RuntimeError) as err:  # URLError is an OSError
            if weights is None:
                raise
            raise WeightsUnavailableError(
                f"could not download the pretrained weights {weights!r} for {name} ({err}). "
                "Everything in this book runs offline with weights=None (random init, the default). "
                "To use pretrained weights, run once with internet access, or put the checkpoint "
                "file in $TORCH_HOME/hub/checkpoints/.") from err
        self.name = name
        self.body = create_feature_extractor(
            model, return_nodes={n: f"C{k}" for n, k in zip(nodes, range(2, 6))})
        self.feature_info = [Level(lv.name, lv.channels, lv.stride)
                             for lv in measure_strides(self.body, 64)]

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        return OrderedDict(self.body(x))


def torchvision_backbone(name: str = "resnet18", weights=None) -> TorchvisionBackbone:
    """C2..C5 of a torchvision model. ``weights=None`` (default) is random init and offline;
    ``weights="DEFAULT"`` downloads pretrained weights (opt-in; a clear error when offline)."""
    return TorchvisionBackbone(name, weights)


class TimmBackbone(nn.Module):
    """A timm model built with ``features_only=True``, returning a dict of levels named by stride.

    ``(B, 3, H, W)`` → ``{"C2": (B, c2, H/4, W/4), ..., "C5": (B, c5, H/32, W/32)}`` by default.
    ``feature_info`` is a list of :class:`~fpnlab.strides.Level` read from timm's own
    ``FeatureInfo`` (channels and ``reduction``); ``timm_info`` keeps timm's object.
    """

    def __init__(self, name: str, out_indices: Sequence[int] | None = None, pretrained: bool = False,
                 strides: Sequence[int] = (4, 8, 16, 32), **timm_kwargs):
        super().__init__()
        import timm  # the one place fpnlab needs timm (pip install "fpnlab[timm]")

        kwargs = dict(features_only=True, pretrained=pretrained, **timm_kwargs)
        if out_indices is not None:
            kwargs["out_indices"] = tuple(out_indices)
        try:
            model = timm.create_model(name, **kwargs)
        except Exception as err:  # hub download errors come in many classes (OSError, HTTP, ...)
            if not pretrained or not timm.is_model(name) or isinstance(err, TypeError):
                raise  # not a download problem: unknown model, bad argument
            raise WeightsUnavailableError(
                f"could not load the pretrained timm weights for {name} ({type(err).__name__}: {err}). "
                "Everything in this book runs offline with pretrained=False (random init, the "
                "default). To use pretrained weights, run once with internet access (timm "
                "downloads from the Hugging Face Hub into $HF_HOME), then set HF_HUB_OFFLINE=1.") from err
        self.name = name
        self.body = model
        self.timm_info = model.feature_info
        levels = as_levels(model.feature_info)
        if out_indices is None:  # keep the outputs at the wanted strides (C2..C5)
            keep = [i for i, lv in enumerate(levels) if lv.stride in tuple(strides)]
            if [levels[i].stride for i in keep] != sorted(set(strides)):
                raise ValueError(
                    f"timm model {name!r} has outputs at strides {[lv.stride for lv in levels]}, not "
                    f"one at each of {list(strides)}: pass out_indices= (positions in "
                    "timm.create_model(name, features_only=True).feature_info) to choose its levels")
        else:
            keep = list(range(len(levels)))
        self.keep = keep
        self.feature_info = [Level(level_name(levels[i].stride, "C"), levels[i].channels, levels[i].stride)
                             for i in keep]

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
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
