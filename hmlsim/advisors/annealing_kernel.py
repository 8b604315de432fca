"""Algorithm 1 compiled with numba: the same search as the NumPy engine, move for move.

:func:`anneal_compiled` runs the whole annealing loop of
:func:`hmlsim.advisors.annealing.anneal_rule_sets` in one compiled call. It
keeps the same incremental state as :class:`~hmlsim.advisors.annealing_state.FastState`
(the most precise selected rule of each sign per row, the row's loss, advice,
p̂(a) and draw weight), takes the same moves and draws the same random
numbers from the same :class:`numpy.random.Generator` (numba draws
``random()`` and ``integers(low, high)`` exactly as NumPy does), so it selects
the same rule sets; ``tests/test_advisors_annealing.py`` checks this against
the NumPy engine and the per-rule reference.

Where the NumPy engine pays a few microseconds of interpreter and array
overhead for each of its ~20 array operations per iteration, this loop pays
nanoseconds per row it touches: the annealing of a TeamRules fit becomes
several times faster (``benchmarks/bench_annealing.py``).

p̂(a) enters in one of three forms, as the NumPy engine has it: absent (every
piece of advice is accepted), a table over (c^H value) x (candidate), or, when
that table would be too large, one value per (row, candidate) pair of the
coverage (found by binary search in the candidate's sorted rows).

The first call compiles the kernel (a few seconds); the compiled code is
cached on disk beside this module (``cache=True``) for later processes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: p̂(a) forms
ACCEPT_ALL, ACCEPT_TABLE, ACCEPT_PAIRS = 0, 1, 2
#: moves recorded for undo: (op, sign, rule), op 1 = add, 0 = remove
_ADD, _REMOVE = 1, 0


@njit(cache=True, inline="always")
def _p_accept(r, column, g):
    """p̂(a) of row ``r`` for advice from ``column`` (pos 0..kp-1, kp sentinel, then neg)."""
    kp, kn, kp1, mode, values, row_code, column_base, pair_ptr, pair_rows = g[:9]
    if mode == ACCEPT_ALL:
        return 1.0
    if mode == ACCEPT_TABLE:  # values[precision of the column, c^H of the row]
        return values[column_base[column] + row_code[r]]
    if column == kp or column == kp1 + kn:  # pairs: numbered pos then neg, no sentinels
        return 0.0
    c = column if column < kp else column - 1
    lo, hi = pair_ptr[c], pair_ptr[c + 1]
    return values[lo + np.searchsorted(pair_rows[lo:hi], r)]


@njit(cache=True, inline="always")
def _advice(r, column, contra, g):
    """(loss, advise, p̂(a)) of row ``r`` advised by ``column``; ``g`` holds the row constants."""
    delta, v_h, dv, alpha, selective = g[9:]
    pa = _p_accept(r, column, g) if contra else 0.0
    if selective:
        adv = contra and pa * delta[r] > alpha
    else:
        adv = contra
    loss = v_h[r] + (pa * dv[r] + alpha) if adv else v_h[r]
    return loss, adv, pa


@njit(cache=True, inline="always")
def _row_loss(r, pbest, nbest, h_one, g):
    kp, kn, kp1 = g[0], g[1], g[2]
    pcov = pbest < kp
    contra = (pcov or nbest < kn) and (pcov != h_one[r])
    column = pbest if pcov else nbest + kp1
    return _advice(r, column, contra, g)


@njit(cache=True, inline="always")
def _refresh(r, st, h_one, v_flip, g):
    best_pos, best_neg, loss, adv, pa, weight = st
    alpha = g[12]
    lo, ad, p = _row_loss(r, best_pos[r], best_neg[r], h_one, g)
    loss[r] = lo
    adv[r] = ad
    pa[r] = p
    worth = ad and v_flip[r] * p > alpha
    w = lo - alpha if worth else lo
    weight[r] = w if w > 0.0 else 0.0


@njit(cache=True, inline="always")
def _first_covering(r, cov, sel, n_sel, skip, sentinel):
    """First rule of ``sel[:n_sel]`` (most precise first) covering row ``r``, but ``skip``."""
    for q in range(n_sel):
        k = sel[q]
        if k != skip and cov[r, k]:
            return k
    return sentinel


@njit(cache=True)
def _add(sign, k, st, sel, n_sel, is_sel, cover, h_one, v_flip, g):
    best = st[0] if sign == 1 else st[1]
    ptr, ind = cover[sign]
    for j in range(ptr[k], ptr[k + 1]):
        r = ind[j]
        if best[r] > k:
            best[r] = k
            _refresh(r, st, h_one, v_flip, g)
    s = sel[sign]
    q = n_sel[sign]
    while q > 0 and s[q - 1] > k:
        s[q] = s[q - 1]
        q -= 1
    s[q] = k
    n_sel[sign] += 1
    is_sel[sign][k] = True


@njit(cache=True)
def _remove(sign, k, st, sel, n_sel, is_sel, cover, dense, h_one, v_flip, g):
    s = sel[sign]
    m = n_sel[sign]
    q = 0
    while s[q] != k:
        q += 1
    for p in range(q, m - 1):
        s[p] = s[p + 1]
    n_sel[sign] = m - 1
    is_sel[sign][k] = False
    best = st[0] if sign == 1 else st[1]
    sentinel = g[0] if sign == 1 else g[1]
    ptr, ind = cover[sign]
    for j in range(ptr[k], ptr[k + 1]):
        r = ind[j]
        if best[r] == k:
            best[r] = _first_covering(r, dense[sign], s, m - 1, -1, sentinel)
            _refresh(r, st, h_one, v_flip, g)


@njit(cache=True)
def _eval_add(sign, ks, st, scored, h_one, g):
    """Rounded change of the summed loss if each rule of ``ks`` were added."""
    best_pos, best_neg, loss = st[0], st[1], st[2]
    kp = g[0]
    ptr, ind, pair_loss = scored[sign]
    out = np.empty(ks.size)
    for q in range(ks.size):
        k = ks[q]
        acc = 0.0
        for j in range(ptr[k], ptr[k + 1]):
            r = ind[j]
            if sign == 1:
                if k < best_pos[r]:
                    acc += pair_loss[j] - loss[r]
            elif best_pos[r] == kp and k < best_neg[r]:
                acc += pair_loss[j] - loss[r]
        out[q] = np.rint(acc * 1e9) / 1e9
    return out


@njit(cache=True)
def _eval_cut(sign, ks, st, sel, n_sel, scored, dense, h_one, g):
    """Rounded change of the summed loss if each selected rule of ``ks`` were removed."""
    best_pos, best_neg, loss = st[0], st[1], st[2]
    best = best_pos if sign == 1 else best_neg
    sentinel = g[0] if sign == 1 else g[1]
    ptr, ind, _ = scored[sign]
    out = np.empty(ks.size)
    for q in range(ks.size):
        k = ks[q]
        acc = 0.0
        for j in range(ptr[k], ptr[k + 1]):
            r = ind[j]
            if best[r] != k:
                continue
            nb = _first_covering(r, dense[sign], sel[sign], n_sel[sign], k, sentinel)
            if sign == 1:
                lo = _row_loss(r, nb, best_neg[r], h_one, g)[0]
            else:
                lo = _row_loss(r, best_pos[r], nb, h_one, g)[0]
            acc += lo - loss[r]
        out[q] = np.rint(acc * 1e9) / 1e9
    return out


@njit(cache=True)
def _argmin(values):
    j = 0
    for q in range(1, values.size):
        if values[q] < values[j]:
            j = q
    return j


@njit(cache=True)
def _choose_add(sign, row, covering, n_proposals, rng, st, is_sel, dense, scored, h_one, g):
    cov = dense[sign]
    n_k = cov.shape[1]
    pool = np.empty(n_k, np.intp)
    m = 0
    for k in range(n_k):
        if cov[row, k] == covering and not is_sel[sign][k]:
            pool[m] = k
            m += 1
    if m == 0:
        return -1
    if rng.random() < 0.25:
        return pool[rng.integers(0, m)]
    if m <= n_proposals:
        ks = pool[:m].copy()
    else:
        for i in range(n_proposals):
            j = rng.integers(i, m)
            tmp = pool[i]
            pool[i] = pool[j]
            pool[j] = tmp
        ks = np.sort(pool[:n_proposals])
    return ks[_argmin(_eval_add(sign, ks, st, scored, h_one, g))]


@njit(cache=True)
def _choose_cut(sign, row, rng, st, sel, n_sel, dense, scored, h_one, g):
    s = sel[sign]
    m = n_sel[sign]
    options = np.empty(m, np.intp)
    c = 0
    for q in range(m):
        if dense[sign][row, s[q]]:
            options[c] = s[q]
            c += 1
    if c == 0:
        options[:m] = s[:m]
        c = m
    if c == 0:
        return -1
    options = options[:c].copy()
    if rng.random() < 0.25:
        return options[rng.integers(0, c)]
    return options[_argmin(_eval_cut(sign, options, st, sel, n_sel, scored, dense, h_one, g))]


@njit(cache=True)
def _draw_row(weight, rng):
    n = weight.size
    cumulative = np.cumsum(weight)
    u = rng.random()
    if cumulative[-1] <= 0:
        return int(u * n) % n
    return min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), n - 1)


@njit(cache=True)
def _restore(set_pos, set_neg, st, sel, n_sel, is_sel, dense, h_one, v_flip, g):
    n = st[0].size
    for sign in (1, 0):
        chosen = set_pos if sign == 1 else set_neg
        is_sel[sign][:] = False
        for q in range(chosen.size):
            sel[sign][q] = chosen[q]
            is_sel[sign][chosen[q]] = True
        n_sel[sign] = chosen.size
    for r in range(n):
        st[0][r] = _first_covering(r, dense[1], sel[1], n_sel[1], -1, g[0])
        st[1][r] = _first_covering(r, dense[0], sel[0], n_sel[0], -1, g[1])
        _refresh(r, st, h_one, v_flip, g)


@njit(cache=True)
def _objective(loss, n_rules, rule_penalty, scale):
    return np.rint((loss.sum() / loss.size + rule_penalty * n_rules) * scale) / scale


@njit(cache=True)
def _anneal_loop(
    st, dense, cover, scored, y, h, h_one, v_flip, g, n_iter, c0, n_proposals, rule_penalty,
    scale, max_undo, rng,
):  # fmt: skip
    kp, kn = g[0], g[1]
    alpha = g[12]
    sel = (np.empty(kn, np.intp), np.empty(kp, np.intp))  # indexed by sign: 0 neg, 1 pos
    is_sel = (np.zeros(kn, np.bool_), np.zeros(kp, np.bool_))
    n_sel = np.zeros(2, np.intp)
    loss = st[2]
    current = _objective(loss, 0, rule_penalty, scale)
    best = current
    best_pos = np.empty(0, np.intp)
    best_neg = np.empty(0, np.intp)
    at_best = True
    undo_ops = np.empty((max_undo + 2, 3), np.intp)  # moves since the best state (first ones)
    n_undo = 0
    history = np.empty(n_iter)
    best_history = np.empty(n_iter)
    steps = np.empty((2, 3), np.intp)
    accepted = 0
    for t in range(n_iter):
        if t > 0.75 * n_iter and not at_best:
            if n_undo <= max_undo:
                for q in range(n_undo - 1, -1, -1):
                    op, sign, k = undo_ops[q, 0], undo_ops[q, 1], undo_ops[q, 2]
                    if op == _ADD:
                        _remove(sign, k, st, sel, n_sel, is_sel, cover, dense, h_one, v_flip, g)
                    else:
                        _add(sign, k, st, sel, n_sel, is_sel, cover, h_one, v_flip, g)
            else:
                _restore(best_pos, best_neg, st, sel, n_sel, is_sel, dense, h_one, v_flip, g)
            current = best
            at_best = True
            n_undo = 0
        temperature = c0 ** (t / n_iter)
        # propose one move (annealing_state.propose)
        n_steps = 0
        i = _draw_row(st[5], rng)
        y_i, h_i = y[i], h[i]
        y_hat = 1 - h_i if st[3][i] else h_i
        wrong = y_hat != y_i
        unpersuasive = y_hat != h_i and st[4][i] < alpha
        covered = st[0][i] < kp or st[1][i] < kn
        if covered and (wrong or unpersuasive):
            sign = 1 if st[0][i] < kp else 0
            replace = wrong and rng.random() >= 0.5
            cut = _choose_cut(sign, i, rng, st, sel, n_sel, dense, scored, h_one, g)
            if cut >= 0:
                _remove(sign, cut, st, sel, n_sel, is_sel, cover, dense, h_one, v_flip, g)
                steps[n_steps, 0], steps[n_steps, 1], steps[n_steps, 2] = _REMOVE, sign, cut
                n_steps += 1
            if replace:
                new_rule = _choose_add(
                    sign, i, y_i == sign, n_proposals, rng, st, is_sel, dense, scored, h_one, g
                )
                if new_rule >= 0:
                    _add(sign, new_rule, st, sel, n_sel, is_sel, cover, h_one, v_flip, g)
                    steps[n_steps, 0], steps[n_steps, 1], steps[n_steps, 2] = _ADD, sign, new_rule
                    n_steps += 1
        else:
            new_rule = _choose_add(
                y_i, i, True, n_proposals, rng, st, is_sel, dense, scored, h_one, g
            )
            if new_rule >= 0:
                _add(y_i, new_rule, st, sel, n_sel, is_sel, cover, h_one, v_flip, g)
                steps[n_steps, 0], steps[n_steps, 1], steps[n_steps, 2] = _ADD, y_i, new_rule
                n_steps += 1
        new = _objective(loss, n_sel[0] + n_sel[1], rule_penalty, scale)
        if new < best:
            best = new
            best_pos = sel[1][: n_sel[1]].copy()
            best_neg = sel[0][: n_sel[0]].copy()
        u = rng.random()
        if n_steps > 0 and (new <= current or u <= math.exp((current - new) / temperature)):
            accepted += 1
            current = new
            at_best = (
                n_sel[1] == best_pos.size
                and n_sel[0] == best_neg.size
                and np.all(sel[1][: n_sel[1]] == best_pos)
                and np.all(sel[0][: n_sel[0]] == best_neg)
            )
            if at_best:
                n_undo = 0
            else:
                for q in range(n_steps):
                    if n_undo < undo_ops.shape[0]:
                        undo_ops[n_undo] = steps[q]
                    n_undo += 1
        else:
            for q in range(n_steps - 1, -1, -1):
                op, sign, k = steps[q, 0], steps[q, 1], steps[q, 2]
                if op == _ADD:
                    _remove(sign, k, st, sel, n_sel, is_sel, cover, dense, h_one, v_flip, g)
                else:
                    _add(sign, k, st, sel, n_sel, is_sel, cover, h_one, v_flip, g)
        history[t] = current
        best_history[t] = best
    return best_pos, best_neg, best, history, best_history, accepted


def anneal_compiled(prep, n_iter, c0, n_proposals, rule_penalty, rng, scale, max_undo):
    """Run the annealing on a :class:`~hmlsim.advisors.annealing_state.Prepared` problem.

    Returns
    -------
    tuple
        ``(pos, neg, best objective, history, best_history, n_accepted)``.
    """
    kp, kn = prep.kp, prep.kn
    n = prep.n
    row_code = np.zeros(n, np.intp)
    column_base = pair_ptr = pair_rows = np.zeros(1, np.intp)
    if prep.accept is None:
        mode, values = ACCEPT_ALL, np.zeros(1)
    elif prep.table is not None:
        # precision-major, so that the rows one rule advises read one short stretch
        mode, values = ACCEPT_TABLE, np.ascontiguousarray(prep.accept_grid.T).ravel()
        row_code = prep.ch_code.astype(np.intp)
        column_base = (prep.prec_code * prep.accept_grid.shape[0]).astype(np.intp)
    else:  # one value per (row, candidate) pair of the coverage: pos columns, then neg
        mode = ACCEPT_PAIRS
        pair_ptr = np.concatenate([prep.pos.indptr, prep.pos.indptr[-1] + prep.neg.indptr[1:]])
        pair_ptr = pair_ptr.astype(np.intp)
        pair_rows = np.concatenate([prep.pos.indices, prep.neg.indices]).astype(np.intp)
        column = np.repeat(np.arange(kp + kn), np.diff(pair_ptr))
        column = np.where(column < kp, column, column + 1)  # numbered with the pos sentinel
        values = np.asarray(prep.p_accept(pair_rows, column), dtype=np.float64)
    g = (
        kp,
        kn,
        kp + 1,
        mode,
        values,
        row_code,
        column_base,
        pair_ptr,
        pair_rows,
        np.ascontiguousarray(prep.const[:, 0]),
        np.ascontiguousarray(prep.const[:, 1]),
        np.ascontiguousarray(prep.const[:, 2]),
        float(prep.alpha),
        bool(prep.selective),
    )
    st = (
        np.full(n, kp, np.intp),
        np.full(n, kn, np.intp),
        np.empty(n),
        np.zeros(n, np.bool_),
        np.empty(n),
        np.empty(n),
    )
    h_one = np.ascontiguousarray(prep.h_one)
    v_flip = np.ascontiguousarray(prep.v_flip, dtype=np.float64)
    _init_rows(st, h_one, v_flip, g)
    dense = (
        np.ascontiguousarray(prep.neg.coverage),
        np.ascontiguousarray(prep.pos.coverage),
    )
    cover = (
        (prep.neg.indptr.astype(np.intp), prep.neg.indices.astype(np.intp)),
        (prep.pos.indptr.astype(np.intp), prep.pos.indices.astype(np.intp)),
    )
    scored = tuple(
        (
            prep.scored_rows[sign].indptr.astype(np.intp),
            prep.scored_rows[sign].indices.astype(np.intp),
            np.ascontiguousarray(prep.pair_loss[sign]),
        )
        for sign in (0, 1)
    )
    return _anneal_loop(
        st,
        dense,
        cover,
        scored,
        np.ascontiguousarray(prep.y, dtype=np.intp),
        np.ascontiguousarray(prep.h, dtype=np.intp),
        h_one,
        v_flip,
        g,
        int(n_iter),
        float(c0),
        int(n_proposals),
        float(rule_penalty),
        float(scale),
        int(max_undo),
        rng,
    )


@njit(cache=True)
def _init_rows(st, h_one, v_flip, g):
    for r in range(st[0].size):
        _refresh(r, st, h_one, v_flip, g)
