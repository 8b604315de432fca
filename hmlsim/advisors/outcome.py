"""p̂(y | x): the gradient-boosted outcome model that ψ (eq. 5) takes expectations with.

The paper uses XGBoost tuned by a randomised cross-validated search
(:func:`fit_xgboost_outcome_model`, used by ``method="authors"``); hmlsim uses
scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (it
accepts missing values) with a
small seeded grid (no extra dependency), fitted once per training set and
shared by every advisor variant and α. The search (:func:`grid_search`) finds
what ``GridSearchCV`` finds, but grows the grid's shorter and longer boosting
runs as one run per fold. The same machinery fits the expert's
reliability p̂(h = y | x, c^H) (:func:`fit_expertise_model`), which ψ combines
with p̂(y | x) into P(y | x, h) (:func:`posterior_given_decision`).

The boosting runs on one OpenMP thread: on small training sets (hundreds to a
few thousand rows) extra threads buy nothing, and on a busy machine they spin
against each other (a 3-minute fit instead of a 1-second one was measured on
the project's loaded 2-core machine).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import get_scorer
from sklearn.model_selection import ParameterGrid, StratifiedKFold

from hmlsim.errors import ConfigError
from hmlsim.seeding import SeedLike, make_rng
from hmlsim.threads import limited_threads

#: the grid searched by :func:`fit_outcome_model`
DEFAULT_GRID: dict[str, list] = {"max_depth": [2, 3], "max_iter": [50, 150]}

#: how p̂(y | x) is fitted and read on the training rows (:func:`fit_p_y`): hmlsim's
#: histogram boosting with out-of-fold training values, or the authors' XGBoost in-sample
P_Y_FITS = ("out-of-fold", "xgboost-in-sample")

#: the authors' XGBoost search (their ``run.py``): 5 random points of this grid,
#: 3 stratified folds, scored by ROC AUC, the best refitted on every training row
XGBOOST_GRID: dict[str, list] = {
    "min_child_weight": [1, 5, 10],
    "gamma": [0.5, 1, 1.5, 2, 5],
    "subsample": [0.6, 0.8, 1.0],
    "colsample_bytree": [0.6, 0.8, 1.0],
    "max_depth": [3, 4, 5, 6],
    "learning_rate": [0.001, 0.01, 0.02, 0.05],
}
XGBOOST_POINTS = 5


class ConstantOutcomeModel:
    """p̂(y = 1 | x) fixed to the training base rate (used when y has one class)."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    def predict_proba(self, X) -> np.ndarray:
        """Columns P(y = 0), P(y = 1) for each row of ``X``."""
        n = np.asarray(X).shape[0]
        return np.column_stack([np.full(n, 1.0 - self.rate), np.full(n, self.rate)])


def _training_rows(X, y) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix (float) and the 0/1 labels, checked to have as many rows."""
    labels = np.asarray(y).astype(int)
    matrix = np.asarray(X, dtype=float)
    if matrix.shape[0] != labels.shape[0]:
        raise ConfigError("y", f"has {labels.shape[0]} labels for {matrix.shape[0]} rows")
    return matrix, labels


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
    matrix, labels = _training_rows(X, y)
    if labels.min() == labels.max():
        return ConstantOutcomeModel(float(labels[0]))
    generator = make_rng(rng)
    folds = int(min(cv, np.bincount(labels).min()))
    model = HistGradientBoostingClassifier(
        learning_rate=0.1, early_stopping=False, random_state=int(generator.integers(2**31 - 1))
    )
    if folds < 2:
        with limited_threads(1):
            return model.fit(matrix, labels)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=int(generator.integers(2**31 - 1)))
    with limited_threads(1):
        return grid_search(model, grid or DEFAULT_GRID, matrix, labels, splitter)


def fit_xgboost_outcome_model(X, y, *, cv: int = 3, rng: SeedLike = None):
    """Fit p̂(y | x) as the TeamRules authors do: XGBoost tuned by a randomised search.

    :data:`XGBOOST_POINTS` points of :data:`XGBOOST_GRID` (XGBoost's other
    settings at their defaults, 100 trees), each scored by ROC AUC over ``cv``
    shuffled stratified folds; the best is refitted on all rows. The authors fix
    the search's seeds (1001); here they come from ``rng``. Needs the
    ``xgboost`` package (``xgboost-cpu`` on PyPI, a dependency of hmlsim).

    Parameters
    ----------
    X : array_like of shape (n, d)
        May hold missing values.
    y : array_like of int in {0, 1}
    cv : int, default 3
        Stratified folds (fewer if a class has fewer rows).
    rng : int, Generator or None
        Seeds the folds, the search and XGBoost's row and column sampling.

    Returns
    -------
    estimator
        ``predict_proba(X)``; a :class:`ConstantOutcomeModel` if ``y`` has one class.
    """
    from sklearn.model_selection import RandomizedSearchCV

    try:
        from xgboost import XGBClassifier
    except ImportError as error:  # pragma: no cover - a dependency; only a broken install
        raise ConfigError(
            "p_y_fit", f"'xgboost-in-sample' needs xgboost (pip install xgboost-cpu): {error}"
        ) from None
    matrix, labels = _training_rows(X, y)
    if labels.min() == labels.max():
        return ConstantOutcomeModel(float(labels[0]))
    generator = make_rng(rng)
    seeds = [int(s) for s in generator.integers(2**31 - 1, size=3)]
    model = XGBClassifier(n_jobs=1, random_state=seeds[0])
    folds = int(min(cv, np.bincount(labels).min()))
    with limited_threads(1):
        if folds < 2:
            return model.fit(matrix, labels)
        search = RandomizedSearchCV(
            model,
            XGBOOST_GRID,
            n_iter=XGBOOST_POINTS,
            scoring="roc_auc",
            cv=StratifiedKFold(folds, shuffle=True, random_state=seeds[1]),
            random_state=seeds[2],
        )
        return search.fit(matrix, labels).best_estimator_


def check_p_y_fit(how: str, field: str = "p_y_fit") -> str:
    """``how`` if it is one of :data:`P_Y_FITS`; else a ConfigError naming ``field``."""
    if how not in P_Y_FITS:
        raise ConfigError(field, f"must be one of {', '.join(P_Y_FITS)}; got {how!r}")
    return how


def fit_p_y_model(X, y, how: str = "out-of-fold", *, rng: SeedLike = None):
    """Fit p̂(y | x) ``how`` (:data:`P_Y_FITS`).

    ``"out-of-fold"`` (hmlsim's): :func:`fit_outcome_model`;
    ``"xgboost-in-sample"`` (the authors'): :func:`fit_xgboost_outcome_model`.
    :func:`training_proba` gives its values on the training rows.

    Raises
    ------
    ConfigError
        ``p_y_fit`` when ``how`` is not in :data:`P_Y_FITS`.
    """
    check_p_y_fit(how)
    if how == "out-of-fold":
        return fit_outcome_model(X, y, rng=rng)
    return fit_xgboost_outcome_model(X, y, rng=rng)


def training_proba(model, X, y, how: str = "out-of-fold", *, rng: SeedLike = None) -> np.ndarray:
    """p̂(y = 1 | x) on the rows ``model`` was fitted on, read ``how`` (:data:`P_Y_FITS`).

    ``"out-of-fold"``: :func:`out_of_fold_proba` (seeded by ``rng``);
    ``"xgboost-in-sample"``: the fitted model's own predictions on those rows.
    ``how`` is checked as in :func:`fit_p_y_model`.
    """
    check_p_y_fit(how)
    if how == "out-of-fold":
        return out_of_fold_proba(model, X, y, rng=rng)
    with limited_threads(1):
        return model.predict_proba(np.asarray(X, dtype=float))[:, 1]


def grid_search(model, grid: dict[str, list], X: np.ndarray, y: np.ndarray, cv):
    """What ``GridSearchCV(model, grid, scoring="neg_log_loss", cv=cv).fit(X, y)`` finds.

    The same folds, scores, choice (the best mean log-loss; the first of
    equals) and refit on all rows, so the same fitted ``best_estimator_`` --
    but grid points that differ only in ``max_iter`` share one boosting run
    per fold: the model is scored after the shorter run, then boosting goes on
    (``warm_start``) to the longer one, whose first trees are exactly the
    shorter model's. With the default grid that fits 150 rather than 200
    iterations per depth and fold.

    Parameters
    ----------
    model : HistGradientBoostingClassifier
        Unfitted; with ``early_stopping=False`` (else every grid point is fitted alone).
    grid : dict of str to list
    X, y : training rows and labels
    cv : cross-validation splitter

    Returns
    -------
    estimator
        ``model`` with the best parameters, fitted on all of ``X``.
    """
    candidates = list(ParameterGrid(grid))
    if len(candidates) == 1:  # nothing to choose: the scores would decide nothing
        return clone(model).set_params(**candidates[0]).fit(X, y)
    splits = list(cv.split(X, y))
    scorer = get_scorer("neg_log_loss")
    stageable = isinstance(model, HistGradientBoostingClassifier) and (
        model.early_stopping is False
    )
    runs: dict[tuple, list[int]] = {}
    for i, params in enumerate(candidates):
        rest = tuple(sorted((k, v) for k, v in params.items() if k != "max_iter"))
        runs.setdefault(rest if stageable else (i,), []).append(i)
    scores = np.empty((len(candidates), len(splits)))
    for members in runs.values():
        members.sort(key=lambda i: candidates[i].get("max_iter", model.get_params()["max_iter"]))
        for s, (train, test) in enumerate(splits):
            est = clone(model).set_params(warm_start=True) if stageable else None
            for i in members:
                if not stageable:
                    est = clone(model)
                est.set_params(**candidates[i]).fit(X[train], y[train])
                scores[i, s] = scorer(est, X[test], y[test])
    means = np.average(scores, axis=1)
    if np.isnan(means).all():
        best = 0
    else:
        best = int(np.argmax(np.nan_to_num(means, nan=np.nanmin(means) - 1)))
    return clone(model).set_params(**candidates[best]).fit(X, y)


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
    with limited_threads(1):
        for train, held in splitter.split(matrix, labels):
            fold_model = clone(model).fit(matrix[train], labels[train])
            out[held] = fold_model.predict_proba(matrix[held])[:, 1]
    return out


def expertise_features(X, c_human) -> np.ndarray:
    """The inputs of the expertise model: the instance's features and the expert's confidence."""
    matrix = np.asarray(X, dtype=float)
    ch = np.asarray(c_human, dtype=float).reshape(-1, 1)
    if ch.shape[0] != matrix.shape[0]:
        raise ConfigError("c_human", f"has {ch.shape[0]} values for {matrix.shape[0]} rows")
    return np.hstack([matrix, ch])


def fit_expertise_model(X, y, h, c_human, *, rng: SeedLike = None):
    """Fit p̂(h = y | x, c^H): where the expert's own decision is right.

    The same grid-searched boosting as :func:`fit_outcome_model`, on the
    features plus the expert's confidence, with target 1{h = y}. A perfect (or
    always wrong) expert gives a :class:`ConstantOutcomeModel`.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y, h : array_like of int in {0, 1}
        Labels and the expert's decisions on the same rows.
    c_human : array_like of float
        The expert's confidence.
    rng : int, Generator or None

    Returns
    -------
    estimator
        ``predict_proba(expertise_features(X, c_human))[:, 1]`` is p̂(h = y).
    """
    correct = (np.asarray(h).astype(int) == np.asarray(y).astype(int)).astype(int)
    return fit_outcome_model(expertise_features(X, c_human), correct, rng=rng)


def posterior_given_decision(p_y, h, p_correct, *, eps: float = 1e-3) -> np.ndarray:
    """P(y = 1 | x, h): p̂(y | x) updated with the expert's decision (Bayes' rule).

    With q = P(h = y | x, c^H) (the expert errs independently of the label):
    P(y = 1 | x, h) ∝ p̂(y=1|x) · (q if h = 1 else 1 - q) against
    (1 - p̂(y=1|x)) · (q if h = 0 else 1 - q). Advice contradicting a reliable
    expert is then judged right only as often as it is when the expert disagrees.
    q is clipped to [eps, 1 - eps] and p̂(y | x) to [1e-6, 1 - 1e-6].

    Examples
    --------
    >>> posterior_given_decision([0.95, 0.95], [0, 0], [0.95, 0.6]).round(3).tolist()
    [0.5, 0.927]
    """
    p = np.clip(np.asarray(p_y, dtype=float), 1e-6, 1 - 1e-6)
    q = np.clip(np.asarray(p_correct, dtype=float), eps, 1 - eps)
    one = np.asarray(h).astype(int) == 1
    like1 = np.where(one, q, 1.0 - q)
    like0 = np.where(one, 1.0 - q, q)
    return p * like1 / (p * like1 + (1.0 - p) * like0)
