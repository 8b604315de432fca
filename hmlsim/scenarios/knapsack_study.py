"""The knapsack study end to end: quality ladder, empirical Φ, performative loop.

The proof of concept of the performative human–ML collaboration paper (SPEC
part A), made a simulation:

1. hard 18-item instances and their DP optimum; the random-fill baseline;
2. a ladder of MLP recommenders of chosen quality (q1..q6) trained on
   optimally solved instances with label noise (:mod:`hmlsim.knapsack.ladder`);
3. simulated solvers (calibrated behaviour, :mod:`hmlsim.knapsack.solvers`)
   alone, under bonus arms, and with each model, normally and with max-pick:
   the empirical Φ with confidence intervals and its stable points
   (:mod:`hmlsim.dynamics`);
4. the performative loop (:mod:`hmlsim.knapsack.loop`) from several initial
   models, for several seeds, normal and max-pick: learning paths and the
   stable point each reaches.

Measured on 2 CPU cores (``docs/knapsack.md``): full size 198 s, ``--quick`` 15 s.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError, check_positive, check_probability
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.knapsack.calibration import Targets, calibrate
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.ladder import PAPER_QUALITIES, train_ladder
from hmlsim.knapsack.loop import LoopSettings, is_stable, run_loop
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve
from hmlsim.knapsack.utility import economic_performance, random_fill
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads

log = logging.getLogger(__name__)

#: the paper's measured Φ points (Table 1 / Section 5): (model utility, human+ML utility)
PAPER_PHI = ((0.717, 0.894), (0.920, 0.926))
#: the paper's humans alone (10-cent arm with quiz, no bonus arm)
PAPER_ALONE = (0.909, 0.897)


@dataclass(frozen=True)
class Config:
    """The knapsack study (defaults: full size).

    Attributes
    ----------
    seed : int
        Master seed of every draw.
    n_items : int
        Items per instance.
    n_train, n_valid : int
        Instances to train the ladder on and to measure its qualities.
    qualities : tuple of float
        Target model qualities (the paper's q1..q6).
    n_eval : int
        Instances solved per model to estimate Φ.
    bonuses : tuple of float
        Bonus arms (cents per percentage point) for humans alone.
    calibrate : bool
        Refit the solver parameters (on the ``n_eval`` instances, with the
        lowest and highest rung) to the targets below instead of using the
        calibrated defaults.
    target_alone, target_low, target_high : float
        Calibration targets: humans alone, with the lowest and the highest rung.
    loop_starts : tuple of float
        Ladder qualities the performative loops start from (nearest rung).
    n_seeds : int
        Loop repetitions per start and variant.
    n_cases, max_epochs, epsilon, patience, train_epochs : int / float
        The firm's loop (see :class:`~hmlsim.knapsack.loop.LoopSettings`).
    ladder_epochs : int
        Training epochs of each ladder model.
    device : str
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    torch_threads : int
        Torch CPU threads during the run (restored afterwards); 0 = leave as set.
        One thread is fastest for this small network: on a loaded 2-core
        machine two threads made one training 20× slower.
    """

    seed: int = 0
    n_items: int = 18
    n_train: int = 4096
    n_valid: int = 2000
    qualities: tuple[float, ...] = PAPER_QUALITIES
    n_eval: int = 4000
    bonuses: tuple[float, ...] = (0.0, 2.0, 10.0, 20.0)
    calibrate: bool = False
    target_alone: float = 0.90
    target_low: float = 0.894
    target_high: float = 0.926
    loop_starts: tuple[float, ...] = (0.717, 0.844)
    n_seeds: int = 3
    n_cases: int = 2000
    max_epochs: int = 10
    epsilon: float = 0.005
    patience: int = 2
    train_epochs: int = 10
    ladder_epochs: int = 10
    device: str = "cpu"
    torch_threads: int = 1

    def __post_init__(self) -> None:
        for name in (
            "n_items",
            "n_train",
            "n_valid",
            "n_eval",
            "n_seeds",
            "n_cases",
            "max_epochs",
            "patience",
            "train_epochs",
            "ladder_epochs",
        ):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {value!r}")
        if self.n_valid < 10 or self.n_eval < 10:
            raise ConfigError("n_eval", "n_valid and n_eval must be >= 10")
        if not self.qualities:
            raise ConfigError("qualities", "give at least one quality")
        for q in (*self.qualities, *self.loop_starts):
            if not 0.0 < q <= 1.0:
                raise ConfigError(
                    "qualities", f"qualities and loop_starts must lie in (0, 1]; got {q!r}"
                )
        if not self.loop_starts:
            raise ConfigError("loop_starts", "give at least one start quality")
        for b in self.bonuses:
            if b < 0:
                raise ConfigError("bonuses", f"must be >= 0 cents, got {b!r}")
        for name in ("target_alone", "target_low", "target_high"):
            check_probability(name, getattr(self, name))
        check_positive("epsilon", self.epsilon)
        if int(self.torch_threads) != self.torch_threads or self.torch_threads < 0:
            raise ConfigError(
                "torch_threads", f"must be an integer >= 0, got {self.torch_threads!r}"
            )
        if self.device not in ("cpu", "cuda", "auto"):
            raise ConfigError("device", f"must be cpu, cuda or auto; got {self.device!r}")


#: the small size for tests and CI (≈ 15 s on 2 cores)
QUICK = {
    "n_train": 512,
    "n_valid": 500,
    "n_eval": 1000,
    "loop_starts": (0.717,),
    "n_seeds": 2,
    "n_cases": 500,
    "max_epochs": 4,
}


def _phi_points(model_u: np.ndarray, team_u: np.ndarray, rung: np.ndarray, seed: int, name: str):
    from hmlsim.dynamics import EmpiricalPhi

    return EmpiricalPhi.from_samples(
        model_u, team_u, groups=rung, rng=make_rng(seed, name), name=name
    )


def _stable_points(phi) -> list[dict]:
    from hmlsim.dynamics import find_stable_points

    return [{"u": p.u, "phi": p.phi, "kind": p.kind} for p in find_stable_points(phi)]


def run(config: Config) -> ScenarioResult:
    """Run the study (no file I/O); see the module docstring."""
    with limited_threads(int(config.torch_threads) or None):
        return _run(config)


def _run(config: Config) -> ScenarioResult:
    started = time.perf_counter()
    seed = config.seed
    gen = {"n_items": config.n_items}

    # 1. instances and the random-fill baseline
    eval_rng = make_rng(seed, "eval")
    evaluation = generate_instances(config.n_eval, eval_rng, **gen)
    rf = economic_performance(
        evaluation.values,
        random_fill(evaluation.weights, evaluation.capacity, eval_rng),
        evaluation.optimum,
    )

    # 2. the quality ladder
    ladder_rng = make_rng(seed, "ladder")
    train = generate_instances(config.n_train, ladder_rng, **gen)
    valid = generate_instances(config.n_valid, ladder_rng, **gen)
    rungs = train_ladder(
        train,
        valid,
        ladder_rng,
        tuple(config.qualities),
        epochs=config.ladder_epochs,
        device=config.device,
    )
    log.info("ladder: %s", [round(r.quality, 3) for r in rungs])
    # targets above what clean labels reach share the clean model: one Φ point per model
    models = list({r.label_noise: r for r in rungs}.values())
    models.sort(key=lambda r: -r.label_noise)
    recs = [r.model.predict(evaluation) for r in models]

    # 3. solvers: calibration (optional), alone, bonus arms, Φ and max-pick Φ
    params = SolverParams()
    calibration = None
    if config.calibrate:
        calibration = calibrate(
            evaluation,
            recs[0],
            recs[-1],
            Targets(config.target_alone, config.target_low, config.target_high),
            rng=make_rng(seed, "calibration"),
        )
        params = calibration.params
    draws = SolverDraws.draw(evaluation.weights.shape, make_rng(seed, "experts"))
    alone = {
        b: economic_performance(
            evaluation.values,
            solve(evaluation, None, params, bonus=b, draws=draws).selection,
            evaluation.optimum,
        )
        for b in config.bonuses
    }
    model_u, team_u, max_u, rung_id, followed = [], [], [], [], []
    for k, rec in enumerate(recs):
        normal = solve(evaluation, rec, params, draws=draws)
        picked = solve(evaluation, rec, params, draws=draws, max_pick=True)
        model_u.append(economic_performance(evaluation.values, rec, evaluation.optimum))
        team_u.append(economic_performance(evaluation.values, normal.selection, evaluation.optimum))
        max_u.append(economic_performance(evaluation.values, picked.selection, evaluation.optimum))
        rung_id.append(np.full(len(evaluation), k))
        followed.append(normal.followed)
    model_u, team_u, max_u = map(np.concatenate, (model_u, team_u, max_u))
    rung_id, followed = np.concatenate(rung_id), np.concatenate(followed)
    phi = _phi_points(model_u, team_u, rung_id, seed, "human+ML")
    phi_max = _phi_points(model_u, max_u, rung_id, seed, "max-pick")
    worse = team_u < model_u - 1e-12

    # 4. the performative loop
    loop_rows, end_rows = [], []
    for start in config.loop_starts:
        k = int(np.argmin([abs(r.target - start) for r in rungs]))
        for variant in ("human+ML", "max-pick"):
            settings = LoopSettings(
                n_cases=config.n_cases,
                max_epochs=config.max_epochs,
                epsilon=config.epsilon,
                patience=config.patience,
                max_pick=variant == "max-pick",
                train_epochs=config.train_epochs,
                device=config.device,
            )
            for rep in range(config.n_seeds):
                path = run_loop(
                    rungs[k].model, params, make_rng(seed, "loop", k, variant, rep), settings
                )
                table = path.table().assign(
                    start=start, start_quality=rungs[k].quality, variant=variant, repetition=rep
                )
                loop_rows.append(table)
                m_end, t_end = path.stable_point(config.patience)
                end_rows.append(
                    {
                        "start": start,
                        "start_quality": rungs[k].quality,
                        "variant": variant,
                        "repetition": rep,
                        "epochs": len(path.epochs),
                        "converged": path.converged,
                        "model_utility": m_end,
                        "team_utility": t_end,
                        "on_45_line": is_stable(m_end, t_end, config.epsilon),
                    }
                )
                log.info("loop %s from %.3f rep %d: %.4f / %.4f", variant, start, rep, m_end, t_end)
    paths = pd.concat(loop_rows, ignore_index=True)
    ends = pd.DataFrame(end_rows)

    def loop_summary(variant: str) -> dict:
        sel = ends[ends.variant == variant]
        return {
            "model_utility": float(sel.model_utility.mean()),
            "model_utility_sd": float(sel.model_utility.std(ddof=1)) if len(sel) > 1 else 0.0,
            "team_utility": float(sel.team_utility.mean()),
            "team_utility_sd": float(sel.team_utility.std(ddof=1)) if len(sel) > 1 else 0.0,
            "n_paths": len(sel),
            "converged": int(sel.converged.sum()),
        }

    ladder = pd.DataFrame(
        [
            {
                "target": r.target,
                "label_noise": r.label_noise,
                "quality_valid": r.quality,
                "quality_sd_valid": r.quality_sd,
            }
            for r in rungs
        ]
    )
    phi_table = phi.table().assign(variant="human+ML")
    phi_max_table = phi_max.table().assign(variant="max-pick")
    order = np.argsort([model_u[rung_id == k].mean() for k in range(len(models))])
    extra = pd.DataFrame(
        {
            "target": [models[k].target for k in order],
            "label_noise": [models[k].label_noise for k in order],
            "follow_rate": [followed[rung_id == k].mean() for k in order],
            "worse_than_recommendation": [worse[rung_id == k].mean() for k in order],
            "model_utility_sd": [model_u[rung_id == k].std() for k in order],
        }
    )
    phi_all = pd.concat(
        [pd.concat([phi_table, extra], axis=1), pd.concat([phi_max_table, extra], axis=1)],
        ignore_index=True,
    )
    phi_all = phi_all.assign(seed=seed, n_eval=config.n_eval)
    alone_table = pd.DataFrame(
        [
            {"bonus_cents": b, "utility": float(v.mean()), "sd": float(v.std()), "n": v.size}
            for b, v in alone.items()
        ]
    )
    summary = {
        "random_fill_mean": float(rf.mean()),
        "ladder_quality": [float(r.quality) for r in rungs],
        "humans_alone": float(alone[config.bonuses[0]].mean()) if config.bonuses else None,
        "bonus_arms": {str(b): float(v.mean()) for b, v in alone.items()},
        "phi": [[float(a), float(b)] for a, b in zip(phi.x, phi.y, strict=True)],
        "phi_ci": [[float(a), float(b)] for a, b in zip(phi.team_lo, phi.team_hi, strict=True)],
        "phi_max_pick": [[float(a), float(b)] for a, b in zip(phi_max.x, phi_max.y, strict=True)],
        "phi_stable_points": _stable_points(phi),
        "phi_max_pick_stable_points": _stable_points(phi_max),
        "stable_point": loop_summary("human+ML"),
        "stable_point_max_pick": loop_summary("max-pick"),
        "solver_params": vars(params).copy(),
        "paper": {"phi": [list(p) for p in PAPER_PHI], "alone": list(PAPER_ALONE)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    if calibration is not None:
        summary["calibration"] = calibration.achieved
    return ScenarioResult(
        summary=summary,
        tables={
            "ladder": ladder.assign(seed=seed),
            "phi": phi_all,
            "humans_alone": alone_table.assign(seed=seed),
            "learning_paths": paths.assign(seed=seed),
            "stable_points": ends.assign(seed=seed),
        },
        artifacts={"phi": phi, "phi_max": phi_max, "paths": paths, "ends": ends},
    )


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """Φ against the 45° line (with the paper's points) and the learning paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    out_dir = Path(out_dir)
    written = []
    phi, phi_max = result.artifacts["phi"], result.artifacts["phi_max"]
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0.5, 1], [0.5, 1], color="grey", lw=1, label="45° line")
    for est, colour, label in (
        (phi, "tab:blue", "human+ML (simulated)"),
        (phi_max, "tab:green", "max-pick (simulated)"),
    ):
        y = np.asarray(est.y)
        err = np.vstack([y - np.asarray(est.team_lo), np.asarray(est.team_hi) - y])
        ax.errorbar(
            est.x,
            y,
            yerr=err,
            color=colour,
            marker="o",
            capsize=3,
            label=label,
            ls="--" if "max" in label else "-",
        )
    alone = result.summary.get("humans_alone")
    if alone is not None:
        ax.axhline(alone, color="tab:orange", ls=":", label="humans alone (simulated)")
    px, py = zip(*PAPER_PHI, strict=True)
    ax.scatter(px, py, marker="*", s=160, color="black", zorder=5, label="paper")
    ax.set_xlim(0.55, 1.0)
    ax.set_ylim(0.55, 1.0)
    ax.set_xlabel("model utility u (economic performance)")
    ax.set_ylabel("team utility Φ(u)")
    ax.set_title("Collaborative characteristic function")
    ax.legend(loc="lower right", fontsize=8)
    path = out_dir / "phi.png"
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)

    paths = result.artifacts["paths"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    starts = sorted(paths.start.unique())
    colours = dict(zip(starts, plt.cm.tab10.colors, strict=False))
    for ax, variant in zip(axes, ("human+ML", "max-pick"), strict=True):
        sel = paths[paths.variant == variant]
        for (start, rep), group in sel.groupby(["start", "repetition"]):
            first = rep == sel.repetition.min()
            ax.plot(
                group.epoch,
                group.model_utility,
                marker="o",
                ms=3,
                lw=1,
                color=colours[start],
                label=f"model, start {start:.2f}" if first else None,
            )
            ax.plot(
                group.epoch,
                group.team_utility,
                ls="--",
                lw=1,
                color=colours[start],
                label=f"team, start {start:.2f}" if first else None,
            )
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.axhline(0.92, color="black", lw=0.8, ls=":", label="paper's stable point 0.92")
        ax.set_title(f"Learning paths ({variant})")
        ax.set_xlabel("deployment epoch t")
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("utility")
    fig.tight_layout()
    path = out_dir / "learning_paths.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)
    return written
