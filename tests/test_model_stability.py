"""Stable points on the line, with bootstrap intervals (hmlsim.model.stability)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.model.stability import (
    StabilityDetector,
    analyse_run,
    end_state,
    line_gap,
)


def cases(rng: np.random.Generator, n: int, mean: float) -> np.ndarray:
    """Per-case 0/1 utilities with the given mean."""
    return (rng.random(n) < mean).astype(float)


def test_line_gap_is_the_paired_mean_difference_with_an_interval_around_it():
    rng = np.random.default_rng(0)
    u = cases(rng, 400, 0.7)
    phi = np.where(rng.random(400) < 0.1, 1.0, u)  # the team fixes ~10% of cases
    gap = line_gap(u, phi, rng=1)
    assert gap.gap == pytest.approx(phi.mean() - u.mean())
    assert gap.ci_low < gap.gap < gap.ci_high
    assert gap.ci_low > 0  # a real improvement: the interval excludes 0
    tilted = line_gap(u, phi, tilt=0.8, rng=1)
    assert tilted.gap == pytest.approx(phi.mean() - u.mean() / 0.8)


def test_a_stationary_run_off_the_line_has_no_stable_point():
    # u never moves, Φ(u) sits 0.08 above it: stationary, but not a stable point
    rng = np.random.default_rng(1)
    u = cases(rng, 300, 0.7)
    phi = np.maximum(u, (rng.random(300) < 0.08).astype(float))
    detector = StabilityDetector(epsilon=0.02, patience=3, rng=0)
    for _ in range(10):
        detector.update(u, phi)
    assert detector.point is None
    assert detector.end_state() == "stationary_off_line"


def test_a_run_on_the_line_is_stable_with_the_window_means():
    rng = np.random.default_rng(2)
    detector = StabilityDetector(epsilon=0.02, patience=3, rng=0)
    flags = []
    for quality in (0.6, 0.7, 0.8, 0.8, 0.8):
        u = cases(rng, 500, quality)
        phi = u.copy()
        ones, zeros = np.flatnonzero(u == 1)[:4], np.flatnonzero(u == 0)[:4]
        phi[ones], phi[zeros] = 0.0, 1.0  # the team differs on a few cases, both ways: gap 0
        flags.append(detector.update(u, phi))
    assert flags == [False, False, True, True, True]
    point = detector.point
    assert point.epoch == 2 and point.on_line
    assert abs(point.gap) <= 0.02 and point.ci_low <= 0 <= point.ci_high
    assert detector.end_state() == "stable"


def test_noise_wider_than_epsilon_is_not_a_stable_point():
    # a gap of 0.03 > ε whose interval still contains 0 (few cases): not on the line
    u = np.zeros(40)
    phi = np.zeros(40)
    phi[:1] = 1.0  # gap 0.025
    gap = line_gap(u, phi, rng=0)
    assert gap.ci_low <= 0 <= gap.ci_high
    assert not gap.on_line(epsilon=0.02)
    # a gap within ε whose interval excludes 0 (many cases): not on the line either
    u = np.zeros(20_000)
    phi = np.zeros(20_000)
    phi[:200] = 1.0  # gap 0.01, tight interval
    gap = line_gap(u, phi, rng=0)
    assert gap.ci_low > 0
    assert not gap.on_line(epsilon=0.02)


def test_end_states_name_cycles_and_drift():
    off = np.zeros(8, bool)
    assert end_state(np.array([0.6, 0.8] * 4), off, epsilon=0.02, patience=3) == "two_cycle"
    assert end_state(np.linspace(0.5, 0.9, 8), off, epsilon=0.02, patience=3) == "drifting"
    assert end_state(np.full(8, 0.7), off, epsilon=0.02, patience=3) == "stationary_off_line"
    assert end_state(np.full(2, 0.7), off, epsilon=0.02, patience=3) == "too_short"
    on = np.ones(8, bool)
    assert end_state(np.linspace(0.5, 0.9, 8), on, epsilon=0.02, patience=3) == "stable"


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.3, 0.95),
    st.floats(-0.15, 0.15),
    st.integers(30, 400),
    st.integers(1, 4),
    st.integers(0, 2**31),
)
def test_every_reported_stable_point_is_on_the_line(quality, shift, n, patience, seed):
    rng = np.random.default_rng(seed)
    detector = StabilityDetector(epsilon=0.02, patience=patience, rng=seed)
    for _ in range(6):
        u = cases(rng, n, quality)
        phi = cases(rng, n, float(np.clip(quality + shift, 0, 1)))
        detector.update(u, phi)
    point = detector.point
    if point is not None:
        assert abs(point.gap) <= 0.02
        assert point.ci_low <= 0 <= point.ci_high
        window = detector.lines[point.epoch - patience + 1 : point.epoch + 1]
        assert all(line.on_line(0.02) for line in window)


def test_analyse_run_never_reports_a_point_outside_the_visited_range():
    # a path visiting [0.60, 0.70] of a Φ whose crossing (clipped extrapolation) lies elsewhere
    u = np.array([0.60, 0.63, 0.66, 0.70])
    phi = u + 0.05
    report = analyse_run(u, phi, epsilon=0.01)
    assert report is not None
    assert all(0.60 <= p.u <= 0.70 for p in report.stable_points)
    assert report.stable_points == []


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


def test_mismatched_case_arrays_name_the_field():
    with pytest.raises(ConfigError) as error:
        line_gap(np.ones(5), np.ones(6))
    assert error.value.field == "team_cases"


def test_a_change_of_u_within_its_noise_is_not_drift():
    # u moves by 0.025 > ε between epochs, but a 40-case evaluation cannot tell that from noise
    rng = np.random.default_rng(3)
    detector = StabilityDetector(epsilon=0.02, patience=2, rng=0)
    base = cases(rng, 40, 0.7)
    for shift in (0, 1, 0, 1):
        u = base.copy()
        u[np.flatnonzero(u == 0)[:shift]] = 1.0
        detector.update(u, np.maximum(u, cases(rng, 40, 0.3)))
    assert detector.moved() is False
    assert detector.end_state() != "drifting"
    # the same shift on many cases, consistently upwards, is drift
    drifting = StabilityDetector(epsilon=0.02, patience=2, rng=0)
    for quality in (0.6, 0.7, 0.8, 0.9):
        u = cases(rng, 2000, quality)
        drifting.update(u, np.maximum(u, cases(rng, 2000, 0.3)))
    assert drifting.moved() is True and drifting.end_state() == "drifting"


def test_a_run_ends_stable_exactly_when_it_has_a_stable_point():
    """Each epoch on the line but not the pooled window: neither "stable" nor a stable point.

    Every epoch's gap is 0.015 (within ε = 0.02) with a wide interval, while the
    per-case gaps of the three epochs sum to the same value on every case: pooled
    over the window the gap is 0.015 with no spread, so its interval excludes 0.
    """
    n = 200
    signs = np.tile([1.0, -1.0], n // 2)
    a, b = 0.3 * signs, 0.3 * np.roll(signs, 1) * np.repeat([1.0, -1.0], n // 2)
    gaps = [0.015 + a, 0.015 + b, 0.015 - a - b]
    detector = StabilityDetector(epsilon=0.02, patience=3, rng=0)
    detector.update(np.zeros(n), np.full(n, 0.5))  # far off the line: no window before
    for gap in gaps:
        detector.update(np.zeros(n), gap)
    assert all(detector.on_line[-3:])  # the per-epoch test alone would call it stable
    assert detector.window_point() is None and detector.point is None
    assert detector.end_state() != "stable"
    # and where the window holds too, the two agree the other way
    steady = StabilityDetector(epsilon=0.02, patience=3, rng=0)
    for _ in range(4):
        steady.update(np.ones(n), np.ones(n))
    assert steady.window_point() is not None and steady.end_state() == "stable"
