"""Exact knapsack DP: instances per CPU-second of the solver against the plain formulation.

Draws instances with the project's generator (:func:`hmlsim.knapsack.instances.draw_raw`,
the raw draws that :func:`~hmlsim.knapsack.instances.generate_instances` solves,
ties included; 18 items, weights 1..100, capacities up to 250), then solves the
same batch with :func:`hmlsim.knapsack.solve_dp` and with
:func:`reference_solve_dp` below -- the library's solver before it was made
fast (one ``int64`` table for values, one for counts, a fancy-index gather per
item over the whole batch) -- in this process, on one thread
(:func:`hmlsim.threads.limited_threads`). CPU time is ``time.process_time()``,
median of ``--repeats``. The two must return identical optimal values, numbers
of optimal item sets and selections (ties included); the script fails if not.

Usage::

    python benchmarks/bench_knapsack_dp.py [--instances 20000] [--repeats 3] [--seed 0]

Target (issue 12): at least 50,000 instances per CPU-second for 18 items.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
from _common import machine_load

from hmlsim.knapsack import solve_dp
from hmlsim.knapsack.instances import draw_raw
from hmlsim.knapsack.solver import DPResult, _as_batch
from hmlsim.threads import limited_threads

TARGET = 50_000


def reference_solve_dp(weights, values, capacity) -> DPResult:
    """The solver as it was before issue 12 (kept here as the reference).

    One ``int64`` table of best values and one of counts, shape (B, C + 1),
    updated once per item with a fancy-index gather of every row's shifted
    source; ``take`` (B, n, C + 1) records where an item strictly improves.
    """
    w, v, cap = _as_batch(weights, values, capacity)
    n_batch, n_items = w.shape
    c_max = int(cap.max()) if n_batch else 0
    grid = np.arange(c_max + 1)
    rows = np.arange(n_batch)[:, None]
    best = np.zeros((n_batch, c_max + 1), dtype=np.int64)
    count = np.ones((n_batch, c_max + 1), dtype=np.int64)
    take = np.zeros((n_batch, n_items, c_max + 1), dtype=bool)
    for i in range(n_items):
        source = grid[None, :] - w[:, i : i + 1]
        fits = source >= 0
        source = np.where(fits, source, 0)
        candidate = np.where(fits, best[rows, source] + v[:, i : i + 1], -1)
        candidate_count = np.where(fits, count[rows, source], 0)
        better = candidate > best
        equal = candidate == best
        take[:, i, :] = better
        count = np.where(better, candidate_count, np.where(equal, count + candidate_count, count))
        best = np.where(better, candidate, best)
    flat = np.arange(n_batch)
    value = best[flat, cap]
    n_optimal = count[flat, cap]
    selection = np.zeros((n_batch, n_items), dtype=bool)
    remaining = cap.copy()
    for i in range(n_items - 1, -1, -1):
        chosen = take[flat, i, remaining]
        selection[:, i] = chosen
        remaining = remaining - chosen * w[:, i]
    return DPResult(value=value, selection=selection, n_optimal=n_optimal)


def cpu_time(solve: Callable[..., DPResult], batch, repeats: int) -> tuple[float, DPResult]:
    """Median CPU seconds of ``solve(*batch)`` over ``repeats`` runs, and its result."""
    times = []
    for _ in range(repeats):
        c0 = time.process_time()
        result = solve(*batch)
        times.append(time.process_time() - c0)
    return float(np.median(times)), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=18)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {machine_load()} (CPU times, one thread)")
    batch = draw_raw(args.instances, np.random.default_rng(args.seed), n_items=args.items)
    n = args.instances
    solve_dp(*(a[:10] for a in batch))  # warm-up: imports, first allocations
    t_fast, fast = cpu_time(solve_dp, batch, args.repeats)
    t_ref, ref = cpu_time(reference_solve_dp, batch, args.repeats)
    ties = int(np.sum(ref.n_optimal > 1))
    print(
        f"{n} instances, {args.items} items, capacities {batch[2].min()}..{batch[2].max()}, "
        f"{ties} with tied optima"
    )
    print(f"reference: {t_ref:.3f} CPU-s, {n / t_ref:,.0f} instances per CPU-second")
    print(f"fast:      {t_fast:.3f} CPU-s, {n / t_fast:,.0f} instances per CPU-second")
    print(f"speed-up x{t_ref / t_fast:.1f}; target {TARGET:,}/CPU-s met: {n / t_fast >= TARGET}")
    same = {
        name: bool(np.array_equal(getattr(fast, name), getattr(ref, name)))
        for name in ("value", "n_optimal", "selection")
    }
    print("identical " + ", ".join(f"{name}: {ok}" for name, ok in same.items()))
    print(machine_load())
    if not all(same.values()):
        raise SystemExit("the fast solver differs from the reference")


if __name__ == "__main__":
    with limited_threads(1):
        main()
