"""Candidate mining from seeded random-forest paths; the fast miner equals the reference."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification

from hmlsim.advisors.mining import mine_candidates, mine_candidates_reference
from hmlsim.advisors.rules import coverage_matrix
from hmlsim.errors import ConfigError

NAMES = [f"x{i}" for i in range(6)]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=3, random_state=0)
    X[:, 5] = (X[:, 5] > 0).astype(float)  # one binary feature
    return X, y


@pytest.fixture(scope="module")
def mined(data):
    X, y = data
    return mine_candidates(X, y, feature_names=NAMES, n_trees_per_length=10, rng=3)


def test_candidates_pass_the_screen(data, mined):
    X, y = data
    for cands, target in ((mined.pos, y), (mined.neg, 1 - y)):
        assert len(cands) > 20
        cov = coverage_matrix(cands.rules, X, NAMES)
        assert np.array_equal(cov, cands.coverage)
        hits = target @ cov
        precision = hits / cov.sum(axis=0)
        assert np.allclose(precision, cands.precision)
        assert (hits >= 0.05 * target.sum()).all()
        assert (precision > target.mean()).all()
        assert (np.diff(cands.precision) <= 0).all()
        assert all(1 <= len(r) <= 4 and r.label == cands.label for r in cands.rules)
        assert len({r.conditions for r in cands.rules}) == len(cands)


def test_binary_features_print_as_equalities(mined):
    conds = [
        c for r in mined.pos.rules + mined.neg.rules for c in r.conditions if c.feature == "x5"
    ]
    assert conds and all(c.op == "==" and c.threshold in (0.0, 1.0) for c in conds)


def test_same_seed_same_candidates(data, mined):
    X, y = data
    again = mine_candidates(X, y, feature_names=NAMES, n_trees_per_length=10, rng=3)
    assert again.pos.rules == mined.pos.rules and again.neg.rules == mined.neg.rules
    other = mine_candidates(X, y, feature_names=NAMES, n_trees_per_length=10, rng=4)
    assert other.pos.rules != mined.pos.rules


def test_cap_keeps_the_most_precise(data, mined):
    X, y = data
    capped = mine_candidates(
        X, y, feature_names=NAMES, n_trees_per_length=10, rng=3, max_candidates=5
    )
    assert capped.pos.rules == mined.pos.rules[:5]


def test_degenerate_inputs_give_empty_candidates(data):
    X, y = data
    none = mine_candidates(X, y, feature_names=NAMES, n_trees_per_length=2, rng=0, min_support=1.0)
    assert len(none.pos) == 0 and len(none.neg) == 0
    one_class = mine_candidates(
        X, np.ones(len(y), int), feature_names=NAMES, n_trees_per_length=2, rng=0
    )
    assert len(one_class.pos) == 0 and len(one_class.neg) == 0


def test_bad_inputs_raise_config_errors(data):
    X, y = data
    with pytest.raises(ConfigError) as err:
        mine_candidates(X, y * 2, feature_names=NAMES)
    assert err.value.field == "y"
    with pytest.raises(ConfigError) as err:
        mine_candidates(X, y, feature_names=NAMES, min_support=1.5)
    assert err.value.field == "min_support"
    with pytest.raises(ConfigError) as err:
        mine_candidates(X, y)
    assert err.value.field == "feature_names"


def _same_candidates(a, b) -> None:
    for fast, ref in ((a.pos, b.pos), (a.neg, b.neg)):
        assert fast.rules == ref.rules
        assert [r.label_name for r in fast.rules] == [r.label_name for r in ref.rules]
        assert np.array_equal(fast.coverage, ref.coverage) and fast.coverage.flags.c_contiguous
        assert np.array_equal(fast.precision, ref.precision)
    assert a.feature_names == b.feature_names


@pytest.mark.parametrize(
    "kw",
    [
        dict(n_trees_per_length=10, rng=3),
        dict(n_trees_per_length=6, rng=4, max_candidates=7, label_names=("no", "yes")),
        dict(n_trees_per_length=4, rng=1, max_length=6, min_support=0.02),
        dict(n_trees_per_length=4, rng=1, max_length=1),
    ],
)
def test_fast_mining_equals_the_reference(data, kw):
    X, y = data
    X = X.copy()
    X[::17, 2] = np.nan  # missing values: the forests route them, conditions exclude them
    _same_candidates(
        mine_candidates(X, y, feature_names=NAMES, **kw),
        mine_candidates_reference(X, y, feature_names=NAMES, **kw),
    )


def test_mining_falls_back_to_the_forest_estimator(data, monkeypatch, caplog):
    from hmlsim.advisors import forest

    X, y = data
    monkeypatch.setattr(forest, "_same_tree", lambda a, b: False)
    fallback = mine_candidates(X, y, feature_names=NAMES, n_trees_per_length=3, rng=2)
    assert "differs" in caplog.text
    ref = mine_candidates_reference(X, y, feature_names=NAMES, n_trees_per_length=3, rng=2)
    _same_candidates(fallback, ref)
