"""Fitting the simulated solvers to published aggregates (rerunnable on other targets).

The fit uses *common random numbers*: one fixed set of solver draws
(:class:`~hmlsim.knapsack.solvers.SolverDraws`) on a fixed set of instances is
reused for every parameter value tried, so the simulated aggregates are
deterministic functions of the parameters. Three steps, each a plain scipy
call:

1. ``noise`` — :func:`scipy.optimize.brentq` solves
   ``mean utility alone(noise) = targets.alone`` (effort held at its value);
2. ``follow_intercept``, ``follow_slope`` — :func:`scipy.optimize.least_squares`
   matches the team utility with a weak and a strong recommender
   (``targets.with_low``, ``targets.with_high``); the follow coin is averaged
   out exactly (``p · u(improved recommendation) + (1 − p) · u(own)``), which
   makes the objective smooth;
3. ``incentive_elasticity`` — a grid search over ``[0, max]`` matches the
   differences between the bonus arms (utility at ``b`` cents minus utility
   without bonus). With the paper's arms (flat or slightly falling) the best
   elasticity is 0: bonuses have no effect.

Default targets are the paper's (SPEC part A): alone 0.90, with q1 0.894,
with q6 0.926, bonus arms 0 / 10 / 20 cents → 0.897 / 0.900 / 0.886.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve, solve_parts
from hmlsim.knapsack.utility import economic_performance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Targets:
    """Published aggregates to match (mean economic performance).

    Attributes
    ----------
    alone : float
        Humans without a recommendation.
    with_low, with_high : float
        Humans with the weak (q1) and the strong (q6) recommender.
    bonus : tuple of (cents, utility)
        Bonus arms without recommendation; only differences to the 0-cent arm are fitted.
    """

    alone: float = 0.90
    with_low: float = 0.894
    with_high: float = 0.926
    bonus: tuple[tuple[float, float], ...] = ((0.0, 0.897), (10.0, 0.900), (20.0, 0.886))

    def __post_init__(self) -> None:
        for name in ("alone", "with_low", "with_high"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(name, f"must lie in (0, 1], got {value!r}")


@dataclass(frozen=True)
class CalibrationResult:
    """The fitted parameters and what they reproduce on the calibration draws.

    Attributes
    ----------
    params : SolverParams
    achieved : dict
        Simulated ``alone``, ``with_low``, ``with_high`` and bonus-arm utilities.
    targets : Targets
    """

    params: SolverParams
    achieved: dict = field(default_factory=dict)
    targets: Targets = field(default_factory=Targets)


def _mean_u(inst: Instances, selection: np.ndarray) -> np.ndarray:
    return economic_performance(inst.values, selection, inst.optimum)


def expected_team_utility(
    inst: Instances, rec: np.ndarray, params: SolverParams, draws: SolverDraws
) -> float:
    """Mean team utility with recommendations ``rec``, averaged exactly over the follow coin."""
    own, improved, p = solve_parts(inst, rec, params, draws)
    return float(np.mean(p * _mean_u(inst, improved) + (1 - p) * _mean_u(inst, own)))


def alone_utility(
    inst: Instances, params: SolverParams, draws: SolverDraws, bonus: float = 0.0
) -> float:
    """Mean utility of the solvers without a recommendation."""
    own, _, _ = solve_parts(inst, None, params, draws, bonus)
    return float(_mean_u(inst, own).mean())


def calibrate(
    instances: Instances,
    rec_low: np.ndarray,
    rec_high: np.ndarray,
    targets: Targets | None = None,
    base: SolverParams | None = None,
    rng: np.random.Generator | None = None,
    *,
    noise_bounds=(0.0, 3.0),
    max_elasticity: float = 2.0,
) -> CalibrationResult:
    """Fit the solver parameters to ``targets`` (see the module docstring).

    Parameters
    ----------
    instances : Instances
        Calibration instances (the larger, the less sampling noise).
    rec_low, rec_high : ndarray of bool, shape (B, n)
        The weak and the strong model's recommendations on ``instances``.
    targets : Targets, optional
        What to match (default: the paper's numbers).
    base : SolverParams, optional
        Starting values; ``effort`` and ``perception_noise`` are kept.
    rng : numpy.random.Generator
        Source of the common random numbers.
    noise_bounds : (float, float)
        Bracket for the density noise.
    max_elasticity : float
        Upper end of the elasticity grid.

    Returns
    -------
    CalibrationResult

    Examples
    --------
    >>> from hmlsim.knapsack.instances import generate_instances
    >>> from hmlsim.knapsack.recommender import density_order
    >>> from hmlsim.knapsack.utility import fill_in_order, random_fill
    >>> g = np.random.default_rng(0)
    >>> inst = generate_instances(300, g)
    >>> low = random_fill(inst.weights, inst.capacity, g)
    >>> high = fill_in_order(inst.weights, inst.capacity,
    ...                      density_order(inst.weights, inst.values), stop_at_first=True)
    >>> fit = calibrate(inst, low, high, rng=g)
    >>> abs(fit.achieved["alone"] - 0.90) < 0.01
    True
    """
    targets = targets or Targets()
    params = base or SolverParams()
    if rng is None:
        raise ConfigError("rng", "give a numpy Generator for the common random numbers")
    draws = SolverDraws.draw(instances.weights.shape, rng)

    def gap_alone(noise: float) -> float:
        return alone_utility(instances, params.with_(noise=noise), draws) - targets.alone

    lo, hi = noise_bounds
    g_lo, g_hi = gap_alone(lo), gap_alone(hi)
    if g_lo * g_hi > 0:
        noise = lo if abs(g_lo) < abs(g_hi) else hi
        log.warning(
            "calibration: target alone=%.3f outside the bracket; noise=%.3f", targets.alone, noise
        )
    else:
        noise = optimize.brentq(gap_alone, lo, hi, xtol=1e-4)
    params = params.with_(noise=float(noise))

    def residuals(x: np.ndarray) -> np.ndarray:
        trial = params.with_(follow_intercept=float(x[0]), follow_slope=float(x[1]))
        return np.array(
            [
                expected_team_utility(instances, rec_low, trial, draws) - targets.with_low,
                expected_team_utility(instances, rec_high, trial, draws) - targets.with_high,
            ]
        )

    fit = optimize.least_squares(
        residuals,
        x0=[params.follow_intercept, params.follow_slope],
        bounds=([-10.0, 0.0], [10.0, 200.0]),
        x_scale=[1.0, 10.0],
    )
    params = params.with_(follow_intercept=float(fit.x[0]), follow_slope=float(fit.x[1]))

    arms = [(float(b), float(u)) for b, u in targets.bonus]
    base_target = dict(arms).get(0.0, targets.alone)
    grid = np.round(np.linspace(0.0, max_elasticity, round(max_elasticity / 0.1) + 1), 4)
    losses = []
    for eta in grid:
        trial = params.with_(incentive_elasticity=float(eta))
        u0 = alone_utility(instances, trial, draws, 0.0)
        losses.append(
            sum(
                ((alone_utility(instances, trial, draws, b) - u0) - (u - base_target)) ** 2
                for b, u in arms
            )
        )
    params = params.with_(incentive_elasticity=float(grid[int(np.argmin(losses))]))

    achieved = {
        "alone": alone_utility(instances, params, draws),
        "with_low": float(
            _mean_u(instances, solve(instances, rec_low, params, draws=draws).selection).mean()
        ),
        "with_high": float(
            _mean_u(instances, solve(instances, rec_high, params, draws=draws).selection).mean()
        ),
        "bonus": {b: alone_utility(instances, params, draws, b) for b, _ in arms},
    }
    log.info("calibration: %s -> %s", params, achieved)
    return CalibrationResult(params=params, achieved=achieved, targets=targets)
