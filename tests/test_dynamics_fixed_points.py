"""Exact stable points (root finding), their classification, and cycles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from hmlsim.dynamics import (
    CallablePhi,
    TabulatedPhi,
    TiltedLearner,
    find_cycles,
    find_roots,
    find_stable_points,
    learning_path,
)
from hmlsim.dynamics.fixed_points import epsilon_stable_intervals, on_line_residual
from hmlsim.dynamics.testing import piecewise_linear_phis

PAPER = TabulatedPhi([0.717, 0.920], [0.894, 0.926])


def kinds(points):
    return [(round(p.u, 6), p.kind) for p in points]


def test_paper_points_give_one_attracting_point_near_92_percent():
    (point,) = find_stable_points(PAPER)
    assert point.kind == "attracting"
    assert 0.915 < point.u < 0.93
    assert point.u == pytest.approx(0.926, abs=1e-12)  # on the clipped plateau Φ = 0.926


def test_linear_extrapolation_moves_the_point_to_where_the_last_segment_meets_the_line():
    phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926], extrapolate="linear")
    (point,) = find_stable_points(phi)
    slope = 0.032 / 0.203
    assert point.u == pytest.approx((0.894 - slope * 0.717) / (1 - slope), abs=1e-12)


def test_tilted_learner_point_lies_on_the_tilted_line():
    (point,) = find_stable_points(PAPER, TiltedLearner(0.98))
    assert point.phi == pytest.approx(point.u / 0.98, abs=1e-12)
    assert point.kind == "attracting"
    assert on_line_residual(PAPER, TiltedLearner(0.98), [point.u])[0] == pytest.approx(0, abs=1e-12)


def test_tilt_above_one_can_hold_the_model_at_one():
    # λ·Φ(1) ≥ 1: the clip keeps u = 1 fixed though Φ(1) ≠ 1/λ
    points = find_stable_points(CallablePhi(lambda u: 0.5 + 0.45 * u), TiltedLearner(1.2))
    assert kinds(points) == [(1.0, "attracting")]


def test_bistable_classification():
    phi = CallablePhi(lambda u: u + 0.6 * u * (1 - u) * (u - 0.45))
    assert kinds(find_stable_points(phi)) == [
        (0.0, "attracting"),
        (0.45, "repelling"),
        (1.0, "attracting"),
    ]


def test_tangency_is_found_and_semi_stable():
    # Φ touches the 45° line at 0.4 from above: paths below climb into it, paths above leave
    phi = CallablePhi(lambda u: u + 2 * (u - 0.4) ** 2 * (1 - u))
    points = find_stable_points(phi)
    assert kinds(points) == [(0.4, "semi-stable"), (1.0, "attracting")]
    assert learning_path(phi, 0.2, epsilon=1e-4).end == pytest.approx(0.4, abs=0.01)


def test_touching_at_a_kink_of_a_piecewise_linear_phi():
    phi = TabulatedPhi([0.0, 0.3, 1.0], [0.1, 0.3, 1.0])  # Φ ≥ u, equal at 0.3 and on [0.3, 1]
    (point,) = find_stable_points(phi)
    assert point.extent == pytest.approx((0.3, 1.0))
    assert point.u == pytest.approx(0.65)  # an interval is reported at its midpoint
    assert point.kind == "neutral"
    touch = TabulatedPhi([0.0, 0.3, 0.8, 1.0], [0.1, 0.3, 0.9, 1.0])  # Φ > u on both sides
    assert kinds(find_stable_points(touch)) == [(0.3, "semi-stable"), (1.0, "attracting")]


def test_decreasing_phi_fixed_point_kinds_follow_the_slope():
    shallow = CallablePhi(lambda u: 0.9 - 0.5 * u)
    steep = TabulatedPhi([0.4, 0.6], [0.9, 0.1])
    flip = CallablePhi(lambda u: 1 - u)
    assert kinds(find_stable_points(shallow)) == [(0.6, "attracting")]
    assert kinds(find_stable_points(steep)) == [(0.5, "repelling")]
    assert kinds(find_stable_points(flip)) == [(0.5, "neutral")]


def test_mixed_slopes_the_rising_side_decides():
    # rising with slope 0.5 on the left of 0.5, falling with slope −3 on the right
    phi = TabulatedPhi([0.0, 0.5, 0.6], [0.25, 0.5, 0.2])
    (point,) = find_stable_points(phi)
    assert point.kind == "attracting"
    assert learning_path(phi, 0.52, epsilon=1e-6).end == pytest.approx(0.5, abs=1e-5)


def test_two_cycle_of_a_steeply_decreasing_phi():
    steep = TabulatedPhi([0.4, 0.6], [0.9, 0.1])
    (cycle,) = find_cycles(steep)
    assert cycle.period == 2
    assert cycle.points == pytest.approx((0.1, 0.9))
    assert cycle.kind == "attracting"
    assert find_cycles(PAPER) == []


def test_repelling_two_cycle_and_longer_cycles():
    # logistic map r = 3.2: attracting 2-cycle; r = 3.83: attracting 3-cycle
    two = find_cycles(CallablePhi(lambda u: 3.2 * u * (1 - u)), max_period=2)
    assert [c.period for c in two] == [2] and two[0].kind == "attracting"
    r = 3.2
    expected = sorted(((r + 1) + s * np.sqrt((r + 1) * (r - 3))) / (2 * r) for s in (-1, 1))
    assert two[0].points == pytest.approx(expected, abs=1e-10)
    three = find_cycles(CallablePhi(lambda u: 3.83 * u * (1 - u)), max_period=3)
    assert sorted(c.period for c in three) == [2, 3, 3]
    assert {c.kind for c in three if c.period == 3} == {"attracting", "repelling"}
    assert all(c.kind == "repelling" for c in three if c.period == 2)


@given(piecewise_linear_phis())
def test_increasing_classification_agrees_with_one_step_of_the_dynamics(phi):
    f = phi
    points = find_stable_points(phi)
    us = [p.u for p in points]
    for k, p in enumerate(points):
        if p.extent is not None or min(p.slopes, default=0) < 0 or np.any(np.array(p.slopes) < 0):
            continue
        gaps = [p.u - (us[k - 1] if k else 0.0), (us[k + 1] if k + 1 < len(us) else 1.0) - p.u]
        delta = min(1e-3, *[0.25 * g for g in gaps if g > 0])
        moves = []
        for side in (-1, 1):
            u = p.u + side * delta
            if 0 <= u <= 1:
                moves.append(abs(f(u) - p.u) < delta - 1e-12)  # moved closer
        if p.kind == "attracting":
            assert all(moves)
        elif p.kind == "repelling":
            assert not any(moves)
        elif p.kind == "semi-stable":
            assert any(moves) and not all(moves)


def test_find_roots_handles_zero_runs_jumps_and_close_roots():
    roots = find_roots(lambda u: np.where(u < 0.5, u - 0.25, 1.0))  # jump at 0.5 is no root
    assert roots.points == pytest.approx((0.25,))
    flat = find_roots(lambda u: np.clip(u - 0.3, 0, None) * (u - 0.8))
    assert flat.intervals == ((0.0, 0.3),) and flat.points == pytest.approx((0.8,))
    close = find_roots(lambda u: u * (u - 2e-4))  # root at 0 hides the one at 0.0002
    assert close.points == pytest.approx((0.0, 2e-4), abs=1e-15)


def test_epsilon_stable_intervals_contain_the_exact_point():
    (band,) = epsilon_stable_intervals(PAPER, epsilon=0.01)
    assert band[0] < 0.926 < band[1]
    x = np.linspace(0, 1, 10_001)
    inside = x[np.abs(PAPER(x) - x) < 0.01]
    assert band == pytest.approx((inside.min(), inside.max()), abs=1e-3)
