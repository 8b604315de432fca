"""Classification with TeamRules advisors (SPEC B inside the loop of SPEC A, i.e. SPEC C).

Each epoch draws cases from the data set's training pool; the simulated
experts of :mod:`hmlsim.behaviour` decide them; the firm's advisor (a
TeamRules variant or task-only, :mod:`hmlsim.advisors`) advises; the experts
accept or reject by their true ADB. The firm retrains its advisor on the final
decisions d (standing in for y), with the experts' answers h and c^H, and
refits its discretion model p̂(a | c^M, c^H) from the accept/reject answers it
observed. Utility is accuracy against the hidden labels (λ0 = λ1 = 1):

- *model utility*: test-split accuracy of the advisor's own model of the task
  (the rule set for task-only; for a TeamRules variant its label model
  p̂(y | x), see :func:`model_predict`);
- *team utility*: accuracy of the final decisions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError, check_choice, check_probability
from hmlsim.model.domains.base import Advice, Cases, Decisions, Response
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads

log = logging.getLogger(__name__)

#: the advisor variants of the TeamRules paper (Table 1, Appendix B); the same as
#: :data:`hmlsim.advisors.VARIANTS` (tested), written out so that importing the model
#: does not load scikit-learn
CLASSIFICATION_ADVISORS: tuple[str, ...] = (
    "TR",
    "TR-no(ADB)",
    "TR-no(Cost)",
    "TR-no(ADB,Cost)",
    "Task-only",
    "TR-SelectiveOnly",
)

#: expert decision behaviours; "mixed" alternates difficulty- and group-biased experts
DECISIONS: tuple[str, ...] = ("difficulty", "group", "mixed")

#: fewest observed contradicted answers (of both kinds) before the firm refits p̂(a)
MIN_ANSWERS = 20


#: grid of the outcome model p̂(y | x) refitted every epoch (kept small: one fit per epoch)
OUTCOME_GRID: dict[str, list] = {"max_depth": [3], "max_iter": [50]}


@dataclass(frozen=True)
class FirmAdvisor:
    """The firm's deployed classification advisor.

    Attributes
    ----------
    estimator : advisor estimator of :mod:`hmlsim.advisors`
    discretion : discretion model p̂(a | c^M, c^H)
    outcome : outcome model p̂(y | x), fitted on the same labels as ``estimator``
    """

    estimator: Any
    discretion: Any
    outcome: Any

    def p_y(self, X: pd.DataFrame) -> np.ndarray:
        """p̂(y = 1 | x) for each row."""
        with limited_threads(1):
            return np.asarray(self.outcome.predict_proba(np.asarray(X, dtype=float)))[:, 1]


class ClassificationDomain:
    """The classification domain of :class:`~hmlsim.model.model.CollaborationModel`.

    Parameters
    ----------
    dataset : {"heart", "fico", "hr"}
        Data set (FICO from ``HMLSIM_FICO_PATH`` or ``path``).
    advisor : str
        One of :data:`CLASSIFICATION_ADVISORS`.
    decision, confidence : str
        Expert behaviour (``decision="mixed"`` alternates the two decision biases).
    alpha : float
        The context's reconciliation cost.
    initial_quality : float
        Accuracy of the labels the initial advisor is trained on (truth with a
        share 1 − q of labels flipped): the firm's model before deployment.
    n_iter : int
        Annealing iterations per fit.
    n_trees : int
        Random-forest trees per rule length when mining candidate rules
        (the paper's 250 is slow to refit every epoch; 25 finds similar rules
        on these data sets).
    heterogeneity : float
        Log-normal spread of the experts' ADB parameters (0: identical experts).
    path : str, optional
        Data file (FICO).
    rng : numpy Generator
        Source of the data split seed and the experts' fits.
    """

    name = "classification"

    def __init__(
        self,
        dataset: str = "heart",
        advisor: str = "TR",
        decision: str = "difficulty",
        confidence: str = "accuracy",
        alpha: float = 0.1,
        initial_quality: float = 0.75,
        n_iter: int = 200,
        n_trees: int = 25,
        heterogeneity: float = 0.2,
        path: str | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        from hmlsim.data import load_dataset

        self.advisor = check_choice("advisor", advisor, CLASSIFICATION_ADVISORS)
        self.decision = check_choice("decision", decision, DECISIONS)
        self.confidence = confidence
        self.alpha = float(alpha)
        if self.alpha < 0:
            raise ConfigError("alpha", f"must be >= 0, got {alpha!r}")
        self.initial_quality = check_probability("initial_quality", initial_quality)
        if int(n_iter) < 1:
            raise ConfigError("n_iter", f"must be >= 1, got {n_iter!r}")
        self.n_iter = int(n_iter)
        self.n_trees = int(n_trees)
        self.heterogeneity = float(heterogeneity)
        self.rng = make_rng(rng)
        self.data = load_dataset(dataset, path=path, seed=20)
        self.pool = self.data.train
        self._base: dict[str, Any] = {}

    # --- cases ----------------------------------------------------------------------
    def new_cases(self, n: int, rng: np.random.Generator) -> Cases:
        """``n`` rows of the training pool (without replacement while the pool lasts)."""
        rows = rng.choice(len(self.pool), size=n, replace=n > len(self.pool))
        return _cases(self.pool.subset(np.sort(rows)))

    def evaluation_cases(self, n: int, rng: np.random.Generator) -> Cases:
        """The test split (``n`` is ignored: the whole split is used)."""
        return _cases(self.data.test)

    def take(self, cases: Cases, index: np.ndarray) -> Cases:
        """The sub-batch at positions ``index``."""
        return _cases(cases.payload.subset(np.asarray(index, dtype=int)))

    # --- experts --------------------------------------------------------------------
    def _expert(self, decision: str) -> Any:
        from hmlsim.behaviour import make_expert

        if decision not in self._base:
            self._base[decision] = make_expert(
                self.data, decision=decision, confidence=self.confidence, rng=self.rng
            )
        return self._base[decision]

    def make_experts(self, n: int, rng: np.random.Generator) -> list[tuple[str, Any]]:
        """``n`` experts; their ADB parameters spread by :attr:`heterogeneity`."""
        from hmlsim.behaviour import perturb_adb

        kinds = (["difficulty", "group"] * n if self.decision == "mixed" else [self.decision] * n)[
            :n
        ]
        experts = []
        for i, kind in enumerate(kinds):
            base = self._expert(kind)
            expert = perturb_adb(base, self.heterogeneity, rng) if self.heterogeneity else base
            experts.append((kind, replace(expert, name=f"{kind} expert {i + 1}")))
        return experts

    def decide(self, behaviour: Any, cases: Cases, rng: np.random.Generator) -> Decisions:
        """The expert's own decisions h and confidence c^H."""
        h, c_h = behaviour.decide(cases.payload, rng)
        return Decisions(labels=np.asarray(h, dtype=int), confidence=np.asarray(c_h, dtype=float))

    # --- advice ---------------------------------------------------------------------
    def initial_advisor(self, rng: np.random.Generator) -> FirmAdvisor:
        """The firm's first advisor, trained before deployment on labels of quality q.

        Outside the loop: the pool's labels with a share ``1 − initial_quality``
        flipped, the decisions of the first expert, and a discretion model fitted
        by :func:`hmlsim.behaviour.fit_discretion_model` on that expert.
        """
        from hmlsim.behaviour import fit_discretion_model

        expert = self._expert("difficulty" if self.decision == "mixed" else self.decision)
        flip = rng.random(len(self.pool)) >= self.initial_quality
        labels = np.where(flip, 1 - self.pool.y, self.pool.y)
        h, c_h = expert.decide(self.pool, rng)
        with limited_threads(1):
            discretion = fit_discretion_model(expert, self.data, rng=rng)
        return self._fit(self.pool.X, labels, h, c_h, discretion, rng)

    def _fit(
        self,
        X: pd.DataFrame,
        labels: np.ndarray,
        h: np.ndarray,
        c_h: np.ndarray,
        discretion: Any,
        rng: np.random.Generator,
    ) -> FirmAdvisor:
        from hmlsim.advisors.outcome import fit_outcome_model
        from hmlsim.advisors.teamrules import make_advisor

        seeds = rng.integers(2**31, size=2)
        estimator = make_advisor(
            self.advisor,
            alpha=self.alpha,
            n_iter=self.n_iter,
            n_trees_per_length=self.n_trees,
            random_state=int(seeds[0]),
        )
        # one BLAS/OpenMP thread: the boosting oversubscribes a busy 2-core machine badly
        with limited_threads(1):
            outcome = fit_outcome_model(X, labels, grid=OUTCOME_GRID, cv=2, rng=int(seeds[1]))
            firm = FirmAdvisor(estimator, discretion, outcome)
            estimator.fit(X, labels, h, c_h, discretion, p_y=firm.p_y(X))
        return firm

    def advise(self, advisor: FirmAdvisor, cases: Cases, decisions: Decisions) -> Advice:
        """The advisor's advice on the batch (ŷ = h where it withholds)."""
        advice = advisor.estimator.advise(
            cases.features,
            decisions.labels,
            decisions.confidence,
            p_y=advisor.p_y(cases.features),
        )
        mask = np.asarray(advice.advise, dtype=bool)
        labels = np.where(mask, np.asarray(advice.y_hat, dtype=int), decisions.labels)
        confidence = np.nan_to_num(np.where(mask, advice.c_model, 0.0), nan=0.0)
        return Advice(mask=mask, labels=labels, confidence=confidence)

    def respond(
        self,
        behaviour: Any,
        cases: Cases,
        decisions: Decisions,
        advice: Advice,
        rng: np.random.Generator,
    ) -> Response:
        """Accept contradicting advice by the expert's true ADB; final decisions."""
        contradicted = advice.mask & (advice.labels != decisions.labels)
        accepted = (
            np.asarray(
                behaviour.accept(np.clip(advice.confidence, 0.0, 1.0), decisions.confidence, rng),
                dtype=bool,
            )
            & contradicted
        )
        labels = np.where(accepted, advice.labels, decisions.labels)
        return Response(labels=labels, contradicted=contradicted, accepted=accepted)

    def retrain(
        self,
        advisor: FirmAdvisor,
        features: list[Any],
        labels: list[np.ndarray],
        observed: dict[str, np.ndarray],
        rng: np.random.Generator,
    ) -> FirmAdvisor:
        """Refit p̂(a) on observed answers, then the advisor on final decisions only."""
        discretion = refit_discretion(advisor.discretion, observed, rng)
        X = pd.concat(features, axis=0, ignore_index=True)
        d = np.concatenate(labels)
        if np.unique(d).size < 2:
            log.warning("final decisions have one class; keeping the deployed advisor")
            return replace(advisor, discretion=discretion)
        return self._fit(X, d, observed["h"], observed["c_h"], discretion, rng)

    # --- utility (hidden truth) -----------------------------------------------------
    def model_utility(self, advisor: FirmAdvisor, cases: Cases) -> np.ndarray:
        """Per-case correctness of the advisor's own model of the task."""
        return (model_predict(advisor, cases.features) == cases.truth).astype(float)

    def team_utility(self, cases: Cases, labels: np.ndarray) -> np.ndarray:
        """Per-case correctness of ``labels`` (1 − decision loss with λ0 = λ1 = 1)."""
        return (np.asarray(labels) == cases.truth).astype(float)

    def describe(self, advisor: FirmAdvisor) -> str:
        """The advisor's rules as text."""
        rules = getattr(advisor.estimator, "rules_", ())
        if not rules:
            return "(no rules: the expert decides alone)"
        return "\n".join(f"{i + 1:2d}. {rule}" for i, rule in enumerate(rules))


def model_predict(advisor: FirmAdvisor, X: pd.DataFrame) -> np.ndarray:
    """The advisor's own label for every row: its model of the task alone.

    Task-only (and TR-SelectiveOnly, through its task-only rules) predict with
    their rule set; a TeamRules variant has no label for rows its rules leave
    to the expert, so its model of the task is its outcome model p̂(y | x),
    fitted on the same labels (threshold 0.5).
    """
    estimator = advisor.estimator
    if hasattr(estimator, "predict"):
        return np.asarray(estimator.predict(X), dtype=int)
    if hasattr(estimator, "task_only_"):
        return np.asarray(estimator.task_only_.predict(X), dtype=int)
    return (advisor.p_y(X) >= 0.5).astype(int)


def refit_discretion(
    previous: Any, observed: dict[str, np.ndarray], rng: np.random.Generator
) -> Any:
    """The firm's p̂(a | c^M, c^H) refitted on the accept/reject answers it observed.

    Only contradicted rows carry an answer. With fewer than :data:`MIN_ANSWERS`
    answers of either kind the previous model is kept.
    """
    from sklearn.ensemble import GradientBoostingClassifier

    from hmlsim.behaviour.discretion import FEATURES, DiscretionModel

    rows = observed["contradicted"]
    accepted = observed["accepted"][rows]
    if min(int(accepted.sum()), int((~accepted).sum())) < MIN_ANSWERS:
        return previous
    data = pd.DataFrame(
        {"c_human": observed["c_h"][rows], "c_model": observed["c_m"][rows], "agreement": 0.0}
    )
    classifier = GradientBoostingClassifier(
        n_estimators=100, max_depth=3, random_state=int(rng.integers(2**31))
    )
    with limited_threads(1):
        classifier.fit(data[list(FEATURES)], accepted.astype(int))
    return DiscretionModel(classifier=classifier, n_train_=len(data))


def _cases(split: Any) -> Cases:
    return Cases(
        features=split.X,
        truth=np.asarray(split.y, dtype=int),
        groups=dict(split.groups),
        payload=split,
    )
