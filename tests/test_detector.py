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
