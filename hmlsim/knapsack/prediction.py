"""Per-instance outcomes of the knapsack study's arms and the figures computed from them.

Once the solvers are calibrated (:mod:`hmlsim.knapsack.calibration`: humans
alone), :func:`simulate_arms` runs them alone and with every rung's
recommendations (normal and max-pick) on the same instances and draws, and
:func:`figures` turns the outcomes into Φ, Δ, max-pick Φ, follow rates,
submissions worse than the recommendation and the optimality utility per
rung. :func:`perfect_learner_path` is the paper's reading of a learning path
(``u ← Φ(u)`` on the linear interpolation of the measured points, stopping
where it leaves them: nothing is extrapolated). The claims, their
uncertainty and verdicts are in :mod:`hmlsim.knapsack.claims`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve
from hmlsim.knapsack.utility import economic_performance, optimality

#: z of a two-sided 95% interval
Z95 = 1.959964


@dataclass(frozen=True)
class Arms:
    """Per-instance outcomes of every rung on the same evaluation instances.

    Arrays have shape (K rungs, B instances); ``alone`` has shape (B,).
    """

    model_u: np.ndarray
    team_u: np.ndarray
    max_u: np.ndarray
    followed: np.ndarray
    model_opt: np.ndarray
    team_opt: np.ndarray
    max_opt: np.ndarray
    alone: np.ndarray
    alone_opt: np.ndarray

    @property
    def worse(self) -> np.ndarray:
        """Submitted solution worse than the recommendation."""
        return self.team_u < self.model_u - 1e-12


def simulate_arms(
    instances: Instances,
    recommendations: Sequence[np.ndarray],
    params: SolverParams,
    draws: SolverDraws,
) -> Arms:
    """Solvers alone and with each rung's recommendations (normal and max-pick)."""
    v, opt = instances.values, instances.optimum
    alone = solve(instances, None, params, draws=draws).selection
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("mu", "tu", "xu", "f", "mo", "to", "xo")}
    for rec in recommendations:
        normal = solve(instances, rec, params, draws=draws)
        picked = solve(instances, rec, params, draws=draws, max_pick=True)
        for key, sel in (("m", rec), ("t", normal.selection), ("x", picked.selection)):
            rows[key + "u"].append(economic_performance(v, sel, opt))
            rows[key + "o"].append(optimality(v, sel, opt))
        rows["f"].append(normal.followed)
    s = {k: np.array(val) for k, val in rows.items()}
    return Arms(
        s["mu"],
        s["tu"],
        s["xu"],
        s["f"],
        s["mo"],
        s["to"],
        s["xo"],
        economic_performance(v, alone, opt),
        optimality(v, alone, opt).astype(float),
    )


def perfect_learner_path(
    x: np.ndarray, y: np.ndarray, start: float, epsilon: float = 1e-6, max_steps: int = 100
) -> dict:
    """The perfect learner's path ``u ← Φ(u)`` within the measured points (the paper's reading).

    Φ is the linear interpolation of the points ``(x, y)``. The path starts at
    ``start`` and stops when a step changes ``u`` by less than ``epsilon``
    (a stable point inside the measured range) or when ``Φ(u)`` leaves
    ``[min x, max x]`` (then the end is *beyond the measured range*: no
    extrapolation).

    Returns
    -------
    dict
        ``path`` (the utilities visited), ``end`` (the last one inside the
        range), ``status`` (``"stable"``, ``"leaves_above"``,
        ``"leaves_below"`` or ``"max_steps"``).
    """
    order = np.argsort(x)
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    u = float(start)
    path = [u]
    for _ in range(int(max_steps)):
        nxt = float(np.interp(u, xs, ys))
        if nxt > xs[-1] or nxt < xs[0]:
            return {
                "path": path,
                "end": u,
                "next": nxt,
                "status": "leaves_above" if nxt > xs[-1] else "leaves_below",
            }
        path.append(nxt)
        if abs(nxt - u) < epsilon:
            return {"path": path, "end": nxt, "next": nxt, "status": "stable"}
        u = nxt
    return {"path": path, "end": u, "next": u, "status": "max_steps"}


def figures(arms: Arms, names: Sequence[str], idx: np.ndarray | None = None) -> dict[str, float]:
    """Every figure of the study from ``arms`` on the instances ``idx`` (all by default).

    ``names`` names the rungs (``q1`` …), in the order of ``arms``' rows.
    """
    idx = np.arange(arms.alone.size) if idx is None else idx
    mean = {
        key: getattr(arms, key)[:, idx].mean(axis=1)
        for key in ("model_u", "team_u", "max_u", "followed", "model_opt", "team_opt", "max_opt")
    }
    worse = arms.worse[:, idx].mean(axis=1)
    out: dict[str, float] = {
        "humans_alone": float(arms.alone[idx].mean()),
        "humans_alone_optimality": float(arms.alone_opt[idx].mean()),
    }
    for k, name in enumerate(names):
        out[f"model_{name}"] = float(mean["model_u"][k])
        out[f"phi_{name}"] = float(mean["team_u"][k])
        out[f"delta_{name}"] = float(mean["team_u"][k] - mean["model_u"][k])
        out[f"max_pick_phi_{name}"] = float(mean["max_u"][k])
        out[f"follow_rate_{name}"] = float(mean["followed"][k])
        out[f"worse_than_recommendation_{name}"] = float(worse[k])
        out[f"optimality_model_{name}"] = float(mean["model_opt"][k])
        out[f"optimality_phi_{name}"] = float(mean["team_opt"][k])
        out[f"optimality_max_pick_phi_{name}"] = float(mean["max_opt"][k])
    return out


def interval_row(
    key: str, value: float, low: float, high: float, paper: float | None
) -> dict[str, float | str | bool | None]:
    """An interval object, with whether the paper's value lies in ``[low, high]``."""
    return {
        "id": key,
        "paper": paper,
        "hmlsim": float(value),
        "ci_low": float(low),
        "ci_high": float(high),
        "paper_in_ci": None if paper is None else bool(low <= paper <= high),
    }


def across_paths(key: str, values: Sequence[float], paper: float | None) -> dict:
    """Mean over loop paths with a Student-t 95% interval (paths are independent runs)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    half = (
        float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
        if v.size > 1
        else 0.0
    )
    return interval_row(key, m, m - half, m + half, paper)
