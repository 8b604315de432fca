"""Fitting the simulated solvers on the humans-alone arm (and at most one rung).

By default one published figure is fitted — humans alone — and everything
else the study reports is a prediction (:mod:`hmlsim.knapsack.prediction`):

1. ``noise`` (the solvers' own skill) — :func:`scipy.optimize.brentq` solves
   ``mean utility alone(noise) = targets.alone``; the local-search ``effort``
   is held at its value (it and ``noise`` trade off; one figure fixes one);
2. ``follow_intercept`` (trust: the log-odds of following a recommendation
   perceived as good as one's own) — ``brentq`` on the team utility with one
   rung of the ladder (``targets.rung``, by default q1), the follow coin
   averaged out exactly (``p · u(improved recommendation) + (1 − p) · u(own)``).
   Only when asked (``targets.rung`` given); by default (``None``) the
   intercept keeps its prior 0: a solver who perceives the recommended and
   their own solution as equally valuable follows with probability ½.

``follow_slope`` is not fitted but *tied* to the fitted noise
(:func:`tied_slope`): a solver who compares the two solutions' values with the
same log-scale perception noise ``noise`` they rank items with follows with
the logistic approximation of ``P(log ratio + noise · N(0,1) > 0)``, slope
``π / (√3 · noise)``. One published figure fixes one parameter.

``incentive_elasticity`` is not fitted: it stays at its prior 0 (no effort
response to bonuses), so the bonus arms are predictions.

The fit uses *common random numbers*: one fixed set of solver draws
(:class:`~hmlsim.knapsack.solvers.SolverDraws`) on fixed instances is reused
for every parameter value tried, so the simulated aggregates are
deterministic functions of the parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve_parts
from hmlsim.knapsack.utility import economic_performance

log = logging.getLogger(__name__)

#: the humans-alone arm the ML treatments were randomised against (10-cent bonus, quiz)
PAPER_ALONE = 0.909
#: humans with q1, the lowest rung (the one rung the default fit uses)
PAPER_Q1 = 0.894


@dataclass(frozen=True)
class Targets:
    """Published aggregates to match (mean economic performance).

    Attributes
    ----------
    alone : float
        Humans without a recommendation.
    rung : float or None
        Humans with the calibration rung's recommendations (the paper's q1:
        0.894); ``None`` (default) = fit the humans-alone arm only.
    rung_name : str
        The rung's name (``"q1"``), written into the result's target names.
    """

    alone: float = PAPER_ALONE
    rung: float | None = None
    rung_name: str = "q1"

    def __post_init__(self) -> None:
        if not 0.0 < self.alone <= 1.0:
            raise ConfigError("target_alone", f"must lie in (0, 1], got {self.alone!r}")
        if self.rung is not None and not 0.0 < self.rung <= 1.0:
            raise ConfigError("target_rung", f"must lie in (0, 1], got {self.rung!r}")

    @property
    def names(self) -> list[str]:
        """Names of the fitted figures (``humans_alone``, ``phi_<rung>``)."""
        return ["humans_alone"] + ([] if self.rung is None else [f"phi_{self.rung_name}"])


@dataclass(frozen=True)
class CalibrationResult:
    """The fitted parameters and what they reproduce on the calibration draws.

    Attributes
    ----------
    params : SolverParams
    achieved : dict
        Simulated value of each fitted figure (keys: :attr:`Targets.names`).
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


def tied_slope(noise: float) -> float:
    """Follow slope of a solver whose value comparisons have log-scale noise ``noise``.

    The logistic curve with the variance of ``N(0, noise²)``: ``π / (√3 · noise)``
    (``noise`` floored at 0.01).
    """
    return float(np.pi / (np.sqrt(3.0) * max(float(noise), 0.01)))


def _root(gap, lo: float, hi: float, name: str) -> float:
    """``brentq`` on ``gap`` in ``[lo, hi]``; the nearer end when there is no sign change."""
    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo * g_hi > 0:
        value = lo if abs(g_lo) < abs(g_hi) else hi
        log.warning("calibration: %s target outside [%g, %g]; using %g", name, lo, hi, value)
        return float(value)
    return float(optimize.brentq(gap, lo, hi, xtol=1e-4))


def calibrate(
    instances: Instances,
    rec_rung: np.ndarray | None = None,
    targets: Targets | None = None,
    base: SolverParams | None = None,
    rng: np.random.Generator | None = None,
    *,
    draws: SolverDraws | None = None,
    noise_bounds: tuple[float, float] = (0.0, 3.0),
    intercept_bounds: tuple[float, float] = (-10.0, 10.0),
    slope_factor: float = 1.0,
) -> CalibrationResult:
    """Fit ``noise`` on humans alone and ``follow_intercept`` on one rung (module docstring).

    Parameters
    ----------
    instances : Instances
        Calibration instances (the larger, the less sampling noise).
    rec_rung : ndarray of bool, shape (B, n), optional
        The calibration rung's recommendations on ``instances`` (needed
        unless ``targets.rung`` is None).
    targets : Targets, optional
        What to match (default: the paper's humans alone, 0.909).
    base : SolverParams, optional
        Values of the parameters not fitted (default :class:`SolverParams`).
    rng : numpy.random.Generator
        Source of the common random numbers (ignored when ``draws`` is given).
    draws : SolverDraws, optional
        Fixed common random numbers.
    noise_bounds, intercept_bounds : (float, float)
        Brackets of the two roots.
    slope_factor : float
        ``follow_slope = slope_factor · tied_slope(noise)``: 1 is the tie of the
        module doc; the study's band varies it (the tie is an assumption).

    Returns
    -------
    CalibrationResult

    Examples
    --------
    >>> from hmlsim.knapsack.instances import generate_instances
    >>> from hmlsim.knapsack.utility import random_fill
    >>> g = np.random.default_rng(0)
    >>> inst = generate_instances(300, g)
    >>> fit = calibrate(inst, rng=g)
    >>> abs(fit.achieved["humans_alone"] - 0.909) < 0.002, fit.targets.names
    (True, ['humans_alone'])
    >>> rung = Targets(rung=0.85, rung_name="random")
    >>> fit = calibrate(inst, random_fill(inst.weights, inst.capacity, g), rung, rng=g)
    >>> abs(fit.achieved["phi_random"] - 0.85) < 0.002, fit.targets.names
    (True, ['humans_alone', 'phi_random'])
    """
    targets = targets or Targets()
    params = base or SolverParams()
    if not float(slope_factor) > 0.0:
        raise ConfigError("slope_factor", f"must be > 0, got {slope_factor!r}")
    if draws is None:
        if rng is None:
            raise ConfigError("rng", "give a numpy Generator for the common random numbers")
        draws = SolverDraws.draw(instances.weights.shape, rng)
    if targets.rung is not None and rec_rung is None:
        raise ConfigError("rec_rung", "give the calibration rung's recommendations")

    noise = _root(
        lambda x: alone_utility(instances, params.with_(noise=x), draws) - targets.alone,
        *noise_bounds,
        "humans_alone",
    )
    params = params.with_(noise=noise, follow_slope=float(slope_factor) * tied_slope(noise))
    achieved = {"humans_alone": alone_utility(instances, params, draws)}
    if targets.rung is not None:
        intercept = _root(
            lambda a: (
                expected_team_utility(instances, rec_rung, params.with_(follow_intercept=a), draws)
                - targets.rung
            ),
            *intercept_bounds,
            targets.names[1],
        )
        params = params.with_(follow_intercept=intercept)
        achieved[targets.names[1]] = expected_team_utility(instances, rec_rung, params, draws)
    log.info("calibration reached %s", ", ".join(f"{k} {v:.4f}" for k, v in achieved.items()))
    return CalibrationResult(params=params, achieved=achieved, targets=targets)
