"""p̂(y | x): the gradient-boosted outcome model that ψ (eq. 5) takes expectations with.

The paper uses XGBoost tuned by grid-search cross-validation; hmlsim uses
scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (it
accepts missing values) with a
small seeded grid (no extra dependency), fitted once per training set and
shared by every advisor variant and α.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from hmlsim.errors import ConfigError
from hmlsim.seeding import SeedLike, make_rng

#: the grid searched by :func:`fit_outcome_model`
DEFAULT_GRID: dict[str, list] = {"max_depth": [2, 3], "max_iter": [50, 150]}


class ConstantOutcomeModel:
    """p̂(y = 1 | x) fixed to the training base rate (used when y has one class)."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    def predict_proba(self, X) -> np.ndarray:
        """Columns P(y = 0), P(y = 1) for each row of ``X``."""
        n = np.asarray(X).shape[0]
        return np.column_stack([np.full(n, 1.0 - self.rate), np.full(n, self.rate)])


def fit_outcome_model(
    X,
    y,
    *,
    grid: dict[str, list] | None = None,
    cv: int = 3,
    rng: SeedLike = None,
):
    """Fit p̂(y | x): a gradient-boosted classifier tuned by grid-search CV (log-loss).

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of int in {0, 1}
    grid : dict, optional
        Parameter grid (default :data:`DEFAULT_GRID`).
    cv : int, default 3
        Stratified folds (fewer if a class has fewer rows).
    rng : int, Generator or None
        Seeds the folds and the boosting.

    Returns
    -------
    estimator
        Has ``predict_proba(X)``; a :class:`ConstantOutcomeModel` if ``y`` has one class.
    """
    labels = np.asarray(y).astype(int)
    matrix = np.asarray(X, dtype=float)
    if matrix.shape[0] != labels.shape[0]:
        raise ConfigError("y", f"has {labels.shape[0]} labels for {matrix.shape[0]} rows")
    if labels.min() == labels.max():
        return ConstantOutcomeModel(float(labels[0]))
    generator = make_rng(rng)
    folds = int(min(cv, np.bincount(labels).min()))
    model = HistGradientBoostingClassifier(
        learning_rate=0.1, early_stopping=False, random_state=int(generator.integers(2**31 - 1))
    )
    if folds < 2:
        return model.fit(matrix, labels)
    search = GridSearchCV(
        model,
        grid or DEFAULT_GRID,
        scoring="neg_log_loss",
        cv=StratifiedKFold(folds, shuffle=True, random_state=int(generator.integers(2**31 - 1))),
        n_jobs=1,
    )
    search.fit(matrix, labels)
    return search.best_estimator_


def out_of_fold_proba(model, X, y, *, cv: int = 5, rng: SeedLike = None) -> np.ndarray:
    """p̂(y = 1 | x) on the training rows from models that did not see them (cross-fitting).

    ψ on the training rows must see a p̂(y | x) as good as the one it will see on
    new rows; in-sample predictions of a boosted model are nearly the labels and
    make the annealing trust ψ far more than it should.

    Parameters
    ----------
    model : estimator
        An (unfitted or fitted) classifier with ``predict_proba``; it is cloned
        per fold. A :class:`ConstantOutcomeModel` is returned as is.
    X, y : training rows and labels
    cv : int, default 5
        Stratified folds (fewer if a class has fewer rows).
    rng : int, Generator or None
        Seeds the folds.
    """
    matrix = np.asarray(X, dtype=float)
    labels = np.asarray(y).astype(int)
    if isinstance(model, ConstantOutcomeModel) or labels.min() == labels.max():
        return np.full(len(labels), labels.mean())
    folds = int(min(cv, np.bincount(labels).min()))
    if folds < 2:
        return model.predict_proba(matrix)[:, 1]
    generator = make_rng(rng)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=int(generator.integers(2**31 - 1)))
    out = np.empty(len(labels))
    for train, held in splitter.split(matrix, labels):
        fold_model = clone(model).fit(matrix[train], labels[train])
        out[held] = fold_model.predict_proba(matrix[held])[:, 1]
    return out
