"""Level handling shared by the necks: input checks whose errors name the level, what was
expected, what came and what to change (the seed's debugging checklist, turned into messages),
and the small size/name helpers every neck needs."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from ..arguments import is_int
from ..errors import ArgumentError, FpnlabError
from ..i18n import Strings
from ..levels import Level, as_levels, default_strides, level_name

_t = Strings({
    "not_levels": {
        "en": ('{neck} expects the backbone levels as a list ordered fine → coarse (e.g. [C2, C3, C4, '
               "C5]) or a dict {{'C2': ..., 'C5': ...}}; got {got}. Pass everything the backbone "
               'returns, not a single feature map.'),
        "tr": ('{neck}, backbone seviyelerini inceden kabaya sıralı bir liste (ör. [C2, C3, C4, C5]) ya '
               "da {{'C2': ..., 'C5': ...}} biçiminde bir dict olarak bekliyor; gelen: {got}. Tek bir "
               "feature map'i değil, backbone'un döndürdüğü her şeyi ver."),
    },
    "a_tensor": {
        "en": 'a tensor of shape {shape}',
        "tr": '{shape} boyutlu bir tensor',
    },
    "count": {
        "en": '{neck} was built for {n} levels (in_channels={channels}) but got {got} feature maps. ',
        "tr": '{neck} {n} seviye için kuruldu (in_channels={channels}) ama {got} feature map geldi. ',
    },
    "count_fix": {
        "en": ('Pass all {n} levels (fine → coarse), or build the neck with one in_channels entry per '
               'level you pass.'),
        "tr": ("{n} seviyenin hepsini ver (inceden kabaya) ya da neck'i, verdiğin her seviye için bir "
               'in_channels değeriyle kur.'),
    },
    "not_4d": {
        "en": '{neck}: {name!r} (index {i:d}) is {got}; every level must be a (B, C, H, W) tensor.',
        "tr": ('{neck}: {name!r} (indeks {i:d}) {got}; her seviye (B, C, H, W) boyutlu bir tensor '
               'olmalı.'),
    },
    "batch": {
        "en": ('{neck}: {name!r} has batch size {b:d} but {first!r} has {b0:d}; all levels must come '
               'from the same batch.'),
        "tr": ('{neck}: {name!r} seviyesinin batch boyutu {b:d}, {first!r} seviyesininki {b0:d}; bütün '
               "seviyeler aynı batch'ten gelmeli."),
    },
    "order": {
        "en": ('{neck}: levels are in the wrong order: {name!r} ({h:d}×{w:d}) is larger than the level '
               'before it, {prev!r} ({ph:d}×{pw:d}). Pass levels fine → coarse ([C2, C3, C4, C5]); the '
               'top-down path starts at the last, coarsest one.'),
        "tr": ('{neck}: seviyeler yanlış sırada: {name!r} ({h:d}×{w:d}), kendinden önceki {prev!r} '
               '({ph:d}×{pw:d}) seviyesinden büyük. Seviyeleri inceden kabaya ver ([C2, C3, C4, C5]); '
               'top-down yol sondaki, en kaba seviyeden başlar.'),
    },
    "reversed": {
        "en": 'The whole list looks reversed: pass it as feats[::-1].',
        "tr": 'Liste baştan sona ters görünüyor: feats[::-1] olarak ver.',
    },
    "channels": {
        "en": ('{neck}: {name!r} (index {i:d}) has {c:d} channels but the neck was built for {want:d} '
               'there, so its first conv on that level expects {want:d} (in_channels[{i:d}]). Build the '
               "neck with the backbone's channels, in_channels={got} (see the backbone's feature_info)."),
        "tr": ('{neck}: {name!r} (indeks {i:d}) {c:d} kanallı ama neck orada {want:d} kanal için '
               "kuruldu; o seviyedeki ilk conv {want:d} kanal bekliyor (in_channels[{i:d}]). Neck'i "
               "backbone'un kanallarıyla kur: in_channels={got} (backbone'un feature_info'suna bak)."),
    },
    "stride": {
        "en": ('{neck}: {name!r} is {h:d}×{w:d} but the level before it, {prev!r}, is {ph:d}×{pw:d}; '
               'each level should be about half the size of the previous one (stride ×2). Check the '
               "backbone's stride map with fpnlab.levels.measure_strides(backbone, input_size): a stage "
               'may be missing its stride-2 downsampling, or a level may be skipped.'),
        "tr": ('{neck}: {name!r} {h:d}×{w:d} ama kendinden önceki {prev!r} seviyesi {ph:d}×{pw:d}; her '
               "seviye bir öncekinin yaklaşık yarısı olmalı (stride ×2). Backbone'un stride haritasını "
               "fpnlab.levels.measure_strides(backbone, input_size) ile kontrol et: bir stage'in stride "
               "2'lik downsample'ı eksik olabilir ya da bir seviye atlanmış olabilir."),
    },
    "level_label": {"en": "level {i:d}", "tr": "seviye {i:d}"},
    "not_float": {
        "en": ("{neck}: {name!r} (index {i:d}) has dtype {dtype}; a neck needs floating-point maps. "
               "Fix: convert it, e.g. feats[{i:d}].float()."),
        "tr": ("{neck}: {name!r} (indeks {i:d}) tensörünün dtype'ı {dtype}; neck kayan noktalı map'ler ister. "
               "Düzeltme: dönüştür, örneğin feats[{i:d}].float()."),
    },
    "empty": {
        "en": ("{neck}: {name!r} (index {i:d}) has shape {got}, with an empty dimension. "
               "Fix: pass at least one image and maps of at least 1 × 1 cells."),
        "tr": ("{neck}: {name!r} (indeks {i:d}) tensörünün biçimi {got}, boş bir boyutu var. "
               "Düzeltme: en az bir görüntü ve en az 1 × 1 hücrelik map'ler ver."),
    },
    "strides": {
        "en": ("{neck}: in_strides must list one increasing stride per input level ({n:d} levels, fine → "
               "coarse, e.g. {example}); got {got}. Fix: pass in_strides={example}, or build with "
               "{neck}.from_backbone(backbone, ...) to read them from its feature_info."),
        "tr": ("{neck}: in_strides, her girdi seviyesi için bir tane olmak üzere artan stride'ları listelemeli "
               "({n:d} seviye, inceden kabaya, ör. {example}); gelen: {got}. Düzeltme: in_strides={example} ver "
               "ya da stride'ları feature_info'dan okumak için {neck}.from_backbone(backbone, ...) ile kur."),
    },
    "doubling": {
        "en": ("{neck}: in_strides = {got!r} must double from level to level (e.g. {example}): the neck joins "
               "neighbouring levels one octave apart (×2 upsampling, stride-2 convs). Fix: pass in_strides={example}, "
               "or consecutive levels of the backbone."),
        "tr": ("{neck}: in_strides = {got!r} seviyeden seviyeye iki katına çıkmalı (ör. {example}): neck, bir oktav "
               "aralıklı komşu seviyeleri birleştirir (×2 upsample, stride 2'lik conv'lar). Düzeltme: "
               "in_strides={example} ya da backbone'un art arda seviyelerini ver."),
    },
    "load": {
        "en": ("{neck}.from_ultralytics: layer {index:d} holds tensors of other shapes than {name}. Fix: report it "
               "with the model's YAML."),
        "tr": ("{neck}.from_ultralytics: {index:d}. katmandaki tensörlerin şekilleri {name} ile uyuşmuyor. "
               "Düzeltme: modelin YAML'ıyla birlikte bildir."),
    },
    "no_info": {
        "en": ("{model} has no feature_info to build a neck from. Fix: pass in_channels (and in_strides) "
               "yourself, or give the backbone a feature_info list of fpnlab.Level."),
        "tr": ("{model} içinde neck kurulacak bir feature_info yok. Düzeltme: in_channels'ı (ve in_strides'ı) "
               "kendin ver ya da backbone'a fpnlab.Level'lardan oluşan bir feature_info listesi ekle."),
    },
    "in_channels": {
        "en": ("{neck}: in_channels = {got!r} must list at least {m:d} positive channel counts, one per level "
               "fine → coarse. Fix: pass e.g. in_channels={example}, or {neck}.from_backbone(backbone, ...)."),
        "tr": ("{neck}: in_channels = {got!r}, inceden kabaya her seviye için bir tane olmak üzere en az {m:d} "
               "pozitif kanal sayısı listelemeli. Düzeltme: örneğin in_channels={example} ver ya da "
               "{neck}.from_backbone(backbone, ...) kullan."),
    },
})


class PyramidInputError(FpnlabError, ValueError):
    """The levels given to a neck do not fit what it was built for (count, order, sizes, channels,
    dtype, ``(B, C, H, W)`` shape); the message names the level, what came and the fix."""


def check_in_channels(in_channels, neck: str, minimum: int = 1) -> list[int]:
    """``in_channels`` as a list of ≥ ``minimum`` positive ints (bools and floats refused), else
    :class:`~fpnlab.errors.ArgumentError` naming the neck and the fix."""
    ok = (isinstance(in_channels, Sequence) and not isinstance(in_channels, str)
          and len(in_channels) >= minimum and all(is_int(c) and c > 0 for c in in_channels))
    if not ok:
        example = [256 * 2 ** i for i in range(max(minimum, 3))]
        raise ArgumentError(_t("in_channels", neck=neck, got=in_channels, m=minimum, example=example))
    return [int(c) for c in in_channels]


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def split_levels(feats, neck: str) -> tuple[list[torch.Tensor], list[str] | None]:
    """``list``/``tuple`` or ``dict`` of feature maps → (tensors, names or ``None``)."""
    if isinstance(feats, Mapping):
        return list(feats.values()), [str(k) for k in feats.keys()]
    if isinstance(feats, Sequence) and not isinstance(feats, (str, bytes)):
        return list(feats), None
    got = _t("a_tensor", shape=_shape(feats)) if isinstance(feats, torch.Tensor) else type(feats).__name__
    raise PyramidInputError(_t("not_levels", neck=neck, got=got))


def check_maps(x: list, names: list[str] | None, in_channels: Sequence[int], neck: str,
               count_fix: str | None = None) -> list[str]:
    """The checks every neck runs on its input: one map per level it was built for, each a
    floating-point ``(B, C, H, W)`` tensor with no empty dimension, all from the same batch.
    Returns the level labels used in messages."""
    labels = names or [_t("level_label", i=i) for i in range(len(x))]
    n = len(in_channels)
    if len(x) != n:
        raise PyramidInputError(_t("count", neck=neck, n=n, channels=str(list(in_channels)),
                                   got=len(x)) + (count_fix or _t("count_fix", n=n)))
    for i, (f, name) in enumerate(zip(x, labels)):
        if not isinstance(f, torch.Tensor) or f.dim() != 4:
            got = _shape(f) if isinstance(f, torch.Tensor) else type(f).__name__
            raise PyramidInputError(_t("not_4d", neck=neck, name=name, i=i, got=got))
        if not f.is_floating_point():
            raise PyramidInputError(_t("not_float", neck=neck, name=name, i=i,
                                       dtype=str(f.dtype).replace("torch.", "")))
        if 0 in f.shape:
            raise PyramidInputError(_t("empty", neck=neck, name=name, i=i, got=_shape(f)))
        if f.shape[0] != x[0].shape[0]:
            raise PyramidInputError(_t("batch", neck=neck, name=name, b=int(f.shape[0]),
                                       first=labels[0], b0=int(x[0].shape[0])))
    return labels


def check_channels(x: list, labels: list[str], in_channels: Sequence[int], neck: str) -> None:
    """Each map has the channels the neck was built for at its level."""
    got = [int(f.shape[1]) for f in x]
    for i, (c, want) in enumerate(zip(got, in_channels)):
        if c != want:
            raise PyramidInputError(_t("channels", neck=neck, name=labels[i], i=i, c=c,
                                       want=int(want), got=str(got)))


def check_levels(x: list, names: list[str] | None, in_channels: Sequence[int], neck: str,
                 count_fix: str | None = None) -> None:
    """Validate a fine → coarse list of ``(B, C, H, W)`` maps against ``in_channels``:
    :func:`check_maps`, then each level about half the size of the one before, then
    :func:`check_channels`. ``count_fix`` replaces the generic advice when the number of levels
    is wrong. Messages follow :func:`fpnlab.set_lang`."""
    labels = check_maps(x, names, in_channels, neck, count_fix)
    n = len(in_channels)
    # Each level is judged against its neighbour, in order: the first pair that is off decides
    # the message (sizes 64, 32, 5, 8 are a stride problem at the third level, not an order one).
    sizes = [tuple(int(s) for s in f.shape[-2:]) for f in x]
    for i in range(1, n):
        (ph, pw), (h, w) = sizes[i - 1], sizes[i]
        where = dict(neck=neck, name=labels[i], h=h, w=w, prev=labels[i - 1], ph=ph, pw=pw)
        if h > ph or w > pw:
            hint = _t("reversed") if sizes == sorted(sizes) else ""
            raise PyramidInputError(_t("order", **where) + hint)
        if abs(ph - 2 * h) > 2 or abs(pw - 2 * w) > 2:
            raise PyramidInputError(_t("stride", **where))
    check_channels(x, labels, in_channels, neck)


def match_size(x: torch.Tensor, size) -> torch.Tensor:
    """``x`` resized (nearest) to ``size`` only if it differs: a downsampled map meets a level of
    a backbone that floors odd sizes instead of rounding up."""
    return x if tuple(x.shape[-2:]) == tuple(size) else F.interpolate(x, size=size, mode="nearest")


def resolve_strides(in_strides, n: int, neck: str) -> list:
    """``in_strides`` as a list of ``n`` increasing strides (``None`` → :func:`default_strides`)."""
    if in_strides is None:
        return default_strides(n)
    ok = isinstance(in_strides, Sequence) and not isinstance(in_strides, str)
    strides = list(in_strides) if ok else in_strides
    if (not ok or len(strides) != n or not all(is_int(s) and s > 0 for s in strides)
            or strides != sorted(set(strides))):
        example = default_strides(min(n, 6)) if n >= 1 else [8, 16, 32]
        raise ArgumentError(_t("strides", neck=neck, n=n, example=example, got=in_strides))
    return [int(s) for s in strides]


def doubling_strides(in_strides, n: int, neck: str) -> list[int]:
    """:func:`resolve_strides`, and each stride twice the one before (the necks that join
    neighbours by ×2 upsampling and stride-2 convs), else :class:`~fpnlab.errors.ArgumentError`."""
    strides = resolve_strides(in_strides, n, neck)
    if any(b != 2 * a for a, b in zip(strides, strides[1:])):
        example = [strides[-1] // 2 ** (n - 1 - i) for i in range(n)]
        if example[0] < 1:
            example = default_strides(n)
        raise ArgumentError(_t("doubling", neck=neck, got=in_strides, example=example))
    return strides


@torch.no_grad()
def copy_layers(neck, layers, mapping: Mapping[str, int]) -> None:
    """Copy the weights and buffers of ``layers[index]`` (an ultralytics model's) into
    ``neck.<name>`` for every ``name → index`` of ``mapping``, tensor by tensor in registration
    order; a shape that differs raises :class:`~fpnlab.errors.ArgumentError` naming the layer."""
    for name, index in mapping.items():
        mine, theirs = list(getattr(neck, name).state_dict().values()), list(layers[index].state_dict().values())
        if [tuple(v.shape) for v in mine] != [tuple(v.shape) for v in theirs]:
            raise ArgumentError(_t("load", neck=type(neck).__name__, index=index, name=name))
        for a, b in zip(mine, theirs):
            a.copy_(b)


def out_levels(strides, channels: int) -> list[Level]:
    """Output levels named ``P{log2 stride}``, all with ``channels`` channels."""
    return [Level(level_name(s), channels, s) for s in strides]


class FromBackbone:
    """Mixin for necks: build from a backbone's ``feature_info`` instead of typed-in numbers."""

    @classmethod
    def from_backbone(cls, backbone, *args, **kwargs):
        """A neck for ``backbone``: ``in_channels`` and ``in_strides`` read from its
        ``feature_info`` (fpnlab levels or timm's ``FeatureInfo``); other arguments are passed
        on, e.g. ``FPN.from_backbone(timm_backbone("resnet18"), 128)``."""
        info = getattr(backbone, "feature_info", backbone)  # a backbone or its feature_info
        levels = as_levels(info)
        if not levels:
            raise ArgumentError(_t("no_info", model=type(backbone).__name__))
        return cls([int(lv.channels) for lv in levels], *args,
                   in_strides=[lv.stride for lv in levels], **kwargs)
