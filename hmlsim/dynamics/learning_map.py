"""The empirical learning map of a simulated loop, pooled over runs, with its stable points.

A simulation run of the performative loop yields a path of model utilities
u_0, u_1, …, u_T, one per deployment epoch: u_{t+1} is the utility of the model
retrained on the labels produced with the model of utility u_t. Pooling the
transitions u_t → u_{t+1} of all runs of one advisor and context (a grid of
initial qualities u_0, with replicates) estimates the learning map
f(u) = E[u_{t+1} | u_t = u] on binned utilities (:class:`EmpiricalLearningMap`).

Its fixed points f(u*) = u* are read off the binned map, never beyond it:

- a bin's drift f(u) − u is *positive* or *negative* when it lies more than
  ``z`` standard errors (default 2) from 0, else *neutral*; by default ``z`` is
  a simultaneous level over the bins (the per-bin threshold is raised, Šidák),
  so that pure noise around the line reads as one neutral band;
- a sign change + → − between neighbouring bins is an **attracting** crossing
  (slope of f below 1), − → + a **repelling** one;
- consecutive neutral bins form a band: flanked by + below and − above it is
  an attracting point, by − and + a repelling one, otherwise (the same sign on
  both sides, or an end of the visited range) a **neutral band**, reported as
  an interval.

Nothing is reported outside the *visited* range (min..max of the pooled u_t).
Each point's standard error comes from a bootstrap over whole runs. The basins
come from a networkx functional graph on the bins; where the map points out of
the visited range, the bins that lead there "leave the visited range upward"
(or downward): that is never a fixed point. :func:`endpoints_by_start` is the
direct summary (mean and SE of the final utility per u_0), and
:func:`plot_learning_map` draws the maps of several advisors with their cobwebs.

The function :func:`~hmlsim.dynamics.learners.learning_map` (ℓ ∘ Φ) shares this
module's name: ``from hmlsim.dynamics import learning_map`` is that function;
import this module's names from :mod:`hmlsim.dynamics` or with
``from hmlsim.dynamics.learning_map import EmpiricalLearningMap``.

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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from hmlsim.dynamics.basins import Interval, index_runs, merge_intervals
from hmlsim.errors import ConfigError, check_choice, check_positive
from hmlsim.seeding import make_rng

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hmlsim.seeding import SeedLike

#: Kinds of fixed point of an empirical learning map.
MAP_KINDS = ("attracting", "repelling", "neutral band")
#: Bin layouts on the visited range: equal width, or equal count of transitions.
BINNINGS = ("width", "count")
#: Targets of a basin besides a fixed point.
EXIT_UP, EXIT_DOWN = "exits upward", "exits downward"

#: Weight, in transitions, of the pooled within-bin variance in each bin's variance.
PRIOR_TRANSITIONS = 5

# Columns of the per-run, per-bin sufficient statistics.
_N, _SU, _SN, _SN2, _SD, _SD2 = range(6)
_TOL = 1e-12


def _utilities(values: Any, field_name: str) -> NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ConfigError(field_name, f"must be numbers in [0, 1] ({error})") from None
    if array.ndim != 1:
        raise ConfigError(field_name, f"must be one-dimensional, got shape {array.shape}")
    bad = ~(np.isfinite(array) & (array >= 0.0) & (array <= 1.0))
    if bad.any():
        raise ConfigError(
            field_name, f"every utility must be finite and in [0, 1], got {array[bad][0]!r}"
        )
    return array


def _integer(field_name: str, value: Any, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, else :class:`ConfigError`."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != value or number < minimum:
        raise ConfigError(field_name, f"must be an integer >= {minimum}, got {value!r}")
    return number


def _num(value: float) -> float | None:
    """A float for JSON: NaN becomes None."""
    return None if value is None or math.isnan(value) else float(value)


def _fmt_intervals(intervals: Sequence[Interval]) -> str:
    return " ∪ ".join(f"[{a:.2f}, {b:.2f}]" for a, b in intervals)


@dataclass(frozen=True)
class LearningMapBin:
    """One bin of utilities u_t and where the loop goes from there.

    Attributes
    ----------
    lo, hi : float
        The bin's edges (the outer edges are the ends of the visited range).
    u : float
        Mean u_t of the transitions in the bin (where the map is drawn).
    next_mean, next_se : float
        Mean of u_{t+1} and its standard error.
    delta_se : float
        Standard error of the mean drift :attr:`delta` = ``next_mean − u``, its
        variance shrunk towards the pooled within-bin variance (weight
        :data:`PRIOR_TRANSITIONS` transitions).
    n : int
        Transitions in the bin.
    n_runs : int
        Distinct runs contributing transitions.
    sign : int
        +1 where ``delta > threshold · delta_se``, −1 where
        ``delta < −threshold · delta_se``, else 0 (on the line, within noise).
    threshold : float
        The map's threshold in standard errors (``z``, raised for the number of
        bins when the test is simultaneous).
    """

    lo: float
    hi: float
    u: float
    next_mean: float
    next_se: float
    delta_se: float
    n: int
    n_runs: int
    sign: int
    threshold: float

    @property
    def delta(self) -> float:
        """The mean drift f(u) − u in the bin."""
        return self.next_mean - self.u

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "lo": self.lo,
            "hi": self.hi,
            "u": self.u,
            "next_mean": self.next_mean,
            "next_se": _num(self.next_se),
            "delta": self.delta,
            "delta_se": _num(self.delta_se),
            "n": self.n,
            "n_runs": self.n_runs,
            "sign": self.sign,
            "threshold": self.threshold,
        }


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
            "se": _num(self.se),
            "kind": self.kind,
            "interval": None if self.interval is None else list(self.interval),
            "basin": [list(iv) for iv in self.basin],
            "bootstrap_share": _num(self.bootstrap_share),
            "n_boot": self.n_boot,
            "slope": _num(self.slope),
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


class _Crossing(NamedTuple):
    u: float
    kind: str
    first: int  # band: its first and last bin; direct crossing: the two bins
    last: int
    band: bool
    slope: float


def _summaries(sums: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    n = sums[..., _N]
    with np.errstate(invalid="ignore", divide="ignore"):
        var_next = (sums[..., _SN2] - sums[..., _SN] ** 2 / n) / (n - 1)
        var_delta = (sums[..., _SD2] - sums[..., _SD] ** 2 / n) / (n - 1)
        return {
            "n": n,
            "u": sums[..., _SU] / n,
            "next": sums[..., _SN] / n,
            "next_se": np.sqrt(np.clip(var_next, 0.0, None) / n),
            "delta": sums[..., _SD] / n,
            "delta_se": np.sqrt(np.clip(var_delta, 0.0, None) / n),
        }


def _drift_test(
    delta: NDArray[np.float64],
    delta_se: NDArray[np.float64],
    n: NDArray[np.float64],
    z: float,
    simultaneous: bool,
) -> tuple[NDArray[np.int64], NDArray[np.float64], float]:
    """Signs of the bins' drifts, the standard errors and the threshold (in SE) used.

    Each bin's variance of the drift is shrunk towards the pooled within-bin
    variance with the weight of :data:`PRIOR_TRANSITIONS` transitions, so that a
    bin of three transitions does not get a standard error near 0 by chance.
    A drift is significant beyond ``z`` SE; with ``simultaneous`` the threshold
    is raised for the number of bins (Šidák), so that a map lying on the line
    shows a significant bin with the probability of |N(0, 1)| > z.
    """
    var = delta_se**2 * n
    dof = np.maximum(n - 1, 0)
    pooled = float(np.sum(dof * var) / np.sum(dof)) if np.sum(dof) > 0 else 0.0
    shrunk = (PRIOR_TRANSITIONS * pooled + dof * var) / (PRIOR_TRANSITIONS + dof)
    se = np.sqrt(shrunk / n)
    alpha = 2.0 * stats.norm.sf(z)
    if simultaneous:
        alpha = -math.expm1(math.log1p(-alpha) / max(delta.size, 1))
    crit = float(stats.norm.isf(alpha / 2.0))
    return (np.sign(delta) * (np.abs(delta) > crit * se)).astype(np.int64), se, crit


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


def _bin_edges(u: NDArray[np.float64], n_bins: int, binning: str) -> NDArray[np.float64]:
    lo, hi = float(u.min()), float(u.max())
    if hi - lo <= _TOL:
        return np.array([lo, hi])
    if binning == "width":
        return np.linspace(lo, hi, n_bins + 1)
    inner = np.quantile(u, np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
    inner = np.unique(inner[(inner > lo) & (inner < hi)])
    return np.concatenate([[lo], inner, [hi]])


def _merge_sparse(
    u: NDArray[np.float64], edges: NDArray[np.float64], minimum: int
) -> NDArray[np.float64]:
    """Merge bins with fewer than ``minimum`` transitions into their sparser neighbour."""
    edges = list(edges)
    counts = list(np.bincount(_assign(u, np.asarray(edges)), minlength=len(edges) - 1))
    while len(counts) > 1 and min(counts) < minimum:
        i = int(np.argmin(counts))
        if i == 0:
            j = 1
        elif i == len(counts) - 1:
            j = i - 1
        else:
            j = i - 1 if counts[i - 1] <= counts[i + 1] else i + 1
        a = min(i, j)
        counts[a : a + 2] = [counts[a] + counts[a + 1]]
        del edges[a + 1]
    return np.asarray(edges)


def _assign(u: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.searchsorted(edges[1:-1], u, side="right").astype(np.int64)


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
        ``"width"`` or ``"count"`` (see :data:`BINNINGS`).
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
        now = _utilities(u_now, "u_now")
        nxt = _utilities(u_next, "u_next")
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
        min_per_bin = _integer("min_per_bin", min_per_bin, 2)
        if min_per_bin > now.size:
            raise ConfigError("min_per_bin", f"exceeds the {now.size} transitions")
        z = check_positive("z", z)
        if n_bins is None:
            n_bins = int(np.clip(round(math.sqrt(now.size / 2)), 2, 20))
        else:
            n_bins = _integer("n_bins", n_bins, 2)
        edges = _merge_sparse(now, _bin_edges(now, int(n_bins), binning), int(min_per_bin))
        which = _assign(now, edges)
        n_runs, size = len(uniques), edges.size - 1
        delta = nxt - now
        sums = np.zeros((n_runs, size, 6))
        for column, values in (
            (_N, np.ones_like(now)),
            (_SU, now),
            (_SN, nxt),
            (_SN2, nxt**2),
            (_SD, delta),
            (_SD2, delta**2),
        ):
            np.add.at(sums[:, :, column], (codes, which), values)
        s = _summaries(sums.sum(axis=0))
        signs, delta_se, crit = _drift_test(s["delta"], s["delta_se"], s["n"], z, simultaneous)
        runs_per_bin = (sums[:, :, _N] > 0).sum(axis=0)
        bins = tuple(
            LearningMapBin(
                lo=float(edges[k]),
                hi=float(edges[k + 1]),
                u=float(s["u"][k]),
                next_mean=float(s["next"][k]),
                next_se=float(s["next_se"][k]),
                delta_se=float(delta_se[k]),
                n=int(s["n"][k]),
                n_runs=int(runs_per_bin[k]),
                sign=int(signs[k]),
                threshold=crit,
            )
            for k in range(size)
        )
        return cls(
            bins=bins,
            visited=(float(edges[0]), float(edges[-1])),
            n_runs=n_runs,
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
                u = _utilities(path, "paths")
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
        outside = ~np.isfinite(array) | (array < lo - _TOL) | (array > hi + _TOL)
        if outside.any():
            raise ConfigError(
                "u",
                f"the learning map was only observed on [{lo:.4g}, {hi:.4g}]; "
                f"got {np.atleast_1d(array[outside])[0]!r} (no extrapolation)",
            )
        out = np.interp(array, self.centres, self.next_means)
        return float(out) if out.ndim == 0 else out

    # -- fixed points and basins -----------------------------------------------------------

    def _structure(self) -> tuple[list[_Crossing], dict[Any, set[int]]]:
        """Crossings of the binned map and, per target, the bins that end there."""
        c, nm = self.centres, self.next_means
        n = np.array([b.n for b in self.bins], dtype=float)
        sign = np.array([b.sign for b in self.bins], dtype=np.int64)
        crossings = _crossings(c, nm - c, sign, n)
        size, (lo, hi) = c.size, self.visited
        graph = nx.DiGraph()
        graph.add_nodes_from(range(size))
        target = np.clip(_assign(nm, self.edges), 0, size - 1)
        for k in range(size):
            if sign[k] == 0:
                graph.add_edge(k, k)
            elif sign[k] > 0:
                up = max(int(target[k]), k + 1)
                graph.add_edge(k, EXIT_UP if nm[k] > hi + _TOL or up >= size else up)
            else:
                down = min(int(target[k]), k - 1)
                graph.add_edge(k, EXIT_DOWN if nm[k] < lo - _TOL or down < 0 else down)
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
                    if x.kind == "attracting" and span[0] - _TOL <= x.u <= span[-1] + _TOL
                ]
                mid = float(span.mean())
                owner = min(
                    inside or range(len(crossings)), key=lambda i: abs(crossings[i].u - mid)
                )
            basin = (nx.ancestors(graph, node) | set(component)) - {EXIT_UP, EXIT_DOWN}
            members.setdefault(owner, set()).update(basin)
        return crossings, members

    def _intervals(self, bins: set[int]) -> tuple[Interval, ...]:
        runs = index_runs(np.arange(len(self.bins), dtype=float), sorted(bins))
        spans = [(self.bins[int(a)].lo, self.bins[int(b)].hi) for a, b in runs]
        return tuple(merge_intervals(spans, gap=_TOL))

    def _share(self, bins: set[int]) -> float:
        lo, hi = self.visited
        if hi - lo <= _TOL:
            return len(bins) / len(self.bins)
        return float(sum(self.bins[k].hi - self.bins[k].lo for k in bins) / (hi - lo))

    def fixed_points(self, *, n_boot: int = 200, rng: SeedLike = None) -> list[MapFixedPoint]:
        """Attracting and repelling crossings and neutral bands, inside the visited range.

        Parameters
        ----------
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

        Examples
        --------
        >>> paths = [[0.5, 0.6, 0.65, 0.68, 0.69], [0.55, 0.62, 0.66, 0.675, 0.69]] * 3
        >>> lmap = EmpiricalLearningMap.from_paths(paths, n_bins=4, min_per_bin=2)
        >>> lmap.fixed_points(n_boot=0)
        []
        """
        n_boot = _integer("n_boot", n_boot, 0)
        if n_boot > 0 and self.n_runs < 2:
            raise ConfigError(
                "runs",
                f"the bootstrap resamples runs and needs at least 2, got {self.n_runs} "
                "(pass n_boot=0 for no standard errors)",
            )
        crossings, members = self._structure()
        basins = [self._intervals(members.get(i, set())) for i in range(len(crossings))]
        windows = self._windows(crossings, basins)
        found = self._bootstrap(crossings, windows, int(n_boot), make_rng(rng)) if n_boot else None
        points = []
        for i, x in enumerate(crossings):
            values = np.asarray(found[i] if found is not None else [])
            interval = (self.bins[x.first].lo, self.bins[x.last].hi) if x.band else None
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
        self, crossings: list[_Crossing], basins: list[tuple[Interval, ...]]
    ) -> list[list[Interval]]:
        """Where a bootstrap crossing counts as the same point."""
        lo, hi = self.visited
        us = [x.u for x in crossings]
        windows = []
        for i, x in enumerate(crossings):
            if x.kind == "attracting" and basins[i]:
                windows.append(list(basins[i]))
                continue
            a = (us[i - 1] + us[i]) / 2 if i > 0 else lo
            b = (us[i] + us[i + 1]) / 2 if i + 1 < len(us) else hi
            if x.band:
                a, b = min(a, self.bins[x.first].lo), max(b, self.bins[x.last].hi)
            windows.append([(a, b)])
        return windows

    def _bootstrap(
        self,
        crossings: list[_Crossing],
        windows: list[list[Interval]],
        n_boot: int,
        rng: np.random.Generator,
    ) -> list[list[float]]:
        weights = rng.multinomial(self.n_runs, np.full(self.n_runs, 1.0 / self.n_runs), n_boot)
        replicas = _summaries(np.einsum("br,rkf->bkf", weights, self.run_stats))
        found: list[list[float]] = [[] for _ in crossings]
        for b in range(n_boot):
            keep = replicas["n"][b] >= 2
            c, d = replicas["u"][b][keep], replicas["delta"][b][keep]
            n, se = replicas["n"][b][keep], replicas["delta_se"][b][keep]
            sign = _drift_test(d, se, n, self.z, self.simultaneous)[0]
            candidates = _crossings(c, d, sign, n)
            for i, x in enumerate(crossings):
                near = [
                    y.u
                    for y in candidates
                    if (x.kind == "neutral band" or y.kind == x.kind)
                    and any(a - _TOL <= y.u <= e + _TOL for a, e in windows[i])
                ]
                if near:
                    found[i].append(min(near, key=lambda v: abs(v - x.u)))
        return found

    def basins(self, points: Sequence[MapFixedPoint] | None = None) -> list[MapBasin]:
        """Which initial utilities lead where, as intervals of the visited range.

        The bins form a functional graph (networkx): a neutral bin maps to
        itself, a bin with a positive (negative) drift to the bin holding its
        mean u_{t+1}, at least one bin up (down), or to an *exit* node where
        that lies beyond the visited range. The attracting components
        (:func:`networkx.attracting_components`) are the fixed points and the
        exits; the basins their ancestors (:func:`networkx.ancestors`).

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
        crossings, members = self._structure()
        if points is None:
            points = self.fixed_points(n_boot=0)
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
            out.append(MapBasin(target, point, self._intervals(bins), self._share(bins)))
        return sorted(out, key=lambda basin: basin.intervals[0][0])

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
        points = self.fixed_points(n_boot=n_boot, rng=rng)
        lines = [basin.describe(label) for basin in self.basins(points)]
        for p in points:
            if p.basin:
                continue
            if p.kind == "repelling":
                lines.append(f"{label} moves away from {p} on both sides")
            else:
                lines.append(f"{label} crosses the 45° line at {p}; no binned path ends there")
        return lines

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
    start = _utilities(u0, "u0")
    end = _utilities(u_final, "u_final")
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


def _cobweb(path: Sequence[float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vertices of an observed path's cobweb: (u_t, u_t) → (u_t, u_{t+1}) → (u_{t+1}, u_{t+1}).

    Examples
    --------
    >>> [v.tolist() for v in _cobweb([0.5, 0.7, 0.75])]
    [[0.5, 0.5, 0.7, 0.7, 0.75], [0.5, 0.7, 0.7, 0.75, 0.75]]
    """
    twice = np.repeat(np.asarray(path, dtype=float), 2)
    return twice[:-1], twice[1:]


def plot_learning_map(
    maps: Mapping[str, EmpiricalLearningMap] | EmpiricalLearningMap,
    ax: Axes | None = None,
    paths: Mapping[str, Sequence[Sequence[float]]] | Sequence[Sequence[float]] | None = None,
    *,
    points: Mapping[str, Sequence[MapFixedPoint]] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (6.0, 6.0),
) -> Figure:
    """The binned maps with ±z SE bars, the 45° line, fixed points and cobwebs.

    Parameters
    ----------
    maps : mapping of str to EmpiricalLearningMap, or one map
        One map per advisor (the key labels it).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new :class:`~matplotlib.figure.Figure`).
    paths : mapping of str to paths, or sequence of paths, optional
        Observed learning paths drawn as cobwebs (in the colour of the map with
        the same key when a mapping).
    points : mapping of str to fixed points, optional
        Each map's :meth:`~EmpiricalLearningMap.fixed_points` (computed without a
        bootstrap if absent). Attracting: filled circles, repelling: open
        circles, neutral band: a diamond and a thick segment of the line.
    title : str, optional
        Axes title.
    figsize : tuple of float
        Size of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    from hmlsim.dynamics.plots import MARKERS

    if isinstance(maps, EmpiricalLearningMap):
        maps = {"map": maps}
    if not maps:
        raise ConfigError("maps", "needs at least one learning map")
    palette = sns.color_palette("colorblind")
    colours = {name: palette[k % len(palette)] for k, name in enumerate(maps)}
    if ax is None:
        with sns.axes_style("whitegrid"):
            fig = Figure(figsize=figsize, layout="constrained")
            ax = fig.subplots()
    else:
        fig = ax.figure
    lo = min(m.visited[0] for m in maps.values())
    hi = max(m.visited[1] for m in maps.values())
    pad = max(0.02, 0.05 * (hi - lo))
    line = np.array([max(0.0, lo - pad), min(1.0, hi + pad)])
    ax.plot(line, line, color="0.4", lw=1, ls="--", label="45° line")
    for name, lmap in maps.items():
        colour = colours[name]
        z = lmap.z
        ax.errorbar(
            lmap.centres,
            lmap.next_means,
            yerr=z * np.array([b.next_se for b in lmap.bins]),
            color=colour,
            marker=".",
            lw=1.5,
            capsize=2,
            label=f"{name} (± {z:g} SE)",
        )
        marks = (points or {}).get(name)
        for p in marks if marks is not None else lmap.fixed_points(n_boot=0):
            if p.kind == "neutral band":
                if p.interval is not None:
                    ax.plot(p.interval, p.interval, color=colour, lw=6, alpha=0.35)
                marker, fill = MARKERS["neutral"]
            else:
                marker, fill = MARKERS[p.kind]
            ax.plot(
                p.u,
                p.u,
                marker=marker,
                fillstyle=fill,
                ms=9,
                mew=1.6,
                color=colour,
                ls="none",
                zorder=5,
                gid=f"{p.kind} fixed point",
            )
    if paths is not None:
        groups = paths.items() if isinstance(paths, Mapping) else [(None, paths)]
        for name, group in groups:
            for path in group:
                if len(path) < 2:
                    continue
                x, y = _cobweb(path)
                ax.plot(x, y, color=colours.get(name, "0.5"), lw=0.7, alpha=0.5)
    ax.set_xlim(*line)
    ax.set_ylim(*line)
    ax.set_xlabel("model utility $u_t$")
    ax.set_ylabel("next model utility $u_{t+1}$")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return fig
