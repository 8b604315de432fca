"""The empirical learning map of a simulated loop, pooled over runs.

A simulation run of the performative loop yields a path of model utilities
u_0, u_1, …, u_T, one per deployment epoch: u_{t+1} is the utility of the model
retrained on the labels produced with the model of utility u_t. Pooling the
transitions u_t → u_{t+1} of all runs of one advisor and context (a grid of
initial qualities u_0, with replicates) estimates the learning map
f(u) = E[u_{t+1} | u_t = u] on binned utilities (:class:`EmpiricalLearningMap`;
the bins and their drift test are in :mod:`~hmlsim.dynamics.map_bins`).

Its fixed points f(u*) = u*, with bootstrap standard errors over runs, and
their basins are read off the bins, never beyond them (nothing is reported
outside the *visited* range, min..max of the pooled u_t; see
:mod:`~hmlsim.dynamics.map_points`). :func:`endpoints_by_start` is the direct
summary (mean and SE of the final utility per u_0), and
:func:`~hmlsim.dynamics.map_plots.plot_learning_map` draws the maps of several
advisors with their cobwebs.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> paths = []
>>> for u0 in np.repeat([0.6, 0.7, 0.8, 0.9], 10):
...     u = [u0]
...     for _ in range(15):
...         u.append(0.3 + 0.6 * u[-1] + rng.normal(0, 0.01))
...     paths.append(u)
>>> lmap = EmpiricalLearningMap.from_paths(paths)
>>> [(p.kind, round(p.u, 2)) for p in lmap.fixed_points(n_boot=50, rng=1)]
[('attracting', 0.75)]
>>> [b.target for b in lmap.basins()]
['fixed point']
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hmlsim.dynamics.map_bins import (
    BINNINGS,
    TOL,
    LearningMapBin,
    assign_bins,
    bin_edges,
    check_integer,
    check_utilities,
    make_bins,
    merge_sparse,
    transition_sums,
)
from hmlsim.dynamics.map_points import (
    MapBasin,
    MapFixedPoint,
    describe_map,
    map_basins,
    map_fixed_points,
)
from hmlsim.errors import ConfigError, check_choice, check_positive

if TYPE_CHECKING:
    from hmlsim.dynamics.basins import Interval
    from hmlsim.seeding import SeedLike


@dataclass(frozen=True)
class EmpiricalLearningMap:
    """The learning map u ↦ E[u_{t+1} | u_t = u] estimated from pooled transitions.

    Build it with :meth:`from_transitions` or :meth:`from_paths`.

    Attributes
    ----------
    bins : tuple of LearningMapBin
        In order of utility; they tile :attr:`visited`.
    visited : (float, float)
        Lowest and highest u_t of the pooled transitions. No fixed point, basin
        or value of the map is reported outside it.
    n_runs, n_transitions : int
        Distinct runs and transitions pooled.
    binning : str
        ``"width"`` or ``"count"`` (see :data:`~hmlsim.dynamics.map_bins.BINNINGS`).
    min_per_bin : int
        Smallest number of transitions of a bin (sparser bins were merged).
    z : float
        A drift within ``z`` standard errors of 0 is neutral.
    simultaneous : bool
        Whether ``z`` is a simultaneous level over the bins (Šidák).
    run_stats : ndarray
        Per run and bin: count, Σu_t, Σu_{t+1}, Σu_{t+1}², Σ drift, Σ drift²
        (what the bootstrap over runs resamples).
    """

    bins: tuple[LearningMapBin, ...]
    visited: Interval
    n_runs: int
    n_transitions: int
    binning: str
    min_per_bin: int
    z: float
    simultaneous: bool
    run_stats: NDArray[np.float64] = field(repr=False, compare=False)

    @classmethod
    def from_transitions(
        cls,
        u_now: ArrayLike,
        u_next: ArrayLike,
        runs: Sequence[Hashable] | ArrayLike,
        *,
        n_bins: int | None = None,
        binning: str = "width",
        min_per_bin: int = 3,
        z: float = 2.0,
        simultaneous: bool = True,
    ) -> EmpiricalLearningMap:
        """Pool transitions u_t → u_{t+1} into a binned map.

        Parameters
        ----------
        u_now, u_next : array_like
            One entry per transition: the model utility of an epoch and of the
            model retrained after it, in [0, 1].
        runs : array_like
            The run each transition belongs to (any hashable labels); the
            bootstrap resamples whole runs.
        n_bins : int, optional
            Bins before merging (default ``round(sqrt(n / 2))`` clipped to 2..20).
        binning : {"width", "count"}, default "width"
            Equal-width bins on the visited range, or equal-count bins.
        min_per_bin : int, default 3
            Bins with fewer transitions are merged with their sparser neighbour.
        z : float, default 2.0
            A drift within ``z`` standard errors of 0 is neutral (on the line).
        simultaneous : bool, default True
            Raise the threshold for the number of bins (Šidák), so that a map
            that lies on the line shows any significant bin only with the
            probability of |N(0, 1)| > z (4.6 % for z = 2; about 3 SE per bin
            for 20 bins); False: every bin at ±z SE.

        Returns
        -------
        EmpiricalLearningMap

        Examples
        --------
        >>> lmap = EmpiricalLearningMap.from_transitions(
        ...     [0.5, 0.6, 0.5, 0.6], [0.6, 0.65, 0.58, 0.66], runs=[0, 0, 1, 1], min_per_bin=2
        ... )
        >>> [(b.u, round(b.next_mean, 2), b.n) for b in lmap.bins], lmap.visited
        ([(0.5, 0.59, 2), (0.6, 0.66, 2)], (0.5, 0.6))
        """
        now = check_utilities(u_now, "u_now")
        nxt = check_utilities(u_next, "u_next")
        if nxt.size != now.size:
            raise ConfigError(
                "u_next", f"needs one value per transition ({now.size}), got {nxt.size}"
            )
        try:
            labels = list(runs)
        except TypeError:
            raise ConfigError("runs", "must be one run id per transition") from None
        if len(labels) != now.size:
            raise ConfigError(
                "runs", f"needs one run id per transition ({now.size}), got {len(labels)}"
            )
        if now.size < 2:
            raise ConfigError("u_now", f"needs at least 2 transitions, got {now.size}")
        codes, uniques = pd.factorize(pd.Series(labels, dtype=object))
        if (codes < 0).any():
            raise ConfigError("runs", "every transition needs a run id (got a missing value)")
        check_choice("binning", binning, BINNINGS)
        min_per_bin = check_integer("min_per_bin", min_per_bin, 2)
        if min_per_bin > now.size:
            raise ConfigError("min_per_bin", f"exceeds the {now.size} transitions")
        z = check_positive("z", z)
        if n_bins is None:
            n_bins = int(np.clip(round(math.sqrt(now.size / 2)), 2, 20))
        else:
            n_bins = check_integer("n_bins", n_bins, 2)
        edges = merge_sparse(now, bin_edges(now, int(n_bins), binning), int(min_per_bin))
        which = assign_bins(now, edges)
        sums = transition_sums(now, nxt, codes, which, len(uniques), edges.size - 1)
        return cls(
            bins=make_bins(sums, edges, z, simultaneous),
            visited=(float(edges[0]), float(edges[-1])),
            n_runs=len(uniques),
            n_transitions=int(now.size),
            binning=binning,
            min_per_bin=int(min_per_bin),
            z=z,
            simultaneous=bool(simultaneous),
            run_stats=sums,
        )

    @classmethod
    def from_paths(cls, paths: Sequence[Sequence[float]], **kwargs: Any) -> EmpiricalLearningMap:
        """Pool the transitions of learning paths, one sequence u_0, …, u_T per run.

        Keyword arguments go to :meth:`from_transitions`.

        Examples
        --------
        >>> paths = [[0.5, 0.6, 0.65], [0.5, 0.58, 0.66]]
        >>> lmap = EmpiricalLearningMap.from_paths(paths, min_per_bin=2)
        >>> lmap.n_runs, lmap.n_transitions
        (2, 4)
        """
        now: list[NDArray[np.float64]] = []
        nxt: list[NDArray[np.float64]] = []
        runs: list[int] = []
        for i, path in enumerate(paths):
            try:
                u = check_utilities(path, "paths")
            except ConfigError as error:
                raise ConfigError("paths", f"path {i}: {error.message}") from None
            now.append(u[:-1])
            nxt.append(u[1:])
            runs.extend([i] * max(u.size - 1, 0))
        if len(runs) < 2:
            raise ConfigError("paths", f"need at least 2 transitions in all, got {len(runs)}")
        return cls.from_transitions(np.concatenate(now), np.concatenate(nxt), runs, **kwargs)

    # -- the binned map --------------------------------------------------------------------

    @property
    def edges(self) -> NDArray[np.float64]:
        """Bin edges, from the lowest to the highest visited utility."""
        return np.array([b.lo for b in self.bins] + [self.bins[-1].hi])

    @property
    def centres(self) -> NDArray[np.float64]:
        """Mean u_t per bin."""
        return np.array([b.u for b in self.bins])

    @property
    def next_means(self) -> NDArray[np.float64]:
        """Mean u_{t+1} per bin."""
        return np.array([b.next_mean for b in self.bins])

    def __call__(self, u: ArrayLike) -> Any:
        """The map, piecewise linear through the bins' (mean u_t, mean u_{t+1}).

        Constant between an end of the visited range and the nearest bin mean;
        any utility outside :attr:`visited` raises :class:`ConfigError`.
        """
        array = np.asarray(u, dtype=float)
        lo, hi = self.visited
        outside = ~np.isfinite(array) | (array < lo - TOL) | (array > hi + TOL)
        if outside.any():
            raise ConfigError(
                "u",
                f"the learning map was only observed on [{lo:.4g}, {hi:.4g}]; "
                f"got {np.atleast_1d(array[outside])[0]!r} (no extrapolation)",
            )
        out = np.interp(array, self.centres, self.next_means)
        return float(out) if out.ndim == 0 else out

    # -- fixed points and basins (hmlsim.dynamics.map_points) ------------------------------

    def fixed_points(self, *, n_boot: int = 200, rng: SeedLike = None) -> list[MapFixedPoint]:
        """Attracting and repelling crossings and neutral bands, inside the visited range.

        Parameters
        ----------
        n_boot : int, default 200
            Bootstrap replicates over whole runs (0: no standard errors; how a
            point's ``se`` is found: :func:`~hmlsim.dynamics.map_points.map_fixed_points`).
        rng : int or numpy.random.Generator, optional
            Seed of the bootstrap.

        Returns
        -------
        list of MapFixedPoint
            In order of utility (see :func:`~hmlsim.dynamics.map_points.map_fixed_points`).

        Examples
        --------
        >>> paths = [[0.5, 0.6, 0.65, 0.68, 0.69], [0.55, 0.62, 0.66, 0.675, 0.69]] * 3
        >>> lmap = EmpiricalLearningMap.from_paths(paths, n_bins=4, min_per_bin=2)
        >>> lmap.fixed_points(n_boot=0)
        []
        """
        return map_fixed_points(self, n_boot=n_boot, rng=rng)

    def basins(self, points: Sequence[MapFixedPoint] | None = None) -> list[MapBasin]:
        """Which initial utilities lead where, as intervals of the visited range.

        The bins form a functional graph (networkx): a neutral bin maps to
        itself, a bin with a positive (negative) drift to the bin holding its
        mean u_{t+1}, at least one bin up (down), or to an *exit* node where
        that lies beyond the visited range (see
        :func:`~hmlsim.dynamics.map_points.map_basins`).

        Parameters
        ----------
        points : sequence of MapFixedPoint, optional
            The result of :meth:`fixed_points` (with its standard errors) to
            attach; by default computed without a bootstrap.

        Returns
        -------
        list of MapBasin
            Ordered by their lowest utility; they tile the visited range.
        """
        return map_basins(self, points)

    def describe(
        self, label: str = "the loop", *, n_boot: int = 200, rng: SeedLike = None
    ) -> list[str]:
        """One sentence per basin, and one per fixed point without a basin (repelling).

        Examples
        --------
        >>> lmap = EmpiricalLearningMap.from_paths([[0.5, 0.55, 0.6, 0.65]] * 4, min_per_bin=2)
        >>> lmap.describe("TR", n_boot=0)
        ['from u_0 in [0.50, 0.60] TR leaves the visited range upward']
        """
        return describe_map(self, label, n_boot=n_boot, rng=rng)

    def as_dict(self, *, n_boot: int = 200, rng: SeedLike = None) -> dict[str, Any]:
        """JSON-ready: settings, bins, fixed points (with bootstrap SEs) and basins."""
        points = self.fixed_points(n_boot=n_boot, rng=rng)
        return {
            "visited": list(self.visited),
            "n_runs": self.n_runs,
            "n_transitions": self.n_transitions,
            "binning": self.binning,
            "min_per_bin": self.min_per_bin,
            "z": self.z,
            "simultaneous": self.simultaneous,
            "bins": [b.as_dict() for b in self.bins],
            "fixed_points": [p.as_dict() for p in points],
            "basins": [b.as_dict() for b in self.basins(points)],
        }


def endpoints_by_start(
    u0: ArrayLike, u_final: ArrayLike, *, groups: ArrayLike | None = None
) -> list[dict[str, Any]]:
    """Mean and standard error of the final utility per initial utility (or group).

    Parameters
    ----------
    u0, u_final : array_like
        One entry per run: its initial and final model utility, in [0, 1].
    groups : array_like, optional
        A label per run (e.g. the nominal initial quality of a sweep when the
        measured u_0 varies); by default runs are grouped by their exact u_0.

    Returns
    -------
    list of dict
        ``{"u0", "end_mean", "end_se", "n"}`` per group (plus ``"group"`` when
        ``groups`` is given; ``"u0"`` is then the group's mean u_0), in order of
        u_0. ``end_se`` is the sample SD over √n (NaN for a single run).

    Examples
    --------
    >>> rows = endpoints_by_start([0.6, 0.6, 0.8], [0.75, 0.77, 0.8])
    >>> [(r["u0"], round(r["end_mean"], 3), round(r["end_se"], 3), r["n"]) for r in rows]
    [(0.6, 0.76, 0.01, 2), (0.8, 0.8, nan, 1)]
    """
    start = check_utilities(u0, "u0")
    end = check_utilities(u_final, "u_final")
    if end.size != start.size:
        raise ConfigError("u_final", f"needs one value per run ({start.size}), got {end.size}")
    if start.size == 0:
        raise ConfigError("u0", "needs at least one run")
    if groups is not None:
        labels = pd.Series(list(np.asarray(groups, dtype=object)), dtype=object)
        if labels.size != start.size:
            raise ConfigError(
                "groups", f"needs one label per run ({start.size}), got {labels.size}"
            )
    else:
        labels = pd.Series(start)
    frame = pd.DataFrame({"g": labels, "u0": start, "end": end})
    rows = []
    for label, part in frame.groupby("g", sort=False, dropna=False):
        values = part["end"].to_numpy()
        se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else math.nan
        row: dict[str, Any] = {
            "u0": float(part["u0"].mean()) if groups is not None else float(label),
            "end_mean": float(values.mean()),
            "end_se": se,
            "n": int(values.size),
        }
        if groups is not None:
            row["group"] = label.item() if isinstance(label, np.generic) else label
        rows.append(row)
    return sorted(rows, key=lambda r: r["u0"])
