"""Predictions of the knapsack study, with confidence intervals, beside the paper.

Once the solvers are calibrated (:mod:`hmlsim.knapsack.calibration`: humans
alone and one rung), every other figure is *predicted*: Φ and Δ at the other
rungs, max-pick Φ, the follow rates, the share of submissions worse than the
recommendation, the bonus arms, the optimality utility (the paper's A.4) and
the stable point a perfect learner reaches from the lowest rung.

Each figure's interval combines two sources of uncertainty, as independent
normal errors (central value ± 1.96 · √(sd_instances² + sd_calibration²)):

- *instances*: a paired bootstrap over the evaluation instances (the same
  resample for every rung, so differences keep their pairing);
- *calibration*: the fit is repeated with its targets drawn from normal
  distributions around the paper's figures, with the standard errors those
  figures have with the paper's sample sizes (:func:`target_se`; user
  clustering is ignored, so these errors are lower bounds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve
from hmlsim.knapsack.utility import economic_performance, optimality

#: the paper's published figures that the simulation predicts (None: only in a figure)
PAPER_FIGURES: dict[str, float] = {
    "phi_q1": 0.894,
    "delta_q1": 0.175,
    "phi_q6": 0.926,
    "delta_q6": 0.005,
    "stable_point": 0.92,
    "loop_model_utility": 0.92,
    "loop_team_utility": 0.92,
    "humans_alone_bonus_0": 0.897,
    "humans_alone_bonus_10": 0.900,
    "humans_alone_bonus_20": 0.886,
}
#: problems behind each of the paper's means (users × 10 problems; Table 1). The
#: 10-cent no-ML arm was run twice (N = 100 + 117); the arm with the quiz,
#: randomised with the ML arms, is taken to be the second.
PAPER_PROBLEMS = {
    "humans_alone": 1170,
    "humans_alone_bonus_0": 1020,
    "humans_alone_bonus_2": 980,
    "humans_alone_bonus_10": 1000,
    "humans_alone_bonus_20": 960,
    **{f"phi_q{k + 1}": 10 * n for k, n in enumerate((64, 78, 194, 179, 70, 191))},
}
#: z of a two-sided 95% interval
Z95 = 1.959964


def target_se(per_case_sd: float, n_problems: int) -> float:
    """Standard error of a paper's mean over ``n_problems`` problems (no clustering)."""
    return float(per_case_sd) / np.sqrt(max(int(n_problems), 1))


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


def path_limit(x: np.ndarray, y: np.ndarray, start: float, max_steps: int = 10_000) -> float:
    """Where the perfect learner's path u ← Φ(u) from ``start`` ends.

    Φ is the linear interpolation of the points ``(x, y)`` (constant beyond
    them, as the paper's approximation), so the path stops at the first
    stable point it meets.
    """
    order = np.argsort(x)
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    u = float(start)
    for _ in range(max_steps):
        nxt = float(np.interp(u, xs, ys))
        if abs(nxt - u) < 1e-10:
            break
        u = nxt
    return u


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
    start, start_opt = float(mean["model_u"].min()), float(mean["model_opt"].min())
    out["stable_point"] = path_limit(mean["model_u"], mean["team_u"], start)
    out["stable_point_max_pick"] = path_limit(mean["model_u"], mean["max_u"], start)
    out["optimality_stable_point"] = path_limit(mean["model_opt"], mean["team_opt"], start_opt)
    out["optimality_stable_point_max_pick"] = path_limit(
        mean["model_opt"], mean["max_opt"], start_opt
    )
    return out


def bootstrap_sd(
    arms: Arms, names: Sequence[str], rng: np.random.Generator, n_boot: int = 200
) -> dict[str, float]:
    """Standard deviation of every figure over a paired bootstrap of the instances."""
    n = arms.alone.size
    samples = [figures(arms, names, rng.integers(0, n, n)) for _ in range(int(n_boot))]
    return {key: float(np.std([s[key] for s in samples], ddof=1)) for key in samples[0]}


def calibration_sd(
    refit: Callable[[float, float], SolverParams],
    simulate: Callable[[SolverParams], Arms],
    names: Sequence[str],
    centre: tuple[float, float],
    se: tuple[float, float],
    rng: np.random.Generator,
    n_refits: int = 20,
) -> dict[str, float]:
    """Standard deviation of every figure over refits on targets drawn around the paper's.

    ``refit(alone, rung)`` returns fitted parameters; ``simulate(params)`` the arms.
    """
    samples = []
    for _ in range(int(n_refits)):
        alone, rung = rng.normal(centre, se)
        samples.append(figures(simulate(refit(float(alone), float(rung))), names))
    if len(samples) < 2:
        return {key: 0.0 for key in figures(simulate(refit(*centre)), names)}
    return {key: float(np.std([s[key] for s in samples], ddof=1)) for key in samples[0]}


def prediction_rows(
    central: dict[str, float],
    sd_instances: dict[str, float],
    sd_calibration: dict[str, float],
    fitted: Sequence[str],
    paper: dict[str, float] | None = None,
    paper_se: dict[str, float] | None = None,
) -> list[dict]:
    """One ``{"id", "paper", "hmlsim", "ci_low", "ci_high", …}`` per predicted figure.

    Figures named in ``fitted`` (the calibration targets) and the models' own
    utilities (``model_*``, ``optimality_model_*``: measured, not predicted)
    are left out. ``paper_in_ci`` is None where the paper gives no number;
    ``paper_se`` (by figure) adds the paper's own 95% interval.
    """
    paper = PAPER_FIGURES if paper is None else paper
    rows = []
    for key, value in central.items():
        if key in fitted or key.startswith(("model_", "optimality_model_")):
            continue
        if key in ("humans_alone", "humans_alone_optimality"):
            continue
        sd = float(np.hypot(sd_instances.get(key, 0.0), sd_calibration.get(key, 0.0)))
        row = interval_row(key, value, value - Z95 * sd, value + Z95 * sd, paper.get(key))
        se = (paper_se or {}).get(key)
        if row["paper"] is not None and se is not None:
            row["paper_ci_low"] = float(row["paper"] - Z95 * se)
            row["paper_ci_high"] = float(row["paper"] + Z95 * se)
            row["intervals_overlap"] = bool(
                row["paper_ci_low"] <= row["ci_high"] and row["ci_low"] <= row["paper_ci_high"]
            )
        rows.append(row)
    return rows


def interval_row(
    key: str, value: float, low: float, high: float, paper: float | None
) -> dict[str, float | str | bool | None]:
    """A prediction object, with whether the paper's value lies in ``[low, high]``."""
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
