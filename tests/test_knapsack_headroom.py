"""Learning curves on optimal vs human labels."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.errors import ConfigError
from hmlsim.knapsack.headroom import learning_curve
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.utility import economic_performance, random_fill

pytestmark = pytest.mark.usefixtures("one_thread")


def test_learning_curve_rows_and_quality():
    rng = np.random.default_rng(5)
    train, valid = generate_instances(256, rng), generate_instances(200, rng)
    noise = random_fill(train.weights, train.capacity, rng)
    curve = learning_curve(
        train,
        valid,
        {"optimal": train.solution, "random": noise},
        [64, 256],
        rng,
        epochs=4,
        learners=("sorted", "unsorted"),
    )
    assert len(curve) == 8
    assert set(curve.learner) == {"sorted", "unsorted"}
    opt = curve[curve["labels"] == "optimal"]
    assert np.all(opt.label_quality == 1.0)
    rand = curve[curve["labels"] == "random"].label_quality.iloc[0]
    assert rand == pytest.approx(economic_performance(train.values, noise, train.optimum).mean())
    # the paper's density-sorted MLP trained on optimal labels far exceeds random fill
    sorted_opt = opt[(opt.learner == "sorted") & (opt.n_train == 256)].quality_stop.iloc[0]
    assert sorted_opt > rand + 0.2
    assert np.all((curve.quality_stop > 0) & (curve.quality_skip <= 1))
    with pytest.raises(ConfigError, match="curve_sizes"):
        learning_curve(train, valid, {"optimal": train.solution}, [512], rng)
    with pytest.raises(ConfigError, match="curve_learners"):
        learning_curve(train, valid, {"optimal": train.solution}, [8], rng, learners=("big",))
