"""How often a simulated expert is right: per-row accuracy models and decisions.

Every decision behaviour of ``SPEC.md`` part B is a per-row probability of a
correct decision, p_i = P(h_i = y_i); a decision is the true label flipped
with probability 1 - p_i (:func:`flip_decisions`). The models here compute
p_i from a :class:`~hmlsim.data.splits.Split`:

- :class:`DifficultyModel` + :class:`DifficultyAccuracy`: the
  difficulty-biased expert. A logistic regression on standardised features,
  fitted on the dataset's **human-training holdout** (as in the authors'
  released code), gives d = 2|p(y=1|x) - 0.5|; rows with d > d_t (the
  regression is sure: "easy" rows) are decided with accuracy 0.60, the
  others with 1.00;
- :class:`AccuracyMap`: accuracy by declared group, first matching rule wins
  (the group-biased expert, 0.60 inside the group and 0.95 outside, the case
  study's doctors, the Table-4 expert, and anything a user declares).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hmlsim.data.splits import Split
from hmlsim.errors import ConfigError, check_probability


class AccuracyModel(Protocol):
    """Anything that gives each row of a split its probability of a correct decision."""

    def correct_probability(self, split: Split) -> np.ndarray: ...


def flip_decisions(y: np.ndarray, p_correct: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Decisions equal to ``y`` except where a uniform draw exceeds ``p_correct``.

    Parameters
    ----------
    y : ndarray of int
        True binary labels.
    p_correct : ndarray of float
        Per-row probability of deciding correctly, in [0, 1].
    rng : numpy.random.Generator
        Source of the draws.

    Returns
    -------
    ndarray of int
        The expert's decisions h.

    Examples
    --------
    >>> import numpy as np
    >>> flip_decisions(np.array([0, 1, 1]), np.array([1.0, 1.0, 0.0]), np.random.default_rng(0))
    array([0, 1, 0])
    """
    y = np.asarray(y, dtype=int)
    p = np.asarray(p_correct, dtype=float)
    flip = rng.random(y.shape) >= p
    return np.where(flip, 1 - y, y)


@dataclass
class DifficultyModel:
    """Logistic-regression difficulty d = 2|p(y=1|x) - 0.5| (high d: the regression is sure).

    Build it with :meth:`fit`; ``pipeline`` is a standardiser + logistic regression.
    """

    pipeline: Pipeline
    feature_names: tuple[str, ...]

    @classmethod
    def fit(cls, split: Split, *, C: float = 1.0, random_state: int = 0) -> DifficultyModel:
        """Fit on ``split`` (use the dataset's ``human_train`` holdout)."""
        if len(np.unique(split.y)) < 2:
            raise ConfigError("human_train", "the difficulty model needs both classes")
        pipeline = make_pipeline(
            StandardScaler(), LogisticRegression(C=C, max_iter=2000, random_state=random_state)
        )
        pipeline.fit(split.X.to_numpy(), split.y)
        return cls(pipeline=pipeline, feature_names=tuple(split.X.columns))

    def difficulty(self, split: Split) -> np.ndarray:
        """d in [0, 1] for each row of ``split``."""
        if tuple(split.X.columns) != self.feature_names:
            raise ConfigError("split", "its columns differ from those the difficulty model saw")
        p = self.pipeline.predict_proba(split.X.to_numpy())[:, 1]
        return np.abs(p - 0.5) * 2.0


@dataclass(frozen=True)
class DifficultyAccuracy:
    """Difficulty-biased accuracy: ``easy`` where d > ``threshold``, ``hard`` elsewhere.

    Parameters
    ----------
    model : DifficultyModel
        The fitted difficulty model.
    threshold : float
        d_t (0.6 heart, 0.3 FICO, 0.8 HR).
    easy : float, default 0.60
        Accuracy where the regression is sure (d > d_t).
    hard : float, default 1.00
        Accuracy on the other rows (the expert is deliberately strong there).
    """

    model: DifficultyModel
    threshold: float
    easy: float = 0.60
    hard: float = 1.00

    def __post_init__(self) -> None:
        check_probability("threshold", self.threshold)
        check_probability("easy", self.easy)
        check_probability("hard", self.hard)

    def is_easy(self, split: Split) -> np.ndarray:
        """Rows with d > d_t."""
        return self.model.difficulty(split) > self.threshold

    def correct_probability(self, split: Split) -> np.ndarray:
        return np.where(self.is_easy(split), self.easy, self.hard)


def _rows_of(split: Split, group: str) -> np.ndarray:
    if group.startswith("not "):
        return ~split.group(group[4:])
    return split.group(group)


def _group_rules(rules, field: str) -> tuple[tuple[str, float], ...]:
    """``(group, value)`` pairs from a mapping or a sequence; each value checked in [0, 1]."""
    rules = rules.items() if isinstance(rules, Mapping) else rules
    rules = tuple((str(g), float(v)) for g, v in rules)
    for group, value in rules:
        check_probability(f"{field}[{group}]", value)
    return rules


def _first_match(split: Split, rules: tuple[tuple[str, float], ...], default: float) -> np.ndarray:
    """Per row: the value of the first rule whose group holds the row, else ``default``."""
    out = np.full(len(split), default, dtype=float)
    assigned = np.zeros(len(split), dtype=bool)
    for group, value in rules:
        rows = _rows_of(split, group) & ~assigned
        out[rows] = value
        assigned |= rows
    return out


@dataclass(frozen=True)
class AccuracyMap:
    """Accuracy by declared group: the first rule whose group holds gives the row's accuracy.

    Parameters
    ----------
    rules : sequence of (group, accuracy)
        Group names of the dataset (``"male"``, ``"age_lt_50"``; prefix
        ``"not "`` negates) with the accuracy on their rows.
    default : float
        Accuracy on rows that no rule covers.

    Examples
    --------
    >>> doctor = AccuracyMap((("male", 0.90),), default=0.60)
    >>> group_biased = AccuracyMap.group("age_lt_50", inside=0.60, outside=0.95)
    """

    rules: tuple[tuple[str, float], ...]
    default: float

    def __post_init__(self) -> None:
        rules = _group_rules(self.rules, "accuracy")
        check_probability("default", self.default)
        object.__setattr__(self, "rules", rules)

    @classmethod
    def group(cls, group: str, inside: float = 0.60, outside: float = 0.95) -> AccuracyMap:
        """The group-biased expert: ``inside`` on the group's rows, ``outside`` elsewhere."""
        return cls(((group, inside),), default=outside)

    def correct_probability(self, split: Split) -> np.ndarray:
        return _first_match(split, self.rules, self.default)


def check_groups(split: Split, groups: Sequence[str]) -> None:
    """Raise :class:`ConfigError` if a referenced group is not declared for the split."""
    for group in groups:
        name = group[4:] if group.startswith("not ") else group
        if name not in split.groups:
            raise ConfigError(
                "group", f"unknown group {name!r}; declared: {', '.join(split.groups)}"
            )
