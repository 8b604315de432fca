"""Executable statements of the paper's results, reusable as property checks.

Each ``check_*`` function states one result of SPEC part A for a given Φ and
raises :class:`PropositionViolation` (an ``AssertionError``) with a readable
counter-example when an implementation breaks it. The implementation under test
is a parameter (the learning-path function, the root finder), so tests can
feed the same checks a deliberately broken implementation and see them fail.

- :func:`check_proposition_1`: Φ(u) ≥ u everywhere ⇒ the learning path is
  non-decreasing and reaches an ε-stable point within ⌈(1 − u_0)/ε⌉ steps.
- :func:`check_proposition_2`: Φ(u) ≤ u everywhere ⇒ non-increasing, within ⌈u_0/ε⌉ steps.
- :func:`check_stable_points`: every reported stable point lies on the
  learner's line (Φ(u) = ℓ⁻¹(u): the 45° line, or the tilted line u/λ), every
  crossing of Φ with that line is reported, and a continuous Φ: [0,1] → [0,1]
  has at least one.

For an imperfect learner ℓ the propositions are stated for the learning map
f = ℓ ∘ Φ (A.7: "straightforward to extend"): the premise is f(u) ≥ u (resp. ≤).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hmlsim.dynamics.characteristic import Characteristic, as_characteristic
from hmlsim.dynamics.fixed_points import StablePoint, find_stable_points
from hmlsim.dynamics.learners import (
    Learner,
    PerfectLearner,
    QuantisedLearner,
    TiltedLearner,
    epsilon_grid,
)
from hmlsim.dynamics.paths import LearningPath, learning_path, proposition_bound

PathFunction = Callable[..., LearningPath]
RootFinder = Callable[..., list[StablePoint]]

#: Absolute tolerance of the checks on floating-point utilities.
TOL = 1e-9


class PropositionViolation(AssertionError):
    """An implementation contradicts a proposition; the message holds the counter-example."""


class PremiseNotMet(ValueError):
    """The Φ given does not satisfy the proposition's premise (so it says nothing)."""


def _premise_grid(phi: Characteristic, n: int) -> np.ndarray:
    lo, hi = phi.domain
    return np.unique(np.concatenate([np.linspace(lo, hi, n), phi.breakpoints]))


def _check_path(
    phi: Characteristic,
    u0: float,
    epsilon: float,
    learner: Learner,
    path: PathFunction,
    direction: str,
    n_grid: int,
) -> LearningPath:
    f = lambda u: learner(phi(u))  # noqa: E731
    if isinstance(learner, QuantisedLearner):
        # quantised dynamics only visit the ε-grid (and u0)
        grid = np.union1d(epsilon_grid(learner.epsilon), [u0])
    else:
        grid = _premise_grid(phi, n_grid)
    gap = np.asarray(f(grid)) - grid
    if direction == "up" and np.any(gap < -TOL):
        raise PremiseNotMet(f"ℓ(Φ(u)) < u at u = {grid[np.argmin(gap)]:.6g}")
    if direction == "down" and np.any(gap > TOL):
        raise PremiseNotMet(f"ℓ(Φ(u)) > u at u = {grid[np.argmax(gap)]:.6g}")
    name = "Proposition 1" if direction == "up" else "Proposition 2"
    result = path(phi, u0, learner=learner, epsilon=epsilon)
    u = np.asarray(result.utilities, dtype=float)
    where = f"{name} (Φ = {phi!r}, u0 = {u0!r}, ε = {epsilon!r}, learner = {learner!r})"
    if u.size == 0 or abs(u[0] - u0) > TOL:
        raise PropositionViolation(f"{where}: the path does not start at u0: {u[:3].tolist()}")
    expected = np.asarray(f(u[:-1]), dtype=float)
    wrong = np.flatnonzero(np.abs(u[1:] - expected) > TOL)
    if wrong.size:
        t = int(wrong[0])
        raise PropositionViolation(
            f"{where}: step {t} goes to {u[t + 1]!r}, but ℓ(Φ({u[t]!r})) = {expected[t]!r}"
        )
    steps = np.diff(u)
    if direction == "up" and np.any(steps < -TOL):
        t = int(np.argmax(steps < -TOL))
        raise PropositionViolation(f"{where}: path decreases at step {t}: {u[t]!r} -> {u[t + 1]!r}")
    if direction == "down" and np.any(steps > TOL):
        t = int(np.argmax(steps > TOL))
        raise PropositionViolation(f"{where}: path increases at step {t}: {u[t]!r} -> {u[t + 1]!r}")
    bound = proposition_bound(u0, epsilon, direction)
    if u.size - 1 > bound:
        raise PropositionViolation(
            f"{where}: {u.size - 1} steps, more than the bound ⌈distance/ε⌉ = {bound}"
        )
    end = float(u[-1])
    if not abs(float(f(end)) - end) < epsilon:
        raise PropositionViolation(
            f"{where}: the path ends at u = {end!r}, which is not ε-stable "
            f"(ℓ(Φ(u)) − u = {float(f(end)) - end!r})"
        )
    return result


def check_proposition_1(
    phi: Characteristic | Callable[[Any], Any],
    epsilon: float,
    u0: float,
    *,
    learner: Learner | None = None,
    path: PathFunction = learning_path,
    n_grid: int = 2001,
) -> LearningPath:
    """Check Proposition 1 (collaborative improvement) for one Φ, ε and u0.

    Parameters
    ----------
    phi : Characteristic or callable
        Must satisfy ℓ(Φ(u)) ≥ u on its domain (checked on a grid; else
        :class:`PremiseNotMet`).
    epsilon : float
        Smallest meaningful change of utility.
    u0 : float
        First model utility.
    learner : Learner, optional
        The learner (default perfect).
    path : callable
        The implementation under test, called as
        ``path(phi, u0, learner=learner, epsilon=epsilon)`` and returning a
        :class:`~hmlsim.dynamics.paths.LearningPath`.
    n_grid : int
        Grid of the premise check.

    Returns
    -------
    LearningPath
        The checked path.

    Raises
    ------
    PropositionViolation
        The path does not start at u0, a step is not u_{t+1} = ℓ(Φ(u_t)), the
        path decreases, takes more than ⌈(1 − u0)/ε⌉ steps, or ends at a
        utility that is not ε-stable.

    Examples
    --------
    >>> check_proposition_1(lambda u: u + 0.3 * (1 - u), 0.01, 0.2).steps <= 80
    True
    """
    learner = learner or PerfectLearner()
    return _check_path(as_characteristic(phi), u0, epsilon, learner, path, "up", n_grid)


def check_proposition_2(
    phi: Characteristic | Callable[[Any], Any],
    epsilon: float,
    u0: float,
    *,
    learner: Learner | None = None,
    path: PathFunction = learning_path,
    n_grid: int = 2001,
) -> LearningPath:
    """Check Proposition 2 (collaborative harm): ℓ(Φ(u)) ≤ u ⇒ non-increasing, ⌈u0/ε⌉ steps.

    Same parameters and failures as :func:`check_proposition_1`, mirrored.

    Examples
    --------
    >>> check_proposition_2(lambda u: 0.8 * u, 0.01, 0.9).end < 0.05
    True
    """
    learner = learner or PerfectLearner()
    return _check_path(as_characteristic(phi), u0, epsilon, learner, path, "down", n_grid)


def check_stable_points(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    find: RootFinder = find_stable_points,
    n_grid: int = 1001,
    tol: float = 1e-7,
) -> list[StablePoint]:
    """Check that a root finder reports exactly the stable points of ℓ ∘ Φ.

    Parameters
    ----------
    phi : Characteristic or callable
        A continuous Φ with values in [0, 1].
    learner : Learner, optional
        Default perfect (the 45° line); a :class:`TiltedLearner` gives the tilted line.
    find : callable
        The implementation under test, ``find(phi, learner) -> list[StablePoint]``.
    n_grid : int, default 1001
        Grid on which crossings are counted independently of ``find``. With
        1001 points its nodes are a subset of the default 2001-point grid of
        :func:`~hmlsim.dynamics.fixed_points.find_stable_points`, so every
        crossing it sees, a correct finder sees too.
    tol : float
        Tolerance of "on the line".

    Returns
    -------
    list of StablePoint

    Raises
    ------
    PropositionViolation
        A reported point is off the learner's line (Φ(u) ≠ u for the perfect
        learner, Φ(u) ≠ u/λ for a tilt, except at u = 1 held by the clip),
        reports a wrong Φ(u), a crossing of Φ with the line is missing, or a
        continuous Φ into [0, 1] gets no stable point.

    Examples
    --------
    >>> [round(p.u, 6) for p in check_stable_points(lambda u: 0.2 + 0.6 * u)]
    [0.5]
    """
    phi = as_characteristic(phi)
    learner = learner or PerfectLearner()
    points = find(phi, learner)
    where = f"stable points of Φ = {phi!r} with {learner!r}"
    lo, hi = phi.domain
    for point in points:
        u = float(point.u)
        if not lo - TOL <= u <= hi + TOL:
            raise PropositionViolation(f"{where}: u = {u!r} lies outside [{lo}, {hi}]")
        value = float(phi(u))
        if abs(point.phi - value) > tol:
            raise PropositionViolation(
                f"{where}: at u = {u!r} reports Φ = {point.phi!r}, not {value!r}"
            )
        on_line = abs(value - float(learner.inverse(u))) <= tol
        if isinstance(learner, TiltedLearner):
            held = u >= hi - TOL and learner.tilt * value >= 1.0 - tol
        else:
            held = abs(float(learner(value)) - u) <= tol and not isinstance(learner, PerfectLearner)
        if not (on_line or held):
            line = "45° line" if isinstance(learner, PerfectLearner) else "learner's line ℓ⁻¹(u)"
            raise PropositionViolation(
                f"{where}: u = {u!r} is off the {line}: Φ(u) = {value!r}, "
                f"ℓ⁻¹(u) = {float(learner.inverse(u))!r}"
            )
    x = np.linspace(lo, hi, n_grid)
    values = np.asarray(phi(x), dtype=float)
    maps_into = np.all((values >= -TOL) & (values <= 1 + TOL))
    if phi.continuous and maps_into and (lo, hi) == (0.0, 1.0) and not points:
        raise PropositionViolation(
            f"{where}: Φ is continuous from [0, 1] into [0, 1] and must have a stable point; "
            "none reported"
        )
    # every sign change of ℓ(Φ(u)) − u on an independent grid must hold a reported point
    g = np.asarray(learner(phi(x)), dtype=float) - x
    reported = np.sort([float(p.u) for p in points])
    crossings = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    for i in crossings:
        a, b = x[i], x[i + 1]
        if not np.any((reported >= a - TOL) & (reported <= b + TOL)):
            raise PropositionViolation(
                f"{where}: Φ crosses the line in [{a!r}, {b!r}] (ℓ(Φ) − u = {g[i]:.3g} → "
                f"{g[i + 1]:.3g}) but no stable point is reported there"
            )
    for u in x[np.abs(g) == 0.0]:
        if not np.any(np.abs(reported - u) <= 1e-6) and not any(
            p.extent and p.extent[0] - TOL <= u <= p.extent[1] + TOL for p in points
        ):
            raise PropositionViolation(f"{where}: u = {u!r} is a fixed point but is not reported")
    return points
