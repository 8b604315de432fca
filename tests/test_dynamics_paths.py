"""Learning paths: stopping rule, bounds, cycles, vectorised iteration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.dynamics import (
    CallablePhi,
    TabulatedPhi,
    TiltedLearner,
    iterate,
    learning_path,
    proposition_bound,
)
from hmlsim.dynamics.testing import phis
from hmlsim.errors import ConfigError

PAPER = TabulatedPhi([0.717, 0.920], [0.894, 0.926])


def test_paper_path_reaches_the_92_percent_equilibrium():
    path = learning_path(PAPER, 0.717, epsilon=1e-6)
    assert path.converged
    assert path.end == pytest.approx(0.926, abs=1e-6)
    assert np.all(np.diff(path.as_array()) >= 0)


def test_path_stops_at_first_epsilon_stable_utility():
    phi = CallablePhi(lambda u: u + 0.5 * (0.9 - u), name="halfway to 0.9")
    path = learning_path(phi, 0.1, epsilon=0.01)
    u = path.as_array()
    steps = np.abs(np.diff(u))
    assert np.all(steps >= 0.01)  # every step taken was a meaningful change
    assert abs(phi(u[-1]) - u[-1]) < 0.01  # and the end is ε-stable
    np.testing.assert_allclose(u, 0.9 - 0.8 * 0.5 ** np.arange(u.size))


def test_tilted_learner_path():
    path = learning_path(PAPER, 0.717, learner=TiltedLearner(0.98), epsilon=1e-6)
    # stable point on the tilted line Φ(u) = u / 0.98, inside the measured range
    assert PAPER(path.end) == pytest.approx(path.end / 0.98, abs=1e-5)


def test_path_detects_a_cycle_and_does_not_run_forever():
    phi = TabulatedPhi([0.4, 0.6], [0.9, 0.1])
    path = learning_path(phi, 0.45, epsilon=0.01)
    assert not path.converged
    assert path.cycle_period == 2
    assert path.utilities[-2:] == (0.1, 0.9) or path.utilities[-2:] == (0.9, 0.1)


def test_max_steps_limits_slow_paths():
    phi = CallablePhi(lambda u: u + 0.001 * (1 - u))
    path = learning_path(phi, 0.0, epsilon=1e-9, max_steps=5)
    assert path.steps == 5 and not path.converged


@given(phis(), st.lists(st.integers(0, 1000).map(lambda k: k / 1000), min_size=1, max_size=8))
def test_iterate_matches_repeated_scalar_steps(phi, starts):
    table = iterate(phi, starts, 6)
    for j, u0 in enumerate(starts):
        u = u0
        for t in range(7):
            assert table[t, j] == pytest.approx(u, abs=1e-12)
            u = phi(u)


def test_proposition_bound():
    assert proposition_bound(0.0, 0.1) == 10
    assert proposition_bound(0.717, 0.01) == 29
    assert proposition_bound(0.5, 0.1, "down") == 5
    assert proposition_bound(1.0, 0.1) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"u0": 1.5}, "u0"),
        ({"u0": "x"}, "u0"),
        ({"epsilon": 0}, "epsilon"),
        ({"max_steps": -1}, "max_steps"),
    ],
)
def test_bad_path_arguments(kwargs, field):
    args = {"u0": 0.5, **kwargs}
    u0 = args.pop("u0")
    with pytest.raises(ConfigError) as info:
        learning_path(PAPER, u0, **args)
    assert info.value.field == field


def test_start_outside_measured_range_with_error_policy():
    phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926], extrapolate="error")
    with pytest.raises(ConfigError, match="u0"):
        learning_path(phi, 0.5)
