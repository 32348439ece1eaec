"""YOLO11's and YOLO26's blocks: ``C3k``, ``C3k2``, the position-sensitive attention
(``PSAAttention``, ``PSABlock``) and ``C2PSA``.

- ``C3k2`` is YOLOv8's C2f with other inner blocks: a bottleneck that narrows to half its width
  (``c3k=False``), a small C3 of two bottlenecks (``C3k``, ``c3k=True``), or — YOLO26's last neck
  block — a bottleneck followed by a ``PSABlock`` (``attn=True``).
- ``PSAAttention`` is multi-head self-attention over every position of a map, computed by 1×1
  convs (query, key, value in one ``qkv`` conv; keys half as wide as values), with a depthwise 3×3
  conv on the values as positional encoding; ``PSABlock`` adds a feed-forward pair of 1×1 convs,
  both with residuals; ``C2PSA`` runs ``n`` of them on half the channels, CSP-style, at the end of
  YOLO11's backbone (ultralytics' layer 10).

``tests/test_yolo11_ultralytics.py`` checks each against ultralytics with copied weights, bit for
bit.

>>> x = torch.randn(1, 64, 12, 20)
>>> tuple(C3k2(64, 128, n=2)(x).shape), tuple(C3k2(64, 64, attn=True)(x).shape), tuple(C2PSA(64, 64)(x).shape)
((1, 128, 12, 20), (1, 64, 12, 20), (1, 64, 12, 20))
"""
from __future__ import annotations

import torch
from torch import nn

from ..arguments import check_bool, check_image_batch, check_int, check_number
from ..errors import ArgumentError
from ..i18n import Strings
from .yolo import Bottleneck, ConvBNSiLU

_t = Strings({
    "heads": {
        "en": "PSAAttention: dim = {dim:d} is not divisible by num_heads = {heads:d}. Fix: pick num_heads dividing dim "
              "(YOLO11 uses max(dim // 64, 1)).",
        "tr": "PSAAttention: dim = {dim:d}, num_heads = {heads:d} ile tam bölünmüyor. Düzeltme: dim'i bölen bir "
              "num_heads seç (YOLO11 max(dim // 64, 1) kullanır)."},
    "same": {
        "en": "C2PSA: cin = {cin:d} and cout = {cout:d} must be equal (its residual path adds them). Fix: pass the same "
              "number twice.",
        "tr": "C2PSA: cin = {cin:d} ile cout = {cout:d} eşit olmalı (artık yolu ikisini toplar). Düzeltme: aynı sayıyı "
              "iki kez ver."},
})


def psa_heads(c: int) -> int:
    """YOLO11's number of attention heads for ``c`` channels: ``max(c // 64, 1)``."""
    return max(check_int("c", c, where="psa_heads") // 64, 1)


class C3k(nn.Module):
    """A small CSP block (ultralytics' ``C3k``): ``cv1`` and ``cv2`` (1×1) map ``cin → c``
    (``c = cout·e``); ``n`` bottlenecks of two 3×3 convs run on ``cv1``'s branch; the branches are
    concatenated and ``cv3`` (1×1) maps ``2c → cout``. ``(B, cin, H, W)`` → ``(B, cout, H, W)``."""

    def __init__(self, cin: int, cout: int, n: int = 2, shortcut: bool = True, e: float = 0.5):
        super().__init__()
        check_int("cin", cin, where="C3k")
        check_int("cout", cout, where="C3k")
        check_int("n", n, where="C3k")
        check_number("e", e, minimum=0, maximum=1, strict=True, where="C3k")
        c = check_int("int(cout * e)", int(cout * e), where="C3k")
        self.cv1, self.cv2 = ConvBNSiLU(cin, c, 1), ConvBNSiLU(cin, c, 1)
        self.cv3 = ConvBNSiLU(2 * c, cout, 1)
        self.m = nn.Sequential(*(Bottleneck(c, shortcut) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cv1[0].in_channels, channels_arg="cin", where="C3k")
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class PSAAttention(nn.Module):
    """Multi-head self-attention over the ``N = H·W`` positions of ``(B, dim, H, W)`` (ultralytics'
    ``Attention``): one 1×1 conv gives per head a query and a key of ``key_dim = head_dim ·
    attn_ratio`` channels and a value of ``head_dim``; ``softmax(q·kᵀ / √key_dim)`` weighs the
    values; a depthwise 3×3 conv of the values is added (positional encoding) and a 1×1 conv
    projects. Every conv has BatchNorm and no activation. Cost: ``O(N²)`` in memory and time.
    ``(B, dim, H, W)`` → same."""

    def __init__(self, dim: int, num_heads: int = 8, attn_ratio: float = 0.5):
        super().__init__()
        check_int("dim", dim, where="PSAAttention")
        check_int("num_heads", num_heads, where="PSAAttention")
        check_number("attn_ratio", attn_ratio, minimum=0, strict=True, where="PSAAttention")
        if dim % num_heads:
            raise ArgumentError(_t("heads", dim=dim, heads=num_heads))
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.key_dim = check_int("key_dim", int(self.head_dim * attn_ratio), where="PSAAttention")
        self.scale = self.key_dim ** -0.5
        self.qkv = ConvBNSiLU(dim, dim + 2 * self.key_dim * num_heads, 1, act=None)
        self.proj = ConvBNSiLU(dim, dim, 1, act=None)
        self.pe = ConvBNSiLU(dim, dim, 3, act=None, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.proj[0].in_channels, channels_arg="dim", where="PSAAttention")
        b, c, h, w = x.shape
        q, k, v = self.qkv(x).view(b, self.num_heads, 2 * self.key_dim + self.head_dim, h * w).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2)
        attn = ((q * self.scale).transpose(-2, -1) @ k).softmax(dim=-1)  # (B, heads, N, N)
        y = (v @ attn.transpose(-2, -1)).view(b, c, h, w) + self.pe(v.reshape(b, c, h, w))
        return self.proj(y)


class PSABlock(nn.Module):
    """``x + PSAAttention(x)``, then ``+ FFN`` (1×1 ``c → 2c`` with SiLU, 1×1 ``2c → c`` without);
    without ``shortcut`` the two steps replace instead of add. ``(B, c, H, W)`` → same."""

    def __init__(self, c: int, attn_ratio: float = 0.5, num_heads: int = 4, shortcut: bool = True):
        super().__init__()
        check_bool("shortcut", shortcut, where="PSABlock")
        self.attn = PSAAttention(c, num_heads, attn_ratio)
        self.ffn = nn.Sequential(ConvBNSiLU(c, 2 * c, 1), ConvBNSiLU(2 * c, c, 1, act=None))
        self.add = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x) if self.add else self.attn(x)
        return x + self.ffn(x) if self.add else self.ffn(x)


class C2PSA(nn.Module):
    """CSP around ``n`` :class:`PSABlock`: ``cv1`` (1×1) maps ``cin → 2c`` (``c = cin·e``) and
    splits it; the second half runs through the blocks (``max(c // 64, 1)`` heads each); ``cv2``
    (1×1) maps the concatenation back to ``cin`` (YOLO11's layer 10). ``(B, cin, H, W)`` → same."""

    def __init__(self, cin: int, cout: int | None = None, n: int = 1, e: float = 0.5):
        super().__init__()
        check_int("cin", cin, where="C2PSA")
        cout = cin if cout is None else check_int("cout", cout, where="C2PSA")
        if cout != cin:
            raise ArgumentError(_t("same", cin=cin, cout=cout))
        check_int("n", n, where="C2PSA")
        check_number("e", e, minimum=0, maximum=1, strict=True, where="C2PSA")
        self.c = check_int("int(cin * e)", int(cin * e), where="C2PSA")
        self.cv1 = ConvBNSiLU(cin, 2 * self.c, 1)
        self.cv2 = ConvBNSiLU(2 * self.c, cin, 1)
        self.m = nn.Sequential(*(PSABlock(self.c, 0.5, psa_heads(self.c)) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cv1[0].in_channels, channels_arg="cin", where="C2PSA")
        a, b = self.cv1(x).split((self.c, self.c), dim=1)
        return self.cv2(torch.cat((a, self.m(b)), 1))


class C3k2(nn.Module):
    """YOLO11's CSP block: C2f's layout — ``cv1`` (1×1, ``cin → 2c``, ``c = cout·e``) split in two,
    ``n`` inner blocks chained on the second half, every piece concatenated, ``cv2`` (1×1,
    ``(2 + n)·c → cout``) — with the inner block chosen by ``c3k`` / ``attn``:

    - default: :class:`~fpnlab.blocks.Bottleneck` narrowing to ``c/2`` (ultralytics' ``e = 0.5``);
    - ``c3k=True``: :class:`C3k` of two bottlenecks (YOLO11's deeper stages; every block of the
      m/l/x scales);
    - ``attn=True``: that bottleneck followed by a :class:`PSABlock` (YOLO26's P5 neck block).

    ``(B, cin, H, W)`` → ``(B, cout, H, W)``.
    """

    def __init__(self, cin: int, cout: int, n: int = 1, c3k: bool = False, e: float = 0.5, attn: bool = False,
                 shortcut: bool = True):
        super().__init__()
        check_int("cin", cin, where="C3k2")
        check_int("cout", cout, where="C3k2")
        check_int("n", n, where="C3k2")
        for name, value in (("c3k", c3k), ("attn", attn), ("shortcut", shortcut)):
            check_bool(name, value, where="C3k2")
        check_number("e", e, minimum=0, maximum=1, strict=True, where="C3k2")
        self.c = check_int("int(cout * e)", int(cout * e), where="C3k2")
        self.cv1 = ConvBNSiLU(cin, 2 * self.c, 1)
        self.cv2 = ConvBNSiLU((2 + n) * self.c, cout, 1)
        c = self.c
        self.m = nn.ModuleList(
            nn.Sequential(Bottleneck(c, shortcut, e=0.5), PSABlock(c, 0.5, psa_heads(c))) if attn
            else C3k(c, c, 2, shortcut) if c3k else Bottleneck(c, shortcut, e=0.5)
            for _ in range(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cv1[0].in_channels, channels_arg="cin", where="C3k2")
        y = list(self.cv1(x).chunk(2, 1))
        for block in self.m:
            y.append(block(y[-1]))
        return self.cv2(torch.cat(y, 1))


__all__ = ["C2PSA", "C3k", "C3k2", "PSAAttention", "PSABlock", "psa_heads"]
