"""The root-to-leaf paths of seeded random forests, as arrays.

:func:`forest_paths` grows exactly the trees that
``RandomForestClassifier(n_estimators, max_depth, random_state=seed).fit(X, y)``
grows (same bootstrap draws, same tree seeds, same splits), but calls
scikit-learn's compiled tree builder directly: a forest's ``fit`` spends about
ten times as long per tree on estimator bookkeeping (cloning, parameter
validation, target checks, a fresh ``RandomState``) as the builder itself on a
few hundred rows. The first tree of every forest is checked against a public
``DecisionTreeClassifier`` fit with the same seed and bootstrap weights; if a
scikit-learn release ever builds them differently (or the builder cannot be
imported), the forest is grown by ``RandomForestClassifier`` instead, with a
warning, so the paths stay those of the forest either way.

The paths of all trees are then read at once: every leaf's conditions are
collected by walking up the node arrays level by level, tests on the same
feature are merged (``x > a AND x > b`` is ``x > max(a, b)``; on a 0/1 feature a
test is ``x = 0`` or ``x = 1``), and each path becomes a fixed-width row of
``(feature, operator, threshold)`` slots, in the order a depth-first walk of
the trees (right child first) meets the leaves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

try:  # scikit-learn's compiled tree builder (private; checked against the public API per forest)
    from sklearn.tree._criterion import Gini
    from sklearn.tree._splitter import BestSplitter
    from sklearn.tree._tree import DepthFirstTreeBuilder, Tree
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    Tree = None

log = logging.getLogger(__name__)

#: operator codes of a path slot (in the order a merged feature prints them)
GT, LE, EQ = 0, 1, 2
OPERATOR_TEXT = (">", "<=", "==")

_MAX_INT = np.iinfo(np.int32).max


@dataclass(frozen=True)
class PathArrays:
    """Candidate paths as fixed-width rows of conditions.

    Attributes
    ----------
    feature : ndarray of int, shape (n_paths, width)
        Feature index of each slot (-1 for an empty slot).
    op : ndarray of int, shape (n_paths, width)
        :data:`GT`, :data:`LE` or :data:`EQ` (-1 for an empty slot).
    threshold : ndarray of float, shape (n_paths, width)
        Threshold of each slot (0 for an empty slot).

    Slots are sorted by feature, ``>`` before ``<=``; empty slots come last.
    """

    feature: np.ndarray
    op: np.ndarray
    threshold: np.ndarray

    def __len__(self) -> int:
        return self.feature.shape[0]

    def take(self, index: np.ndarray) -> PathArrays:
        """The paths at ``index``."""
        return PathArrays(self.feature[index], self.op[index], self.threshold[index])

    @staticmethod
    def concatenate(parts: list[PathArrays], width: int) -> PathArrays:
        """Paths of several forests, one after the other, padded to ``width`` slots."""

        def pad(a: np.ndarray, fill) -> np.ndarray:
            out = np.full((a.shape[0], width), fill, dtype=a.dtype)
            out[:, : a.shape[1]] = a
            return out

        return PathArrays(
            np.concatenate([pad(p.feature, -1) for p in parts]),
            np.concatenate([pad(p.op, -1) for p in parts]),
            np.concatenate([pad(p.threshold, 0.0) for p in parts]),
        )

    def first_occurrences(self) -> PathArrays:
        """The distinct paths, each where it first occurs (the order of a dict of seen paths)."""
        if len(self) == 0:
            return self
        columns = [*self.feature.T, *self.op.T, *(self.threshold.T + 0.0)]  # -0.0 is 0.0
        return self.take(np.sort(first_of_each(columns)[0]))


def first_of_each(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``columns``: the index of each one's first row, and each row's group.

    Groups are numbered in the rows' sort order (by the first column, then the next, ...).
    """
    order = np.lexsort(columns[::-1])  # stable: the first row of a group comes first
    new = np.zeros(order.size, bool)
    new[:1] = True
    for col in columns:
        sorted_col = col[order]
        new[1:] |= sorted_col[1:] != sorted_col[:-1]
    group = np.empty(order.size, np.intp)
    group[order] = np.cumsum(new) - 1
    return order[new], group


def _missing_mask(X32: np.ndarray) -> np.ndarray | None:
    """Columns with missing values, as scikit-learn's trees compute it (None when none)."""
    with np.errstate(over="ignore"):
        total = np.sum(X32)
    if not np.isnan(total):
        return None
    return np.isnan(X32.sum(axis=0))


def _grow_trees(X32, y2, n_trees, depth, seeds, missing) -> list:
    """Trees as ``RandomForestClassifier`` grows them from per-tree ``seeds`` (compiled builder)."""
    n, d = X32.shape
    n_classes = np.array([2], dtype=np.intp)
    max_features = max(1, int(np.sqrt(d)))
    state = np.random.RandomState(0)  # re-seeded per tree: RandomState(seed) costs ~0.3 ms
    trees = []
    for seed in seeds:
        state.seed(int(seed))
        weight = np.bincount(state.randint(0, n, n), minlength=n).astype(np.float64)
        state.seed(int(seed))  # the splitter's own RandomState(seed)
        splitter = BestSplitter(Gini(1, n_classes), max_features, 1, 0.0, state, None)
        tree = Tree(d, n_classes, 1)
        DepthFirstTreeBuilder(splitter, 2, 1, 0.0, depth, 0.0).build(tree, X32, y2, weight, missing)
        trees.append(tree)
    return trees


def _same_tree(a, b) -> bool:
    return (
        a.node_count == b.node_count
        and np.array_equal(a.children_left, b.children_left)
        and np.array_equal(a.children_right, b.children_right)
        and np.array_equal(a.feature, b.feature)
        and np.array_equal(a.threshold, b.threshold)
    )


def grow_forest(X: np.ndarray, target: np.ndarray, n_trees: int, depth: int, seed: int) -> list:
    """The fitted ``tree_`` objects of ``RandomForestClassifier`` (defaults otherwise).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    target : ndarray of int in {0, 1}, both classes present
    n_trees, depth : int
        ``n_estimators`` and ``max_depth``.
    seed : int
        The forest's ``random_state``.
    """
    X32 = np.asfortranarray(X, dtype=np.float32)
    if Tree is not None:
        n = X32.shape[0]
        seeds = np.random.RandomState(seed).randint(_MAX_INT, size=n_trees)
        y2 = np.ascontiguousarray(np.asarray(target).reshape(-1, 1), dtype=np.float64)
        trees = _grow_trees(X32, y2, n_trees, depth, seeds, _missing_mask(X32))
        weight = np.bincount(np.random.RandomState(seeds[0]).randint(0, n, n), minlength=n)
        check = DecisionTreeClassifier(
            max_depth=depth, max_features="sqrt", random_state=int(seeds[0])
        ).fit(X32, target, sample_weight=weight)
        if _same_tree(check.tree_, trees[0]):
            return trees
        log.warning("scikit-learn's tree builder differs from its estimators; using the forest")
    forest = RandomForestClassifier(
        n_estimators=n_trees, max_depth=depth, random_state=seed, n_jobs=1
    ).fit(X32, target)
    return [t.tree_ for t in forest.estimators_]


def tree_paths(trees: list, depth: int, binary: np.ndarray) -> PathArrays:
    """Every root-to-leaf path of ``trees`` (all of depth <= ``depth``), merged per feature.

    Paths come tree by tree, and within a tree in the order of a depth-first
    walk that visits the right child first; a tree that is a single leaf has
    no path. ``binary`` marks the 0/1 features (their tests become ``==``).
    """
    nodes = [t.__getstate__()["nodes"] for t in trees]
    sizes = np.array([len(a) for a in nodes])
    offset = np.repeat(np.cumsum(sizes) - sizes, sizes)
    tree_of = np.repeat(np.arange(len(trees)), sizes)
    allnodes = np.frombuffer(b"".join(a.tobytes() for a in nodes), dtype=nodes[0].dtype)
    left = allnodes["left_child"].astype(np.intp)
    right = allnodes["right_child"].astype(np.intp)
    feat = allnodes["feature"].astype(np.intp)
    thr = allnodes["threshold"].astype(np.float64)
    inner = np.flatnonzero(left >= 0)
    parent = np.full(left.size, -1, np.intp)
    is_left = np.zeros(left.size, bool)
    parent[left[inner] + offset[inner]] = inner
    parent[right[inner] + offset[inner]] = inner
    is_left[left[inner] + offset[inner]] = True
    leaves = np.flatnonzero((left < 0) & (parent >= 0))
    m = leaves.size
    # walk up: step s holds the test of the s-th edge above the leaf
    e_feat = np.full((m, depth), -1, np.intp)
    e_left = np.zeros((m, depth), bool)
    e_thr = np.zeros((m, depth))
    cur = leaves.copy()
    valid = np.ones(m, bool)
    for s in range(depth):
        p = np.where(valid, parent[cur], -1)
        valid = p >= 0
        e_feat[valid, s] = feat[p[valid]]
        e_left[valid, s] = is_left[cur[valid]]
        e_thr[valid, s] = thr[p[valid]]
        cur = np.where(valid, p, cur)
    present = e_feat >= 0
    n_edges = present.sum(axis=1)
    # depth-first order, right child first: compare the root-to-leaf turns, right < left
    level = n_edges[:, None] - 1 - np.arange(depth)[None, :]
    turn_bits = np.where(present, e_left.astype(np.int64) << np.maximum(depth - 1 - level, 0), 0)
    order = np.lexsort((turn_bits.sum(axis=1), tree_of[leaves]))
    e_feat, e_left, e_thr, present = e_feat[order], e_left[order], e_thr[order], present[order]
    return _merge(e_feat, e_left, e_thr, present, binary, depth)


def _merge(e_feat, e_left, e_thr, present, binary, width) -> PathArrays:
    """Merge each path's tests per feature into canonical, sorted slots."""
    m = e_feat.shape[0]
    path, slot = np.nonzero(present)
    f = e_feat[path, slot]
    op = np.where(e_left[path, slot], LE, GT)
    t = e_thr[path, slot]
    # group (path, feature, op); the binding threshold first: min for <=, max for >
    order = np.lexsort((np.where(op == LE, t, -t), op, f, path))
    path, f, op, t = path[order], f[order], op[order], t[order]
    new_group = np.ones(path.size, bool)
    new_group[1:] = (path[1:] != path[:-1]) | (f[1:] != f[:-1]) | (op[1:] != op[:-1])
    path, f, op, t = path[new_group], f[new_group], op[new_group], t[new_group]
    # a 0/1 feature: one "==" test (0 for x <= t, 1 for x > t, 0.5 if both: covers nothing)
    is_bin = binary[f]
    same_feature_next = np.zeros(path.size, bool)
    same_feature_next[:-1] = (path[1:] == path[:-1]) & (f[1:] == f[:-1])
    same_feature_prev = np.zeros(path.size, bool)
    same_feature_prev[1:] = same_feature_next[:-1]
    both = same_feature_next | same_feature_prev
    drop = is_bin & same_feature_prev  # keep the first of a (>, <=) pair on a 0/1 feature
    t = np.where(is_bin, np.where(both, 0.5, np.where(op == LE, 0.0, 1.0)), t)
    op = np.where(is_bin, EQ, op)
    keep = ~drop
    path, f, op, t = path[keep], f[keep], op[keep], t[keep]
    starts = np.searchsorted(path, np.arange(m))
    rank = np.arange(path.size) - starts[path]
    out_f = np.full((m, width), -1, np.intp)
    out_op = np.full((m, width), -1, np.int8)
    out_t = np.zeros((m, width))
    out_f[path, rank], out_op[path, rank], out_t[path, rank] = f, op, t
    return PathArrays(out_f, out_op, out_t)


def forest_paths(
    X: np.ndarray,
    target: np.ndarray,
    binary: np.ndarray,
    lengths: range,
    n_trees_per_length: int,
    rng: np.random.Generator,
) -> PathArrays:
    """The distinct paths of one forest per rule length, in first-seen order.

    For each ``length`` a forest of ``n_trees_per_length * length`` trees of
    depth ``length`` is grown (seeded from ``rng``), as the TeamRules authors do.
    """
    width = max(lengths)
    parts = []
    for length in lengths:
        seed = int(rng.integers(2**31 - 1))
        trees = grow_forest(X, target, n_trees_per_length * length, length, seed)
        parts.append(tree_paths(trees, length, binary))
    return PathArrays.concatenate(parts, width).first_occurrences()
