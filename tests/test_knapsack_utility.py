"""Economic performance, optimality and the fill rules."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.utility import (
    economic_performance,
    fill_in_order,
    optimality,
    random_fill,
    total_value,
    total_weight,
)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), stop=st.booleans())
def test_utilities_lie_in_unit_interval_and_rank_like_value(seed, stop):
    rng = np.random.default_rng(seed)
    inst = generate_instances(20, rng, n_items=10)
    sel = random_fill(inst.weights, inst.capacity, rng, stop_at_first=stop)
    assert np.all(total_weight(inst.weights, sel) <= inst.capacity)
    ep = economic_performance(inst.values, sel, inst.optimum, inst.weights, inst.capacity)
    opt = optimality(inst.values, sel, inst.optimum, inst.weights, inst.capacity)
    assert np.all((ep >= 0) & (ep <= 1)) and set(np.unique(opt)) <= {0.0, 1.0}
    assert np.array_equal(opt == 1.0, ep == 1.0)  # unique optimum: value = optimum iff EP = 1
    best = economic_performance(inst.values, inst.solution, inst.optimum)
    assert np.allclose(best, 1.0)


def test_infeasible_selection_scores_zero():
    w, v, cap = np.array([[3, 3]]), np.array([[5, 5]]), np.array([4])
    sel = np.array([[True, True]])
    assert economic_performance(v, sel, [5], w, cap).tolist() == [0.0]
    assert optimality(v, sel, [10], w, cap).tolist() == [0.0]


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_fill_in_order_is_feasible_and_skip_never_worse(seed):
    rng = np.random.default_rng(seed)
    inst = generate_instances(10, rng)
    order = rng.permuted(np.tile(np.arange(18), (10, 1)), axis=1)
    stop = fill_in_order(inst.weights, inst.capacity, order, stop_at_first=True)
    skip = fill_in_order(inst.weights, inst.capacity, order)
    for sel in (stop, skip):
        assert np.all(total_weight(inst.weights, sel) <= inst.capacity)
    assert np.all(total_value(inst.values, skip) >= total_value(inst.values, stop))
    assert np.all(skip | ~stop)  # skipping extends the stopped fill
