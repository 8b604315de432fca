"""Per-instance outcomes of the arms, the figures from them, the perfect learner's path."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.prediction import (
    Arms,
    across_paths,
    figures,
    perfect_learner_path,
    simulate_arms,
)
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import SolverDraws, SolverParams
from hmlsim.knapsack.utility import fill_in_order, random_fill


def test_perfect_learner_path_stays_within_the_measured_points():
    # Φ above the line crossing it once: u = 0.85 + 0.15 (u − 0.7) → u = 0.745 / 0.85
    x, y = np.array([0.7, 0.9]), np.array([0.85, 0.88])
    path = perfect_learner_path(x, y, 0.7, epsilon=1e-10)
    assert path["status"] == "stable"
    assert path["end"] == pytest.approx(0.745 / 0.85, abs=1e-8)
    assert path["path"][:2] == pytest.approx([0.7, 0.85])
    # entirely above the line: Φ(0.7) = 0.95 lies beyond the last point; nothing is extrapolated
    above = perfect_learner_path(x, np.array([0.95, 0.96]), 0.7)
    assert above["status"] == "leaves_above" and above["end"] == 0.7
    assert above["next"] == pytest.approx(0.95)
    below = perfect_learner_path(x, np.array([0.6, 0.8]), 0.9)
    assert below["status"] == "leaves_below"  # 0.9 → 0.8 → 0.7 → 0.6 < 0.7: leaves
    assert below["path"] == pytest.approx([0.9, 0.8, 0.7]) and below["next"] == pytest.approx(0.6)


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


def test_across_paths():
    row = across_paths("loop", [0.91, 0.92, 0.93], 0.92)
    assert row["hmlsim"] == pytest.approx(0.92) and row["paper_in_ci"] is True
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * 4.302653 * 0.01 / np.sqrt(3), 1e-5)
    assert isinstance(Arms, type)
