"""CollaborationModel mechanics on a tiny test domain: seeding, schedule, firm, batch_run."""

from __future__ import annotations

import pickle

import mesa
import numpy as np
import pandas as pd
import pytest
from model_toy import CoinDomain

from hmlsim.errors import ConfigError
from hmlsim.model import AdvisorAgent, CollaborationModel, ExpertAgent
from hmlsim.model.domains.base import Domain


def run(seed, steps=6, **kwargs):
    kwargs.setdefault("domain", CoinDomain())
    kwargs.setdefault("cases_per_epoch", 90)
    model = CollaborationModel(rng=seed, **kwargs)
    for _ in range(steps):
        model.step()
    return model


def frames(model):
    dc = model.datacollector
    return (
        dc.get_model_vars_dataframe(),
        dc.get_agenttype_vars_dataframe(ExpertAgent),
        dc.get_agenttype_vars_dataframe(AdvisorAgent),
    )


def test_the_toy_domain_implements_the_protocol():
    assert isinstance(CoinDomain(), Domain)


def test_same_seed_gives_identical_frames_and_another_seed_does_not():
    a, b, c = frames(run(11)), frames(run(11)), frames(run(12))
    for left, right in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(left, right)
    assert not a[0].equals(c[0])


def test_collects_at_init_and_once_per_step_with_group_reporters():
    model = run(1, steps=4, n_experts=4, n_advisors=2)
    table = model.datacollector.get_model_vars_dataframe()
    assert len(table) == 5
    # u and Φ(u) are measured on the evaluation cases from the start; live decisions from epoch 1
    assert table["team_utility"].notna().all()
    assert np.isnan(table["live_team_utility"].iloc[0])
    assert table["live_team_utility"].iloc[1:].notna().all()
    assert {"advising_rate[group 1]", "acceptance_rate[group 2]"} <= set(table.columns)
    experts = model.datacollector.get_agenttype_vars_dataframe(ExpertAgent)
    assert experts.index.get_level_values("Step").nunique() == 5
    assert len(model.agents_by_type[AdvisorAgent]) == 2


def test_experts_share_the_epoch_cases():
    model = run(2, steps=1, n_experts=4, cases_per_epoch=90)
    sizes = [e.n_cases for e in model.agents_by_type[ExpertAgent]]
    assert sum(sizes) == 90 and max(sizes) - min(sizes) <= 1


def test_firm_retrains_on_what_it_observed_only():
    model = run(3, steps=3)
    entry = model.firm.retrain_log[-1]
    observed = model.firm.ledger.epochs[-1]  # what the firm recorded of epoch 2
    assert len(entry["labels"]) == len(observed) == len(model.agents_by_type[ExpertAgent])
    for got, seen in zip(entry["labels"], observed, strict=True):
        np.testing.assert_array_equal(got, seen.d)
    # an observation has the fields of SPEC D and no ground truth
    fields = set(observed[0].__dataclass_fields__)
    assert fields == {
        "epoch",
        "expert",
        "group",
        "features",
        "h",
        "c_h",
        "advised",
        "explored",
        "y_hat",
        "c_m",
        "contradicted",
        "accepted",
        "d",
    }
    # without an audit channel no truth reaches the firm
    assert np.isnan(entry["audited"]).all()


def test_retraining_labels_equal_final_decisions_not_truth(monkeypatch):
    seen = []
    domain = CoinDomain(accuracy=0.6)
    original = domain.retrain

    def spy(advisor, data, rng):
        seen.append(data)
        return original(advisor, data, rng)

    monkeypatch.setattr(domain, "retrain", spy)
    model = CollaborationModel(domain=domain, cases_per_epoch=80, rng=5)
    model.step()
    finals = {id(e): (e.cases, e.response.labels) for e in model.agents_by_type[ExpertAgent]}
    model.step()
    data = seen[-1]
    expected = list(finals.values())
    for (cases, final), got_x, got_y in zip(expected, data.features, data.d, strict=True):
        np.testing.assert_array_equal(got_y, final)
        assert got_x is cases.features  # features only: the Cases (with truth) stay hidden
        assert not np.array_equal(got_y, cases.truth)  # 60% experts: labels differ from truth


def test_stop_at_stable_stops_the_run():
    model = CollaborationModel(
        domain=CoinDomain(accuracy=0.95),
        cases_per_epoch=400,
        epsilon=0.05,
        patience=2,
        stop_at_stable=True,
        rng=4,
    )
    steps = 0
    while model.running and steps < 40:
        model.step()
        steps += 1
    assert not model.running and model.stable_point is not None
    assert model.stable_point.epoch == model.steps
    point = model.stable_point
    assert abs(point.phi - point.u) <= 0.05 and point.ci_low <= 0 <= point.ci_high


def test_learner_tilt_scales_model_utility_and_withholds_advice():
    full = CollaborationModel(domain=CoinDomain(), rng=9)
    tilted = CollaborationModel(domain=CoinDomain(), learner_tilt=0.5, rng=9)
    assert tilted.model_utility == pytest.approx(0.5 * full.model_utility)
    tilted.step()
    assert 0.3 < tilted.datacollector.get_model_vars_dataframe()["advising_rate"].iloc[-1] < 0.7


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_experts": 0}, "n_experts"),
        ({"n_advisors": 3, "n_experts": 2}, "n_advisors"),
        ({"learner_tilt": 1.2}, "learner_tilt"),
        ({"domain": "chess"}, "domain"),
        ({"domain": "knapsack", "advisor": "TR"}, "advisor"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    kwargs.setdefault("domain", CoinDomain())
    with pytest.raises(ConfigError) as error:
        CollaborationModel(**kwargs)
    assert error.value.field == field


def test_model_pickles_and_batch_run_works():
    model = run(6, steps=2)
    clone = pickle.loads(pickle.dumps(model))
    clone.step()
    results = mesa.batch_run(
        CollaborationModel,
        parameters={"domain": CoinDomain(), "cases_per_epoch": 60, "rng": [1, 2]},
        iterations=1,
        max_steps=3,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    table = pd.DataFrame(results)
    assert set(table["rng"]) == {1, 2}
    assert table.groupby("rng")["Step"].max().eq(3).all()
    assert table["team_utility"].iloc[1:].notna().any()


def test_window_trains_on_the_last_epochs_only():
    model = run(7, steps=4, window=2, n_experts=3)
    labels = model.firm.retrain_log[-1]["labels"]
    assert len(labels) == 2 * 3  # two epochs of three experts, not all three past epochs
    assert sum(len(x) for x in labels) == 2 * 90
