"""Building blocks, below both the backbones and the necks.

- :mod:`fpnlab.blocks.layers`     conv + norm + activation, the one norm factory (``make_norm``)
- :mod:`fpnlab.blocks.yolo`       YOLOv8's ``ConvBNSiLU``, ``Bottleneck``, ``C2f``, ``SPPF``
- :mod:`fpnlab.blocks.yolo11`     YOLO11's / YOLO26's ``C3k``, ``C3k2``, ``PSAAttention``, ``PSABlock``, ``C2PSA``
- :mod:`fpnlab.blocks.rtdetr`     RT-DETR's ``AIFI`` (attention on one level) and ``RepC3``
- :mod:`fpnlab.blocks.zoo`        the block zoo (:data:`BLOCKS`, ``make_block``, RepVGG)
- :mod:`fpnlab.blocks.attention`  SE, ECA, CBAM, Coordinate Attention, self-attention
- :mod:`fpnlab.blocks.upsample`   nearest, bilinear, DySample (:data:`UPSAMPLERS`, ``make_upsampler``)

Every name is importable from here: ``from fpnlab.blocks import C2f, make_norm, make_attention``.
"""
from .attention import (ATTENTIONS, CBAM, ECA, SE, CoordAtt, HSwish, SelfAttention2d, eca_kernel_size,
                        make_attention)
from .layers import ACTS, NORMS, choose_norm, conv_norm_act, gn_groups, make_act, make_norm
from .rtdetr import AIFI, RepC3, sincos_pos_embed_2d
from .upsample import UPSAMPLERS, DySample, Interpolate, make_upsampler
from .yolo import SPPF, Bottleneck, C2f, ConvBNSiLU
from .yolo11 import C2PSA, C3k, C3k2, PSAAttention, PSABlock, psa_heads
from .zoo import (BLOCKS, DepthwiseSeparable, DilatedBlock, RepVGGBlock, make_block, reparameterize,
                  swap_norm_act)

__all__ = ["ACTS", "AIFI", "ATTENTIONS", "BLOCKS", "Bottleneck", "C2PSA", "C2f", "C3k", "C3k2", "CBAM", "ConvBNSiLU",
           "CoordAtt", "DepthwiseSeparable", "DilatedBlock", "DySample", "ECA", "HSwish", "Interpolate", "NORMS",
           "PSAAttention", "PSABlock", "RepC3", "RepVGGBlock", "SE", "SPPF", "UPSAMPLERS", "SelfAttention2d", "choose_norm",
           "conv_norm_act", "eca_kernel_size", "gn_groups", "make_act", "make_attention", "make_block", "make_norm",
           "make_upsampler", "psa_heads", "reparameterize", "sincos_pos_embed_2d", "swap_norm_act"]
