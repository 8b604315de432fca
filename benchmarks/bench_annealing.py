"""Time of one TeamRules annealing (T = 2000) on Heart and FICO, against a per-rule reference.

The candidates, p̂(y | x) and the discretion model p̂(a) are prepared once per
dataset (as :func:`hmlsim.advisors.evaluate_advisors` shares them), then the
annealing alone is timed. The reference (:func:`anneal_rule_sets_reference`)
runs the same search, drawing the same random numbers, but scores every
candidate rule by re-evaluating all rows, as the published implementation
does; it is run for ``--ref-iter`` iterations and both are compared per
iteration on that prefix (identical rule sets are checked).

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


def bench(name: str, alpha: float, n_iter: int, ref_iter: int, repeats: int) -> None:
    cands, y, h, c_h, p_y, dm = prepare(name)
    problem = AdvisingProblem(cands, y, h, c_h, p_y, p_accept=dm.predict_proba, alpha=alpha)
    kw = dict(rule_penalty=0.001, n_proposals=50)
    times, cpu = [], []
    for r in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        res = anneal_rule_sets(problem, n_iter=n_iter, rng=r, **kw)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    fast = float(np.median(times))
    print(
        f"{name}: fast annealing T={n_iter}: {fast:.2f} s wall, {np.median(cpu):.2f} s CPU "
        f"per fit (median of {repeats}; "
        f"{1e3 * fast / n_iter:.2f} ms/iteration), {len(res.pos)} + {len(res.neg)} rules, "
        f"training TTL {res.ttl:.4f}"
    )
    t0 = time.perf_counter()
    short = anneal_rule_sets(problem, n_iter=ref_iter, rng=0, **kw)
    t_fast_short = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = anneal_rule_sets_reference(problem, n_iter=ref_iter, rng=0, **kw)
    t_ref = time.perf_counter() - t0
    same = (
        np.array_equal(short.pos, ref.pos)
        and np.array_equal(short.neg, ref.neg)
        and np.array_equal(short.history, ref.history)
    )
    ratio = (t_ref / ref_iter) / (t_fast_short / ref_iter)
    print(
        f"{name}: reference T={ref_iter}: {t_ref:.2f} s ({1e3 * t_ref / ref_iter:.1f} "
        f"ms/iteration, ~{t_ref / ref_iter * n_iter:.0f} s per T={n_iter} fit); fast on the "
        f"same {ref_iter} iterations {t_fast_short:.2f} s; speed-up x{ratio:.1f}; "
        f"identical rule sets: {same}"
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
