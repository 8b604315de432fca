"""Classification with TeamRules advisors (SPEC B inside the loop of SPEC A, i.e. SPEC C).

Each epoch draws cases from the data set's training pool; the simulated
experts of :mod:`hmlsim.behaviour` decide them; the firm's advisor (a
TeamRules variant or task-only, :mod:`hmlsim.advisors`) advises; the experts
accept or reject by their true ADB. The firm then retrains on what it observed
(SPEC D, :mod:`hmlsim.model.observation`) — never on the hidden labels:

- the **task model** p̂(y | x) (boosted trees) learns from the final decisions
  d (and, with ``task_labels="decisions+audit"``, from the audited truth);
- **p̂(a)** from the observed accept / reject answers;
- the **expertise model** p̂(h = y | x, c^H) only from audited rows (at least
  ``min_audit``), otherwise there is none. It updates the firm's belief (below)
  for every ψ advisor, and enters ψ itself only in hmlsim's ``"TR+expertise"``;
  TR's ψ is always the paper's, with p̂(y | x);
- the **annealing objective** against the firm's *belief* about y: the
  revealed truth on audited rows, elsewhere the out-of-fold p̂(y | x) (updated
  with the expert's answer by the expertise model when there is one).
  ``annealing_targets="decisions"`` scores against d itself instead ("d stands
  in for y" taken literally; a selective advisor then cannot leave silence).

Utility is accuracy against the hidden labels (λ0 = λ1 = 1), for every advisor
the same: *model utility* u is the accuracy of the deployed task model
p̂(y | x) ≥ 0.5 (the firm's model of the task, trained on its labels), *team
utility* Φ(u) the accuracy of the experts' final decisions with the advice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError, check_alpha, check_choice, check_probability
from hmlsim.model.domains.base import Advice, Cases, Decisions, Response
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads

if TYPE_CHECKING:
    from hmlsim.model.memo import FitMemo
    from hmlsim.model.observation import TrainingSet

log = logging.getLogger(__name__)

#: the advisor variants of the TeamRules paper (Table 1, Appendix B) and hmlsim's
#: "TR+expertise"; the same as :data:`hmlsim.advisors.VARIANTS` (tested), written out
#: so that importing the model does not load scikit-learn
CLASSIFICATION_ADVISORS: tuple[str, ...] = (
    "TR",
    "TR-no(ADB)",
    "TR-no(Cost)",
    "TR-no(ADB,Cost)",
    "Task-only",
    "TR-SelectiveOnly",
    "TR+expertise",
)

#: expert decision behaviours; "mixed" alternates difficulty- and group-biased experts
DECISIONS: tuple[str, ...] = ("difficulty", "group", "mixed")

#: fewest observed contradicted answers (of both kinds) before the firm refits p̂(a)
MIN_ANSWERS = 20


#: grid of the outcome model p̂(y | x) refitted every epoch (kept small: one fit per epoch)
OUTCOME_GRID: dict[str, list] = {"max_depth": [3], "max_iter": [50]}


#: what the annealing scores advice against (see the module docstring)
ANNEALING_TARGETS: tuple[str, ...] = ("belief", "decisions")

#: what the task model p̂(y | x) learns from
TASK_LABELS: tuple[str, ...] = ("decisions", "decisions+audit")


@dataclass(frozen=True)
class FirmAdvisor:
    """The firm's deployed classification advisor.

    Attributes
    ----------
    estimator : advisor estimator of :mod:`hmlsim.advisors`
    discretion : discretion model p̂(a | c^M, c^H)
    outcome : the task model p̂(y | x), fitted on the same labels as ``estimator``
    variant : str
        The advisor type (one of :data:`CLASSIFICATION_ADVISORS`).
    expertise : estimator or None
        p̂(h = y | x, c^H), fitted on audited rows only (None: the paper's ψ).
    learned_from : dict
        Rows each estimator learned from (``"labels"``, ``"audited"``, ``"answers"``).
    """

    estimator: Any
    discretion: Any
    outcome: Any
    variant: str = "TR"
    expertise: Any = None
    learned_from: dict[str, int] = field(default_factory=dict)
    _last_p_y: list = field(default_factory=list, init=False, repr=False, compare=False)

    def p_y(self, X: pd.DataFrame) -> np.ndarray:
        """p̂(y = 1 | x) for each row.

        The last table asked about and its answer are kept: every expert's
        advice and u on the held-out cases ask about the same table each epoch.
        """
        last = self._last_p_y
        if last and last[0] is X:
            return last[1].copy()
        with limited_threads(1):
            p = np.asarray(self.outcome.predict_proba(np.asarray(X, dtype=float)))[:, 1]
        self._last_p_y[:] = [X, p]  # holds X: its id cannot pass to another table
        return p.copy()


class ClassificationDomain:
    """The classification domain of :class:`~hmlsim.model.model.CollaborationModel`.

    Parameters
    ----------
    dataset : {"heart", "fico", "hr"}
        Data set (FICO from ``path``, else where :func:`hmlsim.data.resolve_fico_path`
        finds it: ``HMLSIM_FICO_PATH``, then ``shared/data`` beside the checkout).
    advisor : str
        The default advisor type, one of :data:`CLASSIFICATION_ADVISORS`.
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
        Log-normal spread of the experts' ADB parameters (0: identical experts);
        ignored when ``expert_distributions`` is given.
    expert_distributions : mapping, optional
        Declared distributions of the experts' parameters — accuracy levels as
        well as ADB (:func:`hmlsim.behaviour.sample_experts`), e.g.
        ``{"easy_accuracy": (0.75, 0.95), "hard_accuracy": (0.5, 0.7), "delta": (3, 7)}``.
    annealing_targets : {"belief", "decisions"}
        What the annealing scores advice against (module docstring).
    task_labels : {"decisions", "decisions+audit"}
        What the task model learns from.
    min_audit : int
        Fewest revealed audited rows (with both right and wrong expert answers)
        before the firm fits an expertise model.
    fit_memo : FitMemo, optional
        Fits remembered by their inputs and the generator's state
        (:mod:`hmlsim.model.memo`): runs that share them (another audit share,
        TR+expertise before any expertise model) reuse them, value for value.
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
        expert_distributions: Mapping[str, Any] | None = None,
        annealing_targets: str = "belief",
        task_labels: str = "decisions+audit",
        min_audit: int = 30,
        fit_memo: FitMemo | None = None,
        path: str | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        from hmlsim.data import load_dataset, resolve_fico_path

        self.advisor = check_choice("advisor", advisor, CLASSIFICATION_ADVISORS)
        self.decision = check_choice("decision", decision, DECISIONS)
        self.confidence = confidence
        self.alpha = check_alpha("alpha", alpha)
        self.initial_quality = check_probability("initial_quality", initial_quality)
        if int(n_iter) < 1:
            raise ConfigError("n_iter", f"must be >= 1, got {n_iter!r}")
        self.n_iter = int(n_iter)
        self.n_trees = int(n_trees)
        self.heterogeneity = float(heterogeneity)
        self.expert_distributions = dict(expert_distributions or {})
        self.annealing_targets = check_choice(
            "annealing_targets", annealing_targets, ANNEALING_TARGETS
        )
        self.task_labels = check_choice("task_labels", task_labels, TASK_LABELS)
        if isinstance(min_audit, bool) or int(min_audit) != min_audit or min_audit < 2:
            raise ConfigError("min_audit", f"must be an integer >= 2, got {min_audit!r}")
        self.min_audit = int(min_audit)
        self.rng = make_rng(rng)
        if dataset == "fico" and path is None:
            # where every other part of hmlsim looks: HMLSIM_FICO_PATH, then shared/data
            path = resolve_fico_path()
        self.memo = fit_memo
        self.data = load_dataset(dataset, path=path, seed=20)
        #: every setting a fit reads besides its arguments (part of a memo key)
        self.settings = (
            str(dataset),
            str(path),
            self.decision,
            self.confidence,
            self.alpha,
            self.initial_quality,
            self.n_iter,
            self.n_trees,
            self.heterogeneity,
            self.expert_distributions,
            self.annealing_targets,
            self.task_labels,
            self.min_audit,
        )
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
        """``n`` experts: from ``expert_distributions``, else ADB spread by ``heterogeneity``."""
        from hmlsim.behaviour import perturb_adb, sample_experts

        kinds = (["difficulty", "group"] * n if self.decision == "mixed" else [self.decision] * n)[
            :n
        ]
        experts = []
        for i, kind in enumerate(kinds):
            if self.expert_distributions:
                (drawn,), _ = sample_experts(
                    self.data,
                    1,
                    self.expert_distributions,
                    rng,
                    decision=kind,
                    confidence=self.confidence,
                )
                expert = drawn
            else:
                base = self._expert(kind)
                expert = perturb_adb(base, self.heterogeneity, rng) if self.heterogeneity else base
            experts.append((kind, replace(expert, name=f"{kind} expert {i + 1}")))
        return experts

    def decide(self, behaviour: Any, cases: Cases, rng: np.random.Generator) -> Decisions:
        """The expert's own decisions h and confidence c^H."""
        h, c_h = behaviour.decide(cases.payload, rng)
        return Decisions(labels=np.asarray(h, dtype=int), confidence=np.asarray(c_h, dtype=float))

    # --- advice ---------------------------------------------------------------------
    def initial_advisor(self, rng: np.random.Generator, variant: str | None = None) -> FirmAdvisor:
        """The firm's first advisor, trained before deployment on labels of quality q.

        Outside the loop: the pool's labels with a share ``1 − initial_quality``
        flipped (the firm takes them for the truth: no expertise model yet), the
        decisions of the first expert, and a discretion model fitted by
        :func:`hmlsim.behaviour.fit_discretion_model` on that expert.
        """
        variant = self.advisor if variant is None else variant
        check_choice("advisor", variant, CLASSIFICATION_ADVISORS)
        expert = self._expert("difficulty" if self.decision == "mixed" else self.decision)
        # no audits yet: TR+expertise fits what TR fits
        return self._memo_fit(
            "initial advisor",
            lambda g: self._initial_advisor(g, variant, expert),
            rng,
            variant,
            self._effective(variant, None),
            expert,
        )

    def _initial_advisor(self, rng: np.random.Generator, variant: str, expert: Any) -> FirmAdvisor:
        from hmlsim.behaviour import fit_discretion_model

        flip = rng.random(len(self.pool)) >= self.initial_quality
        labels = np.where(flip, 1 - self.pool.y, self.pool.y)
        h, c_h = expert.decide(self.pool, rng)
        with limited_threads(1):
            discretion = fit_discretion_model(expert, self.data, rng=rng)
        no_audit = np.full(len(labels), np.nan)
        return self._fit(variant, self.pool.X, labels, h, c_h, discretion, no_audit, None, rng)

    def _effective(self, variant: str, audit: Any) -> str:
        """The variant a fit computes: TR+expertise is TR while too few audits arrived."""
        if variant == "TR+expertise" and (audit is None or len(audit) < self.min_audit):
            return "TR"
        return variant

    def _memo_fit(
        self, name: str, fit: Any, rng: np.random.Generator, variant: str, *inputs: Any
    ) -> FirmAdvisor:
        """``fit(rng)``, through the fit memo when there is one; labelled ``variant``."""
        if self.memo is None:
            return fit(rng)
        firm = self.memo.call(name, fit, rng, inputs=(self.settings, *inputs))
        return firm if firm.variant == variant else replace(firm, variant=variant)

    def _fit_expertise(self, audit: Any, rng: np.random.Generator) -> Any:
        """p̂(h = y | x, c^H) from audited rows only, or None when they are too few."""
        from hmlsim.advisors.outcome import fit_expertise_model

        if audit is None or len(audit) < self.min_audit:
            return None
        correct = audit.h == audit.y
        if min(int(correct.sum()), int((~correct).sum())) < 2:
            return None
        with limited_threads(1):
            return fit_expertise_model(
                audit.features, audit.y, audit.h, audit.c_h, rng=int(rng.integers(2**31))
            )

    def _fit(
        self,
        variant: str,
        X: pd.DataFrame,
        labels: np.ndarray,
        h: np.ndarray,
        c_h: np.ndarray,
        discretion: Any,
        y_audit: np.ndarray,
        audit: Any,
        rng: np.random.Generator,
        warm_start: Any = None,
    ) -> FirmAdvisor:
        from hmlsim.advisors.outcome import (
            expertise_features,
            fit_outcome_model,
            out_of_fold_proba,
            posterior_given_decision,
        )
        from hmlsim.advisors.teamrules import make_advisor

        seeds = rng.integers(2**31, size=3)
        uses_psi = variant != "Task-only"  # task-only ignores the expert: no ψ, no beliefs
        expertise = self._fit_expertise(audit, rng) if uses_psi else None
        estimator = make_advisor(
            variant,
            alpha=self.alpha,
            n_iter=self.n_iter,
            n_trees_per_length=self.n_trees,
            random_state=int(seeds[0]),
        )
        if variant == "TR+expertise" and expertise is None:
            # no audited model of the expert yet: ψ falls back on p̂(y | x), the paper's
            estimator.set_params(use_expertise=False)
        matrix = np.asarray(X, dtype=float)
        known = np.isfinite(y_audit)
        # one BLAS/OpenMP thread: the boosting oversubscribes a busy 2-core machine badly
        with limited_threads(1):
            outcome = fit_outcome_model(matrix, labels, grid=OUTCOME_GRID, cv=2, rng=int(seeds[1]))
            firm = FirmAdvisor(
                estimator,
                discretion,
                outcome,
                variant=variant,
                expertise=expertise,
                learned_from={
                    "labels": len(labels),
                    "audited_in_window": int(known.sum()),
                    "audited_for_expertise": 0 if expertise is None else len(audit),
                },
            )
            if not uses_psi:
                estimator.fit(X, labels, warm_start=warm_start)
                return firm
            # ψ on the training rows sees p̂(y | x) out of fold, as it will on new rows
            p_oof = out_of_fold_proba(outcome, matrix, labels, cv=3, rng=int(seeds[2]))
            if variant == "TR-SelectiveOnly":
                estimator.fit(X, labels, h, c_h, discretion, p_y=p_oof, expertise_model=expertise)
                return firm
            q = (
                None
                if expertise is None
                else expertise.predict_proba(expertise_features(matrix, c_h))[:, 1]
            )
            belief = p_oof if q is None else posterior_given_decision(p_oof, h, q)
            belief = np.where(known, np.nan_to_num(y_audit), belief)
            estimator.fit(
                X,
                labels,
                h,
                c_h,
                discretion,
                p_y=p_oof,
                expertise_model=expertise,
                p_correct=q,
                y_belief=belief if self.annealing_targets == "belief" else None,
                warm_start=warm_start,
            )
        return firm

    def advise(
        self,
        advisor: FirmAdvisor,
        cases: Cases,
        decisions: Decisions,
        explore: np.ndarray | None = None,
    ) -> Advice:
        """The advisor's advice on the batch (ŷ = h where it withholds).

        On ``explore`` rows where the policy is silent the advisor offers its
        task model's answer (confidence max(p̂, 1 − p̂)); where that answer
        differs from h it is a contradiction the expert may accept.
        """
        p_y = advisor.p_y(cases.features)
        advice = advisor.estimator.advise(
            cases.features, decisions.labels, decisions.confidence, p_y=p_y
        )
        mask = np.asarray(advice.advise, dtype=bool)
        labels = np.where(mask, np.asarray(advice.y_hat, dtype=int), decisions.labels)
        confidence = np.nan_to_num(np.where(mask, advice.c_model, 0.0), nan=0.0)
        explored = np.zeros(len(mask), dtype=bool)
        if explore is not None:
            own = (p_y >= 0.5).astype(int)
            explored = np.asarray(explore, dtype=bool) & ~mask
            labels = np.where(explored, own, labels)
            confidence = np.where(explored, np.maximum(p_y, 1.0 - p_y), confidence)
            mask = mask | explored
        return Advice(mask=mask, labels=labels, confidence=confidence, explored=explored)

    def respond(
        self,
        behaviour: Any,
        cases: Cases,
        decisions: Decisions,
        advice: Advice,
        rng: np.random.Generator,
        shift: float = 0.0,
    ) -> Response:
        """Accept contradicting advice by the true ADB (moved by ``shift``); final decisions."""
        contradicted = advice.mask & (advice.labels != decisions.labels)
        c_m = np.clip(advice.confidence, 0.0, 1.0)
        if shift:
            p = np.clip(np.asarray(behaviour.accept_probability(c_m, decisions.confidence)), 0, 1)
            with np.errstate(divide="ignore"):
                logit = np.log(p) - np.log1p(-p)
            accepted = rng.random(len(p)) < 1.0 / (1.0 + np.exp(-(logit + shift)))
        else:
            accepted = np.asarray(behaviour.accept(c_m, decisions.confidence, rng), dtype=bool)
        accepted = accepted & contradicted
        labels = np.where(accepted, advice.labels, decisions.labels)
        return Response(labels=labels, contradicted=contradicted, accepted=accepted)

    def retrain(
        self,
        advisor: FirmAdvisor,
        data: TrainingSet,
        rng: np.random.Generator,
        warm: bool = False,
    ) -> FirmAdvisor:
        """Refit p̂(a) on observed answers, then the advisor on what the firm observed.

        With ``warm`` the deployed rule set's candidates and rules start the
        new fit (:class:`~hmlsim.advisors.rules.WarmStart`); otherwise it starts cold.
        """
        observed = data.observed
        discretion = refit_discretion(advisor.discretion, observed, rng)
        X = pd.concat(data.features, axis=0, ignore_index=True)
        labels = np.concatenate(data.d)
        if self.task_labels == "decisions+audit":
            known = np.isfinite(data.y_audit)
            labels = np.where(known, np.nan_to_num(data.y_audit), labels).astype(int)
        if np.unique(labels).size < 2:
            log.warning("the firm's labels have one class; keeping the deployed advisor")
            return replace(advisor, discretion=discretion)
        start = advisor.estimator.warm_start() if warm else None
        inputs = (X, labels, observed["h"], observed["c_h"], discretion, data.y_audit)
        # the audited rows enter a fit only through an expertise model, fitted from min_audit on
        read = advisor.variant != "Task-only" and len(data.audit) >= self.min_audit
        return self._memo_fit(
            "retrain",
            lambda g: self._fit(advisor.variant, *inputs, data.audit, g, warm_start=start),
            rng,
            advisor.variant,
            self._effective(advisor.variant, data.audit),
            *inputs,
            data.audit if read else None,
            start,
        )

    # --- utility (hidden truth) -----------------------------------------------------
    def model_utility(self, advisor: FirmAdvisor, cases: Cases) -> np.ndarray:
        """Per-case correctness of the deployed task model p̂(y | x) ≥ 0.5 (every advisor)."""
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
    """The deployed task model's label for every row: p̂(y | x) ≥ 0.5.

    The same definition for every advisor type, so that model utility u is
    comparable across advisors: what the firm's labels are worth to one fixed
    learner (the rules' own accuracy is reported separately by the study).
    """
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
