"""Per-run and pooled reading of the performative study: runs told apart, learning maps, checks.

Split from :mod:`hmlsim.scenarios.performative_advisors` (which re-exports
these names): how a table's runs are named (:data:`RUN_COLUMNS`), the pooled
learning map per advisor × context and the audited-TR checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError
from hmlsim.seeding import make_rng

#: the columns that name a run in the tables
RUN_COLUMNS = (
    "dataset",
    "decision",
    "confidence",
    "advisor",
    "retraining",
    "alpha",
    "audit_share",
    "initial_quality",
    "repetition",
    "run_seed",
)
#: the columns that name a context (one learning map per advisor × context)
CONTEXT = ("dataset", "decision", "retraining", "alpha", "audit_share")


def learning_maps(paths: pd.DataFrame, seed: int) -> list[dict[str, Any]]:
    """Per advisor × context: the pooled learning map, its fixed points and basins.

    Each map's bootstrap draws from ``seed`` and the map's advisor and context,
    so the same runs and seed give the same standard errors.
    """
    from hmlsim.dynamics import EmpiricalLearningMap, endpoints_by_start

    out = []
    for key, group in paths.groupby(["advisor", *CONTEXT], sort=True):
        entry = dict(zip(["advisor", *CONTEXT], key, strict=True))
        by_run = runs_of(group)
        runs = [run["model_utility"].to_numpy() for run in by_run]
        firsts = [float(r[0]) for r in runs]
        finals = [float(r[-1]) for r in runs]
        starts = [float(run["initial_quality"].iloc[0]) for run in by_run]
        entry["endpoints"] = [
            {k: _plain(v) for k, v in e.items()}
            for e in endpoints_by_start(np.array(starts), np.array(finals))
        ]
        entry["visited"] = [
            float(np.min(np.concatenate(runs))),
            float(np.max(np.concatenate(runs))),
        ]
        entry["initial_model_utility"] = [float(np.min(firsts)), float(np.max(firsts))]
        if len(runs) < 2:
            entry.update(map=None, note="one run: no pooled map (add replicates or starts)")
        else:
            try:
                fitted = EmpiricalLearningMap.from_paths(runs)
                entry["map"] = fitted.as_dict(rng=make_rng(seed, "learning-map", *map(str, key)))
            except ConfigError as error:  # e.g. too few distinct utilities to bin
                entry.update(map=None, note=f"no map: {error}")
        out.append(entry)
    return out


def runs_of(table: pd.DataFrame) -> list[pd.DataFrame]:
    """The table's runs in epoch order, told apart by every column of :data:`RUN_COLUMNS` it has.

    ``run_seed`` alone does not name a run: the runs of one context's audit
    shares, advisors and retraining strategies share their seed.
    """
    key = [c for c in RUN_COLUMNS if c in table.columns]
    return [run.sort_values("epoch") for _, run in table.groupby(key, sort=True)]


def audited_tr_checks(runs: pd.DataFrame) -> list[dict[str, Any]]:
    """For TR and TR+expertise with an audit channel: still advising, team at or above the human?"""
    rows = runs[runs["advisor"].isin(["TR", "TR+expertise"]) & (runs["audit_share"] > 0)]
    checks = []
    for _, run in rows.iterrows():
        gain = run["final_team_minus_human"]
        checks.append(
            {
                "advisor": run["advisor"],
                **{k: _plain(run[k]) for k in (*CONTEXT, "initial_quality", "repetition")},
                "keeps_advising": bool(run["final_advising_rate"] > 0),
                "team_at_or_above_human": bool(gain >= -run["final_team_minus_human_se"]),
                "team_minus_human": float(gain),
                "se": float(run["final_team_minus_human_se"]),
            }
        )
    return checks


def _plain(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
