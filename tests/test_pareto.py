"""fpnlab.metrics.pareto_front and within_budget on hand-made designs with known answers."""
import math

import pytest

from fpnlab.metrics import pareto_front, within_budget

NAN = math.nan


def test_dominated_designs_leave_the_front_and_the_front_is_cheapest_first():
    # (latency, AP): d1 beats d3 on both; d4 is as fast as d1 but worse; d0 is the fastest
    costs = [1.0, 2.0, 4.0, 3.0, 2.0]
    aps = [0.20, 0.40, 0.35, 0.50, 0.30]
    assert pareto_front(costs, aps) == [0, 1, 3]


def test_a_better_and_cheaper_design_alone_makes_the_front():
    assert pareto_front([3.0, 1.0, 2.0], [0.1, 0.9, 0.5]) == [1]


def test_equal_designs_both_stay_and_equal_cost_keeps_only_the_better():
    assert pareto_front([1.0, 1.0], [0.5, 0.5]) == [0, 1]
    assert pareto_front([1.0, 1.0], [0.4, 0.5]) == [1]
    assert pareto_front([1.0, 2.0], [0.5, 0.5]) == [0]  # same AP, slower: dominated


def test_nan_is_never_on_the_front_and_never_dominates():
    assert pareto_front([1.0, 2.0, NAN], [NAN, 0.3, 0.9]) == [1]
    assert pareto_front([NAN], [NAN]) == []


def test_empty_and_mismatched_inputs():
    assert pareto_front([], []) == []
    with pytest.raises(ValueError, match="one of each"):
        pareto_front([1.0, 2.0], [0.5])


def test_front_is_monotone_cost_up_value_up():
    import random

    rng = random.Random(0)
    costs = [rng.uniform(1, 10) for _ in range(50)]
    values = [rng.uniform(0, 1) for _ in range(50)]
    front = pareto_front(costs, values)
    for a, b in zip(front, front[1:]):
        assert costs[a] <= costs[b] and values[a] < values[b]
    for i in set(range(50)) - set(front):  # every other design is dominated by a front design
        assert any(costs[j] <= costs[i] and values[j] >= values[i] for j in front)


ROWS = [{"name": "a", "latency_ms": 2.0, "peak_mem_bytes": 900},
        {"name": "b", "latency_ms": 4.0, "peak_mem_bytes": 500},
        {"name": "c", "latency_ms": 3.0, "peak_mem_bytes": NAN},
        {"name": "d", "latency_ms": 1.0}]


def test_within_budget_limits_are_inclusive_and_none_means_no_limit():
    assert within_budget(ROWS, latency_ms=3.0) == [0, 2, 3]
    assert within_budget(ROWS, latency_ms=2.0) == [0, 3]
    assert within_budget(ROWS, latency_ms=None, peak_mem_bytes=None) == [0, 1, 2, 3]
    assert within_budget(ROWS) == [0, 1, 2, 3]


def test_within_budget_drops_missing_or_nan_fields_of_a_limited_quantity():
    assert within_budget(ROWS, peak_mem_bytes=1000) == [0, 1]
    assert within_budget(ROWS, latency_ms=10.0, peak_mem_bytes=600) == [1]
    assert within_budget(ROWS, latency_ms=0.5) == []
