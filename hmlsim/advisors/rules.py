"""Typed, printable rules and their coverage of data.

A :class:`Rule` is a conjunction of :class:`Condition` objects (feature,
operator, threshold) that predicts one class. Rules are never strings and never
evaluated with ``DataFrame.query``: :func:`coverage_matrix` evaluates every
distinct condition once and combines them into a boolean matrix (rows x rules).
:class:`CandidateRules` holds the mined candidates of one class together with
their coverage of the training rows, their training precision and support,
computed once and shared by every fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from hmlsim.errors import ConfigError

#: operators a :class:`Condition` accepts
OPERATORS = ("<=", ">", "==")


@dataclass(frozen=True, order=True)
class Condition:
    """One test on one feature: ``feature op threshold``.

    Parameters
    ----------
    feature : str
        Column name.
    op : {"<=", ">", "=="}
        Comparison; ``"=="`` is used for binary (0/1) features.
    threshold : float
        Value compared against.

    Examples
    --------
    >>> str(Condition("age", ">", 54.5))
    'age > 54.5'
    """

    feature: str
    op: str
    threshold: float

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ConfigError("op", f"must be one of {', '.join(OPERATORS)}; got {self.op!r}")

    def __str__(self) -> str:
        op = "=" if self.op == "==" else self.op
        return f"{self.feature} {op} {self.threshold:g}"

    def evaluate(self, column: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``column`` that satisfy the condition (NaN: False)."""
        with np.errstate(invalid="ignore"):
            if self.op == "<=":
                return column <= self.threshold
            if self.op == ">":
                return column > self.threshold
            return column == self.threshold


@dataclass(frozen=True)
class Rule:
    """A conjunction of conditions that predicts ``label``.

    Parameters
    ----------
    conditions : tuple of Condition
        All must hold for the rule to cover a row.
    label : int
        The class (0 or 1) the rule advises.
    precision : float, optional
        Share of the covered training rows whose label is ``label`` (the
        advice's confidence c^M).
    support : float, optional
        Share of all training rows the rule covers.
    label_name : str, optional
        How to print ``label`` ("disease"); defaults to the number.

    Examples
    --------
    >>> r = Rule((Condition("age", ">", 54), Condition("sex_Male", "==", 1)), 1,
    ...          precision=0.86, support=0.12, label_name="disease")
    >>> print(r)
    age > 54 AND sex_Male = 1 → disease (precision 0.86, support 12%)
    """

    conditions: tuple[Condition, ...]
    label: int
    precision: float | None = None
    support: float | None = None
    label_name: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        body = " AND ".join(str(c) for c in self.conditions) or "TRUE"
        target = self.label_name if self.label_name is not None else str(self.label)
        stats = []
        if self.precision is not None:
            stats.append(f"precision {self.precision:.2f}")
        if self.support is not None:
            stats.append(f"support {self.support:.0%}")
        tail = f" ({', '.join(stats)})" if stats else ""
        return f"{body} → {target}{tail}"

    def __len__(self) -> int:
        return len(self.conditions)

    def covers(self, X: np.ndarray, feature_names: Sequence[str]) -> np.ndarray:
        """Boolean mask of the rows of ``X`` the rule covers."""
        return coverage_matrix([self], X, feature_names)[:, 0]


def _as_matrix(X) -> tuple[np.ndarray, list[str] | None]:
    names = [str(c) for c in X.columns] if hasattr(X, "columns") else None
    return np.asarray(X, dtype=float), names


def coverage_matrix(
    rules: Sequence[Rule], X, feature_names: Sequence[str] | None = None
) -> np.ndarray:
    """Which rows each rule covers, as a boolean matrix of shape (n_rows, n_rules).

    Every distinct condition is evaluated once; a rule's coverage is the AND of
    its conditions' columns.

    Parameters
    ----------
    rules : sequence of Rule
    X : DataFrame or ndarray of shape (n_rows, n_features)
    feature_names : sequence of str, optional
        Column names of ``X`` (taken from a DataFrame when omitted).

    Raises
    ------
    ConfigError
        If a rule names a feature that ``X`` lacks.
    """
    matrix, names = _as_matrix(X)
    names = list(feature_names) if feature_names is not None else names
    if names is None:
        raise ConfigError("feature_names", "needed when X is an array, not a DataFrame")
    index = {name: i for i, name in enumerate(names)}
    n = matrix.shape[0]
    conditions: dict[Condition, int] = {}
    for rule in rules:
        for cond in rule.conditions:
            if cond.feature not in index:
                raise ConfigError("X", f"has no column {cond.feature!r} that a rule tests")
            conditions.setdefault(cond, len(conditions))
    cond_cov = np.ones((n, len(conditions) + 1), dtype=bool)  # last column: always true
    for cond, j in conditions.items():
        cond_cov[:, j] = cond.evaluate(matrix[:, index[cond.feature]])
    width = max((len(r.conditions) for r in rules), default=0)
    padded = np.full((len(rules), max(width, 1)), len(conditions), dtype=np.intp)
    for k, rule in enumerate(rules):
        padded[k, : len(rule.conditions)] = [conditions[c] for c in rule.conditions]
    covered = np.ones((n, len(rules)), dtype=bool)
    for j in range(padded.shape[1]):
        covered &= cond_cov[:, padded[:, j]]
    return covered


@dataclass(frozen=True, eq=False)
class CandidateRules:
    """The candidate rules of one class and their coverage of the training rows.

    Attributes
    ----------
    rules : tuple of Rule
        Candidates, sorted by decreasing precision.
    coverage : ndarray of bool, shape (n_rows, n_rules)
        ``coverage[i, k]``: rule k covers training row i (C-ordered: a row's
        covering rules are one fast slice).
    precision : ndarray of float, shape (n_rules,)
        Training precision of each rule for its class.
    label : int
        The class the rules advise.
    """

    rules: tuple[Rule, ...]
    coverage: np.ndarray
    precision: np.ndarray
    label: int

    def __post_init__(self) -> None:
        k = len(self.rules)
        if self.coverage.ndim != 2 or self.coverage.shape[1] != k or self.precision.shape != (k,):
            raise ConfigError("coverage", "needs one column and one precision per rule")
        if k > 1 and np.any(np.diff(self.precision) > 0):
            raise ConfigError("precision", "candidates must be sorted by decreasing precision")

    def __len__(self) -> int:
        return len(self.rules)

    @cached_property
    def indptr(self) -> np.ndarray:
        """Column pointers of the coverage in compressed-sparse-column form."""
        counts = self.coverage.sum(axis=0)
        return np.concatenate(([0], np.cumsum(counts))).astype(np.intp)

    @cached_property
    def indices(self) -> np.ndarray:
        """Row indices covered by each rule, concatenated (see :attr:`indptr`)."""
        _, rows = np.nonzero(self.coverage.T)
        return rows.astype(np.intp)

    def rows_of_one(self, k: int) -> np.ndarray:
        """Rows covered by rule ``k`` (a view into :attr:`indices`)."""
        return self.indices[self.indptr[k] : self.indptr[k + 1]]

    def rows_of(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows covered by rules ``ks``, as (row, position in ``ks``) pairs (vectorised)."""
        ks = np.asarray(ks, dtype=np.intp)
        starts = self.indptr[ks]
        lengths = self.indptr[ks + 1] - starts
        total = int(lengths.sum())
        owner = np.repeat(np.arange(len(ks)), lengths)
        offsets = np.cumsum(lengths) - lengths
        pos = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)
        return self.indices[pos], owner

    @classmethod
    def empty(cls, n_rows: int, label: int) -> CandidateRules:
        """No candidates (the advisor built on them never advises this class)."""
        return cls((), np.zeros((n_rows, 0), dtype=bool), np.zeros(0), label)


@dataclass(frozen=True, eq=False)
class RuleCandidates:
    """Positive and negative candidates mined once for one training set.

    Attributes
    ----------
    pos, neg : CandidateRules
        Candidates that advise 1 and 0.
    feature_names : tuple of str
        Columns the conditions refer to.
    """

    pos: CandidateRules
    neg: CandidateRules
    feature_names: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        """Number of training rows the coverage refers to."""
        return self.pos.coverage.shape[0]


@dataclass(frozen=True)
class WarmStart:
    """What a warm-started fit takes from the fit before it (another epoch's rows).

    Attributes
    ----------
    candidates_pos, candidates_neg : tuple of Rule
        The earlier fit's candidate rules of each class.
    rules_pos, rules_neg : tuple of Rule
        The rule set it selected (the search starts from it).
    """

    candidates_pos: tuple[Rule, ...]
    candidates_neg: tuple[Rule, ...]
    rules_pos: tuple[Rule, ...]
    rules_neg: tuple[Rule, ...] = ()


def merge_candidates(
    mined: RuleCandidates, earlier: WarmStart, X, y, feature_names: Sequence[str]
) -> tuple[RuleCandidates, tuple[list[int], list[int]]]:
    """``mined`` plus an earlier fit's candidates, covered on these rows; the start's indices.

    Each class's rules are the union (mined first; a rule is its conditions
    and label), with precision and support recomputed on these rows and
    sorted by that precision (stable). The earlier rule set's positions in
    it are returned as the annealing's start.
    """
    labels = np.asarray(y).astype(int)
    parts, starts = [], []
    for cands, extra, chosen, label in (
        (mined.pos, earlier.candidates_pos + earlier.rules_pos, earlier.rules_pos, 1),
        (mined.neg, earlier.candidates_neg + earlier.rules_neg, earlier.rules_neg, 0),
    ):
        union: dict[tuple, Rule] = {}
        for rule in (*cands.rules, *extra):
            if rule.label == label:
                union.setdefault((rule.conditions, rule.label), rule)
        rules = list(union.values())
        if not rules:
            parts.append(CandidateRules.empty(len(labels), label))
            starts.append([])
            continue
        cov = coverage_matrix(rules, X, feature_names)
        support = cov.sum(axis=0)
        hits = (cov & (labels == label)[:, None]).sum(axis=0)
        precision = np.where(support > 0, hits / np.maximum(support, 1), 0.0)
        order = np.argsort(-precision, kind="stable")
        share = support / len(labels)
        ordered = tuple(
            replace(rules[k], precision=float(precision[k]), support=float(share[k])) for k in order
        )
        parts.append(
            CandidateRules(ordered, np.ascontiguousarray(cov[:, order]), precision[order], label)
        )
        where = {(rule.conditions, rule.label): k for k, rule in enumerate(ordered)}
        keys = {(r.conditions, r.label) for r in chosen}
        starts.append(sorted(where[key] for key in keys if key in where))
    return RuleCandidates(parts[0], parts[1], tuple(feature_names)), (starts[0], starts[1])
