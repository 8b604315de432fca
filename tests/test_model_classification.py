"""The classification loop through CollaborationModel: every advisor variant, seeding, no truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hmlsim.model import AdvisorAgent, CollaborationModel, ExpertAgent
from hmlsim.model.domains.classification import CLASSIFICATION_ADVISORS

SMALL = {
    "domain": "classification",
    "dataset": "heart",
    "n_iter": 40,
    "cases_per_epoch": 120,
    "n_experts": 2,
}


def test_domain_offers_exactly_the_advisor_variants():
    # a literal copy, so that importing hmlsim.model does not load scikit-learn
    from hmlsim.advisors import VARIANTS

    assert CLASSIFICATION_ADVISORS == VARIANTS


@pytest.mark.parametrize("advisor", CLASSIFICATION_ADVISORS)
def test_every_advisor_variant_runs_in_the_loop(advisor):
    model = CollaborationModel(advisor=advisor, alpha=0.1, rng=3, **SMALL)
    model.step()
    model.step()
    table = model.datacollector.get_model_vars_dataframe()
    played = table.iloc[1:]
    for column in ("model_utility", "team_utility", "human_utility", "advising_rate"):
        assert played[column].between(0, 1).all(), column
    if advisor == "Task-only":
        assert (played["advising_rate"] == 1).all()  # task-only advises on every row
    else:
        assert (played["advising_rate"] < 1).all()  # TeamRules variants are selective
    # the firm retrained once, on the final decisions of epoch 1
    assert model.agents_by_type[AdvisorAgent][0].version == 1
    assert model.firm.retrain_log[-1]["labels"][0].shape == (60,)


def test_firm_trains_on_final_decisions_and_experts_see_advice():
    model = CollaborationModel(advisor="TR", alpha=0.0, rng=8, **SMALL)
    model.step()
    experts = list(model.agents_by_type[ExpertAgent])
    finals = [e.response.labels.copy() for e in experts]
    truths = [e.cases.truth.copy() for e in experts]
    features = [e.cases.features for e in experts]
    model.step()
    trained = model.firm.retrain_log[-1]["labels"]
    for got, final, truth in zip(trained, finals, truths, strict=True):
        np.testing.assert_array_equal(got, final)
        assert not np.array_equal(got, truth)  # 60%-accurate rows: labels are not the truth
    seen = model.firm.ledger.epochs[-1]
    assert all(isinstance(obs.features, pd.DataFrame) for obs in seen)
    assert all(obs.features is x for obs, x in zip(seen, features, strict=True))


def test_same_seed_identical_frames_on_the_real_stack():
    def frames(seed):
        model = CollaborationModel(advisor="Task-only", rng=seed, **SMALL)
        model.step()
        model.step()
        dc = model.datacollector
        return dc.get_model_vars_dataframe(), dc.get_agenttype_vars_dataframe(ExpertAgent)

    (a, ea), (b, eb) = frames(21), frames(21)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ea, eb)


def test_mixed_experts_give_per_group_rates():
    model = CollaborationModel(advisor="TR", decision="mixed", rng=2, **{**SMALL, "n_experts": 4})
    model.step()
    table = model.datacollector.get_model_vars_dataframe()
    assert {"advising_rate[difficulty]", "advising_rate[group]"} <= set(table.columns)
    groups = {e.group for e in model.agents_by_type[ExpertAgent]}
    assert groups == {"difficulty", "group"}


@pytest.mark.slow
def test_batch_run_in_worker_processes():
    import mesa

    results = mesa.batch_run(
        CollaborationModel,
        parameters={**SMALL, "advisor": ["TR", "Task-only"], "rng": 5},
        iterations=1,
        max_steps=2,
        number_processes=2,
        data_collection_period=1,
        display_progress=False,
    )
    table = pd.DataFrame(results)
    assert set(table["advisor"]) == {"TR", "Task-only"}
    assert table.groupby("advisor")["Step"].max().eq(2).all()
    task_only = table[(table["advisor"] == "Task-only") & (table["Step"] >= 1)]
    assert (task_only["advising_rate"] == 1).all()


def test_discretion_model_is_refitted_from_observed_answers_only():
    from hmlsim.behaviour import accept_probability
    from hmlsim.model.domains.classification import MIN_ANSWERS, refit_discretion

    rng = np.random.default_rng(0)
    n = 600
    c_m, c_h = rng.uniform(0.5, 1, n), rng.uniform(0, 1, n)
    contradicted = rng.random(n) < 0.5
    accepted = contradicted & (rng.random(n) < accept_probability(c_m, c_h))
    observed = {
        "c_m": c_m,
        "c_h": c_h,
        "contradicted": contradicted,
        "accepted": accepted,
        "h": np.zeros(n, int),
    }
    previous = object()
    model = refit_discretion(previous, observed, rng)
    assert model is not previous and model.n_train_ == contradicted.sum()
    # it learned the direction of the expert's ADB: confident advice to unsure experts is taken
    assert model.predict_proba(0.95, 0.1) > model.predict_proba(0.55, 0.9)
    few = {**observed, "contradicted": contradicted & (np.cumsum(contradicted) <= MIN_ANSWERS)}
    assert refit_discretion(previous, few, rng) is previous
