"""Time of one TeamRules annealing (T = 2000) on Heart and FICO, against a per-rule reference.

The candidates, p̂(y | x) and the discretion model p̂(a) are prepared once per
dataset (as :func:`hmlsim.advisors.evaluate_advisors` shares them), then the
annealing alone is timed in CPU seconds: the compiled engine (numba, the
default) against the vectorised NumPy engine in the same process, over the
full T, with their rule sets compared. The per-rule reference
(:func:`anneal_rule_sets_reference`) runs the same search, drawing the same
random numbers, but scores every candidate rule by re-evaluating all rows, as
the published implementation does; it is run for ``--ref-iter`` iterations.

Usage::

    python benchmarks/bench_annealing.py [--datasets heart fico] [--ref-iter 200]

FICO is read from ``HMLSIM_FICO_PATH`` or ``../shared/data/heloc_dataset_v1.csv``.
Runs on one core (:func:`hmlsim.threads.limited_threads`).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from hmlsim.advisors import (
    AdvisingProblem,
    anneal_rule_sets,
    anneal_rule_sets_reference,
    fit_outcome_model,
    mine_candidates,
)
from hmlsim.advisors.outcome import out_of_fold_proba
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads


def prepare(name: str, seed: int = 20):
    """Dataset, candidates, p̂(y|x), p̂(a) and one expert draw on the training split."""
    from hmlsim.behaviour import fit_discretion_model, make_expert
    from hmlsim.data import load_dataset, resolve_fico_path

    path = None
    if name == "fico":
        path = resolve_fico_path()
    ds = load_dataset(name, path=path, seed=seed)
    expert = make_expert(ds, decision="difficulty", confidence="accuracy", rng=seed)
    rng = make_rng(seed)
    h, c_h = expert.decide(ds.train, make_rng(rng, "train"))
    t0 = time.perf_counter()
    cands = mine_candidates(ds.train.X, ds.train.y, rng=make_rng(rng, "mining"))
    t_mine = time.perf_counter() - t0
    t0 = time.perf_counter()
    outcome = fit_outcome_model(ds.train.X, ds.train.y, rng=make_rng(rng, "outcome"))
    p_y = out_of_fold_proba(outcome, ds.train.X, ds.train.y, rng=make_rng(rng, "out-of-fold"))
    t_outcome = time.perf_counter() - t0
    t0 = time.perf_counter()
    dm = fit_discretion_model(expert, ds, rng=make_rng(rng, "discretion"))
    t_dm = time.perf_counter() - t0
    print(
        f"{name}: {len(ds.train.y)} training rows, {len(cands.pos)} + {len(cands.neg)} "
        f"candidates; mining {t_mine:.1f} s, p(y|x) {t_outcome:.1f} s, p(a) {t_dm:.1f} s "
        f"(once per context)"
    )
    return cands, np.asarray(ds.train.y), h, c_h, p_y, dm


def _timed(problem, n_iter: int, rng: int, **kw):
    """(result, wall seconds, CPU seconds) of one annealing."""
    t0, c0 = time.perf_counter(), time.process_time()
    res = anneal_rule_sets(problem, n_iter=n_iter, rng=rng, **kw)
    return res, time.perf_counter() - t0, time.process_time() - c0


def _same(a, b) -> bool:
    return bool(np.array_equal(a.pos, b.pos) and np.array_equal(a.neg, b.neg) and a.fun == b.fun)


def bench(name: str, alpha: float, n_iter: int, ref_iter: int, repeats: int) -> None:
    cands, y, h, c_h, p_y, dm = prepare(name)
    problem = AdvisingProblem(cands, y, h, c_h, p_y, p_accept=dm.predict_proba, alpha=alpha)
    kw = dict(rule_penalty=0.001, n_proposals=50)
    _, first, _ = _timed(problem, 10, 0, engine="compiled", **kw)
    print(f"{name}: first compiled call (load or compile the kernel) {first:.1f} s wall")
    cpu = {"numpy": [], "compiled": []}
    same = []
    for r in range(repeats):
        res_np, _, c_np = _timed(problem, n_iter, r, engine="numpy", **kw)
        res_c, _, c_c = _timed(problem, n_iter, r, engine="compiled", **kw)
        cpu["numpy"].append(c_np)
        cpu["compiled"].append(c_c)
        same.append(_same(res_np, res_c))
    t_np, t_c = float(np.median(cpu["numpy"])), float(np.median(cpu["compiled"]))
    print(
        f"{name}: annealing T={n_iter} (median of {repeats}, CPU s): numpy engine {t_np:.2f} s, "
        f"compiled {t_c:.3f} s, ratio x{t_np / t_c:.1f}; identical rule sets in "
        f"{sum(same)}/{repeats}; {len(res_c.pos)} + {len(res_c.neg)} rules, "
        f"training TTL {res_c.ttl:.4f}"
    )
    short, _, c_short = _timed(problem, ref_iter, 0, engine="compiled", **kw)
    c0 = time.process_time()
    ref = anneal_rule_sets_reference(problem, n_iter=ref_iter, rng=0, **kw)
    c_ref = time.process_time() - c0
    print(
        f"{name}: per-rule reference T={ref_iter}: {c_ref:.2f} CPU s "
        f"({1e3 * c_ref / ref_iter:.1f} ms/iteration); compiled on the same iterations "
        f"{c_short:.3f} s, ratio x{c_ref / max(c_short, 1e-9):.0f}; identical rule sets: "
        f"{_same(short, ref)}"
    )


def _load() -> str:
    try:
        return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["heart", "fico"])
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--n-iter", type=int, default=2000)
    parser.add_argument("--ref-iter", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {_load()} (wall times grow with the load; CPU times less)")
    for name in args.datasets:
        bench(name, args.alpha, args.n_iter, args.ref_iter, args.repeats)
    print(_load())


if __name__ == "__main__":
    with limited_threads(1):
        main()
