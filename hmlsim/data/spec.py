"""Declarations of a dataset: its target, the columns to drop, its groups and its splits.

A dataset is described by data, not by code: a :class:`DatasetSpec` names the
target column and its positive value, the columns to drop, the cleaning rules
(values that stand for "missing") and the group conditions that the simulated
experts' behaviours refer to (``GroupCondition("age", "<", 50)``). The three
datasets of the TeamRules paper are declared this way in
:mod:`hmlsim.data.builtin`; users declare their own CSV the same way, in
Python or in a small TOML file (:mod:`hmlsim.data.user`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError, check_probability

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
OPERATORS: tuple[str, ...] = (*_OPERATORS, "in", "not in")


@dataclass(frozen=True)
class GroupCondition:
    """A condition on one raw column: ``column operator value``.

    Rows whose value is missing never satisfy a condition.

    Parameters
    ----------
    column : str
        Column of the raw data (before encoding).
    op : str
        One of ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, ``in``, ``not in``.
    value : object
        The value compared against (a collection for ``in`` / ``not in``).

    Examples
    --------
    >>> import pandas as pd
    >>> GroupCondition("age", "<", 50).mask(pd.DataFrame({"age": [40, 60, None]})).tolist()
    [True, False, False]
    >>> str(GroupCondition("sex", "==", "Male"))
    "sex == 'Male'"
    """

    column: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ConfigError("op", f"must be one of {', '.join(OPERATORS)}; got {self.op!r}")

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value!r}"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean array: which rows of ``frame`` satisfy the condition."""
        if self.column not in frame.columns:
            known = ", ".join(map(str, frame.columns))
            raise ConfigError(
                "group_conditions", f"unknown column {self.column!r}; the data has {known}"
            )
        values = frame[self.column]
        present = values.notna().to_numpy()
        if self.op in ("in", "not in"):
            result = values.isin(list(self.value)).to_numpy()
            if self.op == "not in":
                result = ~result
        else:
            with np.errstate(invalid="ignore"):
                result = _OPERATORS[self.op](values, self.value)
            result = np.asarray(result, dtype=bool)
        return np.asarray(result & present, dtype=bool)


GroupLike = GroupCondition | Sequence[GroupCondition]


def group_mask(condition: GroupLike, frame: pd.DataFrame) -> np.ndarray:
    """Rows satisfying ``condition``: one :class:`GroupCondition` or a sequence (all must hold)."""
    if isinstance(condition, GroupCondition):
        return condition.mask(frame)
    masks = [c.mask(frame) for c in condition]
    if not masks:
        raise ConfigError("group_conditions", "a conjunction needs at least one GroupCondition")
    return np.logical_and.reduce(masks)


@dataclass(frozen=True)
class DatasetSpec:
    """How to read, clean, label, group and split one tabular dataset.

    Parameters
    ----------
    name : str
        Short name (``"heart"``).
    target_column : str
        Column holding the label.
    positive_value : object or (op, value) tuple
        Rows whose target equals this value are labelled 1; a tuple such as
        ``(">", 0)`` labels the rows satisfying that comparison instead.
    group_conditions : mapping of str to GroupCondition or sequence of them
        Named groups (a sequence means "all of"); each becomes a boolean array
        in ``Split.groups``.
    drop_columns : sequence of str
        Identifier or constant columns that are not features.
    feature_columns : sequence of str, optional
        The feature columns, exactly (the target may not be among them). None
        (default): every column except the target and ``drop_columns``, so the
        columns that ``group_conditions`` read are features too, as in the
        paper. A dataset declared in TOML always resolves this list
        (:func:`hmlsim.data.load_dataset_spec`), leaving group columns out
        unless they are declared as features.
    categorical_columns : sequence of str, optional
        Columns one-hot encoded even though they are numeric (text columns are
        always one-hot encoded).
    missing_zero_columns : sequence of str
        Columns where 0 means "not measured" (set to missing before encoding).
    special_values : sequence of float
        Numeric codes meaning "missing for a reason" (FICO's -7/-8/-9): each
        becomes an indicator column ``<col>_eq<v>`` and the value is imputed.
    missing_values : sequence of str
        Strings that mean "missing" in any column (``"?"``, ``"n/a"``), read as
        empty cells, besides pandas' defaults (empty, ``NA``, ``NaN``, ``null``, ...).
    split_fractions : 4-tuple of float
        Fractions held out, in order, for the human-training, learning,
        validation and test splits (each of what is left); the rest is train.
    file : str, optional
        File name of a copy shipped in ``hmlsim/data/files`` (None: the caller
        gives a path).
    path : str, optional
        The data file (a dataset declared in TOML names it); read when
        :func:`~hmlsim.data.load_dataset` gets no ``path``.
    path_env : str, optional
        Environment variable that may hold the file's path.
    difficulty_threshold : float
        Default d_t of the difficulty-biased expert on this dataset.
    decision_group : str, optional
        Default group of the group-biased decisions (60% accurate inside).
    confidence_group : str, optional
        Default group of the group-biased confidence (0.2 inside).
    description : str
        One line for reports.
    """

    name: str
    target_column: str
    positive_value: Any
    group_conditions: Mapping[str, GroupLike] = field(default_factory=dict)
    drop_columns: tuple[str, ...] = ()
    feature_columns: tuple[str, ...] | None = None
    categorical_columns: tuple[str, ...] = ()
    missing_zero_columns: tuple[str, ...] = ()
    special_values: tuple[float, ...] = ()
    missing_values: tuple[str, ...] = ()
    split_fractions: tuple[float, float, float, float] = (0.10, 0.15, 0.10, 0.20)
    file: str | None = None
    path: str | None = None
    path_env: str | None = None
    difficulty_threshold: float = 0.5
    decision_group: str | None = None
    confidence_group: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        for name in (
            "drop_columns",
            "feature_columns",
            "categorical_columns",
            "missing_zero_columns",
            "missing_values",
        ):
            value = getattr(self, name)
            if value is None and name == "feature_columns":
                continue
            if isinstance(value, str):
                raise ConfigError(name, f"must be a sequence of strings, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        if self.feature_columns is not None and self.target_column in self.feature_columns:
            raise ConfigError("feature_columns", f"holds the target column {self.target_column!r}")
        object.__setattr__(self, "special_values", tuple(self.special_values))
        object.__setattr__(self, "group_conditions", dict(self.group_conditions))
        fractions = tuple(float(f) for f in self.split_fractions)
        if len(fractions) != 4:
            raise ConfigError(
                "split_fractions",
                "needs 4 fractions (human-training, learning, validation, test), "
                f"got {len(fractions)}",
            )
        for f in fractions:
            if not 0.0 < f < 1.0:
                raise ConfigError("split_fractions", f"each fraction must lie in (0, 1), got {f!r}")
        object.__setattr__(self, "split_fractions", fractions)
        check_probability("difficulty_threshold", self.difficulty_threshold)
        for key, cond in self.group_conditions.items():
            conds = [cond] if isinstance(cond, GroupCondition) else list(cond)
            if not conds or not all(isinstance(c, GroupCondition) for c in conds):
                raise ConfigError(
                    "group_conditions",
                    f"{key!r} must be a GroupCondition or a sequence of them, got {cond!r}",
                )
        for name in ("decision_group", "confidence_group"):
            group = getattr(self, name)
            if group is not None and group not in self.group_conditions:
                raise ConfigError(
                    name, f"{group!r} is not a declared group ({', '.join(self.group_conditions)})"
                )

    def positive_mask(self, target: pd.Series) -> np.ndarray:
        """Binary labels (int 0/1) from the raw target column."""
        value = self.positive_value
        if isinstance(value, tuple) and len(value) == 2 and value[0] in OPERATORS:
            return (
                GroupCondition(self.target_column, value[0], value[1])
                .mask(target.to_frame(self.target_column))
                .astype(int)
            )
        return (target == value).to_numpy().astype(int)

    def features_of(self, raw: pd.DataFrame) -> pd.DataFrame:
        """The feature columns of a raw table (before encoding)."""
        if self.feature_columns is not None:
            return raw[list(self.feature_columns)]
        return raw.drop(columns=[self.target_column, *self.drop_columns])

    def check_columns(self, columns: Sequence[str]) -> None:
        """Raise :class:`ConfigError` naming any declared column missing from ``columns``."""
        available = set(columns)
        checks: list[tuple[str, str]] = [("target_column", self.target_column)]
        checks += [
            (f, c)
            for f in (
                "drop_columns",
                "feature_columns",
                "categorical_columns",
                "missing_zero_columns",
            )
            for c in getattr(self, f) or ()
        ]
        for key, cond in self.group_conditions.items():
            conds = [cond] if isinstance(cond, GroupCondition) else list(cond)
            checks += [(f"group_conditions[{key!r}]", c.column) for c in conds]
        for field_name, column in checks:
            if column not in available:
                raise ConfigError(
                    field_name,
                    f"unknown column {column!r}; the data has {', '.join(map(str, columns))}",
                )
