"""The discretion model p̂(a | c^M, c^H): what an advisor believes about advice-taking.

The advisor never sees the expert's true ADB; it learns it from recorded
interactions, as the TeamRules authors do (``SPEC.md`` part B):

1. a logistic-regression advisor is trained on rows withheld from the
   interaction data (the dataset's ``train`` split);
2. the simulated expert decides the ``learning`` split's rows (``n_draws``
   independent draws) and answers each *contradicting* recommendation with an
   accept/reject drawn from its true ADB;
3. a :class:`~sklearn.ensemble.GradientBoostingClassifier` is fitted on
   (c^H, c^M, agreement) -> accepted;
4. its AUC is measured on fresh interactions on the ``validation`` split,
   against accept/reject answers drawn from the expert's true ADB (or from a
   perturbed expert's, to degrade the model on purpose: see
   :func:`~hmlsim.behaviour.expert.perturb_adb`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hmlsim.behaviour.expert import Expert
from hmlsim.data.loaders import Dataset
from hmlsim.data.splits import Split
from hmlsim.errors import ConfigError, check_count
from hmlsim.seeding import SeedLike, make_rng

log = logging.getLogger(__name__)

FEATURES: tuple[str, ...] = ("c_human", "c_model", "agreement")


def fit_logistic_advisor(split: Split, random_state: int = 0) -> Pipeline:
    """A standardised logistic regression fitted on ``split`` (the paper's plain advisor)."""
    model = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, random_state=random_state)
    )
    return model.fit(split.X.to_numpy(), split.y)


def interaction_data(
    expert: Expert,
    split: Split,
    advisor: Pipeline,
    rng: SeedLike = None,
    *,
    n_draws: int = 20,
    contradicted_only: bool = True,
) -> pd.DataFrame:
    """Simulated interactions between ``expert`` and a classifier ``advisor`` on ``split``.

    Returns
    -------
    DataFrame
        One row per (draw, instance) with columns ``draw``, ``row``,
        ``c_human``, ``c_model``, ``agreement`` (0/1), ``p_accept`` (the true
        ADB probability) and ``accepted`` (the sampled answer). Only
        contradicted rows unless ``contradicted_only=False``.
    """
    if n_draws < 1:
        raise ConfigError("n_draws", f"must be >= 1, got {n_draws!r}")
    gen = make_rng(rng)
    proba = advisor.predict_proba(split.X.to_numpy())
    advice = proba.argmax(axis=1)
    c_model = proba.max(axis=1)
    frames = []
    for draw in range(n_draws):
        h, c_human = expert.decide(split, gen)
        agree = (advice == h).astype(int)
        p = np.asarray(expert.accept_probability(c_model, c_human), dtype=float)
        accepted = gen.random(p.shape) < p
        frame = pd.DataFrame(
            {
                "draw": draw,
                "row": np.arange(len(split)),
                "c_human": c_human,
                "c_model": c_model,
                "agreement": agree,
                "p_accept": p,
                "accepted": accepted.astype(int),
            }
        )
        frames.append(frame[frame["agreement"] == 0] if contradicted_only else frame)
    return pd.concat(frames, ignore_index=True)


@dataclass
class DiscretionModel:
    """A fitted p̂(a | c^M, c^H, agreement).

    Attributes
    ----------
    classifier : GradientBoostingClassifier
        Fitted on columns ``c_human``, ``c_model``, ``agreement``.
    auc_ : float
        ROC AUC on held-out interactions (answers drawn from the evaluation
        expert's true ADB); NaN if not evaluated.
    auc_oracle_ : float
        The same AUC scored with the true ADB probabilities (the ceiling).
    mae_ : float
        Mean absolute error between p̂(a) and the evaluation expert's true p(a)
        on the held-out interactions (shows degradation that AUC, a ranking
        measure, can hide).
    n_train_ : int
        Interactions it was fitted on.
    """

    classifier: GradientBoostingClassifier
    auc_: float = float("nan")
    auc_oracle_: float = float("nan")
    mae_: float = float("nan")
    n_train_: int = 0

    def predict_proba(
        self, c_model: ArrayLike, c_human: ArrayLike, agreement: ArrayLike = 0
    ) -> np.ndarray:
        """Estimated acceptance probability p̂(a) for each (c^M, c^H) pair (arrays broadcast)."""
        cm, ch, ag = np.broadcast_arrays(
            np.asarray(c_model, dtype=float),
            np.asarray(c_human, dtype=float),
            np.asarray(agreement, dtype=float),
        )
        X = pd.DataFrame({"c_human": ch.ravel(), "c_model": cm.ravel(), "agreement": ag.ravel()})
        return self.classifier.predict_proba(X)[:, 1].reshape(cm.shape)

    __call__ = predict_proba

    def score(self, data: pd.DataFrame) -> float:
        """ROC AUC of this model's p̂(a) against the sampled answers in ``data``."""
        if data["accepted"].nunique() < 2:
            return float("nan")
        p_hat = self.predict_proba(data["c_model"], data["c_human"], data["agreement"])
        return float(roc_auc_score(data["accepted"], p_hat))


def fit_discretion_model(
    expert: Expert,
    ds: Dataset,
    rng: SeedLike = None,
    *,
    n_draws: int = 20,
    eval_draws: int = 20,
    eval_expert: Expert | None = None,
    advisor: Pipeline | None = None,
    n_estimators: int = 100,
    max_depth: int = 3,
) -> DiscretionModel:
    """Learn an expert's discretion from simulated interactions and score it.

    Parameters
    ----------
    expert : Expert
        The expert whose answers are recorded (its true ADB generates them).
    ds : Dataset
        Advisor trained on ``ds.train``; interactions on ``ds.learning``;
        evaluation on ``ds.validation``.
    rng : Generator or int, optional
        Seeds the interactions, the evaluation and the gradient boosting.
    n_draws, eval_draws : int
        Independent expert decision draws for fitting and for evaluation.
    eval_expert : Expert, optional
        Expert whose answers the AUC is measured against (default ``expert``);
        pass a :func:`perturb_adb` copy to measure a degraded model.
    advisor : fitted classifier, optional
        Any ``predict_proba`` model on ``ds``'s features (default a logistic
        regression fitted on ``ds.train``).
    n_estimators, max_depth : int
        Gradient-boosting settings.

    Returns
    -------
    DiscretionModel
    """
    check_count("n_estimators", n_estimators, maximum=100_000)
    check_count("max_depth", max_depth, maximum=64)
    check_count("n_draws", n_draws, maximum=10_000)
    check_count("eval_draws", eval_draws, maximum=10_000)
    gen = make_rng(rng)
    seeds = gen.integers(2**31, size=4)
    if advisor is None:
        advisor = fit_logistic_advisor(ds.train, random_state=int(seeds[0]))
    data = interaction_data(expert, ds.learning, advisor, int(seeds[1]), n_draws=n_draws)
    if data["accepted"].nunique() < 2:
        raise ConfigError(
            "expert", "its answers in the interaction data are all accept or all reject"
        )
    classifier = GradientBoostingClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=int(seeds[2])
    )
    classifier.fit(data[list(FEATURES)], data["accepted"])
    model = DiscretionModel(classifier=classifier, n_train_=len(data))
    held_out = interaction_data(
        eval_expert or expert, ds.validation, advisor, int(seeds[3]), n_draws=eval_draws
    )
    model.auc_ = model.score(held_out)
    p_hat = model.predict_proba(held_out["c_model"], held_out["c_human"], held_out["agreement"])
    model.mae_ = float(np.mean(np.abs(p_hat - held_out["p_accept"].to_numpy())))
    if held_out["accepted"].nunique() == 2:
        model.auc_oracle_ = float(roc_auc_score(held_out["accepted"], held_out["p_accept"]))
    log.info(
        "discretion model for %s: %d interactions, AUC %.3f (oracle %.3f)",
        expert.name,
        len(data),
        model.auc_,
        model.auc_oracle_,
    )
    return model
