"""The annealing's state and moves, in NumPy (the reference engines of Algorithm 1).

:class:`FastState` keeps, for every training row, the most precise selected
rule of each sign, the row's loss and its weight in the row draw; a move
re-evaluates only the rows where the most precise covering rule changes, and
the add and cut moves score all their candidate rules at once with one
vectorised pass over their coverage. :class:`ReferenceState` re-evaluates
every row for every candidate rule it scores (the published implementation's
per-rule loop). :func:`propose` and :func:`undo` are the moves of
Algorithm 1 on either state; :mod:`hmlsim.advisors.annealing_kernel` runs the
same search compiled.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from hmlsim.advisors.loss import (
    check_alpha,
    check_loss_weights,
    decision_loss,
    expected_decision_loss,
)
from hmlsim.advisors.rules import CandidateRules

if TYPE_CHECKING:
    from hmlsim.advisors.annealing import AdvisingProblem

TABLE_LIMIT = 4_000_000
ROUND = 9
#: objectives are compared after rounding to 1 / OBJECTIVE_SCALE
OBJECTIVE_SCALE = 1e12
_PAIR_CHUNK = 1 << 20
_COPY_MIN = 16_384  # pairs from which block copies beat index arithmetic


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


class Prepared:
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
        self.dv = self.v_z - self.v_h
        self.has_table = False
        if self.accept is not None:
            ch_values, self.ch_code = np.unique(ch, return_inverse=True)
            prec_all = np.concatenate([self.prec_pos, self.prec_neg])
            prec_values, self.prec_code = np.unique(prec_all, return_inverse=True)
            if ch_values.size * prec_values.size <= TABLE_LIMIT:
                cm = np.broadcast_to(prec_values[None, :], (ch_values.size, prec_values.size))
                chm = np.broadcast_to(ch_values[:, None], cm.shape)
                grid = np.asarray(self.accept(cm.ravel(), chm.ravel()), dtype=float)
                #: p̂(a) by (c^H value, precision value); ``prec_code`` maps each
                #: candidate (pos, sentinel, neg, sentinel) to its precision value
                self.accept_grid = grid.reshape(cm.shape)
                self.has_table = True

        self.kp1 = self.kp + 1
        # per-row constants gathered together: h == 1, E[V] saved by advice, V(y, h), ΔV
        self.h_one = self.h == 1
        self.const = np.column_stack([self.delta, self.v_h, self.dv])

    @cached_property
    def table(self) -> np.ndarray | None:
        """p̂(a) of every candidate for every c^H value, flat (row u: c^H value u)."""
        return self.accept_grid[:, self.prec_code].ravel() if self.has_table else None

    @cached_property
    def ch_offset(self) -> np.ndarray:
        """Each row's offset into :attr:`table`."""
        if not self.has_table:
            return np.zeros(self.n, np.intp)
        return self.ch_code.astype(np.intp) * (self.kp + self.kn + 2)

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


class FastState:
    """Incremental state: best rule of each sign, loss and draw weight per row.

    A row is covered by a selected rule of a sign when its best rule of that
    sign is not the sentinel; moves touch covered rows only.
    """

    def __init__(self, prep: Prepared) -> None:
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
        row's loss under the new rule is looked up (:attr:`Prepared.pair_loss`).
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


class ReferenceState(FastState):
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


def sample_sorted(pool: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` distinct elements of ``pool``, sorted: a partial Fisher-Yates shuffle.

    Written out draw by draw (one ``rng.integers(i, len(pool))`` per element)
    so that the compiled engine, which draws the same numbers from the same
    generator, samples the same elements.
    """
    pool = np.array(pool, dtype=np.intp)
    m = pool.size
    for i in range(size):
        j = int(rng.integers(i, m))
        pool[i], pool[j] = pool[j], pool[i]
    return np.sort(pool[:size])


def objective(loss_sum: float, n: int, n_rules: int, rule_penalty: float) -> float:
    """Mean loss plus ``rule_penalty`` per rule, rounded to 1e-12.

    The rounding makes ties between states exact whatever order the engine
    summed the rows' losses in (NumPy sums pairwise, the compiled engine in
    sequence), so both engines take the same decisions.
    """
    return float(
        np.rint((loss_sum / n + rule_penalty * n_rules) * OBJECTIVE_SCALE) / OBJECTIVE_SCALE
    )


def draw_row(state: FastState, rng: np.random.Generator) -> int:
    prep = state.prep
    cumulative = np.cumsum(state.weight)
    u = rng.random()
    if cumulative[-1] <= 0:
        return int(u * prep.n) % prep.n
    return int(min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), prep.n - 1))


def choose_add(
    state: FastState,
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
    ks = pool if pool.size <= n_proposals else sample_sorted(pool, n_proposals, rng)
    deltas = np.round(state.eval_add(sign, ks), ROUND)
    return int(ks[int(np.argmin(deltas))])


def choose_cut(state: FastState, sign: int, row: int, rng: np.random.Generator) -> int | None:
    options = state.covering_selected(sign, row) or list(state.selected[sign])
    if not options:
        return None
    if rng.random() < 0.25:
        return int(options[rng.integers(len(options))])
    deltas = np.round(state.eval_cut(sign, options), ROUND)
    return int(options[int(np.argmin(deltas))])


def propose(
    state: FastState, n_proposals: int, rng: np.random.Generator
) -> list[tuple[str, int, int]]:
    """Pick and apply one move; return the applied (op, sign, rule) steps for undo."""
    prep = state.prep
    i = draw_row(state, rng)
    y_i, h_i = int(prep.y[i]), int(prep.h[i])
    y_hat = 1 - h_i if state.adv[i] else h_i
    wrong = y_hat != y_i
    unpersuasive = y_hat != h_i and state.pa[i] < prep.alpha
    steps: list[tuple[str, int, int]] = []
    if state.covered(i) and (wrong or unpersuasive):
        sign = 1 if state.best[1][i] < prep.kp else 0
        replace = wrong and rng.random() >= 0.5
        cut = choose_cut(state, sign, i, rng)
        if cut is not None:
            state.remove(sign, cut)
            steps.append(("remove", sign, cut))
        if replace:
            new = choose_add(
                state, sign, i, covering=(y_i == sign), n_proposals=n_proposals, rng=rng
            )
            if new is not None:
                state.add(sign, new)
                steps.append(("add", sign, new))
    else:
        new = choose_add(state, y_i, i, covering=True, n_proposals=n_proposals, rng=rng)
        if new is not None:
            state.add(y_i, new)
            steps.append(("add", y_i, new))
    return steps


def undo(state: FastState, steps: list[tuple[str, int, int]]) -> None:
    for op, sign, k in reversed(steps):
        if op == "add":
            state.remove(sign, k)
        else:
            state.add(sign, k)
