"""Collaborative characteristic functions Φ: model utility ↦ human+ML utility.

Three kinds of Φ (SPEC part A):

- :class:`TabulatedPhi`: measured ``(model utility, team utility)`` points joined
  by straight lines, as the paper draws Figure 3, with an explicit policy for
  utilities outside the measured range;
- :class:`CallablePhi`: any Python function of the model utility;
- :class:`EmpiricalPhi`: estimated from simulation samples, with confidence
  intervals for the team utility and for the humans' improvement Δ = Φ(u) − u.

All of them are vectorised: ``phi(array)`` returns an array of the same shape,
``phi(float)`` a float.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from hmlsim.errors import ConfigError, check_choice, check_probability

if TYPE_CHECKING:
    from hmlsim.seeding import SeedLike

#: Policies for utilities outside the measured range of a :class:`TabulatedPhi`.
EXTRAPOLATE = ("clip", "linear", "identity", "error")


class Characteristic:
    """Base class of collaborative characteristic functions Φ on [0, 1].

    Subclasses implement :meth:`evaluate` on a float array. ``domain`` is the
    interval on which Φ may be evaluated (the unit interval unless a policy says
    otherwise), ``breakpoints`` the utilities where Φ has a kink (the root finder
    adds them to its grid so that touching points at a kink are found exactly),
    and ``continuous`` tells whether Φ is continuous on its domain.
    """

    name: str = "phi"

    @property
    def domain(self) -> tuple[float, float]:
        """The interval of model utilities on which Φ is defined."""
        return (0.0, 1.0)

    @property
    def breakpoints(self) -> NDArray[np.float64]:
        """Utilities where Φ is not differentiable (empty for smooth Φ)."""
        return np.empty(0)

    @property
    def continuous(self) -> bool:
        """Whether Φ is continuous on :attr:`domain`."""
        return True

    def evaluate(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """Φ on a float array (subclasses implement this)."""
        raise NotImplementedError

    def __call__(self, u: ArrayLike) -> Any:
        """Evaluate Φ; a scalar gives a float, an array an array of the same shape."""
        array = np.asarray(u, dtype=float)
        out = np.asarray(self.evaluate(np.atleast_1d(array)), dtype=float).reshape(array.shape)
        return float(out) if out.ndim == 0 else out

    def delta(self, u: ArrayLike) -> Any:
        """The humans' improvement Δ(u) = Φ(u) − u."""
        return self(u) - np.asarray(u, dtype=float)


def _as_points(values: ArrayLike, field_name: str) -> NDArray[np.float64]:
    if any(isinstance(v, (bool, np.bool_)) for v in np.asarray(values, dtype=object).ravel()):
        raise ConfigError(field_name, f"must be numbers in [0, 1], not true/false: {values!r}")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ConfigError(field_name, f"must be numbers in [0, 1] ({error})") from None
    if array.ndim != 1 or array.size == 0:
        raise ConfigError(field_name, "must be a non-empty list of numbers in [0, 1]")
    if not np.all(np.isfinite(array)) or np.any((array < 0.0) | (array > 1.0)):
        bad = array[~(np.isfinite(array) & (array >= 0.0) & (array <= 1.0))][0]
        raise ConfigError(field_name, f"every utility must lie in [0, 1], got {bad!r}")
    return array


@dataclass(frozen=True, eq=False)
class TabulatedPhi(Characteristic):
    """Φ through measured points, linearly interpolated (the paper's Figure 3).

    Parameters
    ----------
    model_utility : array_like
        Strictly increasing model utilities in [0, 1] where Φ was measured.
    team_utility : array_like
        The human+ML utility measured at each model utility, in [0, 1].
    extrapolate : {"clip", "linear", "identity", "error"}, default "clip"
        What Φ is outside the measured range ``[model_utility[0], model_utility[-1]]``:

        - ``"clip"`` (default): Φ is constant beyond the ends, equal to the
          nearest measured team utility. Continuous on all of [0, 1] and
          conservative: it assumes the humans do no better (and no worse) with a
          model beyond the range than with the nearest measured one. With the
          paper's points this gives the stable point 0.926 and a basin of [0, 1].
        - ``"linear"``: the first and last segments are extended (clipped to
          [0, 1]); continuous, but a guess about the trend.
        - ``"identity"``: Φ(u) = u outside (the humans add nothing). It is
          discontinuous at an end whose measured point is off the 45° line.
        - ``"error"``: evaluating outside raises :class:`ConfigError`; stable
          points are then searched on the measured range only.
    name : str, default "tabulated"
        A label for tables and plots.

    Examples
    --------
    >>> phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
    >>> round(phi(0.8185), 4)
    0.91
    >>> phi(0.5), phi(1.0)
    (0.894, 0.926)
    >>> TabulatedPhi([0.717, 0.920], [0.894, 0.926], extrapolate="identity")(0.5)
    0.5
    """

    model_utility: ArrayLike
    team_utility: ArrayLike
    extrapolate: str = "clip"
    name: str = "tabulated"
    _x: NDArray[np.float64] = field(init=False, repr=False)
    _y: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        x = _as_points(self.model_utility, "model_utility")
        y = _as_points(self.team_utility, "team_utility")
        if x.shape != y.shape:
            raise ConfigError(
                "team_utility",
                f"needs one value per model utility ({x.size}), got {y.size}",
            )
        steps = np.diff(x)
        if np.any(steps <= 0):
            i = int(np.argmax(steps <= 0))
            what = "duplicate" if steps[i] == 0 else "unsorted"
            raise ConfigError(
                "model_utility",
                f"must be strictly increasing; {what} utilities {x[i]!r}, {x[i + 1]!r}",
            )
        check_choice("extrapolate", self.extrapolate, EXTRAPOLATE)
        object.__setattr__(self, "_x", x)
        object.__setattr__(self, "_y", y)

    @property
    def x(self) -> NDArray[np.float64]:
        """The measured model utilities (a copy)."""
        return self._x.copy()

    @property
    def y(self) -> NDArray[np.float64]:
        """The measured team utilities (a copy)."""
        return self._y.copy()

    @property
    def measured_range(self) -> tuple[float, float]:
        """``(lowest, highest)`` measured model utility."""
        return (float(self._x[0]), float(self._x[-1]))

    @property
    def domain(self) -> tuple[float, float]:
        return self.measured_range if self.extrapolate == "error" else (0.0, 1.0)

    @property
    def breakpoints(self) -> NDArray[np.float64]:
        return self._x.copy()

    @property
    def continuous(self) -> bool:
        if self.extrapolate != "identity":
            return True
        lo_ok = self._x[0] == 0.0 or self._y[0] == self._x[0]
        hi_ok = self._x[-1] == 1.0 or self._y[-1] == self._x[-1]
        return bool(lo_ok and hi_ok)

    def evaluate(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = self._x, self._y
        out = np.interp(u, x, y)
        below, above = u < x[0], u > x[-1]
        if not (below.any() or above.any()):
            return out
        if self.extrapolate == "error":
            bad = u[below | above][0]
            raise ConfigError(
                "extrapolate",
                f"Φ is measured on [{x[0]}, {x[-1]}] only and the policy is 'error'; "
                f"got u = {bad!r}",
            )
        if self.extrapolate == "identity":
            out = np.where(below | above, u, out)
        elif self.extrapolate == "linear" and x.size >= 2:
            lo_slope = (y[1] - y[0]) / (x[1] - x[0])
            hi_slope = (y[-1] - y[-2]) / (x[-1] - x[-2])
            out = np.where(below, y[0] + lo_slope * (u - x[0]), out)
            out = np.where(above, y[-1] + hi_slope * (u - x[-1]), out)
            out = np.clip(out, 0.0, 1.0)
        return out

    def __repr__(self) -> str:
        pts = ", ".join(f"{a:g}:{b:g}" for a, b in zip(self._x, self._y, strict=True))
        return f"TabulatedPhi([{pts}], extrapolate={self.extrapolate!r})"


def parse_points(text: str, field_name: str = "--points") -> tuple[list[float], list[float]]:
    """Parse ``"u1:phi1,u2:phi2,..."`` into model and team utilities.

    Every problem (malformed pair, value outside [0, 1], unsorted or duplicate
    model utilities) raises :class:`ConfigError` naming ``field_name``.

    Examples
    --------
    >>> parse_points("0.717:0.894,0.920:0.926")
    ([0.717, 0.92], [0.894, 0.926])
    """
    pairs = [p.strip() for p in str(text).split(",") if p.strip()]
    if not pairs:
        raise ConfigError(field_name, "expected pairs MODEL:TEAM separated by commas, got nothing")
    xs: list[float] = []
    ys: list[float] = []
    for pair in pairs:
        parts = pair.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            a, b = float(parts[0]), float(parts[1])
        except ValueError:
            raise ConfigError(
                field_name, f"expected MODEL:TEAM pairs such as 0.717:0.894, got {pair!r}"
            ) from None
        for value in (a, b):
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise ConfigError(field_name, f"utilities must lie in [0, 1], got {value!r}")
        xs.append(a)
        ys.append(b)
    for left, right in itertools.pairwise(xs):
        if right == left:
            raise ConfigError(field_name, f"duplicate model utility {left!r}")
        if right < left:
            raise ConfigError(
                field_name, f"model utilities must be increasing, got {left!r} before {right!r}"
            )
    return xs, ys


@dataclass(frozen=True, eq=False)
class CallablePhi(Characteristic):
    """Φ given by any function of the model utility.

    Parameters
    ----------
    function : callable
        ``function(u) -> team utility``. With ``vectorised=True`` (default) it is
        called once on a NumPy array; otherwise element by element.
    name : str, default "phi"
        A label for tables and plots.
    vectorised : bool, default True
        Whether ``function`` accepts arrays.
    continuous : bool, default True
        Whether ``function`` is continuous on [0, 1] (a promise, not checked).
    breakpoints : array_like, optional
        Known kinks of ``function`` (added to the root finder's grid).

    Examples
    --------
    >>> phi = CallablePhi(lambda u: 0.2 + 0.8 * u**2, name="convex")
    >>> phi(0.5)
    0.4
    """

    function: Callable[[Any], Any]
    name: str = "phi"
    vectorised: bool = True
    is_continuous: bool = True
    kinks: tuple[float, ...] = ()

    def __init__(
        self,
        function: Callable[[Any], Any],
        name: str = "phi",
        *,
        vectorised: bool = True,
        continuous: bool = True,
        breakpoints: ArrayLike = (),
    ) -> None:
        if not callable(function):
            raise ConfigError("function", f"must be callable, got {type(function).__name__}")
        object.__setattr__(self, "function", function)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "vectorised", bool(vectorised))
        object.__setattr__(self, "is_continuous", bool(continuous))
        kinks = tuple(float(b) for b in np.atleast_1d(np.asarray(breakpoints, dtype=float)))
        object.__setattr__(self, "kinks", kinks)

    @property
    def continuous(self) -> bool:
        return self.is_continuous

    @property
    def breakpoints(self) -> NDArray[np.float64]:
        return np.asarray(self.kinks, dtype=float)

    def evaluate(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.vectorised:
            out = np.asarray(self.function(u), dtype=float)
            return np.broadcast_to(out, u.shape).astype(float)
        return np.fromiter((float(self.function(float(v))) for v in u), float, count=u.size)

    def __repr__(self) -> str:
        return f"CallablePhi({self.name!r})"


def as_characteristic(phi: Characteristic | Callable[[Any], Any]) -> Characteristic:
    """Return ``phi`` as a :class:`Characteristic` (wrapping plain callables)."""
    if isinstance(phi, Characteristic):
        return phi
    return CallablePhi(phi, name=getattr(phi, "__name__", "phi"))


def _mean_ci(
    values: NDArray[np.float64], method: str, level: float, n_boot: int, rng: np.random.Generator
) -> tuple[float, float]:
    n = values.size
    if n < 2:
        return (math.nan, math.nan)
    if method == "t":
        centre = float(values.mean())
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
        return (centre - half, centre + half)
    idx = rng.integers(0, n, size=(n_boot, n))
    means = values[idx].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return (float(lo), float(hi))


@dataclass(frozen=True, eq=False)
class EmpiricalPhi(TabulatedPhi):
    """Φ estimated from simulation samples, with confidence intervals.

    Build it with :meth:`from_samples`. It behaves as a :class:`TabulatedPhi`
    through the group means; :attr:`lower` and :attr:`upper` are the tabulated
    Φ's through the lower and upper confidence limits of the team utility, and
    :meth:`table` lists every point with its intervals.
    """

    team_lo: tuple[float, ...] = ()
    team_hi: tuple[float, ...] = ()
    delta_lo: tuple[float, ...] = ()
    delta_hi: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    ci: str = "t"
    level: float = 0.95

    @classmethod
    def from_samples(
        cls,
        model_utility: ArrayLike,
        team_utility: ArrayLike,
        *,
        groups: ArrayLike | None = None,
        bins: int | None = None,
        ci: str = "t",
        level: float = 0.95,
        n_boot: int = 2000,
        rng: SeedLike = None,
        extrapolate: str = "clip",
        name: str = "empirical",
    ) -> EmpiricalPhi:
        """Estimate Φ from paired samples of model and team utility.

        Parameters
        ----------
        model_utility, team_utility : array_like
            One entry per observation (an instance, an expert, a run): the
            utility of the model's recommendation and of the final human+ML
            decision, both in [0, 1].
        groups : array_like, optional
            A label per observation naming its model (a quality level, an
            epoch). Each group gives one point of Φ: its mean model utility and
            mean team utility. By default observations are grouped by their
            exact model utility (a simulation that reports one utility per model).
        bins : int, optional
            Instead of ``groups``, split the observations into this many
            equal-count bins of model utility.
        ci : {"t", "bootstrap"}, default "t"
            Student-t interval of the mean, or percentile bootstrap of the mean.
        level : float, default 0.95
            Confidence level.
        n_boot : int, default 2000
            Bootstrap resamples.
        rng : int or numpy.random.Generator, optional
            Seed of the bootstrap draws.
        extrapolate : str, default "clip"
            Policy outside the sampled range (see :class:`TabulatedPhi`).
        name : str, default "empirical"
            A label for tables and plots.

        Returns
        -------
        EmpiricalPhi
            Groups with a single observation get NaN intervals.

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> m = np.repeat([0.7, 0.8, 0.9], 50)
        >>> t = np.clip(m + 0.1 * (1 - m) + rng.normal(0, 0.05, m.size), 0, 1)
        >>> phi = EmpiricalPhi.from_samples(m, t, ci="bootstrap", rng=1)
        >>> phi.table()[["model_utility", "n"]].round(3).to_dict("list")
        {'model_utility': [0.7, 0.8, 0.9], 'n': [50, 50, 50]}
        >>> bool((phi.lower(0.8) < phi(0.8) < phi.upper(0.8)))
        True
        """
        m = _as_points(model_utility, "model_utility")
        t = _as_points(team_utility, "team_utility")
        if m.shape != t.shape:
            raise ConfigError(
                "team_utility", f"needs one value per sample ({m.size}), got {t.size}"
            )
        check_choice("ci", ci, ("t", "bootstrap"))
        check_probability("level", level)
        if not 0.0 < level < 1.0:
            raise ConfigError("level", f"must lie strictly between 0 and 1, got {level!r}")
        if int(n_boot) < 1:
            raise ConfigError("n_boot", f"must be >= 1, got {n_boot!r}")
        if groups is not None and bins is not None:
            raise ConfigError("bins", "give either groups or bins, not both")
        if bins is not None:
            if int(bins) < 1 or int(bins) > m.size:
                raise ConfigError("bins", f"must lie in 1..{m.size}, got {bins!r}")
            order = np.argsort(m, kind="stable")
            labels = np.empty(m.size, dtype=int)
            labels[order] = np.arange(m.size) * int(bins) // m.size
        elif groups is not None:
            labels = np.asarray(groups)
            if labels.shape != m.shape:
                raise ConfigError("groups", f"needs one label per sample ({m.size})")
        else:
            labels = m
        from hmlsim.seeding import make_rng  # torch-free callers need not import torch

        generator = make_rng(rng)
        frame = pd.DataFrame({"g": labels, "m": m, "t": t})
        rows = []
        for _, part in frame.groupby("g", sort=False):
            mv, tv = part["m"].to_numpy(), part["t"].to_numpy()
            rows.append(
                (
                    float(mv.mean()),
                    float(tv.mean()),
                    *_mean_ci(tv, ci, level, int(n_boot), generator),
                    *_mean_ci(tv - mv, ci, level, int(n_boot), generator),
                    int(mv.size),
                )
            )
        rows.sort(key=lambda r: r[0])
        xs = np.array([r[0] for r in rows])
        if np.any(np.diff(xs) <= 0):
            raise ConfigError(
                "groups", "two groups have the same mean model utility; merge them or use bins"
            )
        cols = list(zip(*rows, strict=True))
        return cls(
            xs,
            np.array(cols[1]),
            extrapolate=extrapolate,
            name=name,
            team_lo=tuple(cols[2]),
            team_hi=tuple(cols[3]),
            delta_lo=tuple(cols[4]),
            delta_hi=tuple(cols[5]),
            counts=tuple(cols[6]),
            ci=ci,
            level=float(level),
        )

    def table(self) -> pd.DataFrame:
        """One row per point: utilities, Δ and their confidence limits, sample count."""
        return pd.DataFrame(
            {
                "model_utility": self._x,
                "team_utility": self._y,
                "team_lo": self.team_lo,
                "team_hi": self.team_hi,
                "delta": self._y - self._x,
                "delta_lo": self.delta_lo,
                "delta_hi": self.delta_hi,
                "n": list(self.counts),
                "ci": self.ci,
                "level": self.level,
            }
        )

    def _band(self, values: tuple[float, ...], suffix: str) -> TabulatedPhi:
        y = np.clip(np.where(np.isnan(values), self._y, values), 0.0, 1.0)
        return TabulatedPhi(self._x, y, extrapolate=self.extrapolate, name=f"{self.name} {suffix}")

    @property
    def lower(self) -> TabulatedPhi:
        """Φ through the lower confidence limits (the mean where undefined)."""
        return self._band(self.team_lo, "lower")

    @property
    def upper(self) -> TabulatedPhi:
        """Φ through the upper confidence limits (the mean where undefined)."""
        return self._band(self.team_hi, "upper")

    def __repr__(self) -> str:
        return f"EmpiricalPhi({len(self.counts)} points, ci={self.ci!r}, level={self.level})"
