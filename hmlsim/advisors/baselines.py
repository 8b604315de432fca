"""The TeamRules paper's baselines: task-only rules, and task-only rules gated by ψ.

:class:`TaskOnlyAdvisor` maximises accuracy and advises on every row;
:class:`SelectiveOnlyAdvisor` (TR-SelectiveOnly, Appendix C.3) advises with
the task-only rules only where ψ says the advice pays.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from hmlsim.advisors.advisor_base import (
    Advice,
    _accept_function,
    _AdvisorBase,
    _check_rows,
    _matrix_and_names,
)
from hmlsim.advisors.annealing import AdvisingProblem
from hmlsim.advisors.loss import check_alpha, check_loss_weights, psi
from hmlsim.advisors.outcome import (
    fit_expertise_model,
)
from hmlsim.advisors.rules import (
    CandidateRules,
    RuleCandidates,
    WarmStart,
    coverage_matrix,
)
from hmlsim.errors import ConfigError
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)


class TaskOnlyAdvisor(_AdvisorBase):
    """Task-only baseline: a rule set for class 1 maximising accuracy; advises on every row.

    ŷ = 1 where a rule covers, else 0 (eq. 13). Confidence (eq. 14): the
    precision of the most precise covering rule, or the training negative
    predictive value of the uncovered region for ŷ = 0. The rule set is found
    by the same annealing with the loss V(y, ŷ) (h, p̂(a) and α play no part).

    Parameters
    ----------
    loss_weights : (float, float), default (1.0, 1.0)
    n_iter, c0, n_proposals, rule_penalty, max_rule_length, min_support,
    max_candidates, n_trees_per_length, random_state :
        As :class:`TeamRulesAdvisor`.

    Attributes
    ----------
    rules_ : tuple of Rule
    npv_ : float
        Training share of label 0 among uncovered rows (confidence of ŷ = 0).
    train_accuracy_ : float
    n_iter_ : int
    """

    def __init__(
        self,
        loss_weights: tuple[float, float] = (1.0, 1.0),
        n_iter: int = 2000,
        c0: float = 0.01,
        n_proposals: int | None = 50,
        rule_penalty: float = 0.001,
        max_rule_length: int = 4,
        min_support: float = 0.05,
        max_candidates: int = 10_000,
        n_trees_per_length: int = 250,
        random_state=None,
    ) -> None:
        self.loss_weights = loss_weights
        self.n_iter = n_iter
        self.c0 = c0
        self.n_proposals = n_proposals
        self.rule_penalty = rule_penalty
        self.max_rule_length = max_rule_length
        self.min_support = min_support
        self.max_candidates = max_candidates
        self.n_trees_per_length = n_trees_per_length
        self.random_state = random_state

    def fit(
        self,
        X,
        y,
        h=None,
        c_human=None,
        p_accept_model=None,
        p_y=None,
        *,
        candidates: RuleCandidates | None = None,
        feature_names: Sequence[str] | None = None,
        warm_start: WarmStart | None = None,
    ):
        """Learn an accuracy-maximising positive rule set (h, c_human, p̂(a), p_y unused).

        ``warm_start`` (an earlier fit's :meth:`warm_start`) adds its candidates
        and starts the search from its rules, as for :class:`TeamRulesAdvisor`.

        Returns
        -------
        self
        """
        lw = check_loss_weights(self.loss_weights)
        matrix, names = _matrix_and_names(X, feature_names)
        y_ = _check_rows(matrix.shape[0], y=y)["y"].astype(int)
        rng = make_rng(self.random_state)
        self.feature_names_in_ = names
        self.n_features_in_ = matrix.shape[1]
        self.gated_ = False
        self.outcome_model_ = None
        self.constant_ = int(y_[0]) if y_.min() == y_.max() else None
        cands, start = self._candidates(matrix, y_, names, candidates, warm_start, rng)
        self.candidate_rules_ = (cands.pos.rules, ())
        pos_only = RuleCandidates(cands.pos, CandidateRules.empty(len(y_), 0), cands.feature_names)
        n = len(y_)
        problem = AdvisingProblem(
            pos_only,
            y_,
            np.zeros(n, int),
            np.zeros(n),
            y_.astype(float),
            p_accept=None,
            alpha=0.0,
            loss_weights=lw,
            selective=False,
        )
        result = self._anneal(problem, rng, None if start is None else (start[0], []))
        self.annealing_ = result
        self.rules_pos_, self.rules_neg_ = tuple(cands.pos.rules[k] for k in result.pos), ()
        self.rules_ = self.rules_pos_
        self.n_iter_ = result.nit
        covered = coverage_matrix(self.rules_, matrix, names).any(axis=1)
        self.npv_ = float((y_[~covered] == 0).mean()) if (~covered).any() else 1.0
        self.train_accuracy_ = float((covered.astype(int) == y_).mean())
        return self

    def predict(self, X) -> np.ndarray:
        """ŷ = 1 where a rule covers, else 0 (the constant class for one-class training labels)."""
        self._check_fitted()
        matrix, _ = _matrix_and_names(X, self.feature_names_in_)
        if self.constant_ is not None:
            return np.full(matrix.shape[0], self.constant_)
        return coverage_matrix(self.rules_, matrix, self.feature_names_in_).any(axis=1).astype(int)

    def advise(self, X, h, c_human=None, p_y=None, p_correct=None) -> Advice:
        """Advice on every row with its eq. 14 confidence (the other arguments are unused)."""
        self._check_fitted()
        matrix, _ = _matrix_and_names(X, self.feature_names_in_)
        h_ = _check_rows(matrix.shape[0], h=h)["h"].astype(int)
        if self.gated_:
            return self._silent(h_)
        n = matrix.shape[0]
        if self.constant_ is not None:
            return Advice(
                np.ones(n, bool),
                np.full(n, self.constant_),
                np.ones(n),
                np.full(n, -1),
                self.rules_,
            )
        (cov,) = self._coverage(matrix, self.rules_)
        covered = cov.any(axis=1)
        prec = np.array([r.precision for r in self.rules_], dtype=float)
        first = cov.argmax(axis=1) if cov.shape[1] else np.zeros(n, np.intp)
        conf = np.where(covered, prec[first] if prec.size else 0.0, self.npv_)
        return Advice(
            np.ones(n, bool), covered.astype(int), conf, np.where(covered, first, -1), self.rules_
        )


class SelectiveOnlyAdvisor(_AdvisorBase):
    """TR-SelectiveOnly: task-only rules, offered only where TeamRules' ψ says they add value.

    Parameters
    ----------
    alpha : float, default 0.0
    loss_weights : (float, float), default (1.0, 1.0)
    use_adb : bool, default True
    task_only_params : dict, optional
        Parameters of the inner :class:`TaskOnlyAdvisor` (``random_state`` is
        taken from this advisor when absent).
    random_state : int, Generator or None
    use_expertise : bool, default False
        As :class:`TeamRulesAdvisor` (False: the paper's ψ); when True, used
        when ``fit`` gets ``h`` and ``c_human`` (or an ``expertise_model``).

    Attributes
    ----------
    task_only_ : TaskOnlyAdvisor
    rules_ : tuple of Rule
    expertise_model_ : estimator or None
    """

    def __init__(
        self,
        alpha: float = 0.0,
        loss_weights: tuple[float, float] = (1.0, 1.0),
        use_adb: bool = True,
        task_only_params: dict | None = None,
        random_state=None,
        use_expertise: bool = False,
    ) -> None:
        self.alpha = alpha
        self.loss_weights = loss_weights
        self.use_adb = use_adb
        self.task_only_params = task_only_params
        self.random_state = random_state
        self.use_expertise = use_expertise

    def fit(
        self,
        X,
        y,
        h=None,
        c_human=None,
        p_accept_model=None,
        p_y=None,
        *,
        candidates: RuleCandidates | None = None,
        task_only: TaskOnlyAdvisor | None = None,
        feature_names: Sequence[str] | None = None,
        expertise_model=None,
    ):
        """Fit (or reuse a fitted ``task_only``) and keep p̂(a), p̂(y|x) and p̂(h = y) for ψ.

        Returns
        -------
        self
        """
        check_alpha(self.alpha)
        lw = check_loss_weights(self.loss_weights)
        matrix, names = _matrix_and_names(X, feature_names)
        y_ = _check_rows(matrix.shape[0], y=y)["y"].astype(int)
        if self.use_adb and p_accept_model is None:
            raise ConfigError("p_accept_model", "required when use_adb=True")
        rng = make_rng(self.random_state)
        if task_only is None:
            params = {
                "loss_weights": lw,
                "random_state": make_rng(rng, "task-only"),
                **(self.task_only_params or {}),
            }
            task_only = TaskOnlyAdvisor(**params).fit(
                matrix, y_, candidates=candidates, feature_names=names
            )
        self.task_only_ = task_only
        self.rules_ = task_only.rules_
        self.feature_names_in_ = task_only.feature_names_in_
        self.n_features_in_ = matrix.shape[1]
        self.accept_ = _accept_function(p_accept_model) if self.use_adb else None
        self.gated_ = False
        self._resolve_p_y(matrix, y_, p_y, rng)
        if self.use_expertise and expertise_model is None and h is not None and c_human is not None:
            rows = _check_rows(matrix.shape[0], h=h, c_human=c_human)
            expertise_model = fit_expertise_model(
                matrix, y_, rows["h"], rows["c_human"], rng=make_rng(rng, "exp")
            )
        self.expertise_model_ = expertise_model if self.use_expertise else None
        return self

    def advise(self, X, h, c_human, p_y=None, p_correct=None) -> Advice:
        """Task-only advice gated by ψ (eq. 5) with p̂(a), α and P(y | x, h)."""
        matrix, h_, ch_ = self._advise_inputs(X, h, c_human)
        if self.gated_:
            return self._silent(h_)
        base = self.task_only_.advise(matrix, h_)
        p_acc = (
            np.ones(len(h_))
            if self.accept_ is None
            else np.asarray(self.accept_(base.c_model, ch_), dtype=float)
        )
        p = self._p_y_given_h(matrix, h_, ch_, p_y, p_correct)
        advise = psi(base.y_hat, p, h_, p_acc, check_alpha(self.alpha), self.loss_weights)
        return Advice(
            advise,
            np.where(advise, base.y_hat, h_),
            np.where(advise, base.c_model, np.nan),
            np.where(advise, base.rule_index, -1),
            self.rules_,
        )
