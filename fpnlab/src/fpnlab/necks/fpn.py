"""The baseline Feature Pyramid Network (Lin et al., 2017), built like torchvision's.

Lateral 1×1 convs bring every backbone level ``C_k`` to ``out_channels``; the top-down path
starts at the coarsest level and, level by level, upsamples what it carries to the next finer
size and fuses it with that level's lateral; a 3×3 conv smooths each fused map into ``P_k``.
The top-down path carries the *unsmoothed* fused map, as in the paper and in torchvision.

With the defaults (sum, nearest, smoothing, bias, no norm) the outputs are ``torch.equal`` to
``torchvision.ops.FeaturePyramidNetwork`` with the same weights (:meth:`FPN.from_torchvision`).

>>> fpn = FPN([64, 128, 256, 512], out_channels=128)
>>> feats = {f"C{k}": torch.randn(2, c, 256 // 2**k, 256 // 2**k)
...          for k, c in zip(range(2, 6), [64, 128, 256, 512])}
>>> {k: tuple(v.shape) for k, v in fpn(feats).items()}
{'P2': (2, 128, 64, 64), 'P3': (2, 128, 32, 32), 'P4': (2, 128, 16, 16), 'P5': (2, 128, 8, 8)}
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..blocks.attention import ATTENTIONS, make_attention
from ..blocks.layers import ACTS, NORMS, conv_norm_act
from ..arguments import check_bool, check_choice, check_image_batch, check_int, check_size
from ..errors import ArgumentError
from ..i18n import Strings
from ..levels import p_names
from .checks import (FromBackbone, check_in_channels, check_levels, out_levels, resolve_strides,
                     split_levels)
from .extra import from_torchvision_extra

_t = Strings({
    "no_out_levels": {
        "en": ("FPN: the extra block {name} does not describe its levels, so feature_info cannot list them. "
               "Fix: give it a method out_levels(levels) -> levels (LastLevelP6P7 and LastLevelMaxPool have one)."),
        "tr": ("FPN: {name} ek bloğu seviyelerini tanımlamıyor, bu yüzden feature_info onları listeleyemez. "
               "Düzeltme: ona out_levels(levels) -> levels metodu ekle (LastLevelP6P7 ve LastLevelMaxPool'da var)."),
    },
    "tv_norm": {
        "en": ("FPN.from_torchvision: cannot convert an FPN with norm layer {name}. Fix: use torchvision's "
               "default (no norm) or BatchNorm2d, the two FPN(norm=None / \"bn\") builds alike."),
        "tr": ("FPN.from_torchvision: norm katmanı {name} olan bir FPN dönüştürülemiyor. Düzeltme: torchvision'ın "
               "varsayılanını (norm yok) ya da BatchNorm2d'yi kullan; FPN(norm=None / \"bn\") ikisini aynı kurar."),
    },
    "extra": {
        "en": ("FPN: extra = {got!r} is not a module. Fix: pass LastLevelP6P7(...), LastLevelMaxPool() or "
               "another nn.Module with forward(results, x, names) -> (results, names)."),
        "tr": ("FPN: extra = {got!r} bir modül değil. Düzeltme: LastLevelP6P7(...), LastLevelMaxPool() ya da "
               "forward(results, x, names) -> (results, names) olan başka bir nn.Module ver."),
    },
})

UPSAMPLE_MODES = ("nearest", "bilinear")
FUSE_MODES = ("sum", "concat", "weighted")


def upsample_to(x: torch.Tensor, size, mode: str = "nearest") -> torch.Tensor:
    """Resize ``(B, C, h, w)`` to ``(B, C, *size)``; ``size=`` (not ``scale_factor=2``) so odd
    sizes line up. Bilinear uses ``align_corners=False``. ``x`` must be a float ``(B, C, h, w)``
    tensor and ``size`` an int ≥ 1 or a pair ``(H, W)`` of them, else
    :class:`fpnlab.errors.ArgumentError`."""
    check_image_batch("x", x, where="upsample_to")
    size = check_size("size", size, where="upsample_to")
    if mode == "nearest":
        return F.interpolate(x, size=size, mode="nearest")
    return F.interpolate(x, size=size, mode=mode, align_corners=False)


def torchvision_init(module: nn.Module) -> None:
    """torchvision's FPN init on every conv of ``module``: Kaiming-uniform weights (``a=1``), zero
    bias — the necks that must start like torchvision's FPN (:class:`FPN`,
    :class:`~fpnlab.necks.LateralNeck`) call it before they add attention or extra blocks."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_uniform_(m.weight, a=1)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)


class FPN(FromBackbone, nn.Module):
    """Feature Pyramid Network over any number (≥ 2) of levels.

    Args:
        in_channels: channels of the input levels, fine → coarse (e.g. C2..C5).
        out_channels: channels of every output level P_k.
        upsample: ``"nearest"`` (paper, torchvision) or ``"bilinear"``.
        fuse: ``"sum"`` (paper), ``"concat"`` (concatenate lateral and upsampled, then 1×1 conv) or
            ``"weighted"`` (``α_k·L_k + β_k·Up(P_{k+1})`` with learnable scalars, both starting at 1).
        smooth: apply the 3×3 conv after fusion (paper) or output the fused map directly.
        norm, act: optional norm (``"bn"``, ``"gn"``) and activation (``"relu"``, ``"silu"``)
            after the lateral and smoothing convs; the baseline has none.
        bias: conv bias; ``None`` (default) means "only without norm", as torchvision does.
        attention: optional attention block applied to every output level after fusion and
            smoothing: ``"se"``, ``"eca"``, ``"cbam"`` or ``"coordatt"`` (:mod:`fpnlab.blocks.attention`).
        extra: optional block that adds coarser levels (P6, P7...). It is called as
            ``extra(results, feats, names) -> (results, names)`` — the interface of torchvision's
            ``ExtraFPNBlock`` — and is the one extension point for extra levels. To appear in
            ``feature_info``, it has ``out_levels(levels) -> levels`` (both blocks here do).
        in_strides: strides of the input levels; default: consecutive levels ending at stride 32
            (4 levels → 4, 8, 16, 32; 3 → 8, 16, 32). :meth:`from_backbone` reads them (and the
            channels) from a backbone's ``feature_info``.

    ``feature_info``: the output levels (:class:`~fpnlab.levels.Level`: name ``P{log2 stride}``,
    channels, stride), extra levels included, as backbones describe theirs.

    Shapes: inputs ``[(B, C_i, H_i, W_i)]`` fine → coarse, as a list or a dict; outputs
    ``[(B, out_channels, H_i, W_i)]`` in the same form and order (dict keys ``C_k`` become ``P_k``).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int = 256, upsample: str = "nearest",
                 fuse: str = "sum", smooth: bool = True, norm: str | None = None,
                 act: str | None = None, bias: bool | None = None, extra: nn.Module | None = None,
                 attention: str | None = None, in_strides: Sequence[int] | None = None):
        super().__init__()
        in_channels = check_in_channels(in_channels, "FPN", minimum=2)
        check_int("out_channels", out_channels, where="FPN")
        self.in_strides = resolve_strides(in_strides, len(in_channels), "FPN")
        for arg, value, allowed in (("upsample", upsample, UPSAMPLE_MODES), ("fuse", fuse, FUSE_MODES),
                                    ("norm", norm, NORMS), ("act", act, ACTS),
                                    ("attention", attention, (None, *ATTENTIONS))):
            check_choice(arg, value, allowed, where="FPN")
        check_bool("smooth", smooth, where="FPN")
        if extra is not None and not isinstance(extra, nn.Module):
            raise ArgumentError(_t("extra", got=extra))
        if bias is None:
            bias = norm is None
        check_bool("bias", bias, where="FPN")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.upsample, self.fuse, self.smooth_enabled = upsample, fuse, smooth
        # 1) lateral 1×1: C_k channels -> out_channels, so levels can be added
        self.lateral = nn.ModuleList(
            conv_norm_act(c, out_channels, 1, norm=norm, act=act, bias=bias) for c in in_channels)
        # 2) smoothing 3×3 after fusion (Identity when smooth=False)
        self.smooth = nn.ModuleList(
            conv_norm_act(out_channels, out_channels, 3, norm=norm, act=act, bias=bias) if smooth
            else nn.Identity() for _ in in_channels)
        # concat fusion: [lateral, upsampled] (2·out) -> out with a 1×1 conv, one per fused level
        self.merge = nn.ModuleList(
            nn.Conv2d(2 * out_channels, out_channels, 1, bias=bias) for _ in in_channels[:-1]
        ) if fuse == "concat" else None
        # weighted fusion: one learnable (α, β) pair per fused level
        self.alpha_beta = nn.Parameter(torch.ones(len(in_channels) - 1, 2)) if fuse == "weighted" else None
        torchvision_init(self)  # torchvision's init, so both start alike
        # after the init loop: attention blocks keep their papers' init, a given extra block its
        # own (maybe loaded) weights
        self.attention = nn.ModuleList(
            make_attention(attention, out_channels) for _ in in_channels) if attention else None
        self.extra = extra

    @property
    def feature_info(self) -> list:
        """Output levels (name, channels, stride), fine → coarse, extra levels included."""
        levels = out_levels(self.in_strides, self.out_channels)
        if self.extra is not None:
            if not hasattr(self.extra, "out_levels"):
                raise AttributeError(_t("no_out_levels", name=type(self.extra).__name__))
            levels = self.extra.out_levels(levels)
        return levels

    def _fuse(self, i: int, lateral: torch.Tensor, top_down: torch.Tensor) -> torch.Tensor:
        if self.merge is not None:
            return self.merge[i](torch.cat([lateral, top_down], dim=1))
        if self.alpha_beta is not None:
            return self.alpha_beta[i, 0] * lateral + self.alpha_beta[i, 1] * top_down
        return lateral + top_down

    def forward(self, feats):
        x, names = split_levels(feats, "FPN")
        check_levels(x, names, self.in_channels, "FPN")
        last = self.lateral[-1](x[-1])                      # top level: lateral of C_top
        results = [self.smooth[-1](last)]
        for i in range(len(x) - 2, -1, -1):                 # top-down: coarse -> fine
            lateral = self.lateral[i](x[i])
            top_down = upsample_to(last, lateral.shape[-2:], self.upsample)
            last = self._fuse(i, lateral, top_down)         # unsmoothed: carried further down
            results.insert(0, self.smooth[i](last))
        if self.attention is not None:
            results = [att(p) for att, p in zip(self.attention, results)]
        out_names = p_names(names, len(x))
        if self.extra is not None:
            results, out_names = self.extra(results, x, out_names)
        if names is None:
            return results
        return OrderedDict(zip(out_names, results))

    @classmethod
    def from_torchvision(cls, tv_fpn: nn.Module) -> "FPN":
        """An FPN with the configuration and a copy of the weights of a
        ``torchvision.ops.FeaturePyramidNetwork`` (outputs are ``torch.equal``). Its extra block
        (``LastLevelMaxPool`` or ``LastLevelP6P7``) becomes ours from :mod:`fpnlab.necks.extra`."""
        convs_in = [blk[0] for blk in tv_fpn.inner_blocks]
        norm_layer = tv_fpn.inner_blocks[0][1] if len(tv_fpn.inner_blocks[0]) > 1 else None
        norm = {nn.BatchNorm2d: "bn", type(None): None}.get(type(norm_layer), "?")
        if norm == "?":
            raise ArgumentError(_t("tv_norm", name=type(norm_layer).__name__))
        extra = from_torchvision_extra(tv_fpn.extra_blocks)
        fpn = cls([c.in_channels for c in convs_in], convs_in[0].out_channels, norm=norm,
                  bias=convs_in[0].bias is not None, extra=extra)
        for ours, theirs in ((fpn.lateral, tv_fpn.inner_blocks), (fpn.smooth, tv_fpn.layer_blocks)):
            for a, b in zip(ours, theirs):
                a.load_state_dict(b.state_dict())
        return fpn
