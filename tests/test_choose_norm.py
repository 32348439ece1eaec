"""fpnlab.blocks.layers.choose_norm: the norm rule of thumb decides by the batch *per device*."""
import pytest

from fpnlab.blocks.layers import choose_norm


@pytest.mark.parametrize("per_device,devices,expected", [
    (1, 1, "GroupNorm"), (2, 1, "GroupNorm"), (15, 1, "GroupNorm"), (16, 1, "BatchNorm2d"),
    (32, 4, "BatchNorm2d"), (2, 8, "SyncBatchNorm"), (8, 2, "SyncBatchNorm"), (2, 4, "GroupNorm"),
])
def test_choose_norm(per_device, devices, expected):
    assert choose_norm(per_device, devices) == expected


def test_choose_norm_rejects_empty_batches():
    with pytest.raises(ValueError):
        choose_norm(0)


@pytest.mark.parametrize("channels,groups", [(256, 32), (64, 32), (32, 16), (48, 16), (24, 8), (20, 4),
                                             (6, 2), (3, 1), (2, 1)])
def test_groupnorm_never_one_channel_per_group(channels, groups):
    from fpnlab.blocks.layers import gn_groups, make_norm

    gn = make_norm("gn", channels)
    assert gn.num_groups == gn_groups(channels) == groups
    assert channels // gn.num_groups >= 2


def test_groupnorm_on_a_single_channel_is_an_error():
    from fpnlab.blocks.layers import make_norm

    with pytest.raises(ValueError, match="at least 2 channels"):
        make_norm("gn", 1)
