"""fpnlab.data, heads and detector: targets, losses, a short training run that really learns."""
import pytest
import torch

from fpnlab.data import Shapes
from fpnlab.detector import tiny_detector, train
from fpnlab.heads import DenseHead


def test_shapes_dataset_is_deterministic_and_boxes_fit():
    a, b = Shapes(8, size=96, seed=3), Shapes(8, size=96, seed=3)
    for i in range(8):
        (ia, ta), (ib, tb) = a[i], b[i]
        assert torch.equal(ia, ib) and torch.equal(ta["boxes"], tb["boxes"])
        boxes = ta["boxes"]
        assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 96).all()
        assert (boxes[:, 2:] > boxes[:, :2]).all()
        assert ia.min() >= 0 and ia.max() <= 1
    assert not torch.equal(Shapes(1, seed=4)[0][0], a[0][0])


def test_head_shapes_per_level():
    head = DenseHead(16, num_classes=5)
    out = head({"P2": torch.zeros(2, 16, 24, 24), "P3": torch.zeros(2, 16, 12, 12)})
    assert [(tuple(c.shape), tuple(b.shape)) for c, b in out] == [
        ((2, 5, 24, 24), (2, 4, 24, 24)), ((2, 5, 12, 12), (2, 4, 12, 12))]
    # RetinaNet prior: every class starts at probability 0.01
    assert torch.allclose(out[0][0].sigmoid(), torch.full_like(out[0][0], 0.01))


def test_objects_go_to_the_level_recommend_level_picks():
    model = tiny_detector()
    boxes = torch.tensor([[0, 0, 10, 10], [0, 0, 20, 20], [0, 0, 40, 40], [0, 0, 70, 70], [0, 0, 5, 5.]])
    assert model.level_of(boxes) == [0, 1, 2, 3, 0]  # strides 4, 8, 16, 32; too small -> finest
    cls_t, box_t, pos = model.targets([{"boxes": boxes[2:3], "labels": torch.tensor([1])}],
                                      [(32, 32), (16, 16), (8, 8), (4, 4)], num_classes=3)
    assert [int(p.sum()) for p in pos] == [0, 0, 4, 0]  # 40 px box, stride 16: its central 2x2 cells
    assert cls_t[2][0, 1].sum() == 4 and cls_t[2][0, 0].sum() == 0
    assert torch.equal(box_t[2][0, :, 0, 0], boxes[2])


def test_decode_inverts_distances():
    model = tiny_detector()
    raw = torch.zeros(1, 4, 2, 2)  # exp(0) * stride = one stride to every side
    boxes = model.decode(raw, level=1)  # stride 8: centres at 4 and 12
    assert boxes[0, :, 0, 0].tolist() == [-4.0, -4.0, 12.0, 12.0]


def test_short_training_reduces_the_loss_and_finds_boxes():
    torch.manual_seed(0)
    ds = Shapes(64, size=64, max_side=48, seed=0)
    model = tiny_detector()
    imgs, targets = ds.batch(range(8))
    with torch.no_grad():
        before = model.loss(model(imgs), targets)["total"].item()
    losses = train(model, ds, steps=60, batch_size=8, lr=3e-3, progress=False)
    assert len(losses) == 60
    with torch.no_grad():
        after = model.loss(model(imgs), targets)["total"].item()
    assert after < 0.7 * before
    preds = model.predict(imgs, score_thresh=0.05)
    assert all(set(p) == {"boxes", "scores", "labels"} for p in preds)
    assert sum(len(p["boxes"]) for p in preds) > 0


def test_predict_leaves_the_model_as_it_found_it():
    model = tiny_detector().train()
    bn = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    before = bn.running_mean.clone()
    model.predict(torch.rand(2, 3, 64, 64))
    assert model.training and torch.equal(bn.running_mean, before)


def test_loss_refuses_a_head_with_more_levels_than_strides():
    model = tiny_detector()
    model.strides = model.strides[:3]
    imgs, targets = Shapes(2, size=64, seed=0).batch([0, 1])
    with pytest.raises(ValueError, match="one stride per neck output level"):
        model.loss(model(imgs), targets)


# ---- issue 6: overlapping objects, clipping, top-k, strides from the neck, COCO results ------

def test_overlapping_objects_go_to_the_smallest_box_and_targets_agree():
    model = tiny_detector()
    # both boxes go to stride 16 (shorter sides 44 and 36 px); they overlap around (40, 40)
    big = torch.tensor([[4.0, 4.0, 52.0, 48.0]])
    small = torch.tensor([[20.0, 20.0, 56.0, 60.0]])
    sizes = [(32, 32), (16, 16), (8, 8), (4, 4)]
    for boxes, labels in ((torch.cat([big, small]), [0, 2]), (torch.cat([small, big]), [2, 0])):
        assert model.level_of(boxes) == [2, 2]
        cls_t, box_t, pos = model.targets([{"boxes": boxes, "labels": torch.tensor(labels)}], sizes, 3)
        p = pos[2][0]
        # one class per positive cell, none elsewhere
        assert torch.equal(cls_t[2][0].sum(0), p.float())
        small_area = (small[0, 2] - small[0, 0]) * (small[0, 3] - small[0, 1])
        for y, x in p.nonzero().tolist():
            label = int(cls_t[2][0, :, y, x].argmax())
            box = box_t[2][0, :, y, x]
            # class and box describe the same object
            assert torch.equal(box, small[0]) == (label == 2)
            assert torch.equal(box, big[0]) == (label == 0)
            cx, cy = (x + 0.5) * 16, (y + 0.5) * 16
            inside_small = 20 < cx < 56 and 20 < cy < 60 and abs(cx - 38) <= 24 and abs(cy - 40) <= 24
            if inside_small:  # a cell in both regions belongs to the smaller box
                assert label == 2
        assert (cls_t[2][0, 2] * cls_t[2][0, 0]).sum() == 0
        assert small_area < (big[0, 2] - big[0, 0]) * (big[0, 3] - big[0, 1])
    # order of the annotations does not matter
    a = model.targets([{"boxes": torch.cat([big, small]), "labels": torch.tensor([0, 2])}], sizes, 3)
    b = model.targets([{"boxes": torch.cat([small, big]), "labels": torch.tensor([2, 0])}], sizes, 3)
    assert all(torch.equal(x, y) for xs, ys in zip(a, b) for x, y in zip(xs, ys))


def _confident_model(box_bias: float):
    torch.manual_seed(0)
    model = tiny_detector()
    with torch.no_grad():
        model.head.cls.bias.fill_(4.0)        # every cell scores ~0.98
        model.head.box.bias.fill_(box_bias)   # exp(bias) strides to every side
    return model


def test_predicted_boxes_are_clipped_to_the_image():
    model = _confident_model(box_bias=3.0)  # ~20 strides to each side: far outside the image
    imgs = torch.rand(2, 3, 64, 96)
    for pred in model.predict(imgs, max_dets=500):
        b = pred["boxes"]
        assert len(b) > 0
        assert (b[:, 0] >= 0).all() and (b[:, 1] >= 0).all()
        assert (b[:, 2] <= 96).all() and (b[:, 3] <= 64).all()


def test_per_level_top_k_before_nms():
    model = _confident_model(box_bias=-2.0)  # small boxes: NMS at IoU 1.0 keeps them all
    pred = model.predict(torch.rand(1, 3, 64, 64), iou_thresh=1.0, max_dets=10_000, pre_nms_top_k=5)[0]
    assert len(pred["boxes"]) == 5 * len(model.strides)
    full = model.predict(torch.rand(1, 3, 64, 64), iou_thresh=1.0, max_dets=10_000)[0]
    assert len(full["boxes"]) == 3 * (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2)  # every (cell, class)


def test_detector_takes_strides_from_the_neck_feature_info():
    from fpnlab.detector import Detector, NoStridesError
    from fpnlab.necks import LateralNeck
    from fpnlab.backbones import TinyBackbone
    from fpnlab.necks import FPN

    bb = TinyBackbone()
    neck = LateralNeck([lv.channels for lv in bb.feature_info], 16, strides=[4, 8, 16, 32])
    assert Detector(bb, neck, DenseHead(16, 3)).strides == (4, 8, 16, 32)
    fpn = FPN([lv.channels for lv in bb.feature_info], 16)  # describes its outputs: P2..P5
    assert Detector(bb, fpn, DenseHead(16, 3)).strides == (4, 8, 16, 32)
    fpn8 = FPN.from_backbone(bb, 16, extra=None)
    assert [lv.stride for lv in fpn8.feature_info] == [4, 8, 16, 32]

    class Bare(torch.nn.Module):  # a neck that does not describe its outputs
        def __init__(self):
            super().__init__()
            self.inner = FPN([lv.channels for lv in bb.feature_info], 16)

        def forward(self, feats):
            return self.inner(feats)

    bare = Bare()
    assert Detector(bb, bare, DenseHead(16, 3), strides=(4, 8, 16, 32)).strides == (4, 8, 16, 32)
    with pytest.raises(NoStridesError, match="strides=\\[4, 8, 16, 32\\]"):
        Detector(bb, bare, DenseHead(16, 3))


def test_coco_results_convert_boxes_and_ids():
    from fpnlab.coco import coco_results

    preds = [{"boxes": torch.tensor([[0.0, 0.0, 10.0, 5.0], [2.0, 3.0, 4.0, 9.0]]),
              "scores": torch.tensor([0.5, 0.25]), "labels": torch.tensor([0, 1])},
             {"boxes": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0, dtype=torch.long)}]
    res = coco_results(preds, [11, 12], category_ids=[1, 2])
    assert res == [{"image_id": 11, "category_id": 1, "bbox": [0.0, 0.0, 10.0, 5.0], "score": 0.5},
                   {"image_id": 11, "category_id": 2, "bbox": [2.0, 3.0, 2.0, 6.0], "score": 0.25}]
    with pytest.raises(ValueError, match="one image id per image"):
        coco_results(preds, [1])


def test_groupnorm_never_has_one_channel_per_group():
    from fpnlab.blocks.layers import gn_groups

    for c in (2, 8, 16, 24, 32, 48, 64, 96, 128, 256):
        head = DenseHead(c, 3)
        for gn in (m for m in head.modules() if isinstance(m, torch.nn.GroupNorm)):
            assert gn.num_channels // gn.num_groups >= 2, c
    assert gn_groups(256) == 32 and gn_groups(32) == 16


def test_groupnorm_in_the_head_carries_global_context_and_norm_none_does_not():
    # two pyramids that differ only in the bottom-right corner: with GroupNorm (statistics over
    # the whole map) the top-left cell's output changes too; without a norm it cannot
    torch.manual_seed(0)
    a = torch.rand(1, 16, 32, 32)
    b = a.clone()
    b[..., 24:, 24:] += 3.0
    for norm, leaks in (("gn", True), (None, False)):
        torch.manual_seed(0)
        head = DenseHead(16, 3, norm=norm).eval()
        with torch.no_grad():
            (ca, _), = head([a])
            (cb, _), = head([b])
        assert (not torch.equal(ca[..., :4, :4], cb[..., :4, :4])) == leaks, norm


def test_a_label_beyond_the_head_classes_is_named():
    model = tiny_detector(num_classes=3)
    imgs = torch.rand(1, 3, 64, 64)
    with pytest.raises(ValueError, match="label 5 but the head predicts 3 classes"):
        model.loss(model(imgs), [{"boxes": torch.tensor([[0.0, 0, 20, 20]]), "labels": torch.tensor([5])}])
