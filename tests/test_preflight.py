"""fpnlab.preflight: a healthy detector passes; each deliberately broken one is caught, with a fix."""
import pytest
import torch
from torch import nn
from torchvision.transforms import v2

from fpnlab.data import Shapes
from fpnlab.detector import tiny_detector
from fpnlab.heads import DenseHead
from fpnlab.preflight import preflight

DATA = Shapes(4, size=64, max_side=40, seed=0)
FAST = dict(batch_size=4, steps=120, factor=5.0, lr=1e-2)


def _model():
    torch.manual_seed(0)
    return tiny_detector()


def test_a_healthy_detector_passes_every_check_and_is_left_untouched():
    model = _model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    report = preflight(model, DATA, **FAST)
    assert report.ok, str(report)
    assert [c.name for c in report.checks] == ["overfit", "boxes", "shapes", "gradients"]
    assert report["overfit"].numbers["ratio"] >= 5 and report["overfit"].numbers["steps"] <= 120
    assert report["boxes"].numbers["decode_px"] < 1e-3 and report["boxes"].numbers["boxes_without_cell"] == 0
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    text = str(report)
    assert "overfit one batch" in text and "pass" in text
    assert "Kontrol" in report.frame("tr").columns[0] and "geçti" in report.table("tr")
    assert "adımda" in report.table("tr") and "adımda" not in text


def test_wrong_stride_is_caught_by_shapes():
    model = _model()
    model.strides = (8, 16, 32, 64)  # a P2..P5 neck declared as P3..P6
    report = preflight(model, DATA, **dict(FAST, steps=2))
    assert not report["shapes"].ok
    assert "stride 8" in report["shapes"].message and "neck.feature_info" in report["shapes"].message


def test_flipped_box_transform_is_caught_by_boxes():
    def flip_image_only(image, target):  # the classic bug: boxes not flipped with the image
        return v2.functional.horizontal_flip(image), target

    report = preflight(_model(), DATA, transform=flip_image_only, **dict(FAST, steps=2))
    assert not report["boxes"].ok and report["boxes"].numbers["transform_px"] > 10
    assert "boxes together" in report["boxes"].message
    # the correct v2 flip moves the boxes too
    good = preflight(_model(), DATA, transform=v2.RandomHorizontalFlip(p=1.0), **dict(FAST, steps=2))
    assert good["boxes"].ok, good["boxes"].message


class Overflow(nn.Module):
    def forward(self, x):
        return x * torch.where(x > 0, torch.inf, 1.0)  # inf wherever the input is positive


def test_a_layer_that_produces_inf_at_init_is_named_by_gradients_and_overfit_is_not_run():
    model = _model()
    model.neck.smooth[1] = nn.Sequential(model.neck.smooth[1], Overflow())
    report = preflight(model, DATA, **dict(FAST, steps=3))
    assert report.failed == ["gradients"], str(report)
    assert "neck.smooth.1.1 (Overflow)" in report["gradients"].message and "clamp" in report["gradients"].message
    assert report["shapes"].ok and report["overfit"].ok is None and not report.ok
    assert "not run" in report.table() and "çalıştırılmadı" in report.table("tr")


class NaiveAttention(nn.Module):
    """Self-attention with a hand-made softmax: no 1/sqrt(C), no max subtracted."""

    def forward(self, x):
        b, c, h, w = x.shape
        q = x.flatten(2)
        e = (q.transpose(1, 2) @ q).exp()
        return x + (q @ (e / e.sum(-1, keepdim=True)).transpose(1, 2)).view(b, c, h, w)


def test_an_overflow_that_appears_during_training_is_caught_by_overfit_alone():
    model = _model()
    model.backbone.stages[2].append(NaiveAttention())
    report = preflight(model, DATA, **FAST)
    assert report.failed == ["overfit"], str(report)
    assert report["overfit"].numbers["steps"] < 10
    assert "backbone.stages.2.2 (NaiveAttention)" in report["overfit"].message
    assert "torch.softmax" in report["overfit"].message


def test_a_stem_that_forgets_to_downsample_is_caught_by_shapes_alone():
    model = _model()
    model.backbone.stem[0].stride = (1, 1)  # every level now has half the stride feature_info claims
    report = preflight(model, DATA, **FAST)
    assert report.failed == ["shapes"], str(report)
    assert report["shapes"].numbers["measured_stride"] == 2
    assert "measure_strides" in report["shapes"].message


class DetachedHead(DenseHead):
    def forward(self, pyramid):
        return [(c.detach(), b.detach()) for c, b in super().forward(pyramid)]


def test_a_detached_head_is_caught_by_gradients_and_overfit():  # the whole head output cut off
    model = _model()
    model.head = DetachedHead(32, 3)
    report = preflight(model, DATA, **dict(FAST, steps=20))
    assert not report["gradients"].ok
    assert "detach" in report["gradients"].message and "backbone." in report["gradients"].message
    assert not report["overfit"].ok and "÷5" in report["overfit"].message
    assert "KALDI" in report.frame("tr").to_string()


class HeadOnDetachedFeatures(DenseHead):
    def forward(self, pyramid):
        return super().forward([p.detach() for p in pyramid.values()])


def test_a_head_cut_from_the_neck_still_overfits_and_only_gradients_sees_it():
    model = _model()
    torch.manual_seed(0)
    model.head = HeadOnDetachedFeatures(32, 3)
    report = preflight(model, DATA, **FAST)
    assert report.failed == ["gradients"], str(report)
    assert report["gradients"].numbers["no_grad"] == report["gradients"].numbers["params"] - 10
