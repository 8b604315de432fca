"""One call that answers "where does the firm's learning go?" for a given Φ.

:func:`analyse` combines the exact stable points and cycles
(:mod:`~hmlsim.dynamics.fixed_points`), their basins on the ε-grid
(:mod:`~hmlsim.dynamics.basins`) and a learning path
(:mod:`~hmlsim.dynamics.paths`) into a :class:`DynamicsReport`, which the
``hmlsim fixed-points`` command prints and the plots draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hmlsim.dynamics.basins import Basins, Interval, find_basins, index_runs
from hmlsim.dynamics.characteristic import Characteristic, TabulatedPhi, as_characteristic
from hmlsim.dynamics.fixed_points import (
    Cycle,
    StablePoint,
    epsilon_stable_intervals,
    find_cycles,
    find_stable_points,
)
from hmlsim.dynamics.learners import Learner, PerfectLearner
from hmlsim.dynamics.limits import MAX_PERIOD, MIN_EPSILON
from hmlsim.dynamics.paths import LearningPath, learning_path
from hmlsim.errors import ConfigError, check_count, check_number


def check_utilities(field: str, phi: Characteristic) -> None:
    """Φ maps utilities to utilities: its values on [0, 1] are finite and lie in [0, 1]."""
    lo, hi = phi.domain
    grid = np.linspace(lo, hi, 201)
    try:
        values = np.asarray(phi(grid), dtype=float)
    except ConfigError:
        return  # Φ refuses to extrapolate outside its measured range: checked when evaluated
    bad = values[~(np.isfinite(values) & (values >= 0.0) & (values <= 1.0))]
    if bad.size:
        raise ConfigError(field, f"Φ is a utility in [0, 1], but it takes the value {bad[0]!r}")


@dataclass(frozen=True)
class DynamicsReport:
    """Stable points, cycles, basins and a learning path of one Φ and learner.

    Attributes
    ----------
    phi : Characteristic
    learner : Learner
    epsilon : float
    stable_points : list of StablePoint
    point_basins : list of list of (float, float)
        Basin (ε-grid intervals) of each stable point; empty for repelling points.
    cycles : list of Cycle
    cycle_basins : list of list of (float, float)
    path : LearningPath
        From ``start``.
    basins : Basins
        The whole ε-grid analysis (every grid attractor).
    epsilon_stable : list of (float, float)
        Utilities with |ℓ(Φ(u)) − u| < ε.
    """

    phi: Characteristic
    learner: Learner
    epsilon: float
    stable_points: list[StablePoint]
    point_basins: list[list[Interval]]
    cycles: list[Cycle]
    cycle_basins: list[list[Interval]]
    path: LearningPath
    basins: Basins
    epsilon_stable: list[Interval]
    settings: dict[str, Any] = field(default_factory=dict)

    def basin_share(self, intervals: list[Interval]) -> float:
        """Fraction of grid utilities inside ``intervals``."""
        nodes = self.basins.nodes
        inside = sum(((nodes >= a - 1e-12) & (nodes <= b + 1e-12)).sum() for a, b in intervals)
        return float(inside / nodes.size)

    def _owner(self, node: float, points: list[dict], cycles: list[dict]) -> dict[str, Any] | None:
        """The stable point (its ``u``) or cycle (its index) a grid attractor belongs to.

        The one whose basin holds the attractor's first node, else a stable point
        (a repelling one has no basin) within ε of it.
        """

        def inside(basin: list[list[float]]) -> bool:
            return any(lo - 1e-12 <= node <= hi + 1e-12 for lo, hi in basin)

        for point in points:
            if inside(point["basin"]):
                return {"stable_point": point["u"]}
        for k, cycle in enumerate(cycles):
            if inside(cycle["basin"]):
                return {"cycle": k}
        near = [p["u"] for p in points if abs(p["u"] - node) <= self.epsilon]
        return {"stable_point": near[0]} if near else None

    def as_dict(self) -> dict[str, Any]:
        """One JSON-serialisable object: settings, stable points, cycles, path, grid attractors.

        ``stable_points`` are the exact solutions of ℓ(Φ(u)) = u; ``grid_attractors``
        are the attractors of the learning map on the ε-grid (its basins), several
        of which may lie within ε of one stable point: each names the stable point
        (or cycle) it belongs to under ``belongs_to``.
        """
        points = []
        for point, basin in zip(self.stable_points, self.point_basins, strict=True):
            points.append(
                {
                    **point.as_dict(),
                    "basin": [list(iv) for iv in basin],
                    "basin_share": self.basin_share(basin),
                }
            )
        cycles = [
            {**c.as_dict(), "basin": [list(iv) for iv in b]}
            for c, b in zip(self.cycles, self.cycle_basins, strict=True)
        ]
        return {
            "settings": {**self.settings},
            "stable_points": points,
            "cycles": cycles,
            "path": list(self.path.utilities),
            "path_converged": self.path.converged,
            "path_steps": self.path.steps,
            "path_cycle_period": self.path.cycle_period,
            "grid_attractors": [
                {**a.as_dict(), "belongs_to": self._owner(a.nodes[0], points, cycles)}
                for a in self.basins.attractors
            ],
            "epsilon_stable": [list(iv) for iv in self.epsilon_stable],
        }


def _window(u: float, bands: list[Interval], epsilon: float) -> Interval:
    for a, b in bands:
        if a - 1e-12 <= u <= b + 1e-12:
            return (a - epsilon, b + epsilon)
    return (u - epsilon, u + epsilon)


def _cycle_basin(cycle: Cycle, basins: Basins) -> list[Interval]:
    chosen = [
        k
        for k, attractor in enumerate(basins.attractors)
        if attractor.period == cycle.period
        and all(min(abs(v - p) for p in cycle.points) <= basins.epsilon for v in attractor.nodes)
    ]
    return index_runs(basins.nodes, np.flatnonzero(np.isin(basins.labels, chosen)))


def analyse(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    epsilon: float = 0.01,
    start: float | None = None,
    max_period: int = 4,
    grid: int = 2001,
) -> DynamicsReport:
    """Stable points with kinds and basins, cycles, and the path from ``start``.

    Parameters
    ----------
    phi : Characteristic or callable
        The collaborative characteristic function.
    learner : Learner, optional
        The learner map ℓ (default perfect).
    epsilon : float, default 0.01
        Smallest meaningful change of utility (path stopping rule, grid of the basins).
    start : float, optional
        u_0 of the reported path (default: the lowest measured utility of a
        tabulated Φ, else the bottom of its domain).
    max_period : int, default 4
        Longest cycle searched.
    grid : int, default 2001
        Scanning grid of the root finder.

    Returns
    -------
    DynamicsReport

    Examples
    --------
    >>> from hmlsim.dynamics.characteristic import TabulatedPhi
    >>> report = analyse(TabulatedPhi([0.717, 0.920], [0.894, 0.926]), epsilon=0.01)
    >>> [(round(p.u, 3), p.kind, b) for p, b in zip(report.stable_points, report.point_basins)]
    [(0.926, 'attracting', [(0.0, 1.0)])]
    """
    phi = as_characteristic(phi)
    learner = learner or PerfectLearner()
    epsilon = check_number("epsilon", epsilon, minimum=MIN_EPSILON, maximum=1.0)
    if epsilon == 1.0:
        raise ConfigError("epsilon", f"must lie in [{MIN_EPSILON:g}, 1), got {epsilon!r}")
    check_count("max_period", max_period, maximum=MAX_PERIOD, why="longer searches take hours")
    check_utilities("phi", phi)
    if start is not None:
        start = check_number("start", start, minimum=0.0, maximum=1.0)
    if start is None:
        start = phi.measured_range[0] if isinstance(phi, TabulatedPhi) else phi.domain[0]
    points = find_stable_points(phi, learner, grid=grid)
    cycles = find_cycles(phi, learner, max_period=max_period, grid=grid)
    basins = find_basins(phi, learner, epsilon=epsilon)
    bands = epsilon_stable_intervals(phi, learner, epsilon=epsilon)
    point_basins: list[list[Interval]] = []
    for point in points:
        if point.kind == "repelling":
            point_basins.append([])
            continue
        lo, hi = point.extent if point.extent is not None else (point.u, point.u)
        wlo, _ = _window(lo, bands, epsilon)
        _, whi = _window(hi, bands, epsilon)
        _, intervals = basins.basin_around(wlo, whi)
        point_basins.append(intervals)
    cycle_basins = [_cycle_basin(c, basins) for c in cycles]
    path = learning_path(phi, float(start), learner=learner, epsilon=epsilon)
    settings = {
        "phi": repr(phi),
        **learner.describe(),
        "epsilon": epsilon,
        "start": float(start),
        "max_period": int(max_period),
        "grid": int(grid),
    }
    if isinstance(phi, TabulatedPhi):
        settings["extrapolate"] = phi.extrapolate
    return DynamicsReport(
        phi=phi,
        learner=learner,
        epsilon=epsilon,
        stable_points=points,
        point_basins=point_basins,
        cycles=cycles,
        cycle_basins=cycle_basins,
        path=path,
        basins=basins,
        epsilon_stable=bands,
        settings=settings,
    )
