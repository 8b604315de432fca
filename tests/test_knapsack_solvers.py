"""The simulated solvers: feasibility, following, max-pick, effort and incentive."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import (
    SolverDraws,
    SolverParams,
    effective_effort,
    follow_probability,
    local_search,
    solve,
)
from hmlsim.knapsack.utility import (
    economic_performance,
    fill_in_order,
    random_fill,
    total_value,
    total_weight,
)


@pytest.fixture(scope="module")
def inst():
    return generate_instances(1500, np.random.default_rng(2))


def _u(inst, sel):
    return economic_performance(inst.values, sel, inst.optimum)


def test_submissions_feasible_and_local_search_never_hurts(inst):
    rng = np.random.default_rng(0)
    start = random_fill(inst.weights, inst.capacity, rng)
    better = local_search(inst.weights, inst.values, inst.capacity, start, 10, rng)
    assert np.all(total_value(inst.values, better) >= total_value(inst.values, start))
    assert np.all(total_weight(inst.weights, better) <= inst.capacity)
    rec = random_fill(inst.weights, inst.capacity, rng)
    for max_pick in (False, True):
        out = solve(inst, rec, SolverParams(), rng, max_pick=max_pick)
        assert np.all(total_weight(inst.weights, out.selection) <= inst.capacity)


def test_noise_and_effort_move_quality_the_right_way(inst):
    draws = SolverDraws.draw(inst.weights.shape, np.random.default_rng(1))
    u = {
        p: _u(
            inst, solve(inst, None, SolverParams(noise=p[0], effort=p[1]), draws=draws).selection
        ).mean()
        for p in [(0.2, 6), (0.8, 6), (0.5, 0), (0.5, 20)]
    }
    assert u[(0.2, 6)] > u[(0.8, 6)] + 0.02
    assert u[(0.5, 20)] > u[(0.5, 0)]


def test_follow_better_models_more_often_and_sometimes_submit_worse(inst):
    rng = np.random.default_rng(3)
    weak = random_fill(inst.weights, inst.capacity, rng)
    strong = fill_in_order(
        inst.weights, inst.capacity, density_order(inst.weights, inst.values), stop_at_first=True
    )
    draws = SolverDraws.draw(inst.weights.shape, rng)
    params = SolverParams()
    low = solve(inst, weak, params, draws=draws)
    high = solve(inst, strong, params, draws=draws)
    assert high.followed.mean() > low.followed.mean()
    # humans sometimes submit worse than a good recommendation ...
    assert (_u(inst, high.selection) < _u(inst, strong) - 1e-12).mean() > 0.05
    # ... which max-pick never does, and max-pick is never worse than the normal rule
    picked = solve(inst, strong, params, draws=draws, max_pick=True)
    assert np.all(_u(inst, picked.selection) >= _u(inst, strong) - 1e-12)
    assert np.all(_u(inst, picked.selection) >= _u(inst, high.selection) - 1e-12)
    assert _u(inst, picked.selection).mean() > _u(inst, high.selection).mean()


def test_follow_probability_grows_with_recommended_value():
    own = np.full(5, 100.0)
    p = follow_probability(own, np.array([60.0, 80, 100, 110, 130]), SolverParams(), np.zeros(5))
    assert np.all(np.diff(p) > 0) and np.all((p > 0) & (p < 1))


def test_incentive_shifts_effort_only_with_elasticity(inst):
    calm = SolverParams(incentive_elasticity=0.0)
    keen = SolverParams(incentive_elasticity=1.0, effort=4)
    assert effective_effort(calm, 20) == calm.effort
    assert effective_effort(keen, 20) == 12
    draws = SolverDraws.draw(inst.weights.shape, np.random.default_rng(4))
    base = solve(inst, None, calm, draws=draws).selection
    assert np.array_equal(solve(inst, None, calm, draws=draws, bonus=20).selection, base)
    keen0 = _u(inst, solve(inst, None, keen, draws=draws).selection).mean()
    keen20 = _u(inst, solve(inst, None, keen, draws=draws, bonus=20).selection).mean()
    assert keen20 > keen0


def test_bad_parameters_raise_config_error(inst):
    with pytest.raises(ConfigError, match="noise"):
        SolverParams(noise=-1)
    with pytest.raises(ConfigError, match="effort"):
        SolverParams(effort=2.5)
    with pytest.raises(ConfigError, match="bonus"):
        effective_effort(SolverParams(), -1)
    heavy = np.ones(inst.weights.shape, dtype=bool)
    with pytest.raises(ConfigError, match="recommendation"):
        solve(inst, heavy, SolverParams(), np.random.default_rng(0))
