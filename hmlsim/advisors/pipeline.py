"""The whole TeamRules study for one context: train every variant, pair it with the expert.

:func:`evaluate_advisors` mines the candidate rules, fits p̂(y | x) and the
discretion model p̂(a) **once** for the context, shares them across variants
and values of α (advisors that do not depend on α are fitted once), and then
pairs each advisor with ``n_repetitions`` fresh draws of the simulated expert
on the test split. Acceptance draws use common random numbers across
advisors. The result is one tidy table (see :mod:`hmlsim.advisors.metrics`).

It expects the data and expert interfaces of :mod:`hmlsim.data` and
:mod:`hmlsim.behaviour` (duck-typed):

- ``ds.train`` / ``ds.validation`` / ``ds.test`` with ``.X`` (numeric DataFrame),
  ``.y`` (int array) and ``.groups`` (dict of name -> bool array);
- ``expert.decide(split, rng) -> (h, c_human)`` and
  ``expert.accept_probability(c_model, c_human)``;
- a discretion model with ``predict_proba(c_model, c_human)`` (fitted with
  :func:`hmlsim.behaviour.fit_discretion_model` when not given).
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.advisors.loss import check_alpha, check_loss_weights
from hmlsim.advisors.metrics import repetition_metrics, team_decisions
from hmlsim.advisors.mining import mine_candidates
from hmlsim.advisors.outcome import (
    check_p_y_fit,
    expertise_features,
    fit_expertise_model,
    fit_p_y_model,
    out_of_fold_proba,
    training_proba,
)
from hmlsim.advisors.rules import RuleCandidates
from hmlsim.advisors.teamrules import EXPERTISE_VARIANT, VARIANTS, TaskOnlyAdvisor, make_advisor
from hmlsim.errors import ConfigError
from hmlsim.seeding import SeedLike, derive_seed, make_rng

log = logging.getLogger(__name__)

#: the expert alone, reported beside the advisors
HUMAN = "Human"

_MINING_KEYS = ("max_rule_length", "min_support", "max_candidates", "n_trees_per_length")


@dataclass
class ContextFit:
    """What :func:`evaluate_advisors` learned for one context (returned on request).

    Attributes
    ----------
    candidates : RuleCandidates
    outcome_model : estimator
        p̂(y | x).
    discretion_model : object
        p̂(a | c^M, c^H).
    advisors : dict
        ``(variant, alpha) -> fitted advisor`` (α-free variants share one object).
    gates : dict
        ``(variant, alpha) -> validation added value`` when the gate was used.
    expertise_model : estimator or None
        p̂(h = y | x, c^H) of the ``"TR+expertise"`` variant (None when that
        variant is not evaluated).
    """

    candidates: RuleCandidates
    outcome_model: Any
    discretion_model: Any
    advisors: dict[tuple[str, float], Any] = field(default_factory=dict)
    gates: dict[tuple[str, float], float] = field(default_factory=dict)
    expertise_model: Any = None


def _fit_key(variant: str, alpha: float) -> tuple:
    """What a fit depends on: equal keys share one fitted advisor and one seed.

    TR-no(Cost) is TR trained with α = 0 (so at α = 0 the two are one fit), and
    TR-no(ADB,Cost) is TR-no(ADB) at α = 0; Task-only does not depend on α.
    """
    if variant == "Task-only":
        return ("Task-only",)
    if variant in ("TR-SelectiveOnly", EXPERTISE_VARIANT):
        return (variant, alpha)
    return ("TR", "ADB" not in variant, 0.0 if "Cost" in variant else alpha)


def _fit_context(base: int, *inputs: Any) -> str:
    """A digest of what every fit of one context depends on (see ``fitted_advisors``).

    Arrays enter by value, fitted models and candidates by identity (the
    caller shares the objects), parameters by their repr.
    """
    digest = hashlib.blake2b(str(base).encode(), digest_size=16)
    for value in inputs:
        if isinstance(value, np.ndarray):
            digest.update(np.ascontiguousarray(value).tobytes())
        elif value is None or isinstance(value, (dict, tuple, list, str, int, float)):
            digest.update(
                repr(sorted(value.items()) if isinstance(value, dict) else value).encode()
            )
        else:
            digest.update(f"object {id(value)}".encode())
        digest.update(b"|")
    return digest.hexdigest()


def _records(labels: dict, *decisions: np.ndarray, **options) -> list[dict]:
    """Table rows of one variant, α and repetition: ``labels`` + each group's metrics.

    ``decisions`` and ``options`` go to :func:`~hmlsim.advisors.metrics.repetition_metrics`.
    """
    return [{**labels, **m} for m in repetition_metrics(*decisions, **options)]


def evaluate_advisors(
    ds,
    expert,
    alpha: float | Sequence[float],
    *,
    variants: Sequence[str] = VARIANTS,
    n_repetitions: int = 50,
    loss_weights: tuple[float, float] = (1.0, 1.0),
    advisor_params: dict | None = None,
    discretion_model=None,
    candidates: RuleCandidates | None = None,
    outcome_model=None,
    p_train: np.ndarray | None = None,
    gate: bool = False,
    n_gate_repetitions: int = 10,
    include_human: bool = True,
    rng: SeedLike = None,
    return_fit: bool = False,
    fitted_advisors: dict | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, ContextFit]:
    """Train the advisor variants for one dataset and expert and measure them on the test split.

    Parameters
    ----------
    ds : dataset
        With ``train``, ``validation`` and ``test`` splits (see module doc).
    expert : simulated expert
        With ``decide(split, rng)`` and ``accept_probability(c_model, c_human)``.
    alpha : float or sequence of float
        The context's cost(s) of a contradiction.
    variants : sequence of str
        Any of :data:`~hmlsim.advisors.teamrules.VARIANTS`.
    n_repetitions : int, default 50
        Draws of the expert on the test split.
    loss_weights : (float, float), default (1, 1)
        (λ0, λ1) of the decision loss, for training and evaluation.
    advisor_params : dict, optional
        Estimator parameters (``n_iter``, ``rule_penalty``, ``n_proposals``),
        the mining settings ``max_rule_length``, ``min_support``,
        ``max_candidates``, ``n_trees_per_length``, and ``p_y_fit``: how
        p̂(y | x) is fitted when ``outcome_model`` is not given
        (:data:`~hmlsim.advisors.outcome.P_Y_FITS`, default ``"out-of-fold"``).
    discretion_model : object, optional
        p̂(a); fitted with :func:`hmlsim.behaviour.fit_discretion_model` if omitted.
    candidates : RuleCandidates, optional
        Mined on ``ds.train`` (they depend on the data only: share them across
        experts of one dataset); mined here when omitted.
    outcome_model : estimator, optional
        p̂(y | x) fitted on ``ds.train`` (likewise shareable); fitted when omitted.
        Training rows get out-of-fold predictions (5 clones of it), or with
        ``p_y_fit="xgboost-in-sample"`` its own in-sample predictions.
    p_train : ndarray, optional
        Those out-of-fold predictions on ``ds.train``, when already computed
        for ``outcome_model`` (shareable likewise); computed when omitted.
    gate : bool, default False
        Apply the robustness gate (Appendix C.5) on the validation split.
    n_gate_repetitions : int, default 10
        Expert draws on the validation split for the gate.
    include_human : bool, default True
        Add rows for the expert alone (variant ``"Human"``).
    rng : int, Generator or None
        Master seed of everything.
    return_fit : bool, default False
        Also return the :class:`ContextFit` (fitted advisors, candidates, models).
    fitted_advisors : dict, optional
        Advisors fitted by earlier calls, reused when everything their fit
        depends on is the same: the expert's training decisions and
        confidences, the candidates, p̂(y | x) and its out-of-fold values, the
        discretion model, the loss weights, the estimator parameters and the
        master seed (``rng``). This call's fits are added to it. Appendix C.5
        pairs one trained TR with experts whose ADB drifts and who decide
        alike: their advisors are fitted once.

    Returns
    -------
    DataFrame
        One row per (variant, alpha, repetition, group) with the columns of
        :func:`~hmlsim.advisors.metrics.repetition_metrics` plus ``variant``,
        ``alpha``, ``repetition``, ``lambda0``, ``lambda1``, ``gated`` and
        ``n_rules``. Summarise with :func:`~hmlsim.advisors.metrics.summarize`.
    """
    alphas = [check_alpha(a) for a in np.atleast_1d(np.asarray(alpha, dtype=float))]
    lw = check_loss_weights(loss_weights)
    for v in variants:
        if v not in VARIANTS:
            raise ConfigError("variants", f"must be among {', '.join(VARIANTS)}; got {v!r}")
    if int(n_repetitions) < 1:
        raise ConfigError("n_repetitions", f"must be >= 1, got {n_repetitions!r}")
    params = dict(advisor_params or {})
    base = int(make_rng(rng).integers(2**63))

    def seed(*key) -> np.random.Generator:
        # keyed, not drawn in sequence: a fit's seed does not depend on the other α or variants
        return make_rng(derive_seed(base, *key))

    train, test = ds.train, ds.test
    X_train, y_train = train.X, np.asarray(train.y).astype(int)
    names = [str(c) for c in X_train.columns] if hasattr(X_train, "columns") else None
    h_train, ch_train = expert.decide(train, seed("train"))
    if discretion_model is None:
        from hmlsim.behaviour import fit_discretion_model

        discretion_model = fit_discretion_model(expert, ds, rng=seed("discretion"))
    mining = {k: params.pop(k) for k in _MINING_KEYS if k in params}
    p_y_fit = check_p_y_fit(params.pop("p_y_fit", "out-of-fold"), "advisor_params.p_y_fit")
    if candidates is None:
        candidates = mine_candidates(
            X_train,
            y_train,
            feature_names=names,
            rng=seed("mining"),
            max_length=mining.get("max_rule_length", 4),
            min_support=mining.get("min_support", 0.05),
            max_candidates=mining.get("max_candidates", 10_000),
            n_trees_per_length=mining.get("n_trees_per_length", 250),
        )
    if outcome_model is None:
        outcome_model = fit_p_y_model(X_train, y_train, p_y_fit, rng=seed("outcome"))
    outcome = outcome_model
    if p_train is None:
        p_train = training_proba(outcome, X_train, y_train, p_y_fit, rng=seed("out-of-fold"))
    elif np.shape(p_train) != (len(y_train),):
        raise ConfigError("p_train", f"must hold {len(y_train)} probabilities (the training rows)")
    p_test = outcome.predict_proba(np.asarray(test.X, float))[:, 1]
    fit = ContextFit(candidates, outcome, discretion_model)
    expertise, q_train = None, None
    if "use_expertise" in params:
        raise ConfigError(
            "advisor_params.use_expertise",
            f"choose the variant instead: 'TR' is the paper's ψ, {EXPERTISE_VARIANT!r} "
            "conditions ψ on the expert's decision",
        )
    if EXPERTISE_VARIANT in variants:
        expertise = fit_expertise_model(X_train, y_train, h_train, ch_train, rng=seed("expertise"))
        q_train = out_of_fold_proba(
            expertise,
            expertise_features(X_train, ch_train),
            (np.asarray(h_train).astype(int) == y_train).astype(int),
            rng=seed("expertise-out-of-fold"),
        )
        fit.expertise_model = expertise

    # fit every (variant, training α) once
    shared: dict[tuple[str, float | None], Any] = {}
    task_only: TaskOnlyAdvisor | None = None
    context = None  # what the fits depend on, digested only when fits may be reused
    if fitted_advisors is not None:
        context = _fit_context(
            base,
            np.asarray(h_train),
            np.asarray(ch_train, dtype=float),
            np.asarray(p_train, dtype=float),
            q_train,
            candidates,
            outcome,
            discretion_model,
            lw,
            params,
        )
    for variant in variants:
        for a in alphas:
            key = _fit_key(variant, a)
            if key not in shared and fitted_advisors is not None:
                if (context, key) in fitted_advisors:
                    shared[key] = fitted_advisors[(context, key)]
            if key not in shared:
                est_params = params if variant != "TR-SelectiveOnly" else {}
                advisor = make_advisor(
                    variant, alpha=a, **est_params, random_state=seed("advisor", *key)
                )
                if variant == "TR-SelectiveOnly":
                    if task_only is None:
                        task_only = TaskOnlyAdvisor(
                            **params,
                            loss_weights=lw,
                            random_state=seed("advisor", "Task-only"),
                        )
                        task_only.fit(X_train, y_train, candidates=candidates)
                    advisor.set_params(loss_weights=lw)
                    advisor.fit(
                        X_train,
                        y_train,
                        p_accept_model=discretion_model,
                        p_y=p_train,
                        task_only=task_only,
                        expertise_model=expertise,
                    )
                    advisor.outcome_model_ = outcome
                elif variant == "Task-only":
                    advisor.set_params(loss_weights=lw)
                    if task_only is None:
                        task_only = advisor.fit(X_train, y_train, candidates=candidates)
                    advisor = task_only
                else:
                    advisor.set_params(loss_weights=lw)
                    advisor.fit(
                        X_train,
                        y_train,
                        h_train,
                        ch_train,
                        p_accept_model=discretion_model,
                        p_y=p_train,
                        candidates=candidates,
                        expertise_model=expertise,
                        p_correct=q_train,
                    )
                    advisor.outcome_model_ = outcome
                shared[key] = advisor
                if fitted_advisors is not None:
                    fitted_advisors[(context, key)] = advisor
            fit.advisors[(variant, a)] = shared[key]

    if gate:
        validation = ds.validation
        p_val = outcome.predict_proba(np.asarray(validation.X, float))[:, 1]
        draws = [expert.decide(validation, seed("gate", r)) for r in range(int(n_gate_repetitions))]
        hs = np.array([d[0] for d in draws])
        chs = np.array([d[1] for d in draws])
        for key, advisor in list(fit.advisors.items()):
            gated = copy.copy(advisor).gate(
                validation.X,
                validation.y,
                hs,
                chs,
                expert.accept_probability,
                alpha=key[1],
                loss_weights=lw,
                rng=seed("gate-accept", *key),
                p_y=p_val,
            )
            fit.advisors[key] = gated
            fit.gates[key] = gated.gate_value_

    groups = getattr(test, "groups", None) or {}
    y_test = np.asarray(test.y).astype(int)
    X_test = np.asarray(test.X, dtype=float)
    records: list[dict] = []
    for r in range(int(n_repetitions)):
        rep_rng = seed("test", r)
        h, ch = expert.decide(test, rep_rng)
        h, ch = np.asarray(h).astype(int), np.asarray(ch, dtype=float)
        uniforms = rep_rng.random(len(y_test))
        for a in alphas:
            options = dict(alpha=a, loss_weights=lw, groups=groups)
            if include_human:
                labels = dict(variant=HUMAN, alpha=a, repetition=r, gated=False, n_rules=0)
                no_advice = (np.zeros(len(h), bool), np.full(len(h), np.nan))
                records += _records(labels, y_test, h, h, h, *no_advice, **options)
            for variant in variants:
                advisor = fit.advisors[(variant, a)]
                advice = advisor.advise(X_test, h, ch, p_y=p_test)
                accepted, d = team_decisions(
                    advice.y_hat, h, advice.c_model, ch, expert.accept_probability, uniforms
                )
                labels = dict(
                    variant=variant,
                    alpha=a,
                    repetition=r,
                    gated=bool(getattr(advisor, "gated_", False)),
                    n_rules=len(advisor.rules_),
                )
                team = (advice.y_hat, d, accepted, advice.c_model)
                records += _records(labels, y_test, h, *team, **options)
    table = pd.DataFrame.from_records(records)
    table.insert(2, "lambda0", lw[0])
    table.insert(3, "lambda1", lw[1])
    log.info(
        "evaluated %d variants x %d alphas x %d repetitions",
        len(variants),
        len(alphas),
        n_repetitions,
    )
    return (table, fit) if return_fit else table
