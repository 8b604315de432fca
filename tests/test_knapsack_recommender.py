"""The MLP recommender: architecture, features, decoding, seeded training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.recommender import (
    KnapsackRecommender,
    build_mlp,
    decode,
    density_order,
    features,
    resolve_device,
)
from hmlsim.knapsack.utility import economic_performance, random_fill, total_weight

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    return generate_instances(400, rng), generate_instances(400, rng)


def test_architecture_is_the_papers():
    net = build_mlp(18)
    linear = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [
        (39, 90),
        (90, 550),
        (550, 90),
        (90, 84),
        (84, 18),
    ]
    acts = [type(m).__name__ for m in net if not isinstance(m, torch.nn.Linear)]
    assert acts == ["ReLU"] * 4 + ["Sigmoid"]


def test_features_are_density_sorted_and_normalised(data):
    inst = data[0]
    x, order = features(inst.weights, inst.values, inst.capacity)
    assert x.shape == (len(inst), 39) and x.dtype == np.float32
    rows = np.arange(len(inst))[:, None]
    density = inst.values[rows, order] / inst.weights[rows, order]
    assert np.all(np.diff(density, axis=1) <= 1e-12)
    assert np.allclose(x[:, :18], inst.weights[rows, order] / inst.capacity[:, None])
    assert np.array_equal(order, density_order(inst.weights, inst.values))


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), stop=st.booleans())
def test_every_decoded_solution_is_feasible(seed, stop):
    rng = np.random.default_rng(seed)
    inst = generate_instances(15, rng, n_items=int(rng.integers(2, 25)))
    scores = rng.random(inst.weights.shape)
    sel = decode(scores, inst.weights, inst.capacity, stop_at_first=stop)
    assert np.all(total_weight(inst.weights, sel) <= inst.capacity)
    # decoding follows the scores: a chosen item outranks every unchosen one (stop rule)
    if stop:
        for k in range(len(inst)):
            if sel[k].any() and (~sel[k]).any():
                assert scores[k][sel[k]].min() >= scores[k][~sel[k]].max()


def test_training_is_seeded_and_learns_the_labels(data):
    train, test = data
    a = KnapsackRecommender(epochs=8, random_state=3).fit(train, train.solution)
    b = KnapsackRecommender(epochs=8, random_state=3).fit(train, train.solution)
    assert np.array_equal(a.predict_scores(test), b.predict_scores(test))
    assert a.loss_curve_[-1] < a.loss_curve_[0]
    rng = np.random.default_rng(0)
    quality = economic_performance(test.values, a.predict(test), test.optimum).mean()
    baseline = economic_performance(
        test.values, random_fill(test.weights, test.capacity, rng), test.optimum
    ).mean()
    assert quality > baseline + 0.2  # ≈ 0.92 against ≈ 0.60
    assert np.all(total_weight(test.weights, a.predict(test)) <= test.capacity)


def test_labels_not_utility_drive_training(data):
    """Trained on shuffled (uninformative) labels the model is no better than chance-level."""
    train, test = data
    rng = np.random.default_rng(1)
    noise = rng.permuted(train.solution, axis=1)
    model = KnapsackRecommender(epochs=8, random_state=3).fit(train, noise)
    clean = KnapsackRecommender(epochs=8, random_state=3).fit(train, train.solution)
    q_noise = economic_performance(test.values, model.predict(test), test.optimum).mean()
    q_clean = economic_performance(test.values, clean.predict(test), test.optimum).mean()
    assert q_noise < q_clean - 0.1


def test_checks_and_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ConfigError, match="device"):
        resolve_device("tpu")
    inst = generate_instances(4, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="labels"):
        KnapsackRecommender(epochs=1).fit(inst, inst.solution[:, :3])
    with pytest.raises(ConfigError, match="not fitted"):
        KnapsackRecommender().predict(inst)
