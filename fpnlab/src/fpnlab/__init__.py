"""fpnlab — companion library of *Feature Pyramids, Hands-On / Uygulamalı Özellik Piramitleri*.

Modules, in the order the book builds them (dependencies only flow downwards in this list):

- ``fpnlab.i18n``      UI strings in English and Turkish
- ``fpnlab.strides``   stride maps: measure, tabulate, recommend a level for an object size
- ``fpnlab.layers``    conv + norm + activation, the brick every block is made of
- ``fpnlab.attention`` SE, ECA, CBAM, Coordinate Attention (used after fusion in the necks)
- ``fpnlab.data``      a small generated image set with boxes (no downloads)
- ``fpnlab.backbones`` TinyBackbone, the seed's demo backbone, torchvision backbones (C2..C5)
- ``fpnlab.necks``     FPN (torchvision-equivalent), P6/P7, PANet, the YOLO PAN, BiFPN
- ``fpnlab.heads``     small dense heads on the pyramid levels
- ``fpnlab.detector``  backbone → neck → head, and a short training loop
- ``fpnlab.metrics``   parameters, FLOPs, latency and peak activation memory of a module
- ``fpnlab.viz`` / ``fpnlab.widgets``  plots and slider widgets (live and static twins)
"""
__version__ = "0.1.0"
