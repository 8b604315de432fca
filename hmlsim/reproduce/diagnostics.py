"""Experiments that check the written diagnoses of the reproduction's deviations.

:func:`same_draw_advantage` asks whether TR's rules are fitted to the one draw
of the expert's training decisions they were learned from. TR is annealed on a
single draw h of the expert on the training rows (the paper's procedure); TR-
SelectiveOnly uses task-only rules, fitted to the labels alone, and the same ψ.
If TR's edge over TR-SelectiveOnly is an edge on *that draw*, it shows on the
training rows with the training draw and shrinks on the same rows with fresh
draws of the same expert (and on the test rows). The expected team loss of
each advisor is computed exactly from the expert's true acceptance
probabilities (no acceptance sampling).

Usage::

    python -m hmlsim.reproduce.diagnostics --dataset heart --behaviour difficulty+accuracy \\
        --alphas 0.1 0.3 --splits 20 21 22
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hmlsim.advisors import evaluate_advisors
from hmlsim.advisors.loss import decision_loss
from hmlsim.advisors.outcome import out_of_fold_proba
from hmlsim.scenarios import _teamrules_common as common
from hmlsim.seeding import derive_seed, make_rng
from hmlsim.threads import limited_threads


def expected_ttl(advisor, expert, X, y, h, c_h, p_y, alpha: float) -> float:
    """E[TTL] of ``advisor`` with one draw (h, c^H) of ``expert``, over acceptance only."""
    advice = advisor.advise(X, h, c_h, p_y=p_y)
    contra = advice.advise & (advice.y_hat != h)
    p_a = np.where(contra, expert.accept_probability(np.nan_to_num(advice.c_model), c_h), 0.0)
    v_h, v_m = decision_loss(y, h), decision_loss(y, advice.y_hat)
    return float(np.mean(v_h + contra * (p_a * (v_m - v_h) + alpha)))


def same_draw_advantage(
    dataset: str,
    behaviour: str,
    alphas: Sequence[float],
    splits: Sequence[int],
    *,
    fresh_draws: int = 20,
    seed: int = 0,
) -> pd.DataFrame:
    """TR − TR-SelectiveOnly added value on the training draw, fresh training draws and test.

    Returns
    -------
    DataFrame
        One row per (split, α) with ``train_same_draw``, ``train_fresh_draws``
        and ``test_fresh_draws``: TR's added value minus TR-SelectiveOnly's
        (positive: TR ahead).
    """
    rows = []
    for split in splits:
        ds = common.load_context_data(dataset, split)
        run = common.run_seed(seed, ds.name, behaviour, split)
        expert = common.behaviour_expert(ds, behaviour, run)
        with limited_threads(1):
            _, fit = evaluate_advisors(
                ds,
                expert,
                alpha=list(alphas),
                variants=("TR", "TR-SelectiveOnly"),
                n_repetitions=1,
                rng=run,
                return_fit=True,
            )
        # the training draw evaluate_advisors learned from (its seeds are keyed, not sequential)
        base = int(make_rng(run).integers(2**63))
        train, test = ds.train, ds.test
        h_train, c_train = expert.decide(train, make_rng(derive_seed(base, "train")))
        X_tr, y_tr = np.asarray(train.X, float), np.asarray(train.y).astype(int)
        X_te, y_te = np.asarray(test.X, float), np.asarray(test.y).astype(int)
        # ψ on the training rows sees p̂(y | x) out of fold, as in the fit (same seed, same values)
        p_tr = out_of_fold_proba(
            fit.outcome_model, X_tr, y_tr, rng=make_rng(derive_seed(base, "out-of-fold"))
        )
        p_te = fit.outcome_model.predict_proba(X_te)[:, 1]
        fresh = [
            expert.decide(train, make_rng(seed, "fresh", split, r)) for r in range(fresh_draws)
        ]
        tests = [expert.decide(test, make_rng(seed, "test", split, r)) for r in range(fresh_draws)]
        for alpha in alphas:
            gap = {}
            for name, draws, X, y, p in (
                ("train_same_draw", [(h_train, c_train)], X_tr, y_tr, p_tr),
                ("train_fresh_draws", fresh, X_tr, y_tr, p_tr),
                ("test_fresh_draws", tests, X_te, y_te, p_te),
            ):
                diffs = [
                    expected_ttl(
                        fit.advisors[("TR-SelectiveOnly", alpha)], expert, X, y, h, c, p, alpha
                    )
                    - expected_ttl(fit.advisors[("TR", alpha)], expert, X, y, h, c, p, alpha)
                    for h, c in draws
                ]
                gap[name] = float(np.mean(diffs))
            rows.append(
                {
                    "dataset": ds.name,
                    "behaviour": behaviour,
                    "split_seed": split,
                    "alpha": alpha,
                    **gap,
                }
            )
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> None:
    """Print :func:`same_draw_advantage` per run and its mean ± SE over runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="heart")
    parser.add_argument("--behaviour", default="difficulty+accuracy")
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--splits", type=int, nargs="+", default=[20, 21, 22])
    args = parser.parse_args(argv)
    table = same_draw_advantage(args.dataset, args.behaviour, args.alphas, args.splits)
    print(table.round(4).to_string(index=False))
    columns = ["train_same_draw", "train_fresh_draws", "test_fresh_draws"]
    stats = table.groupby("alpha")[columns].agg(["mean", "sem"]).round(4)
    print(stats.to_string())


if __name__ == "__main__":
    main()
