"""Simulated experts: decisions, confidence, presets and populations (hmlsim.behaviour)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from scipy import stats
from test_data_loaders import FICO_PATH, needs_fico

from hmlsim.behaviour import (
    AccuracyMap,
    Expert,
    flip_decisions,
    make_expert,
    offset_confidence,
    perturb_adb,
    preset_expert,
    sample_experts,
)
from hmlsim.data import load_dataset
from hmlsim.errors import ConfigError
from hmlsim.reproduce.claims import HUMAN_ACCURACY as PAPER_ACCURACY


@pytest.fixture(scope="module")
def heart():
    return load_dataset("heart", seed=20)


@lru_cache(maxsize=128)
def _load(name: str, seed: int):
    return load_dataset(name, path=FICO_PATH if name == "fico" else None, seed=seed)


def human_test_accuracy(name: str, decision: str, reps: int = 50) -> float:
    """Mean accuracy on the test split over ``reps`` repetitions (seeds 20, 21, ...)."""
    accuracies = []
    for i in range(reps):
        ds = _load(name, 20 + i)
        expert = make_expert(ds, decision=decision, rng=i)
        h, _ = expert.decide(ds.test, np.random.default_rng([7, i]))
        accuracies.append(np.mean(h == ds.test.y))
    return float(np.mean(accuracies))


@pytest.mark.parametrize("name", ["heart", "hr"])
@pytest.mark.parametrize("decision", ["difficulty", "group"])
def test_human_accuracy_near_the_paper(name, decision):
    # 20 repetitions here; the paper's 50 in the slow test below
    assert human_test_accuracy(name, decision, reps=20) == pytest.approx(
        PAPER_ACCURACY[name, decision], abs=0.03
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["heart", "hr"])
@pytest.mark.parametrize("decision", ["difficulty", "group"])
def test_human_accuracy_near_the_paper_50_repetitions(name, decision):
    assert human_test_accuracy(name, decision) == pytest.approx(
        PAPER_ACCURACY[name, decision], abs=0.03
    )


@pytest.mark.fico
@pytest.mark.slow
@needs_fico
@pytest.mark.parametrize("decision", ["difficulty", "group"])
def test_fico_human_accuracy_near_the_paper(decision):
    assert human_test_accuracy("fico", decision) == pytest.approx(
        PAPER_ACCURACY["fico", decision], abs=0.03
    )


def test_flip_frequencies_match_accuracy():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=200_000)
    p = rng.choice([0.6, 0.95, 1.0], size=y.size)
    h = flip_decisions(y, p, rng)
    for level in (0.6, 0.95):
        rows = p == level
        correct = int(np.sum(h[rows] == y[rows]))
        assert stats.binomtest(correct, int(rows.sum()), level).pvalue > 1e-4
    assert np.all(h[p == 1.0] == y[p == 1.0])


def test_difficulty_expert_is_perfect_on_hard_rows_and_60pc_on_easy(heart):
    expert = make_expert(heart, decision="difficulty")
    easy = expert.accuracy.is_easy(heart.train)
    assert 0.5 < easy.mean() < 0.9
    p = expert.correct_probability(heart.train)
    assert np.all(p[easy] == 0.6) and np.all(p[~easy] == 1.0)
    rng = np.random.default_rng(3)
    correct = np.array([expert.decide(heart.train, rng)[0] == heart.train.y for _ in range(200)])
    assert correct[:, ~easy].all()
    assert correct[:, easy].mean() == pytest.approx(0.6, abs=0.01)
    d = expert.accuracy.model.difficulty(heart.test)
    assert np.all((d >= 0) & (d <= 1))


def test_group_expert_accuracy_inside_and_outside(heart):
    expert = make_expert(heart, decision="group")
    inside = heart.train.groups["age_lt_50"]
    rng = np.random.default_rng(4)
    correct = np.array([expert.decide(heart.train, rng)[0] == heart.train.y for _ in range(300)])
    assert correct[:, inside].mean() == pytest.approx(0.60, abs=0.015)
    assert correct[:, ~inside].mean() == pytest.approx(0.95, abs=0.01)


def test_accuracy_biased_confidence_defaults(heart):
    expert = make_expert(heart, decision="difficulty", confidence="accuracy")
    p = expert.correct_probability(heart.test)
    c = expert.confidence(heart.test)
    assert np.allclose(c[p == 1.0], 0.9) and np.allclose(c[p == 0.6], 0.3)
    calibrated = make_expert(heart, decision="difficulty", kappa=0.0).confidence(heart.test)
    assert np.allclose(calibrated[p == 1.0], 1.0) and np.allclose(calibrated[p == 0.6], 0.2)
    assert offset_confidence(np.array([1.0, 0.6]), -0.3).tolist() == pytest.approx([1.0, 0.0])


def test_group_biased_confidence_values(heart):
    expert = make_expert(heart, decision="difficulty", confidence="group")
    c = expert.confidence(heart.test)
    easy = expert.accuracy.is_easy(heart.test)
    male = heart.test.groups["male"]
    assert np.all(c[~easy] == 0.9)
    assert np.all(c[easy & male] == 0.2) and np.all(c[easy & ~male] == 1.0)


def test_decisions_are_reproducible_from_the_seed(heart):
    expert = make_expert(heart, decision="group")
    h1, c1 = expert.decide(heart.test, 11)
    h2, c2 = expert.decide(heart.test, np.random.default_rng(11))
    h3, _ = expert.decide(heart.test, 12)
    assert np.array_equal(h1, h2) and np.array_equal(c1, c2)
    assert not np.array_equal(h1, h3)


def test_case_study_doctors_and_table4(heart):
    male = heart.test.groups["male"]
    a, b = preset_expert("doctor_a", heart), preset_expert("doctor_b", heart)
    for doctor in (a, b):
        p = doctor.correct_probability(heart.test)
        assert np.all(p[male] == 0.9) and np.all(p[~male] == 0.6)
    assert np.allclose(a.confidence(heart.test), 0.95)  # q = (1 + 0.95) / 2 = 97.5%
    cb = b.confidence(heart.test)
    assert np.allclose(cb[male], 0.95) and np.allclose(cb[~male], 0.21)  # q = 60.5%
    t4 = preset_expert("table4", heart, rng=0)  # the table's numbers: heart group-biased
    young = heart.test.frame["age"].to_numpy() < 50
    p = t4.correct_probability(heart.test)
    assert np.all(p[young] == 0.6) and np.all(p[~young] == 0.95)
    assert set(np.unique(t4.confidence(heart.test))) <= {0.9, 0.2, 1.0}
    t4 = preset_expert("table4_prose", heart)
    elderly_male = heart.test.groups["elderly_male"]
    p = t4.correct_probability(heart.test)
    assert np.all(p[elderly_male] == 0.6) and np.all(p[~elderly_male] == 0.95)
    assert np.all(heart.test.frame["age"].to_numpy()[elderly_male] >= 54)


def test_expert_adb_matches_the_formula_and_samples(heart):
    expert = make_expert(heart, delta=3.0, beta=0.2)
    from hmlsim.behaviour import accept_probability

    cm, ch = np.array([0.6, 0.9]), np.array([0.2, 0.3])
    assert np.allclose(
        expert.accept_probability(cm, ch), accept_probability(cm, ch, delta=3.0, beta=0.2)
    )
    p = float(expert.accept_probability(0.8, 0.2))
    draws = expert.accept(np.full(50_000, 0.8), np.full(50_000, 0.2), 5)
    assert draws.mean() == pytest.approx(p, abs=0.01)
    h = np.array([0, 0, 1, 1])
    advice = np.array([0, 1, 0, -1])
    final = expert.final_decisions(h, advice, np.ones(4), np.zeros(4), 0)
    assert final[0] == 0 and final[3] == 1  # agreement and no advice keep h


def test_perturbed_adb_changes_parameters_only(heart):
    expert = make_expert(heart)
    same = perturb_adb(expert, 0.0, 1)
    assert same.adb_params == pytest.approx(expert.adb_params)
    noisy = perturb_adb(expert, 0.5, 1)
    assert noisy.adb_params != expert.adb_params
    assert noisy.accuracy is expert.accuracy
    assert perturb_adb(expert, 0.5, 1).adb_params == noisy.adb_params
    with pytest.raises(ConfigError, match="noise"):
        perturb_adb(expert, -1.0)


def test_population_draws_from_declared_distributions(heart):
    dists = {"delta": (2.0, 4.0), "k": stats.uniform(0.5, 0.2), "beta": 0.3, "kappa": (0, 0.2)}
    experts, table = sample_experts(heart, 40, dists, rng=9)
    assert len(experts) == 40 and len(table) == 40
    deltas = np.array([e.delta for e in experts])
    assert deltas.min() >= 2.0 and deltas.max() <= 4.0 and deltas.std() > 0.3
    assert all(0.5 <= e.k <= 0.7 for e in experts)
    assert all(e.beta == 0.3 for e in experts)
    assert np.allclose(table["delta"], deltas)
    again, _ = sample_experts(heart, 40, dists, rng=9)
    assert [e.delta for e in again] == list(deltas)
    groups, _ = sample_experts(heart, 3, {"inside_accuracy": (0.5, 0.7)}, rng=1, decision="group")
    p = groups[0].correct_probability(heart.test)
    assert 0.5 <= p[heart.test.groups["age_lt_50"]][0] <= 0.7


def test_bad_expert_input(heart):
    with pytest.raises(ConfigError, match="decision"):
        make_expert(heart, decision="random")
    with pytest.raises(ConfigError, match="group"):
        make_expert(heart, decision="group", decision_group="tall")
    with pytest.raises(ConfigError, match="easy"):
        make_expert(heart, easy_accuracy=1.5)
    with pytest.raises(ConfigError, match="delta"):
        make_expert(heart, delta=-1.0)
    with pytest.raises(ConfigError, match="kappa"):
        make_expert(heart, kappa=3.0)
    with pytest.raises(ConfigError, match="height"):
        sample_experts(heart, 2, {"height": (1, 2)})
    with pytest.raises(ConfigError, match="delta"):
        sample_experts(heart, 2, {"delta": "wide"})
    with pytest.raises(ConfigError, match="preset"):
        preset_expert("doctor_c", heart)
    with pytest.raises(ConfigError, match="c_human"):
        make_expert(heart).accept_probability(0.5, 1.5)
    custom = Expert(AccuracyMap({"female": 0.7}, default=0.9), make_expert(heart).confidence_model)
    assert np.all(custom.correct_probability(heart.test)[heart.test.groups["female"]] == 0.7)


@pytest.mark.parametrize(
    "module",
    [
        "hmlsim.behaviour.accuracy",
        "hmlsim.behaviour.confidence",
        "hmlsim.behaviour.expert",
        "hmlsim.behaviour.population",
        "hmlsim.behaviour.adb",
    ],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delta", float("nan")),
        ("beta", float("nan")),
        ("beta", float("inf")),
        ("k", 0.0),
        ("gamma", float("nan")),
        ("delta", -1.0),
    ],
)
def test_expert_rejects_non_finite_or_out_of_range_adb_parameters(heart, field, value):
    with pytest.raises(ConfigError, match=field):
        make_expert(heart, **{field: value})
