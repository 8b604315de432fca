"""The discretion model p̂(a | c^M, c^H) learnt from simulated interactions."""

from __future__ import annotations

import numpy as np
import pytest
from test_data_loaders import FICO_PATH, needs_fico

from hmlsim.behaviour import (
    fit_discretion_model,
    interaction_data,
    make_expert,
)
from hmlsim.behaviour.discretion import fit_logistic_advisor
from hmlsim.data import load_dataset


@pytest.fixture(scope="module")
def heart():
    return load_dataset("heart", seed=20)


@pytest.mark.parametrize("name", ["heart", "hr"])
@pytest.mark.parametrize(
    ("decision", "confidence"),
    [("difficulty", "accuracy"), ("group", "group"), ("difficulty", "group")],
)
def test_discretion_model_auc_above_090_on_default_experts(name, decision, confidence):
    ds = load_dataset(name, seed=21)
    expert = make_expert(ds, decision=decision, confidence=confidence, rng=0)
    model = fit_discretion_model(expert, ds, rng=1)
    assert model.auc_ > 0.9
    assert model.n_train_ > 300
    # close to the ceiling set by scoring with the true probabilities themselves
    assert model.auc_ > model.auc_oracle_ - 0.03


@pytest.mark.fico
@needs_fico
@pytest.mark.parametrize("decision", ["difficulty", "group"])
def test_fico_discretion_model_auc(decision):
    ds = load_dataset("fico", path=FICO_PATH, seed=20)
    model = fit_discretion_model(make_expert(ds, decision), ds, rng=1)
    assert model.auc_ > 0.9


def test_interaction_data_records_contradictions_and_true_adb(heart):
    expert = make_expert(heart)
    advisor = fit_logistic_advisor(heart.train)
    data = interaction_data(expert, heart.learning, advisor, 3, n_draws=5)
    assert set(data["draw"]) <= set(range(5))
    assert (data["agreement"] == 0).all()
    assert np.allclose(
        data["p_accept"], expert.accept_probability(data["c_model"], data["c_human"])
    )
    assert data["c_model"].between(0.5, 1.0).all()
    # accepted answers follow the true probabilities
    assert data["accepted"].mean() == pytest.approx(data["p_accept"].mean(), abs=0.05)
    full = interaction_data(expert, heart.learning, advisor, 3, n_draws=5, contradicted_only=False)
    assert len(full) == 5 * len(heart.learning)


def test_predictions_track_the_true_adb_and_are_reproducible(heart):
    expert = make_expert(heart)
    model = fit_discretion_model(expert, heart, rng=4)
    cm = np.linspace(0.55, 0.99, 12)
    for ch in (0.3, 0.9):
        p_hat = model.predict_proba(cm, np.full(12, ch))
        p_true = expert.accept_probability(cm, np.full(12, ch))
        assert p_hat.shape == (12,)
        assert np.all((p_hat >= 0) & (p_hat <= 1))
        assert np.mean(np.abs(p_hat - p_true)) < 0.12
    # a confident expert rejects far more often than an unsure one
    assert np.all(model.predict_proba(cm, 0.9) < model.predict_proba(cm, 0.3) + 0.05)
    assert model.mae_ < 0.08
    again = fit_discretion_model(expert, heart, rng=4)
    assert np.allclose(again.predict_proba(cm, 0.3), model.predict_proba(cm, 0.3))
    assert again.auc_ == model.auc_


def test_degraded_discretion_model_is_worse(heart):
    expert = make_expert(heart)
    exact = fit_discretion_model(expert, heart, rng=5)
    # the expert the model is evaluated against decides with a far lower delta
    # (and higher loss aversion) than the one whose answers it was fitted on
    changed = expert.with_adb(delta=1.0, beta=1.5)
    degraded = fit_discretion_model(expert, heart, rng=5, eval_expert=changed)
    assert degraded.mae_ > exact.mae_ + 0.1
    assert np.isfinite(degraded.auc_)
