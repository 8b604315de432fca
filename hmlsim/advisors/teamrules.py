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

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from hmlsim.advisors.annealing import AdvisingProblem, AnnealingResult, anneal_rule_sets
from hmlsim.advisors.loss import check_alpha, check_loss_weights, decision_loss, psi
from hmlsim.advisors.mining import mine_candidates
from hmlsim.advisors.outcome import (
    expertise_features,
    fit_expertise_model,
    fit_outcome_model,
    out_of_fold_proba,
    posterior_given_decision,
)
from hmlsim.advisors.rules import (
    CandidateRules,
    Rule,
    RuleCandidates,
    WarmStart,
    coverage_matrix,
    merge_candidates,
)
from hmlsim.errors import ConfigError
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Advice:
    """What an advisor says on each row.

    Attributes
    ----------
    advise : ndarray of bool
        Advice is offered (for TeamRules: only where it contradicts h and ψ holds;
        task-only advises everywhere).
    y_hat : ndarray of int
        The advice ŷ; equals h where nothing is offered.
    c_model : ndarray of float
        Confidence c^M of the advice (precision of the producing rule; NaN where
        nothing is offered).
    rule_index : ndarray of int
        Index into ``rules`` of the rule behind the advice; -1 where nothing is
        offered or (task-only) where ŷ = 0 comes from the uncovered region.
    rules : tuple of Rule
        The advisor's rules.
    """

    advise: np.ndarray
    y_hat: np.ndarray
    c_model: np.ndarray
    rule_index: np.ndarray
    rules: tuple[Rule, ...]

    def explain(self, i: int) -> str:
        """Why the advisor spoke (or did not) on row ``i``, in words."""
        if not self.advise[i]:
            return "no advice: the expert decides alone"
        k = int(self.rule_index[i])
        why = str(self.rules[k]) if k >= 0 else "no rule for class 1 covers this case"
        return f"advise {int(self.y_hat[i])} (confidence {self.c_model[i]:.2f}) because {why}"

    @property
    def rule_text(self) -> list[str]:
        """The producing rule of each row as text ('' where none)."""
        return [str(self.rules[k]) if k >= 0 else "" for k in self.rule_index]


#: (rules, rows) coverages an advisor remembers (see ``_AdvisorBase._coverage``)
COVERAGE_MEMO_SIZE = 8
#: distinct (c^M, c^H) pairs an advisor remembers p̂(a) for before it starts afresh
ACCEPT_MEMO_SIZE = 100_000


def _accept_function(model):
    """Turn a discretion model (``predict_proba(c_model, c_human)``) or a callable into p̂(a).

    p̂(a) is a deterministic function of the pair (c^M, c^H), and the pairs
    repeat: c^M is one of the advisor's rule precisions, c^H one of the
    expert's confidence levels. The returned function asks the model only for
    pairs it has not seen (one call per new batch), which makes the evaluation
    of an advisor over many expert draws several times faster with the same values.
    """
    if model is None:
        return None
    method = getattr(model, "predict_proba", None)
    fn = method if method is not None else model
    if not callable(fn):
        raise ConfigError(
            "p_accept_model", "must have predict_proba(c_model, c_human) or be callable"
        )
    # the pairs seen so far as complex numbers c^M + i c^H (sorted), and their p̂(a)
    known = {"keys": np.empty(0, complex), "values": np.empty(0)}

    def accept(c_model: np.ndarray, c_human: np.ndarray) -> np.ndarray:
        cm, ch = np.broadcast_arrays(np.asarray(c_model, float), np.asarray(c_human, float))
        if not (np.isfinite(cm).all() and np.isfinite(ch).all()):  # no memo for NaN keys
            out = np.asarray(fn(cm.ravel(), ch.ravel()), dtype=float)
            return (out[:, -1] if out.ndim == 2 else out).reshape(cm.shape)
        pairs, inverse = np.unique(cm.ravel() + 1j * ch.ravel(), return_inverse=True)
        keys, values = known["keys"], known["values"]
        at = np.minimum(np.searchsorted(keys, pairs), max(keys.size - 1, 0))
        found = keys[at] == pairs if keys.size else np.zeros(pairs.size, bool)
        if not found.all():
            if keys.size + np.count_nonzero(~found) > ACCEPT_MEMO_SIZE:  # start afresh
                keys, values, found = np.empty(0, complex), np.empty(0), found & False
            new = pairs[~found]
            out = np.asarray(fn(new.real, new.imag), dtype=float)
            out = out[:, -1] if out.ndim == 2 else out
            keys = np.concatenate([keys, new])
            order = np.argsort(keys, kind="stable")
            keys, values = keys[order], np.concatenate([values, out])[order]
            known["keys"], known["values"] = keys, values
            at = np.searchsorted(keys, pairs)
        return values[at][inverse.ravel()].reshape(cm.shape)

    return accept


def _matrix_and_names(X, feature_names) -> tuple[np.ndarray, tuple[str, ...]]:
    matrix = np.asarray(X, dtype=float)
    if matrix.ndim != 2:
        raise ConfigError("X", f"must be 2-D, got shape {matrix.shape}")
    if feature_names is not None:
        names = tuple(str(f) for f in feature_names)
    elif hasattr(X, "columns"):
        names = tuple(str(c) for c in X.columns)
    else:
        names = tuple(f"x{i}" for i in range(matrix.shape[1]))
    if len(names) != matrix.shape[1]:
        raise ConfigError("feature_names", f"has {len(names)} names for {matrix.shape[1]} columns")
    return matrix, names


def _check_rows(n: int, **arrays) -> dict[str, np.ndarray]:
    out = {}
    for name, value in arrays.items():
        arr = np.asarray(value)
        if arr.shape != (n,):
            raise ConfigError(name, f"must have one value per row ({n}); got shape {arr.shape}")
        out[name] = arr
    for name in ("y", "h"):
        if name in out and not np.isin(out[name], (0, 1)).all():
            raise ConfigError(name, "must contain only 0 and 1")
    if "c_human" in out:
        ch = out["c_human"].astype(float)
        if np.isnan(ch).any() or (ch < 0).any() or (ch > 1).any():
            raise ConfigError("c_human", "must lie in [0, 1]")
    return out


def _mine(est, matrix, y, names, candidates, rng) -> RuleCandidates:
    """The given candidates (checked) or candidates mined with the estimator's settings."""
    if candidates is not None:
        if candidates.n_rows != matrix.shape[0]:
            raise ConfigError(
                "candidates", f"cover {candidates.n_rows} rows, X has {matrix.shape[0]}"
            )
        return candidates
    return mine_candidates(
        matrix,
        y,
        feature_names=names,
        max_length=est.max_rule_length,
        min_support=est.min_support,
        max_candidates=est.max_candidates,
        n_trees_per_length=est.n_trees_per_length,
        rng=make_rng(rng, "mining"),
    )


class _AdvisorBase(BaseEstimator):
    """Shared machinery: p̂(y|x), the robustness gate and empty advice."""

    def _resolve_p_y(self, matrix: np.ndarray, y: np.ndarray, p_y, rng) -> np.ndarray:
        if p_y is None:
            self.outcome_model_ = fit_outcome_model(matrix, y, rng=make_rng(rng, "outcome"))
            return out_of_fold_proba(self.outcome_model_, matrix, y, rng=make_rng(rng, "oof"))
        self.outcome_model_ = None
        p = np.asarray(p_y, dtype=float)
        if p.shape != (matrix.shape[0],) or np.isnan(p).any() or (p < 0).any() or (p > 1).any():
            raise ConfigError("p_y", f"must be {matrix.shape[0]} probabilities in [0, 1]")
        return p

    def _p_y_for(self, matrix: np.ndarray, p_y) -> np.ndarray:
        if p_y is not None:
            return _check_rows(matrix.shape[0], p_y=p_y)["p_y"].astype(float)
        if getattr(self, "outcome_model_", None) is None:
            raise ConfigError("p_y", "pass p_y: the advisor was fitted with a given p_y")
        return self.outcome_model_.predict_proba(matrix)[:, 1]

    def _resolve_expertise(
        self, matrix, y, h, c_human, expertise_model, p_correct, rng
    ) -> np.ndarray | None:
        """p̂(h = y | x, c^H) on the training rows (out-of-fold), or None without expertise."""
        self.expertise_model_ = None
        if not getattr(self, "use_expertise", False):
            return None
        n = matrix.shape[0]
        if (h is None or c_human is None) and expertise_model is None:
            return None  # nothing to learn the expert's reliability from: p̂(y | x) alone
        if expertise_model is None:
            expertise_model = fit_expertise_model(matrix, y, h, c_human, rng=make_rng(rng, "exp"))
        self.expertise_model_ = expertise_model
        if p_correct is not None:
            return _check_rows(n, p_correct=p_correct)["p_correct"].astype(float)
        if h is None or c_human is None:
            return None
        correct = (np.asarray(h).astype(int) == y).astype(int)
        return out_of_fold_proba(
            expertise_model,
            expertise_features(matrix, c_human),
            correct,
            rng=make_rng(rng, "exp-oof"),
        )

    def _p_correct_for(self, matrix, c_human, p_correct) -> np.ndarray | None:
        """p̂(h = y | x, c^H) for new rows (None: the advisor ignores the expert's reliability)."""
        if not getattr(self, "use_expertise", False):
            return None
        if p_correct is not None:
            return _check_rows(matrix.shape[0], p_correct=p_correct)["p_correct"].astype(float)
        model = getattr(self, "expertise_model_", None)
        if model is None:
            return None
        return model.predict_proba(expertise_features(matrix, c_human))[:, 1]

    def _check_fitted(self) -> None:
        if not hasattr(self, "rules_"):
            raise ConfigError("advisor", f"{type(self).__name__} is not fitted; call fit first")

    def _coverage(self, matrix: np.ndarray, *rule_sets: Sequence[Rule]) -> list[np.ndarray]:
        """:func:`coverage_matrix` of each rule set on ``matrix``, remembered for the same rows.

        An evaluation advises the same test rows for every draw of the expert;
        the coverage is computed once per (rule tuple, rows) and reused. The
        memo holds the rule tuple itself and is keyed by its identity and by a
        digest of the rows' values, so a refit (new tuple) or new rows miss it.
        """
        matrix = np.ascontiguousarray(matrix)
        digest = hashlib.sha1(memoryview(matrix).cast("B"), usedforsecurity=False).digest()
        memo = self.__dict__.setdefault("_coverage_memo", {})
        out = []
        for rules in rule_sets:
            key = (id(rules), matrix.shape, matrix.dtype.str, digest)
            hit = memo.get(key)
            if hit is None or hit[0] is not rules:
                if len(memo) >= COVERAGE_MEMO_SIZE:
                    memo.clear()
                hit = memo[key] = (rules, coverage_matrix(rules, matrix, self.feature_names_in_))
            out.append(hit[1])
        return out

    def _advise_inputs(self, X, h, c_human) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Check the advisor is fitted; the feature matrix, h and c^H of new rows."""
        self._check_fitted()
        matrix, _ = _matrix_and_names(X, self.feature_names_in_)
        rows = _check_rows(matrix.shape[0], h=h, c_human=c_human)
        return matrix, rows["h"].astype(int), rows["c_human"].astype(float)

    def _p_y_given_h(self, matrix, h, c_human, p_y, p_correct) -> np.ndarray:
        """P(y = 1 | x, h) for ψ: p̂(y | x), conditioned on h where the expertise model is used."""
        p = self._p_y_for(matrix, p_y)
        q = self._p_correct_for(matrix, c_human, p_correct)
        if q is not None:
            p = posterior_given_decision(p, h, q)
        return p

    def _anneal(
        self,
        problem: AdvisingProblem,
        rng: np.random.Generator,
        initial: tuple[list[int], list[int]] | None = None,
    ) -> AnnealingResult:
        """Algorithm 1 with this advisor's annealing parameters (from ``initial`` if given)."""
        return anneal_rule_sets(
            problem,
            n_iter=self.n_iter,
            c0=self.c0,
            n_proposals=self.n_proposals,
            rule_penalty=self.rule_penalty,
            rng=make_rng(rng, "annealing"),
            initial=initial,
        )

    def _candidates(
        self, matrix, y, names, candidates, warm_start: WarmStart | None, rng
    ) -> tuple[RuleCandidates, tuple[list[int], list[int]] | None]:
        """The fit's candidates (mined or given, plus a warm start's) and the search's start."""
        cands = _mine(self, matrix, y, names, candidates, rng)
        if warm_start is None:
            return cands, None
        return merge_candidates(cands, warm_start, matrix, y, names)

    def warm_start(self) -> WarmStart:
        """What a warm-started next fit takes from this one: its candidates and rule set."""
        self._check_fitted()
        pos, neg = getattr(self, "candidate_rules_", ((), ()))
        return WarmStart(pos, neg, tuple(self.rules_pos_), tuple(self.rules_neg_))

    def _silent(self, h: np.ndarray) -> Advice:
        n = len(h)
        return Advice(
            np.zeros(n, bool), h.astype(int).copy(), np.full(n, np.nan), np.full(n, -1), self.rules_
        )

    def gate(
        self,
        X,
        y,
        h,
        c_human,
        accept,
        *,
        alpha: float | None = None,
        loss_weights: Sequence[float] | None = None,
        rng=None,
        p_y=None,
        p_correct=None,
    ):
        """Robustness gate of Appendix C.5: switch the advisor off if it lowers value.

        The advisor is paired with the expert on validation rows: acceptance is
        drawn from the expert's *true* ``accept(c_model, c_human)``. If the mean
        added value (HDL - TTL, at the context's α) is negative, ``gated_`` is
        set and :meth:`advise` offers nothing from then on.

        Parameters
        ----------
        X, y : validation rows and labels
        h, c_human : array_like, shape (n,) or (R, n)
            The expert's decisions and confidence; R rows = R repetitions.
        accept : callable
            The expert's acceptance probability p(a | c^M, c^H).
        alpha, loss_weights : optional
            The context's values (default: the advisor's own).
        rng : int, Generator or None
        p_y : array_like, optional
            p̂(y = 1 | x) for the validation rows (default: the fitted outcome model).
        p_correct : array_like, shape (n,) or (R, n), optional
            p̂(h = y | x, c^H) for the validation draws (default: the fitted expertise model).

        Returns
        -------
        self
        """
        self._check_fitted()
        self.gated_ = False
        a = check_alpha(getattr(self, "alpha", 0.0) if alpha is None else alpha)
        lw = check_loss_weights(self.loss_weights if loss_weights is None else loss_weights)
        generator = make_rng(rng)
        hs, chs = np.atleast_2d(np.asarray(h)), np.atleast_2d(np.asarray(c_human, dtype=float))
        labels = np.asarray(y)
        qs = (
            [None] * len(hs)
            if p_correct is None
            else np.broadcast_to(np.atleast_2d(np.asarray(p_correct, dtype=float)), hs.shape)
        )
        values = []
        for h_r, ch_r, q_r in zip(hs, chs, qs, strict=True):
            advice = self.advise(X, h_r, ch_r, p_y=p_y, p_correct=q_r)
            contra = advice.y_hat != h_r
            p = np.where(contra, np.asarray(accept(np.nan_to_num(advice.c_model), ch_r)), 0.0)
            accepted = generator.random(len(h_r)) < p
            d = np.where(accepted, advice.y_hat, h_r)
            ttl = decision_loss(labels, d, lw).mean() + a * contra.mean()
            values.append(decision_loss(labels, h_r, lw).mean() - ttl)
        self.gate_value_ = float(np.mean(values))
        self.gated_ = self.gate_value_ < 0
        if self.gated_:
            log.info(
                "robustness gate: %s lowers value on validation (%.4f); switched off",
                type(self).__name__,
                self.gate_value_,
            )
        return self


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
