"""What a module costs: parameters, FLOPs, latency and peak activation memory, measured (COCO AP
lives in :mod:`fpnlab.coco`).

>>> c = cost(torch.nn.Conv2d(8, 16, 3, padding=1), torch.randn(1, 8, 32, 32), repeats=3, warmup=1)
>>> c.params, c.flops, c.out_shapes
(1168, 2359296, [(1, 16, 32, 32)])
"""
from __future__ import annotations

import copy
import logging
import math
import numbers
import statistics
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.flop_counter import FlopCounterMode

# Importing torch.utils.benchmark makes torch.utils.cpp_extension log "No CUDA runtime is found" on
# every CPU-only machine (a note for people compiling extensions, not for timing): silence that
# logger for the import only.
from .arguments import check_int
from .errors import ArgumentError
from .i18n import Strings

_t = Strings({
    "cost": {"en": "{params:.3f} M params, {gflops:.3f} GFLOPs ({gmacs:.3f} GMACs), {ms:.2f} ms ({threads:d} threads), "
                   "peak activations {mib:.1f} MiB",
             "tr": "{params:.3f} M parametre, {gflops:.3f} GFLOPs ({gmacs:.3f} GMACs), {ms:.2f} ms ({threads:d} "
                   "thread), en yüksek aktivasyon {mib:.1f} MiB"},
    "lengths": {"en": "pareto_front: got {n_costs:d} costs but {n_values:d} values. Fix: give one of each per design.",
                "tr": "pareto_front: {n_costs:d} maliyet ama {n_values:d} değer geldi. Düzeltme: her tasarım için "
                      "birer tane ver."},
    "numbers": {"en": "{where}: {name} = {value!r} must be a list of numbers (nan allowed). Fix: pass e.g. "
                      "{name}=[1.0, 2.5].",
                "tr": "{where}: {name} = {value!r} sayılardan oluşan bir liste olmalı (nan olabilir). Düzeltme: "
                      "örneğin {name}=[1.0, 2.5] ver."},
    "designs": {"en": "within_budget: designs = {value!r} must be a list of mappings (records, table rows). Fix: pass "
                      "e.g. [{{'latency_ms': 2.0}}].",
                "tr": "within_budget: designs = {value!r} eşlemelerden (kayıtlar, tablo satırları) oluşan bir liste "
                      "olmalı. Düzeltme: örneğin [{{'latency_ms': 2.0}}] ver."},
    "limit": {"en": "within_budget: {name} = {value!r} must be a number ≥ 0 or None (no limit). Fix: pass e.g. "
                    "{name}=5.0.",
              "tr": "within_budget: {name} = {value!r}, 0 ya da daha büyük bir sayı veya None (sınır yok) olmalı. "
                    "Düzeltme: örneğin {name}=5.0 ver."},
})


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _listed(values) -> list | None:
    """``values`` as a list if it is a sequence, array or pandas Series (not a string or mapping)."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__") or not hasattr(values, "__iter__"):
        return None
    return list(values)


def _check_numbers(name: str, values, where: str) -> list[float]:
    listed = _listed(values)
    if listed is None or not all(map(_is_number, listed)):
        raise ArgumentError(_t("numbers", where=where, name=name, value=values))
    return [float(v) for v in listed]


_cpp_log = logging.getLogger("torch.utils.cpp_extension")
_cpp_level = _cpp_log.level
_cpp_log.setLevel(logging.ERROR)
try:
    from torch.utils.benchmark import Timer
finally:
    _cpp_log.setLevel(_cpp_level)



@dataclass(frozen=True)
class Cost:
    """Result of :func:`cost`. ``flops`` count a multiply-add as 2 (torch's FlopCounterMode);
    ``macs`` (multiply-accumulates, ``flops / 2``) is the unit most papers quote as "FLOPs"."""

    params: int
    flops: int
    latency_ms: float
    peak_mem_bytes: int
    out_shapes: list = field(default_factory=list)
    threads: int = 1

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one forward pass: ``flops // 2``."""
        return self.flops // 2

    def __str__(self) -> str:
        return _t("cost", params=self.params / 1e6, gflops=self.flops / 1e9, gmacs=self.macs / 1e9,
                  ms=self.latency_ms, threads=self.threads, mib=self.peak_mem_bytes / 2**20)


class _LiveBytes(TorchDispatchMode):
    """Counts the bytes of tensors the ops create while alive and keeps the peak. Outputs that
    share storage with a tensor already counted or with an input (views, in-place ops) are not
    counted twice; scratch memory *inside* an op (e.g. a conv's im2col buffer) is not seen."""

    def __init__(self, exclude=()):
        super().__init__()
        self.live = self.peak = 0
        # storages that exist before the pass (inputs, weights): views of them cost nothing
        self.known: set[int] = {t.untyped_storage().data_ptr() for t in exclude}

    def _free(self, ptr: int, n: int) -> None:
        self.known.discard(ptr)
        self.live -= n

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor) and t.device.type != "meta":
                ptr, n = t.untyped_storage().data_ptr(), t.untyped_storage().nbytes()
                if ptr in self.known or n == 0:
                    continue
                self.known.add(ptr)
                self.live += n
                self.peak = max(self.peak, self.live)
                weakref.finalize(t, self._free, ptr, n)
        return out


def _outputs(out) -> list[torch.Tensor]:
    return [t for t in tree_leaves(out if not isinstance(out, dict) else list(out.values()))
            if isinstance(t, torch.Tensor)]


def _run(model, inputs):
    return model(*inputs) if isinstance(inputs, tuple) else model(inputs)


def n_params(module: nn.Module) -> int:
    """Number of parameters of ``module`` (every tensor in ``module.parameters()``)."""
    return sum(p.numel() for p in module.parameters())


@dataclass
class Latency:
    """Timed forward passes of one model: every pass in ms, their median and interquartile range,
    and the thread count they ran at."""

    times_ms: list[float]
    threads: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def iqr_ms(self) -> float:
        if len(self.times_ms) < 2:
            return 0.0
        q = statistics.quantiles(self.times_ms, n=4)
        return q[2] - q[0]


@torch.no_grad()
def latency(model: nn.Module, inputs, repeats: int = 20, warmup: int = 3, threads: int | None = None) -> Latency:
    """Time ``repeats`` forward passes of ``model`` on ``inputs`` after ``warmup`` untimed ones —
    the one latency helper of fpnlab (:func:`cost`, the ablation's ``measure`` and the chapters
    use it).

    ``torch.utils.benchmark.Timer`` runs each pass at ``num_threads=threads`` (default: the current
    setting; the previous count is restored afterwards) and calls ``torch.cuda.synchronize()``
    around it on a GPU, so the time covers the kernels, not only their launch. ``inputs`` is a
    tensor, list or dict passed as one argument, or a tuple of arguments; the model runs as it is
    (call ``.eval()`` first for inference timings).

    >>> lat = latency(torch.nn.Conv2d(8, 8, 3), torch.randn(1, 8, 16, 16), repeats=5, warmup=1, threads=1)
    >>> len(lat.times_ms), lat.threads, lat.median_ms > 0
    (5, 1, True)
    """
    repeats = check_int("repeats", repeats, 1, where="latency")
    warmup = check_int("warmup", warmup, 0, where="latency")
    n_threads = torch.get_num_threads() if threads is None else check_int("threads", threads, 1, where="latency")
    # torch.utils.benchmark's Timer runs the statement with num_threads set (and the previous
    # count restored afterwards) and synchronizes CUDA around each timed run
    timer = Timer(stmt="run(model, inputs)", globals={"run": _run, "model": model, "inputs": inputs},
                  num_threads=n_threads)
    if warmup > 0:
        timer.timeit(warmup)
    return Latency([timer.timeit(1).raw_times[0] * 1e3 for _ in range(repeats)], n_threads)


@torch.no_grad()
def cost(model: nn.Module, inputs, repeats: int = 20, warmup: int = 3, threads: int | None = None) -> Cost:
    """Measure ``model`` on ``inputs`` (a tensor, list or dict passed as one argument, or a tuple of
    arguments), in inference (``no_grad``), on a copy of ``model`` in its current train/eval mode —
    the passes do not touch the caller's BatchNorm statistics.

    - ``params``: number of parameters;
    - ``flops``: one forward pass under ``torch.utils.flop_counter.FlopCounterMode``
      (conv: ``2·Cin·Cout·k·k·H_out·W_out / groups``; element-wise ops are not counted);
    - ``latency_ms``: median of ``repeats`` timed passes after ``warmup`` passes, timed with
      ``torch.utils.benchmark.Timer`` at ``num_threads=threads`` (default: the current setting;
      the previous count is restored afterwards); on a GPU the Timer calls
      ``torch.cuda.synchronize()`` around each pass, so the time covers the kernels, not only
      their launch;
    - ``peak_mem_bytes``: the most bytes of tensors created by the forward pass alive at once
      (activations; inputs and weights excluded), tracked op by op — CPU allocators are not
      visible to ``tracemalloc``, so this counts tensors instead;
    - ``out_shapes``: shapes of the output tensors in order.
    """
    check_int("repeats", repeats, 1, where="cost")
    check_int("warmup", warmup, 0, where="cost")
    if threads is not None:
        check_int("threads", threads, 1, where="cost")
    params = n_params(model)
    model = copy.deepcopy(model)
    flop_counter = FlopCounterMode(display=False)
    with flop_counter:
        out = _run(model, inputs)
    out_shapes = [tuple(t.shape) for t in _outputs(out)]
    del out
    tracker = _LiveBytes([t for t in tree_leaves(inputs) if isinstance(t, torch.Tensor)]
                         + list(model.parameters()) + list(model.buffers()))
    with tracker:
        out = _run(model, inputs)
        del out
    lat = latency(model, inputs, repeats=repeats, warmup=warmup, threads=threads)
    return Cost(params, int(flop_counter.get_total_flops()), lat.median_ms, tracker.peak,
                out_shapes, lat.threads)


def pareto_front(costs: Sequence[float], values: Sequence[float]) -> list[int]:
    """Indices of the designs on the Pareto front of "low cost, high value", cheapest first.

    Design ``i`` (cost ``costs[i]``, e.g. latency; value ``values[i]``, e.g. AP) is on the front
    when no other design is at least as cheap *and* at least as good while strictly better in
    one of the two. Designs with the same cost and value do not dominate each other: both stay.
    A design whose cost or value is ``nan`` is never on the front and never dominates.

    >>> pareto_front([1.0, 2.0, 3.0, 2.5], [0.30, 0.50, 0.45, 0.50])  # 3.0 and 2.5: beaten by 2.0
    [0, 1]
    >>> pareto_front([2.0, 1.0], [0.4, float("nan")])
    [0]
    """
    costs = _check_numbers("costs", costs, "pareto_front")
    values = _check_numbers("values", values, "pareto_front")
    if len(costs) != len(values):
        raise ArgumentError(_t("lengths", n_costs=len(costs), n_values=len(values)))
    pts = list(zip(costs, values))
    ok = [i for i, (c, v) in enumerate(pts) if not (math.isnan(c) or math.isnan(v))]

    def dominated(i: int) -> bool:
        ci, vi = pts[i]
        return any(pts[j][0] <= ci and pts[j][1] >= vi and (pts[j][0] < ci or pts[j][1] > vi) for j in ok)

    return sorted((i for i in ok if not dominated(i)), key=lambda i: (pts[i][0], -pts[i][1], i))


def within_budget(designs: Sequence[Mapping], **limits: float | None) -> list[int]:
    """Indices of the ``designs`` (mappings such as ablation records or table rows) whose every
    limited field is at most its limit: ``within_budget(rows, latency_ms=5, peak_mem_bytes=2**20)``.
    A limit of ``None`` means no limit; a limit is inclusive (a design exactly on it stays). A
    design without a limited field, or with ``nan`` there, is out.

    >>> rows = [{"latency_ms": 2.0, "peak_mem_bytes": 900}, {"latency_ms": 4.0, "peak_mem_bytes": 500}]
    >>> within_budget(rows, latency_ms=3.0), within_budget(rows, latency_ms=None, peak_mem_bytes=500)
    ([0], [1])
    """
    listed = _listed(designs)
    if listed is None or not all(isinstance(d, Mapping) for d in listed):
        raise ArgumentError(_t("designs", value=designs))
    designs = listed
    for key, limit in limits.items():
        if limit is not None and (not _is_number(limit) or math.isnan(limit) or limit < 0):
            raise ArgumentError(_t("limit", name=key, value=limit))

    def fits(d: Mapping) -> bool:
        for key, limit in limits.items():
            if limit is None:
                continue
            v = d.get(key)
            if v is None or math.isnan(float(v)) or float(v) > limit:
                return False
        return True

    return [i for i, d in enumerate(designs) if fits(d)]


__all__ = ["Cost", "Latency", "cost", "latency", "n_params", "pareto_front", "within_budget"]
