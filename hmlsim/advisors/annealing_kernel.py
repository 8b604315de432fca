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

When every eligible rule is scored (``n_proposals=None``, the authors' add
move), an add whose pool holds a fifth of a sign's (rule, row) pairs or more
scores every rule of the sign in one pass over the rows
(:func:`_eval_add_by_rows`): each row adds only to the rules more precise than
its best selected rule, a prefix of its row-major list, instead of testing
every pair. The sums are the same to the bit. On FICO (6,120 rows, 14,102
candidates, T = 2000, split 20; CPU seconds on the loaded 2-core machine) a
fit took 4.8 s at α = 0.3 (5.0 at α = 0) instead of 11.7 (13.9) scoring rule
by rule, with the same rule sets; the pass at half the pairs or more took 6.7 (7.7).

p̂(a) enters as a table over (candidate precision) x (c^H value), or as a
table of one value 1 when every piece of advice is accepted. When the table
would be too large (:data:`~hmlsim.advisors.annealing_state.TABLE_LIMIT`
entries: many distinct confidences), :func:`~hmlsim.advisors.annealing.anneal_rule_sets`
runs the NumPy engine instead.

The first call compiles the kernel (a few seconds); the compiled code is
cached on disk beside this module (``cache=True``) for later processes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: moves recorded for undo: (op, sign, rule), op 1 = add, 0 = remove
_ADD, _REMOVE = 1, 0


# The row model ``m`` is one tuple: (kp, kn, values, row_code, column_base, rc, h_one,
# alpha, selective), rc = rows (delta, V(y, h), ΔV, V(y, 1 - y)). p̂(a) of row r for
# candidate column c is values[column_base[c] + row_code[r]]: the table by (precision
# of the candidate, c^H of the row), or one value 1 when every piece of advice is
# accepted. Measured, per row: the row's arithmetic ~10 ns; handing arrays to a helper
# (inlined or not) ~30-70 ns of reference counting. So functions that loop over rows
# unpack ``m`` once, read the arrays in the loop and hand the helpers scalars only.


@njit(cache=True, inline="always")
def _column_and_contra(pbest, nbest, kp, kn, h_is_one):
    """The advising candidate (pos, pos sentinel, neg numbering) and whether it contradicts h.

    ``pbest`` / ``nbest``: the most precise selected rule of each sign covering
    the row (``kp`` / ``kn`` when none covers).
    """
    pcov = pbest < kp
    contra = (pcov or nbest < kn) and (pcov != h_is_one)
    return (pbest if pcov else nbest + kp + 1), contra


@njit(cache=True, inline="always")
def _loss_and_advice(pa, contra, delta, v_h, dv, alpha, selective):
    """The row's loss and whether it is advised (eq. 4-6), from scalars."""
    adv = (contra and pa * delta > alpha) if selective else contra
    return (v_h + (pa * dv + alpha) if adv else v_h), adv


@njit(cache=True)
def _refresh_rows(rows, st, m):
    """Recompute loss, advice, p̂(a) and draw weight of ``rows`` from their best rules."""
    kp, kn, values, row_code, column_base, rc, h_one, alpha, slc = m
    best_pos, best_neg, loss, adv, pa, weight = st
    for i in range(rows.size):
        r = rows[i]
        column, contra = _column_and_contra(best_pos[r], best_neg[r], kp, kn, h_one[r])
        p = values[column_base[column] + row_code[r]] if contra else 0.0
        lo, ad = _loss_and_advice(p, contra, rc[0, r], rc[1, r], rc[2, r], alpha, slc)
        loss[r] = lo
        adv[r] = ad
        pa[r] = p
        w = lo - alpha if (ad and rc[3, r] * p > alpha) else lo  # Algorithm 1, line 10
        weight[r] = w if w > 0.0 else 0.0


@njit(cache=True)
def _first_covering(r, cov, sel, n_sel, skip, sentinel):
    """First rule of ``sel[:n_sel]`` (most precise first) covering row ``r``, but ``skip``."""
    for q in range(n_sel):
        k = sel[q]
        if k != skip and cov[r, k]:
            return k
    return sentinel


@njit(cache=True)
def _add(sign, k, st, sel, n_sel, is_sel, cover, m, changed):
    best = st[0] if sign == 1 else st[1]
    ptr, ind = cover[sign]
    c = 0
    for j in range(ptr[k], ptr[k + 1]):
        r = ind[j]
        if best[r] > k:
            best[r] = k
            changed[c] = r
            c += 1
    _refresh_rows(changed[:c], st, m)
    s = sel[sign]
    q = n_sel[sign]
    while q > 0 and s[q - 1] > k:
        s[q] = s[q - 1]
        q -= 1
    s[q] = k
    n_sel[sign] += 1
    is_sel[sign][k] = True


@njit(cache=True)
def _remove(sign, k, st, sel, n_sel, is_sel, cover, dense, m, changed):
    s = sel[sign]
    n_s = n_sel[sign]
    q = 0
    while s[q] != k:
        q += 1
    for p in range(q, n_s - 1):
        s[p] = s[p + 1]
    n_sel[sign] = n_s - 1
    is_sel[sign][k] = False
    best = st[0] if sign == 1 else st[1]
    sentinel = m[0] if sign == 1 else m[1]
    cov = dense[sign]
    ptr, ind = cover[sign]
    c = 0
    for j in range(ptr[k], ptr[k + 1]):
        r = ind[j]
        if best[r] == k:
            nb = sentinel
            for p in range(n_s - 1):  # the first remaining selected rule covering r
                if cov[r, s[p]]:
                    nb = s[p]
                    break
            best[r] = nb
            changed[c] = r
            c += 1
    _refresh_rows(changed[:c], st, m)


@njit(cache=True)
def _eval_add(sign, ks, st, scored, kp):
    """Rounded change of the summed loss if each rule of ``ks`` were added."""
    best_pos, best_neg, loss = st[0], st[1], st[2]
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
def _eval_cut(sign, ks, st, sel, n_sel, scored, dense, m):
    """Rounded change of the summed loss if each selected rule of ``ks`` were removed."""
    kp, kn, values, row_code, column_base, rc, h_one, alpha, slc = m
    best_pos, best_neg, loss = st[0], st[1], st[2]
    best = best_pos if sign == 1 else best_neg
    sentinel = kp if sign == 1 else kn
    cov, s, n_s = dense[sign], sel[sign], n_sel[sign]
    ptr, ind, _ = scored[sign]
    out = np.empty(ks.size)
    for q in range(ks.size):
        k = ks[q]
        acc = 0.0
        for j in range(ptr[k], ptr[k + 1]):
            r = ind[j]
            if best[r] != k:
                continue
            nb = sentinel
            for p in range(n_s):  # the first other selected rule covering r
                if s[p] != k and cov[r, s[p]]:
                    nb = s[p]
                    break
            pb = nb if sign == 1 else best_pos[r]
            ngb = best_neg[r] if sign == 1 else nb
            column, contra = _column_and_contra(pb, ngb, kp, kn, h_one[r])
            pa = values[column_base[column] + row_code[r]] if contra else 0.0
            lo = _loss_and_advice(pa, contra, rc[0, r], rc[1, r], rc[2, r], alpha, slc)[0]
            acc += lo - loss[r]
        out[q] = np.rint(acc * 1e9) / 1e9
    return out


@njit(cache=True)
def _eval_add_by_rows(sign, st, by_row, kp, n_rules):
    """:func:`_eval_add` of every rule of one sign at once, in one pass over the rows.

    ``by_row`` holds the scored pairs row-major (each row's rules ascending). A
    row adds to the rules more precise than its best selected rule (sign 1), or
    than its best negative rule where no positive rule covers it (sign 0): a
    prefix of its list, so no pair is tested. Each rule's sum takes its rows in
    ascending order, the order :func:`_eval_add` adds them in, so the values
    are the same to the bit; a pass costs at most one visit per scored pair,
    and far less once the selected rules cover most rows.
    """
    best_pos, best_neg, loss = st[0], st[1], st[2]
    rptr, rk, rpl = by_row[sign]
    out = np.zeros(n_rules)
    for r in range(rptr.size - 1):
        if sign == 1:
            limit = best_pos[r]
        else:
            limit = best_neg[r] if best_pos[r] == kp else 0
        lr = loss[r]
        for j in range(rptr[r], rptr[r + 1]):
            k = rk[j]
            if k >= limit:
                break
            out[k] += rpl[j] - lr
    for k in range(n_rules):
        out[k] = np.rint(out[k] * 1e9) / 1e9
    return out


@njit(cache=True)
def _by_row(ptr, ind, pair_loss, n):
    """The scored pairs of one sign row-major: (row pointers, rule of each pair, its loss)."""
    count = np.zeros(n + 1, np.intp)
    for j in range(ind.size):
        count[ind[j] + 1] += 1
    rptr = np.cumsum(count)
    fill = rptr[:-1].copy()
    rk = np.empty(ind.size, np.int32)
    rpl = np.empty(ind.size)
    for k in range(ptr.size - 1):  # rules ascending: each row's list comes out sorted
        for j in range(ptr[k], ptr[k + 1]):
            r = ind[j]
            rk[fill[r]] = k
            rpl[fill[r]] = pair_loss[j]
            fill[r] += 1
    return rptr, rk, rpl


@njit(cache=True)
def _argmin(values):
    j = 0
    for q in range(1, values.size):
        if values[q] < values[j]:
            j = q
    return j


@njit(cache=True)
def _choose_add(sign, row, covering, n_proposals, rng, st, is_sel, dense, scored, kp, by_row):
    cov = dense[sign]
    chosen = is_sel[sign]
    n_k = cov.shape[1]
    pool = np.empty(n_k, np.intp)
    m = 0
    for k in range(n_k):
        if cov[row, k] == covering and not chosen[k]:
            pool[m] = k
            m += 1
    if m == 0:
        return -1
    if rng.random() < 0.25:
        return pool[rng.integers(0, m)]
    if m <= n_proposals:
        ks = pool[:m].copy()
    else:  # annealing_state.sample_sorted, draw for draw
        for i in range(n_proposals):
            j = rng.integers(i, m)
            tmp = pool[i]
            pool[i] = pool[j]
            pool[j] = tmp
        ks = np.sort(pool[:n_proposals])
    ptr = scored[sign][0]
    if by_row[sign][0].size > 1:  # every eligible rule scored: one pass over the rows
        pairs = 0  # when the pool holds a fifth of the sign's pairs or more
        for q in range(ks.size):
            pairs += ptr[ks[q] + 1] - ptr[ks[q]]
        if 5 * pairs >= ptr[-1]:
            return ks[_argmin(_eval_add_by_rows(sign, st, by_row, kp, n_k)[ks])]
    return ks[_argmin(_eval_add(sign, ks, st, scored, kp))]


@njit(cache=True)
def _choose_cut(sign, row, rng, st, sel, n_sel, dense, scored, m):
    s = sel[sign]
    n_s = n_sel[sign]
    cov = dense[sign]
    options = np.empty(n_s, np.intp)
    c = 0
    for q in range(n_s):
        if cov[row, s[q]]:
            options[c] = s[q]
            c += 1
    if c == 0:
        options[:n_s] = s[:n_s]
        c = n_s
    if c == 0:
        return -1
    options = options[:c].copy()
    if rng.random() < 0.25:
        return options[rng.integers(0, c)]
    return options[_argmin(_eval_cut(sign, options, st, sel, n_sel, scored, dense, m))]


@njit(cache=True)
def _draw_row(weight, rng):
    n = weight.size
    cumulative = np.cumsum(weight)
    u = rng.random()
    if cumulative[-1] <= 0:
        return int(u * n) % n
    return min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), n - 1)


@njit(cache=True)
def _restore(set_pos, set_neg, st, sel, n_sel, is_sel, dense, m):
    n = st[0].size
    for sign in (1, 0):
        chosen = set_pos if sign == 1 else set_neg
        is_sel[sign][:] = False
        for q in range(chosen.size):
            sel[sign][q] = chosen[q]
            is_sel[sign][chosen[q]] = True
        n_sel[sign] = chosen.size
    cov_pos, cov_neg = dense[1], dense[0]
    sel_pos, sel_neg = sel[1], sel[0]
    best_pos, best_neg = st[0], st[1]
    for r in range(n):
        best_pos[r] = _first_covering(r, cov_pos, sel_pos, n_sel[1], -1, m[0])
        best_neg[r] = _first_covering(r, cov_neg, sel_neg, n_sel[0], -1, m[1])
    _refresh_rows(np.arange(n), st, m)


@njit(cache=True)
def _objective(loss, n_rules, rule_penalty, scale):
    return np.rint((loss.sum() / loss.size + rule_penalty * n_rules) * scale) / scale


@njit(cache=True)
def _anneal_loop(
    st, dense, cover, scored, y, h, m, n_iter, c0, n_proposals, rule_penalty, scale, max_undo,
    rng, by_row,
):  # fmt: skip
    kp, kn, alpha = m[0], m[1], m[7]
    changed = np.empty(y.size, np.intp)  # rows a move touched
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
                        _remove(sign, k, st, sel, n_sel, is_sel, cover, dense, m, changed)
                    else:
                        _add(sign, k, st, sel, n_sel, is_sel, cover, m, changed)
            else:
                _restore(best_pos, best_neg, st, sel, n_sel, is_sel, dense, m)
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
            cut = _choose_cut(sign, i, rng, st, sel, n_sel, dense, scored, m)
            if cut >= 0:
                _remove(sign, cut, st, sel, n_sel, is_sel, cover, dense, m, changed)
                steps[n_steps, 0], steps[n_steps, 1], steps[n_steps, 2] = _REMOVE, sign, cut
                n_steps += 1
            if replace:
                new_rule = _choose_add(
                    sign, i, y_i == sign, n_proposals, rng, st, is_sel, dense, scored, kp, by_row
                )
                if new_rule >= 0:
                    _add(sign, new_rule, st, sel, n_sel, is_sel, cover, m, changed)
                    steps[n_steps, 0], steps[n_steps, 1], steps[n_steps, 2] = _ADD, sign, new_rule
                    n_steps += 1
        else:
            new_rule = _choose_add(
                y_i, i, True, n_proposals, rng, st, is_sel, dense, scored, kp, by_row
            )
            if new_rule >= 0:
                _add(y_i, new_rule, st, sel, n_sel, is_sel, cover, m, changed)
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
                    _remove(sign, k, st, sel, n_sel, is_sel, cover, dense, m, changed)
                else:
                    _add(sign, k, st, sel, n_sel, is_sel, cover, m, changed)
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
    if prep.accept is None:  # every piece of advice accepted: a table of one value
        values, row_code = np.ones(1), np.zeros(n, np.intp)
        column_base = np.zeros(kp + kn + 2, np.intp)
    elif prep.has_table:  # precision-major: the rows one rule advises read one short stretch
        values = np.ascontiguousarray(prep.accept_grid.T).ravel()
        row_code = prep.ch_code.astype(np.intp)
        column_base = (prep.prec_code * prep.accept_grid.shape[0]).astype(np.intp)
    else:
        raise ValueError("the compiled engine needs p̂(a) tabulated (Prepared.has_table)")
    h_one = np.ascontiguousarray(prep.h_one)
    rc = np.ascontiguousarray(np.vstack([prep.const.T, prep.v_flip[None, :]]), dtype=np.float64)
    m = (
        kp,
        kn,
        np.ascontiguousarray(values, dtype=np.float64),
        row_code,
        column_base,
        rc,
        h_one,
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
    _refresh_rows(np.arange(n), st, m)
    dense = (
        np.ascontiguousarray(prep.neg.coverage),
        np.ascontiguousarray(prep.pos.coverage),
    )
    cover = (
        (np.asarray(prep.neg.indptr, np.intp), np.asarray(prep.neg.indices, np.intp)),
        (np.asarray(prep.pos.indptr, np.intp), np.asarray(prep.pos.indices, np.intp)),
    )
    scored = tuple(_scored_pairs(*cover[sign], sign, m) for sign in (0, 1))
    if n_proposals >= max(kp, kn):  # every eligible rule scored: the pairs row-major too
        by_row = tuple(_by_row(*scored[sign], n) for sign in (0, 1))
    else:
        none = (np.zeros(1, np.intp), np.empty(0, np.int32), np.empty(0))
        by_row = (none, none)
    return _anneal_loop(
        st,
        dense,
        cover,
        scored,
        np.ascontiguousarray(prep.y, dtype=np.intp),
        np.ascontiguousarray(prep.h, dtype=np.intp),
        m,
        int(n_iter),
        float(c0),
        int(n_proposals),
        float(rule_penalty),
        float(scale),
        int(max_undo),
        rng,
        by_row,
    )


@njit(cache=True)
def _scored_pairs(ptr, ind, sign, m):
    """The (rule, row) pairs of one sign an add can change, and their loss under that rule.

    A positive rule: every row it covers (it advises 1 where h = 0 and silences
    negative advice where h = 1), so its pairs are its coverage itself. A
    negative rule: the rows where h = 1 (elsewhere its advice agrees with h),
    where it always contradicts.
    (:attr:`~hmlsim.advisors.annealing_state.Prepared.pair_loss`, compiled.)
    """
    kp, _, values, row_code, column_base, rc, h_one, alpha, slc = m
    n_rules = ptr.size - 1
    if sign == 1:
        new_ptr, new_ind = ptr, ind
    else:
        new_ptr = np.zeros(n_rules + 1, np.intp)
        new_ind = np.empty(ind.size, np.intp)
        c = 0
        for k in range(n_rules):
            for j in range(ptr[k], ptr[k + 1]):
                if h_one[ind[j]]:
                    new_ind[c] = ind[j]
                    c += 1
            new_ptr[k + 1] = c
        new_ind = new_ind[:c]
    loss = np.empty(new_ind.size)
    for k in range(n_rules):
        column = k if sign == 1 else k + kp + 1
        for j in range(new_ptr[k], new_ptr[k + 1]):
            r = new_ind[j]
            contra = sign == 0 or not h_one[r]
            pa = values[column_base[column] + row_code[r]] if contra else 0.0
            loss[j] = _loss_and_advice(pa, contra, rc[0, r], rc[1, r], rc[2, r], alpha, slc)[0]
    return new_ptr, new_ind, loss
