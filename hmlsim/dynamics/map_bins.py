"""The bins of an empirical learning map: pooled transitions and the drift test.

The transitions u_t → u_{t+1} of simulated runs are binned by u_t on the
visited range (:func:`bin_edges`: equal width or equal count; bins with too few
transitions merged, :func:`merge_sparse`). Per run and bin the sufficient
statistics are summed (:func:`transition_sums`), which is what a bootstrap over
runs resamples; pooled over runs they give each bin's mean u_{t+1} and drift
f(u) − u with standard errors (:func:`summaries`).

A bin's drift is *positive* or *negative* when it lies more than ``z``
standard errors from 0, else *neutral* (:func:`drift_test`): each bin's
variance is shrunk towards the pooled within-bin variance, and with
``simultaneous`` the threshold is raised for the number of bins (Šidák).
:func:`make_bins` turns the sums into :class:`LearningMapBin` values, the
rows of :class:`~hmlsim.dynamics.empirical_map.EmpiricalLearningMap`.

Examples
--------
>>> import numpy as np
>>> now = np.array([0.50, 0.52, 0.70, 0.72])
>>> edges = bin_edges(now, 2, "width")
>>> edges.tolist(), assign_bins(now, edges).tolist()
([0.5, 0.61, 0.72], [0, 0, 1, 1])
>>> sums = transition_sums(now, now + 0.1, np.array([0, 1, 0, 1]), assign_bins(now, edges), 2, 2)
>>> [(b.u, round(b.next_mean, 2), b.n, b.n_runs, b.sign) for b in make_bins(sums, edges, 2.0, True)]
[(0.51, 0.61, 2, 2, 1), (0.71, 0.81, 2, 2, 1)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from hmlsim.errors import ConfigError

#: Bin layouts on the visited range: equal width, or equal count of transitions.
BINNINGS = ("width", "count")

#: Weight, in transitions, of the pooled within-bin variance in each bin's variance.
PRIOR_TRANSITIONS = 5

#: Tolerance on utilities (bin edges, the ends of the visited range).
TOL = 1e-12

# Columns of the per-run, per-bin sufficient statistics.
_N, _SU, _SN, _SN2, _SD, _SD2 = range(6)


def check_utilities(values: Any, field_name: str) -> NDArray[np.float64]:
    """``values`` as a 1-D float array of utilities in [0, 1], else :class:`ConfigError`."""
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


def check_integer(field_name: str, value: Any, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, else :class:`ConfigError`."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != value or number < minimum:
        raise ConfigError(field_name, f"must be an integer >= {minimum}, got {value!r}")
    return number


def json_float(value: float) -> float | None:
    """A float for JSON: NaN becomes None."""
    return None if value is None or math.isnan(value) else float(value)


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
            "next_se": json_float(self.next_se),
            "delta": self.delta,
            "delta_se": json_float(self.delta_se),
            "n": self.n,
            "n_runs": self.n_runs,
            "sign": self.sign,
            "threshold": self.threshold,
        }


# -- bins on the visited range -----------------------------------------------------------


def bin_edges(u: NDArray[np.float64], n_bins: int, binning: str) -> NDArray[np.float64]:
    """``n_bins`` equal-width or equal-count bins from the lowest to the highest ``u``."""
    lo, hi = float(u.min()), float(u.max())
    if hi - lo <= TOL:
        return np.array([lo, hi])
    if binning == "width":
        return np.linspace(lo, hi, n_bins + 1)
    inner = np.quantile(u, np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
    inner = np.unique(inner[(inner > lo) & (inner < hi)])
    return np.concatenate([[lo], inner, [hi]])


def merge_sparse(
    u: NDArray[np.float64], edges: NDArray[np.float64], minimum: int
) -> NDArray[np.float64]:
    """Merge bins with fewer than ``minimum`` transitions into their sparser neighbour."""
    edges = list(edges)
    counts = list(np.bincount(assign_bins(u, np.asarray(edges)), minlength=len(edges) - 1))
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


def assign_bins(u: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.int64]:
    """The bin of each utility (the outer bins extend beyond the outer edges)."""
    return np.searchsorted(edges[1:-1], u, side="right").astype(np.int64)


# -- statistics per bin ------------------------------------------------------------------


def transition_sums(
    now: NDArray[np.float64],
    nxt: NDArray[np.float64],
    codes: NDArray[np.int64],
    which: NDArray[np.int64],
    n_runs: int,
    n_bins: int,
) -> NDArray[np.float64]:
    """Per-run sums per bin: count, Σu_t, Σu_{t+1}, Σu_{t+1}², Σ drift, Σ drift².

    ``codes`` is each transition's run (0 .. ``n_runs`` − 1), ``which`` its bin.
    """
    delta = nxt - now
    sums = np.zeros((n_runs, n_bins, 6))
    for column, values in (
        (_N, np.ones_like(now)),
        (_SU, now),
        (_SN, nxt),
        (_SN2, nxt**2),
        (_SD, delta),
        (_SD2, delta**2),
    ):
        np.add.at(sums[:, :, column], (codes, which), values)
    return sums


def summaries(sums: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Count, mean u_t, mean u_{t+1}, mean drift and their SEs from :func:`transition_sums`.

    The last two axes are (bin, statistic); any leading axes (e.g. bootstrap
    replicates) are kept.
    """
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


def drift_test(
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


def make_bins(
    sums: NDArray[np.float64], edges: NDArray[np.float64], z: float, simultaneous: bool
) -> tuple[LearningMapBin, ...]:
    """The bins of a map from its per-run sums (:func:`transition_sums`) and edges."""
    s = summaries(sums.sum(axis=0))
    signs, delta_se, crit = drift_test(s["delta"], s["delta_se"], s["n"], z, simultaneous)
    runs_per_bin = (sums[:, :, _N] > 0).sum(axis=0)
    return tuple(
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
        for k in range(edges.size - 1)
    )
