"""evaluate_advisors: the whole study for one context, on synthetic and on the Heart data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from hmlsim.advisors import HUMAN, VARIANTS, evaluate_advisors, summarize
from hmlsim.behaviour.adb import accept_probability

SMALL = dict(n_iter=200, n_trees_per_length=5)


@dataclass
class FakeSplit:
    X: pd.DataFrame
    y: np.ndarray
    groups: dict = field(default_factory=dict)


@dataclass
class FakeExpert:
    """Wrong with probability 0.4 where |x1| is small (and says so), else right."""

    def decide(self, split, rng):
        hard = np.abs(split.X["x1"].to_numpy()) < 0.8
        flip = hard & (np.random.default_rng(rng).random(len(split.y)) < 0.4)
        return np.where(flip, 1 - split.y, split.y), np.where(hard, 0.3, 0.9)

    def accept_probability(self, c_model, c_human):
        return accept_probability(c_model, c_human)


@pytest.fixture(scope="module")
def fake():
    X, y = make_classification(n_samples=700, n_features=5, n_informative=3, random_state=1)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])

    def split(a, b):
        part = frame.iloc[a:b].reset_index(drop=True)
        return FakeSplit(part, y[a:b], {"x0_pos": part["x0"].to_numpy() > 0})

    ds = type(
        "DS", (), {"train": split(0, 400), "validation": split(400, 500), "test": split(500, 700)}
    )()
    return ds, FakeExpert()


def quick_outcome(ds):
    return LogisticRegression().fit(ds.train.X.to_numpy(), ds.train.y)


def test_synthetic_context_end_to_end(fake):
    ds, expert = fake
    run = dict(
        n_repetitions=4,
        rng=7,
        discretion_model=accept_probability,
        advisor_params=SMALL,
    )
    table, fit = evaluate_advisors(
        ds, expert, [0.0, 0.3], **run, outcome_model=quick_outcome(ds), return_fit=True
    )
    assert set(table["variant"]) == {HUMAN, *VARIANTS}
    assert set(table["group"]) == {"all", "x0_pos"}
    assert len(table) == (len(VARIANTS) + 1) * 2 * 4 * 2
    # same seed, same numbers (and shared candidates give the same fits)
    again = evaluate_advisors(
        ds, expert, [0.0, 0.3], **run, outcome_model=quick_outcome(ds), candidates=fit.candidates
    )
    pd.testing.assert_frame_equal(table, again)
    # TR-no(Cost) is TR trained with α = 0: at α = 0 they are one fit
    assert fit.advisors[("TR-no(Cost)", 0.0)] is fit.advisors[("TR", 0.0)]
    assert fit.advisors[("TR-no(Cost)", 0.3)] is fit.advisors[("TR", 0.0)]
    assert fit.advisors[("TR-no(ADB,Cost)", 0.3)] is fit.advisors[("TR-no(ADB)", 0.0)]
    s = summarize(table)
    ttl = s[(s.group == "all") & (s.metric == "ttl")].set_index(["variant", "alpha"])["mean"]
    for a in (0.0, 0.3):
        assert ttl[("TR", a)] < ttl[(HUMAN, a)]
    # the task-only advisor pays for every contradiction: it loses the most when α rises
    assert ttl[("Task-only", 0.3)] - ttl[("Task-only", 0.0)] > ttl[("TR", 0.3)] - ttl[("TR", 0.0)]


def test_gate_never_leaves_value_below_the_human_on_validation(fake):
    ds, expert = fake
    table, fit = evaluate_advisors(
        ds,
        expert,
        [1.0],
        variants=("Task-only", "TR"),
        n_repetitions=3,
        rng=2,
        gate=True,
        n_gate_repetitions=3,
        discretion_model=accept_probability,
        outcome_model=quick_outcome(ds),
        advisor_params=SMALL,
        return_fit=True,
    )
    # α = 1: task-only's contradictions cost more than they can save
    assert fit.advisors[("Task-only", 1.0)].gated_
    assert fit.gates[("Task-only", 1.0)] < 0
    task = table[(table.variant == "Task-only") & (table.group == "all")]
    assert (task["advising_rate"] == 0).all() and task["gated"].all()


class OtherExpert(FakeExpert):
    """Errs where |x2| is small instead: other training decisions."""

    def decide(self, split, rng):
        hard = np.abs(split.X["x2"].to_numpy()) < 0.8
        flip = hard & (np.random.default_rng(rng).random(len(split.y)) < 0.4)
        return np.where(flip, 1 - split.y, split.y), np.where(hard, 0.3, 0.9)


def test_fitted_advisors_are_reused_only_for_the_same_training_inputs(fake):
    """C.5's reuse: the same fit inputs give the same advisor object and the same table."""
    ds, expert = fake
    run = dict(
        variants=("TR", "Task-only"),
        n_repetitions=3,
        rng=7,
        discretion_model=accept_probability,
        advisor_params=SMALL,
        outcome_model=quick_outcome(ds),
        return_fit=True,
    )
    fitted: dict = {}
    first, fit1 = evaluate_advisors(ds, expert, [0.0, 0.3], **run, fitted_advisors=fitted)
    assert len(fitted) == 3  # TR at two α, Task-only once
    second, fit2 = evaluate_advisors(
        ds, expert, [0.0, 0.3], **run, candidates=fit1.candidates, fitted_advisors=fitted
    )
    assert len(fitted) == 3
    assert fit2.advisors[("TR", 0.3)] is fit1.advisors[("TR", 0.3)]
    pd.testing.assert_frame_equal(first, second)
    _, fit3 = evaluate_advisors(
        ds, OtherExpert(), [0.3], **run, candidates=fit1.candidates, fitted_advisors=fitted
    )
    assert fit3.advisors[("TR", 0.3)] is not fit1.advisors[("TR", 0.3)]
    assert len(fitted) == 5
    reseeded = {**run, "rng": 8}
    _, fit4 = evaluate_advisors(
        ds, expert, [0.3], **reseeded, candidates=fit1.candidates, fitted_advisors=fitted
    )
    assert fit4.advisors[("TR", 0.3)] is not fit1.advisors[("TR", 0.3)]


@pytest.mark.slow
def test_heart_task_only_accuracy_and_tr_beats_the_human():
    from hmlsim.behaviour import make_expert
    from hmlsim.data import load_dataset

    ds = load_dataset("heart", seed=20)
    expert = make_expert(ds, decision="difficulty", confidence="accuracy", rng=0)
    table, fit = evaluate_advisors(
        ds,
        expert,
        [0.0, 0.2],
        variants=("TR", "Task-only"),
        n_repetitions=10,
        rng=20,
        return_fit=True,
        advisor_params=dict(n_iter=1000, n_trees_per_length=100),
    )
    task_only = fit.advisors[("Task-only", 0.0)]
    accuracy = (task_only.predict(ds.test.X) == ds.test.y).mean()
    assert abs(accuracy - 0.78) < 0.06
    s = summarize(table)
    ttl = s[(s.group == "all") & (s.metric == "ttl")].set_index(["variant", "alpha"])
    for a in (0.0, 0.2):
        assert ttl.loc[("TR", a), "mean"] <= ttl.loc[(HUMAN, a), "mean"]
