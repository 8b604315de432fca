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

Speed: :func:`mine_candidates` grows the forests with scikit-learn's tree
builder without the per-tree estimator bookkeeping, reads all paths of a
forest as arrays (:mod:`hmlsim.advisors.forest`), and screens them on packed
bit-sets (:mod:`hmlsim.advisors.bitsets`): every distinct condition is
evaluated once, a path's rows are the AND of its conditions' words, supports
are population counts, and :class:`~hmlsim.advisors.rules.Rule` objects are
made only for the candidates kept. :func:`mine_candidates_reference` is the
straightforward version (forest estimators, one tuple of conditions per path,
boolean coverage per chunk of rules); both return the same candidates, in the
same order, with the same coverage (tests check it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from hmlsim.advisors.bitsets import pack_rows, popcount, unpack_rows
from hmlsim.advisors.forest import (
    EQ,
    GT,
    LE,
    OPERATOR_TEXT,
    PathArrays,
    first_of_each,
    forest_paths,
)
from hmlsim.advisors.rules import CandidateRules, Condition, Rule, RuleCandidates, coverage_matrix
from hmlsim.errors import ConfigError, check_probability
from hmlsim.seeding import SeedLike, make_rng

log = logging.getLogger(__name__)

_CHUNK = 2048
_PATH_CHUNK = 4096


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


def _forest_paths_reference(
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


def _screen_reference(
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


def _distinct_conditions(paths: PathArrays) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (feature, op, threshold) of all slots, and each slot's index among them."""
    used = paths.feature >= 0
    columns = [paths.feature[used], paths.op[used], paths.threshold[used] + 0.0]
    first, group = first_of_each(columns)
    distinct = np.column_stack([c[first].astype(np.float64) for c in columns])
    slot_id = np.full(paths.feature.shape, len(distinct), np.intp)  # last: always true
    slot_id[used] = group
    return distinct, slot_id


def _condition_bits(distinct: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Packed rows of every distinct condition, plus an always-true row (NaN: False)."""
    n = X.shape[0]
    f = distinct[:, 0].astype(np.intp)
    op = distinct[:, 1].astype(np.intp)
    t = distinct[:, 2]
    holds = np.empty((len(distinct), n), dtype=bool)
    with np.errstate(invalid="ignore"):
        for code, compare in ((GT, np.greater), (LE, np.less_equal), (EQ, np.equal)):
            rows = np.flatnonzero(op == code)
            for start in range(0, rows.size, _CHUNK):
                part = rows[start : start + _CHUNK]
                holds[part] = compare(X[:, f[part]], t[part]).T
    return np.concatenate([pack_rows(holds), pack_rows(np.ones((1, n), bool))])


def _path_bits(bits: np.ndarray, slot_id: np.ndarray) -> np.ndarray:
    """Packed rows covered by each path: the AND of its slots' conditions."""
    out = bits[slot_id[:, 0]]
    for j in range(1, slot_id.shape[1]):
        out &= bits[slot_id[:, j]]
    return out


def _screen(
    paths: PathArrays,
    X: np.ndarray,
    target: np.ndarray,
    feature_names: Sequence[str],
    label: int,
    min_support: float,
    max_candidates: int,
    label_name: str | None,
) -> CandidateRules:
    """Keep the paths that pass the support and precision screen, most precise first."""
    n = len(target)
    n_class = int(target.sum())
    base_rate = n_class / n
    if len(paths) == 0:
        return CandidateRules.empty(n, label)
    distinct, slot_id = _distinct_conditions(paths)
    bits = _condition_bits(distinct, X)
    target_bits = pack_rows(target.astype(bool)[None, :])
    covered = np.empty(len(paths), np.int64)
    hits = np.empty(len(paths), np.int64)
    for start in range(0, len(paths), _PATH_CHUNK):
        rows = _path_bits(bits, slot_id[start : start + _PATH_CHUNK])
        covered[start : start + len(rows)] = popcount(rows)
        rows &= target_bits
        hits[start : start + len(rows)] = popcount(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(covered > 0, hits / np.maximum(covered, 1), 0.0)
    ok = np.flatnonzero((hits >= min_support * n_class) & (hits > 0) & (precision > base_rate))
    if ok.size == 0:
        return CandidateRules.empty(n, label)
    prec, support = precision[ok], covered[ok] / n
    order = np.lexsort((-support, -prec))[:max_candidates]  # precision, then support
    kept = ok[order]
    conditions: dict[int, Condition] = {}

    def condition(j: int) -> Condition:
        if j not in conditions:
            f, op, t = distinct[j]
            conditions[j] = Condition(feature_names[int(f)], OPERATOR_TEXT[int(op)], float(t))
        return conditions[j]

    slots = [
        [j for j in row if j < len(distinct)] for row in slot_id[kept].tolist()
    ]  # each kept path's conditions, in slot order
    rules = tuple(
        Rule(tuple(map(condition, ids)), label, round(p, 6), round(s, 6), label_name)
        for ids, p, s in zip(slots, prec[order].tolist(), support[order].tolist(), strict=True)
    )
    coverage = np.ascontiguousarray(unpack_rows(_path_bits(bits, slot_id[kept]), n).T)
    return CandidateRules(rules, coverage, prec[order].copy(), label)


def _check_inputs(X, y, feature_names, max_length, min_support, max_candidates, n_trees):
    """The feature matrix, its column names and the labels, checked."""
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
    if int(max_candidates) < 1 or int(n_trees) < 1:
        bad = "max_candidates" if int(max_candidates) < 1 else "n_trees_per_length"
        raise ConfigError(bad, "must be >= 1")
    return matrix, names, labels.astype(np.int64)


def _mine(
    X,
    y,
    feature_names,
    max_length,
    min_support,
    max_candidates,
    n_trees,
    label_names,
    rng,
    reference: bool,
) -> RuleCandidates:
    matrix, names, labels = _check_inputs(
        X, y, feature_names, max_length, min_support, max_candidates, n_trees
    )
    generator = make_rng(rng)
    binary = _binary_columns(matrix)
    lengths = range(min(2, int(max_length)), int(max_length) + 1)
    names0, names1 = label_names if label_names is not None else (None, None)
    result = []
    for label, target in ((1, labels), (0, 1 - labels)):
        sub_rng = make_rng(generator, "forest", label)
        if target.min() == target.max():  # one class only: nothing to separate
            result.append(CandidateRules.empty(len(labels), label))
            continue
        args = (matrix, target, names, label, float(min_support), int(max_candidates))
        label_name = names1 if label == 1 else names0
        if reference:
            paths = _forest_paths_reference(
                matrix, target, names, binary, lengths, int(n_trees), sub_rng
            )
            cands = _screen_reference(paths, *args, label_name)
        else:
            paths = forest_paths(matrix, target, binary, lengths, int(n_trees), sub_rng)
            cands = _screen(paths, *args, label_name)
        log.info("mined %d paths, kept %d candidates for class %d", len(paths), len(cands), label)
        result.append(cands)
    return RuleCandidates(result[0], result[1], tuple(names))


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
        Trees per unit of rule length (the paper's 250). Fewer trees give
        fewer (and different) candidates in proportionally less time: a
        method change. With 50, a whole TeamRules fit took ~3.7 s instead of
        ~4.9 s on Heart and ~13 s instead of ~23 s on FICO (one core, loaded
        machine; ``benchmarks/bench_teamrules_fit.py``); over 8 Heart splits
        the training TTL was unchanged (+0.0005 ± 0.0010) and the test TTL
        slightly lower (-0.005 ± 0.003), over 5 FICO splits training and test
        TTL were slightly higher (+0.002, +0.001).
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

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    >>> cands = mine_candidates(X, y, feature_names=["a", "b", "c", "d"],
    ...                         n_trees_per_length=5, rng=1)
    >>> cands.pos.coverage.shape[0], cands.pos.label, cands.neg.label
    (200, 1, 0)
    """
    return _mine(
        X,
        y,
        feature_names,
        max_length,
        min_support,
        max_candidates,
        n_trees_per_length,
        label_names,
        rng,
        reference=False,
    )


def mine_candidates_reference(
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
    """:func:`mine_candidates` the straightforward way, for tests and benchmarks.

    Fits ``RandomForestClassifier`` estimators, walks every tree in Python,
    makes a tuple of :class:`~hmlsim.advisors.rules.Condition` per path and
    screens chunks of rules with boolean coverage matrices. Same arguments,
    same result.
    """
    return _mine(
        X,
        y,
        feature_names,
        max_length,
        min_support,
        max_candidates,
        n_trees_per_length,
        label_names,
        rng,
        reference=True,
    )
