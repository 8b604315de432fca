"""Simulated knapsack solvers: the expert agents of the knapsack study.

A behavioural model of a person solving an instance in the paper's interface,
with and without an ML recommendation (SPEC part A; every step vectorised over
a batch of instances, one solver per instance):

1. **Own heuristic with bounded effort.** The solver ranks items by value
   density as they perceive it, ``log(v/w) + noise · N(0, 1)``, packs them in
   that order skipping those that no longer fit, then spends ``effort``
   local-search moves: each move picks a random unpacked item and either adds
   it (if it fits) or swaps it for a random packed item when that fits and
   gains value.
2. **Following the recommendation.** Shown a recommendation, the solver
   compares its value with their own solution as they perceive it,
   ``ratio = value(rec) / value(own) · exp(perception_noise · N(0, 1))``, and
   follows it with probability
   ``sigmoid(follow_intercept + follow_slope · (ratio − 1))`` — better models
   are followed more often. A follower starts from the recommendation and
   spends the same local-search effort on it; otherwise the solver submits
   their own solution, which can be worse than the recommendation.
3. **Max-pick** (the paper's dashed line): submit whichever of the final and
   the recommended solution has the higher value.
4. **Incentive.** A bonus of ``b`` cents per percentage point multiplies the
   effort by ``1 + incentive_elasticity · b / 10``. The elasticity is not
   fitted: its prior is 0 (no effort response), so the bonus arms are
   predictions.

The defaults are the knapsack study's centre (full size, seed 0, the paper's
generator): only ``noise`` is fitted, on the humans-alone arm (0.909);
``follow_slope`` is tied to it (:func:`hmlsim.knapsack.calibration.tied_slope`);
``follow_intercept`` 0, ``effort`` 6, ``perception_noise`` 0.05 and
``incentive_elasticity`` 0 are the centre of the study's band, over which every
prediction is also reported (:mod:`hmlsim.knapsack.band`, ``docs/knapsack.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hmlsim.errors import ConfigError
from hmlsim.knapsack.utility import fill_in_order, total_value, total_weight


@dataclass(frozen=True)
class SolverParams:
    """Parameters of the simulated solvers (defaults: the study's calibration, module doc).

    Attributes
    ----------
    noise : float
        SD of the perceived log-density (0 = exact density greedy).
    effort : int
        Local-search moves per instance (bounded effort).
    follow_intercept, follow_slope : float
        Logit of following a recommendation at perceived value ratio 1, and
        its slope in the ratio.
    perception_noise : float
        SD of the log of the perceived value ratio.
    incentive_elasticity : float
        Relative effort increase per 10 cents of bonus per percentage point.
    """

    noise: float = 0.326
    effort: int = 6
    follow_intercept: float = 0.0
    follow_slope: float = 5.56
    perception_noise: float = 0.05
    incentive_elasticity: float = 0.0

    def __post_init__(self) -> None:
        for name in ("noise", "perception_noise", "incentive_elasticity"):
            if not float(getattr(self, name)) >= 0.0:
                raise ConfigError(name, f"must be >= 0, got {getattr(self, name)!r}")
        if int(self.effort) != self.effort or self.effort < 0:
            raise ConfigError("effort", f"must be an integer >= 0, got {self.effort!r}")

    def with_(self, **changes: float) -> SolverParams:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class SolveResult:
    """What the solvers did on a batch.

    Attributes
    ----------
    selection : ndarray of bool, shape (B, n)
        The submitted solutions.
    own : ndarray of bool, shape (B, n)
        The solver's own solution (heuristic + effort, no recommendation).
    followed : ndarray of bool, shape (B,)
        Whether the solver followed the recommendation (all False without one).
    """

    selection: np.ndarray
    own: np.ndarray
    followed: np.ndarray


def effective_effort(params: SolverParams, bonus: float = 0.0) -> int:
    """Local-search moves under a bonus of ``bonus`` cents per percentage point."""
    if bonus < 0:
        raise ConfigError("bonus", f"must be >= 0 cents, got {bonus!r}")
    return round(params.effort * (1.0 + params.incentive_elasticity * bonus / 10.0))


def heuristic_fill(
    weights: np.ndarray, values: np.ndarray, capacity: np.ndarray, noise: float, z: np.ndarray
) -> np.ndarray:
    """Pack items by noisy perceived density (``z``: standard normals, shape (B, n))."""
    key = np.log(np.asarray(values) / np.maximum(np.asarray(weights), 1)) + noise * z
    return fill_in_order(weights, capacity, np.argsort(-key, axis=1, kind="stable"))


def local_search(
    weights: np.ndarray,
    values: np.ndarray,
    capacity: np.ndarray,
    selection: np.ndarray,
    steps: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bounded local search: ``steps`` random add-or-swap moves, kept when they gain value.

    Never makes a solution worse or infeasible (a feasible start stays feasible).
    """
    w = np.asarray(weights)
    v = np.asarray(values)
    sel = np.asarray(selection, dtype=bool).copy()
    rows = np.arange(w.shape[0])
    load = total_weight(w, sel)
    for _ in range(int(steps)):
        keys = rng.random((2, *w.shape))
        j = np.argmax(np.where(~sel, keys[0], -1.0), axis=1)
        i = np.argmax(np.where(sel, keys[1], -1.0), axis=1)
        has_out = ~sel[rows, j]
        has_in = sel[rows, i]
        wj, vj, wi, vi = w[rows, j], v[rows, j], w[rows, i], v[rows, i]
        add = has_out & (load + wj <= capacity)
        swap = has_out & has_in & ~add & (load - wi + wj <= capacity) & (vj > vi)
        sel[rows[add | swap], j[add | swap]] = True
        sel[rows[swap], i[swap]] = False
        load = load + np.where(add, wj, 0) + np.where(swap, wj - wi, 0)
    return sel


def follow_probability(
    own_value: np.ndarray, rec_value: np.ndarray, params: SolverParams, z: np.ndarray
) -> np.ndarray:
    """Probability of following a recommendation of value ``rec_value``.

    ``z`` holds the standard normals of the perception noise (one per instance).
    """
    ratio = np.asarray(rec_value, float) / np.maximum(np.asarray(own_value, float), 1.0)
    ratio = ratio * np.exp(params.perception_noise * np.asarray(z))
    logit = params.follow_intercept + params.follow_slope * (ratio - 1.0)
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))


@dataclass(frozen=True)
class SolverDraws:
    """Every random number one batch of solvers uses (for common random numbers)."""

    density_z: np.ndarray
    perception_z: np.ndarray
    follow_u: np.ndarray
    search_seed: int

    @classmethod
    def draw(cls, shape: tuple[int, int], rng: np.random.Generator) -> SolverDraws:
        """Draw a batch's random numbers from ``rng``."""
        return cls(
            rng.standard_normal(shape),
            rng.standard_normal(shape[0]),
            rng.random(shape[0]),
            int(rng.integers(2**63)),
        )


def solve_parts(
    instances,
    recommendation: np.ndarray | None,
    params: SolverParams,
    draws: SolverDraws,
    bonus: float = 0.0,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The pieces of :func:`solve`: own solution, improved recommendation, follow probability.

    Separate so that calibration can average over the follow coin exactly.
    """
    w, v, cap = instances.weights, instances.values, instances.capacity
    steps = effective_effort(params, bonus)
    search = np.random.default_rng(draws.search_seed)
    own = heuristic_fill(w, v, cap, params.noise, draws.density_z)
    own = local_search(w, v, cap, own, steps, search)
    if recommendation is None:
        return own, None, None
    rec = np.asarray(recommendation, dtype=bool)
    if rec.shape != w.shape:
        raise ConfigError("recommendation", f"must have shape {w.shape}, got {rec.shape}")
    if np.any(total_weight(w, rec) > cap):
        raise ConfigError("recommendation", "every recommended solution must fit its capacity")
    improved = local_search(w, v, cap, rec, steps, search)
    p = follow_probability(total_value(v, own), total_value(v, rec), params, draws.perception_z)
    return own, improved, p


def solve(
    instances,
    recommendation: np.ndarray | None = None,
    params: SolverParams | None = None,
    rng: np.random.Generator | None = None,
    *,
    bonus: float = 0.0,
    max_pick: bool = False,
    draws: SolverDraws | None = None,
) -> SolveResult:
    """Simulated solvers submit one solution per instance.

    Parameters
    ----------
    instances : Instances
        The batch (one solver per instance).
    recommendation : ndarray of bool, shape (B, n), optional
        The ML solutions shown (feasible); ``None`` = humans alone.
    params : SolverParams, optional
        Behaviour (default: the calibrated values).
    rng : numpy.random.Generator
        Source of all draws (ignored when ``draws`` is given).
    bonus : float
        Performance bonus in cents per percentage point (0, 2, 10, 20 in the paper).
    max_pick : bool
        Submit the better of the final and the recommended solution.
    draws : SolverDraws, optional
        Fixed random numbers (common random numbers across parameter values).

    Returns
    -------
    SolveResult
    """
    params = params or SolverParams()
    if draws is None:
        if rng is None:
            raise ConfigError("rng", "give a numpy Generator (or draws)")
        draws = SolverDraws.draw(instances.weights.shape, rng)
    own, improved, p = solve_parts(instances, recommendation, params, draws, bonus)
    if improved is None:
        return SolveResult(own, own, np.zeros(own.shape[0], dtype=bool))
    followed = draws.follow_u < p
    final = np.where(followed[:, None], improved, own)
    if max_pick:
        v = instances.values
        rec = np.asarray(recommendation, dtype=bool)
        better_rec = total_value(v, rec) > total_value(v, final)
        final = np.where(better_rec[:, None], rec, final)
    return SolveResult(final, own, followed)
