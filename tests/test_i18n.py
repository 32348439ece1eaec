"""fpnlab.i18n: both languages for every key, the language set once, numbers in the reader's
format, chapter tables checked, teaching errors translated."""
import string

import pandas as pd
import pytest
import torch

import fpnlab
from fpnlab import i18n
from fpnlab.errors import ArgumentError, UnknownNameError
from fpnlab.necks import FPN, PyramidInputError
from fpnlab.levels import check_feature_info


@pytest.fixture(autouse=True)
def english_after():
    yield
    fpnlab.set_lang("en")


def _fields(text):
    return sorted({f for _, f, _, _ in string.Formatter().parse(text) if f})


def test_every_library_string_has_both_languages_and_the_same_fields():
    for key, texts in i18n.STRINGS.items():
        assert set(texts) == set(i18n.LANGS), key
        assert all(texts.values()), key
        assert _fields(texts["en"]) == _fields(texts["tr"]), key


def test_language_is_set_once_and_english_is_the_default():
    assert fpnlab.get_lang() == "en" and i18n.t("level") == "Level"
    fpnlab.set_lang("tr")
    assert i18n.t("level") == "Seviye" and i18n.t("level", "en") == "Level"
    with pytest.raises(UnknownNameError, match="set_lang: lang = 'de'.*şunlardan birini kullan: en, tr"):
        fpnlab.set_lang("de")
    assert fpnlab.get_lang() == "tr"
    with pytest.raises(UnknownNameError, match="fpnlab.i18n.STRINGS içinde 'no-such-key'"):
        i18n.t("no-such-key")
    fpnlab.set_lang("en")
    with pytest.raises(UnknownNameError, match="use one of en, tr"):
        fpnlab.set_lang("de")
    with pytest.raises(UnknownNameError, match="no text 'levl'.*'level'"):
        i18n.t("levl")


@pytest.mark.parametrize("value, decimals, en, tr", [
    (194361, None, "194,361", "194.361"),
    (3.3, 1, "3.3", "3,3"),
    (7.4213, 2, "7.42", "7,42"),
    (0.25, None, "0.25", "0,25"),
    (12.0, None, "12", "12"),
    (1234567.891, 1, "1,234,567.9", "1.234.567,9"),
    (-0.5, 2, "-0.50", "-0,50"),
    (float("nan"), 2, "nan", "nan"),
])
def test_numbers_follow_the_language(value, decimals, en, tr):
    assert i18n.fmt_num(value, "en", decimals) == en
    assert i18n.fmt_num(value, "tr", decimals) == tr


def test_decimals_are_checked_at_the_door():
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ArgumentError, match="decimals"):
            i18n.fmt_num(1.25, decimals=bad)
        with pytest.raises(ArgumentError, match="fmt_pct: decimals"):
            i18n.fmt_pct(0.5, decimals=bad)
    with pytest.raises(ArgumentError, match="fmt_frame: decimals"):
        i18n.fmt_frame(pd.DataFrame({"x": [1.5]}), decimals={"x": -1})
    assert i18n.fmt_num(1.25, decimals=0) == "1"


def test_percent_sign_goes_first_in_turkish():
    assert i18n.fmt_pct(0.628, "en") == "62.8%"
    assert i18n.fmt_pct(0.628, "tr") == "%62,8"
    assert i18n.fmt_pct(0.5, "tr", decimals=0) == "%50"
    assert i18n.fmt_pct(-0.005, "tr") == "-%0,5" and i18n.fmt_pct(-0.005, "en") == "-0.5%"


def test_message_fields_are_formatted_for_the_language():
    from fpnlab.levels import recommend_level
    assert recommend_level(40, lang="tr").message == "Öneri: stride 16 seviyesi yeterli (≈2,50 hücre)."
    assert recommend_level(40, lang="en").message.endswith("(≈2.50 cells).")


def test_fmt_frame_formats_numeric_columns_only():
    df = pd.DataFrame({"n": [194361, 2], "x": [1.5, 0.25], "s": ["a", "b"]})
    out = i18n.fmt_frame(df, "tr", decimals={"x": 2})
    assert list(out["n"]) == ["194.361", "2"]
    assert list(out["x"]) == ["1,50", "0,25"]
    assert list(out["s"]) == ["a", "b"]
    assert df["n"].tolist() == [194361, 2]  # the input is untouched


def test_chapter_strings_need_both_languages_and_the_same_fields():
    T = i18n.Strings({"k": {"en": "{n} levels", "tr": "{n} seviye"}})
    assert T("k", n=3) == "3 levels"
    fpnlab.set_lang("tr")
    assert T("k", n=194361) == "194.361 seviye"
    with pytest.raises(ArgumentError, match="anahtarında 'tr' eksik"):
        i18n.Strings({"k": {"en": "x"}})
    with pytest.raises(ArgumentError, match="farklı alanlar"):
        i18n.Strings({"k": {"en": "{a}", "tr": "{b}"}})
    with pytest.raises(UnknownNameError, match="'missing' diye bir metin yok"):
        T("missing")
    fpnlab.set_lang("en")
    with pytest.raises(ArgumentError, match="lacks 'tr'"):
        i18n.Strings({"k": {"en": "x"}})


def test_the_shared_labels_are_a_strings_table_too():
    assert isinstance(i18n.t, i18n.Strings) and i18n.t.table is i18n.STRINGS
    assert fpnlab.t("level") == "Level" and fpnlab.t("level", "tr") == "Seviye"
    with pytest.raises(UnknownNameError, match="lang = 'de'"):
        fpnlab.t("level", "de")


def test_teaching_errors_speak_the_readers_language():
    neck = FPN([8, 16, 32], 8)
    feats = [torch.zeros(1, 8, 32, 32), torch.zeros(1, 16, 16, 16), torch.zeros(1, 32, 5, 5)]
    with pytest.raises(PyramidInputError, match="about half the size"):
        neck(feats)
    fpnlab.set_lang("tr")
    with pytest.raises(PyramidInputError, match="yaklaşık yarısı olmalı"):
        neck(feats)


def test_stride_mismatch_speaks_the_readers_language():
    fpnlab.set_lang("tr")
    with pytest.raises(ValueError, match="feature_info modelle uyuşmuyor"):
        check_feature_info(fpnlab.TinyBackbone.seed_demo(), 64)
