"""fpnlab.layers.choose_norm: the norm rule of thumb decides by the batch *per device*."""
import pytest

from fpnlab.layers import choose_norm


@pytest.mark.parametrize("per_device,devices,expected", [
    (1, 1, "GroupNorm"), (2, 1, "GroupNorm"), (15, 1, "GroupNorm"), (16, 1, "BatchNorm2d"),
    (32, 4, "BatchNorm2d"), (2, 8, "SyncBatchNorm"), (8, 2, "SyncBatchNorm"), (2, 4, "GroupNorm"),
])
def test_choose_norm(per_device, devices, expected):
    assert choose_norm(per_device, devices) == expected


def test_choose_norm_rejects_empty_batches():
    with pytest.raises(ValueError):
        choose_norm(0)
