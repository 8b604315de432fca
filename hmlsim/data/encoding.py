"""Turn raw rows into model-ready numeric features, keeping every row.

The TeamRules authors keep rows with missing values and add ``<col>_nan``
indicator columns; so does :class:`FeatureEncoder`:

- values that stand for "not measured" are made missing first (heart
  ``chol == 0`` and ``trestbps == 0``, declared in ``missing_zero_columns``);
- each declared special value ``v`` (FICO -7 "condition not met", -8 "no
  usable trades", -9 "no record") becomes an indicator column ``<col>_eq<v>``
  in every column where it occurs, and the cell is then imputed like a
  missing one (the indicator already says why it is missing, so no
  ``<col>_nan`` column is added for special values);
- numeric columns with empty cells get a ``<col>_nan`` indicator; empty and
  special cells are imputed with the column's median of the measured values
  **on the rows the encoder is fitted on** (the train split, so no statistics
  leak from the test rows);
- text columns (and declared categorical ones) are one-hot encoded with one
  column ``<col>_<category>`` per category seen in the whole file (category
  names only, no labels: every split gets the same columns); missing text
  becomes ``<col>_nan``;
- yes/no columns (``TRUE``/``FALSE``) become 0/1 before the above.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}


def _as_boolean(series: pd.Series) -> pd.Series | None:
    """Return a 0/1 float series if ``series`` only holds yes/no values, else None."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return None
    present = series.dropna()
    if present.empty:
        return None
    lowered = present.astype(str).str.strip().str.lower()
    if not lowered.isin(_TRUE | _FALSE).all():
        return None
    out = pd.Series(np.nan, index=series.index, dtype=float)
    out[present.index] = lowered.isin(_TRUE).astype(float).to_numpy()
    return out


class FeatureEncoder:
    """Encode raw feature columns as floats with missing-value indicators.

    Parameters
    ----------
    categorical_columns : sequence of str
        Numeric columns to one-hot encode anyway.
    missing_zero_columns : sequence of str
        Columns where 0 means missing.
    special_values : sequence of float
        Codes that get their own indicator and are then imputed.

    Attributes
    ----------
    feature_names_ : list of str
        The encoded columns, in order.
    medians_ : dict of str to float
        Imputation value of every numeric column with missing cells.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"a": [1.0, None, 3.0], "c": ["x", "y", None]})
    >>> enc = FeatureEncoder().fit(raw)
    >>> enc.feature_names_
    ['a', 'a_nan', 'c_x', 'c_y', 'c_nan']
    >>> enc.transform(raw)["a"].tolist()
    [1.0, 2.0, 3.0]
    """

    def __init__(
        self,
        categorical_columns: Sequence[str] = (),
        missing_zero_columns: Sequence[str] = (),
        special_values: Sequence[float] = (),
    ) -> None:
        self.categorical_columns = categorical_columns
        self.missing_zero_columns = missing_zero_columns
        self.special_values = special_values

    def _clean(self, raw: pd.DataFrame) -> pd.DataFrame:
        frame = raw.copy()
        for column in frame.columns:
            converted = _as_boolean(frame[column])
            if converted is not None:
                frame[column] = converted
        for column in self.missing_zero_columns:
            frame[column] = frame[column].where(frame[column] != 0)
        return frame

    def fit(self, raw: pd.DataFrame, fit_rows: np.ndarray | None = None) -> FeatureEncoder:
        """Learn columns and categories from ``raw`` and medians from ``raw.iloc[fit_rows]``."""
        frame = self._clean(raw)
        fit_frame = frame if fit_rows is None else frame.iloc[fit_rows]
        self.numeric_: list[str] = []
        self.categories_: dict[str, list] = {}
        self.specials_: dict[str, list[float]] = {}
        self.has_missing_: dict[str, bool] = {}
        self.medians_: dict[str, float] = {}
        names: list[str] = []
        for column in frame.columns:
            values = frame[column]
            numeric = pd.api.types.is_numeric_dtype(values)
            if numeric and column not in self.categorical_columns:
                specials = [v for v in self.special_values if (values == v).any()]
                cleaned = values.where(~values.isin(specials)) if specials else values
                self.numeric_.append(column)
                self.specials_[column] = specials
                self.has_missing_[column] = bool(values.isna().any())
                names.append(column)
                names += [f"{column}_eq{_fmt(v)}" for v in specials]
                if self.has_missing_[column]:
                    names.append(f"{column}_nan")
                if cleaned.isna().any():
                    fit_values = fit_frame[column]
                    fit_values = (
                        fit_values.where(~fit_values.isin(specials)) if specials else (fit_values)
                    )
                    median = fit_values.median()
                    if pd.isna(median):
                        median = cleaned.median()
                    self.medians_[column] = float(0.0 if pd.isna(median) else median)
            else:
                cats = sorted(values.dropna().unique().tolist(), key=str)
                self.categories_[column] = cats
                self.has_missing_[column] = bool(values.isna().any())
                names += [f"{column}_{c}" for c in cats]
                if self.has_missing_[column]:
                    names.append(f"{column}_nan")
        self.feature_names_ = names
        return self

    def transform(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Encode ``raw`` (same columns as at fit time) as a float DataFrame."""
        frame = self._clean(raw)
        out: dict[str, np.ndarray] = {}
        for column in frame.columns:
            values = frame[column]
            if column in self.categories_:
                for cat in self.categories_[column]:
                    out[f"{column}_{cat}"] = (values == cat).to_numpy(dtype=float)
                if self.has_missing_[column]:
                    out[f"{column}_nan"] = values.isna().to_numpy(dtype=float)
                continue
            specials = self.specials_.get(column, [])
            numeric = pd.to_numeric(values, errors="coerce").astype(float)
            for v in specials:
                out[f"{column}_eq{_fmt(v)}"] = (numeric == v).to_numpy(dtype=float)
            cleaned = numeric.where(~numeric.isin(specials)) if specials else numeric
            missing = numeric.isna().to_numpy()
            filled = cleaned.fillna(self.medians_.get(column, 0.0)).to_numpy(dtype=float)
            out[column] = filled
            if self.has_missing_[column]:
                out[f"{column}_nan"] = missing.astype(float)
        return pd.DataFrame(out, index=raw.index).reindex(
            columns=self.feature_names_, fill_value=0.0
        )


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
