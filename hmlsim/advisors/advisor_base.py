"""What every advisor shares: its advice, p̂(a) memoised, the fitted inputs and the C.5 gate.

:class:`Advice` is what :meth:`advise` returns; ``_AdvisorBase`` holds what
TeamRules (:mod:`hmlsim.advisors.teamrules`) and its baselines
(:mod:`hmlsim.advisors.baselines`) compute alike: p̂(y | x) and the expertise
model resolved from the training rows, rule coverage (memoised), the annealing
call, the warm start and the robustness gate of Appendix C.5.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from hmlsim.advisors.annealing import AdvisingProblem, AnnealingResult, anneal_rule_sets
from hmlsim.advisors.loss import check_alpha, check_loss_weights, decision_loss
from hmlsim.advisors.mining import mine_candidates
from hmlsim.advisors.outcome import (
    expertise_features,
    fit_expertise_model,
    fit_outcome_model,
    out_of_fold_proba,
    posterior_given_decision,
)
from hmlsim.advisors.rules import (
    Rule,
    RuleCandidates,
    WarmStart,
    coverage_matrix,
    merge_candidates,
)
from hmlsim.errors import ConfigError
from hmlsim.seeding import make_rng

log = logging.getLogger(__name__)


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
