"""The steps of the knapsack study that the scenario strings together.

:func:`predict_with_band` (calibration on humans alone; every claim's
quantity at the centre and over the band of unfitted constants, with SEs),
:func:`rung_line_tests` (each rung on the 45° line), :func:`label_starts`,
:func:`run_loops` and :func:`loop_summary` (the performative loop, from the
ladder's rungs and from models trained on partly optimal labels). ``config``
is a :class:`hmlsim.scenarios.knapsack_study.Config`.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from hmlsim.knapsack.band import band_range, run_band
from hmlsim.knapsack.calibration import Targets, calibrate
from hmlsim.knapsack.claims import (
    bootstrap_se,
    evaluate,
    load_ledger,
    paper_se,
    quantities,
    rung_paper_se,
)
from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.ladder import PAPER_QUALITIES, Rung
from hmlsim.knapsack.learners import make_recommender
from hmlsim.knapsack.loop import LoopSettings, run_loop
from hmlsim.knapsack.prediction import Arms, simulate_arms
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import SolverDraws, SolverParams, solve
from hmlsim.knapsack.utility import economic_performance, fill_in_order
from hmlsim.model.stability import line_gap
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)


def centre_params(config) -> tuple[SolverParams, float]:
    """The band's centre as solver parameters (noise still to fit) and the slope factor."""
    spec = config.band
    c = spec.centre
    base = SolverParams(
        effort=round(c["effort"]),
        perception_noise=float(c["perception_noise"]),
        follow_intercept=float(c["follow_intercept"]),
        incentive_elasticity=float(c["incentive_elasticity"]),
    )
    return base, float(c["slope_factor"])


def predict_with_band(config, evaluation: Instances, recs: list, names: list[str], seed: int):
    """Calibrate on humans alone; every claim's quantity at the centre, over the band, with SEs.

    1. the centre: the band's central constants, ``noise`` fitted to humans
       alone (:func:`~hmlsim.knapsack.calibration.calibrate`);
    2. the simulation SE of every quantity: a paired bootstrap over the
       evaluation instances and refits on humans-alone targets drawn within
       the paper's SE of that arm (independent, added in quadrature);
    3. the band: every point of ``config.band`` with the noise refitted;
    4. the verdicts (:func:`hmlsim.knapsack.claims.evaluate`).

    Returns
    -------
    (CalibrationResult, Arms, dict, list of dict, dict, pandas.DataFrame)
        The centre's fit, its per-instance outcomes, every quantity at the
        centre, the predictions, the ``calibration`` entry of the summary and
        the band table (one row per point).
    """
    ledger = load_ledger()
    draws = SolverDraws.draw(evaluation.weights.shape, make_rng(seed, "experts"))
    se_rung = rung_paper_se(ledger, names)
    n_users = [ledger["design"]["n_users"].get(n, 1) for n in names]
    alone_claim = next(c for c in ledger["claim"] if c["id"] == "humans_alone")
    se_alone = paper_se(ledger, alone_claim)["value"]
    v, opt = evaluation.values, evaluation.optimum

    def outcome(base: SolverParams, slope_factor: float, target: float):
        fit = calibrate(
            evaluation, None, Targets(target), base, draws=draws, slope_factor=slope_factor
        )
        arms = simulate_arms(evaluation, recs, fit.params, draws)
        bonus_u = {
            float(b): economic_performance(
                v, solve(evaluation, None, fit.params, bonus=b, draws=draws).selection, opt
            )
            for b in sorted({0.0, *map(float, config.bonuses)})
        }
        return fit, arms, bonus_u

    def measure(arms, bonus_u, idx=None):
        return quantities(
            arms, names, se_rung, n_users, bonus_u, paper_q=PAPER_QUALITIES[: len(names)], idx=idx
        )

    base, slope_factor = centre_params(config)
    fit, arms, bonus_u = outcome(base, slope_factor, config.target_alone)
    central = measure(arms, bonus_u)
    boot = bootstrap_se(
        lambda idx: measure(arms, bonus_u, idx),
        len(evaluation),
        make_rng(seed, "bootstrap"),
        config.n_boot,
    )
    refit_rng = make_rng(seed, "refits")
    refits = [
        measure(
            *outcome(base, slope_factor, float(refit_rng.normal(config.target_alone, se_alone)))[1:]
        )
        for _ in range(int(config.n_refits))
    ]
    sim_se = {}
    with warnings.catch_warnings():  # a quantity that is NaN in every refit has no SE
        warnings.simplefilter("ignore", RuntimeWarning)
        for key in central:
            cal = float(np.nanstd([r[key] for r in refits], ddof=1)) if len(refits) > 1 else 0.0
            sim_se[key] = float(np.hypot(boot.get(key, 0.0), cal))

    def at_point(point: dict) -> dict:
        p_base = base.with_(
            effort=int(point["effort"]),
            perception_noise=float(point["perception_noise"]),
            follow_intercept=float(point["follow_intercept"]),
            incentive_elasticity=float(point["incentive_elasticity"]),
        )
        p_fit, p_arms, p_bonus = outcome(p_base, float(point["slope_factor"]), config.target_alone)
        return {"noise": p_fit.params.noise, **measure(p_arms, p_bonus)}

    band_table = run_band(config.band.points(make_rng(seed, "band")), at_point)
    predictions = evaluate(
        ledger,
        central,
        sim_se,
        band_table,
        {"bonus_u": bonus_u, "names": names, "rung_sd": list(arms.model_u.std(axis=1))},
    )
    calibration = {
        "targets": fit.targets.names,
        "target_values": {"humans_alone": config.target_alone},
        "target_se": {"humans_alone": se_alone},
        "target_se_source": paper_se(ledger, alone_claim)["source"],
        "params": vars(fit.params).copy(),
        "fitted_params": ["noise"],
        "tied_params": {"follow_slope": f"{slope_factor:g} · pi / (sqrt(3) * noise)"},
        "band_centre": dict(config.band.centre),
        "band_ranges": {k: list(r) for k, r in config.band.ranges.items()},
        "achieved": fit.achieved,
        "noise_over_band": list(band_range(band_table, "noise") or []),
    }
    calibration["target_reached"] = {
        "humans_alone": bool(abs(fit.achieved["humans_alone"] - config.target_alone) < 0.002)
    }
    return fit, arms, central, predictions, calibration, band_table


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
                decoding=getattr(first[k].model, "decoding", "stop"),
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
