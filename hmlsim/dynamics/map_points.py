"""Fixed points and basins of an empirical learning map, never outside the visited range.

The fixed points f(u*) = u* of an
:class:`~hmlsim.dynamics.empirical_map.EmpiricalLearningMap` are read off its
bins (:func:`map_fixed_points`), each bin's drift f(u) − u being positive,
negative or neutral (:func:`~hmlsim.dynamics.map_bins.drift_test`):

- a sign change + → − between neighbouring bins is an **attracting** crossing
  (slope of f below 1), − → + a **repelling** one;
- consecutive neutral bins form a band: flanked by + below and − above it is
  an attracting point, by − and + a repelling one, otherwise (the same sign on
  both sides, or an end of the visited range) a **neutral band**, reported as
  an interval.

Each point's standard error comes from a bootstrap over whole runs. The basins
(:func:`map_basins`) come from a networkx functional graph on the bins; where
the map points out of the visited range, the bins that lead there "leave the
visited range upward" (or downward): that is never a fixed point.

Examples
--------
>>> from hmlsim.dynamics import EmpiricalLearningMap
>>> paths = [[0.5, 0.62, 0.68, 0.7, 0.7], [0.9, 0.78, 0.73, 0.71, 0.7]] * 3
>>> lmap = EmpiricalLearningMap.from_paths(paths, n_bins=4, min_per_bin=2)
>>> [str(p) for p in map_fixed_points(lmap, n_boot=0)]
['0.703 (attracting)']
>>> [basin.describe("TR") for basin in map_basins(lmap)]
['from u_0 in [0.50, 0.90] TR ends at 0.703']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from hmlsim.dynamics.basins import Interval, index_runs, merge_intervals
from hmlsim.dynamics.map_bins import (
    TOL,
    assign_bins,
    check_integer,
    drift_test,
    json_float,
    summaries,
)
from hmlsim.errors import ConfigError
from hmlsim.seeding import make_rng

if TYPE_CHECKING:
    from hmlsim.dynamics.empirical_map import EmpiricalLearningMap
    from hmlsim.seeding import SeedLike

#: Kinds of fixed point of an empirical learning map.
MAP_KINDS = ("attracting", "repelling", "neutral band")
#: Targets of a basin besides a fixed point.
EXIT_UP, EXIT_DOWN = "exits upward", "exits downward"


def _fmt_intervals(intervals: Sequence[Interval]) -> str:
    return " ∪ ".join(f"[{a:.2f}, {b:.2f}]" for a, b in intervals)


@dataclass(frozen=True)
class MapFixedPoint:
    """A fixed point (or neutral band) of an empirical learning map.

    Attributes
    ----------
    u : float
        The crossing of f(u) − u (weighted line through the crossing bins); for a
        neutral band the mean utility of its transitions.
    se : float
        SD of the crossing over bootstrap replicates (resampled runs) that found
        one of the same kind in the same basin; NaN without a bootstrap.
    kind : str
        One of :data:`MAP_KINDS`.
    interval : tuple of float or None
        The bins' extent where the map is within ``z`` SE of the line, for a
        crossing inside such a band; None for a crossing between two signed bins.
    basin : tuple of (float, float)
        Utilities u_0 whose binned path ends here (empty for most repelling points).
    bootstrap_share : float
        Share of bootstrap replicates that found the point (NaN without a bootstrap).
    n_boot : int
        Bootstrap replicates.
    slope : float
        Slope of f through the crossing (below 1: attracting); NaN for a neutral band.
    """

    u: float
    se: float
    kind: str
    interval: Interval | None
    basin: tuple[Interval, ...]
    bootstrap_share: float
    n_boot: int
    slope: float

    def __str__(self) -> str:
        where = f"{self.u:.3f}" if math.isnan(self.se) else f"{self.u:.3f} ± {self.se:.3f}"
        if self.interval is not None:
            where += f" in {_fmt_intervals([self.interval])}"
        return f"{where} ({self.kind})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "u": self.u,
            "se": json_float(self.se),
            "kind": self.kind,
            "interval": None if self.interval is None else list(self.interval),
            "basin": [list(iv) for iv in self.basin],
            "bootstrap_share": json_float(self.bootstrap_share),
            "n_boot": self.n_boot,
            "slope": json_float(self.slope),
        }


@dataclass(frozen=True)
class MapBasin:
    """The initial utilities whose binned path ends at one target.

    Attributes
    ----------
    target : str
        ``"fixed point"``, ``"exits upward"`` or ``"exits downward"`` (the map
        leads out of the visited range: nothing is known beyond it).
    point : MapFixedPoint or None
        The fixed point, for ``target == "fixed point"``.
    intervals : tuple of (float, float)
        The basin as closed intervals of utility (bin edges).
    share : float
        Fraction of the visited range in the basin.
    """

    target: str
    point: MapFixedPoint | None
    intervals: tuple[Interval, ...]
    share: float

    def describe(self, label: str = "the loop") -> str:
        """One sentence: "from u_0 in [0.60, 0.72] TR ends at 0.781 ± 0.006"."""
        start = f"from u_0 in {_fmt_intervals(self.intervals)} {label}"
        if self.point is None:
            return f"{start} leaves the visited range {self.target.split()[-1]}"
        p = self.point
        value = f"{p.u:.3f}" if math.isnan(p.se) else f"{p.u:.3f} ± {p.se:.3f}"
        if p.kind == "neutral band":
            band = _fmt_intervals([p.interval]) if p.interval else value
            return f"{start} stays in the neutral band {band} (the map is on the 45° line there)"
        if p.kind == "repelling":
            return f"{start} stays near the repelling point {value}"
        return f"{start} ends at {value}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "target": self.target,
            "point": None if self.point is None else self.point.as_dict(),
            "intervals": [list(iv) for iv in self.intervals],
            "share": self.share,
        }


# -- crossings of the binned drift -------------------------------------------------------


class _Crossing(NamedTuple):
    u: float
    kind: str
    first: int  # band: its first and last bin; direct crossing: the two bins
    last: int
    band: bool
    slope: float


def _fit(
    c: NDArray[np.float64],
    d: NDArray[np.float64],
    n: NDArray[np.float64],
    window: tuple[int, int],
    band: tuple[int, int],
    kind: str,
    *,
    is_band: bool,
) -> _Crossing:
    """Crossing of the n-weighted line through the drifts of ``window``'s bins."""
    a, b = window
    w, x, y = n[a : b + 1], c[a : b + 1], d[a : b + 1]
    xbar, ybar = np.average(x, weights=w), np.average(y, weights=w)
    spread = float(np.sum(w * (x - xbar) ** 2))
    slope = float(np.sum(w * (x - xbar) * (y - ybar)) / spread) if spread > 0 else math.nan
    right_sign = (kind == "attracting" and slope < 0) or (kind == "repelling" and slope > 0)
    if right_sign:
        u = float(np.clip(xbar - ybar / slope, c[a], c[b]))
    else:
        u = float(np.average(c[band[0] : band[1] + 1], weights=n[band[0] : band[1] + 1]))
    f_slope = 1.0 + slope if kind != "neutral band" and right_sign else math.nan
    return _Crossing(u, kind, band[0], band[1], is_band, f_slope)


def _crossings(
    c: NDArray[np.float64], d: NDArray[np.float64], sign: NDArray[np.int64], n: NDArray[np.float64]
) -> list[_Crossing]:
    """Sign changes and neutral bands of the binned drift, in order of utility."""
    out: list[_Crossing] = []
    size = c.size
    k = 0
    while k < size:
        if sign[k] == 0:
            j = k
            while j + 1 < size and sign[j + 1] == 0:
                j += 1
            left = int(sign[k - 1]) if k > 0 else 0
            right = int(sign[j + 1]) if j + 1 < size else 0
            if (left, right) in ((1, -1), (-1, 1)):
                kind = "attracting" if left > 0 else "repelling"
                out.append(_fit(c, d, n, (k - 1, j + 1), (k, j), kind, is_band=True))
            else:
                out.append(_fit(c, d, n, (k, j), (k, j), "neutral band", is_band=True))
            k = j + 1
            continue
        if k + 1 < size and sign[k + 1] == -sign[k]:
            kind = "attracting" if sign[k] > 0 else "repelling"
            out.append(_fit(c, d, n, (k, k + 1), (k, k + 1), kind, is_band=False))
        k += 1
    return out


# -- the functional graph of the bins ----------------------------------------------------


def _structure(lmap: EmpiricalLearningMap) -> tuple[list[_Crossing], dict[Any, set[int]]]:
    """Crossings of the binned map and, per target, the bins that end there."""
    c, nm = lmap.centres, lmap.next_means
    n = np.array([b.n for b in lmap.bins], dtype=float)
    sign = np.array([b.sign for b in lmap.bins], dtype=np.int64)
    crossings = _crossings(c, nm - c, sign, n)
    size, (lo, hi) = c.size, lmap.visited
    graph = nx.DiGraph()
    graph.add_nodes_from(range(size))
    target = np.clip(assign_bins(nm, lmap.edges), 0, size - 1)
    for k in range(size):
        if sign[k] == 0:
            graph.add_edge(k, k)
        elif sign[k] > 0:
            up = max(int(target[k]), k + 1)
            graph.add_edge(k, EXIT_UP if nm[k] > hi + TOL or up >= size else up)
        else:
            down = min(int(target[k]), k - 1)
            graph.add_edge(k, EXIT_DOWN if nm[k] < lo - TOL or down < 0 else down)
    members: dict[Any, set[int]] = {}
    for component in nx.attracting_components(graph):
        node = next(iter(component))
        if node in (EXIT_UP, EXIT_DOWN):
            owner: Any = node
        elif len(component) == 1 and sign[node] == 0:
            owner = next(i for i, x in enumerate(crossings) if x.first <= node <= x.last)
        else:
            # A loop of signed bins runs from a + bin up to a − bin, so an
            # attracting crossing lies within its span.
            span = c[sorted(component)]
            inside = [
                i
                for i, x in enumerate(crossings)
                if x.kind == "attracting" and span[0] - TOL <= x.u <= span[-1] + TOL
            ]
            mid = float(span.mean())
            owner = min(inside or range(len(crossings)), key=lambda i: abs(crossings[i].u - mid))
        basin = (nx.ancestors(graph, node) | set(component)) - {EXIT_UP, EXIT_DOWN}
        members.setdefault(owner, set()).update(basin)
    return crossings, members


def _intervals(lmap: EmpiricalLearningMap, bins: set[int]) -> tuple[Interval, ...]:
    runs = index_runs(np.arange(len(lmap.bins), dtype=float), sorted(bins))
    spans = [(lmap.bins[int(a)].lo, lmap.bins[int(b)].hi) for a, b in runs]
    return tuple(merge_intervals(spans, gap=TOL))


def _share(lmap: EmpiricalLearningMap, bins: set[int]) -> float:
    lo, hi = lmap.visited
    if hi - lo <= TOL:
        return len(bins) / len(lmap.bins)
    return float(sum(lmap.bins[k].hi - lmap.bins[k].lo for k in bins) / (hi - lo))


# -- fixed points with bootstrap standard errors -----------------------------------------


def map_fixed_points(
    lmap: EmpiricalLearningMap, *, n_boot: int = 200, rng: SeedLike = None
) -> list[MapFixedPoint]:
    """Attracting and repelling crossings and neutral bands, inside the visited range.

    Parameters
    ----------
    lmap : EmpiricalLearningMap
        The binned map.
    n_boot : int, default 200
        Bootstrap replicates over runs (0: no standard errors). Each
        replicate resamples whole runs with replacement, recomputes the bins
        (same edges) and their crossings; a point's ``se`` is the SD of the
        crossings of its kind found in its basin (attracting points) or
        nearer to it than to any other point (the others).
    rng : int or numpy.random.Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    list of MapFixedPoint
        In order of utility.
    """
    n_boot = check_integer("n_boot", n_boot, 0)
    if n_boot > 0 and lmap.n_runs < 2:
        raise ConfigError(
            "runs",
            f"the bootstrap resamples runs and needs at least 2, got {lmap.n_runs} "
            "(pass n_boot=0 for no standard errors)",
        )
    crossings, members = _structure(lmap)
    basins = [_intervals(lmap, members.get(i, set())) for i in range(len(crossings))]
    windows = _windows(lmap, crossings, basins)
    found = _bootstrap(lmap, crossings, windows, int(n_boot), make_rng(rng)) if n_boot else None
    points = []
    for i, x in enumerate(crossings):
        values = np.asarray(found[i] if found is not None else [])
        interval = (lmap.bins[x.first].lo, lmap.bins[x.last].hi) if x.band else None
        points.append(
            MapFixedPoint(
                u=x.u,
                se=float(values.std(ddof=1)) if values.size >= 2 else math.nan,
                kind=x.kind,
                interval=interval,
                basin=basins[i],
                bootstrap_share=values.size / n_boot if n_boot else math.nan,
                n_boot=int(n_boot),
                slope=x.slope,
            )
        )
    return points


def _windows(
    lmap: EmpiricalLearningMap, crossings: list[_Crossing], basins: list[tuple[Interval, ...]]
) -> list[list[Interval]]:
    """Where a bootstrap crossing counts as the same point."""
    lo, hi = lmap.visited
    us = [x.u for x in crossings]
    windows = []
    for i, x in enumerate(crossings):
        if x.kind == "attracting" and basins[i]:
            windows.append(list(basins[i]))
            continue
        a = (us[i - 1] + us[i]) / 2 if i > 0 else lo
        b = (us[i] + us[i + 1]) / 2 if i + 1 < len(us) else hi
        if x.band:
            a, b = min(a, lmap.bins[x.first].lo), max(b, lmap.bins[x.last].hi)
        windows.append([(a, b)])
    return windows


def _bootstrap(
    lmap: EmpiricalLearningMap,
    crossings: list[_Crossing],
    windows: list[list[Interval]],
    n_boot: int,
    rng: np.random.Generator,
) -> list[list[float]]:
    weights = rng.multinomial(lmap.n_runs, np.full(lmap.n_runs, 1.0 / lmap.n_runs), n_boot)
    replicas = summaries(np.einsum("br,rkf->bkf", weights, lmap.run_stats))
    found: list[list[float]] = [[] for _ in crossings]
    for b in range(n_boot):
        keep = replicas["n"][b] >= 2
        c, d = replicas["u"][b][keep], replicas["delta"][b][keep]
        n, se = replicas["n"][b][keep], replicas["delta_se"][b][keep]
        sign = drift_test(d, se, n, lmap.z, lmap.simultaneous)[0]
        candidates = _crossings(c, d, sign, n)
        for i, x in enumerate(crossings):
            near = [
                y.u
                for y in candidates
                if (x.kind == "neutral band" or y.kind == x.kind)
                and any(a - TOL <= y.u <= e + TOL for a, e in windows[i])
            ]
            if near:
                found[i].append(min(near, key=lambda v: abs(v - x.u)))
    return found


# -- basins ------------------------------------------------------------------------------


def map_basins(
    lmap: EmpiricalLearningMap, points: Sequence[MapFixedPoint] | None = None
) -> list[MapBasin]:
    """Which initial utilities lead where, as intervals of the visited range.

    The bins form a functional graph (networkx): a neutral bin maps to
    itself, a bin with a positive (negative) drift to the bin holding its
    mean u_{t+1}, at least one bin up (down), or to an *exit* node where
    that lies beyond the visited range. The attracting components
    (:func:`networkx.attracting_components`) are the fixed points and the
    exits; the basins their ancestors (:func:`networkx.ancestors`).

    Parameters
    ----------
    lmap : EmpiricalLearningMap
        The binned map.
    points : sequence of MapFixedPoint, optional
        The result of :func:`map_fixed_points` (with its standard errors) to
        attach; by default computed without a bootstrap.

    Returns
    -------
    list of MapBasin
        Ordered by their lowest utility; they tile the visited range.
    """
    crossings, members = _structure(lmap)
    if points is None:
        points = map_fixed_points(lmap, n_boot=0)
    if len(points) != len(crossings):
        raise ConfigError("points", "must be this map's fixed_points()")
    out = []
    for owner, bins in members.items():
        if not bins:
            continue
        if owner in (EXIT_UP, EXIT_DOWN):
            target, point = owner, None
        else:
            target, point = "fixed point", points[owner]
        out.append(MapBasin(target, point, _intervals(lmap, bins), _share(lmap, bins)))
    return sorted(out, key=lambda basin: basin.intervals[0][0])


def describe_map(
    lmap: EmpiricalLearningMap,
    label: str = "the loop",
    *,
    n_boot: int = 200,
    rng: SeedLike = None,
) -> list[str]:
    """One sentence per basin, and one per fixed point without a basin (repelling)."""
    points = map_fixed_points(lmap, n_boot=n_boot, rng=rng)
    lines = [basin.describe(label) for basin in map_basins(lmap, points)]
    for p in points:
        if p.basin:
            continue
        if p.kind == "repelling":
            lines.append(f"{label} moves away from {p} on both sides")
        else:
            lines.append(f"{label} crosses the 45° line at {p}; no binned path ends there")
    return lines
