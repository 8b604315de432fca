"""The hard-instance generator: constraints, unique optimum, random-fill baseline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    GENERATORS,
    generate_instances,
    generator_kwargs,
)
from hmlsim.knapsack.solver import solve_dp
from hmlsim.knapsack.utility import economic_performance, optimality, random_fill, total_weight


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_items=st.integers(2, 20),
    n=st.integers(1, 30),
    name=st.sampled_from(sorted(GENERATORS)),
)
def test_generator_constraints(seed, n_items, n, name):
    inst = generate_instances(n, np.random.default_rng(seed), n_items=n_items, **GENERATORS[name])
    assert inst.weights.shape == inst.values.shape == (n, n_items)
    assert np.all((inst.capacity >= CAPACITY_MIN) & (inst.capacity <= CAPACITY_MAX))
    assert np.all(inst.weights >= 1) and np.all(inst.values >= 1)
    assert inst.weights.dtype.kind == inst.values.dtype.kind == "i"
    dp = solve_dp(inst.weights, inst.values, inst.capacity)
    assert np.array_equal(dp.value, inst.optimum)
    assert np.array_equal(dp.n_optimal, inst.n_optimal)
    if name == "pisinger_sc":
        assert np.all(dp.n_optimal == 1)  # the variant discards tied item sets
    assert np.all(total_weight(inst.weights, inst.solution) <= inst.capacity)


def test_paper_generator_is_the_default_strongly_but_imperfectly_correlated():
    a = generate_instances(2000, np.random.default_rng(3))
    b = generate_instances(2000, np.random.default_rng(3))
    assert np.array_equal(a.values, b.values) and np.array_equal(a.capacity, b.capacity)
    assert a.weights.min() >= 1 and a.weights.max() <= 100
    spread = a.values - a.weights  # Pisinger's offset R/10 with his spread R/10
    assert spread.min() == 0 and spread.max() == 20 and abs(spread.mean() - 10) < 0.2
    r = np.corrcoef(a.weights.ravel(), a.values.ravel())[0, 1]
    assert 0.95 < r < 0.99  # strong, not perfect (A.10: "strongly, yet imperfectly")
    # several optimal item sets occur (the paper keeps them): > 5% of the instances
    assert 0.05 < np.mean(a.n_optimal > 1) < 0.4
    # the variant is the earlier generator: perfectly correlated, unique item sets
    sc = generate_instances(300, np.random.default_rng(3), **GENERATORS["pisinger_sc"])
    assert np.array_equal(sc.values, sc.weights + 10) and np.all(sc.n_optimal == 1)
    with pytest.raises(ConfigError, match="generator"):
        generator_kwargs("nope")


def test_tied_optimal_item_sets_are_scored_as_optimal():
    inst = generate_instances(200, np.random.default_rng(5))
    k = int(np.flatnonzero(inst.n_optimal > 1)[0])
    w, v, cap = inst.weights[k], inst.values[k], inst.capacity[k]
    # every subset of the 18 items, by brute force
    subsets = ((np.arange(2**18)[:, None] >> np.arange(18)) & 1).astype(bool)
    fits = subsets @ w <= cap
    value = np.where(fits, subsets @ v, -1)
    best = subsets[value == value.max()]
    assert value.max() == inst.optimum[k] and len(best) == inst.n_optimal[k] >= 2
    other = next(s for s in best if not np.array_equal(s, inst.solution[k]))
    both = np.stack([inst.solution[k], other])
    values, optimum = np.stack([v, v]), np.array([inst.optimum[k]] * 2)
    # the utilities compare values: the DP's set and another optimal set both score 1
    assert economic_performance(values, both, optimum).tolist() == [1.0, 1.0]
    assert optimality(values, both, optimum).tolist() == [1, 1]


def test_value_noise_axis_makes_the_correlation_imperfect():
    inst = generate_instances(500, np.random.default_rng(3), noise_sd=6.0, offset=20.0)
    r = np.corrcoef(inst.weights.ravel(), inst.values.ravel())[0, 1]
    assert 0.9 < r < 0.999
    assert abs((inst.values - inst.weights).mean() - 20.0) < 1.0


def test_random_fill_baseline_is_about_sixty_percent():
    rng = np.random.default_rng(11)
    inst = generate_instances(3000, rng)
    fill = random_fill(inst.weights, inst.capacity, rng)
    assert np.all(total_weight(inst.weights, fill) <= inst.capacity)
    mean = economic_performance(inst.values, fill, inst.optimum).mean()
    assert 0.57 < mean < 0.63  # the paper: "an average around 60%"


def test_bad_parameters_raise_config_error():
    rng = np.random.default_rng(0)
    with pytest.raises(ConfigError, match="w_max"):
        generate_instances(3, rng, w_min=5, w_max=2)
    with pytest.raises(ConfigError, match="capacity_fraction"):
        generate_instances(3, rng, capacity_fraction=(0.5, 0.2))
    with pytest.raises(ConfigError, match="n_items"):
        generate_instances(3, rng, n_items=0)
