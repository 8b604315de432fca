"""The performative loop: decomposed epoch steps and convergence from a weak model."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.ladder import shuffle_labels, train_ladder
from hmlsim.knapsack.loop import (
    LoopSettings,
    experts_solve,
    generate_cases,
    is_stable,
    measure,
    recommend,
    retrain,
    run_loop,
)
from hmlsim.knapsack.solvers import SolverParams

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def weak_model():
    rng = np.random.default_rng(7)
    train, valid = generate_instances(400, rng), generate_instances(300, rng)
    (rung,) = train_ladder(train, valid, rng, (0.72,), epochs=8, tolerance=0.02)
    assert abs(rung.quality - 0.72) < 0.04
    return rung.model


def test_shuffled_labels_keep_item_counts_and_nest():
    rng = np.random.default_rng(0)
    labels = rng.random((50, 18)) < 0.3
    u, keys = rng.random(50), rng.random((50, 18))
    half = shuffle_labels(labels, 0.5, u, keys)
    assert np.array_equal(half.sum(1), labels.sum(1))
    assert np.array_equal(half[u >= 0.5], labels[u >= 0.5])
    full = shuffle_labels(labels, 1.0, u, keys)
    assert np.array_equal(full[u < 0.5], half[u < 0.5])


def test_epoch_steps_take_arrays_and_retrain_on_submissions_only(weak_model, monkeypatch):
    rng = np.random.default_rng(1)
    cases = generate_cases(200, rng)
    rec = recommend(weak_model, cases)
    result = experts_solve(cases, rec, SolverParams(), rng)
    m = measure(cases, rec, result)
    assert 0 <= m.model_utility <= 1 and 0 <= m.team_utility <= 1
    assert m.team_utility > m.model_utility  # humans improve on a weak model
    seen = {}
    from hmlsim.knapsack import recommender

    original = recommender.KnapsackRecommender.fit

    def spy(self, instances, labels, callback=None):
        seen["labels"] = np.asarray(labels).copy()
        return original(self, instances, labels, callback)

    monkeypatch.setattr(recommender.KnapsackRecommender, "fit", spy)
    retrain(cases, result.selection, rng, LoopSettings(train_epochs=1))
    assert np.array_equal(seen["labels"], result.selection)
    assert not np.array_equal(seen["labels"], cases.solution)


def test_loop_climbs_from_a_weak_model_and_is_reproducible(weak_model):
    settings = LoopSettings(n_cases=400, max_epochs=4, train_epochs=8)
    a = run_loop(weak_model, SolverParams(), np.random.default_rng(3), settings)
    b = run_loop(weak_model, SolverParams(), np.random.default_rng(3), settings)
    assert np.array_equal(a.model_utilities, b.model_utilities)
    u = a.model_utilities
    # the learning path climbs to the stop-decoded MLP's ceiling, the density-greedy fill
    # (≈ 0.876 on the paper's instances)
    assert u[0] < 0.76 and u[-1] > 0.85
    assert np.all(a.team_utilities[:1] > u[:1])
    table = a.table()
    assert list(table.epoch) == list(range(len(u)))
    # the end point's 45° test uses the last epochs' cases, pooled
    gap = a.line_gap(2, rng=0)
    assert gap.u == pytest.approx(np.mean(u[-2:]))
    assert gap.gap == pytest.approx(np.mean(a.team_utilities[-2:]) - np.mean(u[-2:]))
    assert gap.ci_low <= gap.gap <= gap.ci_high
    assert gap.on_line(0.005) == (abs(gap.gap) <= 0.005 and gap.ci_low <= 0 <= gap.ci_high)


def test_stable_point_definition_and_settings_checks():
    assert is_stable(0.92, 0.924, 0.005) and not is_stable(0.90, 0.92, 0.005)
    with pytest.raises(ConfigError, match="n_cases"):
        LoopSettings(n_cases=0)
    with pytest.raises(ConfigError, match="epsilon"):
        LoopSettings(epsilon=0)
    with pytest.raises(ConfigError, match="decoding"):
        LoopSettings(decoding="greedy")


@pytest.mark.slow
def test_loop_settles_over_seeds_and_max_pick_team_is_higher(weak_model):
    settings = LoopSettings(n_cases=2000, max_epochs=8)
    ends, ends_max = [], []
    for seed in range(3):
        ends.append(
            run_loop(weak_model, SolverParams(), np.random.default_rng(seed), settings).end_point()
        )
        ends_max.append(
            run_loop(
                weak_model,
                SolverParams(),
                np.random.default_rng(seed),
                LoopSettings(n_cases=2000, max_epochs=8, max_pick=True),
            ).end_point()
        )
    model, team = np.array(ends).T
    # the seeds agree on where the loop ends, far above the weak start
    assert np.ptp(model) < 0.02 and np.ptp(team) < 0.02 and model.min() > 0.84
    # max-pick labels are better, seed by seed, so its team ends higher
    assert np.all(np.array(ends_max)[:, 1] > team)
