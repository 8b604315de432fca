"""CPU time of a whole TeamRules fit on Heart and FICO: the fast path against today's reference.

One ``TeamRulesAdvisor(alpha, n_iter=T, rule_penalty=0.001).fit`` as the
scenarios run it: candidate mining, p̂(y | x) (grid-searched boosting plus
5-fold out-of-fold predictions) and the annealing — the paper's TR; hmlsim's
TR+expertise (``use_expertise=True``) adds the expert's reliability model. The
discretion model p̂(a) is fitted once beforehand
(:func:`hmlsim.behaviour.fit_discretion_model`, unchanged, counted in both
totals). The same fit runs twice in this process, on one thread
(:func:`hmlsim.threads.limited_threads`):

- **reference**: the implementation before issue 12, put in place of the fast
  parts: :func:`hmlsim.advisors.mining.mine_candidates_reference` (forest
  estimators, paths walked in Python, boolean coverage per chunk of rules),
  ``GridSearchCV`` for the boosting grid (:func:`reference_grid_search` below)
  and the annealing engine as it was (:class:`StateBefore` below: every move
  re-scores all covered rows, the draw weights are rebuilt every iteration);
- **fast**: the library as it is.

Both must learn the same rules with the same training TTL (the script fails
if not). Quality is the training TTL and the test TTL of the advisor paired
with ``--test-draws`` draws of the expert on the test split (common random
numbers), beside the expert alone (HDL). A third fit shows the method change
that trades candidates for time, ``n_trees_per_length=--fewer-trees`` (the
paper uses 250 trees per unit of rule length): different candidates, so
different rules and losses. Last, the fast annealing and the one before
are timed alone on the fitted problem, alternating, ``--repeats`` times
(median), since one annealing is short enough for the load to blur it.

CPU time is ``time.process_time()`` of this process; wall times grow with the
machine's load (printed at the start and the end), CPU times much less.

Usage::

    python benchmarks/bench_teamrules_fit.py [--datasets heart fico] [--alpha 0.2]
        [--n-iter 2000] [--fewer-trees 50] [--test-draws 10] [--repeats 3]
        [--skip-reference]

FICO is read from ``HMLSIM_FICO_PATH`` or ``shared/data`` beside the checkout
and skipped when absent. Targets (issue 12, CPU seconds on one thread): whole
fit Heart <= 4 s, FICO <= 15 s; annealing (T = 2000) Heart <= 0.5 s, FICO <= 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from unittest import mock

import numpy as np
from _common import machine_load
from sklearn.model_selection import GridSearchCV

from hmlsim.advisors import TeamRulesAdvisor, team_decisions, teamrules
from hmlsim.advisors import outcome as outcome_module
from hmlsim.advisors.annealing import _anneal, _check_args
from hmlsim.advisors.annealing_state import FastState as _FastState
from hmlsim.advisors.annealing_state import Prepared as _Prepared
from hmlsim.advisors.annealing_state import _Csc
from hmlsim.advisors.loss import decision_loss
from hmlsim.advisors.mining import mine_candidates_reference
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads

TARGETS = {"heart": (4.0, 0.5), "fico": (15.0, 2.0)}  # whole fit, annealing (CPU s)
PHASES = ("mining", "p(y|x)", "annealing")


# ----------------------------------------------------------------------------- reference parts


def reference_grid_search(model, grid, X, y, cv):
    """The boosting grid as it was searched before issue 12: one fit per grid point and fold."""
    search = GridSearchCV(model, grid, scoring="neg_log_loss", cv=cv, n_jobs=1)
    return search.fit(X, y).best_estimator_


class StateBefore(_FastState):
    """The annealing state before issue 12 (same search, same random numbers).

    An add move scores each proposed rule by evaluating the loss of every
    contradicting row it covers plus a gather of the rows it would silence; a
    move re-evaluates every row the rule covers; a cut re-scores every covered
    row; the draw weights are rebuilt from all rows each iteration.
    """

    def __init__(self, prep: _Prepared) -> None:
        self.count = {1: np.zeros(prep.n, np.int64), 0: np.zeros(prep.n, np.int64)}
        super().__init__(prep)

    def restore(self, pos, neg) -> None:
        super().restore(pos, neg)
        self.count = {  # how many selected rules of each sign cover each row
            sign: self.cands(sign)
            .coverage[:, np.asarray(sorted(chosen), dtype=np.intp)]
            .sum(axis=1)
            .astype(np.int64)
            for sign, chosen in ((1, pos), (0, neg))
        }

    @property
    def weight(self) -> np.ndarray:
        prep = self.prep
        worth = self.adv & (prep.v_flip * self.pa > prep.alpha)
        return np.maximum(self.loss - prep.alpha * worth, 0.0)

    @weight.setter
    def weight(self, value) -> None:  # recomputed on every read
        pass

    def covered(self, i: int) -> bool:
        return bool(self.count[1][i] > 0 or self.count[0][i] > 0)

    def _contra(self, sign: int) -> _Csc:
        if not hasattr(self, "_contra_rows"):
            prep = self.prep
            self._contra_rows = {1: _Csc(prep.pos, ~prep.h_one), 0: _Csc(prep.neg, prep.h_one)}
        return self._contra_rows[sign]

    def _refresh(self, rows: np.ndarray) -> None:
        loss, adv, pa = self.prep.row_loss(rows, self.best[1][rows], self.best[0][rows])
        self.loss[rows], self.adv[rows], self.pa[rows] = loss, adv, pa

    def add(self, sign: int, k: int) -> None:
        rows = self.cands(sign).rows_of_one(k)
        self.count[sign][rows] += 1
        self.best[sign][rows] = np.minimum(self.best[sign][rows], k)
        self.selected[sign] = sorted([*self.selected[sign], k])
        self._refresh(rows)

    def remove(self, sign: int, k: int) -> None:
        rows = self.cands(sign).rows_of_one(k)
        self.count[sign][rows] -= 1
        self.selected[sign] = [j for j in self.selected[sign] if j != k]
        stale = rows[self.best[sign][rows] == k]
        if stale.size:
            self.best[sign][stale] = self._first_covering(sign, stale)
        self._refresh(rows)

    def eval_add(self, sign: int, ks: np.ndarray) -> np.ndarray:
        prep = self.prep
        rows, owner = self._contra(sign).rows_of(ks)
        k_of = ks[owner]
        if self.selected[1] or (sign == 0 and self.selected[0]):
            if sign == 1:
                keep = k_of < self.best[1][rows]
            else:
                keep = (self.best[1][rows] == prep.kp) & (k_of < self.best[0][rows])
            rows, owner, k_of = rows[keep], owner[keep], k_of[keep]
        if sign == 1:
            loss, _, _ = prep.row_loss(rows, k_of, self.best[0][rows])
        else:
            loss, _, _ = prep.row_loss(rows, self.best[1][rows], k_of)
        out = np.bincount(owner, weights=loss - self.loss[rows], minlength=len(ks))
        if sign == 1:
            silenced = np.flatnonzero(self.adv & prep.h_one)
            if silenced.size:
                hit = self.cands(1).coverage[np.ix_(silenced, ks)]
                out += (prep.v_h[silenced] - self.loss[silenced]) @ hit
        return out

    def eval_cut(self, sign: int, ks: Sequence[int]) -> np.ndarray:
        ks = np.asarray(ks, dtype=np.intp)
        sentinel = self.prep.kp if sign == 1 else self.prep.kn
        rows, owner = self.cands(sign).rows_of(ks)
        best = self.best[sign][rows]
        stale = np.flatnonzero(best == ks[owner])
        if stale.size:
            sel = np.asarray(self.selected[sign], dtype=np.intp)
            sub = self.cands(sign).coverage[np.ix_(rows[stale], sel)]
            sub[np.arange(stale.size), np.searchsorted(sel, ks[owner[stale]])] = False
            best = best.copy()
            best[stale] = np.where(sub.any(axis=1), sel[sub.argmax(axis=1)], sentinel)
        if sign == 1:
            loss, _, _ = self.prep.row_loss(rows, best, self.best[0][rows])
        else:
            loss, _, _ = self.prep.row_loss(rows, self.best[1][rows], best)
        return np.bincount(owner, weights=loss - self.loss[rows], minlength=len(ks))


def anneal_before(problem, *, n_iter, c0, n_proposals, rule_penalty, rng, callback=None):
    """:func:`hmlsim.advisors.anneal_rule_sets` with the engine before issue 12."""
    _check_args(n_iter, c0, n_proposals, rule_penalty)
    state = StateBefore(_Prepared(problem))
    return _anneal(
        state,
        int(n_iter),
        float(c0),
        int(n_proposals),
        float(rule_penalty),
        make_rng(rng),
        callback,
    )


# ----------------------------------------------------------------------------- timing


def _timed(fn: Callable, phase: str, clock: dict, calls: list | None = None) -> Callable:
    def wrapper(*args, **kwargs):
        if calls is not None:  # the arguments as given (a Generator in its state before the call)
            calls.append((args, copy.deepcopy(kwargs)))
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            clock[phase] += time.process_time() - start

    return wrapper


@contextlib.contextmanager
def instrumented(clock: dict, reference: bool, calls: list):
    """Time the phases of ``TeamRulesAdvisor.fit``; with ``reference``, use the parts before.

    The annealing's arguments are appended to ``calls``.
    """
    mine = mine_candidates_reference if reference else teamrules.mine_candidates
    anneal = anneal_before if reference else teamrules.anneal_rule_sets
    patches = {
        "mine_candidates": _timed(mine, "mining", clock),
        "anneal_rule_sets": _timed(anneal, "annealing", clock, calls),
    }
    for name in ("fit_outcome_model", "out_of_fold_proba", "fit_expertise_model"):
        patches[name] = _timed(getattr(teamrules, name), "p(y|x)", clock)
    with contextlib.ExitStack() as stack:
        for name, fn in patches.items():
            stack.enter_context(mock.patch.object(teamrules, name, fn))
        if reference:
            stack.enter_context(
                mock.patch.object(outcome_module, "grid_search", reference_grid_search)
            )
        yield


def fit(ctx, params: dict, reference: bool = False) -> tuple[TeamRulesAdvisor, dict, tuple]:
    """One whole fit: the advisor, CPU seconds per phase and in total (with the shared
    p̂(a)), and the annealing's (problem, keyword arguments)."""
    clock: dict = defaultdict(float)
    calls: list = []
    advisor = TeamRulesAdvisor(**params)
    with instrumented(clock, reference, calls):
        start = time.process_time()
        advisor.fit(ctx["X"], ctx["y"], ctx["h"], ctx["c_h"], p_accept_model=ctx["dm"])
        clock["total"] = time.process_time() - start + ctx["t_accept"]
    clock["p(a)"] = ctx["t_accept"]
    (problem, *_), kwargs = calls[0]
    return advisor, dict(clock), (problem, kwargs)


def warm_up(ctx, params: dict) -> None:
    """Both paths once on 150 rows, so that neither timed fit pays for first imports."""
    small = {k: (v[:150] if k in ("X", "y", "h", "c_h") else v) for k, v in ctx.items()}
    tiny = {**params, "n_iter": 20, "n_trees_per_length": 2}
    for reference in (False, True):
        fit(small, tiny, reference=reference)


def annealing_alone(problem, kwargs: dict, repeats: int) -> tuple[float, float, bool]:
    """Median CPU seconds of the fast engine and the engine before, alternating, on one problem."""
    fast_t, before_t, same = [], [], True
    for _ in range(repeats):
        start = time.process_time()
        fast = teamrules.anneal_rule_sets(problem, **copy.deepcopy(kwargs))
        fast_t.append(time.process_time() - start)
        start = time.process_time()
        before = anneal_before(problem, **copy.deepcopy(kwargs))
        before_t.append(time.process_time() - start)
        same &= np.array_equal(fast.history, before.history) and fast.fun == before.fun
    return float(np.median(before_t)), float(np.median(fast_t)), same


def ttl_on_test(advisor, ctx, alpha: float, draws: int, seed: int) -> tuple[float, float]:
    """Mean test TTL of the advisor with the expert, and the expert's own loss (HDL)."""
    test, expert = ctx["ds"].test, ctx["expert"]
    X, y = np.asarray(test.X, float), np.asarray(test.y).astype(int)
    ttl, hdl = [], []
    for r in range(draws):
        rng = make_rng(seed, "test", r)
        h, ch = expert.decide(test, rng)
        h, ch = np.asarray(h).astype(int), np.asarray(ch, float)
        advice = advisor.advise(X, h, ch)
        _, d = team_decisions(
            advice.y_hat, h, advice.c_model, ch, expert.accept_probability, rng.random(len(y))
        )
        ttl.append(decision_loss(y, d).mean() + alpha * (advice.y_hat != h).mean())
        hdl.append(decision_loss(y, h).mean())
    return float(np.mean(ttl)), float(np.mean(hdl))


# ----------------------------------------------------------------------------- report


def prepare(name: str, seed: int) -> dict | None:
    """Data, the difficulty-biased expert, its training decisions and p̂(a) (timed)."""
    from hmlsim.behaviour import fit_discretion_model, make_expert
    from hmlsim.data import load_dataset, resolve_fico_path

    path = None
    if name == "fico":
        path = resolve_fico_path()
        if path is None:
            print("fico: skipped (no HMLSIM_FICO_PATH and no shared/data/heloc_dataset_v1.csv)")
            return None
    ds = load_dataset(name, path=path, seed=seed)
    expert = make_expert(ds, decision="difficulty", confidence="accuracy", rng=seed)
    h, c_h = expert.decide(ds.train, make_rng(seed, "train"))
    start = time.process_time()
    dm = fit_discretion_model(expert, ds, rng=make_rng(seed, "discretion"))
    t_accept = time.process_time() - start
    return dict(
        ds=ds,
        expert=expert,
        X=ds.train.X,
        y=np.asarray(ds.train.y).astype(int),
        h=np.asarray(h).astype(int),
        c_h=np.asarray(c_h, float),
        dm=dm,
        t_accept=t_accept,
    )


def _row(label: str, ref: float | None, fast: float, extra: str = "") -> str:
    if ref is None:
        return f"  {label:<22} {'':>9}  {fast:8.2f} s  {extra}"
    ratio = ref / fast if fast > 0 else float("inf")
    return f"  {label:<22} {ref:8.2f} s  {fast:8.2f} s  x{ratio:5.1f}  {extra}"


def bench(name: str, args) -> bool:
    ctx = prepare(name, args.seed)
    if ctx is None:
        return True
    params = dict(alpha=args.alpha, n_iter=args.n_iter, rule_penalty=0.001, random_state=args.seed)
    warm_up(ctx, params)
    fast, t_fast, (problem, anneal_kwargs) = fit(ctx, params)
    ref, t_ref = None, None
    if not args.skip_reference:
        ref, t_ref, _ = fit(ctx, params, reference=True)
    fewer_params = {**params, "n_trees_per_length": args.fewer_trees}
    fewer, t_fewer, _ = fit(ctx, fewer_params)
    whole_target, anneal_target = TARGETS[name]
    n, d = np.asarray(ctx["X"]).shape
    cands = problem.candidates
    print(
        f"\n{name}: {n} training rows, {d} features, {len(cands.pos)} + {len(cands.neg)} "
        f"candidates; difficulty-biased expert, alpha = {args.alpha}, T = {args.n_iter}, "
        f"split seed {args.seed}"
    )
    print(f"  {'CPU seconds':<22} {'reference':>11} {'fast':>10}   ratio")
    for phase in (*PHASES, "p(a)"):
        ref_t = None if t_ref is None else t_ref.get(phase, 0.0)
        note = "(shared, unchanged)" if phase == "p(a)" else ""
        if phase == "annealing":
            ok = "met" if t_fast[phase] <= anneal_target else "NOT met"
            note = f"target <= {anneal_target:g} s: {ok}"
        print(_row(phase, ref_t, t_fast.get(phase, 0.0), note))
    ok = "met" if t_fast["total"] <= whole_target else "NOT met"
    ref_total = None if t_ref is None else t_ref["total"]
    print(_row("whole fit", ref_total, t_fast["total"], f"target <= {whole_target:g} s: {ok}"))
    t_before, t_now, same_search = annealing_alone(problem, anneal_kwargs, args.repeats)
    ok = "met" if t_now <= anneal_target else "NOT met"
    print(
        _row(
            f"annealing, median of {args.repeats}",
            t_before,
            t_now,
            f"target <= {anneal_target:g} s: {ok}; same search: {same_search}",
        )
    )
    same = same_search
    if ref is not None:
        same_fit = (
            ref.rules_ == fast.rules_
            and ref.train_loss_ == fast.train_loss_
            and np.array_equal(ref.annealing_.history, fast.annealing_.history)
        )
        print(f"  reference and fast: identical rules, training TTL and search path: {same_fit}")
        same &= same_fit
    rows = [("fast (250 trees/length)", fast)]
    if ref is not None:
        rows.insert(0, ("reference", ref))
    rows.append((f"fewer trees ({args.fewer_trees}/length)", fewer))
    hdl = None
    for label, advisor in rows:
        ttl, hdl = ttl_on_test(advisor, ctx, args.alpha, args.test_draws, args.seed)
        print(
            f"  quality {label:<26} training TTL {advisor.train_loss_:.4f}, test TTL {ttl:.4f} "
            f"({len(advisor.rules_pos_)} + {len(advisor.rules_neg_)} rules)"
        )
    print(f"  expert alone: test HDL {hdl:.4f} ({args.test_draws} expert draws)")
    ok = "met" if t_fewer["total"] <= whole_target else "NOT met"
    print(
        f"  fewer trees ({args.fewer_trees}/length, a method change): mining "
        f"{t_fewer['mining']:.2f} s, annealing {t_fewer['annealing']:.2f} s, whole fit "
        f"{t_fewer['total']:.2f} s (target <= {whole_target:g} s: {ok})"
    )
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["heart", "fico"])
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--n-iter", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20, help="split seed and random_state")
    parser.add_argument("--fewer-trees", type=int, default=50)
    parser.add_argument("--test-draws", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="annealing-alone repeats")
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {machine_load()} (CPU seconds of this process, one thread)")
    same = all([bench(name, args) for name in args.datasets])
    print(f"\n{machine_load()}")
    if not same:
        raise SystemExit("the fast path and the reference learned different rules")


if __name__ == "__main__":
    with limited_threads(1):
        main()
