"""CPU time of evaluating a fitted TR over many expert draws: p̂(a) memoised vs asked every time.

Evaluating an advisor (Figure 2 pairs each with 50 draws of the expert on the
test split, at every α) calls p̂(a | c^M, c^H) once per draw to apply ψ. The
discretion model is a scikit-learn classifier whose per-call overhead dwarfs
the work on ~100–1,000 rows, while the pairs (c^M, c^H) take few distinct
values (rule precisions × the expert's confidence levels). The advisors
memoise p̂(a) per distinct pair (:func:`hmlsim.advisors.advisor_base._accept_function`).
This script fits one TR per dataset, then times ``advise`` over ``--draws``
fresh draws with the memoised p̂(a) and with a reference that asks the model on
every call, checks that the advice is identical, and prints the CPU seconds
and their ratio.

Usage::

    python benchmarks/bench_evaluation.py [--datasets heart fico] [--draws 50]

FICO is read from ``HMLSIM_FICO_PATH`` or ``../shared/data/heloc_dataset_v1.csv``.
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import numpy as np
from _common import machine_load

from hmlsim.advisors import TeamRulesAdvisor, fit_outcome_model, mine_candidates
from hmlsim.advisors.outcome import out_of_fold_proba
from hmlsim.seeding import make_rng
from hmlsim.threads import limited_threads


def fitted_advisor(name: str, seed: int = 20):
    """A TR fitted at α = 0.1 (small mining, T = 500: the fit is not what is timed)."""
    from hmlsim.behaviour import fit_discretion_model, make_expert
    from hmlsim.data import load_dataset, resolve_fico_path

    ds = load_dataset(name, path=resolve_fico_path() if name == "fico" else None, seed=seed)
    expert = make_expert(ds, decision="difficulty", confidence="group", rng=seed)
    rng = make_rng(seed)
    X, y = ds.train.X, np.asarray(ds.train.y)
    h, c_h = expert.decide(ds.train, make_rng(rng, "train"))
    cands = mine_candidates(X, y, rng=make_rng(rng, "mining"), n_trees_per_length=50)
    outcome = fit_outcome_model(X, y, rng=make_rng(rng, "outcome"))
    p_y = out_of_fold_proba(outcome, X, y, rng=make_rng(rng, "out-of-fold"))
    model = fit_discretion_model(expert, ds, rng=make_rng(rng, "discretion"))
    tr = TeamRulesAdvisor(alpha=0.1, n_iter=500, random_state=seed)
    tr.fit(X, y, h, c_h, p_accept_model=model, p_y=p_y, candidates=cands)
    tr.outcome_model_ = outcome
    return ds, expert, tr, model


def time_advice(tr, ds, expert, draws: int, seed: int) -> tuple[float, list]:
    """CPU seconds of ``draws`` calls of ``advise`` on fresh expert draws, and the advice."""
    X = np.asarray(ds.test.X, dtype=float)
    p_test = tr.outcome_model_.predict_proba(X)[:, 1]
    inputs = [expert.decide(ds.test, make_rng(seed, "draw", r)) for r in range(draws)]
    started = time.process_time()
    advice = [tr.advise(X, h, c_h, p_y=p_test) for h, c_h in inputs]
    return time.process_time() - started, advice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["heart", "fico"])
    parser.add_argument("--draws", type=int, default=50)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {machine_load()}")
    for name in args.datasets:
        ds, expert, tr, model = fitted_advisor(name)
        reference = copy.copy(tr)
        reference.accept_ = lambda cm, ch, m=model: np.asarray(m.predict_proba(cm, ch), float)
        t_ref, ref_advice = time_advice(reference, ds, expert, args.draws, seed=1)
        t_fast, fast_advice = time_advice(tr, ds, expert, args.draws, seed=1)
        same = all(
            np.array_equal(a.advise, b.advise) and np.array_equal(a.y_hat, b.y_hat)
            for a, b in zip(ref_advice, fast_advice, strict=True)
        )
        print(
            f"{name}: {len(ds.test.y)} test rows, {args.draws} draws, {len(tr.rules_)} rules: "
            f"p̂(a) asked every call {t_ref:.2f} CPU s, memoised {t_fast:.2f} CPU s, "
            f"x{t_ref / max(t_fast, 1e-9):.1f}; identical advice: {same}"
        )
    print(machine_load())


if __name__ == "__main__":
    with limited_threads(1):
        main()
