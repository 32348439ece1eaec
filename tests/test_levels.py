"""fpnlab.levels: measuring, tabulating and recommending levels."""
import pytest
from torch import nn

from fpnlab.backbones import TinyBackbone
from fpnlab.levels import (StrideMismatchError, check_feature_info, measure_strides,
                            recommend_level, stride_table)


def test_measure_tiny_backbone():
    levels = measure_strides(TinyBackbone(), 256)
    assert [(lv.name, lv.stride, lv.size) for lv in levels] == [
        ("C2", 4, (64, 64)), ("C3", 8, (32, 32)), ("C4", 16, (16, 16)), ("C5", 32, (8, 8))]
    assert [lv.channels for lv in levels] == [16, 32, 64, 128]


def test_measure_odd_input_matches_stride_table():
    measured = measure_strides(TinyBackbone(), (225, 301))
    table = stride_table((225, 301), (4, 8, 16, 32))
    assert [lv.size for lv in measured] == [lv.size for lv in table] == [(57, 76), (29, 38), (15, 19), (8, 10)]
    assert [lv.stride for lv in measured] == [4, 8, 16, 32]


def test_measure_restores_training_mode_and_handles_lists():
    class ListModel(nn.Module):
        def forward(self, x):
            return [x[:, :, ::2, ::2], x[:, :, ::4, ::4]]
    m = ListModel().train()
    levels = measure_strides(m, 64)
    assert m.training
    assert [(lv.name, lv.stride) for lv in levels] == [("out0", 2), ("out1", 4)]


def test_seed_demo_backbone_bug_is_caught():
    demo = TinyBackbone.seed_demo()
    assert [lv.stride for lv in measure_strides(demo, 64)] == [2, 4, 8, 16]
    with pytest.raises(StrideMismatchError) as err:
        check_feature_info(demo, 64)
    msg = str(err.value)
    assert "C2: declared stride 4, measured 2" in msg and "C5: declared stride 32, measured 16" in msg
    assert len(check_feature_info(TinyBackbone(), 64)) == 4


def test_stride_table_names():
    assert [(lv.name, lv.size) for lv in stride_table(640, (8, 16, 32, 64, 128))] == [
        ("P3", (80, 80)), ("P4", (40, 40)), ("P5", (20, 20)), ("P6", (10, 10)), ("P7", (5, 5))]
    with pytest.raises(ValueError, match=r"an integer ≥ 1 or a pair \(H, W\)"):
        stride_table("640")


def test_recommend_level_reproduces_the_seed():
    # the seed's stride_recommend: strides (8, 16, 32), min_cells 2
    expected = {6: None, 12: None, 20: 8, 40: 16, 80: 32}
    for obj, stride in expected.items():
        rec = recommend_level(obj, (8, 16, 32))
        assert rec.stride == stride
        assert rec.cells == {8: obj / 8, 16: obj / 16, 32: obj / 32}
    assert recommend_level(40, (8, 16, 32)).message == "Recommendation: the stride-16 level is enough (≈2.50 cells)."
    assert recommend_level(6, (8, 16, 32), lang="tr").message.startswith("Uyarı: nesne çok küçük; stride 8")


def test_recommend_level_p2_to_p7():
    assert recommend_level(12).stride == 4 and recommend_level(12).level == "P2"
    assert recommend_level(600).stride == 128
    assert recommend_level(7).stride is None and recommend_level(7).level is None
    assert recommend_level(10, min_cells=1).stride == 8
    with pytest.raises(ValueError, match="obj_px = .* must be a number > 0"):
        recommend_level(0)


def test_check_feature_info_for_other_input_channels():
    assert len(check_feature_info(TinyBackbone(in_channels=1), 64, in_channels=1)) == 4


def test_any_module_and_any_feature_info_form():
    """A module returning a tuple, with timm-style dicts as feature_info, is measured and checked."""
    from torch import nn

    from fpnlab.levels import as_levels

    class TwoLevels(nn.Module):
        feature_info = [{"num_chs": 8, "reduction": 2, "module": "a"},
                        {"num_chs": 16, "reduction": 4, "module": "b"}]

        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(3, 8, 3, stride=2, padding=1)
            self.b = nn.Conv2d(8, 16, 3, stride=2, padding=1)

        def forward(self, x):
            a = self.a(x)
            return a, self.b(a)

    levels = check_feature_info(TwoLevels(), 64)
    assert [(lv.name, lv.channels, lv.stride, lv.size) for lv in levels] == [
        ("C1", 8, 2, (32, 32)), ("C2", 16, 4, (16, 16))]
    assert as_levels(TinyBackbone().feature_info) == TinyBackbone().feature_info
    with pytest.raises(TypeError, match="cannot read a level"):
        as_levels([42])


def test_assign_level_is_the_one_rule_for_numbers_arrays_and_tensors():
    import numpy as np
    import torch

    from fpnlab.levels import assign_level

    sides = [1, 7, 7.99, 8, 15.9, 16, 40, 63.9, 64, 1000]
    want = [4, 4, 4, 4, 4, 8, 16, 16, 32, 32]  # coarsest stride with side ≥ 2·stride, else the finest
    strides = (4, 8, 16, 32)
    assert [assign_level(s, strides) for s in sides] == want
    assert assign_level(np.array(sides), strides).tolist() == want
    assert assign_level(torch.tensor(sides), strides).tolist() == want
    shuffled = (16, 4, 32, 8)  # index=True: positions in the strides as given
    assert assign_level(torch.tensor(sides), shuffled, index=True).tolist() == [shuffled.index(s) for s in want]
    assert assign_level(np.array(sides).reshape(2, 5), strides, min_cells=1).shape == (2, 5)
    for s in sides:  # recommend_level agrees, except that it says None when even the finest is too coarse
        rec = recommend_level(s, strides)
        assert rec.stride == (assign_level(s, strides) if s >= 8 else None)


@pytest.mark.parametrize("call", [
    lambda f: f.assign_level(10, []), lambda f: f.assign_level(10, [8, 0]), lambda f: f.assign_level(10, min_cells=0),
    lambda f: f.assign_level(float("nan")), lambda f: f.recommend_level(-1), lambda f: f.recommend_level(10, min_cells=-2),
    lambda f: f.stride_table(0), lambda f: f.stride_table(64, [8, 2.5]), lambda f: f.default_strides(0),
    lambda f: f.default_strides(7), lambda f: f.level_name(0), lambda f: f.measure_strides(TinyBackbone(), (64, 0)),
])
def test_bad_arguments_raise_argument_errors(call):
    import fpnlab.levels as f
    from fpnlab.errors import ArgumentError

    with pytest.raises(ArgumentError):
        call(f)


def test_names_and_language_follow_set_lang():
    import fpnlab
    from fpnlab.errors import FpnlabError
    from fpnlab.levels import default_strides, level_name, next_names, p_names

    assert issubclass(StrideMismatchError, FpnlabError) and issubclass(StrideMismatchError, ValueError)
    assert (level_name(16), p_names(["C3", "C4"], 2), next_names(["P5"], 2), default_strides(4)) == (
        "P4", ["P3", "P4"], ["P6", "P7"], [4, 8, 16, 32])
    fpnlab.set_lang("tr")
    try:
        assert recommend_level(40).message.startswith("Öneri:")
        assert recommend_level(3).message.startswith("Uyarı:")
    finally:
        fpnlab.set_lang("en")
    assert recommend_level(40).message.startswith("Recommendation:")
