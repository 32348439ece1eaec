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


def test_macs_are_half_the_flops():
    cin, cout, k, h, w = 4, 8, 3, 10, 12
    c = cost(nn.Conv2d(cin, cout, k, padding=1), torch.randn(1, cin, h, w), repeats=1, warmup=0)
    assert c.macs == c.flops // 2 == cin * cout * k * k * h * w
    assert "GMACs" in str(c)


class _Chunk(nn.Module):
    """A conv whose output is returned as two views (``chunk``), as C2f splits its ``cv1``."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 1)

    def forward(self, x):
        return self.conv(x).chunk(2, 1)


def test_outputs_that_are_views_are_counted_once():
    x = torch.randn(1, 4, 16, 16)
    c = cost(_Chunk(), x, repeats=1, warmup=0)
    assert c.out_shapes == [(1, 4, 16, 16), (1, 4, 16, 16)]
    assert c.peak_mem_bytes == 8 * 16 * 16 * 4  # the conv output, not once per view


def test_c2f_block_peak_memory_counts_chunk_views_once():
    from torch.utils._python_dispatch import TorchDispatchMode

    from fpnlab.blocks import C2f

    class AllStorages(TorchDispatchMode):
        """Every storage an op creates, kept alive (so addresses are not reused), once each."""

        def __init__(self, exclude):
            super().__init__()
            self.seen = {t.untyped_storage().data_ptr() for t in exclude}
            self.kept, self.total = [], 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in (out if isinstance(out, (list, tuple)) else [out]):
                if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in self.seen:
                    self.seen.add(t.untyped_storage().data_ptr())
                    self.kept.append(t)
                    self.total += t.untyped_storage().nbytes()
            return out

    torch.manual_seed(0)
    block, x = C2f(16, 16, n=1).eval(), torch.randn(1, 16, 32, 32)
    c = cost(block, x, repeats=1, warmup=0)
    with torch.no_grad(), AllStorages([x, *block.parameters(), *block.buffers()]) as every:
        block(x)
    cv1_out = 2 * block.c * 32 * 32 * 4  # bytes of cv1's output, which chunk splits into views
    assert c.peak_mem_bytes > 0
    assert c.peak_mem_bytes <= every.total  # never more than all storages, each counted once
    # cv1's output stays alive until the cat, which holds 3c channels: both count, once
    assert c.peak_mem_bytes >= cv1_out + 3 * block.c * 32 * 32 * 4
