"""The paper's stratified splits and the :class:`Split` value object.

The TeamRules authors split each dataset with four successive stratified
:func:`sklearn.model_selection.train_test_split` calls, each with
``random_state = i`` (their runs use i = 20, 21, ...): a human-training holdout,
a "learning" holdout (for the confidence and discretion models), a validation
split and a test split; what is left is the training split. scikit-learn holds
out ``ceil(fraction * n)`` rows, which reproduces the paper's 505/87/127 (heart),
6,120/801/1,080 (FICO) and 568/38/143 (HR) exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from hmlsim.errors import ConfigError

SPLIT_NAMES: tuple[str, ...] = ("human_train", "learning", "validation", "test", "train")


@dataclass(frozen=True, eq=False)
class Split:
    """One split of a dataset: features, labels, raw rows and group indicators.

    Attributes
    ----------
    name : str
        ``"train"``, ``"validation"``, ``"test"``, ``"human_train"`` or ``"learning"``.
    X : DataFrame
        Model-ready float features (same columns in every split).
    y : ndarray of int
        Binary labels.
    frame : DataFrame
        The raw rows (original columns, including the target), same index as ``X``.
    groups : dict of str to ndarray of bool
        The dataset's declared group conditions evaluated on these rows.
    """

    name: str
    X: pd.DataFrame
    y: np.ndarray
    frame: pd.DataFrame
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        return (
            f"Split({self.name!r}, rows={len(self)}, features={self.X.shape[1]}, "
            f"positive={int(self.y.sum())}, groups={sorted(self.groups)})"
        )

    @property
    def index(self) -> pd.Index:
        """Row labels of the source file (0-based data row numbers)."""
        return self.X.index

    def group(self, name: str) -> np.ndarray:
        """The boolean indicator of group ``name`` (ConfigError if undeclared)."""
        if name not in self.groups:
            raise ConfigError(
                "group", f"unknown group {name!r}; declared: {', '.join(self.groups)}"
            )
        return self.groups[name]

    def subset(self, rows: np.ndarray, name: str | None = None) -> Split:
        """A new split with the rows selected by a boolean mask or positions."""
        rows = np.asarray(rows)
        positions = np.flatnonzero(rows) if rows.dtype == bool else rows
        return Split(
            name=name or self.name,
            X=self.X.iloc[positions],
            y=self.y[positions],
            frame=self.frame.iloc[positions],
            groups={k: v[positions] for k, v in self.groups.items()},
        )


def paper_split_positions(
    y: np.ndarray, fractions: tuple[float, float, float, float], random_state: int
) -> dict[str, np.ndarray]:
    """Row positions of each split, by the authors' four stratified holdouts.

    Parameters
    ----------
    y : ndarray
        Binary labels of all rows (used to stratify).
    fractions : 4-tuple of float
        Held-out fractions for human-training, learning, validation and test,
        each applied to what the previous steps left.
    random_state : int
        Passed unchanged to every ``train_test_split`` call.

    Returns
    -------
    dict of str to ndarray of int
        Keys ``human_train``, ``learning``, ``validation``, ``test``, ``train``.

    Examples
    --------
    >>> y = np.array([0, 1] * 460)
    >>> positions = paper_split_positions(y, (0.08, 0.15, 0.12, 0.2), 20)
    >>> sizes = {name: len(rows) for name, rows in positions.items()}
    >>> sizes["train"], sizes["validation"], sizes["test"]
    (505, 87, 127)
    """
    if not 0 <= int(random_state) < 2**32:
        raise ConfigError("seed", f"must be an integer in [0, 2**32), got {random_state!r}")
    remaining = np.arange(len(y))
    out: dict[str, np.ndarray] = {}
    for name, fraction in zip(SPLIT_NAMES[:4], fractions, strict=True):
        try:
            remaining, held = train_test_split(
                remaining,
                test_size=fraction,
                stratify=y[remaining],
                random_state=int(random_state),
            )
        except ValueError as exc:
            raise ConfigError(
                "split_fractions", f"cannot hold out {fraction} for the {name} split: {exc}"
            ) from exc
        out[name] = np.asarray(held)
    out["train"] = np.asarray(remaining)
    return out
