"""The block zoo: one stage's worth of layers, each answering a different problem.

Every block maps ``(B, cin, H, W)`` → ``(B, cout, H/s, W/s)`` (``s`` the ``stride``, 1 by default)
and is built by a factory with one signature, ``factory(cin, cout, n=1, norm="bn", act="silu",
stride=1) -> nn.Module``, registered in :data:`BLOCKS`, so a YOLO-style backbone can take
``block=BLOCKS["repvgg"]`` (or any callable ``(cin, cout, n, norm, act)``). ``n`` is the depth:
``n`` blocks in a row (the first one changes the width and takes the stride), except for
``"c2f"``, where ``n`` is the number of bottlenecks inside one C2f block, as YOLOv8 counts it.

============  =================================================================  ==========
name          what it is                                                          reuses
============  =================================================================  ==========
basic         ResNet basic block: 3×3 → 3×3, ``+ x``                             torchvision ``BasicBlock``
bottleneck    ResNet bottleneck: 1×1 (cout/4) → 3×3 → 1×1, ``+ x``               torchvision ``Bottleneck``
c2f           CSP split, ``n`` bottlenecks on half the channels, concat, 1×1     :class:`fpnlab.blocks.C2f`
resnext       grouped bottleneck: 1×1 (cout/2) → grouped 3×3 (4 ch/group) → 1×1  torchvision ``Bottleneck``
dwsep         depthwise 3×3 → pointwise 1×1, ``+ x``                              ``conv_norm_act``
inverted      MobileNetV2: 1×1 expand ×6 → depthwise 3×3 → linear 1×1, ``+ x``   torchvision ``InvertedResidual``
dilated       basic block with both 3×3 convs dilated by ``d`` (default 2)       own (``BasicBlock`` refuses dilation)
repvgg        3×3-BN + 1×1-BN + identity-BN summed, then act; foldable           own (:class:`RepVGGBlock`)
============  =================================================================  ==========

``+ x`` is the identity shortcut when ``cin == cout`` and stride 1, else a 1×1 conv + norm
(ResNet's "option B") for the residual blocks; ``dwsep`` and ``inverted`` drop the shortcut
when the shapes differ, as MobileNetV2 does.

torchvision's blocks hard-code ``nn.ReLU`` (``ReLU6`` for ``InvertedResidual``) and C2f
hard-codes ``SiLU`` and YOLO's BatchNorm; the factories swap those modules for ``norm`` / ``act``
after building (:func:`swap_norm_act`), so every block honours the common signature.

>>> x = torch.randn(2, 64, 16, 16)
>>> {name: tuple(make(64, 64)(x).shape) for name, make in BLOCKS.items()} == {
...     name: (2, 64, 16, 16) for name in BLOCKS}
True
>>> tuple(BLOCKS["repvgg"](32, 64, n=2, stride=2)(torch.randn(1, 32, 16, 16)).shape)
(1, 64, 8, 8)
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.mobilenetv2 import InvertedResidual
from torchvision.models.resnet import BasicBlock, Bottleneck

from ..arguments import check_bool, check_choice, check_image_batch, check_int, is_int
from ..errors import ArgumentError
from ..i18n import Strings
from .layers import ACTS, NORMS, conv_norm_act, make_act, make_norm
from .yolo import C2f

# This module's own text, both languages side by side per key (Strings checks both are there).
_t = Strings({
    "bad_n": {
        "en": "n={n!r}: a stage needs at least one block (n >= 1). Fix: pass a whole number n >= 1.",
        "tr": "n={n!r}: bir stage'de en az bir blok olmalı (n >= 1). Düzeltme: n >= 1 olan bir tam sayı ver."},
    "no_stride": {
        "en": "block {name!r} keeps the resolution (stride 1 only). Fix: pass stride=1 and downsample before it "
              "with a stride-2 conv, as YOLOv8 does",
        "tr": "{name!r} bloğu çözünürlüğü korur (yalnızca stride 1). Düzeltme: stride=1 ver ve YOLOv8'deki gibi "
              "önüne stride 2'li bir conv koyarak küçült"},
    "rep_needs_bn": {
        "en": "RepVGGBlock folds BatchNorm into the conv, so it needs norm='bn' (got {norm!r}). Fix: pass "
              "norm='bn', or pick another block for GroupNorm",
        "tr": "RepVGGBlock BatchNorm'u conv'un içine katar; bu yüzden norm='bn' olmalı (verilen: {norm!r}). "
              "Düzeltme: norm='bn' ver ya da GroupNorm için başka bir blok seç"},
    "rep_train_folded": {
        "en": "this RepVGGBlock was reparameterized (folded into one 3×3 conv) and is in train "
              "mode: folding is for inference. Call .eval(), or train a fresh RepVGGBlock and "
              "fold it afterwards",
        "tr": "bu RepVGGBlock yeniden parametrelendi (dalları tek bir 3×3 conv'da birleşti) ve "
              "train modunda: birleştirme çıkarım içindir. .eval() çağır ya da yeni bir "
              "RepVGGBlock eğit ve dallarını eğitimden sonra birleştir"},
})


# --------------------------------------------------------------------------- helpers

def swap_norm_act(module: nn.Module, norm: str | None = "bn", act: str | None = "silu") -> nn.Module:
    """Replace, in place, every ``BatchNorm2d`` by ``make_norm(norm, c)`` (unless ``norm == "bn"``:
    the block's own BatchNorm, with its eps and momentum, stays) and every ``ReLU`` / ``ReLU6`` /
    ``SiLU`` by ``make_act(act)`` (unless it already is that activation). Returns ``module``."""
    check_choice("norm", norm, NORMS, where="swap_norm_act")
    check_choice("act", act, ACTS, where="swap_norm_act")
    act_types = {"relu": nn.ReLU, "silu": nn.SiLU}
    for name, child in list(module.named_children()):
        if isinstance(child, nn.BatchNorm2d) and norm != "bn":
            setattr(module, name, make_norm(norm, child.num_features))
        elif isinstance(child, (nn.ReLU, nn.ReLU6, nn.SiLU)):
            if act is None or type(child) is not act_types.get(act):
                setattr(module, name, make_act(act))
        else:
            swap_norm_act(child, norm, act)
    return module


def _shortcut(cin: int, cout: int, stride: int, norm: str | None) -> nn.Module | None:
    """ResNet's projection shortcut (1×1 conv + norm) when the shape changes, else ``None``."""
    if cin == cout and stride == 1:
        return None
    return conv_norm_act(cin, cout, 1, stride, norm=norm, act=None)


def _check(where: str, cin, cout, stride, norm, act) -> None:
    """The door checks every block of the zoo runs: widths and stride positive ints, known
    norm and act."""
    check_int("cin", cin, where=where)
    check_int("cout", cout, where=where)
    check_int("stride", stride, where=where)
    check_choice("norm", norm, NORMS, where=where)
    check_choice("act", act, ACTS, where=where)


def _stage(make_one: Callable[[int, int, int], nn.Module], cin: int, cout: int, n: int,
           stride: int) -> nn.Module:
    if not (is_int(n) and n >= 1):
        raise ArgumentError(_t("bad_n", n=n))
    check_int("cin", cin, where="make_block")
    check_int("cout", cout, where="make_block")
    check_int("stride", stride, where="make_block")
    blocks = [make_one(cin, cout, stride)] + [make_one(cout, cout, 1) for _ in range(n - 1)]
    return blocks[0] if n == 1 else nn.Sequential(*blocks)


# --------------------------------------------------------------------------- blocks

class DilatedBlock(nn.Module):
    """ResNet basic block whose two 3×3 convs are dilated by ``dilation`` (padding = dilation):
    the receptive field of one block grows from 5 to ``4·d + 1`` without any stride, at the same
    parameter count and FLOPs. Two stacked dilated convs only ever read pixels at offsets that
    are multiples of ``d`` (the *gridding* artefact, Wang et al. 2018). ``(B, cin, H, W)`` →
    ``(B, cout, H/s, W/s)``."""

    def __init__(self, cin: int, cout: int, stride: int = 1, dilation: int = 2,
                 norm: str | None = "bn", act: str | None = "silu"):
        super().__init__()
        _check("DilatedBlock", cin, cout, stride, norm, act)
        check_int("dilation", dilation, where="DilatedBlock")
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=norm is None)
        self.bn1 = make_norm(norm, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, padding=dilation, dilation=dilation, bias=norm is None)
        self.bn2 = make_norm(norm, cout)
        self.act = make_act(act)
        self.downsample = _shortcut(cin, cout, stride, norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.conv1.in_channels, channels_arg="cin", where="DilatedBlock")
        identity = x if self.downsample is None else self.downsample(x)
        y = self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))
        y += identity  # in place, as torchvision's BasicBlock: one map less alive at the peak
        return self.act(y)


class DepthwiseSeparable(nn.Module):
    """Depthwise 3×3 (one filter per channel, ``groups=cin``) → norm → act → pointwise 1×1
    (``cin → cout``) → norm → act, plus ``x`` when the shape is kept (Xception / MobileNetV1's
    factorisation of a 3×3 conv: ``9·cin + cin·cout`` weights instead of ``9·cin·cout``)."""

    def __init__(self, cin: int, cout: int, stride: int = 1, norm: str | None = "bn",
                 act: str | None = "silu"):
        super().__init__()
        _check("DepthwiseSeparable", cin, cout, stride, norm, act)
        self.dw = conv_norm_act(cin, cin, 3, stride, norm=norm, act=act, groups=cin)
        self.pw = conv_norm_act(cin, cout, 1, 1, norm=norm, act=act)
        self.use_res = cin == cout and stride == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.dw[0].in_channels, channels_arg="cin", where="DepthwiseSeparable")
        y = self.pw(self.dw(x))
        return x + y if self.use_res else y


def _fuse_conv_bn(weight: torch.Tensor, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """``BN(conv(x))`` in eval mode is a conv with kernel ``W·γ/σ`` and bias ``β − μ·γ/σ``
    (``σ = sqrt(running_var + eps)``)."""
    std = (bn.running_var + bn.eps).sqrt()
    scale = bn.weight / std
    return weight * scale.reshape(-1, 1, 1, 1), bn.bias - bn.running_mean * scale


class RepVGGBlock(nn.Module):
    """RepVGG's block (Ding et al. 2021): several branches to train, one 3×3 conv to run.

    Training form: ``act(BN(conv3×3(x)) + BN(conv1×1(x)) + BN(x))`` — the identity branch (a lone
    BatchNorm) exists only when ``cin == cout`` and ``stride == 1``; the convs have no bias.
    :meth:`reparameterize` folds, **in place**, each BN into its branch's kernel, pads the 1×1
    kernel to 3×3 (its weight at the centre), writes the identity as a 3×3 kernel with a 1 at the
    centre of channel ``i → i``, and sums the three into one ``Conv2d(cin, cout, 3, stride,
    padding=1, bias=True)`` (``self.fused``); the branches are deleted and ``forward`` uses the
    fused conv. This follows the paper and DingXiaoH/RepVGG's ``repvgg.py``
    (``get_equivalent_kernel_bias`` / ``switch_to_deploy``).

    - Folding uses the BN *running* statistics, so the two forms agree in eval mode (the only
      mode where BN is a fixed affine map); :meth:`reparameterize` puts the block in eval mode.
    - Reparameterizing twice is a no-op (the block is already one conv).
    - Forward on a folded block in train mode raises ``RuntimeError``: the folded conv could be
      trained, but it is no longer the multi-branch block the paper trains; fold after training.
    - ``identity=False`` drops the identity branch even where it could exist, and ``bn`` sets the
      BatchNorms' ``eps``/``momentum``: ``RepVGGBlock(c, c, act="silu", identity=False, bn=YOLO_BN)``
      is ultralytics' ``RepConv`` as RT-DETR's ``RepC3`` uses it (:mod:`fpnlab.blocks.rtdetr`).

    ``(B, cin, H, W)`` → ``(B, cout, ⌈H/s⌉, ⌈W/s⌉)``.

    >>> blk = RepVGGBlock(8, 8).eval()
    >>> x = torch.randn(1, 8, 10, 10)
    >>> before = blk(x); _ = blk.reparameterize()
    >>> torch.allclose(before, blk(x), atol=1e-5), sorted(n for n, _ in blk.named_children())
    (True, ['act', 'fused'])
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, act: str | None = "relu", norm: str | None = "bn",
                 identity: bool = True, bn: Mapping | None = None):
        super().__init__()
        _check("RepVGGBlock", cin, cout, stride, norm, act)
        check_bool("identity", identity, where="RepVGGBlock")
        if norm != "bn":
            raise ArgumentError(_t("rep_needs_bn", norm=norm))
        bn = dict(bn or {})
        self.cin, self.cout, self.stride = cin, cout, stride
        self.dense = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout, **bn))
        self.one = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout, **bn))
        self.identity = nn.BatchNorm2d(cout, **bn) if identity and cin == cout and stride == 1 else None
        self.act = make_act(act)
        self.fused: nn.Conv2d | None = None

    @property
    def folded(self) -> bool:
        """Whether :meth:`reparameterize` has run."""
        return self.fused is not None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cin, channels_arg="cin", where="RepVGGBlock")
        if self.fused is not None:
            if self.training:
                raise RuntimeError(_t("rep_train_folded"))
            return self.act(self.fused(x))
        y = self.dense(x)
        y += self.one(x)  # in place: the sum of the branches is one map, not three
        if self.identity is not None:
            y += self.identity(x)
        return self.act(y)

    @torch.no_grad()
    def equivalent_kernel_bias(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The 3×3 kernel ``(cout, cin, 3, 3)`` and bias ``(cout,)`` of the single conv equal to
        the three branches in eval mode."""
        if self.fused is not None:
            return self.fused.weight.detach().clone(), self.fused.bias.detach().clone()
        k3, b3 = _fuse_conv_bn(self.dense[0].weight, self.dense[1])
        k1, b1 = _fuse_conv_bn(self.one[0].weight, self.one[1])
        kernel, bias = k3 + F.pad(k1, [1, 1, 1, 1]), b3 + b1
        if self.identity is not None:
            eye = torch.zeros_like(k3)
            eye[torch.arange(self.cin), torch.arange(self.cin), 1, 1] = 1.0
            kid, bid = _fuse_conv_bn(eye, self.identity)
            kernel, bias = kernel + kid, bias + bid
        return kernel, bias

    @torch.no_grad()
    def reparameterize(self) -> "RepVGGBlock":
        """Fold the branches into one 3×3 conv in place (no-op if already folded); returns self,
        in eval mode."""
        if self.fused is None:
            kernel, bias = self.equivalent_kernel_bias()
            w = self.dense[0].weight
            fused = nn.Conv2d(self.cin, self.cout, 3, self.stride, 1, bias=True).to(w.device, w.dtype)
            fused.weight.copy_(kernel)
            fused.bias.copy_(bias)
            del self.dense, self.one, self.identity
            self.fused = fused
        return self.eval()

    def extra_repr(self) -> str:
        return f"{self.cin}, {self.cout}, stride={self.stride}, folded={self.folded}"


def reparameterize(module: nn.Module) -> nn.Module:
    """Fold every :class:`RepVGGBlock` inside ``module`` (in place; already folded ones are left
    as they are) and return ``module`` in eval mode."""
    for m in module.modules():
        if isinstance(m, RepVGGBlock):
            m.reparameterize()
    return module.eval()


# --------------------------------------------------------------------------- factories

def basic(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
          stride: int = 1) -> nn.Module:
    """``n`` ResNet basic blocks (torchvision's ``BasicBlock``, its ReLU swapped for ``act``)."""
    def one(ci, co, s):
        return swap_norm_act(BasicBlock(ci, co, s, downsample=_shortcut(ci, co, s, norm),
                                        norm_layer=lambda c: make_norm(norm, c)), norm, act)
    return _stage(one, cin, cout, n, stride)


def bottleneck(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
               stride: int = 1) -> nn.Module:
    """``n`` ResNet bottlenecks (torchvision's ``Bottleneck``, expansion 4: inner width
    ``cout // 4``, stride on the 3×3 as in torchvision's ResNet v1.5)."""
    def one(ci, co, s):
        return swap_norm_act(Bottleneck(ci, co // Bottleneck.expansion, s,
                                        downsample=_shortcut(ci, co, s, norm),
                                        norm_layer=lambda c: make_norm(norm, c)), norm, act)
    return _stage(one, cin, cout, n, stride)


def resnext(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
            stride: int = 1, group_width: int = 4) -> nn.Module:
    """``n`` ResNeXt bottlenecks: inner width ``cout // 2`` split into groups of ``group_width``
    channels (ResNeXt-50 32×4d's ratios: at ``cout = 256``, 32 groups of 4), built from
    torchvision's ``Bottleneck`` with ``groups`` and ``base_width``."""
    def one(ci, co, s):
        planes = co // Bottleneck.expansion
        groups = max(1, (co // 2) // group_width)
        # torchvision: width = int(planes · base_width / 64) · groups; aim for group_width per group
        base_width = 64.0 * (group_width + 0.5) / planes
        blk = Bottleneck(ci, planes, s, downsample=_shortcut(ci, co, s, norm), groups=groups,
                         base_width=base_width, norm_layer=lambda c: make_norm(norm, c))
        return swap_norm_act(blk, norm, act)
    return _stage(one, cin, cout, n, stride)


def c2f(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
        stride: int = 1) -> nn.Module:
    """YOLOv8's C2f (:class:`fpnlab.blocks.C2f`) with ``n`` bottlenecks and their shortcut
    on, as in YOLOv8's backbone. Stride 1 only (YOLOv8 downsamples with a conv before it)."""
    check_int("stride", stride, where="make_block('c2f')")
    if stride != 1:
        raise ArgumentError(_t("no_stride", name="c2f"))
    return swap_norm_act(C2f(cin, cout, n, shortcut=True), norm, act)


def dwsep(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
          stride: int = 1) -> nn.Module:
    """``n`` :class:`DepthwiseSeparable` blocks."""
    return _stage(lambda ci, co, s: DepthwiseSeparable(ci, co, s, norm, act), cin, cout, n, stride)


def inverted(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
             stride: int = 1, expand_ratio: int = 6) -> nn.Module:
    """``n`` MobileNetV2 inverted residuals (torchvision's ``InvertedResidual``: 1×1 expand by
    ``expand_ratio`` → depthwise 3×3 → *linear* 1×1 projection, ``+ x`` when the shape is kept;
    its ReLU6 swapped for ``act``)."""
    def one(ci, co, s):
        return swap_norm_act(InvertedResidual(ci, co, s, expand_ratio,
                                              norm_layer=lambda c: make_norm(norm, c)), norm, act)
    return _stage(one, cin, cout, n, stride)


def dilated(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
            stride: int = 1, dilation: int = 2) -> nn.Module:
    """``n`` :class:`DilatedBlock` (both 3×3 convs dilated by ``dilation``)."""
    return _stage(lambda ci, co, s: DilatedBlock(ci, co, s, dilation, norm, act), cin, cout, n, stride)


def repvgg(cin: int, cout: int, n: int = 1, norm: str | None = "bn", act: str | None = "silu",
           stride: int = 1) -> nn.Module:
    """``n`` :class:`RepVGGBlock` (norm must be ``"bn"``: folding needs it). The paper uses
    ReLU; the factory follows the common signature's ``act``."""
    return _stage(lambda ci, co, s: RepVGGBlock(ci, co, s, act=act, norm=norm), cin, cout, n, stride)


#: name → factory ``(cin, cout, n=1, norm="bn", act="silu", stride=1) -> nn.Module``
BLOCKS: dict[str, Callable[..., nn.Module]] = {
    "basic": basic,
    "bottleneck": bottleneck,
    "c2f": c2f,
    "resnext": resnext,
    "dwsep": dwsep,
    "inverted": inverted,
    "dilated": dilated,
    "repvgg": repvgg,
}


def make_block(name: str, cin: int, cout: int, n: int = 1, norm: str | None = "bn",
               act: str | None = "silu", **kw) -> nn.Module:
    """``BLOCKS[name](cin, cout, n, norm, act, **kw)``; an unknown name raises
    :class:`~fpnlab.errors.UnknownNameError` listing :data:`BLOCKS`."""
    check_choice("name", name, BLOCKS, where="make_block")
    return BLOCKS[name](cin, cout, n, norm, act, **kw)
