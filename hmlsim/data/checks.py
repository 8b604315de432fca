"""Checks of a table's contents against its declaration, before any work starts.

:func:`~hmlsim.data.load_dataset` runs the checks that hold for every dataset
(:func:`check_labels`, :func:`check_finite`): a row without a label is an
error, not a silent negative, and an infinite value is an error, not a
``StandardScaler`` warning twenty minutes into a sweep. A dataset declared in
TOML (:mod:`hmlsim.data.user`) gets all of them, with the TOML keys as field
names: the positive value must occur in the target, a numeric column must not
hide a few words ("n/a", "12k") that would turn it into one one-hot column per
distinct number, a text column must not have hundreds of categories, and
every split must hold both classes.

Each check takes ``names``, which maps a :class:`~hmlsim.data.spec.DatasetSpec`
attribute (``"target_column"``) to the field an error names
(``"dataset.target"``); by default the attribute's own name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.data.spec import OPERATORS, DatasetSpec
from hmlsim.data.splits import SPLIT_NAMES, paper_split_positions
from hmlsim.errors import ConfigError

#: how many offending values or rows an error message shows
SHOWN = 5


def _name(names: Mapping[str, str] | None, attribute: str) -> str:
    return (names or {}).get(attribute, attribute)


def _few(values: Sequence[Any], total: int | None = None) -> str:
    """``'a', 'b', 'c', ... (12 in all)``: the first :data:`SHOWN` values, quoted."""
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:SHOWN])
    total = len(values) if total is None else total
    return shown + (f", ... ({total} in all)" if total > SHOWN else "")


def _rows(mask: np.ndarray) -> str:
    """Data rows of a boolean mask, 1-based after the header: ``rows 3, 8 and 2 more``."""
    rows = (np.flatnonzero(mask) + 1).tolist()
    more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    return "rows " + ", ".join(map(str, rows[:SHOWN])) + more


def check_positive_present(
    spec: DatasetSpec, raw: pd.DataFrame, source: str, names: Mapping[str, str] | None = None
) -> None:
    """The positive value occurs in the target (or, as a comparison, the target is numeric).

    Raises
    ------
    ConfigError
        Naming ``positive_value`` and listing the values the target holds.
    """
    target = raw[spec.target_column]
    present = target.dropna()
    value = spec.positive_value
    field = _name(names, "positive_value")
    if present.nunique() < 2:
        return  # one value only: check_labels says so
    if isinstance(value, tuple) and len(value) == 2 and value[0] in OPERATORS:
        if value[0] in ("in", "not in"):
            return
        if pd.api.types.is_numeric_dtype(present):
            number = isinstance(value[1], (int, float)) and not isinstance(value[1], bool)
            if not number:
                raise ConfigError(
                    field,
                    f"{value[0]!r} compares numbers: column {spec.target_column!r} of {source} "
                    f"is numeric, but the value is {value[1]!r}",
                )
            return
        raise ConfigError(
            field,
            f"{value[0]!r} {value[1]!r} compares numbers, but column {spec.target_column!r} "
            f"of {source} holds text: {_few(sorted(present.unique().tolist(), key=str))}",
        )
    if not (present == value).any():
        distinct = sorted(present.unique().tolist(), key=str)
        raise ConfigError(
            field,
            f"{value!r} does not occur in column {spec.target_column!r} of {source}; "
            f"its values: {_few(distinct)}",
        )


def check_labels(
    spec: DatasetSpec, raw: pd.DataFrame, source: str, names: Mapping[str, str] | None = None
) -> np.ndarray:
    """Binary labels of ``raw``: every row labelled, both classes present.

    Returns
    -------
    ndarray of int
        ``spec.positive_mask`` of the target column.

    Raises
    ------
    ConfigError
        ``target_column`` for rows without a label (how many, and which) or
        a target that gives one class.
    """
    field = _name(names, "target_column")
    target = raw[spec.target_column]
    missing = target.isna().to_numpy()
    if missing.any():
        raise ConfigError(
            field,
            f"{int(missing.sum())} of {len(raw)} rows of {source} have no value in column "
            f"{spec.target_column!r} ({_rows(missing)}, counting data rows from 1); "
            "hmlsim does not guess labels: fill them in or remove those rows",
        )
    y = spec.positive_mask(target)
    counts = np.bincount(y, minlength=2)
    if counts.min() == 0:
        distinct = target.unique().tolist()
        detail = (
            f"holds one value ({distinct[0]!r}) in all {len(raw)} rows"
            if len(distinct) == 1
            else f"gives only one class with positive_value={spec.positive_value!r} "
            f"({counts[1]} positive, {counts[0]} negative rows)"
        )
        raise ConfigError(field, f"{spec.target_column!r} {detail}; two classes are needed")
    return y


def check_finite(
    features: pd.DataFrame, source: str, names: Mapping[str, str] | None = None
) -> None:
    """No numeric feature column holds ±inf, or a number beyond float32 (±3.4e38).

    An empty cell is how to say "missing". The forests compute in float32, where
    a larger number is infinite.
    """
    largest = float(np.finfo(np.float32).max)
    for column in features.columns:
        values = features[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        numbers = values.to_numpy(dtype=float)
        infinite = np.isinf(numbers)
        huge = np.abs(np.where(infinite, 0.0, np.nan_to_num(numbers))) > largest
        if infinite.any():
            raise ConfigError(
                _name(names, "path"),
                f"column {column!r} of {source} holds {int(infinite.sum())} infinite values "
                f"({_rows(infinite)}); leave a cell empty to mean 'missing'",
            )
        if huge.any():
            raise ConfigError(
                _name(names, "path"),
                f"column {column!r} of {source} holds {int(huge.sum())} values beyond "
                f"±{largest:.3g} ({_rows(huge)}), too large to compute with",
            )


def check_text_columns(
    features: pd.DataFrame,
    source: str,
    categorical: Sequence[str] = (),
    max_categories: int | None = None,
    names: Mapping[str, str] | None = None,
) -> None:
    """Text feature columns are categories, not numbers with junk, and not too many.

    A text column where at least half the filled cells are numbers is taken
    for a numeric column with a few stray strings (unless declared
    categorical): one-hot encoding it would make one feature per distinct
    number. A text (or declared categorical) column with more than
    ``max_categories`` distinct values is an identifier or free text.

    Raises
    ------
    ConfigError
        ``path`` naming the column and a few of its non-numeric values, or
        ``max_categories`` naming the column and its number of categories.
    """
    for column in features.columns:
        values = features[column]
        present = values.dropna()
        declared = column in categorical
        text = not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if text and not declared and not present.empty:
            numbers = pd.to_numeric(present, errors="coerce")
            bad = present[numbers.isna()]
            if len(bad) and numbers.notna().sum() >= len(present) / 2:
                distinct = sorted(bad.astype(str).unique().tolist())
                raise ConfigError(
                    _name(names, "path"),
                    f"column {column!r} of {source} holds numbers and {len(bad)} cells of text: "
                    f"{_few(distinct)}; list those strings in "
                    f"{_name(names, 'missing_values')} if they mean 'missing', fix the file, "
                    f"declare the column in {_name(names, 'categorical_columns')} or drop it",
                )
        if max_categories is not None and (text or declared):
            n_categories = present.nunique()
            if n_categories > max_categories:
                raise ConfigError(
                    _name(names, "max_categories"),
                    f"column {column!r} of {source} has {n_categories} distinct values, "
                    f"which would become {n_categories} one-hot features (at most "
                    f"{max_categories}); drop it if it is an identifier or free text, or "
                    f"raise {_name(names, 'max_categories')}",
                )


def check_splits(
    spec: DatasetSpec, y: np.ndarray, source: str, names: Mapping[str, str] | None = None
) -> None:
    """The four stratified holdouts can be drawn and every split holds both classes."""
    field = _name(names, "split_fractions")
    counts = np.bincount(y, minlength=2)
    sizes = f"{len(y)} rows ({counts[1]} positive, {counts[0]} negative)"
    try:
        positions = paper_split_positions(y, spec.split_fractions, 0)
    except ConfigError as exc:
        raise ConfigError(
            field,
            f"{source}'s {sizes} are too few for split fractions {spec.split_fractions}: "
            f"{exc.message}",
        ) from None
    for name in SPLIT_NAMES:
        classes = np.unique(y[positions[name]])
        if len(classes) < 2:
            raise ConfigError(
                field,
                f"the {name} split of {source}'s {sizes} holds one class only with split "
                f"fractions {spec.split_fractions}; more rows of the rarer class are needed",
            )
