"""The errors fpnlab raises. Every error fpnlab raises on purpose is a :class:`FpnlabError`; its
message names the cause and the fix, in the language :func:`fpnlab.set_lang` chose. The built-in
class it also derives from says what kind of mistake it is (``ValueError`` for a bad value,
``TypeError`` for a wrong type), so ``except ValueError`` keeps working. The checks that raise
them at the door of every public function are in :mod:`fpnlab.arguments`.

>>> issubclass(UnknownNameError, ArgumentError) and issubclass(ArgumentError, (ValueError, TypeError))
True
"""
from __future__ import annotations


class FpnlabError(Exception):
    """Base class of every error fpnlab raises on purpose (message: cause and fix, in the reader's
    language)."""


class ArgumentError(FpnlabError, ValueError, TypeError):
    """An argument of a public function is out of range or of the wrong type. The message names the
    function, the argument, the value it got and the fix. It is both a ``ValueError`` and a
    ``TypeError``, so either ``except`` catches it."""


class UnknownNameError(ArgumentError):
    """A name (block, neck, attention, norm, activation, metric, ...) that fpnlab does not know; the
    message lists the known ones. Every registry raises this one class."""


class CocoFormatError(FpnlabError, ValueError):
    """A COCO annotation file (or dict), or a list of COCO results, is malformed. The message names
    the field, the image, annotation or category id, and what to change. Raised by
    :func:`fpnlab.coco.check_coco`, the one validator every reader of COCO data calls; import it as
    ``fpnlab.coco.CocoFormatError``."""


__all__ = ["ArgumentError", "CocoFormatError", "FpnlabError", "UnknownNameError"]
