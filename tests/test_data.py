"""fpnlab.data: the context-cue set, the COCO folder reader (transforms v2), collate, errors."""
import json

import pytest
import torch
from PIL import Image

from fpnlab.data import (CocoFolder, CocoFormatError, ContextShapes, coco_loader, collate, letterbox)


def test_context_shapes_is_deterministic_and_the_marker_decides_the_dots():
    a, b = ContextShapes(12, size=96, seed=5), ContextShapes(12, size=96, seed=5)
    for i in range(12):
        (ia, ta), (ib, tb) = a[i], b[i]
        assert torch.equal(ia, ib) and torch.equal(ta["boxes"], tb["boxes"])
        boxes, labels = ta["boxes"], ta["labels"]
        assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 96).all() and (boxes[:, 2:] > boxes[:, :2]).all()
        dots = labels >= 3
        assert dots.any() and (~dots).any()
        # context=1: every dot in an image has the class the marker says; the marker's colour
        # (red: dot_a, blue: dot_b) sits in one corner
        assert len(set(labels[dots].tolist())) == 1
        corners = [ia[:, 2, 2], ia[:, 2, -3], ia[:, -3, 2], ia[:, -3, -3]]
        red = any(c[0] > 0.9 and c[2] < 0.2 for c in corners)
        assert red == (labels[dots][0].item() == 3)
    mixed = ContextShapes(40, size=96, seed=0, context=0.5)
    assert any(len(set(t["labels"][t["labels"] >= 3].tolist())) == 2 for _, t in mixed)
    assert not torch.equal(ContextShapes(1, size=96, seed=6)[0][0], a[0][0])
    noisy = ContextShapes(1, size=96, seed=5, blur=1.0, noise=0.05, low_light=0.5)[0][0]
    assert noisy.max() < 0.75 and not torch.equal(noisy, a[0][0])
    with pytest.raises(ValueError, match="0.5 = no cue"):
        ContextShapes(1, context=1.5)


def test_write_coco_then_read_back_with_the_same_boxes(tmp_path):
    ds = ContextShapes(5, size=64, seed=1)
    ds.write_coco(tmp_path)
    folder = CocoFolder(tmp_path)
    assert len(folder) == 5 and folder.classes == ds.classes
    for i in range(5):
        img, tgt = folder[i]
        ref_img, ref = ds[i]
        assert (img - ref_img).abs().max() <= 0.5 / 255 + 1e-6  # PNG: 8 bits
        assert torch.allclose(tgt["boxes"], ref["boxes"]) and torch.equal(tgt["labels"], ref["labels"])
        assert tgt["image_id"] == i + 1
    images, targets = next(iter(coco_loader(folder, batch_size=3)))
    assert images.shape == (3, 3, 64, 64) and type(targets[0]["boxes"]) is torch.Tensor


def _folder(tmp_path, width=96, height=64, anns=None, file_name="a.png"):
    img = torch.zeros(3, height, width, dtype=torch.uint8)
    img[:, 10:30, 40:70] = 255
    Image.fromarray(img.permute(1, 2, 0).numpy()).save(tmp_path / "a.png")
    data = {"images": [{"id": 3, "file_name": file_name, "width": width, "height": height}],
            "categories": [{"id": 7, "name": "box"}, {"id": 9, "name": "crowd"}],
            "annotations": anns if anns is not None else [
                {"id": 1, "image_id": 3, "category_id": 7, "bbox": [40, 10, 30, 20], "area": 600, "iscrowd": 0},
                {"id": 2, "image_id": 3, "category_id": 9, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 1}]}
    (tmp_path / "annotations.json").write_text(json.dumps(data))
    return tmp_path


def test_letterbox_moves_the_boxes_with_the_image(tmp_path):
    folder = CocoFolder(_folder(tmp_path), transforms=letterbox(48))  # 96×64 → 48×32, padded to 48×48
    img, tgt = folder[0]
    assert img.shape == (3, 48, 48)
    assert tgt["labels"].tolist() == [0]  # category 7 → class 0; the crowd region is left out
    assert tgt["boxes"].tolist() == [[20.0, 13.0, 35.0, 23.0]]  # scale 1/2, then 8 px of padding on top
    ys, xs = (img[0] > 0.5).nonzero(as_tuple=True)  # where the white rectangle went
    assert [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1] == [20, 13, 35, 23]


@pytest.mark.parametrize("anns, file_name, match", [
    ([{"id": 1, "image_id": 3, "category_id": 7, "bbox": [40, 10, 30]}], "a.png", "bbox.*x, y, width, height"),
    ([{"id": 1, "image_id": 3, "category_id": 8, "bbox": [40, 10, 30, 20]}], "a.png", "'category_id' is 8, which no category has"),
    ([{"image_id": 3, "category_id": 7, "bbox": [40, 10, 30, 20]}], "a.png", "field 'id' is missing"),
    ([], "missing.png", "image file.*'missing.png'"),
])
def test_malformed_folders_raise_coco_format_error(tmp_path, anns, file_name, match):
    with pytest.raises(CocoFormatError, match=match):
        CocoFolder(_folder(tmp_path, anns=anns, file_name=file_name))


def test_collate_refuses_mixed_sizes_and_says_how_to_fix():
    t = {"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.long)}
    with pytest.raises(ValueError, match="letterbox"):
        collate([(torch.zeros(3, 8, 8), t), (torch.zeros(3, 8, 9), t)])


def test_dot_look_is_a_control_without_context_the_dot_colour_is_the_class():
    import numpy as np
    from fpnlab.data import ContextShapes

    def dots(ds):
        """(class follows the marker, dot is yellow, class) for every dot of ``ds``."""
        out = []
        for img, tgt in ds:
            marker = [int(l) - 5 for l in tgt["labels"].tolist() if l >= 5][0]  # 0 red, 1 blue scene
            for (x0, y0, x1, y1), label in zip(tgt["boxes"].int().tolist(), tgt["labels"].tolist()):
                if label in (3, 4):
                    yellow = bool(img[2, (y0 + y1) // 2, (x0 + x1) // 2] < 0.5)
                    out.append((label - 3 == marker, yellow, label - 3))
        return out

    plain = dots(ContextShapes(40, size=128, seed=3, label_marker=True, max_dots=8))
    look = dots(ContextShapes(40, size=128, seed=3, label_marker=True, max_dots=8, dot_look=True))
    assert all(f for f, _, _ in plain) and not any(y for _, y, _ in plain)  # default: marker decides, all grey
    assert all(y == bool(c) for _, y, c in look)                             # dot_look: colour decides, always
    assert 0.3 < np.mean([f for f, _, _ in look]) < 0.7                      # and the marker no longer does
