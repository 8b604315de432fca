"""The band over the behaviour constants that are not fitted.

Only the solvers' ``noise`` is fitted (on humans alone). Every other behaviour
constant was set by hand, so each prediction is reported over a *band*: the
constants are varied over ranges declared in the study's configuration before
the run (:class:`BandSpec`), the noise is refitted to humans alone at every
point, and each prediction's band is its lowest and highest value over the
points. The points are the centre, each constant at each end of its range with
the others at their centre (one at a time: which constant moves what), and a
Latin hypercube over the whole box (joint variation).

The constants (:class:`~hmlsim.knapsack.solvers.SolverParams`):

- ``effort``: local-search moves per instance;
- ``perception_noise``: SD of the log of the perceived value ratio;
- ``follow_intercept``: log-odds of following a recommendation perceived as
  good as one's own;
- ``slope_factor``: the follow slope as a multiple of its tie to the noise,
  ``π / (√3 · noise)`` (:func:`~hmlsim.knapsack.calibration.tied_slope`);
- ``incentive_elasticity``: relative effort increase per 10 cents of bonus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from hmlsim.errors import ConfigError

#: the band's axes, in order
AXES = ("effort", "perception_noise", "follow_intercept", "slope_factor", "incentive_elasticity")


@dataclass(frozen=True)
class BandSpec:
    """The centre and range of every behaviour constant that is not fitted.

    Attributes
    ----------
    centre : dict of str to float
        One value per axis (:data:`AXES`).
    ranges : dict of str to (float, float)
        Low and high end per axis; the centre lies inside.
    n_lhs : int
        Latin-hypercube points over the whole box (0: one-at-a-time only).
    """

    centre: dict
    ranges: dict
    n_lhs: int = 16

    def __post_init__(self) -> None:
        for axis in AXES:
            if axis not in self.centre or axis not in self.ranges:
                raise ConfigError(f"band_{axis}", "give a centre and a range for every axis")
            lo, hi = self.ranges[axis]
            if not lo <= hi:
                raise ConfigError(f"band_{axis}", f"need low <= high, got {lo}, {hi}")
            if not lo <= self.centre[axis] <= hi:
                raise ConfigError(
                    f"centre_{axis}",
                    f"must lie in band_{axis} = [{lo}, {hi}], got {self.centre[axis]}",
                )
        if self.ranges["effort"][0] < 0 or self.ranges["slope_factor"][0] <= 0:
            raise ConfigError("band_effort", "effort must be >= 0 and slope_factor > 0")
        for axis in ("perception_noise", "incentive_elasticity"):
            if self.ranges[axis][0] < 0:
                raise ConfigError(f"band_{axis}", "must be >= 0")
        if int(self.n_lhs) != self.n_lhs or self.n_lhs < 0:
            raise ConfigError("band_points", f"must be an integer >= 0, got {self.n_lhs!r}")

    def points(self, rng: np.random.Generator) -> pd.DataFrame:
        """The band's points: centre, one-at-a-time ends, Latin hypercube.

        Returns
        -------
        pandas.DataFrame
            One row per point: ``point`` (``"centre"``, ``"<axis>=low|high"``,
            ``"lhs<k>"``), ``design`` and one column per axis (effort rounded).
        """
        rows = [{"point": "centre", "design": "centre", **self.centre}]
        for axis in AXES:
            for end, value in zip(("low", "high"), self.ranges[axis], strict=True):
                if value != self.centre[axis]:
                    rows.append({"point": f"{axis}={end}", "design": "oat", **self.centre})
                    rows[-1][axis] = value
        if self.n_lhs:
            sampler = qmc.LatinHypercube(d=len(AXES), seed=rng)
            lows = np.array([self.ranges[a][0] for a in AXES], float)
            highs = np.array([self.ranges[a][1] for a in AXES], float)
            unit = sampler.random(int(self.n_lhs))
            for k, x in enumerate(qmc.scale(unit, lows, highs)):
                rows.append(
                    {"point": f"lhs{k}", "design": "lhs", **dict(zip(AXES, x, strict=True))}
                )
        table = pd.DataFrame(rows)
        table["effort"] = table["effort"].round().astype(int)
        return table


def run_band(points: pd.DataFrame, evaluate: Callable[[dict], dict[str, float]]) -> pd.DataFrame:
    """``evaluate(point)`` at every point (a dict of the axes); one row per point."""
    rows = []
    for point in points.to_dict("records"):
        rows.append({**point, **evaluate({a: point[a] for a in AXES})})
    return pd.DataFrame(rows)


def band_range(table: pd.DataFrame, key: str) -> tuple[float, float] | None:
    """Lowest and highest finite value of ``key`` over the band's points."""
    if key not in table:
        return None
    v = pd.to_numeric(table[key], errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if v.size else None


def one_at_a_time(table: pd.DataFrame, key: str) -> dict[str, list[float]]:
    """For each axis, ``key`` at its low and high end (others at the centre)."""
    out = {}
    for axis in AXES:
        pair = []
        for end in ("low", "high"):
            row = table[table.point == f"{axis}={end}"]
            pair.append(float(row[key].iloc[0]) if len(row) and key in row else float("nan"))
        out[axis] = pair
    return out
