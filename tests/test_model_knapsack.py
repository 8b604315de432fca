"""The knapsack loop run through CollaborationModel reproduces hmlsim.knapsack's own loop."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.knapsack.ladder import train_ladder
from hmlsim.knapsack.loop import LoopSettings, generate_cases, run_loop
from hmlsim.knapsack.solvers import SolverParams
from hmlsim.model import CollaborationModel, ExpertAgent
from hmlsim.model.domains.knapsack import KnapsackDomain
from hmlsim.threads import limited_threads

N_CASES, EPOCHS = 200, 8


@pytest.fixture(scope="module")
def initial_model():
    rng = np.random.default_rng(5)
    with limited_threads(1):
        (rung,) = train_ladder(
            generate_cases(256, rng), generate_cases(128, rng), rng, targets=(0.72,), epochs=10
        )
    return rung.model


class FixedStart(KnapsackDomain):
    """The knapsack domain started from a given model (to compare like with like)."""

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        self.start = model

    def initial_advisor(self, rng, variant=None):
        return self.start


def tail_mean(values, n=3):
    return float(np.mean(np.asarray(values)[-n:]))


def test_model_reaches_the_knapsack_loops_stable_point(initial_model):
    with limited_threads(1):
        path = run_loop(
            initial_model,
            SolverParams(),
            np.random.default_rng(11),
            LoopSettings(n_cases=N_CASES, max_epochs=EPOCHS, train_epochs=10, epsilon=1e-9),
        )
    reference = tail_mean(path.model_utilities), tail_mean(path.team_utilities)

    model = CollaborationModel(
        domain=FixedStart(initial_model, train_epochs=10),
        n_experts=2,
        cases_per_epoch=N_CASES,
        n_eval=N_CASES,
        epsilon=0.01,
        patience=2,
        rng=11,
    )
    for _ in range(EPOCHS):
        model.step()
    table = model.datacollector.get_model_vars_dataframe().iloc[1:]
    ours = tail_mean(table["model_utility"]), tail_mean(table["team_utility"])
    # both start from the same model, well below the equilibrium, and climb to the same point
    assert table["model_utility"].iloc[0] < reference[0] - 0.05
    assert ours[0] == pytest.approx(reference[0], abs=0.02)
    assert ours[1] == pytest.approx(reference[1], abs=0.02)
    # measured on the same evaluation cases, the team keeps a gain of ~0.017 over the
    # MLP (its ceiling, issue 13): stationary, but off the 45° line — not a stable point
    assert model.stable_point is None
    assert model.stability.end_state() == "stationary_off_line"
    last = model.stability.lines[-1]
    assert last.ci_low > 0 and last.gap > 0.01


def test_max_pick_team_never_below_the_recommendation(initial_model):
    model = CollaborationModel(
        domain=FixedStart(initial_model, advisor="mlp-maxpick"),
        n_experts=2,
        cases_per_epoch=100,
        rng=2,
    )
    model.step()
    domain = model.domain
    for expert in model.agents_by_type[ExpertAgent]:
        team = domain.team_utility(expert.cases, expert.response.labels)
        recommended = domain.team_utility(expert.cases, expert.advice.labels)
        assert np.all(team >= recommended - 1e-12)


def test_firm_retrains_on_submissions_without_the_optimum(initial_model):
    model = CollaborationModel(
        domain=FixedStart(initial_model), n_experts=1, cases_per_epoch=80, rng=4
    )
    model.step()
    (expert,) = model.agents_by_type[ExpertAgent]
    submitted = expert.response.labels.copy()
    model.step()
    (trained,) = model.firm.retrain_log[-1]["labels"]
    np.testing.assert_array_equal(trained, submitted)
    features = model.firm.ledger.epochs[-1][0].features
    assert not hasattr(features, "optimum") and not hasattr(features, "solution")
