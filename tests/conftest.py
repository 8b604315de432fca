"""Shared test fixtures."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def expert_task():
    """Factory of a synthetic advising task: features, labels, an expert and p̂(y | x).

    ``make(n_samples, random_state, noise_seed, hard_feature, p_base, p_slope)``
    returns ``(X, y, h, c_h, p_y, candidates)``: ``make_classification`` data with
    6 features; the expert errs with probability 0.4 where ``|X[:, hard_feature]|
    < 0.8`` (confidence 0.3 there, else 0.9); ``p_y = clip(p_base + p_slope * y +
    N(0, 0.1))``; rule candidates mined with 10 trees per length.
    """

    def make(n_samples, random_state, noise_seed, hard_feature, p_base, p_slope):
        from sklearn.datasets import make_classification

        from hmlsim.advisors.mining import mine_candidates

        X, y = make_classification(
            n_samples=n_samples, n_features=6, n_informative=3, random_state=random_state
        )
        rng = np.random.default_rng(noise_seed)
        hard = np.abs(X[:, hard_feature]) < 0.8
        h = np.where(hard & (rng.random(len(y)) < 0.4), 1 - y, y)
        c_h = np.where(hard, 0.3, 0.9)
        p_y = np.clip(p_base + p_slope * y + rng.normal(0, 0.1, len(y)), 0, 1)
        names = [f"x{i}" for i in range(6)]
        cands = mine_candidates(X, y, feature_names=names, n_trees_per_length=10, rng=1)
        return X, y, h, c_h, p_y, cands

    return make


@pytest.fixture(scope="module")
def one_thread():
    """Cap BLAS, OpenMP and torch at one thread for a whole test module.

    Use as ``pytestmark = pytest.mark.usefixtures("one_thread")``.
    """
    from hmlsim.threads import limited_threads

    with limited_threads(1):
        yield
