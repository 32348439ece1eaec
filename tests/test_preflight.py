"""fpnlab.preflight: a healthy detector passes; each deliberately broken one is caught, with a fix."""
import torch
from torch import nn
from torchvision.transforms import v2

from fpnlab.data import ContextShapes, Shapes
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


# ---- boxes: a box that loses its cells to a smaller box is a note; a box that can have no cell fails


def test_context_shapes_pass_and_the_box_lost_to_a_smaller_one_is_a_note():
    torch.manual_seed(0)
    report = preflight(tiny_detector(5), ContextShapes(64, seed=0), batch_size=16)
    assert report.ok, str(report)
    boxes = report["boxes"].numbers
    assert (boxes["n_boxes"], boxes["boxes_without_cell"], boxes["boxes_lost_to_smaller"]) == (104, 0, 1)
    assert "Note: 1 of 104 boxes (1.0%) lose all their cells to a smaller overlapping box" in report["boxes"].message
    assert "%1,0" in report["boxes"].texts["tr"] and "kaptırıyor" in report["boxes"].texts["tr"]
    assert "pass" in report.table() and "FAIL" not in report.table()


def test_a_crowded_set_passes_with_boxes_lost_to_smaller_ones():
    torch.manual_seed(0)
    report = preflight(tiny_detector(5), ContextShapes(16, size=64, density=4, seed=0))
    assert report.ok, str(report)
    boxes = report["boxes"].numbers
    assert boxes["n_boxes"] == 176 and boxes["boxes_without_cell"] == 0 and boxes["boxes_lost_to_smaller"] == 5
    assert "5 of 176 boxes (2.8%)" in report["boxes"].message and "(%2,8)" in report["boxes"].texts["tr"]


class Boxes:
    """One 64×64 image per target list: ``boxes`` (xyxy px), all of class 0."""

    def __init__(self, *images):
        self.images = images

    def __len__(self):
        return len(self.images)

    def batch(self, indices):
        indices = list(indices)
        targets = [{"boxes": torch.tensor(self.images[i], dtype=torch.float32),
                    "labels": torch.zeros(len(self.images[i]), dtype=torch.long)} for i in indices]
        return torch.rand(len(indices), 3, 64, 64, generator=torch.Generator().manual_seed(0)), targets


NO_TRAINING = dict(batch_size=2, steps=2, factor=1.0)


def test_a_box_whose_cells_a_smaller_box_takes_is_counted_as_lost_not_missing():
    big, small = [8.0, 8.0, 46.0, 40.0], [10.0, 10.0, 42.0, 42.0]  # both on stride 16; small takes big's 2 cells
    report = preflight(_model(), Boxes([big, small], [big]), **NO_TRAINING)
    assert report["boxes"].ok, report["boxes"].message
    assert (report["boxes"].numbers["boxes_lost_to_smaller"], report["boxes"].numbers["boxes_without_cell"]) == (1, 0)
    assert "1 of 3 boxes (33.3%)" in report["boxes"].message  # alone (second image) the same box keeps its cells


def test_boxes_given_as_xywh_still_fail_boxes():
    class AsXYWH:  # the classic format bug: COCO's [x, y, w, h] passed on as xyxy
        def __len__(self):
            return len(DATA)

        def batch(self, indices):
            images, targets = DATA.batch(indices)
            return images, [dict(t, boxes=torch.cat([t["boxes"][:, :2], t["boxes"][:, 2:] - t["boxes"][:, :2]], 1))
                            for t in targets]

    images, targets = AsXYWH().batch(range(4))
    degenerate = sum(int(((t["boxes"][:, 2] <= t["boxes"][:, 0]) | (t["boxes"][:, 3] <= t["boxes"][:, 1])).sum())
                     for t in targets)
    report = preflight(_model(), AsXYWH(), **dict(FAST, steps=2))
    assert not report["boxes"].ok and degenerate >= 1
    assert report["boxes"].numbers["boxes_without_cell"] == degenerate
    n_boxes = report["boxes"].numbers["n_boxes"]
    assert f"{degenerate} of {n_boxes} ground-truth boxes get no cell" in report["boxes"].message
    assert "box format" in report["boxes"].message and "kutu biçimini" in report["boxes"].texts["tr"]


def test_a_tiny_box_between_cell_centres_fails_boxes():
    # 0.5 px wide: no cell centre inside it at any stride; the nearest (10, 10) is 1.4 px away
    data = Boxes([[8.1, 8.1, 8.6, 8.6], [20.0, 20.0, 44.0, 40.0]])
    report = preflight(_model(), data, **dict(NO_TRAINING, batch_size=1))
    assert not report["boxes"].ok
    assert report["boxes"].numbers["boxes_without_cell"] == 1 and report["boxes"].numbers["decode_px"] < 1e-3
    assert "1 of 2 ground-truth boxes get no cell on any level" in report["boxes"].message
