"""The knapsack study: calibrate on humans alone, predict the paper's claims with a band.

The proof of concept of the performative human–ML collaboration paper (SPEC
part A), made a simulation whose numbers are predictions, not inputs:

1. 18-item instances from the paper's generator (Algorithm 1 / A.10: strongly
   but imperfectly correlated weights and values, tied optimal item sets
   kept; ``generator="paper"``) or a named variant
   (:data:`~hmlsim.knapsack.instances.GENERATORS`);
2. a ladder of MLP recommenders of the paper's qualities q1..q6 (Table 1),
   trained on optimally solved instances with label noise, each rung within
   0.005 of the paper's mean on the evaluation instances
   (:mod:`hmlsim.knapsack.ladder`);
3. the simulated solvers' ``noise`` fitted to humans alone only
   (:mod:`hmlsim.knapsack.calibration`); every other behaviour constant is
   varied over a band declared here (``band_*``) with the noise refitted at
   every point (:mod:`hmlsim.knapsack.band`);
4. one prediction per claim of the ledger
   ``hmlsim/reproduce/ledger/knapsack.toml``: central value, band, simulation
   SE, the paper's SE derived from its text, and a verdict
   (:mod:`hmlsim.knapsack.claims`); the stable point read as the paper reads
   it, within the measured rungs;
5. learning curves of the recommender on optimal vs human labels
   (:mod:`hmlsim.knapsack.headroom`);
6. two readings of the loop, labelled: the paper's perfect learner
   ``u ← Φ(u)`` on the measured points, and the MLP retrained on the team's
   labels (:mod:`hmlsim.knapsack.loop`), each end tested on the 45° line.

Run times on the project's machine are in ``docs/knapsack.md``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError
from hmlsim.experiments.progress import progress
from hmlsim.experiments.scenario import ScenarioResult, to_jsonable
from hmlsim.knapsack.headroom import learning_curve
from hmlsim.knapsack.instances import (
    generate_instances,
)
from hmlsim.knapsack.ladder import PAPER_QUALITIES, PAPER_SDS, train_ladder
from hmlsim.knapsack.plots import PAPER_PHI, plot_curve, plot_paths, plot_phi
from hmlsim.knapsack.prediction import across_paths, perfect_learner_path
from hmlsim.knapsack.solvers import solve
from hmlsim.knapsack.steps import (
    label_starts,
    loop_summary,
    predict_with_band,
    run_loops,
    rung_line_tests,
)
from hmlsim.knapsack.utility import economic_performance, random_fill
from hmlsim.scenarios._knapsack_config import QUICK, Config
from hmlsim.scenarios._knapsack_text import HELP, headline
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads

log = logging.getLogger(__name__)

__all__ = ["HELP", "QUICK", "Config", "headline", "plot", "run"]

#: the paper's humans alone (10-cent arm with quiz, no bonus arm)
PAPER_ALONE_ARMS = (0.909, 0.897)


def _phi(model_u: np.ndarray, team_u: np.ndarray, seed: int, name: str):
    """EmpiricalPhi over the rungs (arrays of shape (K, B)) and its stable points.

    :func:`~hmlsim.dynamics.find_stable_points` holds Φ constant beyond the last
    rung, so its points may lie beyond the measured range (an extrapolation,
    summarised as ``*_flat_beyond_rungs``); the prediction of the stable point
    is the claim ``stable_point`` (:func:`hmlsim.knapsack.claims.stable_rung`).
    """
    from hmlsim.dynamics import EmpiricalPhi, find_stable_points

    # rungs that share a model (or a mean utility) are one point of Φ
    _, rung_group = np.unique(model_u.mean(axis=1), return_inverse=True)
    groups = np.repeat(rung_group.ravel(), model_u.shape[1])
    try:
        phi = EmpiricalPhi.from_samples(
            model_u.ravel(), team_u.ravel(), groups=groups, rng=make_rng(seed, name), name=name
        )
    except ConfigError as err:  # e.g. two rungs with the same mean optimality
        log.warning("Φ %s not estimated: %s", name, err)
        return None, []
    points = [{"u": p.u, "phi": p.phi, "kind": p.kind} for p in find_stable_points(phi)]
    return phi, points


def _pairs(est, first: str, second: str) -> list[list[float]]:
    """``[[a, b], …]`` of two attributes of an EmpiricalPhi (empty when not estimated)."""
    if est is None:
        return []
    return [
        [float(a), float(b)] for a, b in zip(getattr(est, first), getattr(est, second), strict=True)
    ]


def _loop_readings(config: Config, central: dict, names: list[str], ends: pd.DataFrame) -> dict:
    """The two readings of the loop, labelled: the paper's perfect learner and the MLP loop."""
    u = np.array([central[f"model_{n}"] for n in names])
    readings = {}
    for variant, key in (("human+ML", "phi"), ("max-pick", "max_pick_phi")):
        y = np.array([central[f"{key}_{n}"] for n in names])
        path = perfect_learner_path(u, y, float(u.min()))
        readings[f"perfect_learner_{variant}"] = {
            "label": "the paper's reading: perfect learner u <- Φ(u) on the measured rungs "
            "(linear interpolation), from the lowest rung; no extrapolation",
            **path,
        }
        sel = ends[ends.variant == variant]
        readings[f"mlp_loop_{variant}"] = {
            "label": f"MLP ({config.loop_learner}) retrained each epoch on the team's "
            f"{config.n_cases} submitted solutions (an imperfect learner), from "
            f"{', '.join(f'{q:g}' for q in config.loop_starts)}",
            "model_utility": across_paths("model_utility", sel.model_utility, None),
            "team_utility": across_paths("team_utility", sel.team_utility, None),
            "on_45_line": int(sel.on_45_line.sum()),
            "n_paths": len(sel),
        }
    return readings


def _prediction_table(predictions: list[dict]) -> pd.DataFrame:
    """The predictions as one flat table (lists and dicts as text)."""
    rows = []
    for p in predictions:
        row = {}
        for k, v in p.items():
            if k == "paper_se":
                row["paper_se"] = v.get("value")
                row["paper_se_source"] = v.get("source")
            elif isinstance(v, (list, tuple, dict)):
                row[k] = json.dumps(to_jsonable(v))
            else:
                row[k] = v
        rows.append(row)
    return pd.DataFrame(rows)


#: the study's stages, as its progress bar names them
STAGES = (
    "instances",
    "ladder",
    "calibration_and_predictions",
    "learning_curves",
    "loops",
)


def run(config: Config) -> ScenarioResult:
    """Run the study (no file I/O); see the module docstring."""
    with (
        limited_threads(int(config.torch_threads)),
        progress(len(STAGES), Path(__file__).stem, unit="stage") as bar,
    ):
        return _run(config, bar)


def _run(config: Config, bar) -> ScenarioResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    bar.set_postfix_str(STAGES[0])

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 1)
        following = STAGES.index(name) + 1
        bar.set_postfix_str(STAGES[following].replace("_", " ") if following < len(STAGES) else "")
        bar.update(1)

    seed, gen = config.seed, config.generator

    # 1. instances and the random-fill baseline
    eval_rng = make_rng(seed, "eval")
    evaluation = generate_instances(config.n_eval, eval_rng, **gen)
    rf = economic_performance(
        evaluation.values,
        random_fill(evaluation.weights, evaluation.capacity, eval_rng),
        evaluation.optimum,
    )

    lap("instances")

    # 2. the quality ladder (one model per rung q1..qK)
    ladder_rng = make_rng(seed, "ladder")
    train = generate_instances(config.n_train, ladder_rng, **gen)
    valid = generate_instances(config.n_valid, ladder_rng, **gen)
    rungs = train_ladder(  # measured on the evaluation instances: the rungs are inputs
        train,
        evaluation,
        ladder_rng,
        tuple(config.qualities),
        epochs=config.ladder_epochs,
        device=config.device,
    )
    log.info("ladder: %s", [round(r.quality, 3) for r in rungs])
    names = [f"q{k + 1}" for k in range(len(rungs))]
    recs = [r.model.predict(evaluation) for r in rungs]

    lap("ladder")

    # 3-4. calibration on humans alone; every claim at the centre, over the band, verdicts
    fit, arms, central, predictions, calibration, band_table = predict_with_band(
        config, evaluation, recs, names, seed
    )
    params = fit.params
    phi, phi_points = _phi(arms.model_u, arms.team_u, seed, "human+ML")
    phi_max, phi_max_points = _phi(arms.model_u, arms.max_u, seed, "max-pick")
    _, opt_points = _phi(arms.model_opt, arms.team_opt, seed, "optimality")
    _, opt_max_points = _phi(arms.model_opt, arms.max_opt, seed, "optimality max-pick")
    lines = rung_line_tests(arms, names, config.epsilon, seed)

    lap("calibration_and_predictions")

    # 5. learning curves: optimal vs the calibrated humans' labels
    humans = solve(train, None, params, make_rng(seed, "curve-humans")).selection
    curve = learning_curve(
        train,
        valid,
        {"optimal": train.solution, "humans": humans},
        config.curve_sizes,
        make_rng(seed, "curve"),
        epochs=config.ladder_epochs,
        device=config.device,
        learners=config.curve_learners,
    )

    lap("learning_curves")

    # 6. the performative loop
    extra = label_starts(config, train, valid, seed)
    paths, ends = run_loops(config, rungs, params, seed, extra)
    lap("loops")
    ends_ladder = ends[ends.first_model == "ladder"]
    loops = _loop_readings(config, central, names, ends_ladder)
    ladder = pd.DataFrame(
        [
            {
                "rung": n,
                "target": r.target,
                "label_noise": r.label_noise,
                "quality_eval": r.quality,
                "quality_sd_eval": r.quality_sd,
                "decoding": r.decoding,
                "paper_mean": p,
                "paper_sd": sd,
            }
            for n, r, p, sd in zip(names, rungs, PAPER_QUALITIES, PAPER_SDS, strict=False)
        ]
    )
    per_rung = pd.DataFrame(
        [
            {
                "rung": n,
                **{
                    k: central[f"{k}_{n}"]
                    for k in (
                        "model",
                        "phi",
                        "delta",
                        "max_pick_phi",
                        "follow_rate",
                        "worse_than_recommendation",
                        "inferior_not_following",
                        "loss_not_following",
                        "optimality_model",
                        "optimality_phi",
                        "optimality_max_pick_phi",
                    )
                },
            }
            for n in names
        ]
    )
    top = curve[curve.n_train == curve.n_train.max()]
    headroom = {
        learner: {
            f"{row.labels}_labels{suffix}": float(getattr(row, column))
            for row in group.itertuples()
            for suffix, column in (("", "quality_stop"), ("_skip", "quality_skip"))
        }
        for learner, group in top.groupby("learner")
    }
    summary = {
        "generator": {
            "name": config.generator_name,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in gen.items()},
            "value_weight_correlation": float(
                np.corrcoef(evaluation.weights.ravel(), evaluation.values.ravel())[0, 1]
            ),
            "share_with_several_optimal_sets": float(np.mean(evaluation.n_optimal > 1)),
        },
        "random_fill_mean": float(rf.mean()),
        "ladder": [
            {
                "rung": n,
                "quality": float(r.quality),
                "sd": float(r.quality_sd),
                "paper_mean": p,
                "paper_sd": sd,
                "decoding": r.decoding,
                "within_0.005": bool(abs(r.quality - p) <= 0.005),
            }
            for n, r, p, sd in zip(names, rungs, PAPER_QUALITIES, PAPER_SDS, strict=False)
        ],
        "ladder_quality": [float(r.quality) for r in rungs],
        "humans_alone": central["humans_alone"],
        "humans_alone_optimality": central["humans_alone_optimality"],
        "bonus_arms": {
            f"{b:g}": central["humans_alone"] + central.get(f"bonus_effect_{b:g}", 0.0)
            for b in config.bonuses
        },
        "calibration": calibration,
        "predictions": predictions,
        "verdicts": {p["id"]: p["verdict"] for p in predictions if p["kind"] == "result"},
        "phi_at_paper_q": {
            f"q{j + 1}": central.get(f"phi_at_paper_q{j + 1}") for j in range(len(names))
        },
        "phi": _pairs(phi, "x", "y"),
        "phi_ci": _pairs(phi, "team_lo", "team_hi"),
        "phi_max_pick": _pairs(phi_max, "x", "y"),
        "phi_stable_points_flat_beyond_rungs": phi_points,
        "phi_max_pick_stable_points_flat_beyond_rungs": phi_max_points,
        "optimality_stable_points_flat_beyond_rungs": opt_points,
        "optimality_max_pick_stable_points_flat_beyond_rungs": opt_max_points,
        "rungs_on_45_line": lines[lines.on_45_line].rung.tolist(),
        "loops": loops,
        "loop_end": loop_summary(ends, "human+ML"),
        "loop_end_max_pick": loop_summary(ends, "max-pick"),
        "loop_learner": config.loop_learner,
        "label_starts": {
            name: {
                "label_share_optimal": rung.target,
                "model_quality_valid": rung.quality,
                "loop_end": loop_summary(ends, "human+ML", name),
                "loop_end_max_pick": loop_summary(ends, "max-pick", name),
            }
            for name, rung in extra.items()
        },
        "headroom": {"n_train": int(curve.n_train.max()), **headroom},
        "solver_params": vars(params).copy(),
        "paper": {"phi": [list(p) for p in PAPER_PHI], "alone": list(PAPER_ALONE_ARMS)},
        "seconds": round(time.perf_counter() - started, 1),
        "timings_s": timings,
    }
    return ScenarioResult(
        summary=summary,
        tables={
            "ladder": ladder.assign(seed=seed),
            "phi": per_rung.assign(seed=seed, n_eval=config.n_eval),
            "predictions": _prediction_table(predictions),
            "band": band_table.assign(seed=seed),
            "line_tests": lines.assign(seed=seed, epsilon=config.epsilon),
            "learning_curve": curve.assign(seed=seed),
            "learning_paths": paths.assign(seed=seed),
            "loop_ends": ends.assign(seed=seed),
        },
        artifacts={"phi": phi, "phi_max": phi_max, "paths": paths, "ends": ends, "curve": curve},
    )


def _stable_marks(summary: dict) -> list[dict]:
    """The stable point read within the rungs, as :func:`plot_phi` marks it (none if none)."""
    claim = next((p for p in summary.get("predictions", []) if p["id"] == "stable_point"), None)
    u = None if claim is None else claim.get("stable_point_u")
    if u is None or not np.isfinite(u):
        return []
    return [{"id": "stable_point", "hmlsim": u, "ci_low": u, "ci_high": u}]


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """Φ against the 45° line, the learning paths and the learning curves."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir = Path(out_dir)
    art, alone = result.artifacts, result.summary.get("humans_alone")
    ends = art["ends"]
    ladder = ends[(ends.first_model == "ladder") & (ends.variant == "human+ML")]
    loop_end = (
        (float(ladder.model_utility.mean()), float(ladder.team_utility.mean()))
        if len(ladder)
        else None
    )
    return [
        plot_phi(
            art["phi"],
            art["phi_max"],
            alone,
            out_dir / "phi.png",
            predictions=_stable_marks(result.summary),
            loop_end=loop_end,
        ),
        plot_paths(art["paths"], out_dir / "learning_paths.png"),
        plot_curve(art["curve"], alone, out_dir / "learning_curve.png"),
    ]
