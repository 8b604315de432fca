"""Rules, conditions and coverage matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hmlsim.advisors.rules import CandidateRules, Condition, Rule, coverage_matrix
from hmlsim.errors import ConfigError


def test_rule_prints_like_the_paper():
    rule = Rule(
        (Condition("age", ">", 54), Condition("sex_Male", "==", 1)),
        1,
        precision=0.8571,
        support=0.1234,
        label_name="disease",
    )
    assert str(rule) == "age > 54 AND sex_Male = 1 → disease (precision 0.86, support 12%)"
    assert str(Rule((Condition("chol", "<=", 200.5),), 0)) == "chol <= 200.5 → 0"


def test_condition_rejects_unknown_operator():
    with pytest.raises(ConfigError) as err:
        Condition("age", ">=", 3)
    assert err.value.field == "op"


def test_coverage_matrix_matches_row_by_row_evaluation():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.integers(0, 2, 200).astype(float)})
    X.loc[3, "a"] = np.nan
    rules = [
        Rule((Condition("a", ">", 0.1), Condition("b", "==", 1)), 1),
        Rule((Condition("a", "<=", -0.5),), 0),
        Rule((Condition("a", ">", -1.0), Condition("a", "<=", 1.0), Condition("b", "==", 0)), 1),
    ]
    cov = coverage_matrix(rules, X)
    a, b = X["a"].to_numpy(), X["b"].to_numpy()
    for i in range(len(X)):
        assert cov[i, 0] == (a[i] > 0.1 and b[i] == 1)
        assert cov[i, 1] == (a[i] <= -0.5)
        assert cov[i, 2] == (-1.0 < a[i] <= 1.0 and b[i] == 0)
    assert not cov[3].any()  # NaN satisfies no threshold
    assert np.array_equal(rules[0].covers(X, ["a", "b"]), cov[:, 0])


def test_coverage_needs_the_features_the_rules_test():
    with pytest.raises(ConfigError) as err:
        coverage_matrix([Rule((Condition("zzz", ">", 0),), 1)], pd.DataFrame({"a": [1.0]}))
    assert err.value.field == "X"
    with pytest.raises(ConfigError):
        coverage_matrix([Rule((Condition("a", ">", 0),), 1)], np.ones((2, 1)))


def test_candidate_rows_of_is_the_sparse_view_of_coverage():
    rng = np.random.default_rng(1)
    cov = rng.random((50, 7)) < 0.3
    prec = np.sort(rng.random(7))[::-1]
    cands = CandidateRules(
        tuple(Rule((Condition("a", ">", k),), 1) for k in range(7)), cov, prec, 1
    )
    ks = np.array([5, 0, 3])
    rows, owner = cands.rows_of(ks)
    for j, k in enumerate(ks):
        assert np.array_equal(np.sort(rows[owner == j]), np.flatnonzero(cov[:, k]))


def test_candidates_must_be_sorted_by_precision():
    with pytest.raises(ConfigError) as err:
        CandidateRules((Rule((), 1), Rule((), 1)), np.ones((3, 2), bool), np.array([0.5, 0.9]), 1)
    assert err.value.field == "precision"
