"""Simulated annealing over rule sets (Algorithm 1 of the TeamRules paper).

:func:`anneal_rule_sets` is a plain function in the style of
:func:`scipy.optimize.dual_annealing`: a problem, an explicit ``rng``, an
optional ``callback`` and a small :class:`AnnealingResult`. It minimises the
training total team loss (TTL, the mean of eq. 3 with the selective advising
of eq. 4-6) over sets of candidate rules R = {R+, R-}, starting from the empty
set (the human decides alone).

Speed: the state keeps, for every training row, how many selected rules of
each sign cover it, the most precise of them, the row's loss and its weight in
the row draw. A move re-evaluates only the rows where the most precise covering
rule changes, and the add and cut moves score all their candidate rules (up to
``n_proposals`` for an add) at once with one vectorised pass over their
coverage (no per-rule Python loop). A row's loss under a rule that would be its
most precise one depends on that rule alone, so it is computed once per problem
for every (rule, row) pair and an add move is scored by lookups. p̂(a) is
tabulated once per problem over (distinct c^H) x (distinct rule precisions).
:func:`anneal_rule_sets_reference` runs the same search with a straightforward
per-rule full re-evaluation, drawing the same random numbers, so the two give
the same rule sets (tests and ``benchmarks/bench_annealing.py`` use it).

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
from bisect import insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hmlsim.advisors.loss import (
    check_alpha,
    check_loss_weights,
    decision_loss,
    expected_decision_loss,
)
from hmlsim.advisors.rules import CandidateRules, RuleCandidates
from hmlsim.errors import ConfigError
from hmlsim.seeding import SeedLike, make_rng

log = logging.getLogger(__name__)

#: p̂(a | c^M, c^H) for arrays of model and human confidence
AcceptFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

_TABLE_LIMIT = 4_000_000
_ROUND = 9
_PAIR_CHUNK = 1 << 20
_COPY_MIN = 16_384  # pairs from which block copies beat index arithmetic
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


class _Csc:
    """Compressed-column view of the candidates' coverage, restricted to rows where ``mask``."""

    def __init__(self, cands: CandidateRules, mask: np.ndarray | None = None) -> None:
        if mask is None:
            self.indices, self.indptr = cands.indices, cands.indptr
        else:
            keep = mask[cands.indices]
            self.indices = cands.indices[keep]
            self.indptr = np.concatenate(([0], np.cumsum(keep)))[cands.indptr].astype(np.intp)

    def rows_of(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, position in ``ks``) pairs, vectorised."""
        starts = self.indptr[ks]
        lengths = self.indptr[ks + 1] - starts
        owner = np.repeat(np.arange(len(ks)), lengths)
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return self.indices[np.arange(owner.size) + shift], owner

    def _take(self, ks: np.ndarray, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """``arrays`` (aligned with :attr:`indices`) at the pairs of ``ks``, then the counts."""
        starts = self.indptr[ks]
        counts = self.indptr[ks + 1] - starts
        total = int(counts.sum())
        if total < _COPY_MIN:  # few pairs: one gather beats many small block copies
            at = np.arange(total) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
            return (*(a[at] for a in arrays), counts)
        spans = [slice(a, a + c) for a, c in zip(starts.tolist(), counts.tolist(), strict=True)]
        return (*(np.concatenate([a[s] for s in spans]) for a in arrays), counts)

    def rows(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the pairs of ``ks`` (rule by rule), and how many each rule has."""
        return self._take(ks, (self.indices,))

    def slices(
        self, ks: np.ndarray, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows and ``values`` (aligned with :attr:`indices`) of the pairs of ``ks``; counts."""
        return self._take(ks, (self.indices, values))

    def columns(self) -> np.ndarray:
        """The candidate of each stored pair."""
        return np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))


class _Prepared:
    """Row constants and the acceptance lookup table of a problem."""

    def __init__(self, problem: AdvisingProblem) -> None:
        cands = problem.candidates
        self.problem = problem
        self.pos, self.neg = cands.pos, cands.neg
        self.n = cands.n_rows
        self.h = np.asarray(problem.h).astype(np.int64)
        lw = check_loss_weights(problem.loss_weights)
        self.alpha = check_alpha(problem.alpha)
        self.selective = problem.selective
        if problem.y_belief is None:
            self.y = np.asarray(problem.y).astype(np.int64)
            self.v_h = decision_loss(self.y, self.h, lw)
            self.v_z = decision_loss(self.y, 1 - self.h, lw)  # loss if contradicting advice taken
        else:  # expected loss under the trainer's belief about the unseen truth
            belief = np.asarray(problem.y_belief, dtype=float)
            self.y = (belief >= 0.5).astype(np.int64)
            self.v_h = expected_decision_loss(belief, self.h, lw)
            self.v_z = expected_decision_loss(belief, 1 - self.h, lw)
        p_y = np.asarray(problem.p_y, dtype=float)
        self.delta = expected_decision_loss(p_y, self.h, lw) - expected_decision_loss(
            p_y, 1 - self.h, lw
        )
        self.v_flip = np.maximum(self.v_h, self.v_z)  # V(y, 1 - y) for known labels
        self.kp, self.kn = len(self.pos), len(self.neg)
        ch = np.asarray(problem.c_human, dtype=float)
        self.c_human = ch
        self.accept = problem.p_accept
        # precision of every candidate, plus one sentinel per sign for "not covered"
        self.prec_pos = np.append(self.pos.precision, 0.0)
        self.prec_neg = np.append(self.neg.precision, 0.0)
        self.table = None
        self.dv = self.v_z - self.v_h
        if self.accept is not None:
            ch_values, self.ch_code = np.unique(ch, return_inverse=True)
            prec_all = np.concatenate([self.prec_pos, self.prec_neg])
            prec_values, codes = np.unique(prec_all, return_inverse=True)
            if ch_values.size * prec_values.size <= _TABLE_LIMIT:
                cm = np.broadcast_to(prec_values[None, :], (ch_values.size, prec_values.size))
                chm = np.broadcast_to(ch_values[:, None], cm.shape)
                table = np.asarray(self.accept(cm.ravel(), chm.ravel()), dtype=float)
                # row u: p̂(a) of every candidate (pos, sentinel, neg, sentinel) for c^H value u
                self.table = table.reshape(cm.shape)[:, codes].ravel()
                self.ch_offset = self.ch_code.astype(np.intp) * prec_all.size

        self.kp1 = self.kp + 1
        # per-row constants gathered together: h == 1, E[V] saved by advice, V(y, h), ΔV
        self.h_one = self.h == 1
        self.const = np.column_stack([self.delta, self.v_h, self.dv])
        if self.table is None:
            self.ch_offset = np.zeros(self.n, np.intp)

    @cached_property
    def scored_rows(self) -> dict[int, _Csc]:
        """The (candidate, row) pairs whose loss can change when the candidate is added.

        Every row a positive rule covers (it advises 1 where h = 0 and silences
        negative advice where h = 1); for a negative rule, the rows where h = 1
        (elsewhere its advice agrees with h).
        """
        return {1: _Csc(self.pos), 0: _Csc(self.neg, self.h_one)}

    @cached_property
    def pair_loss(self) -> dict[int, np.ndarray]:
        """Loss of each pair of :attr:`scored_rows` if its candidate were the row's best rule.

        A positive rule gives a row a loss that depends on that rule alone, and
        so does a negative rule where no positive rule covers: an "add" move is
        scored by lookups.
        """
        out = {}
        for sign in (1, 0):
            csc = self.scored_rows[sign]
            rows, column = csc.indices, csc.columns()
            loss = np.empty(rows.size)
            for start in range(0, rows.size, _PAIR_CHUNK):
                part = slice(start, start + _PAIR_CHUNK)
                r, k = rows[part], column[part]
                if sign == 1:  # row_loss(r, k, kn): advice where h = 0
                    loss[part] = self.advice(r, k, ~self.h_one[r])[0]
                else:  # row_loss(r, kp, k) on rows where h = 1: always contradicting
                    loss[part] = self.advice(r, k + self.kp1, np.ones(r.size, bool))[0]
            out[sign] = loss
        return out

    def draw_weight(self, rows, loss, adv, pa) -> np.ndarray:
        """Weight of ``rows`` when a row is drawn (Algorithm 1, line 10)."""
        worth = adv & (self.v_flip[rows] * pa > self.alpha)
        return np.maximum(loss - self.alpha * worth, 0.0)

    def p_accept(self, rows: np.ndarray, column: np.ndarray) -> np.ndarray:
        """p̂(a) at ``rows`` for advice from candidate ``column`` (pos, then neg numbering)."""
        if self.accept is None:
            return np.ones(len(rows))
        if self.table is not None:
            return self.table.take(self.ch_offset[rows] + column)
        conf = np.concatenate([self.prec_pos, self.prec_neg])[column]
        return np.asarray(self.accept(conf, self.c_human[rows]), dtype=float)

    def row_loss(
        self, rows: np.ndarray, pbest: np.ndarray, nbest: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Loss, advise flag and p̂(a) of ``rows`` given their best covering rules.

        ``pbest`` / ``nbest`` hold the index of the most precise selected rule
        of each sign covering the row (``kp`` / ``kn`` when none covers). Where
        the rules' advice does not contradict h, p̂(a) is reported as 0.
        """
        pcov = pbest < self.kp
        contra = pcov | (nbest < self.kn)
        contra &= pcov != self.h_one[rows]
        return self.advice(rows, np.where(pcov, pbest, nbest + self.kp1), contra)

    def advice(
        self, rows: np.ndarray, column: np.ndarray, contra: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`row_loss` given the advising candidate (``column``) and where it contradicts h."""
        pa = self.p_accept(rows, column)
        pa *= contra
        delta, v_h, dv = self.const[rows].T
        if self.selective:
            adv = pa * delta > self.alpha
            adv &= contra
        else:
            adv = contra
        loss = v_h + adv * (pa * dv + self.alpha)
        return loss, adv, pa


class _FastState:
    """Incremental state: best rule of each sign, loss and draw weight per row.

    A row is covered by a selected rule of a sign when its best rule of that
    sign is not the sentinel; moves touch covered rows only.
    """

    def __init__(self, prep: _Prepared) -> None:
        self.prep = prep
        n = prep.n
        self.best = {1: np.full(n, prep.kp, np.intp), 0: np.full(n, prep.kn, np.intp)}
        self.selected: dict[int, list[int]] = {1: [], 0: []}
        self.rows = np.arange(n)
        self._full_refresh()

    def cands(self, sign: int) -> CandidateRules:
        return self.prep.pos if sign == 1 else self.prep.neg

    def covered(self, i: int) -> bool:
        return bool(self.best[1][i] < self.prep.kp or self.best[0][i] < self.prep.kn)

    def covering_selected(self, sign: int, i: int) -> list[int]:
        cov = self.cands(sign).coverage
        return [k for k in self.selected[sign] if cov[i, k]]

    def _full_refresh(self) -> None:
        prep = self.prep
        self.loss, self.adv, self.pa = prep.row_loss(self.rows, self.best[1], self.best[0])
        self.weight = prep.draw_weight(self.rows, self.loss, self.adv, self.pa)

    def _refresh(self, rows: np.ndarray) -> None:
        if rows.size == 0:
            return
        prep = self.prep
        loss, adv, pa = prep.row_loss(rows, self.best[1][rows], self.best[0][rows])
        self.loss[rows], self.adv[rows], self.pa[rows] = loss, adv, pa
        self.weight[rows] = prep.draw_weight(rows, loss, adv, pa)

    def add(self, sign: int, k: int) -> None:
        rows = self.cands(sign).rows_of_one(k)
        best = self.best[sign]
        changed = rows[best[rows] > k]  # elsewhere a more precise rule keeps advising
        best[changed] = k
        insort(self.selected[sign], k)
        self._refresh(changed)

    def remove(self, sign: int, k: int) -> None:
        rows = self.cands(sign).rows_of_one(k)
        self.selected[sign].remove(k)
        stale = rows[self.best[sign][rows] == k]
        if stale.size:
            self.best[sign][stale] = self._first_covering(sign, stale)
            self._refresh(stale)

    def _first_covering(self, sign: int, rows: np.ndarray) -> np.ndarray:
        sentinel = self.prep.kp if sign == 1 else self.prep.kn
        sel = np.asarray(self.selected[sign], dtype=np.intp)
        if sel.size == 0:
            return np.full(rows.size, sentinel, np.intp)
        sub = self.cands(sign).coverage[rows[:, None], sel]
        any_cov = sub.any(axis=1)
        return np.where(any_cov, sel[sub.argmax(axis=1)], sentinel)

    def eval_add(self, sign: int, ks: np.ndarray) -> np.ndarray:
        """Change of the summed loss if each rule of ``ks`` were added (vectorised).

        Only rows whose advice can change are scored: rows where the new rule
        would be the most precise covering one of its sign (for a negative
        rule: where it contradicts h and no positive rule covers). A positive
        rule advises where h = 0 and silences negative advice where h = 1. The
        row's loss under the new rule is looked up (:attr:`_Prepared.pair_loss`).
        """
        prep = self.prep
        csc = prep.scored_rows[sign]
        rows, loss, lengths = csc.slices(ks, prep.pair_loss[sign])
        gain = loss - self.loss[rows]
        if sign == 1:
            if self.selected[1]:  # else every pair changes
                gain *= np.repeat(ks, lengths) < self.best[1][rows]
        elif self.selected[1] or self.selected[0]:
            k_of = np.repeat(ks, lengths)
            gain *= (self.best[1][rows] == prep.kp) & (k_of < self.best[0][rows])
        return np.bincount(np.repeat(np.arange(len(ks)), lengths), gain, minlength=len(ks))

    def eval_cut(self, sign: int, ks: Sequence[int]) -> np.ndarray:
        """Change of the summed loss if each (selected) rule of ``ks`` were removed (vectorised).

        Only rows where the cut rule is the most precise covering one change
        (for a negative rule: only where h = 1, elsewhere it agrees with h).
        """
        ks = np.asarray(ks, dtype=np.intp)
        sentinel = self.prep.kp if sign == 1 else self.prep.kn
        rows, lengths = self.prep.scored_rows[sign].rows(ks)
        owner = np.repeat(np.arange(len(ks)), lengths)
        stale = self.best[sign][rows] == ks[owner]
        rows, owner = rows[stale], owner[stale]
        # most precise remaining covering rule: first selected one other than the cut rule
        sel = np.asarray(self.selected[sign], dtype=np.intp)
        sub = self.cands(sign).coverage[rows[:, None], sel]
        sub[np.arange(rows.size), np.searchsorted(sel, ks[owner])] = False
        best = np.where(sub.any(axis=1), sel[sub.argmax(axis=1)], sentinel)
        if sign == 1:
            loss, _, _ = self.prep.row_loss(rows, best, self.best[0][rows])
        else:
            loss, _, _ = self.prep.row_loss(rows, self.best[1][rows], best)
        return np.bincount(owner, weights=loss - self.loss[rows], minlength=len(ks))

    def restore(self, pos: Sequence[int], neg: Sequence[int]) -> None:
        prep = self.prep
        for sign, chosen in ((1, pos), (0, neg)):
            cands = self.cands(sign)
            sel = np.asarray(sorted(chosen), dtype=np.intp)
            self.selected[sign] = sel.tolist()
            sub = cands.coverage[:, sel]
            sentinel = prep.kp if sign == 1 else prep.kn
            self.best[sign] = (
                np.where(sub.any(axis=1), sel[sub.argmax(axis=1)], sentinel).astype(np.intp)
                if sel.size
                else np.full(prep.n, sentinel, np.intp)
            )
        self._full_refresh()


class _ReferenceState(_FastState):
    """Straightforward engine: every candidate is scored by re-evaluating all rows."""

    def _full(self) -> None:
        self.restore(self.selected[1], self.selected[0])

    def add(self, sign: int, k: int) -> None:
        self.selected[sign] = sorted([*self.selected[sign], k])
        self._full()

    def remove(self, sign: int, k: int) -> None:
        self.selected[sign] = [j for j in self.selected[sign] if j != k]
        self._full()

    def eval_add(self, sign: int, ks: np.ndarray) -> np.ndarray:
        base = self.loss.sum()
        out = np.empty(len(ks))
        for j, k in enumerate(ks):  # the per-rule loop of the published implementation
            self.add(sign, int(k))
            out[j] = self.loss.sum() - base
            self.remove(sign, int(k))
        return out

    def eval_cut(self, sign: int, ks: Sequence[int]) -> np.ndarray:
        base = self.loss.sum()
        out = np.empty(len(ks))
        for j, k in enumerate(ks):
            self.remove(sign, int(k))
            out[j] = self.loss.sum() - base
            self.add(sign, int(k))
        return out


def _draw_row(state: _FastState, rng: np.random.Generator) -> int:
    prep = state.prep
    cumulative = np.cumsum(state.weight)
    u = rng.random()
    if cumulative[-1] <= 0:
        return int(u * prep.n) % prep.n
    return int(min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), prep.n - 1))


def _choose_add(
    state: _FastState,
    sign: int,
    row: int,
    covering: bool,
    n_proposals: int,
    rng: np.random.Generator,
) -> int | None:
    cands = state.cands(sign)
    if len(cands) == 0:
        return None
    pool_mask = cands.coverage[row] if covering else ~cands.coverage[row]
    if state.selected[sign]:
        pool_mask = pool_mask.copy()
        pool_mask[state.selected[sign]] = False
    pool = np.flatnonzero(pool_mask)
    if pool.size == 0:
        return None
    if rng.random() < 0.25:
        return int(pool[rng.integers(pool.size)])
    ks = (
        pool
        if pool.size <= n_proposals
        else np.sort(rng.choice(pool, size=n_proposals, replace=False))
    )
    deltas = np.round(state.eval_add(sign, ks), _ROUND)
    return int(ks[int(np.argmin(deltas))])


def _choose_cut(state: _FastState, sign: int, row: int, rng: np.random.Generator) -> int | None:
    options = state.covering_selected(sign, row) or list(state.selected[sign])
    if not options:
        return None
    if rng.random() < 0.25:
        return int(options[rng.integers(len(options))])
    deltas = np.round(state.eval_cut(sign, options), _ROUND)
    return int(options[int(np.argmin(deltas))])


def _propose(
    state: _FastState, n_proposals: int, rng: np.random.Generator
) -> list[tuple[str, int, int]]:
    """Pick and apply one move; return the applied (op, sign, rule) steps for undo."""
    prep = state.prep
    i = _draw_row(state, rng)
    y_i, h_i = int(prep.y[i]), int(prep.h[i])
    y_hat = 1 - h_i if state.adv[i] else h_i
    wrong = y_hat != y_i
    unpersuasive = y_hat != h_i and state.pa[i] < prep.alpha
    steps: list[tuple[str, int, int]] = []
    if state.covered(i) and (wrong or unpersuasive):
        sign = 1 if state.best[1][i] < prep.kp else 0
        replace = wrong and rng.random() >= 0.5
        cut = _choose_cut(state, sign, i, rng)
        if cut is not None:
            state.remove(sign, cut)
            steps.append(("remove", sign, cut))
        if replace:
            new = _choose_add(
                state, sign, i, covering=(y_i == sign), n_proposals=n_proposals, rng=rng
            )
            if new is not None:
                state.add(sign, new)
                steps.append(("add", sign, new))
    else:
        new = _choose_add(state, y_i, i, covering=True, n_proposals=n_proposals, rng=rng)
        if new is not None:
            state.add(y_i, new)
            steps.append(("add", y_i, new))
    return steps


def _undo(state: _FastState, steps: list[tuple[str, int, int]]) -> None:
    for op, sign, k in reversed(steps):
        if op == "add":
            state.remove(sign, k)
        else:
            state.add(sign, k)


def _check_args(n_iter: int, c0: float, n_proposals: int, rule_penalty: float) -> None:
    if not (np.isfinite(float(rule_penalty)) and float(rule_penalty) >= 0):
        raise ConfigError("rule_penalty", f"must be >= 0, got {rule_penalty!r}")
    if int(n_iter) < 0:
        raise ConfigError("n_iter", f"must be >= 0, got {n_iter!r}")
    if not 0 < float(c0) <= 1:
        raise ConfigError("c0", f"must lie in (0, 1], got {c0!r}")
    if int(n_proposals) < 1:
        raise ConfigError("n_proposals", f"must be >= 1, got {n_proposals!r}")


def _anneal(
    state: _FastState,
    n_iter: int,
    c0: float,
    n_proposals: int,
    rule_penalty: float,
    rng: np.random.Generator,
    callback: Callable[[tuple[np.ndarray, np.ndarray], float, int], bool | None] | None,
) -> AnnealingResult:
    prep = state.prep
    n = prep.n

    def objective() -> float:
        size = len(state.selected[1]) + len(state.selected[0])
        return float(state.loss.sum() / n) + rule_penalty * size

    current = objective()
    best = current
    best_sets: tuple[list[int], list[int]] = ([], [])
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
                _undo(state, since_best)
            else:
                state.restore(*best_sets)
            current, at_best, since_best = best, True, []
        temperature = c0 ** (t / n_iter)
        steps = _propose(state, n_proposals, rng)
        new = objective()
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
            _undo(state, steps)
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
    n_proposals: int = 50,
    rule_penalty: float = 0.0,
    rng: SeedLike = None,
    callback: Callable[[tuple[np.ndarray, np.ndarray], float, int], bool | None] | None = None,
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
    n_proposals : int, default 50
        Candidates scored per "add" move (a random sample of those eligible).
    rule_penalty : float, default 0.0
        Added to the objective per selected rule (in TTL units); a small value
        keeps the sets short when rules stop changing the loss. 0 is the paper's
        objective.
    rng : int, Generator or None
        Source of every random draw.
    callback : callable, optional
        ``callback((pos, neg), best_fun, t)`` after each iteration; returning
        True stops the search.

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
    return _anneal(
        _FastState(_Prepared(problem)),
        int(n_iter),
        float(c0),
        int(n_proposals),
        float(rule_penalty),
        make_rng(rng),
        callback,
    )


def anneal_rule_sets_reference(
    problem: AdvisingProblem,
    *,
    n_iter: int = 2000,
    c0: float = 0.01,
    n_proposals: int = 50,
    rule_penalty: float = 0.0,
    rng: SeedLike = None,
) -> AnnealingResult:
    """The same search as :func:`anneal_rule_sets`, scoring each rule by a full re-evaluation.

    For tests and benchmarks only: it draws the same random numbers and so finds
    the same rule sets, but re-computes every row's loss for every candidate
    rule it scores (the published implementation's per-rule loop).
    """
    _check_args(n_iter, c0, n_proposals, rule_penalty)
    return _anneal(
        _ReferenceState(_Prepared(problem)),
        int(n_iter),
        float(c0),
        int(n_proposals),
        float(rule_penalty),
        make_rng(rng),
        None,
    )


def selected_loss(problem: AdvisingProblem, pos: Sequence[int], neg: Sequence[int]) -> float:
    """Training TTL of a given rule set (full evaluation)."""
    state = _FastState(_Prepared(problem))
    state.restore(pos, neg)
    return float(state.loss.sum() / state.prep.n)
