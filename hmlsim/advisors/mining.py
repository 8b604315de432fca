"""Candidate rules per class from the paths of seeded random forests.

Following the TeamRules authors' procedure (``SPEC.md`` part B): for each rule
length L in 2..``max_length`` a forest of ``n_trees_per_length * L`` trees of
depth L is fitted on y (positive rules) and on 1 - y (negative rules); every
root-to-leaf path is a candidate conjunction. Candidates are screened by
support and precision and the most precise ``max_candidates`` per class are
kept. Unlike the authors' code every forest is seeded.

Screening (as the authors' code does it): a rule survives if it covers at
least ``min_support`` of the rows *of its class* and its precision exceeds the
class's base rate. The printed ``support`` of a rule is its share of all rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from hmlsim.advisors.rules import CandidateRules, Condition, Rule, RuleCandidates, coverage_matrix
from hmlsim.errors import ConfigError, check_probability
from hmlsim.seeding import SeedLike, make_rng

log = logging.getLogger(__name__)

_CHUNK = 2048


def _binary_columns(X: np.ndarray) -> np.ndarray:
    finite = np.where(np.isnan(X), 0.0, X)
    return np.all((finite == 0.0) | (finite == 1.0), axis=0)


def _tree_paths(tree, feature_names: Sequence[str], binary: np.ndarray) -> list[tuple]:
    """Root-to-leaf paths of one fitted tree, simplified to canonical condition tuples."""
    t = tree.tree_
    left, right, feat, thr = t.children_left, t.children_right, t.feature, t.threshold
    paths = []
    stack: list[tuple[int, tuple]] = [(0, ())]
    while stack:
        node, conds = stack.pop()
        if left[node] == -1:
            if conds:
                paths.append(_simplify(conds, feature_names, binary))
            continue
        f, th = int(feat[node]), float(thr[node])
        stack.append((int(left[node]), (*conds, (f, "<=", th))))
        stack.append((int(right[node]), (*conds, (f, ">", th))))
    return paths


def _simplify(conds: tuple, feature_names: Sequence[str], binary: np.ndarray) -> tuple:
    """Merge tests on the same feature; binary features become ``== 0/1``."""
    upper: dict[int, float] = {}
    lower: dict[int, float] = {}
    for f, op, th in conds:
        if op == "<=":
            upper[f] = min(upper.get(f, np.inf), th)
        else:
            lower[f] = max(lower.get(f, -np.inf), th)
    out = []
    for f in sorted(set(upper) | set(lower)):
        name = feature_names[f]
        if binary[f]:
            if f in upper and f in lower:  # contradictory on a 0/1 feature: covers nothing
                out.append(Condition(name, "==", 0.5))
            else:
                out.append(Condition(name, "==", 0.0 if f in upper else 1.0))
            continue
        if f in lower:
            out.append(Condition(name, ">", float(lower[f])))
        if f in upper:
            out.append(Condition(name, "<=", float(upper[f])))
    return tuple(out)


def _forest_paths(
    X: np.ndarray,
    target: np.ndarray,
    feature_names: Sequence[str],
    binary: np.ndarray,
    lengths: range,
    n_trees_per_length: int,
    rng: np.random.Generator,
) -> list[tuple]:
    seen: dict[tuple, None] = {}
    for length in lengths:
        forest = RandomForestClassifier(
            n_estimators=n_trees_per_length * length,
            max_depth=length,
            random_state=int(rng.integers(2**31 - 1)),
            n_jobs=1,
        )
        forest.fit(X, target)
        for tree in forest.estimators_:
            for path in _tree_paths(tree, feature_names, binary):
                seen.setdefault(path, None)
    return list(seen)


def _screen(
    paths: list[tuple],
    X: np.ndarray,
    target: np.ndarray,
    feature_names: Sequence[str],
    label: int,
    min_support: float,
    max_candidates: int,
    label_name: str | None,
) -> CandidateRules:
    n = len(target)
    n_class = int(target.sum())
    base_rate = n_class / n
    keep_paths: list[tuple] = []
    keep_stats: list[tuple[float, float]] = []
    for start in range(0, len(paths), _CHUNK):
        chunk = paths[start : start + _CHUNK]
        cov = coverage_matrix([Rule(p, label) for p in chunk], X, feature_names)
        covered = cov.sum(axis=0)
        hits = target.astype(np.int64) @ cov
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(covered > 0, hits / np.maximum(covered, 1), 0.0)
        ok = (hits >= min_support * n_class) & (hits > 0) & (precision > base_rate)
        for k in np.flatnonzero(ok):
            keep_paths.append(chunk[k])
            keep_stats.append((float(precision[k]), float(covered[k]) / n))
    if not keep_paths:
        return CandidateRules.empty(n, label)
    stats = np.array(keep_stats)
    order = np.lexsort((-stats[:, 1], -stats[:, 0]))[:max_candidates]  # precision, then support
    rules = tuple(
        Rule(
            keep_paths[k],
            label,
            round(float(stats[k, 0]), 6),
            round(float(stats[k, 1]), 6),
            label_name,
        )
        for k in order
    )
    coverage = np.ascontiguousarray(coverage_matrix(rules, X, feature_names))
    return CandidateRules(rules, coverage, stats[order, 0].copy(), label)


def mine_candidates(
    X,
    y,
    *,
    feature_names: Sequence[str] | None = None,
    max_length: int = 4,
    min_support: float = 0.05,
    max_candidates: int = 10_000,
    n_trees_per_length: int = 250,
    label_names: tuple[str, str] | None = None,
    rng: SeedLike = None,
) -> RuleCandidates:
    """Mine positive and negative candidate rules from seeded random-forest paths.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_rows, n_features)
        Numeric features (binary 0/1 columns print as ``feature = 1``).
    y : array_like of int, shape (n_rows,)
        Labels in {0, 1}.
    feature_names : sequence of str, optional
        Needed when ``X`` is an array.
    max_length : int, default 4
        Longest rule (forests of depth 2..max_length).
    min_support : float, default 0.05
        Smallest share of the class's rows a rule must cover.
    max_candidates : int, default 10000
        Most candidates kept per class (the most precise).
    n_trees_per_length : int, default 250
        Trees per unit of rule length (the paper's 250).
    label_names : (str, str), optional
        Printed names of class 0 and class 1.
    rng : int, Generator or None
        Seeds the forests.

    Returns
    -------
    RuleCandidates
        ``pos`` advises 1, ``neg`` advises 0. A class whose rules all fail the
        screen gets an empty :class:`CandidateRules`; a one-class ``y`` gives
        no candidates for the absent class.

    Raises
    ------
    ConfigError
        For labels outside {0, 1}, mismatched lengths or bad parameters.
    """
    matrix = np.asarray(X, dtype=float)
    names = (
        list(feature_names)
        if feature_names is not None
        else ([str(c) for c in X.columns] if hasattr(X, "columns") else None)
    )
    if names is None:
        raise ConfigError("feature_names", "needed when X is an array, not a DataFrame")
    labels = np.asarray(y)
    if matrix.ndim != 2 or matrix.shape[0] != labels.shape[0] or matrix.shape[0] == 0:
        raise ConfigError(
            "X",
            f"must be a non-empty 2-D array with one row per label; "
            f"got {matrix.shape} for {labels.shape[0]} labels",
        )
    if len(names) != matrix.shape[1]:
        raise ConfigError("feature_names", f"has {len(names)} names for {matrix.shape[1]} columns")
    if not np.isin(labels, (0, 1)).all():
        raise ConfigError("y", "labels must be 0 or 1")
    if not 1 <= int(max_length) <= 10:
        raise ConfigError("max_length", f"must be an integer in 1..10, got {max_length!r}")
    check_probability("min_support", min_support)
    if int(max_candidates) < 1 or int(n_trees_per_length) < 1:
        bad = "max_candidates" if int(max_candidates) < 1 else "n_trees_per_length"
        raise ConfigError(bad, "must be >= 1")
    generator = make_rng(rng)
    labels = labels.astype(np.int64)
    binary = _binary_columns(matrix)
    lengths = range(min(2, int(max_length)), int(max_length) + 1)
    names0, names1 = label_names if label_names is not None else (None, None)
    result = []
    for label, target in ((1, labels), (0, 1 - labels)):
        sub_rng = make_rng(generator, "forest", label)
        if target.min() == target.max():  # one class only: nothing to separate
            result.append(CandidateRules.empty(len(labels), label))
            continue
        paths = _forest_paths(
            matrix, target, names, binary, lengths, int(n_trees_per_length), sub_rng
        )
        cands = _screen(
            paths,
            matrix,
            target,
            names,
            label,
            float(min_support),
            int(max_candidates),
            names1 if label == 1 else names0,
        )
        log.info("mined %d paths, kept %d candidates for class %d", len(paths), len(cands), label)
        result.append(cands)
    return RuleCandidates(result[0], result[1], tuple(names))
