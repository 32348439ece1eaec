"""Errors shared by several modules, kept in a module that imports nothing heavy.

>>> issubclass(CocoFormatError, ValueError)
True
"""


class CocoFormatError(ValueError):
    """A COCO annotation file (or dict) is malformed. The message names the field, the image,
    annotation or category id, and what to change. Raised by :func:`fpnlab.data.check_coco`,
    :class:`fpnlab.data.CocoFolder` and :func:`fpnlab.datastats.dataset_stats`; importable as
    ``fpnlab.data.CocoFormatError``."""
