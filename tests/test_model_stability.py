"""Stable-point detection (hmlsim.model.stability)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.model.stability import StabilityDetector, stable_epoch, stable_point


def test_stable_epoch_needs_patience_consecutive_small_changes():
    path = np.array([0.5, 0.7, 0.705, 0.8, 0.801, 0.8015, 0.9])
    # one small change (0.7 -> 0.705) is not enough with patience 2
    assert stable_epoch(path, 0.01, 2) == 5
    assert stable_epoch(path, 0.01, 1) == 2
    assert stable_epoch(path, 0.01, 3) is None


@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=30),
    st.floats(1e-4, 0.2),
    st.integers(1, 5),
)
def test_stable_epoch_matches_its_definition(values, epsilon, patience):
    u = np.array(values)
    found = stable_epoch(u, epsilon, patience)
    small = np.abs(np.diff(u)) < epsilon
    first = next((t for t in range(patience, u.size) if small[t - patience : t].all()), None)
    assert found == first


@given(st.floats(0.3, 1.0), st.floats(0.5, 1.0), st.integers(1, 4))
def test_a_converging_tilted_learner_settles_on_its_tilted_line(u0, tilt, patience):
    # Φ(u) = 0.5 + 0.45 u, learner u_{t+1} = λ Φ(u_t): fixed point u* = 0.5 λ / (1 - 0.45 λ)
    u = [u0]
    for _ in range(200):
        u.append(tilt * (0.5 + 0.45 * u[-1]))
    u = np.array(u)
    phi = 0.5 + 0.45 * u
    point = stable_point(u, phi, epsilon=1e-6, patience=patience, tilt=tilt)
    expected = 0.5 * tilt / (1 - 0.45 * tilt)
    assert point is not None
    assert point.model_utility == pytest.approx(expected, abs=1e-5)
    assert point.line_utility == pytest.approx(expected / tilt, abs=1e-5)
    assert point.gap < 1e-5


def test_detector_flags_once_and_keeps_the_first_point():
    detector = StabilityDetector(epsilon=0.01, patience=2)
    flags = [detector.update(u, u) for u in (0.6, 0.8, 0.805, 0.806, 0.9, 0.5)]
    assert flags == [False, False, False, True, True, True]
    assert detector.point.epoch == 3
    assert detector.point.model_utility == pytest.approx(np.mean([0.8, 0.805, 0.806]))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"epsilon": 0}, "epsilon"),
        ({"patience": 0}, "patience"),
        ({"tilt": 1.5}, "learner_tilt"),
        ({"tilt": 0}, "learner_tilt"),
    ],
)
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(ConfigError) as error:
        StabilityDetector(**kwargs)
    assert error.value.field == field
