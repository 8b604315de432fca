"""Predictions: figures from per-instance outcomes, their intervals, the paper beside them."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.prediction import (
    Arms,
    across_paths,
    bootstrap_sd,
    figures,
    path_limit,
    prediction_rows,
    simulate_arms,
    target_se,
)
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import SolverDraws, SolverParams
from hmlsim.knapsack.utility import fill_in_order, random_fill


def test_path_limit_is_the_perfect_learners_stable_point():
    # Φ above the line crossing it once: u = 0.85 + 0.15 (u − 0.7) → u = 0.745 / 0.85
    x, y = np.array([0.7, 0.9]), np.array([0.85, 0.88])
    assert path_limit(x, y, 0.7) == pytest.approx(0.745 / 0.85, abs=1e-8)
    # entirely above the line within the range: the path ends at the clipped top
    assert path_limit(x, np.array([0.95, 0.96]), 0.7) == pytest.approx(0.96)
    # below the line: it falls to the clipped bottom
    assert path_limit(x, np.array([0.6, 0.8]), 0.9) == pytest.approx(0.6)


@pytest.fixture(scope="module")
def arms():
    rng = np.random.default_rng(2)
    inst = generate_instances(300, rng)
    weak = random_fill(inst.weights, inst.capacity, rng)
    strong = fill_in_order(
        inst.weights,
        inst.capacity,
        density_order(inst.weights, inst.values),
        stop_at_first=True,
    )
    draws = SolverDraws.draw(inst.weights.shape, rng)
    return simulate_arms(inst, [weak, strong], SolverParams(), draws)


def test_figures_follow_their_definitions(arms):
    got = figures(arms, ["q1", "q2"])
    assert got["phi_q2"] == pytest.approx(arms.team_u[1].mean())
    assert got["delta_q1"] == pytest.approx(arms.team_u[0].mean() - arms.model_u[0].mean())
    assert got["max_pick_phi_q2"] >= got["phi_q2"]  # max-pick never submits less
    assert got["worse_than_recommendation_q2"] == pytest.approx(
        (arms.team_u[1] < arms.model_u[1] - 1e-12).mean()
    )
    assert 0 <= got["follow_rate_q1"] < got["follow_rate_q2"] <= 1  # better models followed more
    assert set(np.unique(arms.team_opt)) <= {0.0, 1.0}
    # a subset of the instances gives that subset's means
    idx = np.arange(50)
    assert figures(arms, ["q1", "q2"], idx)["phi_q1"] == pytest.approx(arms.team_u[0, :50].mean())


def test_intervals_and_the_paper_beside_them(arms):
    names = ["q1", "q2"]
    central = figures(arms, names)
    sd = bootstrap_sd(arms, names, np.random.default_rng(0), n_boot=30)
    assert sd["phi_q1"] > 0
    rows = prediction_rows(
        central,
        sd,
        {},
        ["humans_alone", "phi_q1"],
        paper={"phi_q2": central["phi_q2"], "stable_point": 2.0},
        paper_se={"phi_q2": 0.001},
    )
    ids = {r["id"]: r for r in rows}
    # fitted figures and the models' own utilities are not predictions
    assert "phi_q1" not in ids and "model_q1" not in ids and "optimality_model_q2" not in ids
    assert ids["phi_q2"]["paper_in_ci"] is True and ids["phi_q2"]["intervals_overlap"] is True
    assert ids["stable_point"]["paper_in_ci"] is False
    assert ids["follow_rate_q1"]["paper"] is None and ids["follow_rate_q1"]["paper_in_ci"] is None
    for r in rows:
        assert r["ci_low"] <= r["hmlsim"] <= r["ci_high"]


def test_across_paths_and_target_se():
    row = across_paths("loop", [0.91, 0.92, 0.93], 0.92)
    assert row["hmlsim"] == pytest.approx(0.92) and row["paper_in_ci"] is True
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * 4.302653 * 0.01 / np.sqrt(3), 1e-5)
    assert target_se(0.1, 100) == pytest.approx(0.01)
    assert isinstance(Arms, type)


def test_calibrating_on_one_rung_removes_it_from_the_predictions():
    from types import SimpleNamespace

    from hmlsim.knapsack.calibration import calibrate, expected_team_utility
    from hmlsim.knapsack.steps import calibrate_and_predict
    from hmlsim.seeding import make_rng

    rng = np.random.default_rng(8)
    inst = generate_instances(400, rng)
    weak = random_fill(inst.weights, inst.capacity, rng)
    strong = fill_in_order(
        inst.weights, inst.capacity, density_order(inst.weights, inst.values), stop_at_first=True
    )
    draws = SolverDraws.draw(inst.weights.shape, make_rng(1, "experts"))  # the draws it uses
    alone_fit = calibrate(inst, draws=draws)
    target = expected_team_utility(inst, weak, alone_fit.params, draws) - 0.01
    config = SimpleNamespace(
        calibration_rung="q1",
        target_alone=0.909,
        target_rung=target,
        bonuses=(0.0, 10.0),
        n_boot=20,
        n_refits=3,
    )
    fit, _, central, predictions, calibration = calibrate_and_predict(
        config, inst, [weak, strong], ["q1", "q2"], 1
    )
    assert calibration["targets"] == ["humans_alone", "phi_q1"]
    assert calibration["fitted_params"] == ["noise", "follow_intercept"]
    assert abs(calibration["achieved"]["phi_q1"] - target) < 0.002
    assert calibration["target_reached"] == {"humans_alone": True, "phi_q1": True}
    ids = {p["id"] for p in predictions}
    assert not {"phi_q1", "delta_q1", "humans_alone"} & ids
    assert {"phi_q2", "max_pick_phi_q1", "stable_point", "humans_alone_bonus_10"} <= ids
    # with no effort response the bonus arms are humans alone
    assert central["humans_alone_bonus_10"] == pytest.approx(central["humans_alone"])
    assert fit.params.follow_intercept > 0
    # a rung target no follow intercept can reach is reported as not reached
    config.target_rung = 0.5
    *_, calibration = calibrate_and_predict(config, inst, [weak, strong], ["q1", "q2"], 1)
    assert calibration["target_reached"]["phi_q1"] is False
