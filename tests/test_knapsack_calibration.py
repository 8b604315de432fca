"""The calibration step: rerun at small size, it recovers its targets and the defaults."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.errors import ConfigError
from hmlsim.knapsack.calibration import Targets, calibrate
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.ladder import train_ladder
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import SolverParams
from hmlsim.knapsack.utility import fill_in_order, random_fill
from hmlsim.threads import limited_threads


@pytest.fixture(scope="module")
def ladder_recs():
    """q1 and q6 models of a small ladder, and their recommendations on fresh instances."""
    with limited_threads(1):
        rng = np.random.default_rng(21)
        train, valid = generate_instances(384, rng), generate_instances(300, rng)
        low, high = train_ladder(
            train, valid, rng, (0.717, 0.920), epochs=10, tolerance=0.01, max_iter=6
        )
        cases = generate_instances(1000, rng)
        return cases, low.model.predict(cases), high.model.predict(cases)


def test_rerun_recovers_paper_targets_and_the_shipped_defaults(ladder_recs):
    cases, low, high = ladder_recs
    fit = calibrate(cases, low, high, rng=np.random.default_rng(0), max_elasticity=1.0)
    got = fit.achieved
    assert abs(got["alone"] - 0.90) < 0.002
    assert abs(got["with_low"] - 0.894) < 0.01
    assert abs(got["with_high"] - 0.926) < 0.01
    # bonuses: the paper's flat arms give no incentive effect
    assert fit.params.incentive_elasticity == 0.0
    assert len(set(np.round(list(got["bonus"].values()), 6))) == 1
    # the constants shipped in SolverParams are this fit at full size
    default = SolverParams()
    assert abs(fit.params.noise - default.noise) < 0.05
    assert abs(fit.params.follow_intercept - default.follow_intercept) < 0.6
    assert abs(fit.params.follow_slope - default.follow_slope) < 2.5


def test_rerun_on_other_targets():
    rng = np.random.default_rng(4)
    cases = generate_instances(800, rng)
    weak = random_fill(cases.weights, cases.capacity, rng)
    strong = fill_in_order(
        cases.weights,
        cases.capacity,
        density_order(cases.weights, cases.values),
        stop_at_first=True,
    )
    targets = Targets(alone=0.85, with_low=0.80, with_high=0.90, bonus=((0.0, 0.85), (10.0, 0.87)))
    fit = calibrate(cases, weak, strong, targets, rng=rng)
    assert abs(fit.achieved["alone"] - 0.85) < 0.002
    assert abs(fit.achieved["with_low"] - 0.80) < 0.015
    assert abs(fit.achieved["with_high"] - 0.90) < 0.015
    # a bonus arm that helps is fitted with a positive elasticity
    assert fit.params.incentive_elasticity > 0
    assert fit.achieved["bonus"][10.0] > fit.achieved["bonus"][0.0]


def test_bad_targets_raise_config_error():
    with pytest.raises(ConfigError, match="with_high"):
        Targets(with_high=1.5)
    cases = generate_instances(10, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="rng"):
        calibrate(cases, cases.solution, cases.solution)
