"""A dataset of your own, declared in a small TOML file: ``load_dataset("my.toml")``.

The file names the data (``path``, relative to the TOML file's folder), the
target and its positive value, the columns to drop and the groups the
simulated experts refer to, in the language of the built-in declarations
(``"age < 30"``; a list means "all of"). Everything else a
:class:`~hmlsim.data.spec.DatasetSpec` holds may be set too. ::

    name = "loans"
    path = "loans.csv"
    target = "default"
    positive = "yes"                 # or [">", 0]
    drop = ["id"]
    group_features = ["age"]         # group columns that are features too
    difficulty_threshold = 0.5
    decision_group = "young"
    confidence_group = "women"

    [groups]
    young = "age < 30"
    women = "sex == 'F'"
    young_women = ["age < 30", "sex == 'F'"]

:func:`load_dataset_spec` reads the file **and the data it names** and checks
both before anything is computed: a wrong key, column or value raises
:class:`~hmlsim.errors.ConfigError` naming the field (``dataset.target``,
``dataset.groups.young``) and what the data holds.

Features
--------
The columns the groups read are **not** features unless declared: with no
``features`` key, the features are every column except the target, ``drop``
and the group columns, plus the group columns listed in ``group_features``;
with ``features``, exactly the columns listed. (The built-in datasets keep
their group columns ``age`` and ``sex`` as features, as the paper does.) A
group is never a column of ``X``: it is a boolean array in ``Split.groups``.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hmlsim.data.builtin import BUILTIN
from hmlsim.data.checks import (
    check_finite,
    check_labels,
    check_positive_present,
    check_splits,
    check_text_columns,
)
from hmlsim.data.loaders import read_table
from hmlsim.data.spec import OPERATORS, DatasetSpec, GroupCondition, group_mask
from hmlsim.errors import ConfigError, check_path

log = logging.getLogger(__name__)

#: the keys a dataset TOML file may hold, and what each one is
KEYS: dict[str, str] = {
    "name": "short name used in tables (default: the TOML file's stem)",
    "description": "one line for reports",
    "path": "the CSV or ARFF file, relative to the TOML file's folder",
    "target": "the label column",
    "positive": "the target value meaning y = 1, or a comparison such as ['>', 0]",
    "drop": "columns that are not features (identifiers, constants, leaks)",
    "features": "the feature columns, exactly (default: see group_features)",
    "group_features": "columns read by [groups] that are features too",
    "categorical": "numeric columns to one-hot encode",
    "missing_values": "strings meaning 'missing' in any column, e.g. ['?', 'n/a']",
    "missing_zero": "columns where 0 means 'not measured'",
    "special_values": "numeric codes meaning 'missing for a reason' (indicator + imputed)",
    "split_fractions": "held-out fractions: human-training, learning, validation, test",
    "difficulty_threshold": "d_t of the difficulty-biased expert, in [0, 1]",
    "decision_group": "default group of the group-biased decisions",
    "confidence_group": "default group of the group-biased confidence",
    "max_categories": "most distinct values a text column may have (default 50)",
    "groups": "table of named conditions: name = 'column op value' or a list (all of)",
}

#: DatasetSpec attribute -> the field an error names
NAMES: dict[str, str] = {
    "name": "dataset.name",
    "description": "dataset.description",
    "path": "dataset.path",
    "target_column": "dataset.target",
    "positive_value": "dataset.positive",
    "drop_columns": "dataset.drop",
    "feature_columns": "dataset.features",
    "categorical_columns": "dataset.categorical",
    "missing_values": "dataset.missing_values",
    "missing_zero_columns": "dataset.missing_zero",
    "special_values": "dataset.special_values",
    "split_fractions": "dataset.split_fractions",
    "difficulty_threshold": "dataset.difficulty_threshold",
    "decision_group": "dataset.decision_group",
    "confidence_group": "dataset.confidence_group",
    "max_categories": "dataset.max_categories",
    "group_conditions": "dataset.groups",
}

DEFAULT_MAX_CATEGORIES = 50
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_IN = re.compile(r"^(?P<column>.+?)\s+(?P<op>not\s+in|in)\s+(?P<value>\[.*\])$")
_COMPARE = re.compile(r"^(?P<column>.+?)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>.+)$")


def is_dataset_toml(value: Any) -> bool:
    """Whether ``value`` names a dataset TOML file (a string or path ending in ``.toml``)."""
    return isinstance(value, (str, os.PathLike)) and str(value).lower().endswith(".toml")


def parse_condition(text: str, field: str = "dataset.groups") -> GroupCondition:
    """Read ``"column op value"`` (the form ``str(GroupCondition)`` prints).

    The value is a TOML value: text in quotes (``'Male'`` or ``"Male"``),
    numbers and ``true`` / ``false`` bare, a list in brackets for ``in`` and
    ``not in``.

    Examples
    --------
    >>> parse_condition("age < 30")
    GroupCondition(column='age', op='<', value=30)
    >>> str(parse_condition("sex == 'Male'"))
    "sex == 'Male'"
    >>> parse_condition("region in ['north', 'east']").value
    ['north', 'east']
    """
    if not isinstance(text, str):
        raise ConfigError(field, f"a condition is a string such as 'age < 30', got {text!r}")
    stripped = text.strip()
    match = _IN.match(stripped) or _COMPARE.match(stripped)
    if match is None:
        raise ConfigError(
            field,
            f"cannot read {text!r}: write 'column op value' with op one of {', '.join(OPERATORS)}",
        )
    raw_value = match["value"].strip()
    try:
        value = tomllib.loads(f"v = {raw_value}")["v"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(
            field,
            f"cannot read the value {raw_value!r} in {text!r}: quote text ('Male'), "
            "write numbers bare (30) and lists in brackets (['a', 'b'])",
        ) from None
    op = " ".join(match["op"].split())
    return GroupCondition(match["column"].strip(), op, value)


def load_dataset_spec(path: str | os.PathLike) -> DatasetSpec:
    """Read a dataset TOML file, check it against the data it names, return its spec.

    Parameters
    ----------
    path : str or path-like
        The TOML file (keys: :data:`KEYS`; module docstring).

    Returns
    -------
    DatasetSpec
        With ``path`` resolved and ``feature_columns`` listed, so that
        ``load_dataset(spec)`` reads the same file with the same features.

    Raises
    ------
    ConfigError
        Before any work starts, naming the field (``dataset.<key>``): a
        missing or empty file, an unknown key or column, a positive value
        the target does not hold, a target with one class or rows without
        a label, text among numbers, an infinite value, a text column with
        more than ``max_categories`` values, a group no row satisfies, or
        splits that would miss a class.

    Examples
    --------
    >>> from hmlsim.data import example_dataset_toml
    >>> spec = load_dataset_spec(example_dataset_toml())
    >>> spec.name, spec.target_column, spec.positive_value
    ('example_loans', 'default', 'yes')
    >>> "senior" in spec.feature_columns
    False
    """
    toml_path = check_path("dataset", path)
    try:
        doc = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("dataset", f"{toml_path} is not valid TOML: {exc}") from None
    for key in doc:
        if key not in KEYS:
            raise ConfigError(f"dataset.{key}", f"unknown key; accepted: {', '.join(KEYS)}")
    for key in ("path", "target", "positive"):
        if key not in doc:
            raise ConfigError(f"dataset.{key}", f"missing in {toml_path.name}: {KEYS[key]}")

    name = _text(doc, "name", toml_path.stem)
    if not _NAME.match(name):
        raise ConfigError(
            "dataset.name",
            f"{name!r}: use letters, digits, '_', '.' and '-' (set `name` in {toml_path.name})",
        )
    if name in BUILTIN:
        raise ConfigError("dataset.name", f"{name!r} is a built-in dataset's name; choose another")
    data_path = toml_path.parent / Path(_text(doc, "path")).expanduser()
    try:
        data_path = check_path("dataset.path", data_path).resolve()
    except ConfigError as error:
        raise ConfigError(
            error.field, f"{error.message} (relative to the folder of {toml_path.name})"
        ) from None
    missing_values = _strings(doc, "missing_values")
    try:
        raw = read_table(data_path, missing_values)
    except ConfigError as error:
        raise ConfigError("dataset.path", error.message) from None
    columns = list(map(str, raw.columns))
    source = data_path.name

    def known(key: str, column: str) -> str:
        if column not in columns:
            raise ConfigError(
                f"dataset.{key}",
                f"column {column!r} not in {source}; columns: {', '.join(columns)}",
            )
        return column

    target = known("target", _text(doc, "target"))
    lists = {
        key: tuple(known(key, c) for c in _strings(doc, key))
        for key in ("drop", "features", "group_features", "categorical", "missing_zero")
    }
    groups = _groups(doc.get("groups", {}), known)
    features = _feature_columns(doc, lists, groups, columns, target)
    for key in ("categorical", "missing_zero"):
        for column in lists[key]:
            if column not in features:
                raise ConfigError(f"dataset.{key}", f"column {column!r} is not a feature")

    settings: dict[str, Any] = {}
    if "split_fractions" in doc:
        fractions = doc["split_fractions"]
        if not isinstance(fractions, list) or not all(_is_number(f) for f in fractions):
            raise ConfigError("dataset.split_fractions", f"a list of 4 numbers, got {fractions!r}")
        settings["split_fractions"] = tuple(float(f) for f in fractions)
    if "difficulty_threshold" in doc:
        settings["difficulty_threshold"] = _number(doc, "difficulty_threshold")
    for key in ("decision_group", "confidence_group"):
        if key in doc:
            settings[key] = _text(doc, key)
    special = doc.get("special_values", [])
    if not isinstance(special, list) or not all(_is_number(v) for v in special):
        raise ConfigError("dataset.special_values", f"a list of numbers, got {special!r}")
    max_categories = doc.get("max_categories", DEFAULT_MAX_CATEGORIES)
    if (
        isinstance(max_categories, bool)
        or not isinstance(max_categories, int)
        or max_categories < 1
    ):
        raise ConfigError("dataset.max_categories", f"an integer >= 1, got {max_categories!r}")

    try:
        spec = DatasetSpec(
            name=name,
            target_column=target,
            positive_value=_positive(doc["positive"]),
            group_conditions=groups,
            drop_columns=lists["drop"],
            feature_columns=features,
            categorical_columns=lists["categorical"],
            missing_zero_columns=lists["missing_zero"],
            special_values=tuple(special),
            missing_values=missing_values,
            path=str(data_path),
            description=_text(doc, "description", f"{name} ({source})"),
            **settings,
        )
    except ConfigError as error:
        field = error.field  # a field of the TOML file already, or one of DatasetSpec's
        named = field if field.startswith("dataset.") else NAMES.get(field, f"dataset.{field}")
        raise ConfigError(named, error.message) from None

    check_positive_present(spec, raw, source, NAMES)
    y = check_labels(spec, raw, source, NAMES)
    _check_groups(groups, raw, source)
    feature_frame = spec.features_of(raw)
    check_finite(feature_frame, source, NAMES)
    check_text_columns(feature_frame, source, spec.categorical_columns, max_categories, NAMES)
    check_splits(spec, y, source, NAMES)
    log.info("dataset %s from %s: %d rows, features %s", name, data_path, len(raw), features)
    return spec


# ----------------------------------------------------------------------------- fields


def _text(doc: dict, key: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"dataset.{key}", f"a non-empty string, got {value!r}")
    return value.strip()


def _strings(doc: dict, key: str) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"dataset.{key}", f'a list of strings such as ["id"], got {value!r}')
    if len(set(value)) != len(value):
        raise ConfigError(f"dataset.{key}", f"duplicate entries in {value!r}")
    return tuple(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(doc: dict, key: str) -> float:
    value = doc[key]
    if not _is_number(value):
        raise ConfigError(f"dataset.{key}", f"a number, got {value!r}")
    return float(value)


def _positive(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], str) and value[0] in OPERATORS:
            return (value[0], value[1])
        raise ConfigError(
            "dataset.positive",
            f"a value of the target, or [op, value] with op one of {', '.join(OPERATORS)}; "
            f"got {value!r}",
        )
    if isinstance(value, dict):
        raise ConfigError("dataset.positive", f"a value of the target, got a table {value!r}")
    return value


def _groups(table: Any, known) -> dict[str, tuple[GroupCondition, ...]]:
    if not isinstance(table, dict):
        raise ConfigError("dataset.groups", f"a table [groups] of name = condition, got {table!r}")
    groups: dict[str, tuple[GroupCondition, ...]] = {}
    for name, value in table.items():
        field = f"dataset.groups.{name}"
        if not _NAME.match(name) or name == "all":
            raise ConfigError(
                field, "a group name uses letters, digits, '_', '.' and '-' and is not 'all'"
            )
        texts = value if isinstance(value, list) else [value]
        if not texts:
            raise ConfigError(field, "give at least one condition")
        conditions = tuple(parse_condition(t, field) for t in texts)
        for condition in conditions:
            known(f"groups.{name}", condition.column)
        groups[name] = conditions
    return groups


def _feature_columns(
    doc: dict,
    lists: dict[str, tuple[str, ...]],
    groups: dict[str, tuple[GroupCondition, ...]],
    columns: Sequence[str],
    target: str,
) -> tuple[str, ...]:
    """The feature columns under the policy of the module docstring."""
    if target in lists["drop"]:
        raise ConfigError("dataset.drop", f"holds the target column {target!r}")
    if "features" in doc:
        if "group_features" in doc:
            raise ConfigError(
                "dataset.group_features",
                "give either `features` (every feature column, group columns included) "
                "or `group_features`, not both",
            )
        features = lists["features"]
        for column in features:
            if column == target or column in lists["drop"]:
                where = "the target" if column == target else "in `drop`"
                raise ConfigError("dataset.features", f"column {column!r} is {where}")
    else:
        group_columns = {c.column for conds in groups.values() for c in conds}
        for column in lists["group_features"]:
            if column not in group_columns or column == target:
                raise ConfigError(
                    "dataset.group_features",
                    f"column {column!r} is read by no group (group columns: "
                    f"{', '.join(sorted(group_columns - {target})) or 'none'}); every column "
                    "that is not the target, dropped or read by a group is a feature already",
                )
        features = tuple(
            c
            for c in columns
            if c != target
            and c not in lists["drop"]
            and (c not in group_columns or c in lists["group_features"])
        )
    if not features:
        raise ConfigError("dataset.features", "no feature column is left")
    return features


def _check_groups(
    groups: dict[str, tuple[GroupCondition, ...]], raw: pd.DataFrame, source: str
) -> None:
    """Each condition compares like with like, and each group holds at least one row."""
    for name, conditions in groups.items():
        field = f"dataset.groups.{name}"
        for condition in conditions:
            values = raw[condition.column]
            numeric = pd.api.types.is_numeric_dtype(values)
            compared = condition.value if condition.op in ("in", "not in") else [condition.value]
            if condition.op in ("in", "not in") and not (
                isinstance(condition.value, list) and condition.value
            ):
                raise ConfigError(field, f"{condition}: {condition.op} needs a list, e.g. ['a']")
            kinds = {isinstance(v, str) for v in compared}
            if kinds != {not numeric}:
                sample = sorted(values.dropna().unique().tolist(), key=str)
                held = "numbers" if numeric else "text"
                raise ConfigError(
                    field,
                    f"{condition}: column {condition.column!r} of {source} holds {held} "
                    f"({', '.join(map(repr, sample[:5]))}{', ...' if len(sample) > 5 else ''})"
                    "; quote text values and write numbers bare",
                )
            if not group_mask(condition, raw).any():
                raise ConfigError(field, f"no row of {source} satisfies {condition}")
        if not group_mask(conditions, raw).any():
            joined = " and ".join(map(str, conditions))
            raise ConfigError(field, f"no row of {source} satisfies {joined}")
