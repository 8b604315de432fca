"""The steps of the knapsack study that the scenario strings together.

:func:`calibrate_and_predict` (calibration on humans alone, predictions with
intervals), :func:`rung_line_tests` (each rung on the 45° line),
:func:`label_starts`, :func:`run_loops` and :func:`loop_summary` (the
performative loop, from the ladder's rungs and from models trained on partly
optimal labels). ``config``
is a :class:`hmlsim.scenarios.knapsack_study.Config`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from hmlsim.knapsack.calibration import Targets, calibrate
from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.ladder import Rung
from hmlsim.knapsack.learners import make_recommender
from hmlsim.knapsack.loop import LoopSettings, run_loop
from hmlsim.knapsack.prediction import (
    PAPER_PROBLEMS,
    Arms,
    bootstrap_sd,
    calibration_sd,
    figures,
    prediction_rows,
    simulate_arms,
    target_se,
)
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve
from hmlsim.knapsack.utility import economic_performance, fill_in_order
from hmlsim.model.stability import line_gap
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)


def calibrate_and_predict(config, evaluation: Instances, recs: list, names: list[str], seed: int):
    """Calibrate on humans alone (+ one rung); predict every other figure with intervals.

    Returns
    -------
    (CalibrationResult, Arms, dict, list of dict, dict)
        The fit, the per-instance outcomes, every figure's central value, the
        prediction objects and the ``calibration`` entry of the summary.
    """
    draws = SolverDraws.draw(evaluation.weights.shape, make_rng(seed, "experts"))
    rung = config.calibration_rung
    k_rung = names.index(rung) if rung is not None else None
    rec_rung = recs[k_rung] if rung is not None else None

    def refit(alone: float, rung_target: float) -> SolverParams:
        targets = Targets(alone, None if rung is None else rung_target, rung or "none")
        return calibrate(evaluation, rec_rung, targets, draws=draws).params

    fit = calibrate(
        evaluation,
        rec_rung,
        Targets(config.target_alone, None if rung is None else config.target_rung, rung or "none"),
        draws=draws,
    )
    arms = simulate_arms(evaluation, recs, fit.params, draws)
    central = figures(arms, names)
    for b in config.bonuses:
        sel = solve(evaluation, None, fit.params, bonus=b, draws=draws).selection
        central[f"humans_alone_bonus_{b:g}"] = float(
            economic_performance(evaluation.values, sel, evaluation.optimum).mean()
        )
    se = (
        target_se(arms.alone.std(), PAPER_PROBLEMS["humans_alone"]),
        target_se(arms.team_u[k_rung].std(), PAPER_PROBLEMS.get(f"phi_{rung}", 640))
        if rung
        else 0.0,
    )
    sd_boot = bootstrap_sd(arms, names, make_rng(seed, "bootstrap"), config.n_boot)
    sd_cal = calibration_sd(
        refit,
        lambda p: simulate_arms(evaluation, recs, p, draws),
        names,
        (config.target_alone, config.target_rung),
        se,
        make_rng(seed, "refits"),
        config.n_refits,
    )
    for b in config.bonuses:  # the bonus arms vary like humans alone (no effort response)
        key = f"humans_alone_bonus_{b:g}"
        sd_boot[key], sd_cal[key] = sd_boot["humans_alone"], sd_cal["humans_alone"]
    fitted = fit.targets.names + ([f"delta_{rung}"] if rung else [])
    paper_se = {
        key: target_se(
            (arms.team_u[names.index(key[4:])] if key.startswith("phi_") else arms.alone).std(),
            n,
        )
        for key, n in PAPER_PROBLEMS.items()
        if not key.startswith("phi_") or key[4:] in names
    }
    for key in list(paper_se):  # Δ = Φ − u: the model's u is known, Φ carries the error
        if key.startswith("phi_"):
            paper_se["delta_" + key[4:]] = paper_se[key]
    predictions = prediction_rows(central, sd_boot, sd_cal, fitted, paper_se=paper_se)
    calibration = {
        "targets": fit.targets.names,
        "target_values": {
            "humans_alone": config.target_alone,
            **({f"phi_{rung}": config.target_rung} if rung else {}),
        },
        "target_se": dict(zip(fit.targets.names, se, strict=False)),
        "params": vars(fit.params).copy(),
        "fitted_params": ["noise"] + (["follow_intercept"] if rung else []),
        "tied_params": {"follow_slope": "pi / (sqrt(3) * noise)"},
        "achieved": fit.achieved,
    }
    # a target outside what the free parameter can reach stops at its bracket's end
    calibration["target_reached"] = {
        name: bool(abs(fit.achieved[name] - calibration["target_values"][name]) < 0.002)
        for name in fit.targets.names
    }
    return fit, arms, central, predictions, calibration


def label_starts(config, train: Instances, valid: Instances, seed: int) -> dict:
    """First models of the loop trained on partly optimal labels (``config.loop_label_starts``).

    For each share ``p`` the loop's learner (``config.loop_learner``) is
    trained on ``train`` with the optimum as the label of the instances whose
    fixed uniform draw is below ``p`` and the density-greedy fill (items by
    value density until the first that does not fit) on the others.

    Returns
    -------
    dict of str to Rung
        ``"labels_{p}"`` → the model, with ``target = p``, ``label_noise = 0``
        and its quality on ``valid``.
    """
    if not config.loop_label_starts:
        return {}
    draw = make_rng(seed, "label-starts").random(len(train))
    order = density_order(train.weights, train.values)
    greedy = fill_in_order(train.weights, train.capacity, order, stop_at_first=True)
    starts = {}
    for p in config.loop_label_starts:
        labels = np.where((draw < p)[:, None], train.solution, greedy)
        model = make_recommender(
            config.loop_learner,
            epochs=config.ladder_epochs,
            device=config.device,
            random_state=make_rng(seed, "label-start", float(p)),
            field="loop_learner",
        ).fit(train, labels)
        u = economic_performance(valid.values, model.predict(valid), valid.optimum)
        starts[f"labels_{p:g}"] = Rung(float(p), 0.0, float(u.mean()), float(u.std()), model)
        log.info("loop start from labels optimal on %.2f: quality %.4f", p, u.mean())
    return starts


def run_loops(
    config, rungs: list, params: SolverParams, seed: int, extra_starts: dict | None = None
):
    """The performative loop from each start, variant and seed; its end on the 45° line.

    Parameters
    ----------
    config : Config
    rungs : list of Rung
        The ladder; each of ``config.loop_starts`` starts from the nearest rung.
    params : SolverParams
    seed : int
    extra_starts : dict of str to Rung, optional
        Further first models by name (:func:`label_starts`), each a start of
        its own with ``start = rung.target``.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        One row per epoch of every path, and one row per path's end point;
        ``first_model`` is ``"ladder"`` or the name of the extra start.
    """
    loop_rows, end_rows = [], []
    starts = [
        (start, int(np.argmin([abs(r.target - start) for r in rungs])))
        for start in config.loop_starts
    ]
    first = {k: rungs[k] for _, k in starts}
    origin = {k: "ladder" for _, k in starts}
    for name, rung in (extra_starts or {}).items():
        starts.append((rung.target, name))
        first[name], origin[name] = rung, name
    for start, k in starts:
        for variant in ("human+ML", "max-pick"):
            settings = LoopSettings(
                n_cases=config.n_cases,
                max_epochs=config.max_epochs,
                epsilon=config.epsilon,
                patience=config.patience,
                max_pick=variant == "max-pick",
                train_epochs=config.train_epochs,
                device=config.device,
                generator=config.generator,
                learner=config.loop_learner,
            )
            for rep in range(config.n_seeds):
                path = run_loop(
                    first[k].model, params, make_rng(seed, "loop", k, variant, rep), settings
                )
                loop_rows.append(
                    path.table().assign(
                        first_model=origin[k],
                        start=start,
                        start_quality=first[k].quality,
                        variant=variant,
                        repetition=rep,
                    )
                )
                gap = path.line_gap(config.patience, rng=make_rng(seed, "line", k, variant, rep))
                last = path.epochs[-config.patience :]
                end_rows.append(
                    {
                        "first_model": origin[k],
                        "start": start,
                        "start_quality": first[k].quality,
                        "variant": variant,
                        "repetition": rep,
                        "epochs": len(path.epochs),
                        "converged": path.converged,
                        "model_utility": gap.u,
                        "team_utility": gap.phi,
                        "gap": gap.gap,
                        "gap_ci_low": gap.ci_low,
                        "gap_ci_high": gap.ci_high,
                        "on_45_line": gap.on_line(config.epsilon),
                        "model_optimality": float(np.mean([e.model_optimality for e in last])),
                        "team_optimality": float(np.mean([e.team_optimality for e in last])),
                    }
                )
                log.info(
                    "loop %s from %.3f rep %d: model %.4f, team %.4f after %d epochs",
                    variant,
                    start,
                    rep,
                    gap.u,
                    gap.phi,
                    len(path.epochs),
                )
    return pd.concat(loop_rows, ignore_index=True), pd.DataFrame(end_rows)


def loop_summary(ends: pd.DataFrame, variant: str, first_model: str = "ladder") -> dict:
    """Mean end point of one variant's paths, with how many converged and lie on the line.

    Only the paths whose first model is ``first_model`` (the ladder's rungs by default).
    """
    sel = ends[(ends.variant == variant) & (ends.first_model == first_model)]

    def sd(column: str) -> float:
        return float(sel[column].std(ddof=1)) if len(sel) > 1 else 0.0

    return {
        "model_utility": float(sel.model_utility.mean()),
        "model_utility_sd": sd("model_utility"),
        "team_utility": float(sel.team_utility.mean()),
        "team_utility_sd": sd("team_utility"),
        "team_optimality": float(sel.team_optimality.mean()),
        "n_paths": len(sel),
        "converged": int(sel.converged.sum()),
        "on_45_line": int(sel.on_45_line.sum()),
    }


def rung_line_tests(arms: Arms, names: list[str], epsilon: float, seed: int) -> pd.DataFrame:
    """Each rung's point tested on the 45° line, for economic performance and optimality.

    On the line: |Φ(u) − u| ≤ ε and the paired bootstrap interval of the gap
    contains 0 (:func:`hmlsim.model.stability.line_gap`).
    """
    line_rows = []
    for k, name in enumerate(names):
        for utility, (m, t) in (
            ("economic", (arms.model_u[k], arms.team_u[k])),
            ("optimality", (arms.model_opt[k], arms.team_opt[k])),
        ):
            gap = line_gap(m, t, rng=make_rng(seed, "rung-line", k, utility))
            line_rows.append(
                {
                    "rung": name,
                    "utility": utility,
                    "u": gap.u,
                    "phi": gap.phi,
                    "gap": gap.gap,
                    "ci_low": gap.ci_low,
                    "ci_high": gap.ci_high,
                    "on_45_line": gap.on_line(epsilon),
                }
            )
    lines = pd.DataFrame(line_rows)
    return lines
