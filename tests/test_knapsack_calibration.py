"""The calibration step: humans alone (and at most one rung), nothing else fitted."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.errors import ConfigError
from hmlsim.knapsack.calibration import (
    Targets,
    alone_utility,
    calibrate,
    expected_team_utility,
    tied_slope,
)
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.solvers import SolverDraws, SolverParams
from hmlsim.knapsack.utility import random_fill
from hmlsim.seeding import make_rng


@pytest.fixture(scope="module")
def cases():
    rng = np.random.default_rng(4)
    inst = generate_instances(600, rng)
    return (
        inst,
        random_fill(inst.weights, inst.capacity, rng),
        SolverDraws.draw(inst.weights.shape, rng),
    )


def test_humans_alone_fit_recovers_its_target_and_fits_nothing_else(cases):
    inst, _, draws = cases
    base = SolverParams(follow_intercept=0.3, incentive_elasticity=0.0)
    fit = calibrate(inst, targets=Targets(alone=0.88), base=base, draws=draws)
    assert fit.targets.names == ["humans_alone"]
    assert abs(fit.achieved["humans_alone"] - 0.88) < 0.002
    assert alone_utility(inst, fit.params, draws) == pytest.approx(fit.achieved["humans_alone"])
    # the follow intercept keeps its value; the slope is tied to the fitted noise
    assert fit.params.follow_intercept == 0.3
    assert fit.params.follow_slope == pytest.approx(tied_slope(fit.params.noise))
    # a better-performing crowd needs less perception noise
    better = calibrate(inst, targets=Targets(alone=0.92), draws=draws)
    assert better.params.noise < fit.params.noise


def test_one_rung_fits_the_follow_intercept(cases):
    inst, weak, draws = cases
    alone_only = calibrate(inst, draws=draws)
    team = expected_team_utility(inst, weak, alone_only.params, draws)
    target = team - 0.02  # following the weak recommender more often lowers the team
    fit = calibrate(inst, weak, Targets(rung=target, rung_name="random"), draws=draws)
    assert fit.targets.names == ["humans_alone", "phi_random"]
    assert abs(fit.achieved["phi_random"] - target) < 0.002
    assert fit.params.follow_intercept > alone_only.params.follow_intercept
    assert fit.params.noise == pytest.approx(alone_only.params.noise)


def test_tied_slope_and_bad_inputs():
    assert tied_slope(np.pi / np.sqrt(3.0)) == pytest.approx(1.0)
    assert tied_slope(0.0) == tied_slope(0.01)
    with pytest.raises(ConfigError, match="target_alone"):
        Targets(alone=1.5)
    with pytest.raises(ConfigError, match="target_rung"):
        Targets(rung=0.0)
    inst = generate_instances(10, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="rng"):
        calibrate(inst)
    with pytest.raises(ConfigError, match="rec_rung"):
        calibrate(inst, None, Targets(rung=0.9), rng=np.random.default_rng(0))


def test_shipped_defaults_are_the_studys_humans_alone_fit():
    # the study's evaluation instances and solver draws (full size, seed 0)
    inst = generate_instances(4000, make_rng(0, "eval"))
    draws = SolverDraws.draw(inst.weights.shape, make_rng(0, "experts"))
    fit = calibrate(inst, draws=draws)
    default = SolverParams()
    assert abs(fit.params.noise - default.noise) < 0.001
    assert abs(fit.params.follow_slope - default.follow_slope) < 0.01
    assert default.follow_slope == pytest.approx(tied_slope(default.noise), abs=0.01)
    assert default.follow_intercept == 0.0 and default.incentive_elasticity == 0.0
