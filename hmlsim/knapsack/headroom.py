"""Learning curves of the recommender on different labels: does it have headroom?

Where the performative loop stops should be decided by the labels the firm
trains on, not by what the learner can represent. :func:`learning_curve` trains
the recommender on the same instances with different labels (the optimum, the
simulated humans' solutions, …) and growing training sets, and measures the
quality of each model on held-out instances, decoded both ways (stop at the
first item that does not fit — the paper's rule — and skip it and go on). A
learner *has headroom* when, trained on optimal labels, it exceeds the level of
the human labels clearly; when it reaches the same quality from both labels,
its prior (for the paper's MLP: the density order of its inputs), not the
labels, sets its level.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.learners import check_learner, make_recommender
from hmlsim.knapsack.recommender import decode
from hmlsim.knapsack.utility import economic_performance


def learning_curve(
    train: Instances,
    valid: Instances,
    labels: Mapping[str, np.ndarray],
    sizes: Sequence[int],
    rng: np.random.Generator,
    *,
    epochs: int = 10,
    device: str = "cpu",
    learners: Sequence[str] = ("sorted",),
) -> pd.DataFrame:
    """Validation quality of models trained on the first ``n`` instances with each label set.

    Parameters
    ----------
    train, valid : Instances
        Training instances (the first ``n`` are used) and held-out instances.
    labels : mapping of str to ndarray of bool, shape (len(train), n_items)
        Label sets to compare, by name (e.g. ``"optimal"``, ``"humans"``).
    sizes : sequence of int
        Training-set sizes (each at most ``len(train)``).
    rng : numpy.random.Generator
        Source of the network seed (one seed shared by every model).
    epochs : int
        Training epochs.
    device : str
        Torch device.
    learners : sequence of {"sorted", "unsorted", "set"}
        The paper's MLP on density-sorted items, the same network on the items
        in their given order (no density prior), and the per-item set learner
        (:mod:`hmlsim.knapsack.learners`).

    Returns
    -------
    pandas.DataFrame
        One row per (learner, labels, n_train): ``label_quality`` (economic
        performance of the labels themselves), ``quality_stop``, ``quality_skip``.

    Examples
    --------
    >>> from hmlsim.knapsack.instances import generate_instances
    >>> g = np.random.default_rng(0)
    >>> tr, va = generate_instances(64, g), generate_instances(32, g)
    >>> learning_curve(tr, va, {"optimal": tr.solution}, [32], g, epochs=1).shape
    (1, 6)
    """
    sizes = [int(n) for n in sizes]
    if not sizes or min(sizes) < 1 or max(sizes) > len(train):
        raise ConfigError("curve_sizes", f"sizes must lie in 1..{len(train)}, got {sizes}")
    for learner in learners:
        check_learner("curve_learners", learner)
    seed = int(rng.integers(2**63))
    rows = []
    for learner, (name, lab) in itertools.product(learners, labels.items()):
        lab = np.asarray(lab, dtype=bool)
        label_quality = float(economic_performance(train.values, lab, train.optimum).mean())
        for n in sizes:
            model = make_recommender(
                learner, epochs=epochs, device=device, random_state=seed, field="curve_learners"
            )
            model.fit(train.subset(slice(0, n)), lab[:n])
            scores = model.predict_scores(valid)
            quality = {
                rule: float(
                    economic_performance(
                        valid.values,
                        decode(scores, valid.weights, valid.capacity, stop_at_first=stop),
                        valid.optimum,
                    ).mean()
                )
                for rule, stop in (("stop", True), ("skip", False))
            }
            rows.append(
                {
                    "learner": learner,
                    "labels": name,
                    "n_train": n,
                    "label_quality": label_quality,
                    "quality_stop": quality["stop"],
                    "quality_skip": quality["skip"],
                }
            )
    return pd.DataFrame(rows)
