"""TeamRules advisors and their baselines as scikit-learn-style estimators.

=================  ================================================  =====================
variant            estimator                                         trained with
=================  ================================================  =====================
TR                 ``TeamRulesAdvisor()``                            p̂(a), α
TR-no(ADB)         ``TeamRulesAdvisor(use_adb=False)``               p̂(a) ≡ 1, α
TR-no(Cost)        ``TeamRulesAdvisor(use_cost=False)``              p̂(a), α = 0
TR-no(ADB,Cost)    ``TeamRulesAdvisor(use_adb=False, use_cost=False)``  p̂(a) ≡ 1, α = 0
Task-only          ``TaskOnlyAdvisor()``                             accuracy only
TR-SelectiveOnly   ``SelectiveOnlyAdvisor()``                        task-only rules, ψ
=================  ================================================  =====================

Every advisor's :meth:`advise` returns an :class:`Advice`: where it advises,
what, with which confidence (rule precision) and which rule produced it. An
advisor whose rule sets are empty (no candidate survived the support screen,
or the labels have one class) never advises: the human decides alone. The
robustness gate of Appendix C.5 (:meth:`gate`) switches an advisor off when
it lowers the expert's value on validation data.
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
from hmlsim.advisors.baselines import SelectiveOnlyAdvisor, TaskOnlyAdvisor
from hmlsim.advisors.loss import check_alpha, check_loss_weights, psi
from hmlsim.advisors.outcome import (
    posterior_given_decision,
)
from hmlsim.advisors.rules import (
    RuleCandidates,
    WarmStart,
)
from hmlsim.errors import ConfigError
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)

__all__ = [
    "EXPERTISE_VARIANT",
    "PAPER_VARIANTS",
    "VARIANTS",
    "Advice",
    "SelectiveOnlyAdvisor",
    "TaskOnlyAdvisor",
    "TeamRulesAdvisor",
    "make_advisor",
]

#: the advisor variants of Table 1 / Appendix B, in plotting order
PAPER_VARIANTS = (
    "TR",
    "TR-no(ADB)",
    "TR-no(Cost)",
    "TR-no(ADB,Cost)",
    "Task-only",
    "TR-SelectiveOnly",
)
#: hmlsim's own variant: TR whose ψ conditions on the expert's decision,
#: P(y | x, h, c^H), through a fitted model of where the expert is right (not the paper's)
EXPERTISE_VARIANT = "TR+expertise"
#: every advisor variant: the paper's, then hmlsim's named additions
VARIANTS = (*PAPER_VARIANTS, EXPERTISE_VARIANT)


class TeamRulesAdvisor(_AdvisorBase):
    """TeamRules: rule sets that advise selectively to minimise the team's loss.

    Parameters
    ----------
    alpha : float, default 0.0
        The context's cost of one contradiction (≥ 0).
    loss_weights : (float, float), default (1.0, 1.0)
        (λ0, λ1): loss of a false positive and a false negative (both > 0).
    use_adb : bool, default True
        Use p̂(a); False assumes every piece of advice is accepted (TR-no(ADB)).
    use_cost : bool, default True
        Train with ``alpha``; False trains with α = 0 (TR-no(Cost)).
    n_iter : int, default 2000
        Annealing iterations T.
    c0 : float, default 0.01
        Final annealing temperature C0.
    n_proposals : int or None, default 50
        Candidate rules scored per "add" move (a seeded sample of the eligible
        ones); None scores every eligible rule, as the authors' code.
    rule_penalty : float, default 0.001
        Objective cost per rule, in TTL units (keeps rule sets short; 0 = paper).
    max_rule_length, min_support, max_candidates, n_trees_per_length :
        Candidate mining (see :func:`~hmlsim.advisors.mining.mine_candidates`),
        used when ``fit`` is not given ``candidates``.
    random_state : int, Generator or None
        Seeds mining, the outcome model and the annealing.
    use_expertise : bool, default False
        False (the paper's TR): ψ takes its expectation over y with p̂(y | x)
        alone, eq. 5 as printed. True (hmlsim's ``"TR+expertise"`` variant):
        over y given the expert's decision as well, P(y | x, h) from p̂(y | x)
        and the expert's reliability p̂(h = y | x, c^H)
        (:func:`~hmlsim.advisors.outcome.posterior_given_decision`).

    Attributes
    ----------
    rules_ : tuple of Rule
        Positive rules, then negative rules.
    rules_pos_, rules_neg_ : tuple of Rule
    n_iter_ : int
        Annealing iterations run.
    train_loss_ : float
        Training TTL of the learned rule sets.
    annealing_ : AnnealingResult
    outcome_model_ : estimator or None
        The fitted p̂(y | x) (None when ``p_y`` was passed to ``fit``).
    expertise_model_ : estimator or None
        p̂(h = y | x, c^H) (None when ``use_expertise=False``).
    gated_ : bool
        True when the robustness gate has switched the advisor off.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = (X[:, 0] > 0).astype(int)
    >>> h = np.where(X[:, 1] > 0.5, 1 - y, y); c_h = np.full(300, 0.3)
    >>> tr = TeamRulesAdvisor(alpha=0.05, use_adb=False, n_iter=200,
    ...                       n_trees_per_length=20, random_state=1)
    >>> tr = tr.fit(X, y, h, c_h, p_y=np.where(y == 1, 0.9, 0.1))
    >>> advice = tr.advise(X, h, c_h, p_y=np.where(y == 1, 0.9, 0.1))
    >>> bool((advice.y_hat[advice.advise] == y[advice.advise]).mean() > 0.8)
    True
    """

    def __init__(
        self,
        alpha: float = 0.0,
        loss_weights: tuple[float, float] = (1.0, 1.0),
        use_adb: bool = True,
        use_cost: bool = True,
        n_iter: int = 2000,
        c0: float = 0.01,
        n_proposals: int | None = 50,
        rule_penalty: float = 0.001,
        max_rule_length: int = 4,
        min_support: float = 0.05,
        max_candidates: int = 10_000,
        n_trees_per_length: int = 250,
        random_state=None,
        use_expertise: bool = False,
    ) -> None:
        self.alpha = alpha
        self.loss_weights = loss_weights
        self.use_adb = use_adb
        self.use_cost = use_cost
        self.use_expertise = use_expertise
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
        h,
        c_human,
        p_accept_model=None,
        p_y=None,
        *,
        candidates: RuleCandidates | None = None,
        feature_names: Sequence[str] | None = None,
        expertise_model=None,
        p_correct=None,
        y_belief=None,
        warm_start: WarmStart | None = None,
    ):
        """Learn the rule sets from the expert's decisions and confidence.

        Parameters
        ----------
        X : DataFrame or ndarray of shape (n, d)
        y : array_like of int in {0, 1}
        h : array_like of int in {0, 1}
            The expert's independent decisions on the training rows.
        c_human : array_like of float in [0, 1]
            The expert's confidence.
        p_accept_model : object or callable
            The discretion model p̂(a): ``predict_proba(c_model, c_human)`` or a
            function of the same signature. Required when ``use_adb``.
        p_y : array_like, optional
            p̂(y = 1 | x) on the training rows, ideally out-of-fold; when omitted a
            grid-searched boosting model is fitted (kept for :meth:`advise`) and
            its cross-fitted (5-fold) predictions are used for training.
        candidates : RuleCandidates, optional
            Mined candidates to share across fits (mined here when omitted).
        feature_names : sequence of str, optional
        expertise_model : estimator, optional
            p̂(h = y | x, c^H) (:func:`~hmlsim.advisors.outcome.fit_expertise_model`),
            fitted here when omitted; kept for :meth:`advise`.
        p_correct : array_like, optional
            p̂(h = y | x, c^H) on the training rows, ideally out-of-fold (default:
            5-fold cross-fitted predictions of the expertise model).
        y_belief : array_like of float in [0, 1], optional
            The trainer's belief P(y = 1) per training row when ``y`` are not the
            truth (a firm training on its experts' final decisions, SPEC D): the
            annealing then minimises the expected team loss under it (see
            :class:`~hmlsim.advisors.annealing.AdvisingProblem`). Default: ``y``
            is the truth, as in the paper.
        warm_start : WarmStart, optional
            An earlier fit's candidates join this fit's and the search starts
            from its rule set (:meth:`warm_start` of that fit; the firm's
            ``warm-start`` retraining). Default: the paper's cold start.

        Returns
        -------
        self

        Raises
        ------
        ConfigError
            ``alpha`` < 0, a ``loss_weights`` entry ≤ 0, labels outside {0, 1},
            mismatched lengths, or ``use_adb`` without ``p_accept_model``.
            A one-class ``y`` gives an empty advisor (it never advises).
        """
        alpha = check_alpha(self.alpha)
        lw = check_loss_weights(self.loss_weights)
        matrix, names = _matrix_and_names(X, feature_names)
        rows = _check_rows(matrix.shape[0], y=y, h=h, c_human=c_human)
        y_, h_, ch_ = rows["y"].astype(int), rows["h"].astype(int), rows["c_human"].astype(float)
        if self.use_adb and p_accept_model is None:
            raise ConfigError("p_accept_model", "required when use_adb=True (TR, TR-no(Cost))")
        rng = make_rng(self.random_state)
        self.feature_names_in_ = names
        self.n_features_in_ = matrix.shape[1]
        self.alpha_train_ = alpha if self.use_cost else 0.0
        self.accept_ = _accept_function(p_accept_model) if self.use_adb else None
        self.gated_ = False
        p = self._resolve_p_y(matrix, y_, p_y, rng)
        q = self._resolve_expertise(matrix, y_, h_, ch_, expertise_model, p_correct, rng)
        if q is not None:
            p = posterior_given_decision(p, h_, q)
        cands, start = self._candidates(matrix, y_, names, candidates, warm_start, rng)
        self.candidate_rules_ = (cands.pos.rules, cands.neg.rules)
        problem = AdvisingProblem(
            cands,
            y_,
            h_,
            ch_,
            p,
            p_accept=self.accept_,
            alpha=self.alpha_train_,
            loss_weights=lw,
            selective=True,
            y_belief=None if y_belief is None else np.asarray(y_belief, dtype=float),
        )
        result = self._anneal(problem, rng, start)
        self.annealing_ = result
        self.rules_pos_ = tuple(cands.pos.rules[k] for k in result.pos)
        self.rules_neg_ = tuple(cands.neg.rules[k] for k in result.neg)
        self.rules_ = self.rules_pos_ + self.rules_neg_
        self.n_iter_ = result.nit
        self.train_loss_ = result.ttl
        log.info(
            "TeamRules fit: %d + %d rules, training TTL %.4f",
            len(self.rules_pos_),
            len(self.rules_neg_),
            result.ttl,
        )
        return self

    def advise(self, X, h, c_human, p_y=None, p_correct=None) -> Advice:
        """Advice for new rows (eq. 4-6), given the expert's decisions and confidence.

        Parameters
        ----------
        X : DataFrame or ndarray of shape (n, d)
        h : array_like of int
            The expert's independent decisions.
        c_human : array_like of float
            The expert's confidence.
        p_y : array_like, optional
            p̂(y = 1 | x) for ψ (default: the fitted outcome model).
        p_correct : array_like, optional
            p̂(h = y | x, c^H) (default: the fitted expertise model; unused when
            ``use_expertise=False``).

        Returns
        -------
        Advice
        """
        matrix, h_, ch_ = self._advise_inputs(X, h, c_human)
        if self.gated_ or not self.rules_:
            return self._silent(h_)
        n, kp = matrix.shape[0], len(self.rules_pos_)
        pos, neg = self._coverage(matrix, self.rules_pos_, self.rules_neg_)
        pcov, ncov = pos.any(axis=1), neg.any(axis=1)
        # rules are kept in decreasing precision, so the first covering one is the most precise
        # (either set may be empty: argmax needs at least one column)
        k_pos = pos.argmax(axis=1) if pos.shape[1] else np.zeros(n, np.intp)
        k_neg = neg.argmax(axis=1) if neg.shape[1] else np.zeros(n, np.intp)
        prec = np.array([r.precision for r in self.rules_], dtype=float)
        z = np.where(pcov, 1, 0)
        rule = np.where(pcov, k_pos, np.where(ncov, kp + k_neg, -1))
        conf = np.where(rule >= 0, prec[np.maximum(rule, 0)] if prec.size else 0.0, np.nan)
        covered = rule >= 0
        p_acc = np.ones(n)
        if self.accept_ is not None and covered.any():
            p_acc[covered] = self.accept_(conf[covered], ch_[covered])
        p = self._p_y_given_h(matrix, h_, ch_, p_y, p_correct)
        advise = covered & psi(z, p, h_, p_acc, self.alpha_train_, self.loss_weights)
        return Advice(
            advise=advise,
            y_hat=np.where(advise, z, h_),
            c_model=np.where(advise, conf, np.nan),
            rule_index=np.where(advise, rule, -1),
            rules=self.rules_,
        )


def make_advisor(variant: str, alpha: float = 0.0, **params) -> _AdvisorBase:
    """An unfitted advisor for one of :data:`VARIANTS`.

    ``params`` go to the estimator (for ``TR-SelectiveOnly``: ``loss_weights``,
    ``random_state`` and ``use_expertise``; the rest go to its task-only rules).
    ``"TR+expertise"`` is TR with ``use_expertise=True``.

    Examples
    --------
    >>> make_advisor("TR-no(ADB)", alpha=0.2).get_params()["use_adb"]
    False
    >>> make_advisor("TR").get_params()["use_expertise"], make_advisor("TR+expertise").get_params()[
    ...     "use_expertise"
    ... ]
    (False, True)
    """
    if variant not in VARIANTS:
        raise ConfigError("variant", f"must be one of {', '.join(VARIANTS)}; got {variant!r}")
    if variant == "Task-only":
        params.pop("use_expertise", None)
        return TaskOnlyAdvisor(**params)
    if variant == "TR-SelectiveOnly":
        own = ("loss_weights", "random_state", "use_expertise")
        keep = {k: params[k] for k in own if k in params}
        rest = {k: v for k, v in params.items() if k not in keep}
        return SelectiveOnlyAdvisor(alpha=alpha, task_only_params=rest or None, **keep)
    if variant == EXPERTISE_VARIANT:
        params["use_expertise"] = True
    return TeamRulesAdvisor(
        alpha=alpha, use_adb="ADB" not in variant, use_cost="Cost" not in variant, **params
    )
