"""p̂(y | x): the staged grid search finds and fits what GridSearchCV does."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from hmlsim.advisors.outcome import (
    DEFAULT_GRID,
    XGBOOST_GRID,
    fit_outcome_model,
    fit_p_y_model,
    grid_search,
    out_of_fold_proba,
    training_proba,
)
from hmlsim.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=6, flip_y=0.2, random_state=4)
    return X, y


@pytest.mark.parametrize(
    "grid",
    [DEFAULT_GRID, {"max_iter": [30, 10, 20], "learning_rate": [0.05, 0.3]}, {"max_depth": [2]}],
)
def test_staged_search_equals_grid_search_cv(data, grid):
    X, y = data
    model = HistGradientBoostingClassifier(early_stopping=False, random_state=3)
    cv = StratifiedKFold(3, shuffle=True, random_state=9)
    ref = GridSearchCV(model, grid, scoring="neg_log_loss", cv=cv, n_jobs=1).fit(X, y)
    fast = grid_search(model, grid, X, y, cv)
    assert fast.get_params() == ref.best_estimator_.get_params()
    assert not fast.get_params()["warm_start"]
    assert np.array_equal(fast.predict_proba(X), ref.best_estimator_.predict_proba(X))


def test_other_models_are_searched_point_by_point(data):
    X, y = data
    grid = {"C": [0.01, 1.0, 100.0]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ref = GridSearchCV(LogisticRegression(), grid, scoring="neg_log_loss", cv=cv).fit(X, y)
    fast = grid_search(LogisticRegression(), grid, X, y, cv)
    assert fast.get_params() == ref.best_estimator_.get_params()


def test_outcome_model_is_reproducible(data):
    X, y = data
    a, b = fit_outcome_model(X, y, rng=5), fit_outcome_model(X, y, rng=5)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_authors_xgboost_is_searched_on_their_grid_and_read_in_sample(data):
    """``xgboost-in-sample``: a point of the authors' XGBoost grid, its training predictions."""
    X, y = data
    model = fit_p_y_model(X, y, "xgboost-in-sample", rng=5)
    assert type(model).__name__ == "XGBClassifier"
    params = model.get_params()
    assert all(params[k] in values for k, values in XGBOOST_GRID.items())
    assert params["n_jobs"] == 1 and model.n_estimators is None  # XGBoost's default, 100 trees
    p = training_proba(model, X, y, "xgboost-in-sample", rng=0)
    assert np.array_equal(p, model.predict_proba(X)[:, 1])
    again = fit_p_y_model(X, y, "xgboost-in-sample", rng=5)
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    # hmlsim's choice reads the training rows out of fold, from other fits
    ours = fit_p_y_model(X, y, "out-of-fold", rng=5)
    assert isinstance(ours, HistGradientBoostingClassifier)
    oof = training_proba(ours, X, y, "out-of-fold", rng=2)
    assert np.array_equal(oof, out_of_fold_proba(ours, X, y, rng=2))
    assert not np.allclose(oof, ours.predict_proba(X)[:, 1])


def test_p_y_fit_is_checked(data):
    X, y = data
    with pytest.raises(ConfigError) as err:
        fit_p_y_model(X, y, "xgboost")
    assert err.value.field == "p_y_fit" and "xgboost-in-sample" in str(err.value)
