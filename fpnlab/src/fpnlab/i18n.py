"""The reader's language: UI strings, messages and number formats in English and Turkish.

``fpnlab`` speaks English unless told otherwise. The book's notebooks set their language once,
in the setup cell, and every label, table header, message and teaching error follows it:

>>> import fpnlab
>>> fpnlab.set_lang("tr")
>>> t("level")
'Seviye'
>>> t("object_size")
'Nesne boyutu (px)'
>>> fmt_num(194361), fmt_num(3.3, decimals=1), fmt_pct(0.628)
('194.361', '3,3', '%62,8')
>>> fpnlab.set_lang("en")
>>> fmt_num(194361), fmt_pct(0.628)
('194,361', '62.8%')

Each key keeps its two languages side by side (:data:`STRINGS`), so they cannot drift apart.
Only the library's own strings live here; text that one chapter alone shows lives with that
chapter, in a :class:`Strings` table inside the notebook (which also works in Colab, where only
the notebook and the pip-installed library exist).

Numbers in messages are formatted for the language: ``{x:.2f}`` gives ``2.50`` in English and
``2,50`` in Turkish, ``{n}`` or ``{n:,}`` groups thousands (``194,361`` / ``194.361``);
``{n:d}`` opts out (years, sizes in px that read better ungrouped).
"""
from __future__ import annotations

import difflib
import math
import numbers
import re
import string
from collections.abc import Mapping

from .errors import ArgumentError, UnknownNameError

LANGS = ("en", "tr")
_LOCALES = {"en": "en_US", "tr": "tr_TR"}
_state = {"lang": "en"}

# The book's shared vocabulary of table and plot labels, used by the library's tables and plots and
# by the chapters' tables: one entry per key, both languages side by side, looked up with ``t``
# (below). A module's own messages live in its own ``_t = Strings({...})`` table; sentences only a
# chapter shows live in that chapter's prose.
STRINGS: dict[str, dict[str, str]] = {
    # tables
    "level": {"en": "Level", "tr": "Seviye"},
    "channels": {"en": "Channels", "tr": "Kanal"},
    "stride": {"en": "Stride", "tr": "Stride"},
    "size": {"en": "H × W", "tr": "H × W"},
    "cells": {"en": "Cells", "tr": "Hücre"},
    "recommended": {"en": "Recommended", "tr": "Önerilen"},
    "input_size": {"en": "Input size (px)", "tr": "Girdi boyutu (px)"},
    "object_size": {"en": "Object size (px)", "tr": "Nesne boyutu (px)"},
    "image": {"en": "Image", "tr": "Görüntü"},
    "channel": {"en": "Channel", "tr": "Kanal no"},
    "parameters": {"en": "Parameters", "tr": "Parametre"},
    "time_ms": {"en": "Time (ms)", "tr": "Süre (ms)"},
    "variant": {"en": "Variant", "tr": "Varyant"},
    "max_abs_diff": {"en": "Max |difference|", "tr": "En büyük |fark|"},
    "equal": {"en": "Equal", "tr": "Eşit"},
    "declared": {"en": "Declared stride", "tr": "Belirtilen stride"},
    "measured": {"en": "Measured stride", "tr": "Ölçülen stride"},
    "ok": {"en": "OK", "tr": "Tamam"},
    "mismatch": {"en": "MISMATCH", "tr": "UYUMSUZ"},
    # plots and widgets
    "pyramid_title": {"en": "Feature pyramid", "tr": "Özellik piramidi"},
    "input": {"en": "Input", "tr": "Girdi"},
    "feature_maps": {"en": "Feature maps", "tr": "Feature map'ler"},
    "backbone_level": {"en": "Backbone {name}", "tr": "Backbone {name}"},
    "neck_level": {"en": "Neck {name}", "tr": "Neck {name}"},
    "loss": {"en": "Loss", "tr": "Loss"},
    "step": {"en": "Step", "tr": "Adım"},
    "training": {"en": "Training", "tr": "Eğitim"},
    "mean_abs": {"en": "mean |activation|", "tr": "ortalama |aktivasyon|"},
    "raw_weight": {"en": "raw weight w{i}", "tr": "ham ağırlık w{i}"},
    "method": {"en": "Method", "tr": "Yöntem"},
    "weight": {"en": "w{i}", "tr": "w{i}"},
    "fused": {"en": "fused ({method})", "tr": "fusion sonrası ({method})"},
    "variant_label": {"en": "Variant", "tr": "Varyant"},
    "channel_weights": {"en": "Channel weights (sorted)", "tr": "Kanal ağırlıkları (sıralı)"},
    "static_note": {"en": "Precomputed values (works without a kernel).",
                    "tr": "Önceden hesaplanmış değerler (kernel olmadan çalışır)."},
    "live_note": {"en": "Live (needs a running kernel).", "tr": "Canlı (çalışan bir kernel ister)."},
    "attention_map": {"en": "Attention map", "tr": "Attention haritası"},
    "after_attention": {"en": "After attention", "tr": "Attention sonrası"},
    "before_attention": {"en": "Before attention", "tr": "Attention öncesi"},
    # query_attention_viewer (chapter 18)
    "query_row": {"en": "Query row", "tr": "Query satırı"},
    "query_column": {"en": "Query column", "tr": "Query sütunu"},
    "head_label": {"en": "Head", "tr": "Head"},
    "mean_of_heads": {"en": "mean of heads", "tr": "head'lerin ortalaması"},
    "query_position": {"en": "Query ({row}, {col})", "tr": "Query ({row}, {col})"},
    "query_weights": {"en": "Where it looks ({head}), max {peak}", "tr": "Baktığı yer ({head}), en çok {peak}"},
    # fpn_block diagram (viz)
    "fpn_block_title": {"en": "The baseline FPN block at level k",
                       "tr": "Baseline FPN bloğu, k seviyesinde"},
    "fpn_block_lateral": {"en": "lateral\n1×1 conv",
                         "tr": "lateral\n1×1 conv"},
    "fpn_block_up": {"en": "Up ×2\n(to the size of $L_k$)",
                    "tr": "Up ×2\n($L_k$'nın boyutuna)"},
    "fpn_block_smooth": {"en": "smoothing\n3×3 conv",
                        "tr": "smoothing\n3×3 conv"},
    "fpn_block_backbone": {"en": "from the backbone",
                          "tr": "backbone'dan"},
    "fpn_block_from_coarser": {"en": "from level k+1 (coarser)",
                              "tr": "k+1 seviyesinden (daha kaba)"},
    "fpn_block_to_finer": {"en": "to level k−1 (finer),\nbefore smoothing",
                          "tr": "k−1 seviyesine (daha ince),\nsmoothing'den önce"},
    "fpn_block_to_head": {"en": "to the head",
                         "tr": "head'e"},
    "fpn_block_top": {"en": "top level: $T_{top} = L_{top}$ (no sum)",
                     "tr": "en üst seviye: $T_{top} = L_{top}$ (toplama yok)"},
    # PANet diagram (viz.panet_diagram)
    "panet_title": {"en": "PANet = FPN + bottom-up path augmentation",
                    "tr": "PANet = FPN + bottom-up yol ekleme"},
    "panet_col_backbone": {"en": "Backbone", "tr": "Backbone"},
    "panet_col_top_down": {"en": "FPN: top-down", "tr": "FPN: top-down"},
    "panet_col_bottom_up": {"en": "Added bottom-up path", "tr": "Eklenen bottom-up yol"},
    "panet_long_path": {"en": "Through the backbone: C{first} → … → C{top} → P{top}",
                        "tr": "Backbone üzerinden: C{first} → … → C{top} → P{top}"},
    "panet_short_path": {"en": "PANet's short path: C{first} → P{first} → N{first} → … → N{top}",
                         "tr": "PANet'in kısa yolu: C{first} → P{first} → N{first} → … → N{top}"},
    # BiFPN diagram (viz.bifpn_diagram)
    "bifpn_title": {"en": "One BiFPN cell, P{first}–P{top}", "tr": "Bir BiFPN hücresi, P{first}–P{top}"},
    "bifpn_col_inputs": {"en": "Cell inputs", "tr": "Hücre girdileri"},
    "bifpn_col_td": {"en": "Top-down nodes", "tr": "Top-down düğümleri"},
    "bifpn_col_out": {"en": "Outputs", "tr": "Çıktılar"},
    "bifpn_edge_up": {"en": "top-down: nearest upsampling", "tr": "top-down: nearest upsample"},
    "bifpn_edge_down": {"en": "bottom-up: 3×3 max-pool, stride 2",
                        "tr": "bottom-up: 3×3 max-pool, stride 2"},
    "bifpn_edge_same": {"en": "same level", "tr": "aynı seviye"},
    "bifpn_edge_skip": {"en": "extra edge: a level's input straight to its output",
                        "tr": "ek kenar: seviyenin girdisinden doğrudan çıktısına"},
    "bifpn_node_note": {"en": "node: weighted sum → SiLU → depthwise 3×3 → 1×1 → BN",
                        "tr": "düğüm: ağırlıklı toplam → SiLU → depthwise 3×3 → 1×1 → BN"},
    # yolo_pan diagram (viz)
    "yolo_title": {"en": "YOLOv8's PAN-FPN: SPPF and C2f blocks",
                  "tr": "YOLOv8'in PAN-FPN'i: SPPF ve C2f blokları"},
    "yolo_col_backbone": {"en": "backbone",
                         "tr": "backbone"},
    "yolo_col_top_down": {"en": "top-down",
                         "tr": "top-down"},
    "yolo_col_bottom_up": {"en": "bottom-up (outputs)",
                          "tr": "bottom-up (çıkışlar)"},
    "yolo_up": {"en": "×2 upsample (nearest)",
               "tr": "×2 upsample (nearest)"},
    "yolo_down": {"en": "3×3 conv, stride 2",
                 "tr": "3×3 conv, stride 2"},
    "yolo_same": {"en": "same level",
                 "tr": "aynı seviye"},
    "yolo_node": {"en": "every C2f reads the concat of its inputs",
                 "tr": "her C2f, girdilerinin concat'ını okur"},
    # Part V diagrams (viz): YOLO11/YOLO26, RT-DETR's hybrid encoder, Gold-YOLO's GD, ASFF
    "graph_attn": {"en": "attention inside", "tr": "içinde attention var"},
    "yolo11_title": {"en": "YOLO11's neck: C2PSA on C5, C3k2 blocks", "tr": "YOLO11'in neck'i: C5'te C2PSA, C3k2 blokları"},
    "yolo26_title": {"en": "YOLO26's neck: C3k2 blocks, attention in the P5 block",
                     "tr": "YOLO26'nın neck'i: C3k2 blokları, P5 bloğunda attention"},
    "yolo11_node": {"en": "every C3k2 reads the concat of its inputs", "tr": "her C3k2, girdilerinin concat'ını okur"},
    "hybrid_title": {"en": "RT-DETR's hybrid encoder: AIFI on C5, then CCFM (RepC3 FPN + PAN)",
                     "tr": "RT-DETR'ın hibrit encoder'ı: C5'te AIFI, sonra CCFM (RepC3 FPN + PAN)"},
    "hybrid_node": {"en": "every RepC3 reads the concat of its inputs; C3, C4, C5 first get a 1×1 projection",
                    "tr": "her RepC3, girdilerinin concat'ını okur; C3, C4, C5 önce 1×1 projeksiyondan geçer"},
    "gd_title": {"en": "Gold-YOLO's gather-and-distribute: gather every level, fuse once, inject back",
                 "tr": "Gold-YOLO'nun topla-ve-dağıt yapısı: her seviyeyi topla, bir kez birleştir, geri enjekte et"},
    "gd_gather": {"en": "gather (resize to one size, concat)", "tr": "topla (tek boyuta getir, concat)"},
    "gd_inject": {"en": "inject (multiply by a gate, add)", "tr": "enjekte et (kapıyla çarp, ekle)"},
    "gd_local": {"en": "local (neighbouring levels)", "tr": "yerel (komşu seviyeler)"},
    "gd_low": {"en": "Low-GD\nconv", "tr": "Low-GD\nconv"},
    "gd_high": {"en": "High-GD\nattention", "tr": "High-GD\nattention"},
    "asff_title": {"en": "ASFF: each output is a per-pixel weighted sum of all three levels",
                   "tr": "ASFF: her çıktı, üç seviyenin piksel başına ağırlıklı toplamı"},
    "asff_resize": {"en": "resized to the output's level", "tr": "çıktının seviyesine boyutlandırılmış"},
    "asff_node": {"en": "weights α, β, γ: softmax over the levels at every pixel",
                  "tr": "α, β, γ ağırlıkları: her pikselde seviyeler üzerinde softmax"},
}


def check_lang(lang, where: str | None = None) -> str:
    """``lang`` if the book has it, else :class:`fpnlab.errors.UnknownNameError` listing the
    choices (in the language set so far)."""
    if isinstance(lang, str) and lang in LANGS:
        return lang
    raise UnknownNameError(_t("err_lang", _state["lang"], where=f"{where}: " if where else "", lang=lang,
                              choices=", ".join(LANGS)))


def set_lang(lang: str) -> None:
    """Make ``lang`` (``"en"`` or ``"tr"``) the language of every label, message and number
    that ``fpnlab`` shows from now on. The book's setup cell calls ``fpnlab.set_lang(LANG)``."""
    _state["lang"] = check_lang(lang, where="set_lang")


def get_lang() -> str:
    """The language set by :func:`set_lang` (``"en"`` until then)."""
    return _state["lang"]


def _lang(lang: str | None) -> str:
    return get_lang() if lang is None else check_lang(lang)


# ---------------------------------------------------------------- numbers

def fmt_num(x, lang: str | None = None, decimals: int | None = None) -> str:
    """``x`` as the reader writes it: ``194,361`` / ``3.3`` in English, ``194.361`` / ``3,3`` in
    Turkish. ``decimals`` fixes the number of decimals; without it integers show none and other
    numbers up to three. ``nan`` and ``inf`` come back as ``"nan"`` and ``"∞"``."""
    from babel.numbers import format_decimal

    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else "-∞"
    locale = _LOCALES[_lang(lang)]
    decimals = _check_decimals(decimals, "fmt_num")
    if decimals is None:
        if float(x) == int(x) and not isinstance(x, float):
            return format_decimal(int(x), locale=locale)
        return format_decimal(x, locale=locale, format="#,##0.###")
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(x, format=pattern, locale=locale)


def _check_decimals(decimals, where: str) -> int | None:
    if decimals is None:
        return None
    if not (isinstance(decimals, numbers.Integral) and not isinstance(decimals, bool) and decimals >= 0):
        raise ArgumentError(_t("err_decimals", where=where, value=decimals))
    return int(decimals)


def fmt_pct(x: float, lang: str | None = None, decimals: int = 1) -> str:
    """The fraction ``x`` as a percentage: ``62.8%`` in English, ``%62,8`` in Turkish."""
    from babel.numbers import format_percent

    decimals = _check_decimals(decimals, "fmt_pct")
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    text = format_percent(x, format=pattern, locale=_LOCALES[_lang(lang)])
    if _lang(lang) == "tr":  # Turkish puts the percent sign first: %62,8, -%0,5
        sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
        text = sign + "%" + text.replace("%", "")
    return text


def fmt_frame(frame, lang: str | None = None, decimals: int | Mapping | None = None):
    """A copy of the pandas ``frame`` whose numbers are strings in the reader's format.

    ``decimals`` is one number for every column or ``{column: decimals}``; columns that are not
    numeric are left as they are. Use it for tables the reader sees (``print(fmt_frame(df))``)."""
    if isinstance(decimals, Mapping):
        for d in decimals.values():
            _check_decimals(d, "fmt_frame")
    else:
        _check_decimals(decimals, "fmt_frame")
    out = frame.copy()
    for col in out.columns:
        if not all(_is_number(v) for v in out[col]):
            continue
        d = decimals.get(col) if isinstance(decimals, Mapping) else decimals
        out[col] = [fmt_num(v, lang, d) for v in out[col]]
    return out


def glue(name: str, value, display: bool = False):
    """Put ``value`` into the book's prose as ``{glue:text}`name``` (myst-nb's ``glue``) and return it.

    The chapters compute the numbers their sentences quote; the sentences live in the prose of each
    language and the numbers are glued in. A number should arrive already formatted for the reader
    (``glue("ch9_ratio", fmt_num(r, decimals=2))``), so the Turkish text reads ``2,50``. Outside the
    book's build — in Colab or JupyterLab, where myst-nb is not installed — this does nothing (the
    chapter prints the same number in a table), so the same code runs everywhere.

    >>> glue("ch0_example", fmt_num(2.5, "en", 2))
    '2.50'
    """
    try:
        from myst_nb import glue as _glue
    except ImportError:  # not in the book's build: the chapter prints the number itself
        return value
    _glue(name, value, display=display)
    return value


def _is_number(v) -> bool:
    import numbers

    return isinstance(v, numbers.Number) and not isinstance(v, bool)


class _Formatter(string.Formatter):
    """``str.format`` whose numeric fields follow the language (see the module docstring)."""

    _spec = re.compile(r",?(?:\.(\d+)f)?")

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value, format_spec):
        if _is_number(value) and self._spec.fullmatch(format_spec):
            m = self._spec.fullmatch(format_spec)
            return fmt_num(value, self.lang, int(m.group(1)) if m.group(1) else None)
        return super().format_field(value, format_spec)


def _render(text: str, lang: str, fmt: dict) -> str:
    return _Formatter(lang).format(text, **fmt) if fmt else text.replace("{{", "{").replace("}}", "}")


# ---------------------------------------------------------------- strings

class Strings:
    """Text in both languages: ``{key: {"en": ..., "tr": ...}}``, checked when it is built.

    The one translation mechanism of fpnlab: the shared labels (:data:`t`), each module's own
    table (``_t``) and each chapter's own text are ``Strings``. The call picks the language
    :func:`set_lang` chose (or ``lang=``) and formats the fields for it.

    >>> _demo = Strings({"hello": {"en": "{n} levels", "tr": "{n} seviye"}})
    >>> _demo("hello", n=1024), _demo("hello", "tr", n=1024)
    ('1,024 levels', '1.024 seviye')
    >>> _demo("helo")
    Traceback (most recent call last):
    ...
    fpnlab.errors.UnknownNameError: no text 'helo' in this Strings table (keys like it: 'hello'). Fix: add it with en and tr, or use one of its keys.
    >>> Strings({"x": {"en": "only English"}})
    Traceback (most recent call last):
    ...
    fpnlab.errors.ArgumentError: Strings: 'x' lacks 'tr'. Fix: give every key a text in en, tr.
    """

    def __init__(self, table: Mapping[str, Mapping[str, str]], home: str = "this Strings table"):
        for key, texts in table.items():
            missing = [lg for lg in LANGS if not isinstance(texts, Mapping) or lg not in texts]
            if missing:
                _fail("err_lacks", key=key, missing=", ".join(map(repr, missing)), langs=", ".join(LANGS))
            fields = {lg: sorted({f for _, f, _, _ in string.Formatter().parse(texts[lg]) if f})
                      for lg in LANGS}
            if len({tuple(v) for v in fields.values()}) > 1:
                _fail("err_fields", key=key, fields=str(fields))
        self.table = table
        self.home = home

    def __call__(self, key: str, lang: str | None = None, /, **fmt) -> str:
        lang = _lang(lang)
        if key not in self.table:

            close = difflib.get_close_matches(str(key), list(self.table), n=3) or list(self.table)[:3]
            raise UnknownNameError(_t("err_key", lang, key=key, home=self.home, close=", ".join(map(repr, close))))
        return _render(self.table[key][lang], lang, fmt)

    def __contains__(self, key) -> bool:
        return key in self.table

    def keys(self):
        return self.table.keys()


def _fail(name: str, /, **fmt):

    raise ArgumentError(_t(name, _state["lang"], **fmt))


# i18n's own messages
_t = Strings({
    "err_lang": {
        "en": "{where}lang = {lang!r} is not a language of the book. Fix: use one of {choices} (set LANG in the notebook's first cell).",
        "tr": "{where}lang = {lang!r} kitabın dillerinden biri değil. Düzeltme: şunlardan birini kullan: {choices} (LANG'i notebook'un ilk hücresinde ayarla).",
    },
    "err_key": {
        "en": "no text {key!r} in {home} (keys like it: {close}). Fix: add it with en and tr, or use one of its keys.",
        "tr": "{home} içinde {key!r} diye bir metin yok (benzer anahtarlar: {close}). Düzeltme: en ve tr metniyle ekle ya da var olan anahtarlardan birini kullan.",
    },
    "err_lacks": {
        "en": "Strings: {key!r} lacks {missing}. Fix: give every key a text in {langs}.",
        "tr": "Strings: {key!r} anahtarında {missing} eksik. Düzeltme: her anahtara {langs} dillerinin hepsinde bir metin ver.",
    },
    "err_decimals": {
        "en": "{where}: decimals = {value!r} must be an integer ≥ 0. Fix: pass a whole number ≥ 0, e.g. decimals=2.",
        "tr": "{where}: decimals = {value!r} en az 0 olan bir tam sayı olmalı. Düzeltme: 0 ya da daha büyük bir tam sayı ver, örneğin decimals=2.",
    },
    "err_fields": {
        "en": "Strings: {key!r} uses different fields in its languages, {fields}. Fix: use the same {{names}} in each.",
        "tr": "Strings: {key!r} dillerinde farklı alanlar kullanıyor, {fields}. Düzeltme: her dilde aynı {{adları}} kullan.",
    },
})

#: The shared labels (:data:`STRINGS`): ``t("level")`` in the language set by :func:`set_lang`,
#: ``t("level", "tr")`` in Turkish, ``t("backbone_level", name="C3")`` with its fields.
t = Strings(STRINGS, home="fpnlab.i18n.STRINGS")
