"""Simulated annealing over rule sets (Algorithm 1 of the TeamRules paper).

:func:`anneal_rule_sets` is a plain function in the style of
:func:`scipy.optimize.dual_annealing`: a problem, an explicit ``rng``, an
optional ``callback`` and a small :class:`AnnealingResult`. It minimises the
training total team loss (TTL, the mean of eq. 3 with the selective advising
of eq. 4-6) over sets of candidate rules R = {R+, R-}, starting from the empty
set (the human decides alone).

Speed: two engines run the same search. The compiled one (numba,
:mod:`~hmlsim.advisors.annealing_kernel`, the default) and the vectorised NumPy
one (:mod:`~hmlsim.advisors.annealing_state`) keep, for every training row, the
most precise selected rule of each sign covering it, the row's loss and its
weight in the row draw; a move re-evaluates only the rows where the most
precise covering rule changes, and an add move is scored by lookups in a
per-(rule, row) loss table. Both draw the same random numbers and select the
same rule sets (``engine=`` chooses). :func:`anneal_rule_sets_reference` runs
the same search with a straightforward per-rule full re-evaluation, so the
three give the same rule sets (tests and ``benchmarks/bench_annealing.py`` use
it).

The search (each iteration t = 0 .. n_iter - 1, temperature c0 ** (t / n_iter)):

1. after 75 % of the iterations, restart from the best set (as the authors' code);
2. draw a training row ε with probability proportional to its loss, less α
   where advice there is worth its cost (Algorithm 1, line 10);
3. if ε is covered and its advice is wrong, or contradicts h while p̂(a) < α,
   cut a rule of the covering sign (the best cut, or with probability 0.25 a
   random one), and with probability 0.5 (when the advice is wrong) replace it
   by a new rule of that sign; otherwise add a rule of sign y_ε that covers ε;
4. a new rule is the best of ``n_proposals`` sampled candidates, or with
   probability 0.25 a random candidate;
5. keep the best set seen; undo the move unless
   exp((TTL_old - TTL_new) / temperature) >= U(0, 1).

The objective is the training TTL plus ``rule_penalty`` per selected rule (0 by
default: the paper's objective).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hmlsim.advisors.annealing_state import (
    OBJECTIVE_SCALE,
    FastState,
    Prepared,
    ReferenceState,
    objective,
    propose,
    undo,
)
from hmlsim.advisors.loss import check_alpha, check_loss_weights
from hmlsim.advisors.rules import RuleCandidates
from hmlsim.errors import ConfigError
from hmlsim.seeding import SeedLike, make_rng

log = logging.getLogger(__name__)

#: p̂(a | c^M, c^H) for arrays of model and human confidence
AcceptFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: engines of :func:`anneal_rule_sets`
ENGINES = ("auto", "compiled", "numpy")
_MAX_UNDO = 16  # loss differences are rounded before comparison so both engines agree on ties


@dataclass(frozen=True, eq=False)
class AdvisingProblem:
    """Everything the annealing needs, fixed for one fit.

    Parameters
    ----------
    candidates : RuleCandidates
        Mined candidates and their coverage of the training rows.
    y, h : ndarray of int, shape (n,)
        Labels and the expert's independent decisions.
    c_human : ndarray of float, shape (n,)
        The expert's confidence.
    p_y : ndarray of float, shape (n,)
        p̂(y = 1 | x) used by ψ (eq. 5).
    p_accept : callable or None
        p̂(a | c^M, c^H) on arrays; None means every piece of advice is
        accepted (p̂(a) ≡ 1, the "no ADB" variants).
    alpha : float
        Cost of one contradiction, in units of decision loss.
    loss_weights : (float, float)
        (λ0, λ1).
    selective : bool
        Advise only where ψ holds (TeamRules); False advises wherever a rule
        covers (used by the task-only optimisation).
    y_belief : ndarray of float, shape (n,), optional
        The trainer's belief P(y = 1) per row, when the labels ``y`` are not
        the truth (the performative loop, SPEC D). The objective is then the
        *expected* team loss under this belief (V(y, ·) replaced by
        E_y[V(y, ·)]); a row whose truth is known has belief 0 or 1, which
        gives the loss of eq. 3 exactly. Moves read the believed class
        (belief >= 0.5). ``None``: the labels ``y`` are the truth (the paper).
    """

    candidates: RuleCandidates
    y: np.ndarray
    h: np.ndarray
    c_human: np.ndarray
    p_y: np.ndarray
    p_accept: AcceptFunction | None = None
    alpha: float = 0.0
    loss_weights: tuple[float, float] = (1.0, 1.0)
    selective: bool = True
    y_belief: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = self.candidates.n_rows
        if self.y_belief is not None:
            belief = np.asarray(self.y_belief, dtype=float)
            if belief.shape != (n,) or not np.all((belief >= 0) & (belief <= 1)):
                raise ConfigError("y_belief", f"must be {n} probabilities in [0, 1]")
        for name in ("y", "h", "c_human", "p_y"):
            value = np.asarray(getattr(self, name))
            if value.shape != (n,):
                raise ConfigError(
                    name, f"must have shape ({n},) like the coverage; got {value.shape}"
                )
        check_alpha(self.alpha)
        check_loss_weights(self.loss_weights)


@dataclass
class AnnealingResult:
    """Outcome of :func:`anneal_rule_sets`.

    Attributes
    ----------
    pos, neg : ndarray of int
        Indices of the selected positive and negative candidates (sorted).
    fun : float
        Objective of the best set: training TTL + ``rule_penalty`` x its size.
    ttl : float
        Training TTL of the best set.
    nit : int
        Iterations run.
    history : ndarray of float
        TTL of the current set after each iteration.
    best_history : ndarray of float
        Best TTL seen after each iteration.
    n_accepted : int
        Moves kept.
    message : str
    """

    pos: np.ndarray
    neg: np.ndarray
    fun: float
    ttl: float
    nit: int
    history: np.ndarray = field(repr=False)
    best_history: np.ndarray = field(repr=False)
    n_accepted: int = 0
    message: str = ""

    @property
    def x(self) -> tuple[np.ndarray, np.ndarray]:
        """The solution as (pos, neg), scipy style."""
        return self.pos, self.neg


def _check_args(n_iter: int, c0: float, n_proposals: int | None, rule_penalty: float) -> None:
    if not (np.isfinite(float(rule_penalty)) and float(rule_penalty) >= 0):
        raise ConfigError("rule_penalty", f"must be >= 0, got {rule_penalty!r}")
    if int(n_iter) < 0:
        raise ConfigError("n_iter", f"must be >= 0, got {n_iter!r}")
    if not 0 < float(c0) <= 1:
        raise ConfigError("c0", f"must lie in (0, 1], got {c0!r}")
    if n_proposals is not None and (
        isinstance(n_proposals, bool)
        or not isinstance(n_proposals, (int, np.integer))
        or n_proposals < 1
    ):
        raise ConfigError(
            "n_proposals", f"must be an integer >= 1, or None for all; got {n_proposals!r}"
        )


def _proposals(n_proposals: int | None, prep: Prepared) -> int:
    """The sample size of an add move: ``None`` (score every eligible rule) as a count.

    No pool of eligible rules is larger than the candidates of one sign, so both
    engines then score the whole pool and draw no sample.
    """
    return max(prep.kp, prep.kn, 1) if n_proposals is None else int(n_proposals)


def _anneal(
    state: FastState,
    n_iter: int,
    c0: float,
    n_proposals: int,
    rule_penalty: float,
    rng: np.random.Generator,
    callback: Callable[[tuple[np.ndarray, np.ndarray], float, int], bool | None] | None,
    initial: tuple[Sequence[int], Sequence[int]] = ((), ()),
) -> AnnealingResult:
    prep = state.prep
    n = prep.n

    def current_objective() -> float:
        size = len(state.selected[1]) + len(state.selected[0])
        return objective(float(state.loss.sum()), n, size, rule_penalty)

    if len(initial[0]) or len(initial[1]):
        state.restore(*initial)
    current = current_objective()
    best = current
    best_sets: tuple[list[int], list[int]] = (list(state.selected[1]), list(state.selected[0]))
    at_best = True
    since_best: list[tuple[str, int, int]] = []  # moves applied since the state was the best
    history = np.empty(n_iter)
    best_history = np.empty(n_iter)
    accepted = 0
    nit = 0
    message = "maximum number of iterations reached"
    if prep.kp + prep.kn == 0:
        message = "no candidate rules: the human decides alone"
        n_iter = 0
    for t in range(n_iter):
        if t > 0.75 * n_iter and not at_best:
            if len(since_best) <= _MAX_UNDO:  # cheaper than rebuilding the state
                undo(state, since_best)
            else:
                state.restore(*best_sets)
            current, at_best, since_best = best, True, []
        temperature = c0 ** (t / n_iter)
        steps = propose(state, n_proposals, rng)
        new = current_objective()
        if new < best:
            best = new
            best_sets = (list(state.selected[1]), list(state.selected[0]))
        u = rng.random()
        if steps and (new <= current or u <= np.exp((current - new) / temperature)):
            accepted += 1
            current = new
            at_best = best_sets == (state.selected[1], state.selected[0])
            since_best = [] if at_best else [*since_best, *steps]
        else:
            undo(state, steps)
        history[t] = current
        best_history[t] = best
        nit = t + 1
        if callback is not None and callback(
            (np.array(best_sets[0]), np.array(best_sets[1])), best, t
        ):
            message = "stopped by callback"
            break
    state.restore(*best_sets)
    return AnnealingResult(
        pos=np.array(sorted(best_sets[0]), dtype=np.intp),
        neg=np.array(sorted(best_sets[1]), dtype=np.intp),
        fun=best,
        ttl=float(state.loss.sum() / n),
        nit=nit,
        history=history[:nit],
        best_history=best_history[:nit],
        n_accepted=accepted,
        message=message,
    )


def anneal_rule_sets(
    problem: AdvisingProblem,
    *,
    n_iter: int = 2000,
    c0: float = 0.01,
    n_proposals: int | None = 50,
    rule_penalty: float = 0.0,
    rng: SeedLike = None,
    callback: Callable[[tuple[np.ndarray, np.ndarray], float, int], bool | None] | None = None,
    engine: str = "auto",
    initial: tuple[Sequence[int], Sequence[int]] | None = None,
) -> AnnealingResult:
    """Find the rule sets that minimise the training team loss (Algorithm 1).

    Parameters
    ----------
    problem : AdvisingProblem
        Candidates, labels, decisions, confidences, p̂(y|x), p̂(a), α, λ.
    n_iter : int, default 2000
        Iterations T.
    c0 : float, default 0.01
        Final temperature; the temperature at iteration t is ``c0 ** (t / n_iter)``.
    n_proposals : int or None, default 50
        Candidates scored per "add" move (a random sample of those eligible);
        None scores every eligible candidate (the authors' code).
    rule_penalty : float, default 0.0
        Added to the objective per selected rule (in TTL units); a small value
        keeps the sets short when rules stop changing the loss. 0 is the paper's
        objective.
    rng : int, Generator or None
        Source of every random draw.
    callback : callable, optional
        ``callback((pos, neg), best_fun, t)`` after each iteration; returning
        True stops the search.
    engine : {"auto", "compiled", "numpy"}, default "auto"
        ``"compiled"`` runs the loop in numba
        (:mod:`~hmlsim.advisors.annealing_kernel`), ``"numpy"`` in vectorised
        NumPy (:mod:`~hmlsim.advisors.annealing_state`). Both take the same
        moves with the same random numbers and select the same rule sets.
        ``"auto"`` compiles unless a ``callback`` must be called each
        iteration or p̂(a) has too many distinct (precision, c^H) pairs to
        tabulate.
    initial : (pos, neg), optional
        Indices of the candidates the search starts from (a warm start:
        e.g. the rule set deployed before); default the empty set, as in the
        paper. A warm start runs on the NumPy engine.

    Returns
    -------
    AnnealingResult
        The best rule sets seen (indices into ``problem.candidates.pos/neg``).
        Without candidates the result is the empty set (the human alone).

    Examples
    --------
    >>> import numpy as np
    >>> from hmlsim.advisors.rules import CandidateRules, Condition, Rule, RuleCandidates
    >>> cov = np.array([[True], [True], [False], [False]])
    >>> pos = CandidateRules((Rule((Condition("x", ">", 0),), 1),), cov, np.array([1.0]), 1)
    >>> cands = RuleCandidates(pos, CandidateRules.empty(4, 0), ("x",))
    >>> problem = AdvisingProblem(cands, y=np.array([1, 1, 0, 0]), h=np.zeros(4, int),
    ...                           c_human=np.full(4, 0.5), p_y=np.array([.9, .9, .1, .1]))
    >>> res = anneal_rule_sets(problem, n_iter=20, rng=0)
    >>> res.pos.tolist(), res.fun
    ([0], 0.0)
    """
    _check_args(n_iter, c0, n_proposals, rule_penalty)
    if engine not in ENGINES:
        raise ConfigError("engine", f"must be one of {', '.join(ENGINES)}; got {engine!r}")
    if engine == "compiled" and callback is not None:
        raise ConfigError("engine", "the compiled engine cannot call a callback; use 'numpy'")
    if engine == "compiled" and initial is not None:
        raise ConfigError("initial", "the compiled engine starts from the empty set; use 'numpy'")
    state = FastState(Prepared(problem))
    start = _check_initial(initial, state.prep.kp, state.prep.kn)
    rng = make_rng(rng)
    n_proposals = _proposals(n_proposals, state.prep)
    tabulated = state.prep.accept is None or state.prep.has_table
    if engine == "compiled" and not tabulated:
        raise ConfigError(
            "engine",
            "the compiled engine needs p̂(a) as a table over (precision, c^H), and this "
            "problem has too many distinct confidences for one; use 'auto' or 'numpy'",
        )
    if (
        engine == "numpy"
        or callback is not None
        or not tabulated
        or state.prep.kp + state.prep.kn == 0
        or initial is not None
    ):
        return _anneal(
            state,
            int(n_iter),
            float(c0),
            int(n_proposals),
            float(rule_penalty),
            rng,
            callback,
            start,
        )
    from hmlsim.advisors.annealing_kernel import anneal_compiled

    pos, neg, best, history, best_history, accepted = anneal_compiled(
        state.prep,
        int(n_iter),
        float(c0),
        int(n_proposals),
        float(rule_penalty),
        rng,
        OBJECTIVE_SCALE,
        _MAX_UNDO,
    )
    state.restore(pos.tolist(), neg.tolist())
    return AnnealingResult(
        pos=np.asarray(pos, dtype=np.intp),
        neg=np.asarray(neg, dtype=np.intp),
        fun=float(best),
        ttl=float(state.loss.sum() / state.prep.n),
        nit=int(n_iter),
        history=history,
        best_history=best_history,
        n_accepted=int(accepted),
        message="maximum number of iterations reached",
    )


def _check_initial(
    initial: tuple[Sequence[int], Sequence[int]] | None, kp: int, kn: int
) -> tuple[list[int], list[int]]:
    """The warm start's (pos, neg) candidate indices, checked against the candidates."""
    if initial is None:
        return [], []
    pos, neg = (sorted({int(k) for k in part}) for part in initial)
    for name, chosen, size in (("pos", pos, kp), ("neg", neg, kn)):
        if chosen and not (0 <= chosen[0] and chosen[-1] < size):
            raise ConfigError("initial", f"{name} indices must lie in [0, {size}), got {chosen}")
    return pos, neg


def anneal_rule_sets_reference(
    problem: AdvisingProblem,
    *,
    n_iter: int = 2000,
    c0: float = 0.01,
    n_proposals: int | None = 50,
    rule_penalty: float = 0.0,
    rng: SeedLike = None,
) -> AnnealingResult:
    """The same search as :func:`anneal_rule_sets`, scoring each rule by a full re-evaluation.

    For tests and benchmarks only: it draws the same random numbers and so finds
    the same rule sets, but re-computes every row's loss for every candidate
    rule it scores (the published implementation's per-rule loop).
    """
    _check_args(n_iter, c0, n_proposals, rule_penalty)
    prep = Prepared(problem)
    return _anneal(
        ReferenceState(prep),
        int(n_iter),
        float(c0),
        _proposals(n_proposals, prep),
        float(rule_penalty),
        make_rng(rng),
        None,
    )


def selected_loss(problem: AdvisingProblem, pos: Sequence[int], neg: Sequence[int]) -> float:
    """Training TTL of a given rule set (full evaluation)."""
    state = FastState(Prepared(problem))
    state.restore(pos, neg)
    return float(state.loss.sum() / state.prep.n)
