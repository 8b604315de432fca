"""The hard-instance generator: constraints, unique optimum, random-fill baseline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import CAPACITY_MAX, CAPACITY_MIN, generate_instances
from hmlsim.knapsack.solver import solve_dp
from hmlsim.knapsack.utility import economic_performance, random_fill, total_weight


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), n_items=st.integers(2, 20), n=st.integers(1, 30))
def test_generator_constraints(seed, n_items, n):
    inst = generate_instances(n, np.random.default_rng(seed), n_items=n_items)
    assert inst.weights.shape == inst.values.shape == (n, n_items)
    assert np.all((inst.capacity >= CAPACITY_MIN) & (inst.capacity <= CAPACITY_MAX))
    assert np.all(inst.weights >= 1) and np.all(inst.values >= 1)
    assert inst.weights.dtype.kind == inst.values.dtype.kind == "i"
    dp = solve_dp(inst.weights, inst.values, inst.capacity)
    assert np.array_equal(dp.value, inst.optimum)
    assert np.all(dp.n_optimal == 1)  # unique optimum
    assert np.all(total_weight(inst.weights, inst.solution) <= inst.capacity)


def test_pisinger_strongly_correlated_by_default_and_reproducible():
    a = generate_instances(500, np.random.default_rng(3))
    b = generate_instances(500, np.random.default_rng(3))
    assert np.array_equal(a.values, b.values) and np.array_equal(a.capacity, b.capacity)
    # Pisinger's strongly correlated class with R = 100: v = w + R/10
    assert np.array_equal(a.values, a.weights + 10)
    assert a.weights.min() >= 1 and a.weights.max() <= 100


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
