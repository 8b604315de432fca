"""Property tests of Propositions 1 and 2 and of the stable-point facts (SPEC part A).

The checks live in :mod:`hmlsim.dynamics.propositions`; here hypothesis feeds
them rich characteristic functions (:mod:`hmlsim.dynamics.testing`), and the
last tests feed them deliberately broken implementations, which must fail.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hmlsim.dynamics import (
    CallablePhi,
    MonotoneLearner,
    PerfectLearner,
    StablePoint,
    TabulatedPhi,
    TiltedLearner,
    find_stable_points,
    learning_path,
)
from hmlsim.dynamics.paths import LearningPath
from hmlsim.dynamics.propositions import (
    PremiseNotMet,
    PropositionViolation,
    check_proposition_1,
    check_proposition_2,
    check_stable_points,
)
from hmlsim.dynamics.testing import harming_phis, improving_phis, oscillating_phis, phis

epsilons = st.sampled_from([0.001, 0.005, 0.01, 0.03, 0.1, 0.25])
starts = st.integers(0, 1000).map(lambda k: k / 1000)
tilts = st.integers(50, 150).map(lambda k: k / 100)


# --- Proposition 1 and 2 -------------------------------------------------------------------


@given(improving_phis(), epsilons, starts)
@example(CallablePhi(lambda u: np.minimum(1.0, u + 0.1), name="u + 0.1"), 0.1, 0.0)
def test_proposition_1_perfect_learner(phi, epsilon, u0):
    path = check_proposition_1(phi, epsilon, u0)
    assert path.converged


@given(harming_phis(), epsilons, starts)
def test_proposition_2_perfect_learner(phi, epsilon, u0):
    path = check_proposition_2(phi, epsilon, u0)
    assert path.converged


@given(improving_phis(), epsilons, starts, st.integers(100, 150).map(lambda k: k / 100))
def test_proposition_1_extends_to_learners_that_keep_the_gain(phi, epsilon, u0, tilt):
    # λ ≥ 1 and Φ ≥ u give ℓ(Φ(u)) ≥ u: still collaborative improvement (A.7)
    check_proposition_1(phi, epsilon, u0, learner=TiltedLearner(tilt))


@given(harming_phis(), epsilons, starts, st.integers(50, 100).map(lambda k: k / 100))
def test_proposition_2_extends_to_learners_that_lose_the_gain(phi, epsilon, u0, tilt):
    check_proposition_2(phi, epsilon, u0, learner=TiltedLearner(tilt))


@given(improving_phis(), epsilons, starts)
def test_proposition_1_holds_for_quantised_utilities(phi, epsilon, u0):
    learner = PerfectLearner().quantised(epsilon)
    check_proposition_1(phi, epsilon, learner(u0), learner=learner)


def test_premise_is_checked():
    with pytest.raises(PremiseNotMet):
        check_proposition_1(lambda u: 0.9 * u, 0.01, 0.5)
    with pytest.raises(PremiseNotMet):
        check_proposition_2(lambda u: 0.5 + 0.5 * u, 0.01, 0.5)


def test_bound_is_attained_by_the_slowest_improvement():
    # Φ(u) = min(1, u + ε): every step is exactly ε, so the bound ⌈(1 − u0)/ε⌉ is tight
    phi = CallablePhi(lambda u: np.minimum(1.0, u + 0.05), name="u + 0.05")
    path = check_proposition_1(phi, 0.05, 0.0)
    assert path.steps == 20
    assert path.end == pytest.approx(1.0)


# --- stable points lie on the line; a continuous Φ has one ---------------------------------


@given(phis())
def test_stable_points_of_perfect_learner_lie_on_45_degree_line(phi):
    points = check_stable_points(phi)
    for point in points:
        assert point.phi == pytest.approx(point.u, abs=1e-7)


@given(phis(), tilts)
def test_stable_points_of_tilted_learner_lie_on_tilted_line(phi, tilt):
    learner = TiltedLearner(tilt)
    points = check_stable_points(phi, learner)
    for point in points:
        held_at_one = point.u == pytest.approx(1.0) and tilt * point.phi >= 1 - 1e-9
        assert held_at_one or point.phi == pytest.approx(point.u / tilt, abs=1e-7)


@given(phis())
def test_continuous_phi_has_a_stable_point(phi):
    assert len(find_stable_points(phi)) >= 1


@given(oscillating_phis())
def test_every_crossing_of_an_oscillating_phi_is_found(phi):
    # exact count, independent of the root finder: sign changes on a fine grid
    x = np.linspace(0, 1, 100_001)
    g = phi(x) - x
    crossings = np.count_nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    points = [p for p in find_stable_points(phi) if 0 < p.u < 1]
    # a tangency may add points the sign changes miss, never fewer
    assert len(points) >= crossings


@given(phis(), tilts)
def test_stable_points_with_a_monotone_learner_are_fixed(phi, tilt):
    learner = MonotoneLearner(lambda v: np.sqrt(v) * tilt, name=f"{tilt}·sqrt")
    for point in check_stable_points(phi, learner):
        assert learner(phi(point.u)) == pytest.approx(point.u, abs=1e-7)


# --- the checks catch broken implementations ----------------------------------------------


def _lagging_path(phi, u0, *, learner=None, epsilon=1e-3):
    """A broken learning map: the model learns only half of the humans' improvement."""
    broken = MonotoneLearner(lambda v: v, name="lagging")
    f = lambda u: 0.5 * (u + broken(phi(u)))  # noqa: E731
    u = [float(u0)]
    while abs(f(u[-1]) - u[-1]) >= epsilon and len(u) < 10_000:
        u.append(float(f(u[-1])))
    return LearningPath(tuple(u), epsilon, True)


def _stops_early_path(phi, u0, *, learner=None, epsilon=1e-3):
    """A broken stopping rule: stops after the first step below 10ε."""
    full = learning_path(phi, u0, learner=learner, epsilon=epsilon / 10)
    u = full.utilities
    steps = np.abs(np.diff(u))
    cut = int(np.argmax(steps < 10 * epsilon)) if np.any(steps < 10 * epsilon) else len(u) - 1
    return dataclasses.replace(full, utilities=u[: cut + 1])


def _overshooting_learner_path(phi, u0, *, learner=None, epsilon=1e-3):
    """A broken learner: ℓ(v) = 1 − v (not increasing), called through the real path code."""
    wrong = MonotoneLearner(lambda v: 1 - v, name="reversed", check=False)
    return learning_path(phi, u0, learner=wrong, epsilon=epsilon)


@pytest.mark.parametrize("broken", [_lagging_path, _stops_early_path, _overshooting_learner_path])
def test_proposition_checks_reject_broken_learning_maps(broken):
    phi = TabulatedPhi([0.0, 0.717, 0.920, 1.0], [0.5, 0.894, 0.926, 1.0])
    check_proposition_1(phi, 0.01, 0.1)  # the real implementation passes
    with pytest.raises(PropositionViolation):
        check_proposition_1(phi, 0.01, 0.1, path=broken)


@given(improving_phis(), epsilons, starts)
def test_a_broken_learning_map_is_caught_on_generated_phis(phi, epsilon, u0):
    """Over many Φ's, the lagging map is caught whenever it differs from the real one."""
    if learning_path(phi, u0, epsilon=epsilon).steps == 0:
        return  # u0 is already ε-stable: the real and the lagging map both stop at once
    with pytest.raises(PropositionViolation):
        check_proposition_1(phi, epsilon, u0, path=_lagging_path)


def _unrefined_root_finder(phi, learner=None):
    """A broken root finder: reports grid midpoints of sign changes without refining."""
    learner = learner or PerfectLearner()
    x = np.linspace(0, 1, 51)
    g = learner(phi(x)) - x
    i = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) <= 0)
    u = 0.5 * (x[i] + x[i + 1])
    return [StablePoint(float(v), float(phi(v)), "attracting", (0.0, 0.0), 0.0) for v in u]


def _first_root_only(phi, learner=None):
    """A broken root finder: stops at the first stable point."""
    return find_stable_points(phi, learner)[:1]


def _forty_five_degree_finder(phi, learner=None):
    """A broken root finder: ignores the learner and solves Φ(u) = u."""
    return find_stable_points(phi, PerfectLearner())


BISTABLE = CallablePhi(lambda u: u + 0.6 * u * (1 - u) * (u - 0.45), name="bistable")


@pytest.mark.parametrize(
    ("finder", "learner"),
    [
        (_unrefined_root_finder, None),
        (_first_root_only, None),
        (_forty_five_degree_finder, TiltedLearner(0.9)),
    ],
)
def test_stable_point_checks_reject_broken_root_finders(finder, learner):
    check_stable_points(BISTABLE, learner)  # the real root finder passes
    with pytest.raises(PropositionViolation):
        check_stable_points(BISTABLE, learner, find=finder)


def test_existence_check_rejects_a_finder_that_finds_nothing():
    with pytest.raises(PropositionViolation, match="must have a stable point"):
        check_stable_points(lambda u: 0.5003 + 0.0 * u, find=lambda phi, learner: [])
