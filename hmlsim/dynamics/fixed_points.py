"""Stable points and cycles of the learning map f = ℓ ∘ Φ, found exactly.

A stable point solves Φ(u) = ℓ⁻¹(u): on the 45° line for the perfect learner,
on the tilted line Φ(u) = u/λ for the A.7 learner. The roots are found on the
learning map itself, g(u) = ℓ(Φ(u)) − u, which has the same sign as
Φ(u) − ℓ⁻¹(u) wherever ℓ is increasing and also catches the boundary points
where a clipped learner holds the utility at 0 or 1.

:func:`find_roots` scans a fine grid (plus the kinks of Φ), refines every sign
change with :func:`scipy.optimize.brentq`, keeps exact zeros of the grid
(merging runs of them into intervals of fixed points; the cells beside an exact
zero are searched for a second root the zero hides) and refines every local
minimum of |g| that does not change sign with a bounded scalar minimisation
(tangency: Φ touches the line without crossing it). Jumps of a discontinuous Φ
across the line are not roots and are dropped.

Each stable point is classified from the one-sided slopes of f and the sign of
g between neighbouring roots:

- ``"attracting"``: paths starting close by, on either side, converge to it;
- ``"repelling"``: paths starting close by move away on both sides;
- ``"semi-stable"``: attracting from one side only (Φ touches the line);
- ``"neutral"``: neither (|f'| = 1 with f decreasing, or an interval of fixed points).

Cycles of period 2..k are the roots of f^k(u) − u that are not roots of a
lower iterate; a decreasing Φ can produce them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from hmlsim.dynamics.characteristic import Characteristic, as_characteristic
from hmlsim.dynamics.learners import Learner, PerfectLearner, QuantisedLearner, learning_map
from hmlsim.errors import ConfigError

log = logging.getLogger(__name__)

#: Stability classes of a fixed point.
KINDS = ("attracting", "repelling", "semi-stable", "neutral")

ZERO_ATOL = 1e-12
ROOT_TOL = 1e-9
SLOPE_STEP = 1e-7
ZERO_STEP = 1e-10


@dataclass(frozen=True)
class Roots:
    """Zeros of a function on an interval: isolated points and whole intervals."""

    points: tuple[float, ...]
    intervals: tuple[tuple[float, float], ...] = ()


def _grid(lo: float, hi: float, n: int, extra: ArrayLike = ()) -> NDArray[np.float64]:
    if int(n) < 3:
        raise ConfigError("grid", f"must be >= 3 points, got {n!r}")
    extra = np.asarray(extra, dtype=float).ravel()
    extra = extra[(extra >= lo) & (extra <= hi)]
    return np.unique(np.concatenate([np.linspace(lo, hi, int(n)), extra]))


def find_roots(
    g: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    lo: float = 0.0,
    hi: float = 1.0,
    *,
    grid: int = 2001,
    extra: ArrayLike = (),
    tol: float = ROOT_TOL,
) -> Roots:
    """All zeros of a vectorised ``g`` on ``[lo, hi]``, to machine precision.

    Parameters
    ----------
    g : callable
        Vectorised function of a float array.
    lo, hi : float
        The search interval.
    grid : int, default 2001
        Points of the scanning grid; two roots closer than its spacing that
        also leave no sign change or local minimum between them may be merged.
    extra : array_like
        Additional grid points (the kinks of a piecewise-linear g).
    tol : float, default 1e-9
        Largest |g| accepted at a root found by minimisation (tangency) and at
        a sign change (to reject jumps of a discontinuous g).

    Returns
    -------
    Roots
        Sorted isolated roots and intervals on which ``g`` vanishes.

    Examples
    --------
    >>> roots = find_roots(lambda u: (u - 0.3) * (u - 0.7) ** 2)
    >>> [round(r, 9) for r in roots.points]
    [0.3, 0.7]
    """
    x = _grid(lo, hi, grid, extra)
    gx = np.asarray(g(x), dtype=float)
    if not np.all(np.isfinite(gx)):
        bad = float(x[~np.isfinite(gx)][0])
        raise ConfigError("phi", f"must be finite on [{lo}, {hi}]; not at u = {bad}")
    zero = np.abs(gx) <= ZERO_ATOL
    points: list[float] = []
    intervals: list[tuple[float, float]] = []

    # runs of exact zeros on the grid
    if zero.any():
        edges = np.flatnonzero(np.diff(np.concatenate([[0], zero.astype(int), [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            if stop - start == 1:
                points.append(float(x[start]))
            else:
                intervals.append((float(x[start]), float(x[stop - 1])))

    def scalar(t: float) -> float:
        return float(np.asarray(g(np.array([t])), dtype=float)[0])

    # sign changes between neighbouring non-zero grid points
    sign = np.sign(gx)
    change = np.flatnonzero((sign[:-1] * sign[1:]) < 0)
    for i in change:
        root = optimize.brentq(scalar, x[i], x[i + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps)
        if abs(scalar(root)) <= tol:
            points.append(float(root))
        else:
            log.debug("g jumps across zero near u=%.6g (discontinuity, not a root)", root)

    # a cell next to an exact zero may hold another root (the zero hides the sign change):
    # compare the sign just beside the zero with the far end of the cell
    for i in np.flatnonzero(zero):
        for j, beside in ((i - 1, x[i] - ZERO_STEP), (i + 1, x[i] + ZERO_STEP)):
            if not 0 <= j < x.size or zero[j]:
                continue
            g_beside = scalar(beside)
            if g_beside * gx[j] < 0:
                a0, b0 = sorted((beside, x[j]))
                root = optimize.brentq(scalar, a0, b0, xtol=1e-15, rtol=4 * np.finfo(float).eps)
                if abs(scalar(root)) <= tol:
                    points.append(float(root))

    # local minima of |g| without a sign change: tangency (touching) candidates
    a = np.abs(gx)
    n = a.size
    left = np.concatenate([[np.inf], a[:-1]])
    right = np.concatenate([a[1:], [np.inf]])
    same_left = np.concatenate([[True], sign[:-1] == sign[1:]])
    same_right = np.concatenate([sign[:-1] == sign[1:], [True]])
    candidates = np.flatnonzero(
        (a <= left) & (a <= right) & ~zero & same_left & same_right & (a < 1e-2)
    )
    for i in candidates:
        bounds = (x[max(i - 1, 0)], x[min(i + 1, n - 1)])
        result = optimize.minimize_scalar(
            lambda t: abs(scalar(t)), bounds=bounds, method="bounded", options={"xatol": 1e-14}
        )
        if abs(scalar(result.x)) <= tol:
            points.append(float(result.x))

    points.sort()
    merged: list[float] = []
    for p in points:
        if any(a0 - 1e-9 <= p <= b0 + 1e-9 for a0, b0 in intervals):
            continue
        if merged and p - merged[-1] <= 1e-9:
            continue
        merged.append(p)
    return Roots(tuple(merged), tuple(intervals))


@dataclass(frozen=True)
class StablePoint:
    """A fixed point of the learning map.

    Attributes
    ----------
    u : float
        The model utility at the stable point (the midpoint for an interval).
    phi : float
        Φ(u), the human+ML utility there (u/λ for a tilted learner).
    kind : str
        One of :data:`KINDS`.
    slopes : tuple of float
        One-sided slopes (left, right) of f = ℓ ∘ Φ at u; NaN at an end of the domain.
    residual : float
        f(u) − u (zero up to rounding).
    extent : tuple of float or None
        ``(a, b)`` when every utility in [a, b] is a fixed point.
    """

    u: float
    phi: float
    kind: str
    slopes: tuple[float, float]
    residual: float
    extent: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        out: dict[str, Any] = {
            "u": self.u,
            "kind": self.kind,
            "phi": self.phi,
            "slope_left": None if np.isnan(self.slopes[0]) else self.slopes[0],
            "slope_right": None if np.isnan(self.slopes[1]) else self.slopes[1],
        }
        if self.extent is not None:
            out["extent"] = list(self.extent)
        return out


@dataclass(frozen=True)
class Cycle:
    """A periodic orbit u_0 → u_1 → … → u_0 of the learning map (period ≥ 2).

    Attributes
    ----------
    points : tuple of float
        The orbit in the order the map visits it, starting at its smallest point.
    kind : str
        ``"attracting"`` if |multiplier| < 1, ``"repelling"`` if > 1, else ``"neutral"``.
    multiplier : float
        Product of f' along the orbit.
    """

    points: tuple[float, ...]
    kind: str
    multiplier: float

    @property
    def period(self) -> int:
        """Number of points of the orbit."""
        return len(self.points)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "points": list(self.points),
            "period": self.period,
            "kind": self.kind,
            "multiplier": self.multiplier,
        }


def _exact_learner(learner: Learner | None) -> Learner:
    learner = learner or PerfectLearner()
    while isinstance(learner, QuantisedLearner):
        learner = learner.base
    return learner


def _one_sided_slopes(
    f: Callable[[Any], Any], u: float, lo: float, hi: float, step: float
) -> tuple[float, float]:
    fu = float(f(u))
    left = (fu - float(f(u - step))) / step if u - step >= lo else np.nan
    right = (float(f(u + step)) - fu) / step if u + step <= hi else np.nan
    return (float(left), float(right))


def _classify(
    slopes: tuple[float, float], sign_left: float | None, sign_right: float | None
) -> str:
    """Kind of an isolated fixed point from slopes and the sign of g beside it."""
    s_left, s_right = slopes
    falls_left = not np.isnan(s_left) and s_left < -1e-9
    falls_right = not np.isnan(s_right) and s_right < -1e-9
    if falls_left and falls_right:
        product = s_left * s_right
        if product < 1 - 1e-7:
            return "attracting"
        return "repelling" if product > 1 + 1e-7 else "neutral"
    # toward[i]: points on that side move towards u (only meaningful where f rises)
    sides = []
    if sign_left is not None and not falls_left:
        sides.append(sign_left)
    if sign_right is not None and not falls_right:
        sides.append(-sign_right)
    if not sides:
        return "neutral"
    if any(s == 0 for s in sides):
        return "neutral"
    toward = [s > 0 for s in sides]
    if all(toward):
        return "attracting"
    if not any(toward):
        return "repelling"
    return "semi-stable"


def find_stable_points(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    grid: int = 2001,
) -> list[StablePoint]:
    """Every stable point of u ↦ ℓ(Φ(u)) on the domain of Φ, classified.

    Parameters
    ----------
    phi : Characteristic or callable
        The collaborative characteristic function.
    learner : Learner, optional
        The learner map ℓ (default perfect). A quantised learner is searched
        without its quantisation (the exact points; see :mod:`~hmlsim.dynamics.basins`
        for the ε-grid view).
    grid : int, default 2001
        Points of the scanning grid (the kinks of Φ are added).

    Returns
    -------
    list of StablePoint
        Sorted by utility.

    Examples
    --------
    >>> from hmlsim.dynamics.characteristic import TabulatedPhi
    >>> phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
    >>> [(round(p.u, 3), p.kind) for p in find_stable_points(phi)]
    [(0.926, 'attracting')]
    >>> bistable = lambda u: u + 0.2 * u * (1 - u) * (u - 0.5)
    >>> [(round(p.u, 3), p.kind) for p in find_stable_points(bistable)]
    [(0.0, 'attracting'), (0.5, 'repelling'), (1.0, 'attracting')]
    """
    phi = as_characteristic(phi)
    learner = _exact_learner(learner)
    f = learning_map(phi, learner)
    lo, hi = phi.domain

    def g(u: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(f(u), dtype=float) - u

    roots = find_roots(g, lo, hi, grid=grid, extra=phi.breakpoints)
    zeros = sorted(
        [(p, p, False) for p in roots.points] + [(a, b, True) for a, b in roots.intervals]
    )
    result = []
    for idx, (a, b, is_interval) in enumerate(zeros):
        if is_interval:
            u = 0.5 * (a + b)
            result.append(
                StablePoint(
                    u, float(phi(u)), "neutral", (1.0, 1.0), float(g(np.array([u]))[0]), (a, b)
                )
            )
            continue
        prev_edge = zeros[idx - 1][1] if idx > 0 else lo
        next_edge = zeros[idx + 1][0] if idx + 1 < len(zeros) else hi
        sign_left = float(np.sign(g(np.array([0.5 * (prev_edge + a)]))[0])) if a > lo else None
        sign_right = float(np.sign(g(np.array([0.5 * (a + next_edge)]))[0])) if a < hi else None
        gap = min(a - prev_edge if a > lo else np.inf, next_edge - a if a < hi else np.inf)
        step = min(SLOPE_STEP, 0.25 * gap) if np.isfinite(gap) and gap > 0 else SLOPE_STEP
        slopes = _one_sided_slopes(f, a, lo, hi, step)
        kind = _classify(slopes, sign_left, sign_right)
        result.append(StablePoint(a, float(phi(a)), kind, slopes, float(g(np.array([a]))[0])))
    return result


def _iterate_map(f: Callable[[Any], Any], k: int) -> Callable[[Any], Any]:
    def fk(u: Any) -> Any:
        for _ in range(k):
            u = f(u)
        return u

    return fk


def _divisors(k: int) -> list[int]:
    return [d for d in range(1, k) if k % d == 0]


def find_cycles(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    max_period: int = 4,
    grid: int = 2001,
) -> list[Cycle]:
    """Periodic orbits of period 2..``max_period`` of u ↦ ℓ(Φ(u)).

    An increasing Φ has none; a decreasing one can (the firm alternates
    between a good and a bad model forever). Intervals of periodic points
    (f ∘ f = identity on an interval) are not reported.

    Examples
    --------
    >>> from hmlsim.dynamics.characteristic import TabulatedPhi
    >>> phi = TabulatedPhi([0.4, 0.6], [0.9, 0.1])  # steeply decreasing
    >>> [(tuple(round(u, 3) for u in c.points), c.kind) for c in find_cycles(phi)]
    [((0.1, 0.9), 'attracting')]
    """
    if int(max_period) < 2:
        return []
    phi = as_characteristic(phi)
    f = learning_map(phi, _exact_learner(learner))
    lo, hi = phi.domain
    seen: set[tuple[float, ...]] = set()
    cycles: list[Cycle] = []
    for k in range(2, int(max_period) + 1):
        fk = _iterate_map(f, k)
        roots = find_roots(
            lambda u, fk=fk: np.asarray(fk(u), dtype=float) - u,
            lo,
            hi,
            grid=grid,
            extra=phi.breakpoints,
        )
        if roots.intervals:
            log.info("period-%d points fill intervals %s; not reported", k, roots.intervals)
        for r in roots.points:
            if any(abs(float(_iterate_map(f, d)(r)) - r) <= 1e-8 for d in _divisors(k)):
                continue
            orbit = [r]
            for _ in range(k - 1):
                orbit.append(float(f(orbit[-1])))
            start = int(np.argmin(orbit))
            orbit = orbit[start:] + orbit[:start]
            key = tuple(round(v, 7) for v in orbit)
            if key in seen:
                continue
            seen.add(key)
            multiplier = 1.0
            for v in orbit:
                h = min(SLOPE_STEP, max(v - lo, hi - v))
                lo_v, hi_v = max(lo, v - h), min(hi, v + h)
                multiplier *= (float(f(hi_v)) - float(f(lo_v))) / (hi_v - lo_v)
            if abs(multiplier) < 1 - 1e-7:
                kind = "attracting"
            elif abs(multiplier) > 1 + 1e-7:
                kind = "repelling"
            else:
                kind = "neutral"
            cycles.append(Cycle(tuple(orbit), kind, float(multiplier)))
    return cycles


def epsilon_stable_intervals(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    epsilon: float,
    grid: int = 4001,
) -> list[tuple[float, float]]:
    """Intervals of utilities that are ε-stable, |ℓ(Φ(u)) − u| < ε (on a grid).

    Examples
    --------
    >>> [tuple(round(v, 3) for v in iv) for iv in
    ...  epsilon_stable_intervals(lambda u: 0.5 + 0.5 * u, epsilon=0.01)]
    [(0.98, 1.0)]
    """
    phi = as_characteristic(phi)
    f = learning_map(phi, _exact_learner(learner))
    lo, hi = phi.domain
    x = _grid(lo, hi, grid, phi.breakpoints)
    inside = np.abs(np.asarray(f(x), dtype=float) - x) < epsilon
    return intervals_from_mask(x, inside)


def intervals_from_mask(
    x: NDArray[np.float64], mask: NDArray[np.bool_]
) -> list[tuple[float, float]]:
    """Runs of consecutive ``True`` in ``mask`` as ``(x_first, x_last)`` intervals.

    Examples
    --------
    >>> import numpy as np
    >>> intervals_from_mask(np.arange(6) / 5, np.array([0, 1, 1, 0, 1, 1], bool))
    [(0.2, 0.4), (0.8, 1.0)]
    """
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask, int), [0]])))
    return [(float(x[a]), float(x[b - 1])) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def on_line_residual(
    phi: Characteristic | Callable[[Any], Any], learner: Learner | None, u: Sequence[float]
) -> NDArray[np.float64]:
    """Φ(u) − ℓ⁻¹(u) at the given utilities (zero at stable points off the clip)."""
    learner = _exact_learner(learner)
    u = np.asarray(u, dtype=float)
    return np.asarray(as_characteristic(phi)(u), dtype=float) - np.asarray(learner.inverse(u))
