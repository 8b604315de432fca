"""Learner maps: perfect, tilted λ (clipped), monotone, ε-quantised."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.dynamics import (
    MonotoneLearner,
    PerfectLearner,
    QuantisedLearner,
    TiltedLearner,
    epsilon_grid,
    learning_map,
    make_learner,
    quantise,
)
from hmlsim.errors import ConfigError

unit = st.floats(0, 1)


@given(st.lists(unit, min_size=1, max_size=30), st.floats(0.05, 3.0))
def test_tilted_learner_is_clipped_scaling_and_inverse_is_the_tilted_line(v, tilt):
    learner = TiltedLearner(tilt)
    v = np.array(v)
    np.testing.assert_allclose(learner(v), np.minimum(1.0, tilt * v))
    np.testing.assert_allclose(learner.inverse(v), v / tilt)
    assert np.all(np.diff(learner(np.sort(v))) >= 0)


def test_perfect_learner_and_make_learner():
    assert PerfectLearner()(0.3) == 0.3
    assert PerfectLearner().inverse(0.3) == 0.3
    assert isinstance(make_learner(None), PerfectLearner)
    assert isinstance(make_learner(1.0), PerfectLearner)
    assert make_learner(0.98) == TiltedLearner(0.98)


@pytest.mark.parametrize("tilt", [0.0, -0.5])
def test_tilt_must_be_positive(tilt):
    with pytest.raises(ConfigError) as info:
        TiltedLearner(tilt)
    assert info.value.field == "tilt"


def test_monotone_learner_inverse_and_monotonicity_check():
    learner = MonotoneLearner(lambda v: v**2)
    assert learner(0.5) == 0.25
    np.testing.assert_allclose(learner.inverse([0.01, 0.25, 0.81]), [0.1, 0.5, 0.9], atol=1e-4)
    assert learner(2.0) == 1.0  # clipped
    with pytest.raises(ConfigError, match="non-decreasing"):
        MonotoneLearner(lambda v: 1 - v)


@given(st.lists(unit, min_size=1, max_size=30), st.sampled_from([0.3, 0.1, 0.03, 0.01, 0.007]))
def test_quantise_rounds_to_the_nearest_grid_utility(u, epsilon):
    grid = epsilon_grid(epsilon)
    q = quantise(np.array(u), epsilon)
    values = np.array(u)
    nearest = grid[np.argmin(np.abs(grid[None, :] - values[:, None]), axis=1)]
    # on the grid, and as near as the nearest grid point (a midpoint such as 0.025 with
    # ε = 0.01 is a tie up to floating-point error: either neighbour is nearest)
    assert np.isclose(q[:, None], grid[None, :], atol=1e-12).any(axis=1).all()
    assert (np.abs(q - values) <= np.abs(nearest - values) + 1e-12).all()
    np.testing.assert_allclose(quantise(q, epsilon), q)  # idempotent


def test_epsilon_grid_always_ends_at_one():
    assert epsilon_grid(0.25).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert epsilon_grid(0.3).tolist() == [0.0, 0.3, 0.6, 0.9, 1.0]
    assert epsilon_grid(0.01).size == 101
    with pytest.raises(ConfigError):
        epsilon_grid(0.0)


def test_quantised_learner_and_learning_map():
    learner = QuantisedLearner(TiltedLearner(0.9), 0.05)
    assert learner(0.8) == pytest.approx(0.7)  # 0.72 → 0.70
    assert learner.inverse(0.45) == pytest.approx(0.5)
    assert learner.describe() == {"learner": "tilted", "tilt": 0.9, "quantised": 0.05}
    f = learning_map(lambda u: 0.5 + 0.5 * u, PerfectLearner().quantised(0.1))
    assert f(0.5) == pytest.approx(0.8)  # 0.75 → 0.8 (round half to even of 7.5)
    with pytest.raises(ConfigError):
        QuantisedLearner(PerfectLearner(), -1)
