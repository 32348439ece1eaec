"""RT-DETR's blocks (Zhao et al., "DETRs Beat YOLOs on Real-time Object Detection", CVPR 2024):
``AIFI``, the one transformer encoder layer of the hybrid encoder, and ``RepC3``, the block of
its cross-scale fusion (CCFM).

- :func:`sincos_pos_embed_2d` — a fixed 2-D sine-cosine position code for an ``H × W`` grid:
  a quarter of the channels each for ``sin(y·ω)``, ``cos(y·ω)``, ``sin(x·ω)``, ``cos(x·ω)`` with
  ``ω_k = 1 / T^(k / (C/4))``, ``T = 10 000`` (in this order: rows first, as ultralytics builds it).
- :class:`AIFI` — *attention-based intra-scale feature interaction*: the ``H·W`` positions of one
  map are the tokens of a post-norm transformer encoder layer (multi-head self-attention, then a
  GELU feed-forward, each with a residual and a LayerNorm after it). The position code is added to
  queries and keys only, never to the values — what a position *says* stays its feature; where it
  is only decides who listens.
- :class:`RepC3` — two 1×1 branches, ``n`` RepVGG-style convs (3×3 + 1×1, no identity branch,
  :class:`~fpnlab.blocks.RepVGGBlock` with ``identity=False``) on one of them, summed (not
  concatenated, unlike C2f), and a 1×1 conv when the hidden width differs from the output's.

``tests/test_rtdetr_ultralytics.py`` checks both against ultralytics' ``AIFI`` and ``RepC3``
with copied weights, bit for bit.

>>> x = torch.randn(2, 64, 5, 7)
>>> tuple(AIFI(64, ffn=128, heads=4)(x).shape), tuple(RepC3(64, 32, n=2)(x).shape)
((2, 64, 5, 7), (2, 32, 5, 7))
>>> tuple(sincos_pos_embed_2d(5, 7, 64).shape)
(35, 64)
"""
from __future__ import annotations

import torch
from torch import nn

from ..arguments import check_image_batch, check_int, check_number
from ..errors import ArgumentError
from ..i18n import Strings
from .yolo import YOLO_BN, ConvBNSiLU
from .zoo import RepVGGBlock

_t = Strings({
    "dim4": {
        "en": "sincos_pos_embed_2d: dim = {dim:d} must be a multiple of 4 (a quarter each for sin and cos of rows "
              "and columns). Fix: use a width such as {fix:d}.",
        "tr": "sincos_pos_embed_2d: dim = {dim:d} 4'ün katı olmalı (satır ve sütunların sin ve cos'u için dörtte "
              "birer). Düzeltme: {fix:d} gibi bir genişlik kullan."},
    "heads": {
        "en": "AIFI: dim = {dim:d} is not divisible by heads = {heads:d}. Fix: pick heads dividing dim "
              "(RT-DETR: 256 channels, 8 heads).",
        "tr": "AIFI: dim = {dim:d}, heads = {heads:d} ile tam bölünmüyor. Düzeltme: dim'i bölen bir heads seç "
              "(RT-DETR: 256 kanal, 8 head)."},
})


def sincos_pos_embed_2d(h: int, w: int, dim: int, temperature: float = 10000.0,
                        device=None) -> torch.Tensor:
    """The fixed 2-D sine-cosine position code of an ``h × w`` grid, ``(h·w, dim)``, tokens in
    row-major order (the order of ``x.flatten(2)``): columns ``[sin(y·ω), cos(y·ω), sin(x·ω),
    cos(x·ω)]`` with ``ω_k = temperature^(−k / (dim/4))``, ``k = 0 … dim/4 − 1``, computed in
    float32."""
    check_int("h", h, where="sincos_pos_embed_2d")
    check_int("w", w, where="sincos_pos_embed_2d")
    check_int("dim", dim, where="sincos_pos_embed_2d")
    if dim % 4:
        raise ArgumentError(_t("dim4", dim=dim, fix=max(4, dim // 4 * 4)))
    q = dim // 4
    omega = 1.0 / temperature ** (torch.arange(q, dtype=torch.float32, device=device) / q)
    y, x = torch.meshgrid(torch.arange(h, dtype=torch.float32, device=device),
                          torch.arange(w, dtype=torch.float32, device=device), indexing="ij")
    y, x = y.flatten()[:, None] * omega, x.flatten()[:, None] * omega
    return torch.cat([y.sin(), y.cos(), x.sin(), x.cos()], 1)


class AIFI(nn.Module):
    """One post-norm transformer encoder layer over the positions of a map (RT-DETR's AIFI):
    ``(B, C, H, W)`` → ``(B, C, H, W)``.

    With tokens ``t = flatten(x)`` ``(B, H·W, C)`` and the position code ``p``
    (:func:`sincos_pos_embed_2d`)::

        t = norm1(t + MHA(q = t + p, k = t + p, v = t))
        t = norm2(t + fc2(GELU(fc1(t))))

    ``ffn`` is the feed-forward width (RT-DETR: 1024 for 256 channels), ``heads`` the attention
    heads (8). :meth:`attention` returns the attention weights, one ``(H·W) × (H·W)`` matrix per
    head: row ``i`` is where position ``i`` looks.
    """

    def __init__(self, dim: int, ffn: int = 1024, heads: int = 8, temperature: float = 10000.0):
        super().__init__()
        check_int("dim", dim, where="AIFI")
        check_int("ffn", ffn, where="AIFI")
        check_int("heads", heads, where="AIFI")
        check_number("temperature", temperature, minimum=0, strict=True, where="AIFI")
        if dim % heads:
            raise ArgumentError(_t("heads", dim=dim, heads=heads))
        if dim % 4:
            raise ArgumentError(_t("dim4", dim=dim, fix=max(4, dim // 4 * 4)))
        self.dim, self.temperature = dim, float(temperature)
        self.ma = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(dim, ffn), nn.Linear(ffn, dim)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.act = nn.GELU()

    def _tokens(self, x: torch.Tensor):
        check_image_batch("x", x, channels=self.dim, channels_arg="dim", where="AIFI")
        h, w = x.shape[-2:]
        pos = sincos_pos_embed_2d(h, w, self.dim, self.temperature, device=x.device).to(x.dtype)
        return x.flatten(2).transpose(1, 2), pos[None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, pos = self._tokens(x)
        b, c, h, w = x.shape
        qk = t + pos
        # need_weights left on, as ultralytics calls it: the same kernels, the same bits
        t = self.norm1(t + self.ma(qk, qk, t)[0])
        t = self.norm2(t + self.fc2(self.act(self.fc1(t))))
        return t.transpose(1, 2).reshape(b, c, h, w)

    @torch.no_grad()
    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """The attention weights of ``x`` ``(B, C, H, W)``: ``(B, heads, H·W, H·W)``, each row a
        softmax (sums to one) over the ``H·W`` positions."""
        t, pos = self._tokens(x)
        qk = t + pos
        return self.ma(qk, qk, t, need_weights=True, average_attn_weights=False)[1]


class RepC3(nn.Module):
    """RT-DETR's fusion block: ``(B, cin, H, W)`` → ``(B, cout, H, W)``::

        y = cv3(m(cv1(x)) + cv2(x))      cv1, cv2: 1×1 ConvBNSiLU to c = cout·e
                                         m: n × RepVGGBlock(c, c, SiLU, no identity branch)
                                         cv3: 1×1 ConvBNSiLU c → cout, or nothing if c = cout

    Every BatchNorm has YOLO's settings (``eps=1e-3``), as in ultralytics."""

    def __init__(self, cin: int, cout: int, n: int = 3, e: float = 1.0):
        super().__init__()
        check_int("cin", cin, where="RepC3")
        check_int("cout", cout, where="RepC3")
        check_int("n", n, where="RepC3")
        check_number("e", e, minimum=0, strict=True, where="RepC3")
        c = check_int("int(cout * e)", int(cout * e), where="RepC3")
        self.cin = cin
        self.cv1, self.cv2 = ConvBNSiLU(cin, c), ConvBNSiLU(cin, c)
        self.m = nn.Sequential(*(RepVGGBlock(c, c, act="silu", identity=False, bn=YOLO_BN) for _ in range(n)))
        self.cv3 = ConvBNSiLU(c, cout) if c != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.cin, channels_arg="cin", where="RepC3")
        return self.cv3(self.m(self.cv1(x)) + self.cv2(x))


__all__ = ["AIFI", "RepC3", "sincos_pos_embed_2d"]
