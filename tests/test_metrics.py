"""fpnlab.metrics.cost: parameters and FLOPs by hand, latency, threads, activation memory."""
import torch
from torch import nn

from fpnlab.metrics import cost


def test_conv_params_and_flops_by_hand():
    cin, cout, k, h, w = 8, 16, 3, 20, 30
    c = cost(nn.Conv2d(cin, cout, k, padding=1), torch.randn(2, cin, h, w), repeats=2, warmup=1)
    assert c.params == cin * cout * k * k + cout
    assert c.flops == 2 * 2 * cin * cout * k * k * h * w  # batch 2, a multiply-add counts 2
    assert c.out_shapes == [(2, cout, h, w)]
    strided = cost(nn.Conv2d(cin, cout, k, stride=2, padding=1), torch.randn(1, cin, 21, 31), repeats=1, warmup=0)
    assert strided.flops == 2 * cin * cout * k * k * 11 * 16 and strided.out_shapes == [(1, cout, 11, 16)]


SEEN_THREADS = []


class _ThreadSpy(nn.Module):
    """Records the thread count torch uses during each forward (cost runs a copy of the model)."""

    def forward(self, x):
        SEEN_THREADS.append(torch.get_num_threads())
        return x * 2


def test_latency_positive_and_threads_set_then_restored():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        c = cost(_ThreadSpy(), torch.randn(1, 4, 16, 16), repeats=3, warmup=1, threads=1)
        assert c.latency_ms > 0 and c.threads == 1
        assert SEEN_THREADS[-3:] == [1, 1, 1]      # the timed passes ran on one thread
        assert torch.get_num_threads() == 2        # and the setting came back
    finally:
        torch.set_num_threads(previous)


def test_cost_leaves_batchnorm_statistics_alone():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).train()
    before = model[1].running_mean.clone()
    cost(model, torch.randn(2, 3, 8, 8), repeats=2, warmup=1)
    assert torch.equal(model[1].running_mean, before) and model.training


def test_views_of_the_input_cost_no_memory():
    x = torch.randn(1, 64, 32, 32)
    assert cost(nn.Flatten(), x, repeats=1, warmup=0).peak_mem_bytes == 0


def test_peak_activation_bytes_by_hand():
    x = torch.randn(1, 3, 32, 32)
    conv1, conv2 = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 4, 3, padding=1)
    plain = cost(nn.Sequential(conv1, nn.ReLU(), conv2), x, repeats=1, warmup=0)
    inplace = cost(nn.Sequential(conv1, nn.ReLU(inplace=True), conv2), x, repeats=1, warmup=0)
    map8, map4 = 8 * 32 * 32 * 4, 4 * 32 * 32 * 4  # float32 bytes
    assert plain.peak_mem_bytes == 2 * map8      # conv1's output and the ReLU's copy
    assert inplace.peak_mem_bytes == map8 + map4  # ReLU in place: conv1/ReLU output + conv2's


def test_dict_inputs_and_outputs():
    from fpnlab.necks import FPN
    fpn = FPN([4, 8], 4)
    c = cost(fpn, {"C4": torch.randn(1, 4, 8, 8), "C5": torch.randn(1, 8, 4, 4)}, repeats=1, warmup=0)
    assert c.out_shapes == [(1, 4, 8, 8), (1, 4, 4, 4)] and c.params == sum(p.numel() for p in fpn.parameters())
    assert "params" in str(c)
