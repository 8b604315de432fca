"""Per-epoch cost of the performative loop against the advisor fitting inside it.

The loop around the fit (dealing cases, the experts' decisions, advice and
acceptance on the epoch's and the evaluation cases, audit submissions, the
bootstrap interval of Φ(u) − u, the DataCollector) should cost little next to
retraining the advisor. This script runs the classification loop and splits
each epoch's CPU seconds (one thread) into the domain's ``retrain`` and the
rest, printing the ratio rest / retrain (target: at most 0.10).

    python benchmarks/bench_loop_epoch.py [--dataset heart] [--epochs 6] [--advisor TR]
"""

from __future__ import annotations

import argparse
import time

from _common import machine_load

from hmlsim.model import CollaborationModel
from hmlsim.threads import limited_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="heart")
    parser.add_argument("--advisor", default="TR")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--cases", type=int, default=250)
    parser.add_argument("--n-iter", type=int, default=200)
    parser.add_argument("--audit-share", type=float, default=0.1)
    args = parser.parse_args()
    print(machine_load())
    with limited_threads(1):
        model = CollaborationModel(
            dataset=args.dataset,
            advisor=args.advisor,
            alpha=0.1,
            n_experts=3,
            cases_per_epoch=args.cases,
            n_iter=args.n_iter,
            audit_share=args.audit_share,
            exploration=0.05,
            rng=0,
        )
        domain = model.domain
        fit_seconds = []
        original = domain.retrain

        def timed(*a, **k):
            start = time.process_time()
            try:
                return original(*a, **k)
            finally:
                fit_seconds.append(time.process_time() - start)

        domain.retrain = timed
        rows = []
        for _ in range(args.epochs):
            before = len(fit_seconds)
            start = time.process_time()
            model.step()
            total = time.process_time() - start
            fit = sum(fit_seconds[before:])
            rows.append((total, fit))
    print(f"{args.dataset} · {args.advisor} · {args.cases} cases/epoch · T = {args.n_iter}")
    print("epoch  total CPU s  retrain CPU s  rest CPU s  rest / retrain")
    for epoch, (total, fit) in enumerate(rows, start=1):
        rest = total - fit
        ratio = rest / fit if fit else float("nan")
        print(f"{epoch:5d}  {total:11.2f}  {fit:13.2f}  {rest:10.2f}  {ratio:14.3f}")
    fitted = [(t, f) for t, f in rows if f > 0]
    total = sum(t for t, _ in fitted)
    fit = sum(f for _, f in fitted)
    print(f"epochs with a retraining: rest / retrain = {(total - fit) / fit:.3f}")


if __name__ == "__main__":
    main()
