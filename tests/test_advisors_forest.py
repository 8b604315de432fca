"""Forest paths as arrays: the same trees as scikit-learn's forest, paths in depth-first order."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

from hmlsim.advisors.forest import EQ, GT, LE, PathArrays, first_of_each, grow_forest, tree_paths
from hmlsim.advisors.mining import _binary_columns, _tree_paths

NAMES = [f"x{i}" for i in range(8)]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=400, n_features=8, n_informative=4, random_state=1)
    X[:, 7] = (X[:, 7] > 0).astype(float)
    return X, y


@pytest.mark.parametrize("depth, seed", [(2, 0), (4, 123), (6, 7)])
def test_grown_trees_are_the_forest_estimators_trees(data, depth, seed):
    X, y = data
    forest = RandomForestClassifier(n_estimators=12, max_depth=depth, random_state=seed, n_jobs=1)
    forest.fit(X, y)
    trees = grow_forest(X, y, 12, depth, seed)
    assert len(trees) == 12
    for est, tree in zip(forest.estimators_, trees, strict=True):
        ref = est.tree_
        assert np.array_equal(ref.children_left, tree.children_left)
        assert np.array_equal(ref.children_right, tree.children_right)
        assert np.array_equal(ref.feature, tree.feature)
        assert np.array_equal(ref.threshold, tree.threshold)


def _as_tuples(paths: PathArrays, names) -> list[tuple]:
    out = []
    text = {GT: ">", LE: "<=", EQ: "=="}
    for f_row, op_row, t_row in zip(paths.feature, paths.op, paths.threshold, strict=True):
        out.append(
            tuple(
                (names[f], text[op], float(t))
                for f, op, t in zip(f_row, op_row, t_row, strict=True)
                if f >= 0
            )
        )
    return out


def test_paths_are_the_walked_paths_in_order(data):
    X, y = data
    binary = _binary_columns(X)
    trees = grow_forest(X, y, 10, 4, 5)
    walked = [
        tuple((c.feature, c.op, c.threshold) for c in path)
        for tree in trees
        for path in _tree_paths(_TreeHolder(tree), NAMES, binary)
    ]
    assert _as_tuples(tree_paths(trees, 4, binary), NAMES) == walked


class _TreeHolder:
    """A fitted ``Tree`` where the reference walk expects an estimator (``.tree_``)."""

    def __init__(self, tree) -> None:
        self.tree_ = tree


def test_first_occurrences_keep_the_first_of_each_path():
    paths = PathArrays(
        np.array([[0, 1], [2, -1], [0, 1], [2, -1], [0, -1]]),
        np.array([[GT, LE], [EQ, -1], [GT, LE], [EQ, -1], [GT, -1]], dtype=np.int8),
        np.array([[0.5, 1.0], [1.0, 0.0], [0.5, 1.0], [1.0, -0.0], [0.5, 0.0]]),
    )
    distinct = paths.first_occurrences()
    assert distinct.feature.tolist() == [[0, 1], [2, -1], [0, -1]]
    first, group = first_of_each([np.array([3, 1, 3, 2]), np.array([0.0, 5.0, 0.0, 1.0])])
    assert first.tolist() == [1, 3, 0] and group.tolist() == [2, 0, 2, 1]
