"""One learning path through a measured Φ: where does a firm's model settle from u_0?

A small, fast scenario made for sweeps over the dynamics' parameters (start
utility, learner tilt λ, ε, retraining noise). Φ is tabulated from measured
``MODEL:TEAM`` utility pairs (default: the knapsack study's q1 and q6 points,
SPEC A) and the firm's model follows u_{t+1} = ℓ(Φ(u_t)) with the tilted
learner ℓ(v) = min(1, λ·v) (A.7) until |ℓ(Φ(u_t)) − u_t| < ε.

With ``noise > 0`` each retrained model's utility also gets a Gaussian error of
that standard deviation (a model fitted to a finite label set), clipped to
[0, 1]; the path then stops at the first u_t whose noiseless step is below ε,
or after ``max_steps``. The noise is drawn from ``seed`` only.

Tables: ``path`` (one row per deployment: t, model utility, Φ, Δ) and
``stable`` (one row: the configuration, ``path_end`` — the utility where the
path stopped, within ε of a stable point but not on it — ``stable_point`` — the
exact stable point of ℓ ∘ Φ nearest that end, see ``docs/dynamics.md`` —
steps and converged). The summary also lists every stable point with its kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.dynamics.characteristic import EXTRAPOLATE, TabulatedPhi, parse_points
from hmlsim.dynamics.fixed_points import find_stable_points
from hmlsim.dynamics.learners import check_learner_tilt, learning_map, make_learner
from hmlsim.dynamics.paths import learning_path
from hmlsim.errors import (
    ConfigError,
    check_choice,
    check_number,
    check_probability,
)
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.experiments.summary_table import number, text_table
from hmlsim.outputs import save_figure
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)

#: Φ at the lowest and highest model quality of the knapsack study (SPEC A, Table 1)
PAPER_POINTS = "0.717:0.894,0.920:0.926"


@dataclass(frozen=True)
class Config:
    """One learning path.

    Parameters
    ----------
    points : str
        Measured Φ as ``MODEL:TEAM`` utility pairs, comma-separated.
    extrapolate : {"clip", "linear", "identity", "error"}
        Φ outside the measured range (see :class:`~hmlsim.dynamics.characteristic.TabulatedPhi`).
    start : float
        u_0, the utility of the first deployed model, in [0, 1].
    tilt : float
        The learner's transfer factor λ > 0 (1 = perfect learner).
    epsilon : float
        Smallest meaningful change of utility, in (0, 1] (the stopping threshold).
    noise : float
        Standard deviation (in [0, 1]) of the retraining error added to each new model's utility.
    max_steps : int
        Most deployments after the first (>= 1).
    seed : int
        Seed of the retraining noise.
    """

    points: str = PAPER_POINTS
    extrapolate: str = "clip"
    start: float = 0.717
    tilt: float = 1.0
    epsilon: float = 0.001
    noise: float = 0.0
    max_steps: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        parse_points(self.points, "points")
        check_choice("extrapolate", self.extrapolate, EXTRAPOLATE)
        check_probability("start", self.start)
        check_learner_tilt("tilt", self.tilt)
        check_number("epsilon", self.epsilon, minimum=0.0, strict_minimum=True, maximum=1.0)
        # utilities lie in [0, 1]: a larger standard deviation only clips every step
        check_number("noise", self.noise, minimum=0.0, maximum=1.0)
        if isinstance(self.max_steps, bool) or not isinstance(self.max_steps, int):
            raise ConfigError("max_steps", f"must be an integer >= 1, got {self.max_steps!r}")
        if self.max_steps < 1:
            raise ConfigError("max_steps", f"must be >= 1, got {self.max_steps!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed", f"must be an integer >= 0, got {self.seed!r}")


#: ``--help``: what each field means, its unit and range
HELP: dict[str, str] = {
    "points": "the measured Φ: MODEL:TEAM utility pairs, each in [0, 1], increasing model "
    "utility, comma-separated (default: the knapsack study's q1 and q6 points)",
    "extrapolate": "Φ outside the measured range: clip (constant at the end values), linear "
    "(end segments extended), identity (Φ(u) = u) or error",
    "start": "u_0, the utility of the first deployed model, in [0, 1]",
    "tilt": "the learner's transfer factor λ > 0, u' = min(1, λΦ(u)) (1: a perfect learner)",
    "epsilon": "smallest meaningful change of utility, in (0, 1]: the path stops at a smaller step",
    "noise": "standard deviation in [0, 1] of the retraining error added to each new model's "
    "utility (0: none)",
    "max_steps": "most deployments after the first (1..1,000,000)",
    "seed": "seed of the retraining noise (0..2^63-1)",
}

QUICK: dict[str, object] = {"max_steps": 100, "epsilon": 0.005}


def _noisy_path(phi: TabulatedPhi, config: Config) -> tuple[np.ndarray, bool]:
    rng = make_rng(config.seed)
    step = learning_map(phi, make_learner(config.tilt))
    utilities = [config.start]
    u = config.start
    for _ in range(config.max_steps):
        clean = float(step(u))
        if abs(clean - u) < config.epsilon:
            return np.asarray(utilities), True
        u = float(np.clip(clean + rng.normal(0.0, config.noise), 0.0, 1.0))
        utilities.append(u)
    return np.asarray(utilities), bool(abs(float(step(u)) - u) < config.epsilon)


def run(config: Config) -> ScenarioResult:
    """Follow the learning path and report where it settles."""
    xs, ys = parse_points(config.points, "points")
    phi = TabulatedPhi(xs, ys, extrapolate=config.extrapolate)
    if config.noise == 0.0:
        path = learning_path(
            phi,
            config.start,
            learner=make_learner(config.tilt),
            epsilon=config.epsilon,
            max_steps=config.max_steps,
        )
        utilities, converged = path.as_array(), path.converged
    else:
        utilities, converged = _noisy_path(phi, config)
    team = np.asarray(phi(utilities), dtype=float)
    path_table = pd.DataFrame(
        {
            "t": np.arange(utilities.size),
            "model_utility": utilities,
            "team_utility": team,
            "delta": team - utilities,
        }
    )
    path_end = float(utilities[-1])
    points = find_stable_points(phi, make_learner(config.tilt))
    nearest = min(points, key=lambda p: abs(p.u - path_end), default=None)
    stable_point = None if nearest is None else float(nearest.u)
    stable = pd.DataFrame(
        [
            {
                "start": config.start,
                "tilt": config.tilt,
                "epsilon": config.epsilon,
                "noise": config.noise,
                "path_end": path_end,
                "stable_point": stable_point,
                "steps": int(utilities.size - 1),
                "converged": bool(converged),
            }
        ]
    )
    log.info(
        "u0=%.3f tilt=%.3f -> %.4f after %d steps",
        config.start,
        config.tilt,
        path_end,
        utilities.size - 1,
    )
    summary = {
        "points": config.points,
        "tilt": config.tilt,
        "start": config.start,
        "path_end": path_end,
        "steps": int(utilities.size - 1),
        "converged": bool(converged),
        "stable_point": stable_point,
        "stable_points": [{"u": float(p.u), "kind": p.kind} for p in points],
    }
    return ScenarioResult(
        summary=summary, tables={"path": path_table, "stable": stable}, artifacts={"phi": phi}
    )


def headline(summary: dict) -> str:
    """The path's start and end beside the stable point it approaches."""
    status = "within ε of a stable point" if summary["converged"] else "not converged"
    rows = [
        {"quantity": "start u_0", "value": number(summary["start"], 4)},
        {
            "quantity": f"path end ({summary['steps']} steps, {status})",
            "value": number(summary["path_end"], 4),
        },
        *(
            {"quantity": f"stable point ({p['kind']})", "value": number(p["u"], 4)}
            for p in summary["stable_points"]
        ),
    ]
    lines = [
        f"Φ through {summary['points']}, learner tilt λ = {summary['tilt']:g}",
        text_table(rows),
    ]
    if summary["points"] == PAPER_POINTS and summary["tilt"] == 1.0:
        lines.append(
            "  paper (knapsack study, Φ through q1 and q6): stable point 0.926, attracting"
        )
    return "\n".join(lines)


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """The learning path: model utility per deployment, with Φ of each model."""
    from matplotlib.figure import Figure

    path = result.tables["path"]
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(path["t"], path["model_utility"], marker="o", ms=3, label="model u_t")
    ax.plot(path["t"], path["team_utility"], marker=".", ms=3, alpha=0.7, label="Φ(u_t)")
    ax.set_xlabel("deployment t")
    ax.set_ylabel("utility")
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    out = Path(out_dir) / "learning_path.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out, dpi=120)
    return [out]
